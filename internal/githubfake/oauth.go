package githubfake

import (
	"crypto/rand"
	"crypto/subtle"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// The OAuth web flow a person logs in to a GitHub App's or OAuth App's page
// with, and what such a page asks of GitHub with the user's token: who they
// are (GET /user) and what they may do in a repository (GET
// /repos/{owner}/{repo}, whose permissions follow SetPermission: unset is
// write, "none" is a 404 as for a repository the user cannot see).
//
// /login/oauth/* is on GitHub's web host, not its API, and GitHub's REST
// description does not have it: serve the fake a second time without Prism
// (httptest.NewServer(fake)) and point the browser and the token exchange
// there.

// oauthState is the flow's state; callers hold f.mu.
type oauthState struct {
	clientID, clientSecret string
	codes                  map[string]oauthCode
	users                  map[string]string // user token -> login
}

type oauthCode struct {
	login, clientID, redirectURI string
	expiry                       time.Time
}

// oauthCodeTTL is GitHub's: a code not exchanged within ten minutes expires.
const oauthCodeTTL = 10 * time.Minute

const oauthDocs = "https://docs.github.com/apps/creating-github-apps/authenticating-with-a-github-app/generating-a-user-access-token-for-a-github-app"

// SetOAuthApp registers the one client the web flow serves, with its secret.
func (f *Fake) SetOAuthApp(clientID, clientSecret string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.oauth.clientID, f.oauth.clientSecret = clientID, clientSecret
}

// UserToken issues a user access token for login without the web flow.
func (f *Fake) UserToken(login string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.newUserToken(login)
}

// RevokeUserTokens makes every user token issued so far invalid, as when
// people revoke the App's authorization.
func (f *Fake) RevokeUserTokens() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.oauth.users = nil
}

func (f *Fake) newUserToken(login string) string {
	if f.oauth.users == nil {
		f.oauth.users = map[string]string{}
	}
	// A GitHub App's user-to-server token; the prefix makes masks hide it.
	token := "ghu_" + strings.ToLower(rand.Text() + rand.Text())[:36]
	f.oauth.users[token] = login
	return token
}

// oauthRoutes adds the flow and the user's endpoints to m.
func (f *Fake) oauthRoutes(m *http.ServeMux) {
	m.HandleFunc("GET /login/oauth/authorize", f.locked(f.authorizePage))
	m.HandleFunc("POST /login/oauth/authorize", f.locked(f.authorize))
	m.HandleFunc("POST /login/oauth/access_token", f.locked(f.accessToken))
	m.HandleFunc("GET /user", f.asUser(f.limited(f.locked(f.getUser))))
	m.HandleFunc("GET /repos/{owner}/{repo}", f.asUser(f.limited(f.locked(f.getRepo))))
}

// asUser lets through the bot's tokens and user tokens.
func (f *Fake) asUser(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !f.authorized(r) && f.userLogin(r) == "" {
			writeError(w, http.StatusUnauthorized, "Bad credentials", docsRoot)
			return
		}
		h(w, r)
	}
}

// userLogin is the login of the request's user token, "" for none.
func (f *Fake) userLogin(r *http.Request) string {
	token := credential(r)
	if token == "" {
		return ""
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.oauth.users[token]
}

var authorizeTemplate = template.Must(template.New("authorize").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Authorize application</title></head>
<body><h1>Authorize application</h1>
<form method="post" action="/login/oauth/authorize">
<input type="hidden" name="client_id" value="{{.ClientID}}">
<input type="hidden" name="redirect_uri" value="{{.RedirectURI}}">
<input type="hidden" name="state" value="{{.State}}">
<label>Sign in as <input id="login" name="login" autocomplete="username"></label>
<button id="authorize" type="submit" name="authorize" value="1">Authorize</button>
<button id="deny" type="submit" name="deny" value="1">Cancel</button>
</form></body></html>
`))

// authorizePage is GitHub's consent page; the person says who they are,
// there being no password to check.
func (f *Fake) authorizePage(w http.ResponseWriter, req *http.Request) {
	q := req.URL.Query()
	if f.oauth.clientID == "" || q.Get("client_id") != f.oauth.clientID {
		http.Error(w, "404 Not Found: no application with this client_id", http.StatusNotFound)
		return
	}
	if _, ok := callbackURL(q.Get("redirect_uri")); !ok {
		http.Error(w, "The redirect_uri MUST match the registered callback URL for this application.", http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = authorizeTemplate.Execute(w, map[string]string{
		"ClientID": q.Get("client_id"), "RedirectURI": q.Get("redirect_uri"), "State": q.Get("state"),
	})
}

// authorize sends the browser back to the application with a code, or with
// error=access_denied when the person cancelled.
func (f *Fake) authorize(w http.ResponseWriter, req *http.Request) {
	if err := req.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	back, ok := callbackURL(req.PostForm.Get("redirect_uri"))
	login := strings.TrimSpace(req.PostForm.Get("login"))
	if f.oauth.clientID == "" || req.PostForm.Get("client_id") != f.oauth.clientID || !ok {
		http.Error(w, "bad authorization request", http.StatusBadRequest)
		return
	}
	q := back.Query()
	if state := req.PostForm.Get("state"); state != "" {
		q.Set("state", state)
	}
	switch {
	case req.PostForm.Get("deny") != "":
		q.Set("error", "access_denied")
		q.Set("error_description", "The user has denied your application access.")
		q.Set("error_uri", oauthDocs)
	case login == "":
		http.Error(w, "say who you are", http.StatusBadRequest)
		return
	default:
		code := strings.ToLower(rand.Text())[:20]
		if f.oauth.codes == nil {
			f.oauth.codes = map[string]oauthCode{}
		}
		f.oauth.codes[code] = oauthCode{login: login, clientID: f.oauth.clientID, redirectURI: back.String(), expiry: now().Add(oauthCodeTTL)}
		q.Set("code", code)
	}
	back.RawQuery = q.Encode()
	http.Redirect(w, req, back.String(), http.StatusFound)
}

// callbackURL accepts an absolute http(s) URL.
func callbackURL(raw string) (*url.URL, bool) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, false
	}
	return u, true
}

// accessToken exchanges a code for a user token. Like GitHub it answers
// 200 with an "error" for a bad exchange, in JSON when asked for it and
// form-encoded otherwise.
func (f *Fake) accessToken(w http.ResponseWriter, req *http.Request) {
	if err := req.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	p := req.Form // body and query, as GitHub takes either
	code, known := f.oauth.codes[p.Get("code")]
	var fail string
	switch {
	case f.oauth.clientID == "" || p.Get("client_id") != f.oauth.clientID:
		fail = "incorrect_client_credentials"
	case subtle.ConstantTimeCompare([]byte(p.Get("client_secret")), []byte(f.oauth.clientSecret)) != 1:
		fail = "incorrect_client_credentials"
	case !known || now().After(code.expiry):
		fail = "bad_verification_code"
	case p.Get("redirect_uri") != "" && p.Get("redirect_uri") != code.redirectURI:
		fail = "redirect_uri_mismatch"
	}
	answer := url.Values{}
	if fail != "" {
		answer.Set("error", fail)
		answer.Set("error_description", strings.ReplaceAll(fail, "_", " "))
		answer.Set("error_uri", oauthDocs)
	} else {
		delete(f.oauth.codes, p.Get("code")) // a code is good once
		answer.Set("access_token", f.newUserToken(code.login))
		answer.Set("token_type", "bearer")
		answer.Set("scope", "")
	}
	if strings.Contains(req.Header.Get("Accept"), "application/json") {
		out := map[string]string{}
		for k := range answer {
			out[k] = answer.Get(k)
		}
		writeJSON(w, http.StatusOK, out)
		return
	}
	w.Header().Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	_, _ = w.Write([]byte(answer.Encode()))
}

// getUser is the token's user; the bot's own tokens are its bot account.
func (f *Fake) getUser(w http.ResponseWriter, req *http.Request) {
	login := f.oauth.users[credential(req)]
	if login == "" {
		login = f.opts.BotLogin
	}
	m := f.examples.object("private-user-response-with-public-and-private-profile-information")
	f.overlayUser(m, login)
	if strings.HasSuffix(login, "[bot]") {
		m["type"] = "Bot"
	}
	m["user_view_type"] = "private"
	m["name"], m["email"] = login, login+"@users.noreply.github.com"
	writeJSON(w, http.StatusOK, m)
}

// getRepo answers a user token with the user's permissions, and 404 when
// the user has none, as GitHub does for a repository one cannot see. The
// bot's own tokens read every repository, without permissions.
func (f *Fake) getRepo(w http.ResponseWriter, req *http.Request) {
	r := f.repos[req.PathValue("owner")+"/"+req.PathValue("repo")]
	login := f.oauth.users[credential(req)]
	perm := "write"
	if r != nil && login != "" {
		if p, set := r.permissions[strings.ToLower(login)]; set {
			perm = p
		}
	}
	if r == nil || perm == "none" {
		writeError(w, http.StatusNotFound, "Not Found", "https://docs.github.com/rest/repos/repos#get-a-repository")
		return
	}
	m := f.examples.object("full-repository-default-response")
	// Other repositories the example links to.
	for _, k := range []string{"parent", "source", "template_repository", "organization"} {
		delete(m, k)
	}
	f.overlayRepo(m, r)
	m["language"] = "HCL"
	m["visibility"] = "public"
	if login == "" {
		delete(m, "permissions")
	} else {
		m["permissions"] = repoPermissions(perm)
	}
	writeJSON(w, http.StatusOK, m)
}

// repoPermissions are the booleans of GET /repos for a permission level.
func repoPermissions(perm string) map[string]bool {
	levels := []string{"read", "triage", "write", "maintain", "admin"}
	rank := 0
	for i, l := range levels {
		if l == perm {
			rank = i
		}
	}
	return map[string]bool{
		"pull": true, "triage": rank >= 1, "push": rank >= 2, "maintain": rank >= 3, "admin": rank >= 4,
	}
}
