package planpolicy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
)

// Input is what one evaluation sees.
type Input struct {
	// Plan is `terraform show -json` of the saved plan, the conftest input.
	Plan []byte
	// Project is data.paved.project to policies; conftest policies ignore it.
	Project Project
}

// Project names the project a plan is of.
type Project struct {
	Repo      string `json:"repo"`
	Name      string `json:"name"`
	Dir       string `json:"dir"`
	Workspace string `json:"workspace"`
	Team      string `json:"team"`
}

// Result is what one set found in one project's plan.
type Result struct {
	Set string `json:"set"`
	// Failures are the messages of deny* and violation* rules, sorted and
	// deduplicated.
	Failures []string `json:"failures,omitempty"`
	// Warnings are the messages of warn* rules, sorted and deduplicated.
	Warnings []string `json:"warnings,omitempty"`
	// Passed counts the rules that produced nothing, as conftest counts
	// successes.
	Passed int `json:"passed"`
	// Error is why the evaluation failed: a timeout, a runtime or builtin
	// error, a panic, a plan that is not JSON, a rule whose value is not a
	// set of messages.
	Error string `json:"error,omitempty"`
}

// OK reports whether the plan passed: no failures and no error.
func (r Result) OK() bool {
	return len(r.Failures) == 0 && r.Error == ""
}

// errTimedOut is the cause of the context Eval bounds by its timeout, which
// tells its expiry from the caller's cancellation.
var errTimedOut = errors.New("policy evaluation timed out")

// Eval evaluates the set against one plan, stopping after timeout (none
// when zero or less, leaving ctx alone to bound it). It never fails: what
// goes wrong is in the Result's Error, which is not OK, since a gate must
// not pass a plan it could not check. It is safe for concurrent use.
func (c *Compiled) Eval(ctx context.Context, in Input, timeout time.Duration) (res Result) {
	res = Result{Set: c.name}
	// A panic in OPA or a builtin must not take the bot down with it.
	defer func() {
		if v := recover(); v != nil {
			res = Result{Set: c.name, Error: fmt.Sprintf("policy evaluation panicked: %v", v)}
		}
	}()
	input, err := inputValue(in)
	if err != nil {
		res.Error = err.Error()
		return res
	}
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, timeout, errTimedOut)
		defer cancel()
	}
	for _, n := range c.namespaces {
		if err := n.eval(ctx, input, &res); err != nil {
			return Result{Set: c.name, Error: stopped(ctx, err, timeout)}
		}
	}
	res.Failures = sortedSet(res.Failures)
	res.Warnings = sortedSet(res.Warnings)
	return res
}

// stopped describes err, naming a timeout or cancellation as such rather
// than by OPA's "caller cancelled query execution".
func stopped(ctx context.Context, err error, timeout time.Duration) string {
	if ctx.Err() == nil {
		return err.Error()
	}
	if cause := context.Cause(ctx); !errors.Is(cause, errTimedOut) {
		return fmt.Sprintf("policy evaluation stopped: %v", cause)
	}
	return fmt.Sprintf("timed out after %v", timeout)
}

// inputValue converts the plan once for every query of the evaluation.
func inputValue(in Input) (ast.Value, error) {
	// Numbers as float64, as conftest reads JSON.
	var plan any
	if err := json.Unmarshal(in.Plan, &plan); err != nil {
		return nil, fmt.Errorf("plan is not JSON: %w", err)
	}
	fields, ok := plan.(map[string]any)
	if !ok {
		return nil, errors.New("plan is not a JSON object, as `terraform show -json` of a saved plan is")
	}
	// Lazy, so that only the parts of the plan a policy reads, most often
	// resource_changes alone, are converted to Rego values; the wrapper
	// too, since building an object hashes its values in full.
	return ast.LazyObject(map[string]any{"plan": fields, "project": in.Project.fields()}), nil
}

// fields are the project as policies see it, under its JSON names.
func (p Project) fields() map[string]any {
	return map[string]any{"repo": p.Repo, "name": p.Name, "dir": p.Dir, "workspace": p.Workspace, "team": p.Team}
}

// eval adds the messages of the namespace's rules to res, and its
// successes as conftest counts them: one for a rule that evaluated to an
// empty set, then as many more as the rules' bodies outnumber everything
// counted.
func (n namespace) eval(ctx context.Context, input ast.Value, res *Result) error {
	var counted, successes int
	for _, r := range n.rules {
		excepted, err := r.exceptions(ctx, input)
		if err != nil {
			return err
		}
		// Queried even when excepted, so that an error in the rule still shows.
		msgs, defined, err := r.messages(ctx, input)
		if err != nil {
			return err
		}
		switch {
		case excepted > 0:
			counted += excepted
		case defined && len(msgs) == 0:
			successes++
		case r.failure:
			counted += len(msgs)
			res.Failures = append(res.Failures, msgs...)
		default:
			counted += len(msgs)
			res.Warnings = append(res.Warnings, msgs...)
		}
	}
	counted += successes
	res.Passed += successes + max(n.definitions-counted, 0)
	return nil
}

// exceptions counts the solutions of the rule's exception query, each an
// exception to conftest.
func (r rule) exceptions(ctx context.Context, input ast.Value) (int, error) {
	rs, err := r.exception.Eval(ctx, rego.EvalParsedInput(input))
	if err != nil {
		return 0, fmt.Errorf("exceptions to %s: %w", r.ref, err)
	}
	return len(rs), nil
}

// messages returns the rule's messages, and whether it is defined at all.
func (r rule) messages(ctx context.Context, input ast.Value) ([]string, bool, error) {
	rs, err := r.query.Eval(ctx, rego.EvalParsedInput(input))
	if err != nil {
		return nil, false, fmt.Errorf("%s: %w", r.ref, err)
	}
	if len(rs) == 0 {
		return nil, false, nil
	}
	// Conftest would count any other value as a pass; a gate must not.
	values, ok := rs[0].Bindings["value"].([]any)
	if !ok {
		return nil, false, fmt.Errorf("%s is %s, not a set of messages (as `deny contains msg if { ... }` makes)", r.ref, describe(rs[0].Bindings["value"]))
	}
	msgs := make([]string, 0, len(values))
	for _, v := range values {
		msg, err := message(v)
		if err != nil {
			return nil, false, fmt.Errorf("%s: %w", r.ref, err)
		}
		msgs = append(msgs, msg)
	}
	return msgs, true, nil
}

// message reads one element of a rule: a string, or an object whose msg
// is the message and whose other keys conftest reports as metadata.
func message(v any) (string, error) {
	switch v := v.(type) {
	case string:
		if v == "" {
			return "", errors.New("a message is empty")
		}
		return v, nil
	case map[string]any:
		msg, ok := v["msg"].(string)
		if !ok || msg == "" {
			return "", fmt.Errorf("an object without a string msg: %s", jsonText(v))
		}
		return msg, nil
	}
	return "", fmt.Errorf("%s is not a message (a string or an object with a string msg)", describe(v))
}

// describe names a value of a rule for messages.
func describe(v any) string {
	switch v.(type) {
	case bool:
		return "the boolean " + jsonText(v)
	case json.Number:
		return "the number " + jsonText(v)
	case string:
		return "the string " + jsonText(v)
	case map[string]any:
		return "the object " + jsonText(v)
	case nil:
		return "null"
	}
	return jsonText(v)
}

func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

func sortedSet(s []string) []string {
	slices.Sort(s)
	return slices.Compact(s)
}
