package githubfake

import (
	"encoding/base64"
	"fmt"
	"maps"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// The fake speaks for github.com: its objects link to GitHub's API and web
// hosts, as the real ones do; clients only follow the page numbers in Link.
const (
	apiRoot = "https://api.github.com"
	webRoot = "https://github.com"
)

// The builders below lay the fake's state over GitHub's examples. They read
// and hand out ids, so callers hold f.mu.

func (r *repo) apiURL() string { return apiRoot + "/repos/" + r.fullName() }
func (r *repo) webURL() string { return webRoot + "/" + r.fullName() }

func nodeID(kind string, id int64) string {
	return base64.StdEncoding.EncodeToString(fmt.Appendf(nil, "%s%d", kind, id))
}

func timestamp(t time.Time) string { return t.Format(time.RFC3339) }

// optionalTime is null for a time that has not happened.
func optionalTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return timestamp(t)
}

// optionalString is null for an empty string, as GitHub sends unset text.
func optionalString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// userID gives each login one id for the fake's lifetime.
func (f *Fake) userID(login string) int64 {
	id, ok := f.userIDs[login]
	if !ok {
		id = f.newID()
		f.userIDs[login] = id
	}
	return id
}

func (f *Fake) user(login string) map[string]any {
	u, _ := f.examples.object("issue-comment")["user"].(map[string]any)
	f.overlayUser(u, login)
	return u
}

// overlayUser turns an example's user (octocat, Codertocat) into login,
// URLs included; "name[bot]" logins are Apps' bot accounts.
func (f *Fake) overlayUser(u map[string]any, login string) {
	if old, ok := u["login"].(string); ok {
		replaceStrings(u, strings.NewReplacer("/"+old, "/"+url.PathEscape(login)))
	}
	id := f.userID(login)
	u["login"], u["id"], u["node_id"] = login, id, nodeID("User", id)
	u["type"] = "User"
	if strings.HasSuffix(login, "[bot]") {
		u["type"] = "Bot"
	}
	u["site_admin"] = false
}

func (f *Fake) repoObject(r *repo) map[string]any {
	base, _ := f.examples.object("pull-request")["base"].(map[string]any)
	m, _ := base["repo"].(map[string]any)
	f.overlayRepo(m, r)
	return m
}

// overlayRepo turns an example's repository (octocat/Hello-World,
// Codertocat/Hello-World) into r; its clone URL is the local repository.
func (f *Fake) overlayRepo(m map[string]any, r *repo) {
	if old, ok := m["full_name"].(string); ok {
		replaceStrings(m, strings.NewReplacer(old, r.fullName()))
	}
	if owner, ok := m["owner"].(map[string]any); ok {
		f.overlayUser(owner, r.owner)
	}
	m["id"], m["node_id"] = r.id, nodeID("Repository", r.id)
	m["name"], m["full_name"] = r.name, r.fullName()
	m["html_url"], m["url"] = r.webURL(), r.apiURL()
	m["clone_url"] = r.cloneURL()
	m["default_branch"] = r.defaultBranch
	m["private"] = false
}

func href(u string) map[string]any { return map[string]any{"href": u} }

// pullURLs are the links a pull request object carries, in the REST API and
// in webhook payloads alike.
func (r *repo) pullURLs(n int, head string) map[string]any {
	num := strconv.Itoa(n)
	self, issue, html := r.apiURL()+"/pulls/"+num, r.apiURL()+"/issues/"+num, r.webURL()+"/pull/"+num
	reviewComment := r.apiURL() + "/pulls/comments{/number}"
	statuses := r.apiURL() + "/statuses/" + head
	return map[string]any{
		"url": self, "html_url": html, "diff_url": html + ".diff", "patch_url": html + ".patch",
		"issue_url": issue, "commits_url": self + "/commits", "comments_url": issue + "/comments",
		"review_comments_url": self + "/comments", "review_comment_url": reviewComment, "statuses_url": statuses,
		"_links": map[string]any{
			"self": href(self), "html": href(html), "issue": href(issue), "comments": href(issue + "/comments"),
			"review_comments": href(self + "/comments"), "review_comment": href(reviewComment),
			"commits": href(self + "/commits"), "statuses": href(statuses),
		},
	}
}

// pullObject is a pull request as the REST API reads it. Its base sha is
// the base branch's tip at OpenPR. GitHub moves it to the branch's tip with
// each push to the head; the fake keeps it (and counts files and commits
// from it), so once the base branch moves it matches GitHub only until the
// next Push.
func (f *Fake) pullObject(r *repo, p *pull) map[string]any {
	m := f.examples.object("pull-request")
	maps.Copy(m, r.pullURLs(p.Number, p.HeadSHA))
	var additions, deletions int
	for _, e := range p.files {
		additions += e.additions
		deletions += e.deletes
	}
	labels := make([]any, 0, len(p.labels))
	for _, name := range p.labels {
		labels = append(labels, f.labelObject(r, r.labels[name]))
	}
	var mergedBy, mergedAt, mergeCommit any
	if p.merged {
		mergedBy, mergedAt, mergeCommit = f.user(p.mergedBy), timestamp(p.closed), p.HeadSHA
	}
	state := map[string]any{
		"id": p.id, "node_id": nodeID("PullRequest", p.id), "number": p.Number,
		"state": p.state(), "locked": false, "active_lock_reason": nil, "draft": false,
		"title": p.Title, "body": nil, "user": f.user(p.Author), "labels": labels, "milestone": nil,
		"created_at": timestamp(p.created), "updated_at": timestamp(p.updated),
		"closed_at": optionalTime(p.closed), "merged_at": mergedAt, "merge_commit_sha": mergeCommit,
		"assignee": nil, "assignees": []any{}, "requested_reviewers": []any{}, "requested_teams": []any{},
		"head": f.headObject(r, p), "base": f.branchObject(r, p.BaseRef, p.baseSHA),
		"auto_merge": nil, "merged": p.merged, "merged_by": mergedBy,
		"mergeable": p.mergeable, "rebaseable": p.mergeable, "mergeable_state": p.mergeableState(),
		"comments": r.commentCount(p.Number), "review_comments": 0, "maintainer_can_modify": false,
		"commits": p.commits, "additions": additions, "deletions": deletions, "changed_files": len(p.files),
	}
	maps.Copy(m, state)
	return m
}

func (p *pull) state() string {
	if p.open {
		return "open"
	}
	return "closed"
}

func (p *pull) mergeableState() string {
	switch {
	case p.mergeable == nil:
		return "unknown"
	case *p.mergeable:
		return "clean"
	default:
		return "dirty"
	}
}

func (r *repo) commentCount(n int) int {
	count := 0
	for _, c := range r.comments {
		if c.number == n {
			count++
		}
	}
	return count
}

// branchObject is a pull request's head or base; both live in r, as for a
// pull request from a branch of the same repository.
func (f *Fake) branchObject(r *repo, ref, sha string) map[string]any {
	return map[string]any{
		"label": r.owner + ":" + ref, "ref": ref, "sha": sha,
		"user": f.user(r.owner), "repo": f.repoObject(r),
	}
}

// headObject is a pull request's head: a branch of r, or of a fork of r
// when the pull request comes from one.
func (f *Fake) headObject(r *repo, p *pull) map[string]any {
	b := f.branchObject(r, p.HeadRef, p.HeadSHA)
	if p.HeadOwner != "" {
		f.overlayFork(b, r, p.HeadOwner)
	}
	return b
}

// overlayFork makes a branch object's repository a fork of r owned by owner.
func (f *Fake) overlayFork(b map[string]any, r *repo, owner string) {
	b["label"] = owner + ":" + b["ref"].(string)
	f.overlayUser(object(b, "user"), owner)
	fork := object(b, "repo")
	fork["id"], fork["node_id"] = r.id+1_000_000, nodeID("Repository", r.id+1_000_000)
	fork["full_name"], fork["fork"] = owner+"/"+r.name, true
	fork["html_url"] = "https://github.com/" + owner + "/" + r.name
	f.overlayUser(object(fork, "owner"), owner)
}

func escapePath(p string) string { return (&url.URL{Path: p}).EscapedPath() }

func (f *Fake) fileObject(r *repo, head string, e diffEntry) map[string]any {
	m := f.examples.item("diff-entry-items")
	delete(m, "patch") // the example's patch is of another file
	m["sha"] = optionalString(e.sha)
	m["filename"], m["status"] = e.path, e.status
	m["additions"], m["deletions"], m["changes"] = e.additions, e.deletes, e.additions+e.deletes
	m["blob_url"] = r.webURL() + "/blob/" + head + "/" + escapePath(e.path)
	m["raw_url"] = r.webURL() + "/raw/" + head + "/" + escapePath(e.path)
	m["contents_url"] = r.apiURL() + "/contents/" + escapePath(e.path) + "?ref=" + head
	return m
}

func (f *Fake) reviewObject(r *repo, p *pull, rv review) map[string]any {
	m := f.examples.item("pull-request-review-items")
	html := r.webURL() + "/pull/" + strconv.Itoa(p.Number) + "#pullrequestreview-" + strconv.FormatInt(rv.id, 10)
	self := r.apiURL() + "/pulls/" + strconv.Itoa(p.Number)
	maps.Copy(m, map[string]any{
		"id": rv.id, "node_id": nodeID("PullRequestReview", rv.id), "user": f.user(rv.user), "body": "",
		"state": rv.state, "html_url": html, "pull_request_url": self,
		"_links":       map[string]any{"html": href(html), "pull_request": href(self)},
		"submitted_at": timestamp(rv.submitted), "commit_id": rv.commit,
	})
	return m
}

func (f *Fake) commentObject(r *repo, c *comment) map[string]any {
	m := f.examples.object("issue-comment")
	id := strconv.FormatInt(c.ID, 10)
	maps.Copy(m, map[string]any{
		"id": c.ID, "node_id": nodeID("IssueComment", c.ID), "body": c.Body, "user": f.user(c.User),
		"url":        r.apiURL() + "/issues/comments/" + id,
		"html_url":   r.webURL() + "/pull/" + strconv.Itoa(c.number) + "#issuecomment-" + id,
		"issue_url":  r.apiURL() + "/issues/" + strconv.Itoa(c.number),
		"created_at": timestamp(c.created), "updated_at": timestamp(c.created),
	})
	return m
}

func (f *Fake) reactionObject(re reactionState) map[string]any {
	m := f.examples.object("reaction")
	maps.Copy(m, map[string]any{
		"id": re.id, "node_id": nodeID("Reaction", re.id), "user": f.user(re.User),
		"content": re.Content, "created_at": timestamp(re.created),
	})
	return m
}

func (f *Fake) statusObject(r *repo, sha string, st Status, id int64, at time.Time) map[string]any {
	m := f.examples.object("status")
	maps.Copy(m, map[string]any{
		"url": r.apiURL() + "/statuses/" + sha, "id": id, "node_id": nodeID("StatusContext", id),
		"state": st.State, "description": optionalString(st.Description), "target_url": optionalString(st.TargetURL),
		"context": st.Context, "created_at": timestamp(at), "updated_at": timestamp(at), "creator": f.user(st.Creator),
	})
	return m
}

func (f *Fake) labelObject(r *repo, l *label) map[string]any {
	m := f.examples.item("label-items")
	maps.Copy(m, map[string]any{
		"id": l.id, "node_id": nodeID("Label", l.id), "url": r.apiURL() + "/labels/" + url.PathEscape(l.name),
		"name": l.name, "description": nil, "color": l.color, "default": false,
	})
	return m
}

// gitObjectURL is where the Git Data API serves an object of a git type.
func (r *repo) gitObjectURL(kind, sha string) string {
	return r.apiURL() + "/git/" + kind + "s/" + sha
}
