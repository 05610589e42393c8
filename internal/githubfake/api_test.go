package githubfake_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bradleyfalzon/ghinstallation/v2"
	"github.com/google/go-github/v60/github"

	"github.com/paved-road/paved/internal/githubfake"
)

func wantStatus(t *testing.T, err error, status int, message string) {
	t.Helper()
	var ghErr *github.ErrorResponse
	if !errors.As(err, &ghErr) {
		t.Fatalf("error %v, want GitHub's %d", err, status)
	}
	if ghErr.Response.StatusCode != status || !strings.Contains(ghErr.Message, message) {
		t.Errorf("got %d %q, want %d %q", ghErr.Response.StatusCode, ghErr.Message, status, message)
	}
}

func TestPullRequestFollowsItsLife(t *testing.T) {
	f, gh, repo := setup(t, githubfake.Options{})
	ctx := context.Background()
	openFeature(f, repo)

	pr, _, err := gh.PullRequests.Get(ctx, owner, name, 7)
	if err != nil {
		t.Fatal(err)
	}
	cloneURL := (&url.URL{Scheme: "file", Path: repo.dir}).String()
	if pr.GetNumber() != 7 || pr.GetState() != "open" || pr.GetMerged() || !pr.GetMergeable() ||
		pr.GetTitle() != "Grow dev" || pr.GetUser().GetLogin() != "alice" ||
		pr.GetHTMLURL() != "https://github.com/acme/infra/pull/7" {
		t.Errorf("pull request %+v", pr)
	}
	if h := pr.GetHead(); h.GetSHA() != repo.head || h.GetRef() != "feature" || h.GetRepo().GetFullName() != "acme/infra" ||
		h.GetRepo().GetCloneURL() != cloneURL {
		t.Errorf("head %+v, want feature at %s in %s", h, repo.head, cloneURL)
	}
	if b := pr.GetBase(); b.GetRef() != "main" || b.GetSHA() != repo.base || b.GetRepo().GetCloneURL() != cloneURL ||
		b.GetRepo().GetOwner().GetLogin() != owner || b.GetRepo().GetDefaultBranch() != "main" {
		t.Errorf("base %+v, want main at %s", b, repo.base)
	}
	if pr.GetChangedFiles() != 3 || pr.GetCommits() != 1 {
		t.Errorf("changed files %d, commits %d, want 3 and 1", pr.GetChangedFiles(), pr.GetCommits())
	}
	if got := gitOut(t, repo.dir, "rev-parse", "refs/pull/7/head"); got != repo.head {
		t.Errorf("refs/pull/7/head = %s, want %s", got, repo.head)
	}

	f.SetMergeable(owner, name, 7, false)
	next := repo.commit(t, repo.head, map[string]string{"envs/dev/extra.tf": "locals {}\n"})
	f.Push(owner, name, 7, next, []string{"envs/dev/main.tf", "envs/dev/extra.tf"})
	pr, _, err = gh.PullRequests.Get(ctx, owner, name, 7)
	if err != nil {
		t.Fatal(err)
	}
	if pr.GetHead().GetSHA() != next || pr.GetMergeable() || pr.GetMergeableState() != "dirty" || pr.GetCommits() != 2 {
		t.Errorf("after a push and a conflict: head %s mergeable %v (%s), %d commits",
			pr.GetHead().GetSHA(), pr.GetMergeable(), pr.GetMergeableState(), pr.GetCommits())
	}
	if got := gitOut(t, repo.dir, "rev-parse", "refs/pull/7/head"); got != next {
		t.Errorf("refs/pull/7/head = %s after the push, want %s", got, next)
	}

	f.Merge(owner, name, 7, "bob")
	pr, _, err = gh.PullRequests.Get(ctx, owner, name, 7)
	if err != nil {
		t.Fatal(err)
	}
	if pr.GetState() != "closed" || !pr.GetMerged() || pr.GetMergedBy().GetLogin() != "bob" || pr.MergedAt == nil {
		t.Errorf("merged pull request: state %s merged %v by %q at %v", pr.GetState(), pr.GetMerged(), pr.GetMergedBy().GetLogin(), pr.MergedAt)
	}

	f.OpenPR(owner, name, githubfake.PR{Number: 8, Author: "carol", HeadRef: "feature", HeadSHA: repo.head, BaseRef: "main"})
	f.Close(owner, name, 8)
	pr, _, err = gh.PullRequests.Get(ctx, owner, name, 8)
	if err != nil {
		t.Fatal(err)
	}
	if pr.GetState() != "closed" || pr.GetMerged() || pr.ClosedAt == nil || pr.GetTitle() != "Pull request #8" {
		t.Errorf("closed pull request: state %s merged %v closed at %v title %q", pr.GetState(), pr.GetMerged(), pr.ClosedAt, pr.GetTitle())
	}

	_, _, err = gh.PullRequests.Get(ctx, owner, name, 99)
	wantStatus(t, err, http.StatusNotFound, "Not Found")
}

func TestFilesArePaginatedLikeGitHub(t *testing.T) {
	f, gh, repo := setup(t, githubfake.Options{})
	ctx := context.Background()
	openFeature(f, repo)

	files, _, err := gh.PullRequests.ListFiles(ctx, owner, name, 7, nil)
	if err != nil {
		t.Fatal(err)
	}
	type change struct {
		status             string
		additions, deletes int
	}
	got := map[string]change{}
	for _, file := range files {
		got[file.GetFilename()] = change{file.GetStatus(), file.GetAdditions(), file.GetDeletions()}
	}
	want := map[string]change{
		"envs/dev/main.tf":  {"modified", 2, 1},
		"envs/prod/main.tf": {"added", 3, 0},
		"README.md":         {"removed", 0, 1},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("files %v, want %v", got, want)
	}

	many := map[string]string{}
	var paths []string
	for i := range 150 {
		p := fmt.Sprintf("modules/m%03d/main.tf", i)
		many[p] = "locals {}\n"
		paths = append(paths, p)
	}
	big := repo.commit(t, repo.base, many)
	f.OpenPR(owner, name, githubfake.PR{Number: 9, Author: "alice", HeadRef: "big", HeadSHA: big, BaseRef: "main", Files: paths})

	var listed []string
	opts := &github.ListOptions{PerPage: 100}
	var pages []int
	for {
		page, resp, err := gh.PullRequests.ListFiles(ctx, owner, name, 9, opts)
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, len(page))
		for _, file := range page {
			listed = append(listed, file.GetFilename())
		}
		if resp.NextPage == 0 {
			break
		}
		if resp.LastPage != 2 {
			t.Errorf("last page %d with 100 a page, want 2", resp.LastPage)
		}
		opts.Page = resp.NextPage
	}
	if !slices.Equal(pages, []int{100, 50}) || !slices.Equal(listed, paths) {
		t.Errorf("pages of %v, %d files listed, want pages of 100 and 50 listing all 150 in order", pages, len(listed))
	}

	// GitHub caps per_page at 100 and defaults to 30.
	page, resp, err := gh.PullRequests.ListFiles(ctx, owner, name, 9, &github.ListOptions{PerPage: 500})
	if err != nil {
		t.Fatal(err)
	}
	if len(page) != 100 || resp.NextPage != 2 {
		t.Errorf("per_page=500 gave %d files, next page %d; want 100 and 2", len(page), resp.NextPage)
	}
	page, resp, err = gh.PullRequests.ListFiles(ctx, owner, name, 9, &github.ListOptions{Page: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(page) != 30 || resp.LastPage != 5 || resp.PrevPage != 2 || resp.FirstPage != 1 {
		t.Errorf("page 3 by default: %d files, prev %d first %d last %d; want 30, 2, 1, 5",
			len(page), resp.PrevPage, resp.FirstPage, resp.LastPage)
	}
}

func TestReviews(t *testing.T) {
	f, gh, repo := setup(t, githubfake.Options{})
	openFeature(f, repo)
	f.Approve(owner, name, 7, "bob")
	f.RequestChanges(owner, name, 7, "carol")
	// A review keeps the head it was given at.
	next := repo.commit(t, repo.head, map[string]string{"envs/dev/extra.tf": "locals {}\n"})
	f.Push(owner, name, 7, next, []string{"envs/dev/main.tf"})
	f.Approve(owner, name, 7, "carol")

	reviews, _, err := gh.PullRequests.ListReviews(context.Background(), owner, name, 7, nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range reviews {
		got = append(got, r.GetUser().GetLogin()+" "+r.GetState()+" "+r.GetCommitID())
		if r.SubmittedAt == nil {
			t.Errorf("review by %s: not submitted", r.GetUser().GetLogin())
		}
	}
	want := []string{"bob APPROVED " + repo.head, "carol CHANGES_REQUESTED " + repo.head, "carol APPROVED " + next}
	if !slices.Equal(got, want) {
		t.Errorf("reviews %q, want %q", got, want)
	}
}

func TestCompareIsRealGit(t *testing.T) {
	f, gh, repo := setup(t, githubfake.Options{})
	ctx := context.Background()
	// release starts at main and moves on under a pull request into it.
	gitOut(t, repo.dir, "branch", "release", repo.base)
	gitOut(t, repo.dir, "branch", "team/feature", repo.head)
	f.OpenPR(owner, name, githubfake.PR{Number: 9, Author: "alice", HeadRef: "feature", HeadSHA: repo.head, BaseRef: "release"})
	release := repo.commit(t, repo.base, map[string]string{"envs/dev/release.tf": "locals {}\n"})
	gitOut(t, repo.dir, "update-ref", "refs/heads/release", release)

	for _, tc := range []struct {
		base, head     string
		status         string
		ahead, behind  int
		mergeBase      string
		commits, files int
	}{
		{"main", "feature", "ahead", 1, 0, repo.base, 1, 3},
		{"feature", "main", "behind", 0, 1, repo.base, 0, 0},
		{"main", "main", "identical", 0, 0, repo.base, 0, 0},
		{repo.base, repo.head, "ahead", 1, 0, repo.base, 1, 3},
		{repo.base[:7], "team/feature", "ahead", 1, 0, repo.base, 1, 3},
		{"release", "feature", "diverged", 1, 1, repo.base, 1, 3},
		{"feature", release, "diverged", 1, 1, repo.base, 1, 1},
	} {
		cmp, _, err := gh.Repositories.CompareCommits(ctx, owner, name, tc.base, tc.head, nil)
		if err != nil {
			t.Errorf("%s...%s: %v", tc.base, tc.head, err)
			continue
		}
		if cmp.GetStatus() != tc.status || cmp.GetAheadBy() != tc.ahead || cmp.GetBehindBy() != tc.behind ||
			cmp.GetTotalCommits() != tc.commits || len(cmp.Commits) != tc.commits || len(cmp.Files) != tc.files ||
			cmp.GetMergeBaseCommit().GetSHA() != tc.mergeBase {
			t.Errorf("%s...%s: %s ahead %d behind %d, %d (%d) commits, %d files, merge base %s; want %s %d %d, %d commits, %d files, %s",
				tc.base, tc.head, cmp.GetStatus(), cmp.GetAheadBy(), cmp.GetBehindBy(), cmp.GetTotalCommits(), len(cmp.Commits),
				len(cmp.Files), cmp.GetMergeBaseCommit().GetSHA(), tc.status, tc.ahead, tc.behind, tc.commits, tc.files, tc.mergeBase)
		}
	}

	cmp, _, err := gh.Repositories.CompareCommits(ctx, owner, name, "main", "feature", nil)
	if err != nil {
		t.Fatal(err)
	}
	c := cmp.Commits[0]
	if c.GetSHA() != repo.head || c.GetCommit().GetMessage() != "feature" || c.GetCommit().GetAuthor().GetName() != "Test" ||
		len(c.Parents) != 1 || c.Parents[0].GetSHA() != repo.base || cmp.GetBaseCommit().GetSHA() != repo.base ||
		c.GetCommit().GetTree().GetSHA() != gitOut(t, repo.dir, "rev-parse", repo.head+"^{tree}") {
		t.Errorf("commit %+v of base %s", c, cmp.GetBaseCommit().GetSHA())
	}
	if cmp.GetPermalinkURL() != "https://github.com/acme/infra/compare/acme:"+repo.base+"...acme:"+repo.head {
		t.Errorf("permalink %s", cmp.GetPermalinkURL())
	}
	diverged, _, err := gh.Repositories.CompareCommits(ctx, owner, name, "release", "feature", nil)
	if err != nil {
		t.Fatal(err)
	}
	if diverged.GetBaseCommit().GetSHA() != release || diverged.GetMergeBaseCommit().GetSHA() != repo.base {
		t.Errorf("release...feature: base %s, merge base %s; want %s and %s",
			diverged.GetBaseCommit().GetSHA(), diverged.GetMergeBaseCommit().GetSHA(), release, repo.base)
	}
	files := map[string]string{}
	for _, file := range cmp.Files {
		files[file.GetFilename()] = file.GetStatus()
	}
	if want := map[string]string{"envs/dev/main.tf": "modified", "envs/prod/main.tf": "added", "README.md": "removed"}; !maps.Equal(files, want) {
		t.Errorf("files %v, want %v", files, want)
	}

	// Prism passes these unchecked (see checkSchemaJS).
	checkSchema(t, "commit-comparison",
		getRaw(t, "/repos/acme/infra/compare/main...feature"),
		getRaw(t, "/repos/acme/infra/compare/release...feature"),
		getRaw(t, "/repos/acme/infra/compare/main...main"))

	// The fake keeps the base sha of OpenPR while its branch moves on.
	pr, _, err := gh.PullRequests.Get(ctx, owner, name, 9)
	if err != nil {
		t.Fatal(err)
	}
	if pr.GetBase().GetSHA() != repo.base {
		t.Errorf("base sha %s after release moved, want %s as at opening", pr.GetBase().GetSHA(), repo.base)
	}

	tree := gitOut(t, repo.dir, "rev-parse", "main^{tree}")
	orphan := gitOut(t, repo.dir, "commit-tree", tree, "-m", "unrelated")
	for _, tc := range []struct{ base, head, message string }{
		{"main", "nope", "Not Found"},
		{"main", "main~1", "Not Found"}, // a sha or branch, not any git revision
		{"main", strings.Repeat("0", 40), "Not Found"},
		{"main", orphan, "No common ancestor between main and " + orphan},
	} {
		_, _, err := gh.Repositories.CompareCommits(ctx, owner, name, tc.base, tc.head, nil)
		wantStatus(t, err, http.StatusNotFound, tc.message)
	}
}

func TestTeamMembership(t *testing.T) {
	f, gh, _ := setup(t, githubfake.Options{})
	ctx := context.Background()
	f.AddTeamMember("acme", "infra-admins", "bob")
	f.InviteTeamMember("acme", "infra-admins", "carol")

	for user, state := range map[string]string{"Bob": "active", "carol": "pending"} {
		m, _, err := gh.Teams.GetTeamMembershipBySlug(ctx, "ACME", "infra-admins", user)
		if err != nil {
			t.Fatal(err)
		}
		if m.GetState() != state || m.GetRole() != "member" || !strings.HasSuffix(m.GetURL(), "/memberships/"+user) {
			t.Errorf("%s: %+v, want a %s member", user, m, state)
		}
	}
	for _, who := range [][2]string{{"infra-admins", "dave"}, {"nobody", "bob"}} {
		_, _, err := gh.Teams.GetTeamMembershipBySlug(ctx, "acme", who[0], who[1])
		wantStatus(t, err, http.StatusNotFound, "Not Found")
	}
}

func TestOnCallRunsBeforeTheHandler(t *testing.T) {
	f, gh, repo := setup(t, githubfake.Options{})
	ctx := context.Background()
	openFeature(f, repo)
	var (
		mu   sync.Mutex
		seen []string
	)
	f.OnCall(func(c githubfake.Call) {
		comments := len(f.Comments(owner, name, 7))
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, fmt.Sprintf("%s %s status %d, %d comments", c.Method, c.Path, c.Status, comments))
	})
	if _, _, err := gh.Issues.CreateComment(ctx, owner, name, 7, &github.IssueComment{Body: github.String("hi")}); err != nil {
		t.Fatal(err)
	}
	f.OnCall(nil)
	if _, _, err := gh.PullRequests.Get(ctx, owner, name, 7); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if want := []string{"POST /repos/acme/infra/issues/7/comments status 0, 0 comments"}; !slices.Equal(seen, want) {
		t.Errorf("hook saw %q, want %q", seen, want)
	}
	if calls := f.Calls(); len(calls) != 2 || calls[0].Status != http.StatusCreated {
		t.Errorf("calls %+v, want both recorded with their status", calls)
	}
}

func TestCommentsAndReactions(t *testing.T) {
	f, gh, repo := setup(t, githubfake.Options{BotLogin: "paved-bot[bot]"})
	ctx := context.Background()
	openFeature(f, repo)
	_, commandID := f.IssueCommentEvent(owner, name, 7, "alice", "paved plan")

	posted, resp, err := gh.Issues.CreateComment(ctx, owner, name, 7, &github.IssueComment{Body: github.String("Plan: 1 to add")})
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusCreated || posted.GetUser().GetLogin() != "paved-bot[bot]" || posted.GetUser().GetType() != "Bot" ||
		posted.GetBody() != "Plan: 1 to add" || !strings.HasPrefix(posted.GetHTMLURL(), "https://github.com/acme/infra/pull/7#issuecomment-") {
		t.Errorf("posted %d %+v", resp.StatusCode, posted)
	}
	want := []githubfake.Comment{
		{ID: commandID, User: "alice", Body: "paved plan"},
		{ID: posted.GetID(), User: "paved-bot[bot]", Body: "Plan: 1 to add"},
	}
	if got := f.Comments(owner, name, 7); !slices.Equal(got, want) {
		t.Errorf("Comments() = %+v, want %+v", got, want)
	}
	listed, _, err := gh.Issues.ListComments(ctx, owner, name, 7, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(listed) != 2 || listed[0].GetID() != commandID || listed[1].GetBody() != "Plan: 1 to add" {
		t.Errorf("listed %+v", listed)
	}
	_, _, err = gh.Issues.CreateComment(ctx, owner, name, 99, &github.IssueComment{Body: github.String("lost")})
	wantStatus(t, err, http.StatusNotFound, "Not Found")

	_, resp, err = gh.Reactions.CreateIssueCommentReaction(ctx, owner, name, commandID, "eyes")
	if err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("first reaction: %v", err)
	}
	// GitHub answers 200 for a reaction the user already gave.
	again, resp, err := gh.Reactions.CreateIssueCommentReaction(ctx, owner, name, commandID, "eyes")
	if err != nil || resp.StatusCode != http.StatusOK || again.GetContent() != "eyes" {
		t.Fatalf("repeated reaction: %d %v", resp.StatusCode, err)
	}
	if _, _, err := gh.Reactions.CreateIssueCommentReaction(ctx, owner, name, commandID, "rocket"); err != nil {
		t.Fatal(err)
	}
	wantReactions := []githubfake.Reaction{{Content: "eyes", User: "paved-bot[bot]"}, {Content: "rocket", User: "paved-bot[bot]"}}
	if got := f.Reactions(owner, name, commandID); !slices.Equal(got, wantReactions) {
		t.Errorf("Reactions() = %+v, want %+v", got, wantReactions)
	}
	_, _, err = gh.Reactions.CreateIssueCommentReaction(ctx, owner, name, 424242, "eyes")
	wantStatus(t, err, http.StatusNotFound, "Not Found")
	expectViolation(t, "Unable to match the returned status code") // GitHub documents no 404 here
}

func TestStatuses(t *testing.T) {
	f, gh, repo := setup(t, githubfake.Options{})
	ctx := context.Background()
	for _, st := range []*github.RepoStatus{
		{State: github.String("pending"), Context: github.String("paved/plan"), Description: github.String("planning")},
		{State: github.String("success"), Context: github.String("paved/plan"), Description: github.String("1 to add"),
			TargetURL: github.String("https://paved.example.com/jobs/1")},
	} {
		got, resp, err := gh.Repositories.CreateStatus(ctx, owner, name, repo.head, st)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusCreated || got.GetState() != st.GetState() || got.GetContext() != "paved/plan" ||
			got.GetCreator().GetLogin() != "paved[bot]" {
			t.Errorf("created %d %+v", resp.StatusCode, got)
		}
	}
	want := []githubfake.Status{
		{State: "pending", Context: "paved/plan", Description: "planning", Creator: "paved[bot]"},
		{State: "success", Context: "paved/plan", Description: "1 to add", TargetURL: "https://paved.example.com/jobs/1", Creator: "paved[bot]"},
	}
	if got := f.Statuses(owner, name, repo.head); !slices.Equal(got, want) {
		t.Errorf("Statuses() = %+v, want %+v", got, want)
	}

	missing := strings.Repeat("0", 40)
	_, _, err := gh.Repositories.CreateStatus(ctx, owner, name, missing, &github.RepoStatus{State: github.String("success")})
	wantStatus(t, err, http.StatusUnprocessableEntity, "No commit found for SHA: "+missing)
	expectViolation(t, "Unable to match the returned status code") // GitHub documents only 201 here
}

func TestAnnotatedTagIsRealGit(t *testing.T) {
	_, gh, repo := setup(t, githubfake.Options{})
	ctx := context.Background()
	message := "paved apply\n\nPR: #7\nApprovers: bob, carol\nSummary: +1 ~0 -0"
	when := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	tag, resp, err := gh.Git.CreateTag(ctx, owner, name, &github.Tag{
		Tag: github.String("paved/dev/default/7"), Message: github.String(message),
		Object: &github.GitObject{SHA: github.String(repo.head), Type: github.String("commit")},
		Tagger: &github.CommitAuthor{Name: github.String("paved"), Email: github.String("paved@example.com"), Date: &github.Timestamp{Time: when}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusCreated || tag.GetMessage() != message || tag.GetObject().GetSHA() != repo.head ||
		tag.GetTagger().GetDate().Unix() != when.Unix() {
		t.Errorf("created %d %+v", resp.StatusCode, tag)
	}
	if kind := gitOut(t, repo.dir, "cat-file", "-t", tag.GetSHA()); kind != "tag" {
		t.Fatalf("%s is a %s in git, want a tag", tag.GetSHA(), kind)
	}
	wantObject := fmt.Sprintf("object %s\ntype commit\ntag paved/dev/default/7\ntagger paved <paved@example.com> %d +0000\n\n%s",
		repo.head, when.Unix(), message)
	if got := gitOut(t, repo.dir, "cat-file", "-p", tag.GetSHA()); got != wantObject {
		t.Errorf("tag object:\n%s\nwant:\n%s", got, wantObject)
	}

	ref, resp, err := gh.Git.CreateRef(ctx, owner, name, &github.Reference{
		Ref: github.String("refs/tags/paved/dev/default/7"), Object: &github.GitObject{SHA: tag.SHA},
	})
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusCreated || ref.GetObject().GetType() != "tag" || ref.GetObject().GetSHA() != tag.GetSHA() {
		t.Errorf("created %d %+v", resp.StatusCode, ref)
	}
	refs := gitOut(t, repo.dir, "for-each-ref", "--format=%(objecttype) %(objectname) %(*objectname) %(refname)", "refs/tags")
	if want := fmt.Sprintf("tag %s %s refs/tags/paved/dev/default/7", tag.GetSHA(), repo.head); refs != want {
		t.Errorf("git tags:\n%s\nwant:\n%s", refs, want)
	}

	_, _, err = gh.Git.CreateRef(ctx, owner, name, &github.Reference{
		Ref: github.String("refs/tags/paved/dev/default/7"), Object: &github.GitObject{SHA: github.String(repo.base)},
	})
	wantStatus(t, err, http.StatusUnprocessableEntity, "Reference already exists")
	if got := gitOut(t, repo.dir, "rev-parse", "refs/tags/paved/dev/default/7"); got != tag.GetSHA() {
		t.Errorf("the refused ref moved to %s", got)
	}

	_, _, err = gh.Git.CreateTag(ctx, owner, name, &github.Tag{
		Tag: github.String("ghost"), Message: github.String("m"),
		Object: &github.GitObject{SHA: github.String(strings.Repeat("1", 40)), Type: github.String("commit")},
	})
	wantStatus(t, err, http.StatusUnprocessableEntity, "Object does not exist")
}

// addLabels sends the body GitHub's description requires, {"labels": [...]}.
func addLabels(t *testing.T, gh *github.Client, n int, labels ...string) []*github.Label {
	t.Helper()
	req, err := gh.NewRequest(http.MethodPost, fmt.Sprintf("repos/%s/%s/issues/%d/labels", owner, name, n),
		map[string][]string{"labels": labels})
	if err != nil {
		t.Fatal(err)
	}
	var out []*github.Label
	if _, err := gh.Do(context.Background(), req, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestLabels(t *testing.T) {
	f, gh, repo := setup(t, githubfake.Options{})
	ctx := context.Background()
	openFeature(f, repo)
	addLabels(t, gh, 7, "paved:planned")
	labels := addLabels(t, gh, 7, "paved:applied", "paved:planned")
	var names []string
	for _, l := range labels {
		names = append(names, l.GetName())
		if l.GetColor() != "ededed" {
			t.Errorf("label %s created with colour %s, want GitHub's ededed", l.GetName(), l.GetColor())
		}
	}
	want := []string{"paved:planned", "paved:applied"}
	if !slices.Equal(names, want) {
		t.Errorf("labels after adding %v", names)
	}
	if got := f.Labels(owner, name, 7); !slices.Equal(got, want) {
		t.Errorf("Labels() = %v, want %v", got, want)
	}
	pr, _, err := gh.PullRequests.Get(ctx, owner, name, 7)
	if err != nil {
		t.Fatal(err)
	}
	if len(pr.Labels) != 2 || pr.Labels[1].GetName() != "paved:applied" {
		t.Errorf("pull request labels %+v", pr.Labels)
	}

	// go-github's AddLabelsToIssue sends a bare array, which GitHub's prose
	// allows but its schema does not: Prism refuses it.
	_, _, err = gh.Issues.AddLabelsToIssue(ctx, owner, name, 7, []string{"bare"})
	wantStatus(t, err, http.StatusUnprocessableEntity, "")
	if v := gateway.Violations(); len(v) == 0 || !strings.Contains(v[0], "Request body must be object") {
		t.Errorf("violations %q, want the bare array refused", v)
	}
	gateway.Reset()
}

func TestTokenAuth(t *testing.T) {
	f, _, repo := setup(t, githubfake.Options{})
	openFeature(f, repo)
	ctx := context.Background()

	_, _, err := newClient(t, http.DefaultClient).PullRequests.Get(ctx, owner, name, 7)
	wantStatus(t, err, http.StatusUnauthorized, "Bad credentials")
	expectViolation(t, "Unable to match the returned status code") // GitHub documents no 401 here
	_, _, err = newClient(t, http.DefaultClient).WithAuthToken("ghp_wrong").PullRequests.Get(ctx, owner, name, 7)
	wantStatus(t, err, http.StatusUnauthorized, "Bad credentials")
	expectViolation(t, "Unable to match the returned status code")

	// "Bearer" works as well as "token".
	req, err := http.NewRequest(http.MethodGet, gateway.URL+"/repos/acme/infra/pulls/7", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("Bearer token: %s", resp.Status)
	}
}

func TestAppInstallationToken(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	const appID, installation = 4242, 99
	f, _, repo := setup(t, githubfake.Options{AppID: appID, AppPublicKey: &key.PublicKey, InstallationID: installation})
	openFeature(f, repo)
	ctx := context.Background()

	pemKey := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	transport := func(t *testing.T, appID, installation int64, pemKey []byte) *ghinstallation.Transport {
		t.Helper()
		tr, err := ghinstallation.New(http.DefaultTransport, appID, installation, pemKey)
		if err != nil {
			t.Fatal(err)
		}
		tr.BaseURL = gateway.URL
		return tr
	}
	app := transport(t, appID, installation, pemKey)
	pr, _, err := newClient(t, &http.Client{Transport: app}).PullRequests.Get(ctx, owner, name, 7)
	if err != nil {
		t.Fatal(err)
	}
	if pr.GetNumber() != 7 {
		t.Errorf("read pull request %d", pr.GetNumber())
	}
	issued, err := app.Token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(issued, "ghs_") {
		t.Errorf("installation token %q, want ghs_…", issued)
	}
	calls := f.Calls()
	if len(calls) != 2 || calls[0].Path != "/app/installations/99/access_tokens" || calls[0].Status != http.StatusCreated ||
		calls[1].Path != "/repos/acme/infra/pulls/7" || calls[1].Status != http.StatusOK {
		t.Errorf("calls %+v, want the token exchange, then the read", calls)
	}

	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	otherPEM := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(other)})
	for _, tc := range []struct {
		what   string
		tr     *ghinstallation.Transport
		status int
	}{
		{"another key", transport(t, appID, installation, otherPEM), http.StatusUnauthorized},
		{"another App", transport(t, appID+1, installation, pemKey), http.StatusUnauthorized},
		{"another installation", transport(t, appID, installation+1, pemKey), http.StatusNotFound},
	} {
		_, err := tc.tr.Token(ctx)
		var httpErr *ghinstallation.HTTPError
		if !errors.As(err, &httpErr) || httpErr.Response.StatusCode != tc.status {
			t.Errorf("token with %s: %v, want %d", tc.what, err, tc.status)
		}
	}
}

func TestCallsAreRecordedInOrder(t *testing.T) {
	f, gh, repo := setup(t, githubfake.Options{})
	ctx := context.Background()
	openFeature(f, repo)
	if _, _, err := gh.Issues.CreateComment(ctx, owner, name, 7, &github.IssueComment{Body: github.String("hi")}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := gh.PullRequests.ListFiles(ctx, owner, name, 7, &github.ListOptions{PerPage: 2}); err != nil {
		t.Fatal(err)
	}
	// A call GitHub has but the fake does not serve.
	_, _, err := gh.Repositories.ListBranches(ctx, owner, name, nil)
	wantStatus(t, err, http.StatusNotFound, "Not Found")

	calls := f.Calls()
	if len(calls) != 3 {
		t.Fatalf("calls %+v, want 3", calls)
	}
	var body map[string]string
	if err := json.Unmarshal(calls[0].Body, &body); err != nil || calls[0].Method != http.MethodPost ||
		calls[0].Path != "/repos/acme/infra/issues/7/comments" || body["body"] != "hi" || calls[0].Status != http.StatusCreated {
		t.Errorf("first call %+v", calls[0])
	}
	if calls[1].Method != http.MethodGet || calls[1].Query.Get("per_page") != "2" || calls[1].Body != nil || calls[1].Status != http.StatusOK {
		t.Errorf("second call %+v", calls[1])
	}
	if calls[2].Path != "/repos/acme/infra/branches" || calls[2].Status != http.StatusNotFound {
		t.Errorf("third call %+v, want the unserved one, answered 404", calls[2])
	}
}
