package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/paved-road/paved/bot/audit"
)

// TestAccBotAuditLog: after an autoplan, a refused apply, a usage error and
// an apply, `paved-bot audit --json` (through the running bot's socket)
// lists each, with who, the outcome, the plan's hash and the deploy tag.
func TestAccBotAuditLog(t *testing.T) {
	e := newEnv(t, map[string]string{"paved.yaml": "version: 1\nprojects:\n  - name: app\n    dir: app\n  - name: bad\n    dir: bad\n"})
	e.openPR(1, "alice", map[string]string{"app/main.tf": project("app", "v1"), "bad/main.tf": backend("bad") + `
resource "terraform_data" "bad" {
  provisioner "local-exec" {
    command = "exit 3"
  }
}
`})
	e.replies(1, 0)
	e.fake.SetPermission("acme", "infra", "outsider", "read")
	e.say(1, "outsider", "paved apply")
	e.say(1, "alice", "paved destroy")
	mustContain(t, "apply", e.say(1, "alice", "paved apply")[0], "applied `+1 ~0 -0`", "| bad | bad | default | error")

	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"audit", "--data-dir", e.data, "--json", "--repo", "acme/infra"}, &out, &errOut); code != 0 {
		t.Fatalf("paved-bot audit: exit %d: %s", code, errOut.String())
	}
	var entries []audit.Entry
	if err := json.Unmarshal(out.Bytes(), &entries); err != nil {
		t.Fatalf("audit --json: %v\n%s", err, out.String())
	}
	find := func(what string, match func(audit.Entry) bool) audit.Entry {
		t.Helper()
		for _, en := range entries {
			if match(en) {
				return en
			}
		}
		t.Fatalf("no audit entry for %s in:\n%s", what, out.String())
		return audit.Entry{}
	}
	planned := find("the autoplan", func(en audit.Entry) bool { return en.Command == "autoplan" && en.Outcome == "planned" })
	if planned.Project != "app" || planned.User != "alice" || len(planned.PlanSHA256) != 64 || planned.Job == "" || time.Since(planned.Time) > time.Hour {
		t.Errorf("autoplan entry: %+v", planned)
	}
	refused := find("the refused apply", func(en audit.Entry) bool { return en.User == "outsider" })
	if refused.Command != "apply" || refused.Outcome != "refused" || !strings.Contains(refused.Detail, "has read access") {
		t.Errorf("refused apply entry: %+v", refused)
	}
	usage := find("the usage error", func(en audit.Entry) bool { return en.Command == "usage" })
	if usage.Outcome != "answered" || !strings.Contains(usage.Detail, "destroy") {
		t.Errorf("usage entry: %+v", usage)
	}
	applied := find("the apply", func(en audit.Entry) bool { return en.Command == "apply" && en.Outcome == "applied" })
	if applied.User != "alice" || applied.PlanSHA256 != planned.PlanSHA256 || !strings.HasPrefix(applied.Tag, "paved/app/default/") {
		t.Errorf("apply entry: %+v (planned %s)", applied, planned.PlanSHA256)
	}
	failed := find("the failed apply", func(en audit.Entry) bool { return en.Command == "apply" && en.Project == "bad" })
	if failed.Outcome != audit.Failed || failed.PlanSHA256 == "" || failed.Tag != "" {
		t.Errorf("failed apply entry: %+v", failed)
	}
	// The table names the same.
	out.Reset()
	if code := run(context.Background(), []string{"audit", "--data-dir", e.data, "--since", "1h"}, &out, &errOut); code != 0 {
		t.Fatalf("paved-bot audit: exit %d: %s", code, errOut.String())
	}
	mustContain(t, "audit table", out.String(), "OUTCOME", "outsider", "refused", "applied")
	// Deploy stats read the tags and, through the bot's socket, the audit log.
	out.Reset()
	errOut.Reset()
	if code := run(context.Background(), []string{"history", "--repo", "acme/infra", "--git-url", e.origin, "--data-dir", e.data,
		"--webhook-secret", secret, "--stats", "--since", "24h"}, &out, &errOut); code != 0 {
		t.Fatalf("paved-bot history --stats: exit %d: %s", code, errOut.String())
	}
	mustContain(t, "deploy stats", out.String(), "LEAD P50", "FAILED", "0% (0/1)", "100% (1/1)")
	if fields := strings.Fields(strings.Split(out.String(), "\n")[1]); len(fields) < 8 || fields[0] != "app" || fields[1] != "1" || fields[3] == "-" || fields[5] == "-" {
		t.Errorf("the app row lacks its deploy, lead time or apply time:\n%s", out.String())
	}
	if code := run(context.Background(), []string{"audit", "--data-dir", e.data, "--since", "yesterday"}, &out, &errOut); code != 2 ||
		!strings.Contains(errOut.String(), `--since: "yesterday": want a duration`) {
		t.Errorf("a bad --since: exit %d: %s", code, errOut.String())
	}
}
