package githubfake

import (
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// PR is a pull request as a test opens it.
type PR struct {
	Number  int
	Author  string
	Title   string // default "Pull request #N"
	HeadRef string
	HeadSHA string
	BaseRef string
	Files   []string // the paths the pull request changes, as GitHub lists them
	// HeadOwner owns the fork the head branch lives in; "" for a branch of
	// the repository itself. The fake keeps the commits in the one git
	// repository either way, as GitHub does under refs/pull/N/head.
	HeadOwner string
}

// Comment is an issue comment on a pull request.
type Comment struct {
	ID   int64
	User string
	Body string
}

// Status is a commit status as the client set it.
type Status struct {
	State       string
	Context     string
	Description string
	TargetURL   string
	Creator     string
}

// Reaction is an emoji reaction to a comment.
type Reaction struct {
	Content string
	User    string
}

type repo struct {
	id            int64
	owner, name   string
	gitDir        string
	defaultBranch string
	pulls         map[int]*pull
	comments      []*comment          // in creation order, across pull requests
	statuses      map[string][]Status // by commit, oldest first
	labels        map[string]*label   // the repository's labels, by name
	permissions   map[string]string   // by lower-case login; unset means write
	issues        map[int]*issue      // by number, which pull requests share (nextNumber)
	checkRuns     []*CheckRun         // in creation order, across commits
	checkSuites   map[string]int64    // the check suite id of each commit with check runs
}

func (r *repo) fullName() string { return r.owner + "/" + r.name }

// cloneURL is a file:// URL of the local repository; the bot clones it like
// an https one.
func (r *repo) cloneURL() string {
	return (&url.URL{Scheme: "file", Path: r.gitDir}).String()
}

type pull struct {
	PR
	id           int64
	baseSHA      string // the base branch's tip at OpenPR; see pullObject
	previousHead string // before the last Push
	commits      int    // between base and head
	open         bool
	merged       bool
	mergedBy     string
	mergeable    *bool
	created      time.Time
	updated      time.Time
	closed       time.Time
	files        []diffEntry
	reviews      []review
	labels       []string
}

type diffEntry struct {
	path               string
	sha                string // empty when the path is in neither commit
	status             string
	additions, deletes int
}

type review struct {
	id        int64
	user      string
	state     string
	commit    string
	submitted time.Time
}

type comment struct {
	Comment
	number    int
	created   time.Time
	reactions []reactionState
}

type reactionState struct {
	Reaction
	id      int64
	created time.Time
}

type label struct {
	id    int64
	name  string
	color string
}

// AddRepo serves gitDir, a local repository with commits (bare or not), as
// owner/name. Its default branch is the one HEAD names.
func (f *Fake) AddRepo(owner, name, gitDir string) {
	f.t.Helper()
	dir, err := filepath.Abs(gitDir)
	if err != nil {
		f.t.Fatalf("githubfake: repository %s/%s: %v", owner, name, err)
	}
	branch, err := git(dir, "", "symbolic-ref", "--short", "HEAD")
	if err != nil {
		f.t.Fatalf("githubfake: repository %s/%s: %v", owner, name, err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.repos[owner+"/"+name] = &repo{
		id: f.newID(), owner: owner, name: name, gitDir: dir, defaultBranch: branch,
		pulls: map[int]*pull{}, statuses: map[string][]Status{}, labels: map[string]*label{},
		issues: map[int]*issue{}, checkSuites: map[string]int64{},
	}
}

// OpenPR opens a pull request and, as GitHub does, points refs/pull/N/head
// of the repository at its head commit.
func (f *Fake) OpenPR(owner, name string, pr PR) {
	f.t.Helper()
	r := f.repo(owner, name)
	base, err := git(r.gitDir, "", "rev-parse", "--verify", "refs/heads/"+pr.BaseRef+"^{commit}")
	if err != nil {
		f.t.Fatalf("githubfake: base of %s#%d: %v", r.fullName(), pr.Number, err)
	}
	if pr.Title == "" {
		pr.Title = "Pull request #" + strconv.Itoa(pr.Number)
	}
	f.mu.Lock()
	dup := r.pulls[pr.Number] != nil || r.issues[pr.Number] != nil
	f.mu.Unlock()
	if dup {
		f.t.Fatalf("githubfake: %s#%d exists already", r.fullName(), pr.Number)
	}
	p := &pull{PR: pr, baseSHA: base, open: true, mergeable: new(true), created: now()}
	p.updated = p.created
	f.setHead(r, p, pr.HeadSHA, pr.Files)

	f.mu.Lock()
	defer f.mu.Unlock()
	p.id = f.newID()
	r.pulls[pr.Number] = p
}

// Push moves a pull request's head to sha, which now changes files.
func (f *Fake) Push(owner, name string, n int, sha string, files []string) {
	f.t.Helper()
	r := f.repo(owner, name)
	p := f.pull(r, n)
	f.mu.Lock()
	previous := p.HeadSHA
	f.mu.Unlock()
	f.setHead(r, p, sha, files)
	f.mu.Lock()
	defer f.mu.Unlock()
	p.previousHead, p.updated = previous, now()
}

// setHead checks the commit, lists the files' changes from the base and
// moves refs/pull/N/head, all in real git.
func (f *Fake) setHead(r *repo, p *pull, sha string, files []string) {
	f.t.Helper()
	if _, err := git(r.gitDir, "", "rev-parse", "--verify", sha+"^{commit}"); err != nil {
		f.t.Fatalf("githubfake: head of %s#%d: %v", r.fullName(), p.Number, err)
	}
	entries, err := diffEntries(r.gitDir, p.baseSHA, sha, files)
	var count string
	if err == nil {
		count, err = git(r.gitDir, "", "rev-list", "--count", p.baseSHA+".."+sha)
	}
	if err == nil {
		_, err = git(r.gitDir, "", "update-ref", "refs/pull/"+strconv.Itoa(p.Number)+"/head", sha)
	}
	if err != nil {
		f.t.Fatalf("githubfake: head of %s#%d: %v", r.fullName(), p.Number, err)
	}
	commits, _ := strconv.Atoi(count)
	f.mu.Lock()
	defer f.mu.Unlock()
	p.HeadSHA, p.Files, p.files, p.commits = sha, slices.Clone(files), entries, commits
}

func diffEntries(dir, base, head string, files []string) ([]diffEntry, error) {
	if len(files) == 0 {
		return nil, nil
	}
	inHead, err := blobs(dir, head, files)
	if err != nil {
		return nil, err
	}
	inBase, err := blobs(dir, base, files)
	if err != nil {
		return nil, err
	}
	counts, err := lineCounts(dir, base, head, files)
	if err != nil {
		return nil, err
	}
	entries := make([]diffEntry, len(files))
	for i, path := range files {
		e := diffEntry{path: path, status: "modified", sha: inHead[path]}
		switch {
		case inHead[path] != "" && inBase[path] == "":
			e.status = "added"
		case inHead[path] == "" && inBase[path] != "":
			e.status, e.sha = "removed", inBase[path]
		}
		e.additions, e.deletes = counts[path][0], counts[path][1]
		entries[i] = e
	}
	return entries, nil
}

// Approve submits an approving review by user on the current head.
func (f *Fake) Approve(owner, name string, n int, user string) {
	f.t.Helper()
	f.addReview(owner, name, n, user, "APPROVED")
}

// RequestChanges submits a review by user that requests changes.
func (f *Fake) RequestChanges(owner, name string, n int, user string) {
	f.t.Helper()
	f.addReview(owner, name, n, user, "CHANGES_REQUESTED")
}

func (f *Fake) addReview(owner, name string, n int, user, state string) {
	f.t.Helper()
	p := f.pull(f.repo(owner, name), n)
	f.mu.Lock()
	defer f.mu.Unlock()
	p.reviews = append(p.reviews, review{id: f.newID(), user: user, state: state, commit: p.HeadSHA, submitted: now()})
}

// SetPermission sets what a user may do in a repository, as GitHub reports
// it: "admin", "write", "read" or "none". Users not set have write access.
func (f *Fake) SetPermission(owner, name, user, permission string) {
	f.t.Helper()
	r := f.repo(owner, name)
	f.mu.Lock()
	defer f.mu.Unlock()
	if r.permissions == nil {
		r.permissions = map[string]string{}
	}
	r.permissions[strings.ToLower(user)] = permission
}

// SetMergeable sets what GitHub says about merge conflicts with the base.
func (f *Fake) SetMergeable(owner, name string, n int, mergeable bool) {
	f.t.Helper()
	p := f.pull(f.repo(owner, name), n)
	f.mu.Lock()
	defer f.mu.Unlock()
	p.mergeable = new(mergeable)
}

// Merge closes a pull request as merged by user. The base branch is left as
// it is: what the bot sees of a merge is the pull request's state and the
// closed event.
func (f *Fake) Merge(owner, name string, n int, user string) {
	f.t.Helper()
	p := f.pull(f.repo(owner, name), n)
	f.mu.Lock()
	defer f.mu.Unlock()
	p.open, p.merged, p.mergedBy = false, true, user
	p.closed, p.updated = now(), now()
}

// Close closes a pull request without merging it.
func (f *Fake) Close(owner, name string, n int) {
	f.t.Helper()
	p := f.pull(f.repo(owner, name), n)
	f.mu.Lock()
	defer f.mu.Unlock()
	p.open = false
	p.closed, p.updated = now(), now()
}

// Comments returns the comments on a pull request, oldest first.
func (f *Fake) Comments(owner, name string, n int) []Comment {
	f.t.Helper()
	r := f.repo(owner, name)
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []Comment
	for _, c := range r.comments {
		if c.number == n {
			out = append(out, c.Comment)
		}
	}
	return out
}

// Statuses returns the statuses set on a commit, oldest first.
func (f *Fake) Statuses(owner, name, sha string) []Status {
	f.t.Helper()
	r := f.repo(owner, name)
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(r.statuses[sha])
}

// Labels returns the labels on a pull request, in the order they were added.
func (f *Fake) Labels(owner, name string, n int) []string {
	f.t.Helper()
	p := f.pull(f.repo(owner, name), n)
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(p.labels)
}

// Reactions returns the reactions to a comment, oldest first.
func (f *Fake) Reactions(owner, name string, commentID int64) []Reaction {
	f.t.Helper()
	r := f.repo(owner, name)
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []Reaction
	if c := r.comment(commentID); c != nil {
		for _, re := range c.reactions {
			out = append(out, re.Reaction)
		}
	}
	return out
}

// repo returns a repository added earlier or fails the test.
func (f *Fake) repo(owner, name string) *repo {
	f.t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	r := f.repos[owner+"/"+name]
	if r == nil {
		f.t.Fatalf("githubfake: no repository %s/%s: AddRepo it first", owner, name)
	}
	return r
}

// pull returns an open or closed pull request or fails the test.
func (f *Fake) pull(r *repo, n int) *pull {
	f.t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	p := r.pulls[n]
	if p == nil {
		f.t.Fatalf("githubfake: no pull request %s#%d: OpenPR it first", r.fullName(), n)
	}
	return p
}

func (r *repo) comment(id int64) *comment {
	for _, c := range r.comments {
		if c.ID == id {
			return c
		}
	}
	return nil
}
