// Package githubapi is the bot's narrow view of the GitHub REST API: the
// handful of calls a plan or apply needs, authenticated as a GitHub App
// installation or with a token, on github.com or GitHub Enterprise Server.
package githubapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/bradleyfalzon/ghinstallation/v2"
	"github.com/google/go-github/v60/github"
)

// Auth is how the bot authenticates: a GitHub App (id and private key) or a
// token. Exactly one is set.
type Auth struct {
	AppID  int64
	AppKey []byte // PEM
	Token  string
}

// Endpoint says where GitHub is.
type Endpoint struct {
	// Hostname is github.com or a GitHub Enterprise Server host.
	Hostname string
	// APIURL overrides the API base derived from Hostname
	// (https://api.github.com/ or https://HOST/api/v3/).
	APIURL string
}

// BaseURL is the API root for the endpoint, with a trailing slash.
func (e Endpoint) BaseURL() (*url.URL, error) {
	raw := e.APIURL
	switch {
	case raw != "":
	case e.Hostname == "" || e.Hostname == "github.com":
		raw = "https://api.github.com/"
	default:
		raw = "https://" + e.Hostname + "/api/v3/"
	}
	if !strings.HasSuffix(raw, "/") {
		raw += "/"
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, fmt.Errorf("GitHub API URL %q: want http(s)://host/path", raw)
	}
	return u, nil
}

// Clients hands out one API client per installation. http.DefaultTransport
// trusts the system roots, which include SSL_CERT_FILE.
type Clients struct {
	auth Auth
	base *url.URL
	apps *ghinstallation.AppsTransport
	// backoff is the rate-limit handling each client's transport gets,
	// next left to fill in.
	backoff backoff
	// transport carries every request to GitHub, the installation tokens'
	// too, and tells Observe of each.
	transport http.RoundTripper

	// Observe, when set, is told of every request made to GitHub: its
	// method, its path below the API root ("/repos/acme/infra/pulls/1"),
	// GitHub's status, 0 when the request got no answer, and the
	// X-RateLimit-Remaining of the answer, -1 without one. Each retry
	// after a rate limit is a request of its own, and so is each request
	// for an installation token. Set it before the first For; it is called
	// on the request's goroutine and must return quickly.
	Observe func(method, path string, status, remaining int)

	mu    sync.Mutex
	cache map[int64]*Client
}

// NewClients checks the credentials and the endpoint.
func NewClients(auth Auth, ep Endpoint) (*Clients, error) {
	base, err := ep.BaseURL()
	if err != nil {
		return nil, err
	}
	c := &Clients{auth: auth, base: base, cache: map[int64]*Client{}, backoff: backoff{now: time.Now, sleep: sleep}}
	c.transport = &observed{next: http.DefaultTransport, clients: c, root: strings.TrimSuffix(base.Path, "/")}
	switch {
	case auth.Token != "" && auth.AppID != 0:
		return nil, errors.New("GitHub auth: give either a token or an App id and key, not both")
	case auth.Token != "":
	case auth.AppID != 0:
		apps, err := ghinstallation.NewAppsTransport(c.transport, auth.AppID, auth.AppKey)
		if err != nil {
			return nil, fmt.Errorf("GitHub App %d private key: %w", auth.AppID, err)
		}
		apps.BaseURL = strings.TrimSuffix(base.String(), "/")
		c.apps = apps
	default:
		return nil, errors.New("GitHub auth: a token or an App id and private key is required")
	}
	return c, nil
}

// For returns the client acting for an installation (the id from the
// webhook payload; ignored with token auth).
func (c *Clients) For(installation int64) *Client {
	if c.apps == nil {
		installation = 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if cl, ok := c.cache[installation]; ok {
		return cl
	}
	var token func(context.Context) (string, error)
	retry := c.backoff
	if c.apps != nil {
		tr := ghinstallation.NewFromAppsTransport(c.apps, installation)
		retry.next = tr
		token = tr.Token
	} else {
		static := c.auth.Token
		retry.next = c.transport
		token = func(context.Context) (string, error) { return static, nil }
	}
	// The timeout bounds the rate-limit waits too: backoff sees it as the
	// request's deadline.
	hc := &http.Client{Transport: &retry, Timeout: time.Minute}
	gh := github.NewClient(hc)
	if c.apps == nil {
		gh = gh.WithAuthToken(c.auth.Token)
	}
	gh.BaseURL = c.base
	gh.UploadURL = c.base
	cl := &Client{gh: gh, token: token}
	c.cache[installation] = cl
	return cl
}

// Client performs the bot's calls for one installation.
type Client struct {
	gh    *github.Client
	token func(context.Context) (string, error)
}

// Token returns a token for git over HTTPS.
func (c *Client) Token(ctx context.Context) (string, error) {
	t, err := c.token(ctx)
	if err != nil {
		return "", fmt.Errorf("GitHub installation token: %w", err)
	}
	return t, nil
}

// PullRequest is what the bot needs to know about a pull request. GitHub
// sets BaseSHA to the base branch's tip when the pull request opens and on
// each push to its head; the branch may have moved since, so Compare with
// BaseRef for where it is now.
type PullRequest struct {
	Number  int
	URL     string // html
	Author  string
	HeadSHA string
	HeadRef string
	BaseRef string
	// DefaultBranch is the repository's: where the apply gates and
	// rollback targets come from, whatever branch a pull request targets.
	DefaultBranch string
	BaseSHA       string // as of the latest push to the head; see above
	CloneURL      string // of the base repository
	Open          bool
	Merged        bool
	Fork          bool  // the head branch lives in another repository
	Mergeable     *bool // nil while GitHub is still computing it
	Opened        time.Time
	MergedBy      string // who merged it, once merged
}

// PullRequest reads a pull request.
func (c *Client) PullRequest(ctx context.Context, repo string, n int) (PullRequest, error) {
	owner, name := split(repo)
	pr, _, err := c.gh.PullRequests.Get(ctx, owner, name, n)
	if err != nil {
		return PullRequest{}, fmt.Errorf("get pull request %s#%d: %w", repo, n, err)
	}
	return PullRequest{
		Number:        pr.GetNumber(),
		URL:           pr.GetHTMLURL(),
		Author:        pr.GetUser().GetLogin(),
		HeadSHA:       pr.GetHead().GetSHA(),
		HeadRef:       pr.GetHead().GetRef(),
		BaseRef:       pr.GetBase().GetRef(),
		DefaultBranch: pr.GetBase().GetRepo().GetDefaultBranch(),
		BaseSHA:       pr.GetBase().GetSHA(),
		Opened:        pr.GetCreatedAt().Time,
		MergedBy:      pr.GetMergedBy().GetLogin(),
		CloneURL:      pr.GetBase().GetRepo().GetCloneURL(),
		Open:          pr.GetState() == "open",
		Fork:          IsFork(pr),
		Merged:        pr.GetMerged(),
		Mergeable:     pr.Mergeable,
	}, nil
}

// IsFork reports whether a pull request's head branch lives in another
// repository than its base.
func IsFork(pr *github.PullRequest) bool {
	head, base := pr.GetHead().GetRepo().GetFullName(), pr.GetBase().GetRepo().GetFullName()
	return head != "" && !strings.EqualFold(head, base)
}

// ChangedFiles lists the paths a pull request touches (both sides of a rename).
func (c *Client) ChangedFiles(ctx context.Context, repo string, n int) ([]string, error) {
	owner, name := split(repo)
	files, err := all(func(opts *github.ListOptions) ([]*github.CommitFile, *github.Response, error) {
		return c.gh.PullRequests.ListFiles(ctx, owner, name, n, opts)
	})
	if err != nil {
		return nil, fmt.Errorf("list files of %s#%d: %w", repo, n, err)
	}
	var paths []string
	for _, f := range files {
		paths = append(paths, f.GetFilename())
		if prev := f.GetPreviousFilename(); prev != "" {
			paths = append(paths, prev)
		}
	}
	return paths, nil
}

// all collects every page of a list call, 100 items a page.
func all[T any](list func(*github.ListOptions) ([]T, *github.Response, error)) ([]T, error) {
	var items []T
	opts := &github.ListOptions{PerPage: 100}
	for {
		page, resp, err := list(opts)
		if err != nil {
			return nil, err
		}
		items = append(items, page...)
		if resp.NextPage == 0 {
			return items, nil
		}
		opts.Page = resp.NextPage
	}
}

// Approvers lists the users whose latest review approves the pull request
// at headSHA, leaving out its author. A user's latest approving or
// change-requesting review decides (comments leave the verdict as it was),
// and an approval given at an earlier head does not carry over to commits
// pushed since.
func (c *Client) Approvers(ctx context.Context, repo string, n int, author, headSHA string) ([]string, error) {
	if headSHA == "" {
		// It would match reviews that name no commit.
		return nil, fmt.Errorf("approvers of %s#%d: no head commit given", repo, n)
	}
	owner, name := split(repo)
	reviews, err := all(func(opts *github.ListOptions) ([]*github.PullRequestReview, *github.Response, error) {
		return c.gh.PullRequests.ListReviews(ctx, owner, name, n, opts)
	})
	if err != nil {
		return nil, fmt.Errorf("list reviews of %s#%d: %w", repo, n, err)
	}
	// GitHub lists reviews oldest first.
	latest := map[string]*github.PullRequestReview{}
	var order []string
	for _, r := range reviews {
		user, state := r.GetUser().GetLogin(), r.GetState()
		if user == "" || strings.EqualFold(user, author) || state == "COMMENTED" || state == "PENDING" {
			continue
		}
		if _, seen := latest[user]; !seen {
			order = append(order, user)
		}
		latest[user] = r
	}
	var approvers []string
	for _, u := range order {
		if r := latest[u]; r.GetState() == "APPROVED" && r.GetCommitID() == headSHA {
			approvers = append(approvers, u)
		}
	}
	return approvers, nil
}

// Comparison is how head relates to base in history, as GitHub works it out
// from their merge base. Head contains base when BehindBy is 0, and base
// contains head when AheadBy is 0.
type Comparison struct {
	// Status is "identical", "ahead" (head has commits base lacks and not
	// the other way round), "behind" or "diverged".
	Status   string
	AheadBy  int // commits in head and not in base
	BehindBy int // commits in base and not in head
}

// Compare compares two commits of a repository, each given as a branch name
// or a commit sha; an unknown one is an error (GitHub's 404).
func (c *Client) Compare(ctx context.Context, repo, base, head string) (Comparison, error) {
	owner, name := split(repo)
	cmp, _, err := c.gh.Repositories.CompareCommits(ctx, owner, name, base, head, nil)
	if err != nil {
		return Comparison{}, fmt.Errorf("compare %s...%s in %s: %w", base, head, repo, err)
	}
	return Comparison{Status: cmp.GetStatus(), AheadBy: cmp.GetAheadBy(), BehindBy: cmp.GetBehindBy()}, nil
}

// TeamMember reports whether user is an active member of the team with slug
// team in org (members of its child teams count, as GitHub counts them). A
// pending invitation is not membership, nor is GitHub's 404, which it also
// answers for a team that does not exist. A GitHub App needs the
// organization's Members read permission for this call; without it GitHub
// refuses the call, and that is an error.
func (c *Client) TeamMember(ctx context.Context, org, team, user string) (bool, error) {
	m, resp, err := c.gh.Teams.GetTeamMembershipBySlug(ctx, org, team, user)
	if err != nil {
		if resp != nil && resp.StatusCode == http.StatusNotFound {
			return false, nil
		}
		return false, fmt.Errorf("membership of %s in team %s/%s: %w", user, org, team, err)
	}
	return m.GetState() == "active", nil
}

// Permission is a user's access to a repository as GitHub reports it:
// "admin", "write", "read" or "none" (maintain and triage map onto write and
// read).
func (c *Client) Permission(ctx context.Context, repo, user string) (string, error) {
	owner, name := split(repo)
	p, _, err := c.gh.Repositories.GetPermissionLevel(ctx, owner, name, user)
	if err != nil {
		return "", fmt.Errorf("permission of %s in %s: %w", user, repo, err)
	}
	return p.GetPermission(), nil
}

// Comment posts a comment on a pull request.
func (c *Client) Comment(ctx context.Context, repo string, n int, body string) error {
	owner, name := split(repo)
	if _, _, err := c.gh.Issues.CreateComment(ctx, owner, name, n, &github.IssueComment{Body: &body}); err != nil {
		return fmt.Errorf("comment on %s#%d: %w", repo, n, err)
	}
	return nil
}

// Comments lists the bodies of a pull request's comments, oldest first.
func (c *Client) Comments(ctx context.Context, repo string, n int) ([]string, error) {
	owner, name := split(repo)
	comments, err := all(func(opts *github.ListOptions) ([]*github.IssueComment, *github.Response, error) {
		return c.gh.Issues.ListComments(ctx, owner, name, n, &github.IssueListCommentsOptions{ListOptions: *opts})
	})
	if err != nil {
		return nil, fmt.Errorf("list comments of %s#%d: %w", repo, n, err)
	}
	bodies := make([]string, len(comments))
	for i, cm := range comments {
		bodies[i] = cm.GetBody()
	}
	return bodies, nil
}

// React adds a reaction ("eyes", "+1", "-1", "rocket", "confused") to a comment.
func (c *Client) React(ctx context.Context, repo string, commentID int64, reaction string) error {
	owner, name := split(repo)
	if _, _, err := c.gh.Reactions.CreateIssueCommentReaction(ctx, owner, name, commentID, reaction); err != nil {
		return fmt.Errorf("react to comment %d in %s: %w", commentID, repo, err)
	}
	return nil
}

// Status sets a commit status; description is cut to GitHub's 140 characters.
func (c *Client) Status(ctx context.Context, repo, sha, statusContext, state, description, targetURL string) error {
	owner, name := split(repo)
	if r := []rune(description); len(r) > 140 {
		description = string(r[:139]) + "…"
	}
	st := &github.RepoStatus{State: &state, Context: &statusContext, Description: &description}
	if targetURL != "" {
		st.TargetURL = &targetURL
	}
	if _, _, err := c.gh.Repositories.CreateStatus(ctx, owner, name, sha, st); err != nil {
		return fmt.Errorf("set status %s on %s@%.12s: %w", statusContext, repo, sha, err)
	}
	return nil
}

// AddLabels adds labels to a pull request in one call.
func (c *Client) AddLabels(ctx context.Context, repo string, n int, labels []string) error {
	// go-github sends a bare array, which GitHub accepts but its published
	// description does not; the documented form is an object.
	req, err := c.gh.NewRequest(http.MethodPost, fmt.Sprintf("repos/%s/issues/%d/labels", repo, n), map[string][]string{"labels": labels})
	if err == nil {
		_, err = c.gh.Do(ctx, req, nil)
	}
	if err != nil {
		return fmt.Errorf("label %s#%d: %w", repo, n, err)
	}
	return nil
}

func split(repo string) (owner, name string) {
	owner, name, _ = strings.Cut(repo, "/")
	return owner, name
}
