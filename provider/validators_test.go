package provider

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/paved-road/paved/provider/validate"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// hyphenated is a valid name of n characters, every other one a hyphen,
// which the name patterns once counted as half as long.
func hyphenated(n int) string {
	return strings.Repeat("a-", n)[:n-1] + "z"
}

func validateName(rule validate.NameRule, name string) diag.Diagnostics {
	var diags diag.Diagnostics
	for _, v := range rule.Validators() {
		resp := validator.StringResponse{}
		v.ValidateString(context.Background(), validator.StringRequest{Path: path.Root("name"), ConfigValue: types.StringValue(name)}, &resp)
		diags.Append(resp.Diagnostics...)
	}
	return diags
}

// TestNameRules: a hyphenated name at each limit is accepted, at import
// too, and one a character longer is refused on name, with its length.
func TestNameRules(t *testing.T) {
	for _, tc := range []struct {
		resource string
		rule     validate.NameRule
		max      int
		why      string
	}{
		{"paved_redis", redisName, 40, "it is the replication group id, which ElastiCache limits to 40 characters"},
		{"paved_alb_target_binding", bindingName, 26,
			"the target groups are named <name>-blue and <name>-green, and ELBv2 limits target group names to 32 characters"},
	} {
		t.Run(tc.resource, func(t *testing.T) {
			at, over := hyphenated(tc.max), hyphenated(tc.max+1)
			if diags := validateName(tc.rule, at); diags.HasError() || !tc.rule.Valid(at) {
				t.Errorf("%d characters refused: %v", tc.max, diags)
			}
			diags := validateName(tc.rule, over)
			want := fmt.Sprintf("name %q has %d characters, at most %d fit: %s", over, tc.max+1, tc.max, tc.why)
			if len(diags) != 1 || diags[0].Summary() != "Name too long" || diags[0].Detail() != want {
				t.Fatalf("%d characters: %v, want one error %q", tc.max+1, diags, want)
			}
			if at := diags[0].(diag.DiagnosticWithPath).Path(); !at.Equal(path.Root("name")) {
				t.Errorf("error at %s, want name", at)
			}
			if tc.rule.Valid(over) {
				t.Errorf("import of a %d-character name accepted", tc.max+1)
			}
		})
	}
}

// TestNameRuleCharacters: the characters are checked apart from the
// length, with their own message.
func TestNameRuleCharacters(t *testing.T) {
	for _, name := range []string{"Orders", "orders--cache", "orders-", "1orders", "orders_cache"} {
		diags := validateName(redisName, name)
		if len(diags) != 1 || !strings.Contains(diags[0].Detail(), validate.LowercaseChars) {
			t.Errorf("%q: %v, want one error saying it %s", name, diags, validate.LowercaseChars)
		}
	}
}
