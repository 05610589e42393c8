package ekspair

import (
	"context"
	"strings"
	"testing"

	fwtimeouts "github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/paved-road/paved/provider/accounts"
	"github.com/paved-road/paved/provider/bluegreen"
	"github.com/paved-road/paved/provider/standards"
)

// sideValue builds a side as config (computed values null), as the
// framework proposes it before ModifyPlan (defaults in, computed unknown),
// or as state after apply.
func sideValue(t *testing.T, stage, side, version string) types.Object {
	t.Helper()
	str := func(v string) types.String {
		switch stage {
		case "config":
			return types.StringNull()
		case "proposed":
			return types.StringUnknown()
		}
		return types.StringValue(v)
	}
	flag := func(v bool) types.Bool {
		if stage == "config" {
			return types.BoolNull()
		}
		return types.BoolValue(v)
	}
	cluster := "shop-" + side
	return types.ObjectValueMust(sideType.AttrTypes, map[string]attr.Value{
		"version":                 types.StringValue(version),
		"endpoint_public_access":  flag(false),
		"endpoint_private_access": flag(true),
		"role_arn":                str("arn:aws:iam::222222222222:role/" + cluster + "-cluster"),
		"node_group":              types.ObjectNull(nodeGroupType.AttrTypes),
		"cluster_name":            str(cluster),
		"arn":                     str("arn:aws:eks:eu-west-1:222222222222:cluster/" + cluster),
		"endpoint":                str("https://" + cluster + ".example"),
		"certificate_authority":   str("ca-" + cluster),
		"oidc_issuer":             str("https://oidc/" + cluster),
		"node_group_name":         types.StringNull(),
	})
}

// pairValue builds a pair at a stage; sides maps side to version.
func pairValue(t *testing.T, s *pairResource, stage, live string, sides map[string]string) *pairModel {
	t.Helper()
	m := &pairModel{
		ID: types.StringValue("dev/shop"), Environment: types.StringValue("dev"), Name: types.StringValue("shop"),
		Team: types.StringValue("payments"), Service: types.StringValue("shop"), Live: types.StringValue(live),
		Blue: types.ObjectNull(sideType.AttrTypes), Green: types.ObjectNull(sideType.AttrTypes),
		Tags: types.MapNull(types.StringType), TagsAll: types.MapUnknown(types.StringType),
		Binding:  types.ObjectUnknown(bluegreen.BindingType.AttrTypes),
		Timeouts: fwtimeouts.Value{Object: types.ObjectNull(timeoutsType(t))},
	}
	for side, version := range sides {
		*m.sideObject(side) = sideValue(t, stage, side, version)
	}
	switch stage {
	case "config":
		m.ID, m.TagsAll, m.Binding = types.StringNull(), types.MapNull(types.StringType), types.ObjectNull(bluegreen.BindingType.AttrTypes)
	case "state":
		var d diag.Diagnostics
		s.planTags(context.Background(), m, &d)
		m.Binding = bindingOf(context.Background(), m, &d)
		if d.HasError() {
			t.Fatal(d)
		}
	}
	return m
}

func timeoutsType(t *testing.T) map[string]attr.Type {
	t.Helper()
	return timeoutsAttribute(context.Background()).GetType().(fwtimeouts.Type).AttrTypes
}

// modifyPlan runs ModifyPlan as the framework would and returns the plan.
func modifyPlan(t *testing.T, r *pairResource, state, config, proposed *pairModel) (*pairModel, diag.Diagnostics) {
	t.Helper()
	ctx := context.Background()
	var sr resource.SchemaResponse
	r.Schema(ctx, resource.SchemaRequest{}, &sr)
	set := func(m *pairModel) tfsdk.State {
		st := tfsdk.State{Schema: sr.Schema}
		if m != nil {
			if d := st.Set(ctx, m); d.HasError() {
				t.Fatal(d)
			}
		} else {
			st.RemoveResource(ctx)
		}
		return st
	}
	stateValue, configValue, planValue := set(state), set(config), set(proposed)
	req := resource.ModifyPlanRequest{
		State:  stateValue,
		Config: tfsdk.Config{Schema: sr.Schema, Raw: configValue.Raw},
		Plan:   tfsdk.Plan{Schema: sr.Schema, Raw: planValue.Raw},
	}
	resp := resource.ModifyPlanResponse{Plan: req.Plan}
	r.ModifyPlan(ctx, req, &resp)
	var out pairModel
	resp.Diagnostics.Append(resp.Plan.Get(ctx, &out)...)
	return &out, resp.Diagnostics
}

// testPairResource plans on the standards package's example document,
// whose dev account and region are the acceptance tests' too.
func testPairResource(t *testing.T) *pairResource {
	t.Helper()
	doc, err := standards.Load("../standards/testdata/valid.yaml")
	if err != nil {
		t.Fatal(err)
	}
	defaults := map[string]string{"cost-center": "platform", "owner": "platform"} // its required tags
	return &pairResource{meta: &accounts.Meta{Standards: doc, DefaultTags: defaults}}
}

func TestEKSPairPlan_createKnowsBinding(t *testing.T) {
	r := testPairResource(t)
	sides := map[string]string{"blue": "1.30"}
	plan, diags := modifyPlan(t, r, nil, pairValue(t, r, "config", "blue", sides), pairValue(t, r, "proposed", "blue", sides))
	if diags.HasError() {
		t.Fatal(diags)
	}
	if got := plan.Binding.String(); got != `{"environment":"dev","id":"dev/shop","live":"blue","name":"shop","sides":["blue"]}` {
		t.Errorf("binding %s", got)
	}
	blue := parseSide(context.Background(), plan.Blue, &diags)
	if blue.side.RoleARN.ValueString() != "arn:aws:iam::222222222222:role/shop-blue-cluster" || !blue.side.Endpoint.IsUnknown() {
		t.Errorf("blue planned as %+v", blue.side)
	}
	if got := plan.TagsAll.Elements()[liveTag]; got != types.StringValue("blue") {
		t.Errorf("paved:live planned as %v", got)
	}
}

func TestEKSPairPlan_replaceWarns(t *testing.T) {
	r := testPairResource(t)
	before := map[string]string{"blue": "1.29", "green": "1.29"}
	after := map[string]string{"blue": "1.29", "green": "1.30"}
	state := pairValue(t, r, "state", "blue", before)
	plan, diags := modifyPlan(t, r, state, pairValue(t, r, "config", "blue", after), pairValue(t, r, "proposed", "blue", after))
	if diags.HasError() {
		t.Fatal(diags)
	}
	if len(diags) != 1 || diags[0].Severity() != diag.SeverityWarning ||
		diags[0].Detail() != "green cluster shop-green will be replaced: version 1.29 → 1.30; blue keeps serving" {
		t.Fatalf("diagnostics %v", diags)
	}
	if at := diags[0].(diag.DiagnosticWithPath).Path(); !at.Equal(path.Root("green").AtName("version")) {
		t.Errorf("warning at %s", at)
	}
	green, blue := parseSide(context.Background(), plan.Green, &diags), parseSide(context.Background(), plan.Blue, &diags)
	if !green.side.Endpoint.IsUnknown() || blue.side.Endpoint.ValueString() != "https://shop-blue.example" {
		t.Errorf("green endpoint %s, blue endpoint %s", green.side.Endpoint, blue.side.Endpoint)
	}
}

func TestEKSPairPlan_liveGuard(t *testing.T) {
	r := testPairResource(t)
	both := map[string]string{"blue": "1.29", "green": "1.29"}
	cases := []struct {
		name   string
		before map[string]string // the state's sides, live blue unless only green
		live   string
		sides  map[string]string
		at     path.Path
		want   string
	}{
		{"remove the live side", both, "blue", map[string]string{"green": "1.29"}, path.Root("blue"),
			`blue is the live side and removing blue would delete cluster shop-blue. Set live = "green" first, in a separate apply, then remove blue.`},
		{"replace the live side", both, "blue", map[string]string{"blue": "1.30", "green": "1.29"}, path.Root("blue"),
			`blue is the live side and this plan would replace its cluster (blue.version 1.29 → 1.30). Set live = "green" first, in a separate apply, then change blue.`},
		{"remove the only side", map[string]string{"green": "1.29"}, "green", map[string]string{}, path.Root("green"),
			`green is the live side and removing green would delete cluster shop-green. The pair has no blue side to take over: ` +
				`add blue, then set live = "blue" once it serves, each in a separate apply, then remove green. ` +
				`To delete the pair instead, remove the whole paved_eks_cluster_pair resource.`},
		{"replace the only side", map[string]string{"blue": "1.29"}, "blue", map[string]string{"blue": "1.30"}, path.Root("blue"),
			`blue is the live side and this plan would replace its cluster (blue.version 1.29 → 1.30). The pair has no green side ` +
				`to take over: add green, then set live = "green" once it serves, each in a separate apply, then change blue.`},
		{"remove the live side for one created", map[string]string{"blue": "1.29"}, "blue", map[string]string{"green": "1.30"}, path.Root("blue"),
			`blue is the live side and removing blue would delete cluster shop-blue. green cannot take over yet, since its cluster ` +
				`is created in this plan: apply that first, then set live = "green", then remove blue, each in a separate apply.`},
		{"remove both sides", both, "blue", map[string]string{}, path.Root("blue"),
			`blue is the live side and removing blue would delete cluster shop-blue. green, which could take over, is removed in ` +
				`this plan too: keep green, set live = "green" in a separate apply, then remove blue.`},
		{"go live on a replaced side", both, "green", map[string]string{"blue": "1.29", "green": "1.30"}, path.Root("live"),
			"live would move to green, whose cluster is replaced (green.version 1.29 → 1.30) in this plan"},
		{"go live on an absent side", both, "green", map[string]string{"blue": "1.29"}, path.Root("live"),
			`live = "green", but the pair has no green side`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			live := "blue"
			if _, ok := tc.before["blue"]; !ok {
				live = "green"
			}
			_, diags := modifyPlan(t, r, pairValue(t, r, "state", live, tc.before),
				pairValue(t, r, "config", tc.live, tc.sides), pairValue(t, r, "proposed", tc.live, tc.sides))
			errs := diags.Errors()
			if len(errs) != 1 || !strings.Contains(errs[0].Detail(), tc.want) {
				t.Fatalf("diagnostics %v, want one error with %q", diags, tc.want)
			}
			if at := errs[0].(diag.DiagnosticWithPath).Path(); !at.Equal(tc.at) {
				t.Errorf("error at %s, want %s", at, tc.at)
			}
		})
	}
	// The upgrade's last step: flip live and drop the side it leaves.
	_, diags := modifyPlan(t, r, pairValue(t, r, "state", "blue", both),
		pairValue(t, r, "config", "green", map[string]string{"green": "1.29"}), pairValue(t, r, "proposed", "green", map[string]string{"green": "1.29"}))
	if diags.HasError() {
		t.Fatalf("flip and drop refused: %v", diags)
	}
}

func TestEKSAMIType(t *testing.T) {
	for _, tc := range []struct {
		types   []string
		want    string
		wantErr bool
	}{
		{[]string{"m7g.large", "c7gn.xlarge", "r8gd.2xlarge", "a1.medium", "g5g.xlarge", "im4gn.large"}, "AL2023_ARM_64_STANDARD", false},
		{[]string{"m7i.large", "c7a.xlarge", "g5.xlarge", "m6in.large", "t3.medium"}, "AL2023_x86_64_STANDARD", false},
		{[]string{"m7g.large", "m7i.large"}, "", true},
	} {
		got, err := amiTypeFor(tc.types)
		if got != tc.want || (err != nil) != tc.wantErr {
			t.Errorf("amiTypeFor(%v) = %q, %v", tc.types, got, err)
		}
	}
}

// hyphenated is a valid name of n characters, every other one a hyphen, as
// acctest.Hyphenated, which tests inside the package cannot import.
func hyphenated(n int) string {
	return strings.Repeat("a-", n)[:n-1] + "z"
}

// TestEKSPairNameLimit: at the limit, every name a pair derives fits its
// AWS limit, and one character more breaks the cluster role's.
func TestEKSPairNameLimit(t *testing.T) {
	n := pairNames{pair: hyphenated(pairName.Max)}
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
	if over := (pairNames{pair: hyphenated(pairName.Max + 1)}).clusterRole("green"); len(over) <= 64 {
		t.Errorf("the limit is not tight: %s has %d characters", over, len(over))
	}
}
