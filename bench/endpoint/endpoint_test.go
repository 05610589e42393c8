package endpoint

import "testing"

func TestOf(t *testing.T) {
	for path, want := range map[string]string{
		"/repos/acme/infra":                                                   "/repos/{owner}/{repo}",
		"/repos/acme/infra/issues":                                            "/repos/{owner}/{repo}/issues",
		"/repos/acme/infra/issues/12":                                         "/repos/{owner}/{repo}/issues/{number}",
		"/repos/acme/infra/pulls/3/files":                                     "/repos/{owner}/{repo}/pulls/{number}/files",
		"/repos/acme/infra/issues/comments/1001/reactions":                    "/repos/{owner}/{repo}/issues/comments/{id}/reactions",
		"/repos/acme/infra/statuses/0123456789abcdef0123456789abcdef01234567": "/repos/{owner}/{repo}/statuses/{sha}",
		"/repos/acme/infra/collaborators/alice/permission":                    "/repos/{owner}/{repo}/collaborators/{user}/permission",
		"/user/repos": "/user/repos",
	} {
		if got := Of(path); got != want {
			t.Errorf("Of(%q) = %q, want %q", path, got, want)
		}
	}
}
