package workflow

import (
	"context"
	"encoding/json"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-github/v60/github"
	"go.yaml.in/yaml/v3"

	"github.com/paved-road/paved/bot/command"
	"github.com/paved-road/paved/bot/githubapi"
	"github.com/paved-road/paved/bot/planpolicy"
	"github.com/paved-road/paved/bot/policy"
	"github.com/paved-road/paved/bot/store"
)

func checkRunEvent(action, name string, prs ...*github.PullRequest) *github.CheckRunEvent {
	return &github.CheckRunEvent{
		Action:   github.String(action),
		Repo:     &github.Repository{ID: github.Int64(1), FullName: github.String("acme/infra"), HTMLURL: github.String("https://github.com/acme/infra")},
		Sender:   &github.User{Login: github.String("bob"), Type: github.String("User")},
		CheckRun: &github.CheckRun{Name: github.String(name), HeadSHA: github.String("abc"), PullRequests: prs},
	}
}

func prAt(number int, repoID int64, sha string) *github.PullRequest {
	return &github.PullRequest{Number: github.Int(number),
		Head: &github.PullRequestBranch{SHA: github.String(sha)},
		Base: &github.PullRequestBranch{Repo: &github.Repository{ID: github.Int64(repoID)}}}
}

func TestARerunCheckPlansAgain(t *testing.T) {
	b := &Bot{}
	j, note := b.jobFor(checkRunEvent("rerequested", "paved/plan", prAt(9, 2, "abc"), prAt(7, 1, "abc")))
	if j == nil || j.Kind != kindComment || j.Command.Name != command.Plan || j.PR != 7 || j.User != "bob" || j.CommentID != 0 ||
		j.URL != "https://github.com/acme/infra/pull/7" {
		t.Fatalf("a re-run paved/plan: %+v %q", j, note)
	}
	for name, ev := range map[string]*github.CheckRunEvent{
		"another app's check":          checkRunEvent("rerequested", "ci/test", prAt(7, 1, "abc")),
		"a completed run":              checkRunEvent("completed", "paved/plan", prAt(7, 1, "abc")),
		"a fork's pull request":        checkRunEvent("rerequested", "paved/apply", prAt(9, 2, "abc")),
		"a pull request that moved on": checkRunEvent("rerequested", "paved/policy", prAt(7, 1, "def")),
	} {
		if j, note := b.jobFor(ev); j != nil || !strings.HasPrefix(note, "ignored: ") {
			t.Errorf("%s: job %+v, note %q", name, j, note)
		}
	}
}

func TestPolicyOutcome(t *testing.T) {
	failed := policyCheck{Result: planpolicy.Result{Set: "prod", Failures: []string{"no"}}}
	broken := policyCheck{Result: planpolicy.Result{Set: "tags", Error: "timed out after 10s"}}
	approved := failed
	approved.ApprovedBy = "carol"
	passed := policyCheck{Result: planpolicy.Result{Set: "prod", Passed: 2}}
	for _, tc := range []struct {
		name        string
		plans       []savedPlan
		state, desc string
	}{
		{"unchecked", []savedPlan{{Project: "a"}}, "", ""},
		{"passed", []savedPlan{{Policies: []policyCheck{passed}}, {Policies: []policyCheck{passed}}}, "success", "2 project(s) passed every policy set"},
		{"failed and broken", []savedPlan{{Policies: []policyCheck{failed}}, {Policies: []policyCheck{broken}}}, "failure", "prod, tags failed: apply needs `paved approve-policies` by an owner"},
		{"approved", []savedPlan{{Policies: []policyCheck{approved, passed}}}, "success", "policy failures approved by carol"},
	} {
		state, desc, ok := policyOutcome(tc.plans)
		if state != tc.state || desc != tc.desc || ok != (tc.state != "") {
			t.Errorf("%s: %q %q %v", tc.name, state, desc, ok)
		}
	}
}

// TestDriftSchedulesRecordOneCheckPerRepositoryAndTime: every replica
// looks at the schedules, and a repository's check at one scheduled time
// is recorded once; repositories another rule matches, or the allowlist
// leaves out, are not checked.
func TestDriftSchedulesRecordOneCheckPerRepositoryAndTime(t *testing.T) {
	db, err := store.Open(filepath.Join(t.TempDir(), "paved.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(`- match: github.com/acme/legacy-*
- match: github.com/acme/*
  drift_schedule: "0 6 * * *"
`), &doc); err != nil {
		t.Fatal(err)
	}
	rules, err := policy.Parse("server.yaml", doc.Content[0])
	if err != nil {
		t.Fatal(err)
	}
	listed := 0
	replica := func() *Bot {
		return &Bot{Store: db, Log: slog.New(slog.DiscardHandler), Host: "github.com", Policy: rules,
			Allowed: func(repo string) bool { return !strings.HasSuffix(repo, "/secret") },
			Repositories: func(context.Context) ([]githubapi.Repository, error) {
				listed++
				return []githubapi.Repository{
					{FullName: "acme/infra", DefaultBranch: "main"}, {FullName: "acme/web", DefaultBranch: "trunk"},
					{FullName: "acme/legacy-app"}, {FullName: "acme/secret"},
				}, nil
			}}
	}
	one, two := replica(), replica()
	before := time.Date(2026, 12, 1, 5, 59, 40, 0, time.UTC)
	one.driftDue(context.Background(), before, before.Add(driftTick))
	two.driftDue(context.Background(), before, before.Add(driftTick))
	one.driftDue(context.Background(), before.Add(driftTick), before.Add(2*driftTick)) // past 06:00: nothing due
	cmds, err := db.Commands()
	if err != nil {
		t.Fatal(err)
	}
	var repos []string
	for _, c := range cmds {
		var j job
		if err := json.Unmarshal(c.Record, &j); err != nil {
			t.Fatal(err)
		}
		if j.Kind != kindDrift || !strings.HasPrefix(j.group(), "drift#") {
			t.Fatalf("a drift check recorded as kind %q in group %q", j.Kind, j.group())
		}
		repos = append(repos, j.Repo+"@"+j.Trunk)
	}
	if strings.Join(repos, ",") != "acme/infra@main,acme/web@trunk" || listed != 2 {
		t.Fatalf("checks recorded: %v (repositories listed %d times, want once per replica)", repos, listed)
	}
}
