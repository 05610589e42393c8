package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
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

	"github.com/paved-road/paved/bot/history"
	"github.com/paved-road/paved/internal/githubfake"
)

const pavedYAML = `version: 1
projects:
  - name: app
    dir: app
  - name: db
    dir: db
    apply_requirements: [approved]
`

// backend keeps a project's state outside every clone, as a real remote
// backend would.
func backend(name string) string {
	return `terraform {
  backend "local" {
    path = "STATE/` + name + `.tfstate"
  }
}
`
}

// project is a Terraform config with one resource holding value.
func project(name, value string) string {
	return backend(name) + `
resource "terraform_data" "` + name + `" {
  input = { version = "` + value + `" }
}
`
}

func mustContain(t *testing.T, what, text string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(text, w) {
			t.Fatalf("%s: want %q in:\n%s", what, w, text)
		}
	}
}

// lastStatus is the newest commit status of a context on a commit.
func lastStatus(e *env, sha, context string) githubfake.Status {
	e.t.Helper()
	var last githubfake.Status
	for _, s := range e.fake.Statuses("acme", "infra", sha) {
		if s.Context == context {
			last = s
		}
	}
	return last
}

// callsSince returns "METHOD path" for the calls after the first n.
func callsSince(e *env, n int) []string {
	var out []string
	for _, c := range e.fake.Calls()[n:] {
		out = append(out, c.Method+" "+c.Path)
	}
	return out
}

// bodies returns the JSON bodies of the calls to method path.
func bodies(e *env, method, path string) []map[string]any {
	var out []map[string]any
	for _, c := range e.fake.Calls() {
		if c.Method == method && c.Path == path {
			var m map[string]any
			if err := json.Unmarshal(c.Body, &m); err != nil {
				e.t.Fatalf("%s %s body: %v", method, path, err)
			}
			out = append(out, m)
		}
	}
	return out
}

// deployTag is a deploy tag as the repository on GitHub has it.
type deployTag struct {
	Name    string // without refs/tags/
	Kind    string // the object the ref points at: "tag" for an annotated tag
	Commit  string // what the tag points at
	Message string
}

// deployTags lists the repository's deploy tags, oldest first.
func (e *env) deployTags() []deployTag {
	e.t.Helper()
	out := e.git("-C", e.origin, "for-each-ref", "--sort=creatordate", "--format=%(refname:strip=2)%00%(objecttype)%00%(*objectname)%00%(contents)%01", "refs/tags/paved/")
	var tags []deployTag
	for _, rec := range strings.Split(out, "\x01") {
		f := strings.SplitN(strings.TrimLeft(rec, "\n"), "\x00", 4)
		if len(f) == 4 {
			tags = append(tags, deployTag{Name: f[0], Kind: f[1], Commit: f[2], Message: f[3]})
		}
	}
	return tags
}

func TestAccBotPlanApplyTagHistoryRollback(t *testing.T) {
	e := newEnv(t, map[string]string{"paved.yaml": pavedYAML, "README.md": "infra\n"})

	// A pull request touching two projects is planned on opening.
	sha1 := e.openPR(1, "alice", map[string]string{"app/main.tf": project("app", "v1"), "db/main.tf": project("db", "16")})
	plan := e.replies(1, 0)
	mustContain(t, "autoplan", plan[0], "paved autoplan at "+sha1[:7], "app", "db", "+1 ~0 -0", "<details>", "paved apply")
	if s := lastStatus(e, sha1, "paved/plan"); s.State != "success" || !strings.Contains(s.Description, "2 planned") {
		t.Fatalf("paved/plan status: %+v", s)
	}

	// A plan costs the same GitHub calls however many projects it has.
	before := len(e.fake.Calls())
	e.say(1, "alice", "paved plan")
	wantCalls := []string{
		"POST /repos/acme/infra/issues/comments/{id}/reactions",
		"GET /repos/acme/infra/pulls/1",
		"GET /repos/acme/infra/pulls/1/files",
		"POST /repos/acme/infra/statuses/" + sha1,
		"POST /repos/acme/infra/issues/1/comments",
		"POST /repos/acme/infra/statuses/" + sha1,
	}
	got := callsSince(e, before)
	reactionPath := regexp.MustCompile(`/issues/comments/\d+/reactions$`)
	for i := range got {
		got[i] = reactionPath.ReplaceAllString(got[i], "/issues/comments/{id}/reactions")
	}
	// The status goes out while Terraform runs: compare as sets, order aside.
	slices.Sort(got)
	slices.Sort(wantCalls)
	if strings.Join(got, "\n") != strings.Join(wantCalls, "\n") {
		t.Fatalf("GitHub calls for paved plan of 2 projects:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(wantCalls, "\n"))
	}

	// db requires an approval: app is applied, db is refused with the reason.
	r := e.say(1, "alice", "paved apply")
	mustContain(t, "apply without approval", r[0], "applied", "refused", "needs an approving review")
	if s := lastStatus(e, sha1, "paved/apply"); s.State != "failure" {
		t.Fatalf("paved/apply status after a refusal: %+v", s)
	}
	e.fake.Approve("acme", "infra", 1, "bob")
	r = e.say(1, "alice", "paved apply")
	mustContain(t, "apply after approval", r[0], "db", "applied", "tagged `paved/db/default/")
	if s := lastStatus(e, sha1, "paved/apply"); s.State != "success" {
		t.Fatalf("paved/apply status: %+v", s)
	}

	// Each apply pushed an annotated tag on the applied commit, with git:
	// no API call per project.
	if calls := len(bodies(e, "POST", "/repos/acme/infra/git/tags")) + len(bodies(e, "POST", "/repos/acme/infra/git/refs")); calls != 0 {
		t.Fatalf("deploy tags made %d API calls", calls)
	}
	tags := e.deployTags()
	if len(tags) != 2 {
		t.Fatalf("want 2 deploy tags, got %+v", tags)
	}
	for i, tag := range tags {
		if tag.Kind != "tag" || tag.Commit != sha1 {
			t.Fatalf("deploy tag %d: %+v", i, tag)
		}
		mustContain(t, "tag message", tag.Message, "PR: 1\n", "Author: alice", "Applied-By: alice", "Plan-SHA256: ", "Tool: "+e.tool+" ")
	}
	mustContain(t, "db tag approvers", tags[1].Message, "Approvers: bob")
	labels := strings.Join(e.fake.Labels("acme", "infra", 1), ",")
	if labels != "applied:app,applied:db" {
		t.Fatalf("labels: %s", labels)
	}
	appTag1 := tags[0].Name

	// Merging releases the locks.
	seen := len(e.fake.Comments("acme", "infra", 1))
	e.merge(1)
	mustContain(t, "merge", e.replies(1, seen)[0], "merged", "released the locks", "`app`", "`db`")

	// A second pull request changes app; a third is told app is locked.
	sha2 := e.openPR(2, "carol", map[string]string{"app/main.tf": project("app", "v2")})
	mustContain(t, "PR 2 autoplan", e.replies(2, 0)[0], "~1", "v2")
	e.openPR(3, "dave", map[string]string{"app/main.tf": project("app", "v3")})
	mustContain(t, "PR 3 autoplan", e.replies(3, 0)[0], "refused", "locked by [#2]", "/pull/2")

	// Unlock on #2 lets #3 plan; #3 then lets go again.
	mustContain(t, "unlock", e.say(2, "carol", "paved unlock")[0], "released", "`app`")
	mustContain(t, "PR 3 plan", e.say(3, "dave", "paved plan")[0], "~1", "v3")
	e.say(3, "dave", "paved unlock")
	mustContain(t, "PR 2 replan", e.say(2, "carol", "paved plan")[0], "~1")
	mustContain(t, "PR 2 apply", e.say(2, "carol", "paved apply")[0], "applied", "tagged `paved/app/default/")
	if s := lastStatus(e, sha2, "paved/apply"); s.State != "success" {
		t.Fatalf("PR 2 paved/apply: %+v", s)
	}
	seen = len(e.fake.Comments("acme", "infra", 2))
	e.merge(2)
	e.replies(2, seen)

	// History lists the applies of app, newest first, in the comment and the CLI.
	h := e.say(3, "dave", "paved history -p app")[0]
	mustContain(t, "history", h, "[#2]", "[#1]", appTag1)
	if strings.Index(h, "[#2]") > strings.Index(h, "[#1]") {
		t.Fatalf("history must list newest first:\n%s", h)
	}
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"history", "--repo", "acme/infra", "--git-url", e.origin, "--data-dir", t.TempDir(), "--project", "app"}, &out, &errOut)
	if code != 0 {
		t.Fatalf("paved-bot history exited %d: %s", code, errOut.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 3 || !strings.Contains(lines[1], "#2") || !strings.Contains(lines[2], "#1") || !strings.Contains(lines[2], appTag1) {
		t.Fatalf("paved-bot history:\n%s", out.String())
	}

	// Planning app as it was at its first deploy shows the rollback v2 -> v1.
	rb := e.say(3, "dave", "paved plan -p app --rev "+appTag1)[0]
	mustContain(t, "rollback plan", rb, appTag1, "rollback", "~1", `"v2" -> "v1"`)
}

// Two deploys of one project in one second (an apply right after another
// pull request's, or after a merge) must both be recorded: the second gets
// the first free name after the taken one.
func TestAccBotTagsTwoDeploysOfOneSecond(t *testing.T) {
	e := newEnv(t, map[string]string{"paved.yaml": pavedYAML})
	sha := e.openPR(1, "alice", map[string]string{"app/main.tf": project("app", "v1")})
	e.replies(1, 0)
	// Whatever second the apply ends in, its name is taken.
	start := time.Now().UTC()
	for s := -1; s < 60; s++ {
		e.git("-C", e.origin, "tag", history.TagName("app", "default", start.Add(time.Duration(s)*time.Second)), sha)
	}
	r := e.say(1, "alice", "paved apply")[0]
	mustContain(t, "apply", r, "applied", "tagged `paved/app/default/")
	name := regexp.MustCompile("tagged `(paved/app/default/[0-9TZ]+-2)`").FindStringSubmatch(r)
	if name == nil {
		t.Fatalf("the apply was not tagged with a retried name:\n%s", r)
	}
	i := slices.IndexFunc(e.deployTags(), func(d deployTag) bool { return d.Name == name[1] })
	if i < 0 {
		t.Fatalf("tag %s is not in the repository", name[1])
	}
	if d := e.deployTags()[i]; d.Kind != "tag" || d.Commit != sha {
		t.Fatalf("deploy tag %+v", d)
	}
	// It is a deploy record the bot verifies: planning back to it works.
	mustContain(t, "plan --rev", e.say(1, "alice", "paved plan -p app --rev "+name[1])[0], name[1], "rollback")
}

func TestAccBotRefusals(t *testing.T) {
	e := newEnv(t, map[string]string{"paved.yaml": pavedYAML}, "--max-body", "65536")

	sha := e.openPR(1, "alice", map[string]string{"app/main.tf": project("app", "v1"), "db/main.tf": project("db", "16")})
	e.replies(1, 0)

	// Webhooks that fail intake run nothing and call nothing.
	calls := len(e.fake.Calls())
	body, _ := e.fake.IssueCommentEvent("acme", "infra", 1, "mallory", "paved apply")
	for name, tc := range map[string]struct {
		event, signature string
		body             []byte
		want             int
	}{
		"unsigned":        {"issue_comment", "", body, http.StatusUnauthorized},
		"wrongly signed":  {"issue_comment", githubfake.Sign("guess", body), body, http.StatusUnauthorized},
		"oversized":       {"issue_comment", "", bytes.Repeat([]byte(" "), 70000), http.StatusRequestEntityTooLarge},
		"malformed json":  {"issue_comment", githubfake.Sign(secret, []byte(`{"action":`)), []byte(`{"action":`), http.StatusBadRequest},
		"unhandled event": {"star", githubfake.Sign(secret, []byte(`{"action":"created"}`)), []byte(`{"action":"created"}`), http.StatusAccepted},
	} {
		if tc.signature == "" && name == "oversized" {
			tc.signature = githubfake.Sign(secret, tc.body)
		}
		if got := e.post(tc.event, tc.body, tc.signature); got != tc.want {
			t.Errorf("%s: status %d, want %d", name, got, tc.want)
		}
	}
	if got := callsSince(e, calls); len(got) != 0 {
		t.Fatalf("rejected webhooks made GitHub calls: %v", got)
	}

	for comment, want := range map[string][]string{
		"paved plan -p app; rm -rf /":    {"not run through a shell", "Usage"},
		"paved plan -- -chdir=/tmp":      {"-chdir"},
		"paved plan -d ../..":            {"-d", "repository"},
		"paved plan -p nope":             {"nope", "app", "db"},
		"paved destroy":                  {"destroy", "Usage"},
		"paved plan -- -state=x.tfstate": {"-state"},
	} {
		mustContain(t, comment, e.say(1, "alice", comment)[0], want...)
	}

	// The db project needs an approval; nobody approved.
	r := e.say(1, "alice", "paved apply -p db")
	mustContain(t, "apply without approval", r[0], "refused", "needs an approving review")

	// A push the bot did not see: apply refuses a plan older than the head.
	moved := e.commit("pr-1", "sneaky", map[string]string{"app/main.tf": project("app", "v9")})
	e.fake.Push("acme", "infra", 1, moved, []string{"app/main.tf"})
	mustContain(t, "apply after head moved", e.say(1, "alice", "paved apply -p app")[0], "head moved", sha[:7], moved[:7])

	// A Terraform error is summed up in the table, in full below it.
	seen := len(e.fake.Comments("acme", "infra", 1))
	e.push(1, map[string]string{"db/main.tf": project("db", "16") + "\noutput \"x\" {\n  value = var.nope\n}\n"})
	mustContain(t, "plan error", e.replies(1, seen)[0], "| db | db | default | error: Reference to undeclared input variable |", "on main.tf line 12")

	// A broken paved.yaml is reported with its line.
	broken := strings.Replace(pavedYAML, "    dir: db\n", "    dir: db\n    worksapce: blue\n", 1)
	seen = len(e.fake.Comments("acme", "infra", 1))
	e.push(1, map[string]string{"paved.yaml": broken})
	mustContain(t, "broken paved.yaml", e.replies(1, seen)[0], "paved.yaml:7", "worksapce", "workspace")
}

func TestAccBotConcurrentApplies(t *testing.T) {
	e := newEnv(t, map[string]string{"paved.yaml": "version: 1\nprojects:\n  - name: slow\n    dir: slow\n"})
	slow := backend("slow") + `
resource "terraform_data" "slow" {
  input = "v1"
  provisioner "local-exec" {
    command = "sleep 3"
  }
}
`
	e.openPR(1, "alice", map[string]string{"slow/main.tf": slow})
	e.replies(1, 0)
	before := len(e.fake.Comments("acme", "infra", 1))
	first, _ := e.fake.IssueCommentEvent("acme", "infra", 1, "alice", "paved apply")
	second, _ := e.fake.IssueCommentEvent("acme", "infra", 1, "bob", "paved apply")
	e.deliver("issue_comment", first)
	e.deliver("issue_comment", second)
	var got []string
	e.waitFor("both applies to answer", func() bool {
		got = e.replies(1, before)
		return len(got) >= 2
	})
	all := strings.Join(got, "\n---\n")
	if strings.Count(all, "Apply complete!") != 1 || !strings.Contains(all, "busy") {
		t.Fatalf("want one apply to run and the other told it is busy:\n%s", all)
	}
	if tags := e.deployTags(); len(tags) != 1 {
		t.Fatalf("want exactly one deploy tag, got %d", len(tags))
	}
}

// newAppEnv is newEnv with the bot authenticating as GitHub App 4242,
// installed once.
func newAppEnv(t *testing.T, main map[string]string, flags ...string) *env {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	pemFile := filepath.Join(t.TempDir(), "app.pem")
	block := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	if err := os.WriteFile(pemFile, block, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PAVED_GITHUB_TOKEN", "")
	return newEnvWith(t, githubfake.Options{AppID: 4242, AppPublicKey: &key.PublicKey, InstallationID: 1},
		main, append([]string{"--github-app-id", "4242", "--github-app-key-file", pemFile}, flags...)...)
}

func TestAccBotAsGitHubApp(t *testing.T) {
	e := newAppEnv(t, map[string]string{"paved.yaml": "version: 1\nprojects:\n  - name: app\n    dir: app\n"})
	e.openPR(1, "alice", map[string]string{"app/main.tf": project("app", "v1")})
	mustContain(t, "autoplan as an App", e.replies(1, 0)[0], "+1 ~0 -0")
	var exchanged bool
	for _, c := range e.fake.Calls() {
		if c.Method == "POST" && c.Path == "/app/installations/1/access_tokens" && c.Status == http.StatusCreated {
			exchanged = true
		}
		if c.Status == http.StatusUnauthorized {
			t.Fatalf("unauthorized call: %+v", c)
		}
	}
	if !exchanged {
		t.Fatal("the bot never exchanged its App JWT for an installation token")
	}
}

func TestAccBotLongPlanSplitApplyOneAndMasked(t *testing.T) {
	e := newEnv(t, map[string]string{"paved.yaml": "version: 1\nprojects:\n  - name: fleet\n    dir: fleet\n"})
	// 500 resources make a plan of well over 65,536 characters; one of them
	// carries what looks like an AWS key pair.
	fleet := backend("fleet") + `
resource "terraform_data" "node" {
  count = 500
  input = { name = "node-${count.index}", zone = "eu-west-1a", size = "m7g.large", owner = "platform" }
}

resource "terraform_data" "leaky" {
  input = { access_key = "AKIAIOSFODNN7EXAMPLE", aws_secret_access_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" }
}
`
	e.openPR(1, "alice", map[string]string{"fleet/main.tf": fleet})
	var comments []string
	e.waitFor("the split plan", func() bool {
		comments = e.replies(1, 0)
		return len(comments) >= 2 && strings.Contains(comments[len(comments)-1], "part ")
	})
	joined := strings.Join(comments, "\n")
	for i, c := range comments {
		if len(c) > 65536 {
			t.Fatalf("comment %d has %d characters", i+1, len(c))
		}
		if strings.Count(c, "<details>") != strings.Count(c, "</details>") {
			t.Fatalf("comment %d breaks a <details> block", i+1)
		}
	}
	mustContain(t, "split plan", comments[0], "+501 ~0 -0")
	mustContain(t, "last part", comments[len(comments)-1], "(part ")
	if strings.Contains(joined, "AKIAIOSFODNN7EXAMPLE") || strings.Contains(joined, "wJalrXUtnFEMI") {
		t.Fatal("a credential reached the pull request")
	}
	for _, n := range []string{"node-0", "node-250", "node-499"} {
		mustContain(t, "complete plan", joined, `"`+n+`"`)
	}

	// Apply answers in one comment however long its log: cut to its tail,
	// pointing at the job log.
	applied := e.say(1, "alice", "paved apply")
	if len(applied) != 1 {
		t.Fatalf("apply replied in %d comments, want 1", len(applied))
	}
	if len(applied[0]) > 65536 {
		t.Fatalf("the apply reply has %d characters", len(applied[0]))
	}
	mustContain(t, "long apply", applied[0], "applied `+501 ~0 -0`", "Apply complete! Resources: 501 added", "lines cut; full output: the job log of paved-bot job ")
	if strings.Contains(applied[0], "AKIAIOSFODNN7EXAMPLE") || strings.Contains(applied[0], "wJalrXUtnFEMI") {
		t.Fatal("a credential reached the pull request")
	}
}

func TestAccBotApplyRequirements(t *testing.T) {
	e := newEnv(t, map[string]string{"paved.yaml": `version: 1
projects:
  - name: app
    dir: app
    apply_requirements: [mergeable]
    allowed_appliers: [Alice]
`})
	sha := e.openPR(1, "carol", map[string]string{"app/main.tf": project("app", "v1")})
	e.replies(1, 0)

	e.fake.SetMergeable("acme", "infra", 1, false)
	mustContain(t, "not mergeable", e.say(1, "alice", "paved apply")[0], "refused", "not mergeable")
	e.fake.SetMergeable("acme", "infra", 1, true)
	mustContain(t, "not an applier", e.say(1, "bob", "paved apply")[0], "refused", "`bob` may not apply", "Alice")
	if tags := e.deployTags(); len(tags) != 0 {
		t.Fatalf("refused applies created tags: %v", tags)
	}
	// Logins compare case-insensitively, as GitHub's do.
	mustContain(t, "applier", e.say(1, "alice", "paved apply")[0], "applied `+1 ~0 -0`, tagged `paved/app/default/")
	if s := lastStatus(e, sha, "paved/apply"); s.State != "success" {
		t.Fatalf("paved/apply: %+v", s)
	}
}

// openForkPR opens pull request n from a fork owned by owner.
func (e *env) openForkPR(n int, owner string, files map[string]string) {
	e.t.Helper()
	branch := "pr-" + strconv.Itoa(n)
	sha := e.commit(branch, "change from a fork", files)
	e.fake.OpenPR("acme", "infra", githubfake.PR{Number: n, Author: owner, HeadOwner: owner, HeadRef: branch, HeadSHA: sha, BaseRef: "main", Files: keys(files)})
	e.deliver("pull_request", e.fake.PullRequestEvent("acme", "infra", n, "opened"))
}

func TestAccBotForkPullRequests(t *testing.T) {
	main := map[string]string{"paved.yaml": "version: 1\nprojects:\n  - name: app\n    dir: app\n"}
	e := newEnv(t, main)
	e.openForkPR(1, "mallory", map[string]string{"app/main.tf": project("app", "v1") + "\n# exfiltrate credentials here\n"})
	mustContain(t, "fork autoplan", e.replies(1, 0)[0], "comes from a fork", "--allow-fork-prs")
	mustContain(t, "fork plan", e.say(1, "mallory", "paved plan")[0], "comes from a fork")
	for _, c := range e.fake.Calls() {
		if strings.Contains(c.Path, "/statuses/") {
			t.Fatalf("a fork's pull request was planned: %s %s", c.Method, c.Path)
		}
	}

	// An operator who accepts the risk opts in.
	e = newEnv(t, main, "--allow-fork-prs")
	e.openForkPR(1, "friend", map[string]string{"app/main.tf": project("app", "v1")})
	mustContain(t, "allowed fork", e.replies(1, 0)[0], "+1 ~0 -0")
}

func TestAccBotApplyNeedsWriteAccess(t *testing.T) {
	e := newEnv(t, map[string]string{"paved.yaml": "version: 1\nprojects:\n  - name: app\n    dir: app\n"})
	e.openPR(1, "alice", map[string]string{"app/main.tf": project("app", "v1")})
	e.replies(1, 0)
	e.fake.SetPermission("acme", "infra", "outsider", "read")
	mustContain(t, "read-only commenter", e.say(1, "outsider", "paved apply")[0],
		"refused: `outsider` has read access to acme/infra; applying needs write access")
	if tags := e.deployTags(); len(tags) != 0 {
		t.Fatalf("a read-only user's apply created tags: %v", tags)
	}
	mustContain(t, "writer", e.say(1, "alice", "paved apply")[0], "applied `+1 ~0 -0`")
}
