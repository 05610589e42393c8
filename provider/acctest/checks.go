package acctest

import (
	"context"
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strings"

	"github.com/hashicorp/terraform-plugin-testing/plancheck"
)

// ExpectChanged is a plan check that the resource's update changes exactly
// the named attributes.
func ExpectChanged(addr string, attrs ...string) plancheck.PlanCheck {
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

// DiagnosticPattern matches texts in order as Terraform prints them,
// where any space may have become a line break.
func DiagnosticPattern(texts ...string) *regexp.Regexp {
	parts := make([]string, len(texts))
	for i, text := range texts {
		parts[i] = strings.ReplaceAll(regexp.QuoteMeta(text), " ", `\s+`)
	}
	return regexp.MustCompile(strings.Join(parts, `[\s\S]*`))
}
