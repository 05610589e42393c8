package provider

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/paved-road/paved/provider/bluegreen"

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
		{"paved_eks_cluster_pair", eksPairName, 50,
			"the cluster role of a side is named <name>-<side>-cluster, and IAM limits role names to 64 characters"},
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

// TestEKSPairNameLimit: at the limit, every name a pair derives fits its
// AWS limit, and one character more breaks the cluster role's.
func TestEKSPairNameLimit(t *testing.T) {
	n := eksNames{pair: hyphenated(eksPairName.Max)}
	for _, side := range bluegreen.Sides {
		for _, name := range []struct {
			what  string
			value string
			limit int
		}{
			{"cluster", n.cluster(side), 100},
			{"node group", n.nodeGroup(side), 63},
			{"cluster role", n.clusterRole(side), 64},
			{"node role", n.nodeRole(side), 64},
		} {
			if len(name.value) > name.limit {
				t.Errorf("%s %s has %d characters, AWS allows %d", name.what, name.value, len(name.value), name.limit)
			}
		}
	}
	if over := (eksNames{pair: hyphenated(eksPairName.Max + 1)}).clusterRole("green"); len(over) <= 64 {
		t.Errorf("the limit is not tight: %s has %d characters", over, len(over))
	}
}
