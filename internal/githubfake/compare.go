package githubfake

import (
	"encoding/base64"
	"fmt"
	"maps"
	"net/http"
	"strings"
	"time"
)

// compare answers GET compare/{basehead} for BASE...HEAD, each a branch name
// or a commit sha, computed in real git. Unlike GitHub it does not paginate
// the commits nor cap the files.
func (f *Fake) compare(w http.ResponseWriter, req *http.Request) {
	r, _, ok := f.target(w, req)
	if !ok {
		return
	}
	basehead := req.PathValue("basehead")
	baseRev, headRev, found := strings.Cut(basehead, "...")
	base, baseErr := r.commitOf(baseRev)
	head, headErr := r.commitOf(headRev)
	if !found || baseErr != nil || headErr != nil {
		writeError(w, http.StatusNotFound, "Not Found", compareDocs)
		return
	}
	c, err := r.comparison(base, head)
	if err != nil {
		// git merge-base fails only when the histories share no commit.
		writeError(w, http.StatusNotFound, fmt.Sprintf("No common ancestor between %s and %s.", baseRev, headRev), compareDocs)
		return
	}
	commits := make([]any, 0, len(c.commits))
	for _, gc := range c.commits {
		commits = append(commits, f.commitObject(r, gc))
	}
	files := make([]any, 0, len(c.files))
	for _, e := range c.files {
		files = append(files, f.fileObject(r, head, e))
	}
	m := f.examples.object("commit-comparison")
	html := r.webURL() + "/compare/" + escapePath(basehead)
	maps.Copy(m, map[string]any{
		"url": r.apiURL() + "/compare/" + escapePath(basehead), "html_url": html,
		"permalink_url": fmt.Sprintf("%s/compare/%s:%s...%s:%s", r.webURL(), r.owner, base, r.owner, head),
		"diff_url":      html + ".diff", "patch_url": html + ".patch",
		"base_commit": f.commitObject(r, c.base), "merge_base_commit": f.commitObject(r, c.mergeBase),
		"status": c.status(), "ahead_by": c.ahead, "behind_by": c.behind,
		"total_commits": len(commits), "commits": commits, "files": files,
	})
	writeJSON(w, http.StatusOK, m)
}

const compareDocs = "https://docs.github.com/rest/commits/commits#compare-two-commits"

// commitOf resolves BASE or HEAD of a comparison: a branch, else a commit
// sha, full or abbreviated. Other revision syntax git knows (HEAD~1, @{u})
// is refused, as GitHub refuses it.
func (r *repo) commitOf(rev string) (string, error) {
	if sha, err := git(r.gitDir, "", "rev-parse", "--verify", "--quiet", "refs/heads/"+rev+"^{commit}"); err == nil {
		return sha, nil
	}
	if rev == "" || strings.Trim(rev, "0123456789abcdefABCDEF") != "" {
		return "", fmt.Errorf("%q is neither a branch nor a commit sha", rev)
	}
	return git(r.gitDir, "", "rev-parse", "--verify", "--quiet", rev+"^{commit}")
}

// comparison is what git says of head against base.
type comparison struct {
	base, mergeBase gitCommit
	ahead, behind   int
	commits         []gitCommit // in head and not in base, oldest first
	files           []diffEntry // from the merge base to head
}

func (c comparison) status() string {
	switch {
	case c.ahead == 0 && c.behind == 0:
		return "identical"
	case c.behind == 0:
		return "ahead"
	case c.ahead == 0:
		return "behind"
	default:
		return "diverged"
	}
}

func (r *repo) comparison(base, head string) (comparison, error) {
	var c comparison
	mergeBase, err := git(r.gitDir, "", "merge-base", base, head)
	if err != nil {
		return c, err
	}
	// "<only in base>\t<only in head>"
	counts, err := git(r.gitDir, "", "rev-list", "--left-right", "--count", base+"..."+head)
	if err != nil {
		return c, err
	}
	if _, err := fmt.Sscanf(counts, "%d\t%d", &c.behind, &c.ahead); err != nil {
		return c, fmt.Errorf("git rev-list --count said %q: %w", counts, err)
	}
	ends, err := gitCommits(r.gitDir, "--no-walk=unsorted", base, mergeBase)
	if err != nil {
		return c, err
	}
	// Revision walks list a commit once, and base may be the merge base.
	c.base, c.mergeBase = ends[0], ends[len(ends)-1]
	if c.commits, err = gitCommits(r.gitDir, "--reverse", mergeBase+".."+head); err != nil {
		return c, err
	}
	paths, err := git(r.gitDir, "", "diff", "--name-only", "-z", "--no-renames", mergeBase, head)
	if err != nil || paths == "" {
		return c, err
	}
	c.files, err = diffEntries(r.gitDir, mergeBase, head, strings.Split(strings.TrimSuffix(paths, "\x00"), "\x00"))
	return c, err
}

type gitCommit struct {
	sha, tree         string
	parents           []string
	author, committer gitPerson
	message           string
}

type gitPerson struct {
	name, email string
	date        time.Time
}

// commitFormat is what gitCommits reads of a commit, field by field.
var commitFormat = []string{"%H", "%T", "%P", "%an", "%ae", "%aI", "%cn", "%ce", "%cI", "%B"}

// gitCommits describes the commits git log lists for args.
func gitCommits(dir string, args ...string) ([]gitCommit, error) {
	format := "--format=" + strings.Join(commitFormat, "%x00")
	out, err := git(dir, "", append([]string{"log", "-z", format}, args...)...)
	if err != nil || out == "" {
		return nil, err
	}
	// -z ends every commit with a NUL, as the format separates its fields.
	fields := strings.Split(strings.TrimSuffix(out, "\x00"), "\x00")
	if len(fields)%len(commitFormat) != 0 {
		return nil, fmt.Errorf("git log %s: %d fields, want a multiple of %d", strings.Join(args, " "), len(fields), len(commitFormat))
	}
	var commits []gitCommit
	for len(fields) > 0 {
		f := fields[:len(commitFormat)]
		fields = fields[len(commitFormat):]
		author, err := newGitPerson(f[3], f[4], f[5])
		if err != nil {
			return nil, err
		}
		committer, err := newGitPerson(f[6], f[7], f[8])
		if err != nil {
			return nil, err
		}
		commits = append(commits, gitCommit{
			sha: f[0], tree: f[1], parents: strings.Fields(f[2]),
			author: author, committer: committer,
			// GitHub hands the message back without git's final newline.
			message: strings.TrimRight(f[9], "\n"),
		})
	}
	return commits, nil
}

func newGitPerson(name, email, date string) (gitPerson, error) {
	t, err := time.Parse(time.RFC3339, date)
	if err != nil {
		return gitPerson{}, fmt.Errorf("git date %q: %w", date, err)
	}
	return gitPerson{name: name, email: email, date: t.UTC()}, nil
}

func (p gitPerson) object() map[string]any {
	return map[string]any{"name": p.name, "email": p.email, "date": timestamp(p.date)}
}

// commitObject is a commit as the REST API lists it. Its author and
// committer accounts are null: GitHub links them by email, and the fake has
// no accounts with email addresses.
func (f *Fake) commitObject(r *repo, c gitCommit) map[string]any {
	m := object(f.examples.object("commit-comparison"), "base_commit")
	self := r.apiURL() + "/commits/" + c.sha
	parents := make([]any, 0, len(c.parents))
	for _, p := range c.parents {
		parents = append(parents, map[string]any{"sha": p, "url": r.apiURL() + "/commits/" + p, "html_url": r.webURL() + "/commit/" + p})
	}
	maps.Copy(object(m, "commit"), map[string]any{
		"url": r.gitObjectURL("commit", c.sha), "message": c.message, "comment_count": 0,
		"author": c.author.object(), "committer": c.committer.object(),
		"tree": map[string]any{"sha": c.tree, "url": r.gitObjectURL("tree", c.tree)},
	})
	maps.Copy(m, map[string]any{
		"url": self, "sha": c.sha, "node_id": base64.StdEncoding.EncodeToString([]byte("Commit" + c.sha)),
		"html_url": r.webURL() + "/commit/" + c.sha, "comments_url": self + "/comments",
		"author": nil, "committer": nil, "parents": parents,
	})
	return m
}
