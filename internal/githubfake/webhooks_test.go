package githubfake_test

import (
	"context"
	"net/url"
	"strconv"
	"testing"

	"github.com/google/go-github/v60/github"

	"github.com/paved-road/paved/internal/githubfake"
)

func TestPullRequestEvents(t *testing.T) {
	f, _, repo := setup(t, githubfake.Options{InstallationID: 31})
	openFeature(f, repo)
	cloneURL := (&url.URL{Scheme: "file", Path: repo.dir}).String()

	check := func(action string) *github.PullRequestEvent {
		t.Helper()
		parsed, err := github.ParseWebHook("pull_request", f.PullRequestEvent(owner, name, 7, action))
		if err != nil {
			t.Fatal(err)
		}
		ev, ok := parsed.(*github.PullRequestEvent)
		if !ok {
			t.Fatalf("parsed a %T", parsed)
		}
		if ev.GetAction() != action || ev.GetNumber() != 7 || ev.GetInstallation().GetID() != 31 {
			t.Errorf("%s: action %q number %d installation %d", action, ev.GetAction(), ev.GetNumber(), ev.GetInstallation().GetID())
		}
		if r := ev.GetRepo(); r.GetFullName() != "acme/infra" || r.GetName() != name || r.GetOwner().GetLogin() != owner ||
			r.GetCloneURL() != cloneURL || r.GetHTMLURL() != "https://github.com/acme/infra" {
			t.Errorf("%s: repository %+v", action, r)
		}
		pr := ev.GetPullRequest()
		if pr.GetNumber() != 7 || pr.GetUser().GetLogin() != "alice" || pr.GetHead().GetRef() != "feature" ||
			pr.GetBase().GetRef() != "main" || pr.GetHTMLURL() != "https://github.com/acme/infra/pull/7" ||
			pr.GetHead().GetRepo().GetCloneURL() != cloneURL {
			t.Errorf("%s: pull request %+v", action, pr)
		}
		return ev
	}

	opened := check("opened")
	if pr := opened.GetPullRequest(); pr.GetHead().GetSHA() != repo.head || pr.GetState() != "open" || pr.GetMerged() ||
		opened.GetSender().GetLogin() != "alice" {
		t.Errorf("opened: head %s state %s merged %v sender %s", pr.GetHead().GetSHA(), pr.GetState(), pr.GetMerged(), opened.GetSender().GetLogin())
	}

	next := repo.commit(t, repo.head, map[string]string{"envs/dev/more.tf": "locals {}\n"})
	f.Push(owner, name, 7, next, []string{"envs/dev/more.tf"})
	synced := check("synchronize")
	if synced.GetBefore() != repo.head || synced.GetAfter() != next || synced.GetPullRequest().GetHead().GetSHA() != next {
		t.Errorf("synchronize: before %s after %s head %s, want %s → %s", synced.GetBefore(), synced.GetAfter(),
			synced.GetPullRequest().GetHead().GetSHA(), repo.head, next)
	}

	f.Merge(owner, name, 7, "bob")
	closed := check("closed")
	if pr := closed.GetPullRequest(); !pr.GetMerged() || pr.GetState() != "closed" || pr.MergedAt == nil ||
		closed.GetSender().GetLogin() != "bob" {
		t.Errorf("closed: merged %v state %s at %v sender %s", pr.GetMerged(), pr.GetState(), pr.MergedAt, closed.GetSender().GetLogin())
	}
}

func TestIssueCommentEvent(t *testing.T) {
	f, gh, repo := setup(t, githubfake.Options{})
	openFeature(f, repo)

	payload, id := f.IssueCommentEvent(owner, name, 7, "carol", "paved apply -p dev")
	parsed, err := github.ParseWebHook("issue_comment", payload)
	if err != nil {
		t.Fatal(err)
	}
	ev, ok := parsed.(*github.IssueCommentEvent)
	if !ok {
		t.Fatalf("parsed a %T", parsed)
	}
	if ev.GetAction() != "created" || ev.GetInstallation().GetID() != 1 || ev.GetRepo().GetFullName() != "acme/infra" ||
		ev.GetSender().GetLogin() != "carol" {
		t.Errorf("event: action %q installation %d repo %s sender %s", ev.GetAction(), ev.GetInstallation().GetID(),
			ev.GetRepo().GetFullName(), ev.GetSender().GetLogin())
	}
	issue := ev.GetIssue()
	if !issue.IsPullRequest() || issue.GetNumber() != 7 || issue.GetPullRequestLinks().GetURL() != "https://api.github.com/repos/acme/infra/pulls/7" ||
		issue.GetUser().GetLogin() != "alice" || issue.GetState() != "open" {
		t.Errorf("issue %+v", issue)
	}
	c := ev.GetComment()
	if c.GetID() != id || c.GetBody() != "paved apply -p dev" || c.GetUser().GetLogin() != "carol" ||
		c.GetHTMLURL() != "https://github.com/acme/infra/pull/7#issuecomment-"+strconv.FormatInt(id, 10) {
		t.Errorf("comment %+v, want id %d", c, id)
	}

	// The comment exists for the API too: the bot reacts to it.
	if _, _, err := gh.Reactions.CreateIssueCommentReaction(context.Background(), owner, name, id, "+1"); err != nil {
		t.Fatal(err)
	}
	if got := f.Reactions(owner, name, id); len(got) != 1 || got[0].Content != "+1" {
		t.Errorf("reactions %+v", got)
	}
}

func TestSign(t *testing.T) {
	body := []byte(`{"action":"opened"}`)
	sig := githubfake.Sign("s3cret", body)
	if err := github.ValidateSignature(sig, body, []byte("s3cret")); err != nil {
		t.Errorf("go-github rejects the signature %s: %v", sig, err)
	}
	if err := github.ValidateSignature(sig, body, []byte("other")); err == nil {
		t.Error("the signature validates with another secret")
	}
}
