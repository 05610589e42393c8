package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paved-road/paved/bot/audit"
	"github.com/paved-road/paved/internal/githubfake"
)

// versionPolicy is a conftest-style policy over terraform_data: a version
// "forbidden" fails it, a version "old" warns.
const versionPolicy = `package main

import rego.v1

deny contains msg if {
	rc := input.resource_changes[_]
	rc.change.after.input.version == "forbidden"
	msg := sprintf("%s sets version forbidden (project %s)", [rc.address, data.paved.project.name])
}

warn contains msg if {
	rc := input.resource_changes[_]
	rc.change.after.input.version == "old"
	msg := sprintf("%s still uses an old version", [rc.address])
}
`

// slowPolicy never finishes in time: a set of ten million numbers.
const slowPolicy = `package main

import rego.v1

deny contains msg if {
	count({x | some x in numbers.range(1, 10000000); x % 7 == 0}) < 0
	msg := "unreachable"
}
`

// writePolicyConfig writes a server config whose repos rule checks every
// plan against the sets, each a directory holding one policy.
func writePolicyConfig(t *testing.T, extra string, sets map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	config := "policy_sets:\n"
	var names []string
	for name, rego := range sets {
		if err := os.MkdirAll(filepath.Join(dir, name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name, "policy.rego"), []byte(rego), 0o600); err != nil {
			t.Fatal(err)
		}
		config += "  - name: " + name + "\n    paths: [" + name + "]\n    owners: [carol, acme/security]\n"
		names = append(names, name)
	}
	config += "repos:\n  - match: github.com/acme/*\n    policy_sets: [" + strings.Join(names, ", ") + "]\n" + extra
	path := filepath.Join(dir, "server.yaml")
	if err := os.WriteFile(path, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestAccBotPolicyChecks(t *testing.T) {
	config := writePolicyConfig(t, "", map[string]string{"versions": versionPolicy})
	e := newEnv(t, map[string]string{"paved.yaml": "version: 1\nprojects:\n  - name: app\n    dir: app\n  - name: web\n    dir: web\n"}, "--config", config)
	e.fake.AddTeamMember("acme", "security", "dave")

	// A failing plan: the messages in the reply, the status failed, the apply refused.
	sha := e.openPR(1, "alice", map[string]string{"app/main.tf": project("app", "forbidden"), "web/main.tf": project("web", "old")})
	plan := strings.Join(e.replies(1, 0), "\n")
	mustContain(t, "plan with a policy failure", plan,
		"`+1 ~0 -0`, policy failed: versions",
		"`+1 ~0 -0`, policy warnings: versions",
		"**Policy versions on `app`** (app, default): 1 failure(s); applying needs `paved approve-policies`",
		"deny: terraform_data.app sets version forbidden (project app)",
		"warn: terraform_data.web still uses an old version")
	if s := lastStatus(e, sha, "paved/policy"); s.State != "failure" || !strings.Contains(s.Description, "versions failed") {
		t.Fatalf("paved/policy after the plan: %+v", s)
	}
	// Each project is gated by its own plan: web, which passed, is applied.
	refused := e.say(1, "maintainer", "paved apply")[0]
	mustContain(t, "apply of a failed plan", refused,
		"| app | app | default | refused: failed policy set versions; applying needs `paved approve-policies` from an owner of the set (owners: versions: carol, acme/security) |",
		"| web | web | default | applied `+1 ~0 -0`, tagged `paved/web/default/")
	if tags := e.deployTags(); len(tags) != 1 || !strings.Contains(tags[0].Message, "Policies: versions passed") {
		t.Fatalf("tags after the first apply: %v", tags)
	}

	// Only an owner other than the author approves.
	mustContain(t, "approval by a non-owner", e.say(1, "bob", "paved approve-policies")[0],
		"| app | default | versions | refused: `bob` is not an owner of versions (owners: carol, acme/security) |")
	mustContain(t, "approval by the author", e.say(1, "alice", "paved approve-policies")[0],
		"refused: `alice` opened this pull request")
	if s := lastStatus(e, sha, "paved/policy"); s.State != "failure" {
		t.Fatalf("paved/policy after refused approvals: %+v", s)
	}
	mustContain(t, "approval by an owner", e.say(1, "carol", "paved approve-policies")[0],
		"| app | default | versions | approved |", "may now be applied")
	if s := lastStatus(e, sha, "paved/policy"); s.State != "success" || !strings.Contains(s.Description, "approved by carol") {
		t.Fatalf("paved/policy after the approval: %+v", s)
	}
	// The audit trail names who approved which set on which project, and the plan approved.
	var approvals []audit.Entry
	for _, en := range auditEntries(e) {
		if en.Command == "approve-policies" && en.User == "carol" {
			approvals = append(approvals, en)
		}
	}
	if len(approvals) != 1 || approvals[0].Outcome != "approved" || approvals[0].Project != "app" || approvals[0].Workspace != "default" ||
		!strings.Contains(approvals[0].Detail, "approved the failure of policy set versions at "+sha[:7]) || len(approvals[0].PlanSHA256) != 64 || approvals[0].PR != 1 {
		t.Fatalf("audit entries of carol's approve-policies: %+v", approvals)
	}
	mustContain(t, "approving again", e.say(1, "carol", "paved approve-policies")[0], "nothing to approve")
	applied := e.say(1, "maintainer", "paved apply")[0]
	mustContain(t, "apply after the approval", applied, "| app | app | default | applied `+1 ~0 -0`, tagged `paved/app/default/")
	tags := e.deployTags()
	var messages []string
	for _, tag := range tags {
		messages = append(messages, tag.Message)
	}
	all := strings.Join(messages, "\n---\n")
	mustContain(t, "deploy tags", all, "Project: app", "Policies: versions failed, approved by carol")

	// A new push plans again: the approval was for the plans it replaced.
	e.merge(1)
	e.waitFor("the merge of #1 to release its locks", e.idle)
	second := project("app", "forbidden") + "\nresource \"terraform_data\" \"extra\" {\n  input = { version = \"forbidden\" }\n}\n"
	sha = e.openPR(2, "alice", map[string]string{"app/main.tf": second})
	e.replies(2, 0)
	mustContain(t, "approval by a team owner", e.say(2, "dave", "paved approve-policies")[0], "| app | default | versions | approved |")
	seen := len(e.fake.Comments("acme", "infra", 2))
	newHead := e.push(2, map[string]string{"app/main.tf": second + "\n# touched\n"})
	mustContain(t, "plan of the new head", strings.Join(e.replies(2, seen), "\n"), "policy failed: versions")
	mustContain(t, "apply after the new push", e.say(2, "maintainer", "paved apply")[0], "refused: failed policy set versions")
	if s := lastStatus(e, sha, "paved/policy"); s.State != "success" {
		t.Fatalf("paved/policy of the approved head, before the push: %+v", s)
	}
	if s := lastStatus(e, newHead, "paved/policy"); s.State != "failure" {
		t.Fatalf("paved/policy of the new head: %+v", s)
	}
}

// auditEntries is `paved-bot audit --json` of acme/infra, read through the
// running bot's socket and so from whichever store it runs on.
func auditEntries(e *env) []audit.Entry {
	e.t.Helper()
	var out, errOut strings.Builder
	if code := run(context.Background(), []string{"audit", "--data-dir", e.data, "--json", "--repo", "acme/infra"}, &out, &errOut); code != 0 {
		e.t.Fatalf("paved-bot audit: exit %d: %s", code, errOut.String())
	}
	var entries []audit.Entry
	if err := json.Unmarshal([]byte(out.String()), &entries); err != nil {
		e.t.Fatalf("audit --json: %v\n%s", err, out.String())
	}
	return entries
}

// TestAccBotPolicyTimeout checks that a policy that runs too long is a
// policy error that blocks the apply, not a pass.
func TestAccBotPolicyTimeout(t *testing.T) {
	config := writePolicyConfig(t, "", map[string]string{"slow": slowPolicy})
	e := newEnv(t, map[string]string{"paved.yaml": "version: 1\nprojects:\n  - name: app\n    dir: app\n"}, "--config", config, "--policy-timeout", "300ms")
	sha := e.openPR(1, "alice", map[string]string{"app/main.tf": project("app", "v1")})
	plan := strings.Join(e.replies(1, 0), "\n")
	mustContain(t, "plan with a slow policy", plan, "policy failed: slow", "could not be checked", "error: ", "timed out")
	if s := lastStatus(e, sha, "paved/policy"); s.State != "failure" {
		t.Fatalf("paved/policy: %+v", s)
	}
	mustContain(t, "apply", e.say(1, "maintainer", "paved apply")[0], "refused: failed policy set slow")
}

// driftCheck runs `paved-bot drift` against the env's bot and returns its
// exit code and output.
func (e *env) driftCheck(args ...string) (int, string) {
	e.t.Helper()
	var out, errs strings.Builder
	code := run(context.Background(), append([]string{"drift", "--data-dir", e.data, "--repo", "acme/infra", "--wait", "2m"}, args...), &out, &errs)
	return code, out.String() + errs.String()
}

// driftIssues are the issues the drift checks opened.
func driftIssues(e *env) []githubfake.Issue {
	var out []githubfake.Issue
	for _, is := range e.fake.Issues("acme", "infra") {
		if slices.Contains(is.Labels, "paved:drift") {
			out = append(out, is)
		}
	}
	return out
}

// TestAccBotDriftDetection changes what a deployed project reads outside
// Terraform and checks that the scheduled drift check opens one issue for
// it, that scheduled and manual checks update it while the drift lasts,
// that a failed check is reported as such and that the issue closes once
// the drift is gone.
func TestAccBotDriftDetection(t *testing.T) {
	// A schedule due at every look the bot takes (every 20 s), so that drift
	// is found with nobody running `paved-bot drift`.
	config := filepath.Join(t.TempDir(), "server.yaml")
	if err := os.WriteFile(config, []byte("repos:\n  - match: github.com/acme/*\n    drift_schedule: \"@every 2s\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, map[string]string{"paved.yaml": "version: 1\nprojects:\n  - name: app\n    dir: app\n  - name: web\n    dir: web\n"}, "--config", config)
	size := filepath.Join(e.state, "app-size")
	setSize := func(v string) {
		if err := os.WriteFile(size, []byte(v+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	setSize("small")
	app := backend("app") + "\nresource \"terraform_data\" \"app\" {\n  input = trimspace(file(\"" + size + "\"))\n}\n"
	e.openPR(1, "alice", map[string]string{"app/main.tf": app, "web/main.tf": project("web", "v1")})
	e.replies(1, 0)
	mustContain(t, "apply", e.say(1, "maintainer", "paved apply")[0], "| app | app | default | applied", "| web | web | default | applied")
	e.merge(1)
	e.waitFor("the merge to be handled", e.idle)

	code, out := e.driftCheck()
	if code != 0 || strings.Count(out, "in sync with main") != 2 {
		t.Fatalf("drift check of the deployed main: exit %d\n%s", code, out)
	}
	if is := driftIssues(e); len(is) != 0 {
		t.Fatalf("issues with nothing drifted: %+v", is)
	}

	// Changed outside Terraform: the schedule finds it and opens one issue,
	// which later scheduled checks update rather than open another.
	setSize("large")
	waitIssues := func(what string, cond func([]githubfake.Issue) bool) {
		t.Helper()
		deadline := time.Now().Add(60 * time.Second)
		for is := driftIssues(e); !cond(is); is = driftIssues(e) {
			if time.Now().After(deadline) {
				t.Fatalf("no scheduled drift check %s within 60 s: issues %+v", what, is)
			}
			time.Sleep(250 * time.Millisecond)
		}
	}
	waitIssues("opened an issue", func(is []githubfake.Issue) bool { return len(is) > 0 })
	waitIssues("updated the issue", func(is []githubfake.Issue) bool { return len(is) != 1 || is[0].Updates > 0 })
	if is := driftIssues(e); len(is) != 1 || is[0].State != "open" || !strings.Contains(is[0].Body, "+0 ~1 -0") {
		t.Fatalf("after scheduled checks: %+v", is)
	}

	// A check by hand finds the same issue.
	code, out = e.driftCheck()
	mustContain(t, "drift check after the change", out, "drifted: Terraform would change +0 ~1 -0 to match main", "in sync with main")
	issues := driftIssues(e)
	if code != exitDrifted || len(issues) != 1 || issues[0].State != "open" {
		t.Fatalf("after the change: exit %d, issues %+v\n%s", code, issues, out)
	}
	first := issues[0]
	mustContain(t, "the drift issue", first.Title+"\n"+first.Body, "Drift: app (default) no longer matches main",
		"has drifted", "+0 ~1 -0", `"small" -> "large"`, "<!-- paved-bot drift app@default -->")
	if !strings.Contains(out, fmt.Sprintf("#%d", first.Number)) {
		t.Fatalf("the check does not name issue #%d:\n%s", first.Number, out)
	}

	// Still drifted: the same issue, updated.
	if code, out = e.driftCheck("--project", "app"); code != exitDrifted {
		t.Fatalf("second check: exit %d\n%s", code, out)
	}
	issues = driftIssues(e)
	if len(issues) != 1 || issues[0].Number != first.Number || issues[0].Updates <= first.Updates {
		t.Fatalf("after a second check: %+v (first %+v)", issues, first)
	}

	// A check that fails is not drift, and not its end.
	if err := os.Remove(size); err != nil {
		t.Fatal(err)
	}
	code, out = e.driftCheck("--project", "app")
	mustContain(t, "a failed check", out, "the check failed (not drift)")
	issues = driftIssues(e)
	if code != exitCheckFailed || len(issues) != 1 || issues[0].State != "open" || !strings.Contains(issues[0].Body, "failed, so whether it still drifts is unknown") {
		t.Fatalf("after a failed check: exit %d, %+v\n%s", code, issues, out)
	}
	families := scrapeMetrics(t, e.bot+"/metrics")
	drifted, failed := sample(families, "paved_drift_projects", "repo=acme/infra"), sample(families, "paved_drift_check_failures", "repo=acme/infra")
	if drifted.GetGauge().GetValue() != 0 || failed.GetGauge().GetValue() != 1 {
		t.Fatalf("drift gauges after the failed check of app (web in sync): drifted %v, failed %v", drifted, failed)
	}

	// Fixed: the issue closes.
	setSize("small")
	if code, out = e.driftCheck(); code != 0 {
		t.Fatalf("check after the fix: exit %d\n%s", code, out)
	}
	issues = driftIssues(e)
	if len(issues) != 1 || issues[0].State != "closed" || !strings.Contains(issues[0].Body, "matches main again") {
		t.Fatalf("after the fix: %+v", issues)
	}

	// Bad input: a repository the bot does not serve, or cannot see.
	for _, repo := range []string{"other/infra", "acme/nowhere"} {
		var out, errs strings.Builder
		if code := run(context.Background(), []string{"drift", "--data-dir", e.data, "--repo", repo}, &out, &errs); code != 2 {
			t.Fatalf("drift --repo %s: exit %d\n%s%s", repo, code, out.String(), errs.String())
		}
		mustContain(t, "drift --repo "+repo, errs.String(), repo)
	}
}

// checkRun is the newest check run of a name on a commit.
func checkRun(e *env, sha, name string) githubfake.CheckRun {
	e.t.Helper()
	var last githubfake.CheckRun
	for _, r := range e.fake.CheckRuns("acme", "infra", sha) {
		if r.Name == name {
			last = r
		}
	}
	return last
}

// TestAccBotCheckRuns checks that a bot running as a GitHub App reports
// plans, applies and policies as check runs, with the summary table and
// each project's plan, cut to GitHub's limit, and no commit statuses; and
// that re-running a check from GitHub's page plans again.
func TestAccBotCheckRuns(t *testing.T) {
	config := writePolicyConfig(t, "", map[string]string{"versions": versionPolicy})
	e := newAppEnv(t, map[string]string{"paved.yaml": "version: 1\nprojects:\n  - name: app\n    dir: app\n  - name: fleet\n    dir: fleet\n"}, "--config", config)
	// 800 resources: a plan longer than a check run's text may be.
	fleet := backend("fleet") + "\nresource \"terraform_data\" \"node\" {\n  count = 800\n  input = { name = \"node-${count.index}\", zone = \"eu-west-1a\", size = \"m7g.large\" }\n}\n"
	sha := e.openPR(1, "alice", map[string]string{"app/main.tf": project("app", "forbidden"), "fleet/main.tf": fleet})
	e.replies(1, 0)

	plan := checkRun(e, sha, "paved/plan")
	if plan.Status != "completed" || plan.Conclusion != "success" || plan.Updates < 1 {
		t.Fatalf("paved/plan check run: %+v", plan)
	}
	mustContain(t, "the plan check's summary", plan.Summary, "| app | app | default | `+1 ~0 -0`, policy failed: versions |", "| fleet | fleet | default | `+800 ~0 -0`, policies passed |", "To apply: `paved apply`")
	mustContain(t, "the plan check's text", plan.Text, "terraform_data.app will be created", "Cut to fit GitHub's limit", "(https://github.com/acme/infra/pull/1)")
	if len(plan.Text) > 65535 || len(plan.Summary) > 65535 {
		t.Fatalf("check run output over GitHub's limit: summary %d, text %d bytes", len(plan.Summary), len(plan.Text))
	}
	policy := checkRun(e, sha, "paved/policy")
	if policy.Status != "completed" || policy.Conclusion != "failure" {
		t.Fatalf("paved/policy check run: %+v", policy)
	}
	mustContain(t, "the policy check", policy.Title+"\n"+policy.Summary, "versions failed", "deny: terraform_data.app sets version forbidden (project app)")
	for _, s := range e.fake.Statuses("acme", "infra", sha) {
		t.Fatalf("a bot running as an App set a commit status: %+v", s)
	}

	applied := e.say(1, "maintainer", "paved apply -p fleet")[0]
	mustContain(t, "apply", applied, "| fleet | fleet | default | applied")
	if run := checkRun(e, sha, "paved/apply"); run.Status != "completed" || run.Conclusion != "success" || !strings.Contains(run.Summary, "| fleet | fleet | default | applied `+800 ~0 -0`") {
		t.Fatalf("paved/apply check run: %+v", run)
	}

	// Re-run from GitHub's page: planned again, with a check run of its own.
	seen := len(e.fake.Comments("acme", "infra", 1))
	e.deliver("check_run", e.fake.CheckRunEvent("acme", "infra", plan.ID, "rerequested"))
	mustContain(t, "the re-run", strings.Join(e.replies(1, seen), "\n"), "### paved plan at", "| app | app | default | `+1 ~0 -0`, policy failed: versions")
	var plans int
	for _, r := range e.fake.CheckRuns("acme", "infra", sha) {
		if r.Name == "paved/plan" {
			plans++
		}
	}
	if plans != 2 {
		t.Fatalf("paved/plan check runs after the re-run: %d, want 2", plans)
	}
}

// TestAccBotApplyOnMergeChecksPolicies: under `apply: on_merge` a merge
// applies only plans whose policy failures an owner approved.
func TestAccBotApplyOnMergeChecksPolicies(t *testing.T) {
	config := writePolicyConfig(t, "    apply: on_merge\n", map[string]string{"versions": versionPolicy})
	e := newEnv(t, map[string]string{"paved.yaml": "version: 1\nprojects:\n  - name: app\n    dir: app\n  - name: web\n    dir: web\n"}, "--config", config)

	e.openPR(1, "alice", map[string]string{"app/main.tf": project("app", "forbidden")})
	e.replies(1, 0)
	seen := len(e.fake.Comments("acme", "infra", 1))
	e.merge(1)
	mustContain(t, "a merge of a failed plan", strings.Join(e.replies(1, seen), "\n"), "### paved apply on merge at", "refused: failed policy set versions")
	if tags := e.deployTags(); len(tags) != 0 {
		t.Fatalf("a merge of a plan that failed its policy created tags: %v", tags)
	}

	e.openPR(2, "alice", map[string]string{"web/main.tf": project("web", "forbidden")})
	e.replies(2, 0)
	mustContain(t, "approval", e.say(2, "carol", "paved approve-policies")[0], "| web | default | versions | approved |")
	seen = len(e.fake.Comments("acme", "infra", 2))
	e.merge(2)
	mustContain(t, "a merge of an approved plan", strings.Join(e.replies(2, seen), "\n"), "### paved apply on merge at", "| web | web | default | applied `+1 ~0 -0`, tagged `paved/web/default/")
	if tags := e.deployTags(); len(tags) != 1 || !strings.Contains(tags[0].Message, "Policies: versions failed, approved by carol") {
		t.Fatalf("tags after the approved merge: %v", tags)
	}
}

// TestAccBotRunsAConftestExampleUnchanged loads the policy of conftest's
// own Terraform example, fetched from the Go module proxy as released, as
// a policy set: the bot compiles it as it is and checks a plan with it
// (bot/planpolicy's tests show its failure on the example's own plan).
func TestAccBotRunsAConftestExampleUnchanged(t *testing.T) {
	out, err := exec.Command("go", "mod", "download", "-json", "github.com/open-policy-agent/conftest@v0.71.1").Output()
	var mod struct{ Dir string }
	if err != nil || json.Unmarshal(out, &mod) != nil || mod.Dir == "" {
		t.Fatalf("go mod download conftest: %v\n%s", err, out)
	}
	dir := t.TempDir()
	config := filepath.Join(dir, "server.yaml")
	rules := "policy_sets:\n  - name: conftest-hcl1\n    paths: [" + filepath.Join(mod.Dir, "examples", "hcl1", "policy") + "]\n    owners: [carol]\n" +
		"repos:\n  - match: github.com/acme/*\n    policy_sets: [conftest-hcl1]\n"
	if err := os.WriteFile(config, []byte(rules), 0o600); err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, map[string]string{"paved.yaml": "version: 1\nprojects:\n  - name: app\n    dir: app\n"}, "--config", config)
	sha := e.openPR(1, "alice", map[string]string{"app/main.tf": project("app", "v1")})
	mustContain(t, "plan", strings.Join(e.replies(1, 0), "\n"), "| app | app | default | `+1 ~0 -0`, policies passed |")
	if s := lastStatus(e, sha, "paved/policy"); s.State != "success" {
		t.Fatalf("paved/policy: %+v", s)
	}
	mustContain(t, "apply", e.say(1, "maintainer", "paved apply")[0], "| app | app | default | applied")
}

// TestAccBotPolicyPlanTooLarge checks that a plan whose JSON exceeds
// --policy-max-plan-bytes is a policy error naming the project and the
// limit, which blocks its apply, and that the bot carries on.
func TestAccBotPolicyPlanTooLarge(t *testing.T) {
	config := writePolicyConfig(t, "", map[string]string{"versions": versionPolicy})
	e := newEnv(t, map[string]string{"paved.yaml": "version: 1\nprojects:\n  - name: app\n    dir: app\n"}, "--config", config, "--policy-max-plan-bytes", "4096")
	fleet := backend("app") + "\nresource \"terraform_data\" \"node\" {\n  count = 50\n  input = { name = \"node-${count.index}\" }\n}\n"
	sha := e.openPR(1, "alice", map[string]string{"app/main.tf": fleet})
	plan := strings.Join(e.replies(1, 0), "\n")
	mustContain(t, "plan over the JSON limit", plan, "`+50 ~0 -0`, policy failed: versions", "could not be checked",
		"the plan of project app was not checked", "more than 4 KiB, the limit on what a policy check reads")
	if s := lastStatus(e, sha, "paved/policy"); s.State != "failure" {
		t.Fatalf("paved/policy: %+v", s)
	}
	mustContain(t, "apply", e.say(1, "maintainer", "paved apply")[0], "refused: failed policy set versions")
	if tags := e.deployTags(); len(tags) != 0 {
		t.Fatalf("a plan that could not be checked was applied: %v", tags)
	}
}
