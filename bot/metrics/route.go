package metrics

import (
	"net/http"
	"strings"
)

// routes are the GitHub REST routes the bot calls, and a few neighbours,
// with GitHub's placeholders; {name...} takes the rest of the path (a
// branch or ref name may hold slashes). The first that matches names a
// request, as GitHub documents it ({basehead}, not {basehead...}); see
// Route for those that none matches.
var routes = func() []route {
	var out []route
	for _, r := range []string{
		"/app",
		"/app/installations",
		"/app/installations/{installation_id}",
		"/app/installations/{installation_id}/access_tokens",
		"/installation/repositories",
		"/rate_limit",
		"/user",
		"/orgs/{org}/teams/{team_slug}/memberships/{username}",
		"/repos/{owner}/{repo}",
		"/repos/{owner}/{repo}/collaborators/{username}/permission",
		"/repos/{owner}/{repo}/commits/{ref}/status",
		"/repos/{owner}/{repo}/commits/{ref}/statuses",
		"/repos/{owner}/{repo}/compare/{basehead...}",
		"/repos/{owner}/{repo}/contents/{path...}",
		"/repos/{owner}/{repo}/git/matching-refs/{ref...}",
		"/repos/{owner}/{repo}/git/ref/{ref...}",
		"/repos/{owner}/{repo}/git/refs",
		"/repos/{owner}/{repo}/git/refs/{ref...}",
		"/repos/{owner}/{repo}/git/tags",
		"/repos/{owner}/{repo}/git/tags/{sha}",
		"/repos/{owner}/{repo}/issues/comments/{comment_id}",
		"/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions",
		"/repos/{owner}/{repo}/issues/{number}",
		"/repos/{owner}/{repo}/issues/{number}/comments",
		"/repos/{owner}/{repo}/issues/{number}/labels",
		"/repos/{owner}/{repo}/issues/{number}/labels/{name}",
		"/repos/{owner}/{repo}/pulls/{number}",
		"/repos/{owner}/{repo}/pulls/{number}/files",
		"/repos/{owner}/{repo}/pulls/{number}/reviews",
		"/repos/{owner}/{repo}/statuses/{sha}",
		"/repos/{owner}/{repo}/tags",
	} {
		out = append(out, route{name: strings.ReplaceAll(r, "...}", "}"), segs: strings.Split(strings.TrimPrefix(r, "/"), "/")})
	}
	return out
}()

type route struct {
	name string   // as the label shows it
	segs []string // to match
}

// Route names a GitHub API request for a label: its method and its path
// below the API root with the owner, repository, numbers, shas and other
// names replaced by placeholders, as in "GET /repos/{owner}/{repo}/pulls/{number}",
// so that there are as many routes as the bot has calls, not one per pull
// request. A path of no known route keeps only the words that the bot's
// code put there, never a name: "/repos/{owner}/{repo}/actions/{rest}",
// or "/{other}" when not even its first segment is such a word.
func Route(method, path string) string {
	return routeMethod(method) + " " + routePath(path)
}

func routeMethod(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions:
		return m
	case "":
		return http.MethodGet // as net/http sends it
	}
	return "OTHER"
}

func routePath(path string) string {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	for _, r := range routes {
		if match(r.segs, segs) {
			return r.name
		}
	}
	return fallback(segs)
}

// match reports whether the path's segments fit a route's.
func match(route, segs []string) bool {
	for i, want := range route {
		if strings.HasSuffix(want, "...}") {
			return len(segs) > i && nonEmpty(segs[i:])
		}
		if i >= len(segs) || !fits(want, segs[i]) {
			return false
		}
	}
	return len(segs) == len(route)
}

// fits reports whether a segment fits a route's segment: the same word, or
// a value of the placeholder's kind.
func fits(want, seg string) bool {
	if !strings.HasPrefix(want, "{") {
		return want == seg
	}
	switch want {
	case "{number}", "{comment_id}", "{installation_id}":
		return seg != "" && strings.Trim(seg, "0123456789") == ""
	case "{sha}":
		return len(seg) >= 4 && len(seg) <= 64 && strings.Trim(strings.ToLower(seg), "0123456789abcdef") == ""
	}
	return seg != ""
}

func nonEmpty(segs []string) bool {
	for _, s := range segs {
		if s == "" {
			return false
		}
	}
	return true
}

// fallback names a path of no known route by its leading words: those
// the bot's own code writes, where GitHub's API has the name of a
// resource, while names of users, repositories and the like become
// placeholders and the rest of the path {rest}.
func fallback(segs []string) string {
	if len(segs) == 0 || !word(segs[0]) {
		return "/{other}"
	}
	out := []string{segs[0]}
	rest := segs[1:]
	owned := map[string][]string{"repos": {"{owner}", "{repo}"}, "orgs": {"{org}"}, "users": {"{username}"}}[segs[0]]
	for _, p := range owned {
		if len(rest) == 0 {
			break
		}
		out, rest = append(out, p), rest[1:]
	}
	if len(owned) > 0 && len(rest) > 0 && word(rest[0]) {
		out, rest = append(out, rest[0]), rest[1:]
	}
	if len(rest) > 0 {
		out = append(out, "{rest}")
	}
	return "/" + strings.Join(out, "/")
}

// word reports whether s looks like a word of GitHub's API paths (pulls,
// rate_limit, matching-refs) rather than a name or a number.
func word(s string) bool {
	if s == "" || len(s) > 32 {
		return false
	}
	for _, r := range s {
		if (r < 'a' || r > 'z') && r != '_' && r != '-' {
			return false
		}
	}
	return true
}
