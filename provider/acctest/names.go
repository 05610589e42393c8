package acctest

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"

	"github.com/paved-road/paved/provider/validate"
)

// TooLong is the one error a name one character over limit gets, naming
// its length, the limit and why.
func TooLong(name string, limit int, why string) string {
	return fmt.Sprintf("name %q has %d characters, at most %d fit: %s", name, limit+1, limit, why)
}

// CheckNameRule checks that a hyphenated name at the limit is accepted, at
// import too, and one a character longer is refused on name, with its
// length.
func CheckNameRule(t *testing.T, rule validate.NameRule, limit int, why string) {
	t.Helper()
	at, over := Hyphenated(limit), Hyphenated(limit+1)
	if diags := rule.Check(path.Root("name"), at); diags.HasError() || !rule.Valid(at) {
		t.Errorf("%d characters refused: %v", limit, diags)
	}
	diags := rule.Check(path.Root("name"), over)
	if want := TooLong(over, limit, why); len(diags) != 1 || diags[0].Summary() != "Name too long" || diags[0].Detail() != want {
		t.Fatalf("%d characters: %v, want one error %q", limit+1, diags, want)
	}
	if at := diags[0].(diag.DiagnosticWithPath).Path(); !at.Equal(path.Root("name")) {
		t.Errorf("error at %s, want name", at)
	}
	if rule.Valid(over) {
		t.Errorf("import of a %d-character name accepted", limit+1)
	}
}

// TooLongStep plans config, whose name is one character over limit, and
// expects the plan to fail with TooLong at the name attribute.
func TooLongStep(config, name string, limit int, why string) resource.TestStep {
	return resource.TestStep{
		Config: config, PlanOnly: true,
		ExpectError: DiagnosticPattern("Name too long", "name = ", TooLong(name, limit, why)),
	}
}

// GoneStep is the step after remove deleted the resource at addr outside
// Terraform: the refresh drops it from the state and the plan creates it
// again.
func GoneStep(config, addr string, remove func()) resource.TestStep {
	return resource.TestStep{
		PreConfig: remove,
		Config:    config, PlanOnly: true, ExpectNonEmptyPlan: true,
		ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{
			plancheck.ExpectResourceAction(addr, plancheck.ResourceActionCreate),
		}},
	}
}
