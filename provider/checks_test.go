package provider

import (
	"context"
	"fmt"
	"reflect"
	"sort"

	"github.com/hashicorp/terraform-plugin-testing/plancheck"
)

// These came with the Redis tests, which now live in package redis; the
// families still here share them.

var envRegion = map[string]string{devAccount: "eu-west-1", prodAccount: "eu-central-1"}

func check(cond bool, format string, args ...any) error {
	if !cond {
		return fmt.Errorf(format, args...)
	}
	return nil
}

// expectChanged is a plan check that the resource's update changes exactly
// the named attributes.
func expectChanged(addr string, attrs ...string) plancheck.PlanCheck {
	return changedCheck{addr: addr, want: attrs}
}

type changedCheck struct {
	addr string
	want []string
}

func (c changedCheck) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	for _, rc := range req.Plan.ResourceChanges {
		if rc.Address != c.addr {
			continue
		}
		before, _ := rc.Change.Before.(map[string]any)
		after, _ := rc.Change.After.(map[string]any)
		var changed []string
		for k := range after {
			if !reflect.DeepEqual(before[k], after[k]) {
				changed = append(changed, k)
			}
		}
		sort.Strings(changed)
		want := append([]string{}, c.want...)
		sort.Strings(want)
		if !reflect.DeepEqual(changed, want) {
			resp.Error = fmt.Errorf("%s: plan changes %v, want exactly %v", c.addr, changed, want)
		}
		return
	}
	resp.Error = fmt.Errorf("%s not in the plan", c.addr)
}
