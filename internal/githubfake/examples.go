package githubfake

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"

	"github.com/paved-road/paved/internal/prism"
)

// examples holds GitHub's own sample objects: the REST description's response
// examples and the real webhook payloads of @octokit/webhooks-examples. Every
// object the fake sends starts as a fresh copy of one of them.
type examples struct {
	rest     map[string]json.RawMessage
	webhooks map[string][]json.RawMessage // by event name
}

// restExamples are the REST examples the fake builds its answers from.
var restExamples = []string{
	"pull-request", "diff-entry-items", "pull-request-review-items", "issue-comment", "reaction",
	"status", "git-tag", "git-ref", "label-items", "installation-token",
	"repository-collaborator-permission-response-if-user-has-admin-permissions",
	"commit-comparison", "team-membership-response-if-user-is-a-team-maintainer",
	"full-repository-default-response", "private-user-response-with-public-and-private-profile-information",
	"issue", "check-run", "base-installation-items", "repository-items-default-response",
}

// loadExamples reads both files once per test binary: the description is
// 13 MB.
var loadExamples = sync.OnceValues(func() (*examples, error) {
	if err := prism.Installed(); err != nil {
		return nil, err
	}
	var spec struct {
		Components struct {
			Examples map[string]struct {
				Value json.RawMessage `json:"value"`
			} `json:"examples"`
		} `json:"components"`
	}
	if err := readJSON(prism.SpecPath(), &spec); err != nil {
		return nil, err
	}
	ex := &examples{rest: map[string]json.RawMessage{}, webhooks: map[string][]json.RawMessage{}}
	for name, e := range spec.Components.Examples {
		ex.rest[name] = e.Value
	}
	for _, name := range restExamples {
		if ex.rest[name] == nil {
			return nil, fmt.Errorf("%s has no example %q", prism.SpecPath(), name)
		}
	}
	var events []struct {
		Name     string            `json:"name"`
		Examples []json.RawMessage `json:"examples"`
	}
	if err := readJSON(prism.ExamplesPath(), &events); err != nil {
		return nil, err
	}
	for _, e := range events {
		ex.webhooks[e.Name] = e.Examples
	}
	return ex, nil
})

func readJSON(path string, v any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("reading GitHub's examples: %w", err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("parsing %s: %w", path, err)
	}
	return nil
}

// object returns a fresh copy of a REST example that is an object.
func (e *examples) object(name string) map[string]any {
	var m map[string]any
	decode(e.rest[name], &m, name)
	return m
}

// item returns a fresh copy of the first element of a REST example that is a list.
func (e *examples) item(name string) map[string]any {
	var items []map[string]any
	decode(e.rest[name], &items, name)
	if len(items) == 0 {
		panic("githubfake: example " + name + " is an empty list")
	}
	return items[0]
}

// webhook returns a fresh copy of the first payload of event with the action
// that also names an App installation, the way an App receives it.
func (e *examples) webhook(event, action string) (map[string]any, error) {
	for _, raw := range e.webhooks[event] {
		var m map[string]any
		decode(raw, &m, event)
		if m["action"] == action && m["installation"] != nil {
			return m, nil
		}
	}
	return nil, fmt.Errorf("@octokit/webhooks-examples has no %s %q payload sent to an App", event, action)
}

// decode keeps numbers as json.Number, so ids survive a round trip exactly.
// loadExamples checked that every example the fake uses is there and parses,
// so a failure here is a programming error.
func decode(raw json.RawMessage, v any, name string) {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	if err := d.Decode(v); err != nil {
		panic(fmt.Sprintf("githubfake: example %s: %v", name, err))
	}
}

// replaceStrings rewrites every string in a decoded JSON value, so the many
// URL fields of an example follow the fake's owner, repository and number.
func replaceStrings(v any, r *strings.Replacer) any {
	switch v := v.(type) {
	case string:
		return r.Replace(v)
	case map[string]any:
		for k, x := range v {
			v[k] = replaceStrings(x, r)
		}
	case []any:
		for i, x := range v {
			v[i] = replaceStrings(x, r)
		}
	}
	return v
}
