package iamrole

import (
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strings"
)

// Document is the subset of the IAM policy grammar paved writes and
// reads back. Principal and Action may come back from AWS as a string or a
// list; Normalize folds both into lists.
type Document struct {
	Version   string      `json:"Version"`
	Statement []Statement `json:"Statement"`
}

// Statement is one statement of a Document.
type Statement struct {
	Sid       string                       `json:"Sid,omitempty"`
	Effect    string                       `json:"Effect"`
	Principal map[string]StringList        `json:"Principal,omitempty"`
	Action    StringList                   `json:"Action"`
	Condition map[string]map[string]string `json:"Condition,omitempty"`
}

// StringList unmarshals from a JSON string or array, and always marshals as
// a sorted array, so that equal policies compare equal as text.
type StringList []string

// UnmarshalJSON takes a string or a list of strings.
func (s *StringList) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*s = StringList{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return fmt.Errorf("expected a string or a list of strings: %w", err)
	}
	*s = many
	return nil
}

// MarshalJSON writes a sorted list.
func (s StringList) MarshalJSON() ([]byte, error) {
	sorted := append([]string(nil), s...)
	sort.Strings(sorted)
	return json.Marshal(sorted)
}

// Normalize parses a policy as IAM returns it (URL-encoded JSON,
// strings or lists) and prints it in the canonical form paved writes.
// A document paved cannot represent is returned as compact JSON unchanged,
// so a drift still shows in the plan.
func Normalize(raw string) (string, error) {
	if decoded, err := url.QueryUnescape(raw); err == nil {
		raw = decoded
	}
	var doc Document
	dec := json.NewDecoder(strings.NewReader(raw))
	dec.DisallowUnknownFields() // a field paved does not model must not vanish from the comparison
	if err := dec.Decode(&doc); err != nil {
		var anyDoc any
		if err2 := json.Unmarshal([]byte(raw), &anyDoc); err2 != nil {
			return "", fmt.Errorf("policy is not valid JSON: %w", err2)
		}
		b, _ := json.Marshal(anyDoc)
		return string(b), nil
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return "", err
	}
	return string(b), nil
}
