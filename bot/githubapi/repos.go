package githubapi

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/google/go-github/v60/github"
)

// Repository is a repository the bot can see.
type Repository struct {
	FullName      string // "owner/name"
	CloneURL      string
	DefaultBranch string
	// Installation is the App installation that sees it, for For; 0 with
	// token auth.
	Installation int64
}

// Repositories lists every repository the bot can see: as a GitHub App,
// those of each of its installations that is not suspended; with a token,
// its user's (GET /user/repos).
func (c *Clients) Repositories(ctx context.Context) ([]Repository, error) {
	if c.apps == nil {
		gh := c.For(0).gh
		repos, err := all(func(page *github.ListOptions) ([]*github.Repository, *github.Response, error) {
			return gh.Repositories.ListByAuthenticatedUser(ctx, &github.RepositoryListByAuthenticatedUserOptions{ListOptions: *page})
		})
		if err != nil {
			return nil, fmt.Errorf("list the token's repositories: %w", err)
		}
		return repositories(repos, 0), nil
	}
	app := c.app()
	installations, err := all(func(page *github.ListOptions) ([]*github.Installation, *github.Response, error) {
		return app.Apps.ListInstallations(ctx, page)
	})
	if err != nil {
		return nil, fmt.Errorf("list installations of GitHub App %d: %w", c.auth.AppID, err)
	}
	var out []Repository
	for _, inst := range installations {
		// A suspended installation gets no token.
		if inst.SuspendedAt != nil {
			continue
		}
		gh := c.For(inst.GetID()).gh
		repos, err := all(func(page *github.ListOptions) ([]*github.Repository, *github.Response, error) {
			list, resp, err := gh.Apps.ListRepos(ctx, page)
			if err != nil {
				return nil, resp, err
			}
			return list.Repositories, resp, nil
		})
		if err != nil {
			return nil, fmt.Errorf("list repositories of installation %d: %w", inst.GetID(), err)
		}
		out = append(out, repositories(repos, inst.GetID())...)
	}
	return out, nil
}

// app is a client that authenticates as the App itself, with its JWT: the
// App's own endpoints take nothing else.
func (c *Clients) app() *github.Client {
	retry := c.backoff
	retry.next = c.apps
	gh := github.NewClient(&http.Client{Transport: &retry, Timeout: time.Minute})
	gh.BaseURL, gh.UploadURL = c.base, c.base
	return gh
}

func repositories(repos []*github.Repository, installation int64) []Repository {
	out := make([]Repository, len(repos))
	for i, r := range repos {
		out[i] = Repository{
			FullName: r.GetFullName(), CloneURL: r.GetCloneURL(), DefaultBranch: r.GetDefaultBranch(), Installation: installation,
		}
	}
	return out
}
