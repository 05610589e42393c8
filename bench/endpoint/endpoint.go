// Package endpoint names the GitHub API calls the benchmarks count at the
// stand-in by their endpoint, so that the calls of a run add up per kind of
// request rather than per pull request, comment or commit.
package endpoint

import "regexp"

// placeholders turn the parts of a path that name one thing into the
// endpoint's parameters, in this order.
var placeholders = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`^/repos/[^/]+/[^/]+(/|$)`), "/repos/{owner}/{repo}$1"},
	{regexp.MustCompile(`/statuses/[0-9a-f]{40}$`), "/statuses/{sha}"},
	{regexp.MustCompile(`/(pulls|issues)/[0-9]+`), "/$1/{number}"},
	{regexp.MustCompile(`/issues/comments/[0-9]+/`), "/issues/comments/{id}/"},
	{regexp.MustCompile(`/collaborators/[^/]+/`), "/collaborators/{user}/"},
}

// Of is the endpoint of a call's path: /repos/acme/infra/issues/12 is
// /repos/{owner}/{repo}/issues/{number}.
func Of(path string) string {
	for _, p := range placeholders {
		path = p.re.ReplaceAllString(path, p.with)
	}
	return path
}
