package metrics_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/paved-road/paved/bot/metrics"
)

func TestRoute(t *testing.T) {
	sha := strings.Repeat("ab12", 10)
	for _, tc := range []struct{ method, path, want string }{
		// Every call the bot makes.
		{"GET", "/repos/acme/infra/pulls/12", "GET /repos/{owner}/{repo}/pulls/{number}"},
		{"GET", "/repos/acme/infra/pulls/12/files", "GET /repos/{owner}/{repo}/pulls/{number}/files"},
		{"GET", "/repos/acme/infra/pulls/12/reviews", "GET /repos/{owner}/{repo}/pulls/{number}/reviews"},
		{"GET", "/repos/acme/infra/compare/main...feature/deep/branch", "GET /repos/{owner}/{repo}/compare/{basehead}"},
		{"GET", "/repos/acme/infra/compare/" + sha + "..." + sha, "GET /repos/{owner}/{repo}/compare/{basehead}"},
		{"GET", "/orgs/acme/teams/infra-admins/memberships/bob", "GET /orgs/{org}/teams/{team_slug}/memberships/{username}"},
		{"GET", "/repos/acme/infra/collaborators/bob/permission", "GET /repos/{owner}/{repo}/collaborators/{username}/permission"},
		{"POST", "/repos/acme/infra/issues/12/comments", "POST /repos/{owner}/{repo}/issues/{number}/comments"},
		{"GET", "/repos/acme/infra/issues/12/comments", "GET /repos/{owner}/{repo}/issues/{number}/comments"},
		{"POST", "/repos/acme/infra/issues/comments/123456789/reactions", "POST /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions"},
		{"POST", "/repos/acme/infra/statuses/" + sha, "POST /repos/{owner}/{repo}/statuses/{sha}"},
		{"POST", "/repos/acme/infra/git/tags", "POST /repos/{owner}/{repo}/git/tags"},
		{"POST", "/repos/acme/infra/git/refs", "POST /repos/{owner}/{repo}/git/refs"},
		{"POST", "/repos/acme/infra/issues/12/labels", "POST /repos/{owner}/{repo}/issues/{number}/labels"},
		{"POST", "/app/installations/987/access_tokens", "POST /app/installations/{installation_id}/access_tokens"},
		// Names with slashes, and names that look like the API's words.
		{"GET", "/repos/acme/infra/git/matching-refs/tags/paved/app/default", "GET /repos/{owner}/{repo}/git/matching-refs/{ref}"},
		{"GET", "/repos/pulls/issues/pulls/3", "GET /repos/{owner}/{repo}/pulls/{number}"},
		{"GET", "/repos/acme/infra/git/tags/" + sha, "GET /repos/{owner}/{repo}/git/tags/{sha}"},
		{"GET", "/repos/acme/infra", "GET /repos/{owner}/{repo}"},
		{"GET", "/rate_limit", "GET /rate_limit"},
		// A trailing slash is the same route.
		{"GET", "/repos/acme/infra/pulls/12/", "GET /repos/{owner}/{repo}/pulls/{number}"},
		// Routes the bot does not know keep only the API's words.
		{"GET", "/repos/acme/infra/pulls/not-a-number", "GET /repos/{owner}/{repo}/pulls/{rest}"},
		{"GET", "/repos/acme/infra/actions/runs/5", "GET /repos/{owner}/{repo}/actions/{rest}"},
		{"GET", "/repos/acme/infra/Weird/5", "GET /repos/{owner}/{repo}/{rest}"},
		{"GET", "/repos/acme", "GET /repos/{owner}"},
		{"GET", "/users/bob/repos", "GET /users/{username}/repos"},
		{"GET", "/orgs/acme", "GET /orgs/{org}"},
		{"GET", "/meta", "GET /meta"},
		{"GET", "/search/issues", "GET /search/{rest}"},
		{"GET", "/Acme/infra", "GET /{other}"},
		{"GET", "/12345", "GET /{other}"},
		{"GET", "/", "GET /{other}"},
		{"GET", "", "GET /{other}"},
		// Methods are bounded too.
		{"", "/rate_limit", "GET /rate_limit"},
		{"BREW", "/rate_limit", "OTHER /rate_limit"},
		{"DELETE", "/repos/acme/infra/issues/3/labels/applied:app", "DELETE /repos/{owner}/{repo}/issues/{number}/labels/{name}"},
	} {
		if got := metrics.Route(tc.method, tc.path); got != tc.want {
			t.Errorf("Route(%q, %q) = %q, want %q", tc.method, tc.path, got, tc.want)
		}
	}
}

// TestRouteBounded: however many repositories, pull requests, users,
// commits and branches, the bot's calls make one route each.
func TestRouteBounded(t *testing.T) {
	patterns := []string{
		"/repos/org%[1]d/repo%[1]d/pulls/%[1]d",
		"/repos/org%[1]d/repo%[1]d/pulls/%[1]d/files",
		"/repos/org%[1]d/repo%[1]d/issues/%[1]d/comments",
		"/repos/org%[1]d/repo%[1]d/statuses/%040[1]x",
		"/repos/org%[1]d/repo%[1]d/compare/main...feature/%[1]d",
		"/repos/org%[1]d/repo%[1]d/collaborators/user%[1]d/permission",
		"/repos/org%[1]d/repo%[1]d/issues/comments/%[1]d/reactions",
	}
	routes := map[string]bool{}
	for n := range 500 {
		for _, p := range patterns {
			routes[metrics.Route("GET", fmt.Sprintf(p, n))] = true
		}
	}
	if len(routes) != len(patterns) {
		t.Errorf("%d routes from 500 of each of %d calls, want %d:\n%v", len(routes), len(patterns), len(patterns), routes)
	}
}
