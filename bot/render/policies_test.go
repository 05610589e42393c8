package render

import (
	"fmt"
	"strings"
	"testing"
)

func TestCommentsShowPolicyVerdicts(t *testing.T) {
	var many []string
	for i := range 30 {
		many = append(many, fmt.Sprintf("aws_s3_bucket.b%d has no team tag", i))
	}
	results := []Result{
		{Project: "app", Dir: "app", Workspace: "prod", Status: Planned, Add: 1, Policies: []Policy{
			{Set: "prod-safety", Failures: []string{"aws_security_group.web opens ingress to 0.0.0.0/0, cc @acme/everyone", `password = "hunter2"`}, Warnings: []string{"old AMI"}},
			{Set: "team-tag", Failures: many},
		}},
		{Project: "web", Dir: "web", Workspace: "default", Status: Planned, Change: 1, Policies: []Policy{{Set: "prod-safety", Passed: 3}}},
		{Project: "db", Dir: "db", Workspace: "default", Status: Planned, Destroy: 1, Policies: []Policy{{Set: "prod-safety", Error: "timed out after 10s", ApprovedBy: "carol"}}},
		{Project: "cache", Dir: "cache", Workspace: "default", Status: Planned, Policies: []Policy{{Set: "prod-safety", Warnings: []string{"no owner label"}}}},
	}
	out := strings.Join(Comments("### paved plan at abc1234", results, "footer"), "\n")
	for _, want := range []string{
		"| app | app | prod | `+1 ~0 -0`, policy failed: prod-safety, team-tag |",
		"| web | web | default | `+0 ~1 -0`, policies passed |",
		"| db | db | default | `+0 ~0 -1`, policy failure approved: prod-safety (approved by `carol`) |",
		"| cache | cache | default | `+0 ~0 -0`, policy warnings: prod-safety |",
		"**Policy prod-safety on `app`** (app, prod): 2 failure(s); applying needs `paved approve-policies` from an owner of the set",
		"deny: aws_security_group.web opens ingress to 0.0.0.0/0, cc @acme/everyone\n",
		"warn: old AMI\n",
		"deny: aws_s3_bucket.b19 has no team tag\n… and 10 more deny message(s)\n",
		"**Policy prod-safety on `db`** (db, default): failed; approved by `carol`, so it may be applied",
		"error: timed out after 10s",
		"**Policy prod-safety on `cache`** (cache, default): passed with 1 warning(s)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("want %q in:\n%s", want, out)
		}
	}
	if strings.Contains(out, "hunter2") || strings.Contains(out, "b20 has") {
		t.Errorf("a secret or a message past the cap was shown:\n%s", out)
	}
	if strings.Contains(out, "Policy prod-safety on `web`") {
		t.Errorf("a set that passed without warnings has a block:\n%s", out)
	}
	// A mention a plan value carries stays inside a fence, where it notifies no one.
	at := strings.Index(out, "cc @acme/everyone")
	if before := out[:at]; strings.Count(before, "```")%2 != 1 {
		t.Errorf("the message is not inside a code fence:\n%s", out)
	}
}
