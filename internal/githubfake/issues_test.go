package githubfake_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"testing"

	"github.com/google/go-github/v60/github"

	"github.com/paved-road/paved/internal/githubfake"
)

func createIssue(t *testing.T, gh *github.Client, title string, labels ...string) *github.Issue {
	t.Helper()
	req := &github.IssueRequest{Title: github.String(title), Body: github.String("About " + title)}
	if labels != nil {
		req.Labels = &labels
	}
	is, resp, err := gh.Issues.Create(context.Background(), owner, name, req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusCreated {
		t.Errorf("create %q: %d", title, resp.StatusCode)
	}
	return is
}

func TestIssuesShareNumbersWithPullRequests(t *testing.T) {
	f, gh, repo := setup(t, githubfake.Options{})
	ctx := context.Background()
	openFeature(f, repo)

	drift := createIssue(t, gh, "Drift in dev", "paved:drift", "env:dev")
	if drift.GetNumber() != 8 || drift.IsPullRequest() || drift.GetState() != "open" || drift.GetUser().GetLogin() != "paved[bot]" ||
		drift.GetHTMLURL() != "https://github.com/acme/infra/issues/8" || drift.GetBody() != "About Drift in dev" {
		t.Errorf("created %+v, want issue 8 after pull request 7", drift)
	}
	for _, l := range drift.Labels {
		if l.GetColor() != "ededed" {
			t.Errorf("label %s created with colour %s, want GitHub's ededed", l.GetName(), l.GetColor())
		}
	}
	f.OpenPR(owner, name, githubfake.PR{Number: 9, Author: "bob", HeadRef: "feature", HeadSHA: repo.head, BaseRef: "main"})
	if next := createIssue(t, gh, "Drift in prod"); next.GetNumber() != 10 {
		t.Errorf("issue after pull request 9: number %d, want 10", next.GetNumber())
	}

	got, _, err := gh.Issues.Get(ctx, owner, name, 8)
	if err != nil {
		t.Fatal(err)
	}
	if got.GetNumber() != 8 || got.GetTitle() != "Drift in dev" || got.IsPullRequest() || len(got.Labels) != 2 {
		t.Errorf("issue 8: %+v", got)
	}
	pr, _, err := gh.Issues.Get(ctx, owner, name, 7)
	if err != nil {
		t.Fatal(err)
	}
	if !pr.IsPullRequest() || pr.GetTitle() != "Grow dev" || pr.GetUser().GetLogin() != "alice" ||
		pr.GetPullRequestLinks().GetURL() != "https://api.github.com/repos/acme/infra/pulls/7" {
		t.Errorf("pull request 7 as an issue: %+v", pr)
	}
	_, _, err = gh.Issues.Get(ctx, owner, name, 11)
	wantStatus(t, err, http.StatusNotFound, "Not Found")

	want := []githubfake.Issue{
		{Number: 8, Title: "Drift in dev", Body: "About Drift in dev", State: "open", Labels: []string{"paved:drift", "env:dev"}, Author: "paved[bot]"},
		{Number: 10, Title: "Drift in prod", Body: "About Drift in prod", State: "open", Labels: []string{}, Author: "paved[bot]"},
	}
	if got := f.Issues(owner, name); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Issues() = %+v, want %+v", got, want)
	}
}

func TestListIssuesFiltersLikeGitHub(t *testing.T) {
	f, gh, repo := setup(t, githubfake.Options{})
	ctx := context.Background()
	openFeature(f, repo)
	addLabels(t, gh, 7, "paved:drift")
	createIssue(t, gh, "dev", "paved:drift", "env:dev") // 8
	createIssue(t, gh, "prod", "paved:drift")           // 9
	createIssue(t, gh, "unrelated")                     // 10
	f.Close(owner, name, 7)
	f.EditIssue(owner, name, 9, "closed")

	list := func(opts *github.IssueListByRepoOptions) ([]int, *github.Response) {
		t.Helper()
		issues, resp, err := gh.Issues.ListByRepo(ctx, owner, name, opts)
		if err != nil {
			t.Fatal(err)
		}
		var numbers []int
		for _, is := range issues {
			numbers = append(numbers, is.GetNumber())
			if is.IsPullRequest() != (is.GetNumber() == 7) {
				t.Errorf("issue %d: pull request %v", is.GetNumber(), is.IsPullRequest())
			}
		}
		return numbers, resp
	}
	for _, tc := range []struct {
		opts github.IssueListByRepoOptions
		want []int
	}{
		{github.IssueListByRepoOptions{}, []int{10, 8}},
		{github.IssueListByRepoOptions{State: "all"}, []int{10, 9, 8, 7}},
		{github.IssueListByRepoOptions{State: "closed"}, []int{9, 7}},
		{github.IssueListByRepoOptions{State: "all", Labels: []string{"paved:drift"}}, []int{9, 8, 7}},
		{github.IssueListByRepoOptions{State: "all", Labels: []string{"paved:drift", "env:dev"}}, []int{8}},
		{github.IssueListByRepoOptions{Labels: []string{"PAVED:drift"}}, []int{8}}, // names match in any case
		{github.IssueListByRepoOptions{State: "all", Labels: []string{"env:prod"}}, nil},
	} {
		if got, _ := list(&tc.opts); !slices.Equal(got, tc.want) {
			t.Errorf("state %q labels %q: %v, want %v", tc.opts.State, tc.opts.Labels, got, tc.want)
		}
	}

	first, resp := list(&github.IssueListByRepoOptions{State: "all", ListOptions: github.ListOptions{PerPage: 3}})
	if !slices.Equal(first, []int{10, 9, 8}) || resp.NextPage != 2 || resp.LastPage != 2 {
		t.Errorf("first page of 3: %v, next %d last %d", first, resp.NextPage, resp.LastPage)
	}
	second, resp := list(&github.IssueListByRepoOptions{State: "all", ListOptions: github.ListOptions{PerPage: 3, Page: 2}})
	if !slices.Equal(second, []int{7}) || resp.NextPage != 0 || resp.PrevPage != 1 {
		t.Errorf("second page of 3: %v, next %d prev %d", second, resp.NextPage, resp.PrevPage)
	}
}

func TestEditIssue(t *testing.T) {
	f, gh, repo := setup(t, githubfake.Options{})
	ctx := context.Background()
	openFeature(f, repo)
	n := createIssue(t, gh, "Drift in dev", "paved:drift").GetNumber()

	closed, _, err := gh.Issues.Edit(ctx, owner, name, n, &github.IssueRequest{
		State: github.String("closed"), StateReason: github.String("not_planned"),
		Body: github.String("No drift any more."), Labels: &[]string{"paved:drift", "paved:resolved"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if closed.GetState() != "closed" || closed.GetStateReason() != "not_planned" || closed.ClosedAt == nil ||
		closed.GetClosedBy().GetLogin() != "paved[bot]" || closed.GetBody() != "No drift any more." || len(closed.Labels) != 2 {
		t.Errorf("closed %+v", closed)
	}
	want := githubfake.Issue{
		Number: n, Title: "Drift in dev", Body: "No drift any more.", State: "closed", StateReason: "not_planned",
		Labels: []string{"paved:drift", "paved:resolved"}, Author: "paved[bot]", Updates: 1,
	}
	if got := f.Issues(owner, name); len(got) != 1 || fmt.Sprint(got[0]) != fmt.Sprint(want) {
		t.Errorf("Issues() = %+v, want %+v", got, want)
	}

	// A person reopens it; that is not the client's update.
	f.EditIssue(owner, name, n, "open")
	reopened, _, err := gh.Issues.Get(ctx, owner, name, n)
	if err != nil {
		t.Fatal(err)
	}
	if reopened.GetState() != "open" || reopened.GetStateReason() != "reopened" || reopened.ClosedAt != nil {
		t.Errorf("reopened %+v", reopened)
	}
	// Closing without a reason completes it; labels not given stay.
	done, _, err := gh.Issues.Edit(ctx, owner, name, n, &github.IssueRequest{State: github.String("closed"), Title: github.String("Drift fixed")})
	if err != nil {
		t.Fatal(err)
	}
	if done.GetStateReason() != "completed" || done.GetTitle() != "Drift fixed" || len(done.Labels) != 2 {
		t.Errorf("closed again %+v", done)
	}
	if got := f.Issues(owner, name)[0]; got.Updates != 2 || got.State != "closed" {
		t.Errorf("after two edits %+v", got)
	}

	_, _, err = gh.Issues.Edit(ctx, owner, name, 7, &github.IssueRequest{State: github.String("closed")})
	wantStatus(t, err, http.StatusUnprocessableEntity, "changes through the Go API")
	_, _, err = gh.Issues.Edit(ctx, owner, name, 99, &github.IssueRequest{State: github.String("closed")})
	wantStatus(t, err, http.StatusNotFound, "Not Found")
}
