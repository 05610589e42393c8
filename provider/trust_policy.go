package provider

import (
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strings"
)

// policyDocument is the subset of the IAM policy grammar paved writes and
// reads back. Principal and Action may come back from AWS as a string or a
// list; normalizePolicy folds both into lists.
type policyDocument struct {
	Version   string            `json:"Version"`
	Statement []policyStatement `json:"Statement"`
}

type policyStatement struct {
	Sid       string                       `json:"Sid,omitempty"`
	Effect    string                       `json:"Effect"`
	Principal map[string]stringList        `json:"Principal,omitempty"`
	Action    stringList                   `json:"Action"`
	Condition map[string]map[string]string `json:"Condition,omitempty"`
}

// stringList unmarshals from a JSON string or array, and always marshals as
// a sorted array, so that equal policies compare equal as text.
type stringList []string

func (s *stringList) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*s = stringList{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return fmt.Errorf("expected a string or a list of strings: %w", err)
	}
	*s = many
	return nil
}

func (s stringList) MarshalJSON() ([]byte, error) {
	sorted := append([]string(nil), s...)
	sort.Strings(sorted)
	return json.Marshal(sorted)
}

// trustPolicy builds the access role's trust policy: only the named hub
// principals may assume it, and only with MFA and a source identity when
// those are required. sts:SetSourceIdentity is granted beside
// sts:AssumeRole because AWS refuses a source identity the trust policy
// does not allow.
func trustPolicy(principals []string, requireMFA, requireSourceIdentity bool) string {
	conditions := map[string]map[string]string{}
	if requireMFA {
		conditions["Bool"] = map[string]string{"aws:MultiFactorAuthPresent": "true"}
	}
	if requireSourceIdentity {
		conditions["Null"] = map[string]string{"sts:SourceIdentity": "false"}
	}
	if len(conditions) == 0 {
		conditions = nil
	}
	doc := policyDocument{
		Version: "2012-10-17",
		Statement: []policyStatement{{
			Sid:       "HubPrincipalsOnly",
			Effect:    "Allow",
			Principal: map[string]stringList{"AWS": principals},
			Action:    stringList{"sts:AssumeRole", "sts:SetSourceIdentity"},
			Condition: conditions,
		}},
	}
	b, _ := json.Marshal(doc) // a struct of strings always marshals
	return string(b)
}

// normalizePolicy parses a policy as IAM returns it (URL-encoded JSON,
// strings or lists) and prints it in the canonical form trustPolicy uses.
// A document paved cannot represent is returned as compact JSON unchanged,
// so a drift still shows in the plan.
func normalizePolicy(raw string) (string, error) {
	if decoded, err := url.QueryUnescape(raw); err == nil {
		raw = decoded
	}
	var doc policyDocument
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
