package githubfake

import (
	"cmp"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// The repositories the bot can see: the App's one installation has all of
// them (GET /app/installations with the App's JWT, GET
// /installation/repositories with its token), and so do the static token's
// user and, SetPermission allowing, a user token's (GET /user/repos).

const (
	installationsDoc = "https://docs.github.com/rest/apps/apps#list-installations-for-the-authenticated-app"
	installReposDoc  = "https://docs.github.com/rest/apps/installations#list-repositories-accessible-to-the-app-installation"
	userReposDoc     = "https://docs.github.com/rest/repos/repos#list-repositories-for-the-authenticated-user"
)

// asApp lets through requests with the App's JWT, which only the App's own
// endpoints take.
func (f *Fake) asApp(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := f.verifyAppJWT(credential(r)); err != nil {
			writeError(w, http.StatusUnauthorized, "A JSON web token could not be decoded: "+err.Error(), installationsDoc)
			return
		}
		h(w, r)
	}
}

// sortedRepos are the repositories in the order they were added; callers
// hold f.mu.
func (f *Fake) sortedRepos() []*repo {
	out := make([]*repo, 0, len(f.repos))
	for _, r := range f.repos {
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b *repo) int { return cmp.Compare(a.id, b.id) })
	return out
}

// listInstallations lists the App's one installation, on the account of the
// first repository added.
func (f *Fake) listInstallations(w http.ResponseWriter, req *http.Request) {
	m := f.examples.item("base-installation-items")
	id := strconv.FormatInt(f.opts.InstallationID, 10)
	account := object(m, "account")
	if repos := f.sortedRepos(); len(repos) > 0 {
		f.overlayUser(account, repos[0].owner)
	}
	// Prism reads the account's nullable anyOf of a user or an enterprise
	// as the enterprise alone, so the account has what that one requires
	// too; GitHub's own example fails without it.
	account["name"], account["slug"] = account["login"], account["login"]
	account["created_at"], account["updated_at"] = m["created_at"], m["updated_at"]
	slug := strings.TrimSuffix(f.opts.BotLogin, "[bot]")
	m["id"], m["app_id"], m["app_slug"] = f.opts.InstallationID, f.opts.AppID, slug
	m["target_id"], m["target_type"] = account["id"], account["type"]
	m["access_tokens_url"] = apiRoot + "/app/installations/" + id + "/access_tokens"
	m["html_url"] = webRoot + "/settings/installations/" + id
	m["repository_selection"] = "all"
	m["permissions"] = map[string]string{
		"checks": "write", "contents": "write", "issues": "write", "metadata": "read",
		"pull_requests": "write", "statuses": "write",
	}
	m["events"] = []string{"check_run", "issue_comment", "pull_request"}
	// The example's App may read single files; this one reads contents.
	m["single_file_name"] = nil
	delete(m, "single_file_paths")
	delete(m, "has_multiple_single_files")
	writeJSON(w, http.StatusOK, paginate(w, req, []map[string]any{m}))
}

// listedRepoObject is a repository as the lists read it; perm is the
// user's permission, "" to leave permissions out.
func (f *Fake) listedRepoObject(r *repo, perm string) map[string]any {
	m := f.examples.item("repository-items-default-response")
	delete(m, "template_repository") // another repository
	f.overlayRepo(m, r)
	m["language"], m["visibility"] = "HCL", "public"
	if perm == "" {
		delete(m, "permissions")
	} else {
		m["permissions"] = repoPermissions(perm)
	}
	return m
}

// listInstallationRepos answers only an installation token, as GitHub does.
func (f *Fake) listInstallationRepos(w http.ResponseWriter, req *http.Request) {
	if _, ok := f.tokens[credential(req)]; !ok {
		writeError(w, http.StatusForbidden,
			"You must authenticate with an installation access token in order to list repositories for an installation.", installReposDoc)
		return
	}
	repos := f.sortedRepos()
	out := []any{}
	for _, r := range paginate(w, req, repos) {
		out = append(out, f.listedRepoObject(r, ""))
	}
	writeJSON(w, http.StatusOK, map[string]any{"total_count": len(repos), "repository_selection": "all", "repositories": out})
}

// listUserRepos lists by full name, GitHub's default order, the
// repositories of the token's user: with a user token those SetPermission
// leaves them, with the static token all. An installation token has no
// user: GitHub refuses it.
func (f *Fake) listUserRepos(w http.ResponseWriter, req *http.Request) {
	token := credential(req)
	if _, ok := f.tokens[token]; ok {
		writeError(w, http.StatusForbidden, "Resource not accessible by integration", userReposDoc)
		return
	}
	login := f.oauth.users[token]
	var repos []*repo
	perms := map[*repo]string{}
	for _, r := range f.sortedRepos() {
		if login != "" {
			perms[r] = cmp.Or(r.permissions[strings.ToLower(login)], "write")
		}
		if perms[r] != "none" {
			repos = append(repos, r)
		}
	}
	slices.SortFunc(repos, func(a, b *repo) int { return strings.Compare(a.fullName(), b.fullName()) })
	out := []any{}
	for _, r := range paginate(w, req, repos) {
		out = append(out, f.listedRepoObject(r, perms[r]))
	}
	writeJSON(w, http.StatusOK, out)
}
