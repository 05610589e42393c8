package githubfake

import (
	"cmp"
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Issue is an issue, not a pull request, as the client left it.
type Issue struct {
	Number int
	Title  string
	Body   string
	State  string // "open" or "closed"
	// StateReason is why it was last closed or that it was reopened:
	// "completed", "not_planned", "duplicate", "reopened"; "" until then.
	StateReason string
	Labels      []string
	Author      string
	// Updates counts the client's edits (PATCH); EditIssue's are a
	// person's and leave it alone.
	Updates int
}

type issue struct {
	Issue
	id       int64
	created  time.Time
	updated  time.Time
	closed   time.Time
	closedBy string // "" for someone the fake does not know: EditIssue
}

const (
	issuesDocs     = "https://docs.github.com/rest/issues/issues"
	createIssueDoc = issuesDocs + "#create-an-issue"
	updateIssueDoc = issuesDocs + "#update-an-issue"
)

// Issues returns the repository's issues, pull requests left out, by number.
func (f *Fake) Issues(owner, name string) []Issue {
	f.t.Helper()
	r := f.repo(owner, name)
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]Issue, 0, len(r.issues))
	for _, is := range r.issues {
		c := is.Issue
		c.Labels = slices.Clone(c.Labels)
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b Issue) int { return a.Number - b.Number })
	return out
}

// EditIssue closes ("closed", as completed) or reopens ("open") issue n as
// a person does on GitHub's page.
func (f *Fake) EditIssue(owner, name string, n int, state string) {
	f.t.Helper()
	r := f.repo(owner, name)
	f.mu.Lock()
	defer f.mu.Unlock()
	is := r.issues[n]
	if is == nil {
		f.t.Fatalf("githubfake: no issue %s#%d: the client creates them (pull requests close with Close or Merge)", r.fullName(), n)
	}
	if state != "open" && state != "closed" {
		f.t.Fatalf("githubfake: issue state %q: want open or closed", state)
	}
	is.setState(state, "", "")
	is.updated = now()
}

// setState opens or closes an issue as GitHub does: the reason counts only
// when the state changes; closing is "completed" unless told otherwise and
// reopening is "reopened".
func (is *issue) setState(state, reason, by string) {
	if state == is.State {
		return
	}
	if state == "closed" {
		is.closed, is.closedBy = now(), by
		is.StateReason = cmp.Or(reason, "completed")
	} else {
		is.closed, is.closedBy = time.Time{}, ""
		is.StateReason = "reopened"
	}
	is.State = state
}

// nextNumber is the number GitHub gives the next issue or pull request:
// both count up from one sequence per repository. Callers hold f.mu.
func (r *repo) nextNumber() int {
	last := 0
	for n := range r.pulls {
		last = max(last, n)
	}
	for n := range r.issues {
		last = max(last, n)
	}
	return last + 1
}

// useLabels creates the labels the repository lacks, as GitHub does for an
// issue given them, and returns the names once each. Callers hold f.mu.
func (f *Fake) useLabels(r *repo, names []string) []string {
	out := []string{}
	for _, name := range names {
		if r.labels[name] == nil {
			// GitHub's colour for a label created on the fly.
			r.labels[name] = &label{id: f.newID(), name: name, color: "ededed"}
		}
		if !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	return out
}

func (f *Fake) labelObjects(r *repo, names []string) []any {
	out := make([]any, 0, len(names))
	for _, name := range names {
		out = append(out, f.labelObject(r, r.labels[name]))
	}
	return out
}

func (f *Fake) issueObject(r *repo, is *issue) map[string]any {
	m := f.examples.object("issue")
	delete(m, "pull_request")
	num := strconv.Itoa(is.Number)
	self := r.apiURL() + "/issues/" + num
	var closedBy any
	if is.closedBy != "" {
		closedBy = f.user(is.closedBy)
	}
	maps.Copy(m, map[string]any{
		"url": self, "repository_url": r.apiURL(), "html_url": r.webURL() + "/issues/" + num,
		"labels_url": self + "/labels{/name}", "comments_url": self + "/comments", "events_url": self + "/events",
		"id": is.id, "node_id": nodeID("Issue", is.id), "number": is.Number,
		"title": is.Title, "body": optionalString(is.Body), "user": f.user(is.Author),
		"labels": f.labelObjects(r, is.Labels), "state": is.State, "state_reason": optionalString(is.StateReason),
		"assignee": nil, "assignees": []any{}, "milestone": nil, "locked": false, "active_lock_reason": nil,
		"comments": r.commentCount(is.Number), "author_association": "NONE",
		"created_at": timestamp(is.created), "updated_at": timestamp(is.updated),
		"closed_at": optionalTime(is.closed), "closed_by": closedBy,
	})
	return m
}

// pullIssueObject is a pull request as the issues API reads it.
func (f *Fake) pullIssueObject(r *repo, p *pull) map[string]any {
	m := f.examples.object("issue")
	f.overlayWebhookIssue(m, r, p)
	var closedBy any
	if p.merged {
		closedBy = f.user(p.mergedBy)
	}
	maps.Copy(m, map[string]any{
		"body": nil, "assignee": nil, "assignees": []any{}, "milestone": nil, "locked": false,
		"active_lock_reason": nil, "state_reason": nil, "closed_by": closedBy, "author_association": "NONE",
	})
	return m
}

// listIssues lists issues and pull requests alike, newest first, as GitHub
// does by default; sort, direction and the filters other than state and
// labels are not served.
func (f *Fake) listIssues(w http.ResponseWriter, req *http.Request) {
	r, _, ok := f.target(w, req)
	if !ok {
		return
	}
	q := req.URL.Query()
	state := cmp.Or(q.Get("state"), "open")
	if state != "open" && state != "closed" && state != "all" {
		unprocessable(w, "Validation Failed", issuesDocs+"#list-repository-issues")
		return
	}
	var want []string
	if q.Get("labels") != "" {
		for l := range strings.SplitSeq(q.Get("labels"), ",") {
			want = append(want, strings.TrimSpace(l))
		}
	}
	type listed struct {
		id    int64
		issue *issue
		pull  *pull
	}
	matches := func(st string, labels []string) bool {
		if state != "all" && st != state {
			return false
		}
		for _, l := range want {
			if !slices.ContainsFunc(labels, func(have string) bool { return strings.EqualFold(have, l) }) {
				return false
			}
		}
		return true
	}
	var items []listed
	for _, is := range r.issues {
		if matches(is.State, is.Labels) {
			items = append(items, listed{id: is.id, issue: is})
		}
	}
	for _, p := range r.pulls {
		if matches(p.state(), p.labels) {
			items = append(items, listed{id: p.id, pull: p})
		}
	}
	// Ids grow with creation.
	slices.SortFunc(items, func(a, b listed) int { return cmp.Compare(b.id, a.id) })
	out := []any{}
	for _, it := range paginate(w, req, items) {
		if it.issue != nil {
			out = append(out, f.issueObject(r, it.issue))
		} else {
			out = append(out, f.pullIssueObject(r, it.pull))
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// issueTarget finds the issue or pull request of the path's issue_number,
// or answers 404.
func (f *Fake) issueTarget(w http.ResponseWriter, req *http.Request) (*repo, *issue, *pull, bool) {
	r, _, ok := f.target(w, req)
	if !ok {
		return nil, nil, nil, false
	}
	n, err := strconv.Atoi(req.PathValue("issue_number"))
	is, p := r.issues[n], r.pulls[n]
	if err != nil || (is == nil && p == nil) {
		writeError(w, http.StatusNotFound, "Not Found", issuesDocs+"#get-an-issue")
		return nil, nil, nil, false
	}
	return r, is, p, true
}

func (f *Fake) getIssue(w http.ResponseWriter, req *http.Request) {
	r, is, p, ok := f.issueTarget(w, req)
	if !ok {
		return
	}
	if is != nil {
		writeJSON(w, http.StatusOK, f.issueObject(r, is))
		return
	}
	writeJSON(w, http.StatusOK, f.pullIssueObject(r, p))
}

func (f *Fake) createIssue(w http.ResponseWriter, req *http.Request) {
	r, _, ok := f.target(w, req)
	if !ok {
		return
	}
	var raw json.RawMessage
	if !readBody(w, req, &raw) {
		return
	}
	var in struct {
		Title string `json:"title"`
		Body  string `json:"body"`
	}
	if err := json.Unmarshal(raw, &in); err != nil {
		writeError(w, http.StatusBadRequest, "Problems parsing JSON", createIssueDoc)
		return
	}
	labels, err := labelNames(raw)
	if err != nil {
		unprocessable(w, err.Error(), createIssueDoc)
		return
	}
	if strings.TrimSpace(in.Title) == "" {
		unprocessable(w, "Validation Failed", createIssueDoc)
		return
	}
	is := &issue{
		Issue: Issue{
			Number: r.nextNumber(), Title: in.Title, Body: in.Body, State: "open",
			Labels: f.useLabels(r, labels), Author: f.opts.BotLogin,
		},
		id: f.newID(), created: now(),
	}
	is.updated = is.created
	r.issues[is.Number] = is
	writeJSON(w, http.StatusCreated, f.issueObject(r, is))
}

// editIssue edits an issue; labels, when given, replace the issue's. A pull
// request's number is refused: the fake's pull requests change through the
// Go API.
func (f *Fake) editIssue(w http.ResponseWriter, req *http.Request) {
	r, is, p, ok := f.issueTarget(w, req)
	if !ok {
		return
	}
	if p != nil {
		unprocessable(w, "githubfake: pull request #"+strconv.Itoa(p.Number)+" changes through the Go API (Close, Merge)", updateIssueDoc)
		return
	}
	var raw json.RawMessage
	if !readBody(w, req, &raw) {
		return
	}
	var in struct {
		Title       *string         `json:"title"`
		Body        *string         `json:"body"`
		State       *string         `json:"state"`
		StateReason *string         `json:"state_reason"`
		Labels      json.RawMessage `json:"labels"`
	}
	if err := json.Unmarshal(raw, &in); err != nil {
		writeError(w, http.StatusBadRequest, "Problems parsing JSON", updateIssueDoc)
		return
	}
	labels, err := labelNames(raw)
	if err != nil {
		unprocessable(w, err.Error(), updateIssueDoc)
		return
	}
	if in.State != nil && *in.State != "open" && *in.State != "closed" {
		unprocessable(w, "Validation Failed", updateIssueDoc)
		return
	}
	if in.Title != nil {
		is.Title = *in.Title
	}
	if in.Body != nil {
		is.Body = *in.Body
	}
	if in.Labels != nil {
		is.Labels = f.useLabels(r, labels)
	}
	if in.State != nil {
		var reason string
		if in.StateReason != nil {
			reason = *in.StateReason
		}
		is.setState(*in.State, reason, f.opts.BotLogin)
	}
	is.Updates++
	is.updated = now()
	writeJSON(w, http.StatusOK, f.issueObject(r, is))
}
