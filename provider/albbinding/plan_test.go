package albbinding

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// TestCheckBindingPartialHealthCheck: a health_check that sets only some
// fields is checked against the defaults of the others, as applied later.
func TestCheckBindingPartialHealthCheck(t *testing.T) {
	hc := func(interval, timeout types.Int64) types.Object {
		return types.ObjectValueMust(healthCheckAttrTypes, map[string]attr.Value{
			"path": types.StringValue("/ready"), "matcher": types.StringValue("200"),
			"interval_seconds": interval, "timeout_seconds": timeout,
			"healthy_threshold": types.Int64Null(), "unhealthy_threshold": types.Int64Null(),
		})
	}
	for _, tc := range []struct {
		name      string
		check     types.Object
		wantError bool
	}{
		{"only path and matcher", hc(types.Int64Null(), types.Int64Null()), false},
		{"interval below the default timeout", hc(types.Int64Value(5), types.Int64Null()), true},
		{"timeout above the default interval", hc(types.Int64Null(), types.Int64Value(40)), true},
		{"both set and consistent", hc(types.Int64Value(10), types.Int64Value(5)), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := bindingModel{HealthCheck: tc.check}
			var diags diag.Diagnostics
			checkBinding(context.Background(), &m, &diags)
			got := false
			for _, d := range diags {
				if d.Summary() == "Health check timeout too long" {
					got = true
				}
			}
			if got != tc.wantError {
				t.Errorf("timeout error = %v, want %v; diagnostics: %v", got, tc.wantError, diags)
			}
		})
	}
}
