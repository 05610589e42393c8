package githubfake

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"maps"
	"strconv"
	"strings"
)

// PullRequestEvent is the body of a pull_request webhook with action
// ("opened", "synchronize", "closed", ...) about pull request n as it is now:
// a real payload from @octokit/webhooks-examples with the fake's repository,
// installation and pull request laid over it. The sender is the author, or
// whoever merged it.
func (f *Fake) PullRequestEvent(owner, name string, n int, action string) []byte {
	f.t.Helper()
	r := f.repo(owner, name)
	p := f.pull(r, n)
	m, err := f.examples.webhook("pull_request", action)
	if err != nil {
		f.t.Fatalf("%v", err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.overlayEvent(m, r, p.Author)
	if p.merged {
		f.overlayUser(object(m, "sender"), p.mergedBy)
	}
	m["number"] = n
	f.overlayWebhookPull(object(m, "pull_request"), r, p)
	if action == "synchronize" {
		m["before"], m["after"] = p.previousHead, p.HeadSHA
	}
	return f.marshal(m)
}

// IssueCommentEvent is the body of an issue_comment "created" webhook: user
// commented body on pull request n. The comment is stored, so the client can
// react to it and list it; its id is returned. No example payload is about a
// pull request, so the issue gains the pull_request links GitHub adds then.
func (f *Fake) IssueCommentEvent(owner, name string, n int, user, body string) ([]byte, int64) {
	f.t.Helper()
	r := f.repo(owner, name)
	p := f.pull(r, n)
	m, err := f.examples.webhook("issue_comment", "created")
	if err != nil {
		f.t.Fatalf("%v", err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	c := &comment{Comment: Comment{ID: f.newID(), User: user, Body: body}, number: n, created: now()}
	r.comments = append(r.comments, c)

	f.overlayEvent(m, r, user)
	issue := object(m, "issue")
	f.overlayWebhookIssue(issue, r, p)
	payloadComment, rest := object(m, "comment"), f.commentObject(r, c)
	for _, k := range []string{"id", "node_id", "url", "html_url", "issue_url", "body", "created_at", "updated_at"} {
		payloadComment[k] = rest[k]
	}
	f.overlayUser(object(payloadComment, "user"), user)
	return f.marshal(m), c.ID
}

// overlayEvent sets what every event has: the repository (with every URL of
// the example's repository rewritten), the sender and the installation.
func (f *Fake) overlayEvent(m map[string]any, r *repo, sender string) {
	repository := object(m, "repository")
	if old, ok := repository["full_name"].(string); ok {
		replaceStrings(m, strings.NewReplacer(old, r.fullName()))
	}
	f.overlayRepo(repository, r)
	f.overlayUser(object(m, "sender"), sender)
	installation := object(m, "installation")
	installation["id"] = f.opts.InstallationID
	installation["node_id"] = nodeID("Installation", f.opts.InstallationID)
}

func (f *Fake) overlayWebhookPull(pr map[string]any, r *repo, p *pull) {
	api := f.pullObject(r, p)
	// The webhook's pull request is the REST one with a few fields fewer;
	// copy the state, keep the payload's own shape for the rest.
	for _, k := range []string{
		"url", "html_url", "diff_url", "patch_url", "issue_url", "commits_url", "comments_url",
		"review_comments_url", "review_comment_url", "statuses_url", "_links",
		"id", "node_id", "number", "state", "title", "body", "labels", "created_at", "updated_at",
		"closed_at", "merged_at", "merge_commit_sha", "merged", "merged_by", "mergeable", "rebaseable",
		"mergeable_state", "comments", "commits", "additions", "deletions", "changed_files",
	} {
		if _, ok := pr[k]; ok {
			pr[k] = api[k]
		}
	}
	f.overlayUser(object(pr, "user"), p.Author)
	f.overlayBranch(object(pr, "head"), r, p.HeadRef, p.HeadSHA)
	if p.HeadOwner != "" {
		f.overlayFork(object(pr, "head"), r, p.HeadOwner)
	}
	f.overlayBranch(object(pr, "base"), r, p.BaseRef, p.baseSHA)
}

func (f *Fake) overlayBranch(b map[string]any, r *repo, ref, sha string) {
	b["ref"], b["sha"], b["label"] = ref, sha, r.owner+":"+ref
	f.overlayUser(object(b, "user"), r.owner)
	f.overlayRepo(object(b, "repo"), r)
}

func (f *Fake) overlayWebhookIssue(issue map[string]any, r *repo, p *pull) {
	num := strconv.Itoa(p.Number)
	self := r.apiURL() + "/issues/" + num
	html := r.webURL() + "/pull/" + num
	labels := make([]any, 0, len(p.labels))
	for _, name := range p.labels {
		labels = append(labels, f.labelObject(r, r.labels[name]))
	}
	var mergedAt any
	if p.merged {
		mergedAt = timestamp(p.closed)
	}
	maps.Copy(issue, map[string]any{
		"url": self, "repository_url": r.apiURL(), "html_url": html,
		"labels_url": self + "/labels{/name}", "comments_url": self + "/comments",
		"events_url": self + "/events", "timeline_url": self + "/timeline",
		"id": p.id, "node_id": nodeID("PullRequest", p.id), "number": p.Number,
		"title": p.Title, "state": p.state(), "labels": labels, "comments": r.commentCount(p.Number),
		"created_at": timestamp(p.created), "updated_at": timestamp(p.updated), "closed_at": optionalTime(p.closed),
		"pull_request": map[string]any{
			"url": r.apiURL() + "/pulls/" + num, "html_url": html,
			"diff_url": html + ".diff", "patch_url": html + ".patch", "merged_at": mergedAt,
		},
	})
	f.overlayUser(object(issue, "user"), p.Author)
}

// object returns m[key] as an object; the examples are chosen to have it.
func object(m map[string]any, key string) map[string]any {
	o, ok := m[key].(map[string]any)
	if !ok {
		panic("githubfake: example payload has no object " + key)
	}
	return o
}

func (f *Fake) marshal(m map[string]any) []byte {
	data, err := json.Marshal(m)
	if err != nil {
		f.t.Fatalf("githubfake: encoding a payload: %v", err)
	}
	return data
}

// Sign is the X-Hub-Signature-256 header GitHub sends with body for a webhook
// secret.
func Sign(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// CheckRunEvent is the body of a check_run webhook with action
// ("rerequested" when someone asks for the run again, "created",
// "completed") about check run id as it is now, with the open pull
// requests whose head is its commit, as GitHub sends it to the App. The
// sender of "rerequested" is the first such pull request's author (the
// repository's owner without one); the App's bot sends the others.
func (f *Fake) CheckRunEvent(owner, name string, id int64, action string) []byte {
	f.t.Helper()
	r := f.repo(owner, name)
	m, err := f.examples.webhook("check_run", action)
	if err != nil && (action == "created" || action == "completed") {
		// The examples have these only as a repository's own hook gets
		// them, without an installation; the payload is the same.
		m, err = f.examples.webhook("check_run", "rerequested")
	}
	if err != nil {
		f.t.Fatalf("%v", err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	cr := r.checkRun(id)
	if cr == nil {
		f.t.Fatalf("githubfake: no check run %d in %s: the client creates them", id, r.fullName())
	}
	sender, headBranch := f.opts.BotLogin, any(nil)
	pulls := r.pullsAt(cr.HeadSHA)
	if len(pulls) > 0 {
		headBranch = pulls[0].HeadRef
	}
	if action == "rerequested" {
		sender = r.owner
		if len(pulls) > 0 {
			sender = pulls[0].Author
		}
	}
	m["action"] = action
	f.overlayEvent(m, r, sender)
	// The fake does not know whether an owner is an organization.
	delete(m, "organization")
	run, rest := object(m, "check_run"), f.checkRunObject(r, cr)
	for _, k := range []string{
		"id", "node_id", "name", "head_sha", "external_id", "url", "html_url", "details_url", "status",
		"conclusion", "started_at", "completed_at", "output", "pull_requests",
	} {
		run[k] = rest[k]
	}
	f.overlayApp(object(run, "app"))
	suite := object(run, "check_suite")
	f.overlayApp(object(suite, "app"))
	suiteID := f.checkSuite(r, cr.HeadSHA)
	maps.Copy(suite, map[string]any{
		"id": suiteID, "node_id": nodeID("CheckSuite", suiteID), "url": r.apiURL() + "/check-suites/" + strconv.FormatInt(suiteID, 10),
		"head_sha": cr.HeadSHA, "head_branch": headBranch, "before": nil, "after": cr.HeadSHA,
		"status": cr.Status, "conclusion": rest["conclusion"], "pull_requests": rest["pull_requests"],
	})
	return f.marshal(m)
}
