package main

import (
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/paved-road/paved/bot/githubapi"
	"github.com/paved-road/paved/bot/web"
)

// webConfig is the operator page's part of serve's flags: the page is on
// only with an OAuth client id.
type webConfig struct {
	clientID     string
	clientSecret string
	url          string
	gitHubURL    string
	sessionKey   string
	insecure     bool
}

func (w *webConfig) flags(fs *flag.FlagSet) {
	fs.StringVar(&w.clientID, "github-oauth-client-id", "", "the GitHub App's client id: turns on the operator page at / (viewers log in with GitHub); without it there is no page")
	fs.StringVar(&w.clientSecret, "github-oauth-client-secret", "", "the GitHub App's client secret (prefer PAVED_GITHUB_OAUTH_CLIENT_SECRET)")
	fs.StringVar(&w.url, "web-url", "", "the page's public base URL, https://HOST[:PORT], where GitHub sends viewers back (HOST/login/callback)")
	fs.StringVar(&w.gitHubURL, "github-web-url", "", "override GitHub's web URL for the login, derived from --github-hostname (https://github.com or https://HOST)")
	fs.StringVar(&w.sessionKey, "session-key", "", "secret the page's cookies are sealed with, the same on every replica (prefer PAVED_SESSION_KEY; default: derived from the webhook secret)")
	fs.BoolVar(&w.insecure, "insecure-cookies", false, "send the page's cookies without the Secure flag, for a page on plain http://localhost")
}

// check names the flags at fault, as serveConfig.check does.
func (w *webConfig) check() []error {
	var problems []error
	bad := func(flagName, format string, args ...any) {
		problems = append(problems, fmt.Errorf("--%s (%s): %s", flagName, envName(flagName), fmt.Sprintf(format, args...)))
	}
	if w.clientID == "" {
		if w.clientSecret != "" || w.url != "" {
			bad("github-oauth-client-id", "required with --github-oauth-client-secret and --web-url: without it the page is off")
		}
		return problems
	}
	if w.clientSecret == "" {
		bad("github-oauth-client-secret", "required with --github-oauth-client-id")
	}
	u, err := url.Parse(w.url)
	switch {
	case w.url == "":
		bad("web-url", "required with --github-oauth-client-id: GitHub sends viewers back to it")
	case err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || strings.TrimSuffix(u.Path, "/") != "" || u.RawQuery != "" || u.User != nil:
		bad("web-url", "%q: want https://HOST[:PORT] with no path", w.url)
	case u.Scheme == "http" && !w.insecure:
		bad("web-url", "%q is plain http: browsers keep Secure cookies only from https; give --insecure-cookies for a page on localhost", w.url)
	}
	if w.gitHubURL != "" {
		if g, err := url.Parse(w.gitHubURL); err != nil || (g.Scheme != "https" && g.Scheme != "http") || g.Host == "" {
			bad("github-web-url", "%q: want https://HOST", w.gitHubURL)
		}
	}
	return problems
}

// webURL is the operator page's address, "" when the page is off.
func (c *serveConfig) webURL() string {
	if c.web.clientID == "" {
		return ""
	}
	return strings.TrimSuffix(c.web.url, "/")
}

// gitHubWebURL is where viewers log in: github.com's web host for
// github.com, the server itself for GitHub Enterprise Server.
func (w *webConfig) gitHubWebURL(hostname string) string {
	switch {
	case w.gitHubURL != "":
		return strings.TrimSuffix(w.gitHubURL, "/")
	case hostname == "" || hostname == "github.com":
		return "https://github.com"
	default:
		return "https://" + hostname
	}
}

// serveWeb mounts the page on mux when a client id turns it on; close
// ends its log streams (call it as the server shuts down).
func (c *serveConfig) serveWeb(mux *http.ServeMux, bot web.Bot, log *slog.Logger, secrets []string) (closeWeb func(), err error) {
	w := c.web
	if w.clientID == "" {
		log.Info("no operator page: --github-oauth-client-id not given")
		return func() {}, nil
	}
	api, err := githubapi.Endpoint{Hostname: c.ghHostname, APIURL: c.ghAPIURL}.BaseURL()
	if err != nil {
		return nil, err
	}
	secret := w.sessionKey
	if secret == "" {
		secret = c.webhookSecret
	}
	key, err := web.SessionKey([]byte(secret))
	if err != nil {
		return nil, fmt.Errorf("--session-key (%s): %w", envName("session-key"), err)
	}
	h, err := web.New(web.Config{
		Bot: bot, ClientID: w.clientID, ClientSecret: w.clientSecret,
		URL: strings.TrimSuffix(w.url, "/"), GitHubURL: w.gitHubWebURL(c.ghHostname), APIURL: api.String(),
		SessionKey: key, InsecureCookies: w.insecure, Secrets: secrets, Log: log,
	})
	if err != nil {
		return nil, fmt.Errorf("operator page: %w", err)
	}
	mux.Handle("/", h)
	log.Info("operator page on", "url", w.url, "login", w.gitHubWebURL(c.ghHostname))
	return h.Close, nil
}
