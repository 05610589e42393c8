package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// gitHub is what the page asks GitHub as the viewer: the OAuth web flow
// on the web host, then who the viewer is and what they may do in a
// repository through the API, with the viewer's own token.
type gitHub struct {
	webURL       string // https://github.com or https://HOST, no trailing slash
	apiURL       string // with a trailing slash
	clientID     string
	clientSecret string
	http         *http.Client
}

// errBadToken is GitHub refusing the viewer's token (expired, revoked): the
// viewer must log in again.
var errBadToken = errors.New("GitHub refused the login's token")

// errNoRepo is GitHub's 404: the repository does not exist or the viewer
// cannot see it, which GitHub does not tell apart.
var errNoRepo = errors.New("no such repository for this viewer")

func (g *gitHub) authorizeURL(redirect, state string) string {
	q := url.Values{"client_id": {g.clientID}, "redirect_uri": {redirect}, "state": {state}, "allow_signup": {"false"}}
	return g.webURL + "/login/oauth/authorize?" + q.Encode()
}

// exchange trades the code GitHub sent the browser back with for the
// viewer's token.
func (g *gitHub) exchange(ctx context.Context, code, redirect string) (string, error) {
	form := url.Values{"client_id": {g.clientID}, "client_secret": {g.clientSecret}, "code": {code}, "redirect_uri": {redirect}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, g.webURL+"/login/oauth/access_token", strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := g.http.Do(req)
	if err != nil {
		return "", fmt.Errorf("GitHub login: %w", err)
	}
	defer resp.Body.Close()
	var out struct {
		AccessToken string `json:"access_token"`
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GitHub login: token exchange answered %s", resp.Status)
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<16)).Decode(&out); err != nil {
		return "", fmt.Errorf("GitHub login: token exchange: %w", err)
	}
	if out.Error != "" || out.AccessToken == "" {
		return "", fmt.Errorf("GitHub login refused: %s %s", out.Error, out.Description)
	}
	return out.AccessToken, nil
}

// get reads an API path as the viewer into v.
func (g *gitHub) get(ctx context.Context, token, path string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, g.apiURL+strings.TrimPrefix(path, "/"), nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "application/vnd.github+json")
	req.Header.Set("X-GitHub-Api-Version", "2022-11-28")
	resp, err := g.http.Do(req)
	if err != nil {
		return fmt.Errorf("GitHub: %w", err)
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
		return json.NewDecoder(io.LimitReader(resp.Body, 4<<20)).Decode(v)
	case http.StatusUnauthorized:
		return errBadToken
	case http.StatusNotFound, http.StatusForbidden:
		// 403 is what GitHub answers a token whose App lacks access.
		return errNoRepo
	default:
		return fmt.Errorf("GitHub: GET %s answered %s", path, resp.Status)
	}
}

func (g *gitHub) user(ctx context.Context, token string) (string, error) {
	var u struct {
		Login string `json:"login"`
	}
	if err := g.get(ctx, token, "user", &u); err != nil {
		return "", err
	}
	if u.Login == "" {
		return "", errors.New("GitHub: GET /user named nobody")
	}
	return u.Login, nil
}

// access is what a viewer may do in a repository.
type access struct {
	read, write bool
}

func (g *gitHub) access(ctx context.Context, token, repo string) (access, error) {
	var r struct {
		FullName    string          `json:"full_name"`
		Permissions map[string]bool `json:"permissions"`
	}
	err := g.get(ctx, token, "repos/"+repo, &r)
	switch {
	case errors.Is(err, errNoRepo):
		return access{}, nil
	case err != nil:
		return access{}, err
	}
	p := r.Permissions
	return access{read: true, write: p["push"] || p["maintain"] || p["admin"]}, nil
}

// accessCache keeps GitHub's answers for a while per viewer and
// repository, so that a page of twenty repositories is not twenty calls
// each time it loads.
type accessCache struct {
	ttl time.Duration
	now func() time.Time

	mu      sync.Mutex
	entries map[string]cachedAccess
}

type cachedAccess struct {
	access
	at time.Time
}

// maxCached bounds the cache; past it, expired answers are dropped.
const maxCached = 50_000

func (c *accessCache) get(login, repo string) (access, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[strings.ToLower(login+"\x00"+repo)]
	if !ok || c.now().Sub(e.at) >= c.ttl {
		return access{}, false
	}
	return e.access, true
}

func (c *accessCache) put(login, repo string, a access) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil {
		c.entries = map[string]cachedAccess{}
	}
	now := c.now()
	if len(c.entries) >= maxCached {
		for k, e := range c.entries {
			if now.Sub(e.at) >= c.ttl {
				delete(c.entries, k)
			}
		}
	}
	if len(c.entries) < maxCached {
		c.entries[strings.ToLower(login+"\x00"+repo)] = cachedAccess{access: a, at: now}
	}
}
