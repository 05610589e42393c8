// Package web is paved-bot's operator page: the repositories a viewer can
// read on GitHub, each with its projects' locks and lock queues, the
// commands that run, wait and ran (with their logs, streamed while they
// run), each project's deploy history, and an unlock button for those who
// may push. Viewers log in with GitHub's OAuth web flow; what they see is
// what GitHub says their own token may read. Pages are server-rendered
// html/template with a little plain JavaScript for the live log and the
// unlock confirmation, and work without it.
package web

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/paved-road/paved/bot/audit"
	"github.com/paved-road/paved/bot/drift"
	"github.com/paved-road/paved/bot/history"
	"github.com/paved-road/paved/bot/locks"
	"github.com/paved-road/paved/bot/workflow"
)

// Bot is what the page reads and does: *workflow.Bot.
type Bot interface {
	Commands() ([]workflow.CommandView, error)
	JobLog(id string) (text []byte, running bool, err error)
	Repos() ([]workflow.RepoView, error)
	Recent(repo string, n int) ([]audit.Entry, error)
	History(ctx context.Context, repo, project string) ([]history.Record, error)
	Locks() ([]locks.Lock, error)
	Queues() ([]locks.Queue, error)
	ReleaseLockBy(k locks.Key, who string) (locks.Lock, error)
	// DriftResults is the latest drift check of every project checked.
	DriftResults() ([]drift.Result, error)
}

// Config configures the page. Bot, ClientID, ClientSecret, URL, GitHubURL,
// APIURL and SessionKey are required.
type Config struct {
	Bot Bot
	// ClientID and ClientSecret are the GitHub App's (or OAuth App's)
	// client credentials for the web flow.
	ClientID, ClientSecret string
	// URL is the page's public base URL, scheme://host[:port]: GitHub sends
	// the browser back to URL/login/callback.
	URL string
	// GitHubURL is GitHub's web host, https://github.com or https://HOST,
	// where the browser logs in and the code is exchanged for a token.
	GitHubURL string
	// APIURL is the REST API root the viewer's token is used on.
	APIURL string
	// SessionKey seals the cookies (SessionKey derives it); every replica
	// behind one URL must have the same.
	SessionKey []byte
	// InsecureCookies drops the Secure flag (and the __Host- prefix), for a
	// page served over plain http://localhost.
	InsecureCookies bool
	// Secrets are masked in logs shown, again, whatever the bot masked.
	Secrets []string
	// HTTPClient carries the calls to GitHub; default one with a timeout.
	HTTPClient *http.Client
	Log        *slog.Logger
	// AccessTTL is how long GitHub's answer to "may this viewer read or push
	// to this repository" is reused (DefaultAccessTTL).
	AccessTTL time.Duration
	// Poll is how often a streamed log is read again (DefaultPoll).
	Poll time.Duration
	Now  func() time.Time
}

// Defaults.
const (
	DefaultAccessTTL = 60 * time.Second
	DefaultPoll      = 500 * time.Millisecond
)

// Handler serves the page. Mount it at "/" beside /events, /healthz and
// /metrics: it answers every other path.
type Handler struct {
	c        Config
	gh       *gitHub
	cache    accessCache
	ck       cookies
	origin   string // of URL, for the Origin check on forms
	callback string
	pages    map[string]*template.Template
	mux      *http.ServeMux

	closing   chan struct{} // closed by Close: streams end
	closeOnce sync.Once
}

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static
var staticFiles embed.FS

// New checks the configuration and builds the handler.
func New(c Config) (*Handler, error) {
	var problems []error
	if c.Bot == nil {
		problems = append(problems, errors.New("no bot"))
	}
	if c.ClientID == "" || c.ClientSecret == "" {
		problems = append(problems, errors.New("the OAuth client id and secret are both required"))
	}
	base, err := url.Parse(c.URL)
	if err != nil || (base.Scheme != "https" && base.Scheme != "http") || base.Host == "" ||
		strings.TrimSuffix(base.Path, "/") != "" || base.RawQuery != "" || base.User != nil {
		problems = append(problems, fmt.Errorf("page URL %q: want http(s)://HOST[:PORT] with no path", c.URL))
	} else if base.Scheme == "http" && !c.InsecureCookies {
		problems = append(problems, fmt.Errorf("page URL %q is plain http: its cookies would need the Secure flag dropped (insecure cookies)", c.URL))
	}
	if gh, err := url.Parse(c.GitHubURL); err != nil || (gh.Scheme != "https" && gh.Scheme != "http") || gh.Host == "" {
		problems = append(problems, fmt.Errorf("GitHub URL %q: want https://HOST", c.GitHubURL))
	}
	if api, err := url.Parse(c.APIURL); err != nil || (api.Scheme != "https" && api.Scheme != "http") || api.Host == "" {
		problems = append(problems, fmt.Errorf("GitHub API URL %q: want https://HOST/PATH", c.APIURL))
	}
	seal, err := newSealer(c.SessionKey)
	if err != nil {
		problems = append(problems, fmt.Errorf("session key: %w", err))
	}
	if err := errors.Join(problems...); err != nil {
		return nil, err
	}
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{Timeout: 20 * time.Second}
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	if c.AccessTTL == 0 {
		c.AccessTTL = DefaultAccessTTL
	}
	if c.Poll == 0 {
		c.Poll = DefaultPoll
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	h := &Handler{
		c: c,
		gh: &gitHub{
			webURL: strings.TrimSuffix(c.GitHubURL, "/"), apiURL: strings.TrimSuffix(c.APIURL, "/") + "/",
			clientID: c.ClientID, clientSecret: c.ClientSecret, http: c.HTTPClient,
		},
		cache:    accessCache{ttl: c.AccessTTL, now: c.Now},
		ck:       cookies{insecure: c.InsecureCookies, seal: seal},
		origin:   base.Scheme + "://" + base.Host,
		callback: base.Scheme + "://" + base.Host + "/login/callback",
		closing:  make(chan struct{}),
	}
	if h.pages, err = parsePages(); err != nil {
		return nil, err
	}
	h.routes()
	return h, nil
}

// Close ends the log streams, so that a server shutting down is not kept
// waiting by them.
func (h *Handler) Close() { h.closeOnce.Do(func() { close(h.closing) }) }

func (h *Handler) routes() {
	m := http.NewServeMux()
	static, _ := fs.Sub(staticFiles, "static")
	m.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	m.HandleFunc("GET /login", h.login)
	m.HandleFunc("GET /login/callback", h.loginCallback)
	m.HandleFunc("POST /logout", h.authed(h.logout))
	m.HandleFunc("GET /{$}", h.authed(h.reposPage))
	m.HandleFunc("GET /repos/{owner}/{name}", h.authed(h.repoPage))
	m.HandleFunc("GET /repos/{owner}/{name}/history", h.authed(h.historyPage))
	m.HandleFunc("GET /repos/{owner}/{name}/stats", h.authed(h.statsPage))
	m.HandleFunc("GET /repos/{owner}/{name}/jobs/{id}", h.authed(h.jobPage))
	m.HandleFunc("GET /repos/{owner}/{name}/jobs/{id}/events", h.authed(h.jobEvents))
	m.HandleFunc("GET /repos/{owner}/{name}/unlock", h.authed(h.unlock))
	m.HandleFunc("POST /repos/{owner}/{name}/unlock", h.authed(h.unlock))
	m.HandleFunc("/", h.authed(func(w http.ResponseWriter, r *http.Request, v *viewer) {
		h.fail(w, r, v, http.StatusNotFound, "There is no such page.")
	}))
	h.mux = m
}

// ServeHTTP answers with the page's security headers on every response.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Referrer-Policy", "same-origin")
	if !h.c.InsecureCookies {
		hd.Set("Strict-Transport-Security", "max-age=31536000")
	}
	h.mux.ServeHTTP(w, r)
}

// viewer is the person logged in.
type viewer struct {
	session
}

// authed lets through requests with a valid session; others are sent to
// log in (and back here after). Forms must carry the session's CSRF token
// and, when the browser says where they come from, come from this page.
func (h *Handler) authed(next func(http.ResponseWriter, *http.Request, *viewer)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		var s session
		if !h.ck.get(r, sessionCookie, &s) || h.c.Now().Unix() >= s.Expires || s.Login == "" {
			if r.Method != http.MethodGet && r.Method != http.MethodHead {
				h.fail(w, r, nil, http.StatusForbidden, "You are not logged in, or your login expired: log in and try again.")
				return
			}
			http.Redirect(w, r, "/login?"+url.Values{"next": {r.URL.RequestURI()}}.Encode(), http.StatusSeeOther)
			return
		}
		v := &viewer{session: s}
		if r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(w, r.Body, 1<<16)
			if origin := r.Header.Get("Origin"); origin != "" && origin != h.origin {
				h.fail(w, r, v, http.StatusForbidden, "This form was sent from another site.")
				return
			}
			if err := r.ParseForm(); err != nil || !sameToken(r.PostForm.Get("csrf"), s.CSRF) {
				h.fail(w, r, v, http.StatusForbidden, "The form's security token is missing or wrong: reload the page and try again.")
				return
			}
		}
		next(w, r, v)
	}
}

// login sends the browser to GitHub with a fresh state, kept in a cookie
// to check against what GitHub sends back.
func (h *Handler) login(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	next := safeNext(r.URL.Query().Get("next"))
	var s session
	if h.ck.get(r, sessionCookie, &s) && h.c.Now().Unix() < s.Expires {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	state := randomToken()
	p := pendingLogin{State: state, Next: next, Expires: h.c.Now().Add(loginTTL).Unix()}
	if err := h.ck.set(w, loginCookie, p, loginTTL); err != nil {
		h.fail(w, r, nil, http.StatusInternalServerError, "Could not start the login.")
		return
	}
	http.Redirect(w, r, h.gh.authorizeURL(h.callback, state), http.StatusSeeOther)
}

// loginCallback is where GitHub sends the browser back: the state must be
// the one this browser left with; the code becomes the viewer's token.
func (h *Handler) loginCallback(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	q := r.URL.Query()
	var p pendingLogin
	ok := h.ck.get(r, loginCookie, &p)
	h.ck.clear(w, loginCookie)
	switch {
	case !ok || h.c.Now().Unix() >= p.Expires:
		h.fail(w, r, nil, http.StatusForbidden, "This login was not started here, or took too long: log in again.")
		return
	case !sameToken(q.Get("state"), p.State):
		h.fail(w, r, nil, http.StatusForbidden, "The login's state does not match the one this browser started with: log in again.")
		return
	case q.Get("error") != "":
		h.fail(w, r, nil, http.StatusForbidden, "GitHub did not log you in: "+q.Get("error")+".")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 30*time.Second)
	defer cancel()
	token, err := h.gh.exchange(ctx, q.Get("code"), h.callback)
	var login string
	if err == nil {
		login, err = h.gh.user(ctx, token)
	}
	if err != nil {
		h.c.Log.Warn("web login failed", "err", err)
		h.fail(w, r, nil, http.StatusBadGateway, "GitHub did not confirm the login. Log in again.")
		return
	}
	s := session{Login: login, Token: token, CSRF: randomToken(), Expires: h.c.Now().Add(sessionTTL).Unix()}
	if err := h.ck.set(w, sessionCookie, s, sessionTTL); err != nil {
		h.fail(w, r, nil, http.StatusInternalServerError, "Could not keep the login.")
		return
	}
	h.c.Log.Info("web login", "user", login)
	http.Redirect(w, r, safeNext(p.Next), http.StatusSeeOther)
}

func (h *Handler) logout(w http.ResponseWriter, r *http.Request, _ *viewer) {
	h.ck.clear(w, sessionCookie)
	h.render(w, r, nil, http.StatusOK, "signedout", "Logged out", nil)
}

// relogin is the answer when GitHub refuses the viewer's token.
func (h *Handler) relogin(w http.ResponseWriter, r *http.Request) {
	h.ck.clear(w, sessionCookie)
	if r.Method == http.MethodGet {
		http.Redirect(w, r, "/login?"+url.Values{"next": {r.URL.RequestURI()}}.Encode(), http.StatusSeeOther)
		return
	}
	h.fail(w, r, nil, http.StatusForbidden, "GitHub no longer accepts your login: log in again.")
}

// access is what the viewer may do in repo, from the cache unless fresh.
func (h *Handler) access(ctx context.Context, v *viewer, repo string, fresh bool) (access, error) {
	if !fresh {
		if a, ok := h.cache.get(v.Login, repo); ok {
			return a, nil
		}
	}
	a, err := h.gh.access(ctx, v.Token, repo)
	if err != nil {
		return access{}, err
	}
	h.cache.put(v.Login, repo, a)
	return a, nil
}

// visibleRepos are the repositories the bot knows that the viewer can read.
func (h *Handler) visibleRepos(ctx context.Context, v *viewer) ([]workflow.RepoView, map[string]access, error) {
	all, err := h.c.Bot.Repos()
	if err != nil {
		return nil, nil, err
	}
	rights := make([]access, len(all))
	errs := make([]error, len(all))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for i, r := range all {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			rights[i], errs[i] = h.access(ctx, v, r.Name, false)
		}()
	}
	wg.Wait()
	var out []workflow.RepoView
	byName := map[string]access{}
	for i, r := range all {
		if errs[i] != nil {
			return nil, nil, errs[i]
		}
		if rights[i].read {
			out = append(out, r)
			byName[r.Name] = rights[i]
		}
	}
	return out, byName, nil
}

var namePart = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,100}$`)

// repo finds the path's repository among those the bot knows and the
// viewer can read; otherwise it answers 404 itself, as for a repository
// that does not exist, and returns false.
func (h *Handler) repo(w http.ResponseWriter, r *http.Request, v *viewer) (workflow.RepoView, access, bool) {
	owner, name := r.PathValue("owner"), r.PathValue("name")
	if !namePart.MatchString(owner) || !namePart.MatchString(name) {
		h.fail(w, r, v, http.StatusNotFound, "There is no such repository.")
		return workflow.RepoView{}, access{}, false
	}
	all, err := h.c.Bot.Repos()
	if err != nil {
		h.storeFailed(w, r, v, err)
		return workflow.RepoView{}, access{}, false
	}
	for _, repo := range all {
		if !strings.EqualFold(repo.Name, owner+"/"+name) {
			continue
		}
		a, err := h.access(r.Context(), v, repo.Name, false)
		switch {
		case errors.Is(err, errBadToken):
			h.relogin(w, r)
			return workflow.RepoView{}, access{}, false
		case err != nil:
			h.gitHubFailed(w, r, v, err)
			return workflow.RepoView{}, access{}, false
		case a.read:
			return repo, a, true
		}
		break
	}
	h.fail(w, r, v, http.StatusNotFound, "There is no such repository, or you cannot read it on GitHub.")
	return workflow.RepoView{}, access{}, false
}

func (h *Handler) storeFailed(w http.ResponseWriter, r *http.Request, v *viewer, err error) {
	h.c.Log.Error("web page: the store failed", "err", err)
	h.fail(w, r, v, http.StatusServiceUnavailable, "The bot's store did not answer; try again shortly.")
}

func (h *Handler) gitHubFailed(w http.ResponseWriter, r *http.Request, v *viewer, err error) {
	h.c.Log.Warn("web page: GitHub failed", "err", err)
	h.fail(w, r, v, http.StatusBadGateway, "GitHub did not say what you may see; try again shortly.")
}
