package githubfake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

func (f *Fake) routes() {
	m := http.NewServeMux()
	handle := func(pattern string, h func(http.ResponseWriter, *http.Request)) {
		m.HandleFunc(pattern, f.authenticated(f.limited(f.locked(h))))
	}
	handle("GET /repos/{owner}/{repo}/pulls/{number}", f.getPull)
	handle("GET /repos/{owner}/{repo}/pulls/{number}/files", f.listFiles)
	handle("GET /repos/{owner}/{repo}/pulls/{number}/reviews", f.listReviews)
	handle("POST /repos/{owner}/{repo}/issues/{number}/comments", f.createComment)
	handle("GET /repos/{owner}/{repo}/issues/{number}/comments", f.listComments)
	handle("POST /repos/{owner}/{repo}/issues/comments/{id}/reactions", f.createReaction)
	handle("POST /repos/{owner}/{repo}/issues/{number}/labels", f.addLabels)
	handle("POST /repos/{owner}/{repo}/statuses/{sha}", f.createStatus)
	handle("POST /repos/{owner}/{repo}/git/tags", f.createTag)
	handle("POST /repos/{owner}/{repo}/git/refs", f.createRef)
	handle("GET /repos/{owner}/{repo}/collaborators/{username}/permission", f.getPermission)
	// Branch names may have slashes.
	handle("GET /repos/{owner}/{repo}/compare/{basehead...}", f.compare)
	handle("GET /orgs/{org}/teams/{team_slug}/memberships/{username}", f.getTeamMembership)
	// Issues share their numbers with pull requests (issues.go).
	handle("GET /repos/{owner}/{repo}/issues", f.listIssues)
	handle("POST /repos/{owner}/{repo}/issues", f.createIssue)
	handle("GET /repos/{owner}/{repo}/issues/{issue_number}", f.getIssue)
	handle("PATCH /repos/{owner}/{repo}/issues/{issue_number}", f.editIssue)
	// Check runs, which only an App may write (checks.go).
	handle("POST /repos/{owner}/{repo}/check-runs", f.createCheckRun)
	handle("GET /repos/{owner}/{repo}/check-runs/{check_run_id}", f.getCheckRun)
	handle("PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}", f.updateCheckRun)
	handle("GET /repos/{owner}/{repo}/commits/{ref}/check-runs", f.listCheckRuns)
	// The repositories the bot can see, each list for its credential (repos.go).
	handle("GET /installation/repositories", f.listInstallationRepos)
	m.HandleFunc("GET /user/repos", f.asUser(f.limited(f.locked(f.listUserRepos))))
	m.HandleFunc("GET /app/installations", f.asApp(f.locked(f.listInstallations)))
	// A person's login and what their token may read (oauth.go).
	f.oauthRoutes(m)
	// Everything else, in GitHub's shape; Calls shows the test it was asked.
	handle("/", func(w http.ResponseWriter, _ *http.Request) {
		writeError(w, http.StatusNotFound, "Not Found", docsRoot)
	})
	// An App authenticates this one with its JWT instead of a token.
	m.HandleFunc(tokenExchange, f.exchangeToken)
	f.mux = m
}

// authenticated lets through requests with a token the fake knows.
func (f *Fake) authenticated(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !f.authorized(r) {
			writeError(w, http.StatusUnauthorized, "Bad credentials", docsRoot)
			return
		}
		h(w, r)
	}
}

// locked runs a handler holding f.mu: requests see and change the state one
// at a time, git included.
func (f *Fake) locked(h func(http.ResponseWriter, *http.Request)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		h(w, r)
	}
}

// target finds the request's repository and, when the path has a number, its
// pull request; it answers 404 itself when either is missing.
func (f *Fake) target(w http.ResponseWriter, req *http.Request) (*repo, *pull, bool) {
	r := f.repos[req.PathValue("owner")+"/"+req.PathValue("repo")]
	if r == nil {
		writeError(w, http.StatusNotFound, "Not Found", docsRoot)
		return nil, nil, false
	}
	if req.PathValue("number") == "" {
		return r, nil, true
	}
	n, err := strconv.Atoi(req.PathValue("number"))
	p := r.pulls[n]
	if err != nil || p == nil {
		writeError(w, http.StatusNotFound, "Not Found", docsRoot)
		return nil, nil, false
	}
	return r, p, true
}

// readBody decodes the request's JSON body or answers 400 as GitHub does.
func readBody(w http.ResponseWriter, req *http.Request, v any) bool {
	if err := json.NewDecoder(req.Body).Decode(v); err != nil {
		writeError(w, http.StatusBadRequest, "Problems parsing JSON", docsRoot)
		return false
	}
	return true
}

func unprocessable(w http.ResponseWriter, message, docs string) {
	writeError(w, http.StatusUnprocessableEntity, message, docs)
}

// paginate cuts items to the page the query asks for (per_page up to 100,
// default 30) and links the other pages the way GitHub does.
func paginate[T any](w http.ResponseWriter, req *http.Request, items []T) []T {
	q := req.URL.Query()
	perPage, page := 30, 1
	if v, err := strconv.Atoi(q.Get("per_page")); err == nil && v > 0 {
		perPage = min(v, 100)
	}
	if v, err := strconv.Atoi(q.Get("page")); err == nil && v > 0 {
		page = v
	}
	last := max(1, (len(items)+perPage-1)/perPage)
	var links []string
	link := func(p int, rel string) {
		q.Set("per_page", strconv.Itoa(perPage))
		q.Set("page", strconv.Itoa(p))
		links = append(links, fmt.Sprintf(`<%s%s?%s>; rel="%s"`, apiRoot, req.URL.Path, q.Encode(), rel))
	}
	if page < last {
		link(page+1, "next")
		link(last, "last")
	}
	if page > 1 {
		link(1, "first")
		link(min(page-1, last), "prev")
	}
	if len(links) > 0 {
		w.Header().Set("Link", strings.Join(links, ", "))
	}
	start := min((page-1)*perPage, len(items))
	return items[start:min(start+perPage, len(items))]
}

func (f *Fake) getPull(w http.ResponseWriter, req *http.Request) {
	r, p, ok := f.target(w, req)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, f.pullObject(r, p))
}

func (f *Fake) getPermission(w http.ResponseWriter, req *http.Request) {
	r, _, ok := f.target(w, req)
	if !ok {
		return
	}
	user := req.PathValue("username")
	perm, set := r.permissions[strings.ToLower(user)]
	if !set {
		perm = "write"
	}
	m := f.examples.object("repository-collaborator-permission-response-if-user-has-admin-permissions")
	m["permission"], m["role_name"] = perm, perm
	// The example's user predates the collaborator fields the schema requires.
	u := object(m, "user")
	f.overlayUser(u, user)
	u["role_name"] = perm
	writeJSON(w, http.StatusOK, m)
}

func (f *Fake) listFiles(w http.ResponseWriter, req *http.Request) {
	r, p, ok := f.target(w, req)
	if !ok {
		return
	}
	out := []any{}
	for _, e := range paginate(w, req, p.files) {
		out = append(out, f.fileObject(r, p.HeadSHA, e))
	}
	writeJSON(w, http.StatusOK, out)
}

func (f *Fake) listReviews(w http.ResponseWriter, req *http.Request) {
	r, p, ok := f.target(w, req)
	if !ok {
		return
	}
	out := []any{}
	for _, rv := range paginate(w, req, p.reviews) {
		out = append(out, f.reviewObject(r, p, rv))
	}
	writeJSON(w, http.StatusOK, out)
}

func (f *Fake) createComment(w http.ResponseWriter, req *http.Request) {
	r, p, ok := f.target(w, req)
	if !ok {
		return
	}
	var in struct {
		Body string `json:"body"`
	}
	if !readBody(w, req, &in) {
		return
	}
	c := &comment{Comment: Comment{ID: f.newID(), User: f.opts.BotLogin, Body: in.Body}, number: p.Number, created: now()}
	r.comments = append(r.comments, c)
	writeJSON(w, http.StatusCreated, f.commentObject(r, c))
}

func (f *Fake) listComments(w http.ResponseWriter, req *http.Request) {
	r, p, ok := f.target(w, req)
	if !ok {
		return
	}
	var mine []*comment
	for _, c := range r.comments {
		if c.number == p.Number {
			mine = append(mine, c)
		}
	}
	out := []any{}
	for _, c := range paginate(w, req, mine) {
		out = append(out, f.commentObject(r, c))
	}
	writeJSON(w, http.StatusOK, out)
}

// createReaction answers 201 for a new reaction and 200 with the existing one
// when the user already reacted so, like GitHub.
func (f *Fake) createReaction(w http.ResponseWriter, req *http.Request) {
	r, _, ok := f.target(w, req)
	if !ok {
		return
	}
	id, err := strconv.ParseInt(req.PathValue("id"), 10, 64)
	c := r.comment(id)
	if err != nil || c == nil {
		writeError(w, http.StatusNotFound, "Not Found", docsRoot)
		return
	}
	var in struct {
		Content string `json:"content"`
	}
	if !readBody(w, req, &in) {
		return
	}
	for _, re := range c.reactions {
		if re.Content == in.Content && re.User == f.opts.BotLogin {
			writeJSON(w, http.StatusOK, f.reactionObject(re))
			return
		}
	}
	re := reactionState{Reaction: Reaction{Content: in.Content, User: f.opts.BotLogin}, id: f.newID(), created: now()}
	c.reactions = append(c.reactions, re)
	writeJSON(w, http.StatusCreated, f.reactionObject(re))
}

// addLabels takes GitHub's three body forms: ["a"], {"labels": ["a"]} and
// {"labels": [{"name": "a"}]}. Labels the repository lacks are created.
func (f *Fake) addLabels(w http.ResponseWriter, req *http.Request) {
	r, p, ok := f.target(w, req)
	if !ok {
		return
	}
	var raw json.RawMessage
	if !readBody(w, req, &raw) {
		return
	}
	names, err := labelNames(raw)
	if err != nil {
		unprocessable(w, err.Error(), "https://docs.github.com/rest/issues/labels#add-labels-to-an-issue")
		return
	}
	for _, name := range names {
		if r.labels[name] == nil {
			// GitHub's colour for a label created on the fly.
			r.labels[name] = &label{id: f.newID(), name: name, color: "ededed"}
		}
		if !slices.Contains(p.labels, name) {
			p.labels = append(p.labels, name)
		}
	}
	p.updated = now()
	out := []any{}
	for _, name := range p.labels {
		out = append(out, f.labelObject(r, r.labels[name]))
	}
	writeJSON(w, http.StatusOK, out)
}

func labelNames(raw json.RawMessage) ([]string, error) {
	var names []string
	if json.Unmarshal(raw, &names) == nil {
		return names, nil
	}
	var in struct {
		Labels []json.RawMessage `json:"labels"`
	}
	if err := json.Unmarshal(raw, &in); err != nil {
		return nil, fmt.Errorf("labels: %w", err)
	}
	for _, l := range in.Labels {
		var name string
		var named struct {
			Name string `json:"name"`
		}
		switch {
		case json.Unmarshal(l, &name) == nil:
		case json.Unmarshal(l, &named) == nil && named.Name != "":
			name = named.Name
		default:
			return nil, fmt.Errorf("label %s is neither a name nor an object with one", l)
		}
		names = append(names, name)
	}
	return names, nil
}

func (f *Fake) createStatus(w http.ResponseWriter, req *http.Request) {
	r, _, ok := f.target(w, req)
	if !ok {
		return
	}
	var in struct {
		State       string `json:"state"`
		TargetURL   string `json:"target_url"`
		Description string `json:"description"`
		Context     string `json:"context"`
	}
	if !readBody(w, req, &in) {
		return
	}
	sha := req.PathValue("sha")
	if _, err := git(r.gitDir, "", "cat-file", "-e", sha+"^{commit}"); err != nil {
		unprocessable(w, "No commit found for SHA: "+sha, "https://docs.github.com/rest/commits/statuses#create-a-commit-status")
		return
	}
	if in.Context == "" {
		in.Context = "default"
	}
	st := Status{State: in.State, Context: in.Context, Description: in.Description, TargetURL: in.TargetURL, Creator: f.opts.BotLogin}
	r.statuses[sha] = append(r.statuses[sha], st)
	writeJSON(w, http.StatusCreated, f.statusObject(r, sha, st, f.newID(), now()))
}

const (
	tagDocs = "https://docs.github.com/rest/git/tags#create-a-tag-object"
	refDocs = "https://docs.github.com/rest/git/refs#create-a-reference"
)

// createTag writes a real annotated tag object with git mktag, which checks
// the tagged object exists and has the given type.
func (f *Fake) createTag(w http.ResponseWriter, req *http.Request) {
	r, _, ok := f.target(w, req)
	if !ok {
		return
	}
	var in struct {
		Tag     string `json:"tag"`
		Message string `json:"message"`
		Object  string `json:"object"`
		Type    string `json:"type"`
		Tagger  *struct {
			Name  string `json:"name"`
			Email string `json:"email"`
			Date  string `json:"date"`
		} `json:"tagger"`
	}
	if !readBody(w, req, &in) {
		return
	}
	name, email, when := f.opts.BotLogin, f.opts.BotLogin+"@users.noreply.github.com", now()
	if in.Tagger != nil {
		name, email = in.Tagger.Name, in.Tagger.Email
		if in.Tagger.Date != "" {
			t, err := time.Parse(time.RFC3339, in.Tagger.Date)
			if err != nil {
				unprocessable(w, "Invalid request.\n\n"+in.Tagger.Date+" is not a valid date-time.", tagDocs)
				return
			}
			when = t
		}
	}
	// Git keeps a message as lines; GitHub hands back the message as given.
	message := in.Message
	if !strings.HasSuffix(message, "\n") {
		message += "\n"
	}
	text := fmt.Sprintf("object %s\ntype %s\ntag %s\ntagger %s <%s> %d %s\n\n%s",
		in.Object, in.Type, in.Tag, name, email, when.Unix(), when.Format("-0700"), message)
	sha, err := git(r.gitDir, text, "mktag")
	if err != nil {
		unprocessable(w, "Object does not exist", tagDocs)
		return
	}
	m := f.examples.object("git-tag")
	id := f.newID()
	m["node_id"] = nodeID("Tag", id)
	m["tag"], m["sha"], m["message"] = in.Tag, sha, in.Message
	m["url"] = r.gitObjectURL("tag", sha)
	m["tagger"] = map[string]any{"name": name, "email": email, "date": timestamp(when.UTC())}
	m["object"] = map[string]any{"type": in.Type, "sha": in.Object, "url": r.gitObjectURL(in.Type, in.Object)}
	writeJSON(w, http.StatusCreated, m)
}

// createRef creates a reference that must not exist yet, in real git.
func (f *Fake) createRef(w http.ResponseWriter, req *http.Request) {
	r, _, ok := f.target(w, req)
	if !ok {
		return
	}
	var in struct {
		Ref string `json:"ref"`
		SHA string `json:"sha"`
	}
	if !readBody(w, req, &in) {
		return
	}
	if !strings.HasPrefix(in.Ref, "refs/") || strings.Count(in.Ref, "/") < 2 {
		unprocessable(w, "Reference name is not valid", refDocs)
		return
	}
	if _, err := git(r.gitDir, "", "check-ref-format", in.Ref); err != nil {
		unprocessable(w, "Reference name is not valid", refDocs)
		return
	}
	kind, err := git(r.gitDir, "", "cat-file", "-t", in.SHA)
	if err != nil {
		unprocessable(w, "Object does not exist", refDocs)
		return
	}
	if _, err := git(r.gitDir, "", "rev-parse", "--verify", "--quiet", in.Ref); err == nil {
		unprocessable(w, "Reference already exists", refDocs)
		return
	}
	// The empty old value makes git refuse a ref that appeared meanwhile.
	if _, err := git(r.gitDir, "", "update-ref", in.Ref, in.SHA, ""); err != nil {
		unprocessable(w, "Reference already exists", refDocs)
		return
	}
	m := f.examples.object("git-ref")
	id := f.newID()
	m["ref"], m["node_id"] = in.Ref, nodeID("Ref", id)
	m["url"] = r.apiURL() + "/git/" + (&url.URL{Path: in.Ref}).EscapedPath()
	m["object"] = map[string]any{"type": kind, "sha": in.SHA, "url": r.gitObjectURL(kind, in.SHA)}
	writeJSON(w, http.StatusCreated, m)
}
