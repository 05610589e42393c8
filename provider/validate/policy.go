package validate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
)

// PolicyJSON checks that a string is an IAM policy document: valid JSON
// with a Version and at least one Statement, each with an Effect.
func PolicyJSON() validator.String { return policyJSONValidator{} }

type policyJSONValidator struct{}

func (policyJSONValidator) Description(context.Context) string {
	return "must be an IAM policy document in JSON, with Version and Statement"
}

func (v policyJSONValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (v policyJSONValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if msg := PolicyProblem(req.ConfigValue.ValueString()); msg != "" {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid policy document", msg)
	}
}

// PolicyProblem explains what is wrong with a policy document, or returns "".
func PolicyProblem(text string) string {
	var doc struct {
		Version   *string         `json:"Version"`
		Statement json.RawMessage `json:"Statement"`
	}
	if err := json.Unmarshal([]byte(text), &doc); err != nil {
		var syn *json.SyntaxError
		if errors.As(err, &syn) {
			return fmt.Sprintf("not valid JSON at byte %d: %s", syn.Offset, err)
		}
		return fmt.Sprintf("not a JSON object: %s", err)
	}
	if doc.Version == nil || (*doc.Version != "2012-10-17" && *doc.Version != "2008-10-17") {
		return `"Version" must be "2012-10-17"`
	}
	var statements []map[string]json.RawMessage
	if err := json.Unmarshal(doc.Statement, &statements); err != nil {
		var one map[string]json.RawMessage
		if err := json.Unmarshal(doc.Statement, &one); err != nil {
			return `"Statement" must be an object or a list of objects`
		}
		statements = append(statements, one)
	}
	if len(statements) == 0 {
		return `"Statement" must hold at least one statement`
	}
	for i, st := range statements {
		var effect string
		if err := json.Unmarshal(st["Effect"], &effect); err != nil || (effect != "Allow" && effect != "Deny") {
			return fmt.Sprintf(`statement %d: "Effect" must be "Allow" or "Deny"`, i)
		}
	}
	return ""
}
