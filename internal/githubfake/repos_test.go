package githubfake_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"testing"

	"github.com/google/go-github/v60/github"
)

func TestInstallationsAndTheirRepositories(t *testing.T) {
	f, a, gh, repo := appSetup(t)
	ctx := context.Background()
	cloneURL := (&url.URL{Scheme: "file", Path: repo.dir}).String()
	// More than a page of 100; the repositories may share one git repository.
	want := []string{"acme/infra"}
	for i := range 120 {
		f.AddRepo("acme", fmt.Sprintf("svc-%03d", i), repo.dir)
		want = append(want, fmt.Sprintf("acme/svc-%03d", i))
	}

	installations, _, err := a.jwt.Apps.ListInstallations(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(installations) != 1 || installations[0].GetID() != testInstallationID || installations[0].GetAppID() != testAppID ||
		installations[0].GetAccount().GetLogin() != owner || installations[0].GetRepositorySelection() != "all" ||
		installations[0].SuspendedAt != nil {
		t.Errorf("installations %+v", installations)
	}

	var names []string
	opts := &github.ListOptions{PerPage: 100}
	for {
		page, resp, err := a.installation.Apps.ListRepos(ctx, opts)
		if err != nil {
			t.Fatal(err)
		}
		if page.GetTotalCount() != 121 {
			t.Errorf("total count %d, want 121", page.GetTotalCount())
		}
		for _, r := range page.Repositories {
			names = append(names, r.GetFullName())
			if r.GetCloneURL() != cloneURL || r.GetDefaultBranch() != "main" {
				t.Errorf("%s: clone URL %s default branch %s", r.GetFullName(), r.GetCloneURL(), r.GetDefaultBranch())
			}
		}
		if resp.NextPage == 0 {
			break
		}
		opts.Page = resp.NextPage
	}
	if !slices.Equal(names, want) {
		t.Errorf("installation repositories %d: %v…, want %d", len(names), names[:min(3, len(names))], len(want))
	}

	// The static token's user sees them all, by name.
	mine, resp, err := gh.Repositories.ListByAuthenticatedUser(ctx, &github.RepositoryListByAuthenticatedUserOptions{ListOptions: github.ListOptions{PerPage: 100}})
	if err != nil {
		t.Fatal(err)
	}
	if len(mine) != 100 || mine[0].GetFullName() != "acme/infra" || mine[1].GetFullName() != "acme/svc-000" || resp.LastPage != 2 ||
		mine[0].Permissions != nil {
		t.Errorf("the token's first page: %d repositories from %s, last page %d", len(mine), mine[0].GetFullName(), resp.LastPage)
	}

	// A user token's list follows the user's permissions.
	f.SetPermission(owner, name, "carol", "none")
	f.SetPermission(owner, "svc-000", "carol", "admin")
	user := newClient(t, http.DefaultClient).WithAuthToken(f.UserToken("carol"))
	theirs, _, err := user.Repositories.ListByAuthenticatedUser(ctx, &github.RepositoryListByAuthenticatedUserOptions{ListOptions: github.ListOptions{PerPage: 2}})
	if err != nil {
		t.Fatal(err)
	}
	if len(theirs) != 2 || theirs[0].GetFullName() != "acme/svc-000" || !theirs[0].GetPermissions()["admin"] ||
		theirs[1].GetPermissions()["admin"] || !theirs[1].GetPermissions()["push"] {
		t.Errorf("carol's repositories %+v", theirs)
	}

	// Each list takes its own credential only.
	_, _, err = a.installation.Repositories.ListByAuthenticatedUser(ctx, nil)
	wantStatus(t, err, http.StatusForbidden, "Resource not accessible by integration")
	_, _, err = gh.Apps.ListRepos(ctx, nil)
	wantStatus(t, err, http.StatusForbidden, "installation access token")
	_, _, err = gh.Apps.ListInstallations(ctx, nil)
	wantStatus(t, err, http.StatusUnauthorized, "A JSON web token could not be decoded")
	expectViolation(t, "Unable to match the returned status code") // GitHub documents only 200 here
}
