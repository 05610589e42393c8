package main

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/paved-road/paved/internal/githubfake"
)

// The tests of this file each reproduce one way a pull request or a
// comment could exceed its author's rights, and show it refused.

// TestAccBotGatesComeFromTheBaseBranch: a pull request that deletes its
// project's apply_requirements still needs what the base branch requires,
// and an approval of an older head does not count.
func TestAccBotGatesComeFromTheBaseBranch(t *testing.T) {
	e := newEnv(t, map[string]string{"paved.yaml": pavedYAML})
	loosened := strings.Replace(pavedYAML, "    apply_requirements: [approved]\n", "", 1)
	e.openPR(1, "alice", map[string]string{"paved.yaml": loosened, "db/main.tf": project("db", "16")})
	mustContain(t, "plan of a loosening paved.yaml", e.replies(1, 0)[0],
		"changes what an apply of `db` needs (to only write access)", "once it is merged into main", "an apply needs apply_requirements [approved]")
	mustContain(t, "apply without approval", e.say(1, "alice", "paved apply")[0], "refused", "needs an approving review")

	// Approved, then changed: the approval was of another commit.
	e.fake.Approve("acme", "infra", 1, "bob")
	seen := len(e.fake.Comments("acme", "infra", 1))
	head := e.push(1, map[string]string{"db/main.tf": project("db", "17")})
	e.replies(1, seen)
	mustContain(t, "apply after a push", e.say(1, "alice", "paved apply")[0], "refused", "approving review of the head commit "+head[:7])
	if tags := e.deployTags(); len(tags) != 0 {
		t.Fatalf("an apply without approval of its head was tagged: %v", tags)
	}
	e.fake.Approve("acme", "infra", 1, "bob")
	mustContain(t, "apply after approval of the head", e.say(1, "alice", "paved apply")[0], "applied", "tagged `paved/db/default/")
}

// TestAccBotGatesIgnoreARetargetedBase: a pull request whose author
// points its base at a branch of their own, with a loosened paved.yaml,
// still gets the default branch's gates.
func TestAccBotGatesIgnoreARetargetedBase(t *testing.T) {
	e := newEnv(t, map[string]string{"paved.yaml": pavedYAML})
	e.commit("loose", "no approvals", map[string]string{"paved.yaml": strings.Replace(pavedYAML, "    apply_requirements: [approved]\n", "", 1)})
	files := map[string]string{"db/main.tf": project("db", "16")}
	sha := e.commit("pr-1", "change db", files)
	e.fake.OpenPR("acme", "infra", githubfake.PR{Number: 1, Author: "mallory", HeadRef: "pr-1", HeadSHA: sha, BaseRef: "loose", Files: keys(files)})
	e.deliver("pull_request", e.fake.PullRequestEvent("acme", "infra", 1, "opened"))
	mustContain(t, "plan against a loosened base", e.replies(1, 0)[0], "+1 ~0 -0")
	mustContain(t, "apply against a loosened base", e.say(1, "mallory", "paved apply")[0], "refused", "needs an approving review")
	if tags := e.deployTags(); len(tags) != 0 {
		t.Fatalf("a retargeted pull request was applied without approval: %v", tags)
	}
}

// TestAccBotServerPolicy: the server's rules decide, paved.yaml may not set
// what they keep, teams are asked of GitHub, and undiverged holds.
func TestAccBotServerPolicy(t *testing.T) {
	config := filepath.Join(t.TempDir(), "server.yaml")
	rules := "repos:\n  - match: github.com/acme/*\n    apply_requirements: [undiverged]\n    allowed_teams: [sre]\n"
	if err := os.WriteFile(config, []byte(rules), 0o600); err != nil {
		t.Fatal(err)
	}
	main := map[string]string{"paved.yaml": "version: 1\nprojects:\n  - name: app\n    dir: app\n"}
	e := newEnv(t, main, "--config", config)

	// paved.yaml may not loosen what the rule keeps.
	e.openPR(2, "mallory", map[string]string{
		"paved.yaml":  "version: 1\nprojects:\n  - name: app\n    dir: app\n    allowed_appliers: [mallory]\n",
		"app/main.tf": project("app", "v0"),
	})
	mustContain(t, "paved.yaml setting a kept key", e.replies(2, 0)[0],
		"paved.yaml:5:23: projects[0].allowed_appliers: allowed_appliers may not be set in paved.yaml",
		"github.com/acme/* (line 2 of its config)")
	e.fake.Close("acme", "infra", 2)
	e.deliver("pull_request", e.fake.PullRequestEvent("acme", "infra", 2, "closed"))

	e.openPR(1, "alice", map[string]string{"app/main.tf": project("app", "v1")})
	e.replies(1, 0)
	mustContain(t, "not in the team", e.say(1, "alice", "paved apply")[0], "refused", "`alice` may not apply this project (allowed_teams: sre)")
	e.fake.AddTeamMember("acme", "sre", "alice")

	// main moves on: the pull request no longer holds its latest commit.
	e.commit("main", "elsewhere", map[string]string{"README.md": "moved on\n"})
	mustContain(t, "diverged", e.say(1, "alice", "paved apply")[0], "refused", "1 commit(s) behind main", "undiverged")
	e.git("-C", e.origin, "checkout", "-q", "pr-1")
	e.git("-C", e.origin, "merge", "-q", "-m", "catch up", "main")
	e.git("-C", e.origin, "checkout", "-q", "main")
	caughtUp := e.git("-C", e.origin, "rev-parse", "pr-1")
	seen := len(e.fake.Comments("acme", "infra", 1))
	e.fake.Push("acme", "infra", 1, caughtUp, []string{"app/main.tf"})
	e.deliver("pull_request", e.fake.PullRequestEvent("acme", "infra", 1, "synchronize"))
	e.replies(1, seen)
	mustContain(t, "team member, undiverged", e.say(1, "alice", "paved apply")[0], "applied", "tagged `paved/app/default/")
}

// TestAccBotRevOnlyToWhatWasDeployed: --rev takes commits of the base
// branch and tags this bot signed, nothing else.
func TestAccBotRevOnlyToWhatWasDeployed(t *testing.T) {
	e := newEnv(t, map[string]string{"paved.yaml": "version: 1\nprojects:\n  - name: app\n    dir: app\n", "app/main.tf": project("app", "v0")})
	first := e.git("-C", e.origin, "rev-parse", "main")
	e.openPR(1, "alice", map[string]string{"app/main.tf": project("app", "v1")})
	e.replies(1, 0)
	applied := e.say(1, "alice", "paved apply")[0]
	tag := regexp.MustCompile("paved/app/default/[0-9TZ]+").FindString(applied)
	if tag == "" {
		t.Fatalf("no deploy tag in:\n%s", applied)
	}
	seen := len(e.fake.Comments("acme", "infra", 1))
	e.merge(1)
	e.replies(1, seen)

	e.openPR(2, "alice", map[string]string{"app/main.tf": project("app", "v2")})
	e.replies(2, 0)
	mustContain(t, "apply v2", e.say(2, "alice", "paved apply")[0], "applied")
	// A commit only a pull request (or a fork) has.
	outside := e.commit("pr-3", "not reviewed", map[string]string{"app/main.tf": project("app", "evil")})
	mustContain(t, "--rev of a commit off main", e.say(2, "alice", "paved plan -p app --rev "+outside)[0],
		"refused `--rev "+outside+"`", "is not on main")

	// A tag pushed with plain git, its message copied and Applied-By forged.
	_, message, _ := strings.Cut(e.git("-C", e.origin, "cat-file", "tag", tag), "\n\n")
	msgFile := filepath.Join(t.TempDir(), "message")
	if err := os.WriteFile(msgFile, []byte(strings.Replace(message, "Applied-By: alice", "Applied-By: mallory", 1)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	forgedName := "paved/app/default/20990101T000000Z"
	e.git("-C", e.origin, "tag", "-a", "-F", msgFile, forgedName, e.git("-C", e.origin, "rev-parse", tag+"^{commit}"))
	h := e.say(2, "alice", "paved history -p app")[0]
	mustContain(t, "history with a forged tag", h, tag, "1 tag(s) under paved/ are not signed by this bot and are not shown")
	if strings.Contains(h, "mallory") || strings.Contains(h, forgedName) {
		t.Fatalf("the forged tag is listed:\n%s", h)
	}
	mustContain(t, "--rev of a forged tag", e.say(2, "alice", "paved plan -p app --rev "+forgedName)[0], "refused", "not signed by this paved-bot")

	// What was deployed, and what is on main, can be planned.
	mustContain(t, "--rev of the deploy tag", e.say(2, "alice", "paved plan -p app --rev "+tag)[0], "rollback", `"v2" -> "v1"`)
	mustContain(t, "--rev of a commit on main", e.say(2, "alice", "paved plan -p app --rev "+first)[0], "rollback", `"v2" -> "v0"`)
}

// TestAccBotSandboxKeepsSecrets: Terraform code reading the bot's
// environment, its App key, its store or /etc/shadow gets nothing, and what
// it reads of its own environment reaches the comment in no encoding.
func TestAccBotSandboxKeepsSecrets(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(t.TempDir(), "app.pem")
	block := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	if err := os.WriteFile(keyFile, block, 0o600); err != nil {
		t.Fatal(err)
	}
	// Terraform gets AWS credentials from the bot's environment, as in production.
	const awsSecret = "wJalrXUtnFEMIK7MDENGbPxRfiCYzzSECRETzzKEY"
	t.Setenv("AWS_SECRET_ACCESS_KEY", awsSecret)
	t.Setenv("PAVED_GITHUB_TOKEN", "")
	e := newEnvWith(t, githubfake.Options{AppID: 4242, AppPublicKey: &key.PublicKey, InstallationID: 1},
		map[string]string{"paved.yaml": "version: 1\nprojects:\n  - name: probe\n    dir: probe\n  - name: crash\n    dir: crash\n"},
		"--github-app-id", "4242", "--github-app-key-file", keyFile)

	probe := backend("probe") + `
locals {
  probes = {
    bot_environ = "/proc/` + strconv.Itoa(os.Getpid()) + `/environ"
    app_key     = "` + keyFile + `"
    store       = "` + filepath.Join(e.data, "paved.db") + `"
    shadow      = "/etc/shadow"
  }
}

output "leak" {
  value = { for k, p in local.probes : k => try(base64encode(file(p)), "denied: ${k}") }
}

output "self" {
  value = base64encode(file("/proc/self/environ"))
}

output "reversed" {
  value = strrev(file("/proc/self/environ"))
}
`
	// An error message quoting the environment goes to the bot's log too.
	crash := backend("crash") + `
output "boom" {
  value = tonumber(replace(file("/proc/self/environ"), "\u0000", " "))
}
`
	e.openPR(1, "alice", map[string]string{"probe/main.tf": probe, "crash/main.tf": crash})
	comments := strings.Join(e.replies(1, 0), "\n")
	for _, k := range []string{"bot_environ", "app_key", "store", "shadow"} {
		mustContain(t, "sandboxed file()", comments, "denied: "+k)
	}
	// The probe did read Terraform's own environment: masked.
	mustContain(t, "the environment Terraform sees", comments, "self", "reversed", "***")
	secrets := map[string]string{"webhook secret": secret, "aws secret": awsSecret, "app key": strings.Split(string(block), "\n")[1]}
	for name, s := range secrets {
		for form, v := range encodedForms(s) {
			if strings.Contains(comments, v) {
				t.Errorf("the %s reached the pull request %s:\n%s", name, form, comments)
			}
			if strings.Contains(e.logs.String(), v) {
				t.Errorf("the %s reached the bot's log %s", name, form)
			}
		}
	}
	mustContain(t, "the failing project", comments, "| crash | crash | default | error")
}

// encodedForms are substrings that text holding s shows raw, reversed, in
// hex, or in base64 at any of its three alignments.
func encodedForms(s string) map[string]string {
	forms := map[string]string{"raw": s, "reversed": reverse(s), "hex": hex.EncodeToString([]byte(s))}
	for pad := range 3 {
		enc := base64.StdEncoding.EncodeToString(append(make([]byte, pad), s...))
		forms["base64 at offset "+strconv.Itoa(pad)] = enc[4 : len(enc)-4]
	}
	return forms
}

func reverse(s string) string {
	r := []rune(s)
	slices.Reverse(r)
	return string(r)
}

// TestAccBotDeliveriesAtMostOnce: a delivery sent again, under its own id
// or another, does nothing.
func TestAccBotDeliveriesAtMostOnce(t *testing.T) {
	e := newEnv(t, map[string]string{"paved.yaml": "version: 1\nprojects:\n  - name: app\n    dir: app\n"})
	e.openPR(1, "alice", map[string]string{"app/main.tf": project("app", "v1")})
	e.replies(1, 0)
	body, _ := e.fake.IssueCommentEvent("acme", "infra", 1, "alice", "paved apply")
	before := len(e.fake.Comments("acme", "infra", 1))
	if code := e.postDelivery("issue_comment", "delivery-1", body, githubfake.Sign(secret, body)); code != http.StatusAccepted {
		t.Fatalf("first delivery: %d", code)
	}
	mustContain(t, "apply", e.replies(1, before)[0], "applied")
	// Another plan is saved, which a replayed apply would apply.
	e.say(1, "alice", "paved plan -- -replace=terraform_data.app")
	after := len(e.fake.Comments("acme", "infra", 1))
	for _, id := range []string{"delivery-1", "delivery-2"} {
		if code := e.postDelivery("issue_comment", id, body, githubfake.Sign(secret, body)); code != http.StatusAccepted {
			t.Fatalf("replay as %s: %d", id, code)
		}
	}
	e.waitFor("the replays to be handled", e.idle)
	if got := len(e.fake.Comments("acme", "infra", 1)); got != after {
		t.Fatalf("a replayed delivery was acted on: %d comments, want %d", got, after)
	}
	if tags := e.deployTags(); len(tags) != 1 {
		t.Fatalf("want 1 deploy tag after replays, got %d", len(tags))
	}
	if !strings.Contains(e.logs.String(), "repeated delivery ignored") {
		t.Fatal("the bot did not say it ignored the repeats")
	}
}

// TestAccBotCommandsThatChangeStateAreAuthorized: read access is not
// enough to unlock or to replace someone's plan; unlock -p unlocks one
// project; the tag says who planned and who applied.
func TestAccBotCommandsThatChangeStateAreAuthorized(t *testing.T) {
	e := newEnv(t, map[string]string{"paved.yaml": "version: 1\nprojects:\n  - name: app\n    dir: app\n  - name: db\n    dir: db\n"})
	e.fake.SetPermission("acme", "infra", "reader", "read")
	e.openPR(1, "alice", map[string]string{"app/main.tf": project("app", "v1"), "db/main.tf": project("db", "16")})
	e.replies(1, 0)

	mustContain(t, "read-only unlock", e.say(1, "reader", "paved unlock")[0], "refused: `reader` has read access", "unlocking needs write access")
	mustContain(t, "read-only replan", e.say(1, "reader", "paved plan -p app -- -destroy")[0],
		"refused: `reader` has read access", "replacing the plans of `app` (planned by `alice`) needs write access")
	e.openPR(2, "carol", map[string]string{"app/main.tf": project("app", "v2"), "db/main.tf": project("db", "17")})
	mustContain(t, "locks kept", e.replies(2, 0)[0], "locked by [#1]")

	// unlock -p releases that project only: #2, queued for it, gets db alone.
	seen := len(e.fake.Comments("acme", "infra", 2))
	r := e.say(1, "alice", "paved unlock -p db")[0]
	mustContain(t, "unlock -p db", r, "released `db`")
	if strings.Contains(r, "`app`") {
		t.Fatalf("unlock -p db released app too:\n%s", r)
	}
	r = e.replies(2, seen)[0]
	mustContain(t, "PR 2 after unlock -p db", r, "queued for a lock #1 released", "| db | db | default | `+1 ~0 -0` |")
	if strings.Contains(r, "| app |") {
		t.Fatalf("PR 2 was planned for app, which #1 still holds:\n%s", r)
	}

	// A plan made by a reader is not applied by a writer.
	e.say(2, "carol", "paved unlock -p db")
	e.say(1, "reader", "paved plan -p db")
	mustContain(t, "apply of a reader's plan", e.say(1, "alice", "paved apply -p db")[0], "made by `reader`, who has no write access")

	// bob plans, alice applies: both are on record.
	e.say(1, "bob", "paved plan -p app")
	r = e.say(1, "alice", "paved apply -p app")[0]
	mustContain(t, "apply of bob's plan", r, "applied", "Planned: `app` by `bob`", "Applied by `alice`")
	tags := e.deployTags()
	if len(tags) != 1 {
		t.Fatalf("want 1 tag, got %d", len(tags))
	}
	mustContain(t, "tag message", tags[0].Message, "Planned-By: bob", "Applied-By: alice", "Paved-Signature: ")
}

// TestAccBotPathsStayInTheClone: symlinks and tracked .terraform cannot
// take Terraform or the bot outside the working copy, and replies echo
// neither long words nor mentions.
func TestAccBotPathsStayInTheClone(t *testing.T) {
	e := newEnv(t, map[string]string{"paved.yaml": "version: 1\nprojects:\n  - name: app\n    dir: app\n  - name: out\n    dir: out\n"})
	e.openPR(1, "alice", map[string]string{
		"app/main.tf":    project("app", "v1") + "\nvariable \"v\" {\n  default = \"x\"\n}\n",
		"app/x.tfvars":   symlinkTo + "/etc/passwd",
		"out":            symlinkTo + "/etc",
		"README.md":      "why\n",
		"app/README.txt": "app\n",
	})
	auto := e.replies(1, 0)[0]
	r := e.say(1, "alice", "paved plan -p app -- -var-file=x.tfvars")[0]
	mustContain(t, "var file through a symlink", r, "var file x.tfvars must be a file inside the working copy")
	if strings.Contains(r, "root:x:0:0") || strings.Contains(auto, "root:x:0:0") {
		t.Fatalf("/etc/passwd reached the pull request:\n%s", r)
	}
	mustContain(t, "dir through a symlink", e.say(1, "alice", "paved plan -p out")[0], "project dir out must be a directory inside the working copy")

	// A tracked .terraform is refused before anything runs in it.
	seen := len(e.fake.Comments("acme", "infra", 1))
	head := e.push(1, map[string]string{"app/.terraform": symlinkTo + e.data})
	mustContain(t, "tracked .terraform", e.replies(1, seen)[0], "tracks app/.terraform", ".gitignore")
	if s := lastStatus(e, head, "paved/plan"); s.State != "failure" {
		t.Fatalf("paved/plan after a tracked .terraform: %+v", s)
	}

	// Long words and mentions are not echoed.
	r = e.say(1, "alice", "paved "+strings.Repeat("x", 1<<20))[0]
	if len(r) > 8<<10 || !strings.Contains(r, "…") {
		t.Fatalf("a 1 MB word was echoed: %d characters", len(r))
	}
	r = e.say(1, "alice", "paved @acme/admins")[0]
	if regexp.MustCompile("(^|[^`])@acme/admins").MatchString(r) {
		t.Fatalf("a mention was echoed outside a code span:\n%s", r)
	}
}

// TestAccBotTimeoutIsAnswered: a command past --timeout is answered with
// the timeout and Terraform's output so far, and its status ends in error.
func TestAccBotTimeoutIsAnswered(t *testing.T) {
	e := newEnv(t, map[string]string{"paved.yaml": "version: 1\nprojects:\n  - name: slow\n    dir: slow\n"}, "--timeout", "8s")
	slow := backend("slow") + `
resource "terraform_data" "slow" {
  input = "v1"
  provisioner "local-exec" {
    command = "sleep 60"
  }
}
`
	sha := e.openPR(1, "alice", map[string]string{"slow/main.tf": slow})
	mustContain(t, "plan", e.replies(1, 0)[0], "+1 ~0 -0")
	started := time.Now()
	r := e.say(1, "alice", "paved apply")[0]
	mustContain(t, "apply past the timeout", r, "timed out after 8s", "terraform_data.slow: Creating...", "ran out of time", "lock stays")
	if took := time.Since(started); took > 45*time.Second {
		t.Fatalf("the timed-out apply was answered after %s", took)
	}
	if s := lastStatus(e, sha, "paved/apply"); s.State != "error" || !strings.Contains(s.Description, "timed out") {
		t.Fatalf("paved/apply after a timeout: %+v", s)
	}
}

// TestAccBotApplyOnMerge: under a rule's `apply: on_merge`, merging a pull
// request applies its saved plans as whoever merged it, tags them and says
// so; the gates still hold: without the approval the rule asks for, the
// merge applies nothing and says why; a merge with no plan is silent.
func TestAccBotApplyOnMerge(t *testing.T) {
	config := filepath.Join(t.TempDir(), "server.yaml")
	rules := "repos:\n  - match: github.com/acme/*\n    apply: on_merge\n    apply_requirements: [approved, mergeable, undiverged]\n"
	if err := os.WriteFile(config, []byte(rules), 0o600); err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, map[string]string{"paved.yaml": "version: 1\nprojects:\n  - name: app\n    dir: app\n  - name: web\n    dir: web\n"}, "--config", config)

	// Unapproved: the merge applies nothing, says why, and releases the lock.
	e.openPR(1, "alice", map[string]string{"web/main.tf": project("web", "v1")})
	mustContain(t, "plan on an on-merge repository", e.replies(1, 0)[0], "This repository applies on merge")
	seen := len(e.fake.Comments("acme", "infra", 1))
	e.merge(1)
	refused := strings.Join(e.replies(1, seen), "\n")
	mustContain(t, "unapproved merge", refused, "### paved apply on merge at", "refused", "needs an approving review", "released the locks on `web`")
	if tags := e.deployTags(); len(tags) != 0 {
		t.Fatalf("an unapproved merge created tags: %v", tags)
	}

	// Approved: merged, applied, tagged, told; mergeable and undiverged were the merge's.
	e.openPR(2, "alice", map[string]string{"app/main.tf": project("app", "v1")})
	e.replies(2, 0)
	e.fake.Approve("acme", "infra", 2, "bob")
	seen = len(e.fake.Comments("acme", "infra", 2))
	e.merge(2)
	applied := strings.Join(e.replies(2, seen), "\n")
	mustContain(t, "approved merge", applied, "### paved apply on merge at", "applied `+1 ~0 -0`", "tagged `paved/app/default/", "Applied by `maintainer`")
	if tags := e.deployTags(); len(tags) != 1 {
		t.Fatalf("tags after the approved merge: %d", len(tags))
	}

	// A merge with nothing planned says nothing about applying.
	e.openPR(3, "alice", map[string]string{"README.md": "docs\n"})
	e.waitFor("the autoplan of #3, which touches no project", e.idle)
	seen = len(e.fake.Comments("acme", "infra", 3))
	e.merge(3)
	e.waitFor("the merge of #3 to be handled", e.idle)
	for _, c := range e.fake.Comments("acme", "infra", 3)[seen:] {
		if strings.Contains(c.Body, "paved apply") {
			t.Fatalf("a merge with no plan was answered:\n%s", c.Body)
		}
	}
}
