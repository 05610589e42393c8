package githubapi_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/google/go-github/v60/github"

	"github.com/paved-road/paved/bot/githubapi"
	"github.com/paved-road/paved/internal/githubfake"
)

func TestIssues(t *testing.T) {
	f, c, _ := setup(t)
	ctx := context.Background()
	// The pull request carries the label too, and is no issue.
	if err := c.AddLabels(ctx, "acme/infra", 7, []string{"paved:drift"}); err != nil {
		t.Fatal(err)
	}
	dev, err := c.CreateIssue(ctx, "acme/infra", "Drift in dev", "1 to change", []string{"paved:drift", "env:dev"})
	if err != nil {
		t.Fatal(err)
	}
	other, err := c.CreateIssue(ctx, "acme/infra", "Something else", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if dev != 8 || other != 9 {
		t.Errorf("issues %d and %d, want 8 and 9 after pull request 7", dev, other)
	}
	list := func(label, state string) []githubapi.Issue {
		t.Helper()
		issues, err := c.Issues(ctx, "acme/infra", label, state)
		if err != nil {
			t.Fatal(err)
		}
		return issues
	}
	want := []githubapi.Issue{{Number: 8, Title: "Drift in dev", Body: "1 to change", State: "open", Labels: []string{"paved:drift", "env:dev"}}}
	if got := list("paved:drift", ""); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("open drift issues %+v, want %+v", got, want)
	}
	if got := list("", "all"); len(got) != 2 || got[0].Number != 9 {
		t.Errorf("all issues %+v, want 9 and 8", got)
	}

	if err := c.EditIssue(ctx, "acme/infra", dev, githubapi.IssueEdit{
		Body: github.String("No drift any more."), State: github.String("closed"), StateReason: github.String("not_planned"),
	}); err != nil {
		t.Fatal(err)
	}
	if got := list("paved:drift", ""); len(got) != 0 {
		t.Errorf("open drift issues after closing: %+v", got)
	}
	closed := list("paved:drift", "closed")
	if len(closed) != 1 || closed[0].Body != "No drift any more." || closed[0].State != "closed" {
		t.Errorf("closed drift issues %+v", closed)
	}
	if got := f.Issues("acme", "infra")[0]; got.StateReason != "not_planned" || got.Updates != 1 || got.Title != "Drift in dev" {
		t.Errorf("issue 8 in the fake: %+v", got)
	}
	if err := c.EditIssue(ctx, "acme/infra", dev, githubapi.IssueEdit{State: github.String("open"), StateReason: github.String("reopened")}); err != nil {
		t.Fatal(err)
	}
	if got := f.Issues("acme", "infra")[0]; got.State != "open" || got.StateReason != "reopened" {
		t.Errorf("reopened issue 8: %+v", got)
	}
	if err := c.EditIssue(ctx, "acme/infra", 99, githubapi.IssueEdit{Title: github.String("x")}); err == nil {
		t.Error("editing a missing issue: want an error")
	}
}

// TestIssuesReadsEveryPage talks to the fake without Prism: the other tests
// check the same calls' schema, and over a hundred through Prism take
// seconds.
func TestIssuesReadsEveryPage(t *testing.T) {
	f, _ := serve(t, githubfake.Options{Token: token})
	direct := httptest.NewServer(f)
	defer direct.Close()
	clients, err := githubapi.NewClients(githubapi.Auth{Token: token}, githubapi.Endpoint{APIURL: direct.URL})
	if err != nil {
		t.Fatal(err)
	}
	c := clients.For(0)
	ctx := context.Background()
	var want []int
	for i := range 105 {
		n, err := c.CreateIssue(ctx, "acme/infra", fmt.Sprintf("Drift %d", i), "", []string{"paved:drift"})
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, n)
	}
	slices.Reverse(want) // newest first
	issues, err := c.Issues(ctx, "acme/infra", "paved:drift", "open")
	if err != nil {
		t.Fatal(err)
	}
	var got []int
	for _, is := range issues {
		got = append(got, is.Number)
	}
	if !slices.Equal(got, want) {
		t.Errorf("listed %d issues, want %d newest first", len(got), len(want))
	}
	if calls := f.Calls(); calls[len(calls)-1].Query.Get("page") != "2" {
		t.Errorf("last call %+v, want the second page", calls[len(calls)-1])
	}
}
