package web

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paved-road/paved/bot/audit"
	"github.com/paved-road/paved/bot/drift"
	"github.com/paved-road/paved/bot/history"
	"github.com/paved-road/paved/bot/locks"
	"github.com/paved-road/paved/bot/workflow"
	"github.com/paved-road/paved/internal/githubfake"
	"github.com/paved-road/paved/internal/prism"
)

// stubBot is the bot's state as a test sets it.
type stubBot struct {
	mu       sync.Mutex
	repos    []workflow.RepoView
	cmds     []workflow.CommandView
	logs     map[string][]byte
	done     map[string]bool
	recent   []audit.Entry
	locks    []locks.Lock
	queues   []locks.Queue
	records  []history.Record
	released []string
	drift    []drift.Result
}

func (b *stubBot) DriftResults() ([]drift.Result, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.drift), nil
}

func (b *stubBot) Commands() ([]workflow.CommandView, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.cmds), nil
}

func (b *stubBot) JobLog(id string) ([]byte, bool, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.logs[id]), !b.done[id], nil
}

func (b *stubBot) Repos() ([]workflow.RepoView, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.repos), nil
}

func (b *stubBot) Recent(repo string, n int) ([]audit.Entry, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := audit.Filter(slices.Clone(b.recent), repo)
	return out[:min(n, len(out))], nil
}

func (b *stubBot) History(_ context.Context, repo, project string) ([]history.Record, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []history.Record
	for _, r := range b.records {
		if project == "" || r.Project == project {
			out = append(out, r)
		}
	}
	return out, nil
}

func (b *stubBot) Locks() ([]locks.Lock, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.locks), nil
}

func (b *stubBot) Queues() ([]locks.Queue, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.queues), nil
}

func (b *stubBot) ReleaseLockBy(k locks.Key, who string) (locks.Lock, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for i, l := range b.locks {
		if l.Key == k {
			b.locks = slices.Delete(b.locks, i, i+1)
			b.released = append(b.released, k.String()+" by "+who)
			return l, nil
		}
	}
	return locks.Lock{}, nil
}

func (b *stubBot) appendLog(id, text string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.logs[id] = append(b.logs[id], text...)
}

func (b *stubBot) finish(id string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.done[id] = true
}

// site is the page in front of a stub bot, with the GitHub stand-in
// serving the login and the viewer's API calls directly.
type site struct {
	t    *testing.T
	url  string
	fake *githubfake.Fake
	bot  *stubBot
	h    *Handler
	// transport trusts the site's certificate when it has one.
	transport http.RoundTripper
}

const (
	clientID     = "Iv1.webtest"
	clientSecret = "web-test-client-secret"
	botSecret    = "a-bot-secret-value-42"
)

func newSite(t *testing.T, insecure bool) *site {
	t.Helper()
	if err := prism.Installed(); err != nil {
		if os.Getenv("TF_ACC") != "" {
			t.Fatal(err)
		}
		t.Skip(err) // the stand-in builds its answers from GitHub's examples
	}
	fake := githubfake.New(t, githubfake.Options{Token: "ghs_unused"})
	fake.SetOAuthApp(clientID, clientSecret)
	dir := t.TempDir()
	gitInit(t, dir)
	fake.AddRepo("acme", "infra", dir)
	fake.AddRepo("acme", "secret", dir)
	fake.SetPermission("acme", "secret", "alice", "none")
	fake.SetPermission("acme", "infra", "rita", "read")
	gh := httptest.NewServer(fake)
	t.Cleanup(gh.Close)

	since := time.Now().Add(-5 * time.Minute)
	b := &stubBot{
		repos: []workflow.RepoView{
			{Name: "acme/infra", URL: "https://github.com/acme/infra", Projects: []string{"app", "db"}},
			{Name: "acme/secret", URL: "https://github.com/acme/secret", Projects: []string{"vault"}},
		},
		cmds: []workflow.CommandView{
			{ID: "0000000000000007", Repo: "acme/infra", PR: 3, URL: "https://github.com/acme/infra/pull/3", User: "bob", Kind: "plan", Accepted: since, Running: true, Replica: "r1"},
			{ID: "0000000000000009", Repo: "acme/secret", PR: 1, User: "sam", Kind: "apply", Accepted: since, Running: true},
		},
		logs: map[string][]byte{
			"0000000000000007": []byte("terraform init\n"),
			"0000000000000005": []byte("applied app\nthe token is " + botSecret + "\n"),
			"0000000000000009": []byte("secret repository's log\n"),
		},
		done: map[string]bool{"0000000000000005": true},
		recent: []audit.Entry{
			{Time: since, Repo: "acme/infra", PR: 2, User: "alice", Command: "apply", Project: "app", Workspace: "default", Outcome: "applied", Job: "0000000000000005", PRURL: "https://github.com/acme/infra/pull/2"},
			{Time: since, Repo: "acme/secret", PR: 1, User: "sam", Command: "apply", Project: "vault", Outcome: "applied", Job: "0000000000000008"},
		},
		locks: []locks.Lock{
			{Key: locks.Key{Repo: "acme/infra", Dir: "app", Workspace: "default"}, Project: "app", PR: 3, PRURL: "https://github.com/acme/infra/pull/3", User: "bob", Time: since},
			{Key: locks.Key{Repo: "acme/secret", Dir: "vault", Workspace: "default"}, Project: "vault", PR: 1, User: "sam", Time: since},
		},
		queues: []locks.Queue{{Key: locks.Key{Repo: "acme/infra", Dir: "app", Workspace: "default"}, Waiters: []locks.Waiter{{PR: 4, PRURL: "https://github.com/acme/infra/pull/4", User: "carol", Project: "app"}}}},
		records: []history.Record{{Tag: "paved/app/default/20250101T000000Z", Project: "app", Workspace: "default", PR: 2, PRURL: "https://github.com/acme/infra/pull/2",
			Author: "alice", Approvers: []string{"bob"}, AppliedBy: "alice", Add: 1, Change: 2, Destroy: 3, Commit: "0123456789abcdef", Time: since, Verified: true}},
		drift: []drift.Result{
			{Repo: "acme/infra", Project: "db", Workspace: "default", State: drift.Drifted, Branch: "main", Change: 2, Issue: 17, Checked: since},
			{Repo: "acme/infra", Project: "app", Workspace: "default", State: drift.Failed, Branch: "main", Error: "no valid credential sources", Checked: since},
			{Repo: "acme/secret", Project: "vault", Workspace: "default", State: drift.Drifted, Branch: "main", Issue: 3, Checked: since},
		},
	}
	s := &site{t: t, fake: fake, bot: b}
	serve := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { s.h.ServeHTTP(w, r) })
	srv := httptest.NewUnstartedServer(serve)
	if insecure {
		srv.Start()
	} else {
		srv.StartTLS() // Secure cookies come only over HTTPS
	}
	s.transport = srv.Client().Transport
	t.Cleanup(srv.Close)
	s.url = srv.URL
	key, err := SessionKey([]byte("webhook-secret"))
	if err != nil {
		t.Fatal(err)
	}
	s.h, err = New(Config{
		Bot: b, ClientID: clientID, ClientSecret: clientSecret, URL: srv.URL, GitHubURL: gh.URL, APIURL: gh.URL,
		SessionKey: key, InsecureCookies: insecure, Secrets: []string{botSecret}, Poll: 20 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.h.Close)
	return s
}

func execGit(dir string, args ...string) ([]byte, error) {
	return exec.Command("git", append([]string{"-C", dir}, args...)...).CombinedOutput()
}

func gitInit(t *testing.T, dir string) {
	t.Helper()
	for _, args := range [][]string{{"init", "-q", "-b", "main"}, {"-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "--allow-empty", "-m", "initial"}} {
		if out, err := execGit(dir, args...); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
}

// noFollow is a client that shows redirects instead of following them.
func noFollow(jar http.CookieJar) *http.Client {
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// login goes through the OAuth flow as user, starting at next, and returns
// the browser (a client with cookies) and the URL it ended at.
func (s *site) login(user, next string) (*http.Client, string) {
	s.t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	resp, err := c.Get(s.url + next)
	if err != nil {
		s.t.Fatal(err)
	}
	resp.Body.Close()
	at := resp.Request.URL
	if at.Path != "/login/oauth/authorize" || resp.StatusCode != http.StatusOK {
		s.t.Fatalf("%s sent the browser to %s (%d), want GitHub's consent page", next, at, resp.StatusCode)
	}
	q := at.Query()
	resp, err = c.PostForm(at.Scheme+"://"+at.Host+"/login/oauth/authorize", url.Values{
		"client_id": {q.Get("client_id")}, "redirect_uri": {q.Get("redirect_uri")}, "state": {q.Get("state")}, "login": {user},
	})
	if err != nil {
		s.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		s.t.Fatalf("after login: %d at %s", resp.StatusCode, resp.Request.URL)
	}
	return c, resp.Request.URL.String()
}

func get(t *testing.T, c *http.Client, u string) (int, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// answer is a response read whole: its status, the URL it came from
// after redirects, and its body.
type answer struct {
	StatusCode int
	at         *url.URL
}

func post(t *testing.T, c *http.Client, u string, form url.Values, header ...string) (answer, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return answer{StatusCode: resp.StatusCode, at: resp.Request.URL}, string(body)
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func csrfOf(t *testing.T, page string) string {
	t.Helper()
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no CSRF token in:\n%s", page)
	}
	return m[1]
}

func TestSafeNextRefusesOtherSites(t *testing.T) {
	for in, want := range map[string]string{
		"/repos/acme/infra":         "/repos/acme/infra",
		"/repos/acme/infra?x=1#top": "/repos/acme/infra?x=1#top",
		"":                          "/",
		"//evil.com":                "/",
		"//evil.com/path":           "/",
		"/\\evil.com":               "/",
		"\\\\evil.com":              "/",
		"https://evil.com/":         "/",
		"http:/evil.com":            "/",
		"javascript:alert(1)":       "/",
		"evil.com":                  "/",
		"/\tevil":                   "/",
		"/%0d%0aSet-Cookie:x":       "/%0d%0aSet-Cookie:x", // stays on this site, escaped
		"/ok\r\nLocation: x":        "/",
		"/.//evil.com":              "/.//evil.com", // a path here, however odd
	} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSessionKeyIsSharedAndItsOwn(t *testing.T) {
	a, err := SessionKey([]byte("s"))
	b, _ := SessionKey([]byte("s"))
	c, _ := SessionKey([]byte("t"))
	if err != nil || string(a) != string(b) || string(a) == string(c) || len(a) != 32 {
		t.Fatalf("keys %x %x %x (%v): want one per secret, 32 bytes", a, b, c, err)
	}
	if _, err := SessionKey(nil); err == nil {
		t.Error("a key from no secret")
	}
}

func TestNewRefusesAnUnsafeConfig(t *testing.T) {
	key, _ := SessionKey([]byte("x"))
	good := Config{Bot: &stubBot{}, ClientID: "id", ClientSecret: "s", URL: "https://bot.example.com", GitHubURL: "https://github.com", APIURL: "https://api.github.com/", SessionKey: key}
	if _, err := New(good); err != nil {
		t.Fatal(err)
	}
	for what, change := range map[string]func(*Config){
		"plain http without insecure cookies": func(c *Config) { c.URL = "http://bot.example.com" },
		"a path in the URL":                   func(c *Config) { c.URL = "https://bot.example.com/paved" },
		"no client secret":                    func(c *Config) { c.ClientSecret = "" },
		"no session key":                      func(c *Config) { c.SessionKey = nil },
	} {
		c := good
		change(&c)
		if _, err := New(c); err == nil {
			t.Errorf("%s: accepted", what)
		}
	}
}

func TestNoSessionSendsToLoginWithSafeCookies(t *testing.T) {
	s := newSite(t, false)
	c := noFollow(nil)
	c.Transport = s.transport
	for _, path := range []string{"/", "/repos/acme/infra", "/repos/acme/infra/jobs/0000000000000005", "/no/such/page"} {
		resp, err := c.Get(s.url + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || loc != "/login?next="+url.QueryEscape(path) {
			t.Errorf("GET %s without a session: %d to %q, want the login", path, resp.StatusCode, loc)
		}
	}
	if a, _ := post(t, c, s.url+"/repos/acme/infra/unlock", url.Values{"dir": {"app"}, "workspace": {"default"}, "confirm": {"yes"}}); a.StatusCode != http.StatusForbidden {
		t.Errorf("unlock without a session: %d, want 403", a.StatusCode)
	}
	resp, err := c.Get(s.url + "/login?next=/repos/acme/infra")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	to, _ := url.Parse(resp.Header.Get("Location"))
	if to.Path != "/login/oauth/authorize" || to.Query().Get("client_id") != clientID || to.Query().Get("state") == "" ||
		to.Query().Get("redirect_uri") != s.url+"/login/callback" {
		t.Errorf("login sends to %s", to)
	}
	ck := resp.Cookies()
	if len(ck) != 1 || ck[0].Name != "__Host-paved_login" || !ck[0].HttpOnly || !ck[0].Secure || ck[0].SameSite != http.SameSiteLaxMode || ck[0].Path != "/" || ck[0].Domain != "" {
		t.Errorf("login cookie %+v, want __Host-, HttpOnly, Secure, SameSite=Lax", ck)
	}
	// Without the login's cookie, GitHub's answer is refused.
	resp, err = c.Get(s.url + "/login/callback?code=x&state=" + to.Query().Get("state"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("callback without the login cookie: %d, want 403", resp.StatusCode)
	}
}

func TestLoginShowsOnlyReadableRepositories(t *testing.T) {
	s := newSite(t, true)
	c, at := s.login("alice", "/repos/acme/infra?tab=1")
	if at != s.url+"/repos/acme/infra?tab=1" {
		t.Errorf("after login at %s, want back where the viewer started", at)
	}
	code, page := get(t, c, s.url+"/")
	if code != http.StatusOK || !strings.Contains(page, `href="/repos/acme/infra"`) || !strings.Contains(page, "alice") {
		t.Fatalf("repositories: %d\n%s", code, page)
	}
	if strings.Contains(page, "acme/secret") || strings.Contains(page, "sam") {
		t.Errorf("alice sees acme/secret, which she cannot read:\n%s", page)
	}
	for _, path := range []string{"/repos/acme/secret", "/repos/acme/secret/jobs/0000000000000009", "/repos/acme/secret/jobs/0000000000000008",
		"/repos/acme/secret/history?project=vault", "/repos/acme/secret/unlock?dir=vault&workspace=default", "/repos/acme/nope",
		// Another repository's job through one alice can read.
		"/repos/acme/infra/jobs/0000000000000009", "/repos/acme/infra/jobs/0000000000000009/events"} {
		if code, body := get(t, c, s.url+path); code != http.StatusNotFound || strings.Contains(body, "secret repository") {
			t.Errorf("GET %s: %d, want 404", path, code)
		}
	}
	code, page = get(t, c, s.url+"/repos/acme/infra")
	for _, want := range []string{"LOCKED", "#3", "bob", "FREE", "db", "#4", "carol", "RUNNING", "Unlock", "applied",
		`DRIFTED</span> main would change +0 ~2 -0: <a href="https://github.com/acme/infra/issues/17">#17</a>`, "CHECK FAILED</span> <small>no valid credential sources</small>"} {
		if !strings.Contains(page, want) {
			t.Errorf("repository page lacks %q (%d):\n%s", want, code, page)
		}
	}
	code, page = get(t, c, s.url+"/repos/acme/infra/history?project=app")
	for _, want := range []string{"+1 ~2 -3", "#2", "bob", "paved/app/default/20250101T000000Z", "https://github.com/acme/infra/releases/tag/paved/app/default/20250101T000000Z", "0123456789ab"} {
		if !strings.Contains(page, want) {
			t.Errorf("history lacks %q (%d):\n%s", want, code, page)
		}
	}
	// A viewer's answer from GitHub is kept a while.
	before := len(s.fake.Calls())
	get(t, c, s.url+"/repos/acme/infra")
	if n := len(s.fake.Calls()) - before; n != 0 {
		t.Errorf("%d GitHub calls for a page seen a moment ago, want none", n)
	}
}

func TestLoginNextCannotLeaveTheSite(t *testing.T) {
	s := newSite(t, true)
	for _, next := range []string{"//evil.com/", "https://evil.com/", "/\\evil.com"} {
		if _, at := s.login("alice", "/login?next="+url.QueryEscape(next)); at != s.url+"/" {
			t.Errorf("login with next=%s ended at %s, want /", next, at)
		}
	}
}

func TestFormsNeedTheirCSRFToken(t *testing.T) {
	s := newSite(t, true)
	c, _ := s.login("alice", "/")
	_, page := get(t, c, s.url+"/repos/acme/infra")
	token := csrfOf(t, page)
	form := func(csrf string) url.Values {
		v := url.Values{"dir": {"app"}, "workspace": {"default"}, "confirm": {"yes"}}
		if csrf != "" {
			v.Set("csrf", csrf)
		}
		return v
	}
	for what, f := range map[string]url.Values{"no token": form(""), "a forged token": form("forged" + token[6:])} {
		if resp, _ := post(t, c, s.url+"/repos/acme/infra/unlock", f); resp.StatusCode != http.StatusForbidden {
			t.Errorf("unlock with %s: %d, want 403", what, resp.StatusCode)
		}
	}
	if resp, _ := post(t, c, s.url+"/logout", url.Values{}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("logout without a token: %d, want 403", resp.StatusCode)
	}
	if resp, _ := post(t, c, s.url+"/repos/acme/infra/unlock", form(token), "Origin", "https://evil.com"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("unlock from another site: %d, want 403", resp.StatusCode)
	}
	// Another viewer's token is no good either.
	other, _ := s.login("bob", "/")
	if resp, _ := post(t, other, s.url+"/repos/acme/infra/unlock", form(token)); resp.StatusCode != http.StatusForbidden {
		t.Errorf("unlock with alice's token in bob's session: %d, want 403", resp.StatusCode)
	}
	if len(s.bot.released) != 0 {
		t.Fatalf("released %v", s.bot.released)
	}

	// Without confirm=yes the page asks first; then the lock goes.
	resp, page := post(t, c, s.url+"/repos/acme/infra/unlock", url.Values{"csrf": {token}, "dir": {"app"}, "workspace": {"default"}})
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "Release the lock?") || !strings.Contains(page, `name="confirm" value="yes"`) || len(s.bot.released) != 0 {
		t.Fatalf("unlock without confirming: %d\n%s", resp.StatusCode, page)
	}
	resp, page = post(t, c, s.url+"/repos/acme/infra/unlock", form(token))
	if resp.StatusCode != http.StatusOK || resp.at.Path != "/repos/acme/infra" || !strings.Contains(page, "Lock released: app (default)") {
		t.Fatalf("unlock: %d at %s\n%s", resp.StatusCode, resp.at, page)
	}
	if want := []string{"acme/infra|app|default by alice"}; !slices.Equal(s.bot.released, want) {
		t.Errorf("released %v, want %v", s.bot.released, want)
	}

	// Logged out, the old session's cookie is gone.
	resp, page = post(t, c, s.url+"/logout", url.Values{"csrf": {token}})
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "Logged out") {
		t.Fatalf("logout: %d\n%s", resp.StatusCode, page)
	}
	after, err := noFollow(c.Jar).Get(s.url + "/")
	if err != nil {
		t.Fatal(err)
	}
	after.Body.Close()
	if after.StatusCode != http.StatusSeeOther {
		t.Errorf("after logout: %d, want the login", after.StatusCode)
	}
}

func TestUnlockNeedsWriteAccess(t *testing.T) {
	s := newSite(t, true)
	c, _ := s.login("rita", "/") // reads acme/infra, may not push
	_, page := get(t, c, s.url+"/repos/acme/infra")
	if strings.Contains(page, ">Unlock<") || !strings.Contains(page, "needs write access") {
		t.Errorf("a reader is offered the unlock button:\n%s", page)
	}
	token := csrfOf(t, page)
	resp, body := post(t, c, s.url+"/repos/acme/infra/unlock", url.Values{"csrf": {token}, "dir": {"app"}, "workspace": {"default"}, "confirm": {"yes"}})
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "write access") {
		t.Errorf("unlock by a reader: %d\n%s", resp.StatusCode, body)
	}
	if code, _ := get(t, c, s.url+"/repos/acme/infra/unlock?dir=app&workspace=default"); code != http.StatusForbidden {
		t.Errorf("the confirmation page for a reader: %d, want 403", code)
	}
	// GitHub is asked again at unlock: write access taken away a moment ago counts.
	alice, _ := s.login("alice", "/")
	_, page = get(t, alice, s.url+"/repos/acme/infra")
	s.fake.SetPermission("acme", "infra", "alice", "read")
	resp, _ = post(t, alice, s.url+"/repos/acme/infra/unlock", url.Values{"csrf": {csrfOf(t, page)}, "dir": {"app"}, "workspace": {"default"}, "confirm": {"yes"}})
	if resp.StatusCode != http.StatusForbidden || len(s.bot.released) != 0 {
		t.Errorf("unlock after losing write access: %d, released %v", resp.StatusCode, s.bot.released)
	}
}

func TestJobLogIsMaskedAndStreams(t *testing.T) {
	s := newSite(t, true)
	c, _ := s.login("alice", "/")
	code, page := get(t, c, s.url+"/repos/acme/infra/jobs/0000000000000005")
	if code != http.StatusOK || strings.Contains(page, botSecret) || !strings.Contains(page, "the token is ***") || !strings.Contains(page, "FINISHED") {
		t.Fatalf("finished job page: %d\n%s", code, page)
	}

	id := "0000000000000007"
	s.bot.appendLog(id, "half a li")
	_, page = get(t, c, s.url+"/repos/acme/infra/jobs/"+id)
	stream := regexp.MustCompile(`data-stream="([^"]+)"`).FindStringSubmatch(page)
	if stream == nil || !strings.Contains(page, "terraform init\n</pre>") || !strings.Contains(page, "RUNNING") {
		t.Fatalf("running job page:\n%s", page)
	}
	body, header := openStream(t, c, s.url+strings.ReplaceAll(stream[1], "&amp;", "&"))
	if ct := header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("stream content type %q", ct)
	}
	events := make(chan string, 16)
	go func() {
		defer close(events)
		sc := bufio.NewScanner(body)
		var ev strings.Builder
		for sc.Scan() {
			if sc.Text() == "" {
				events <- ev.String()
				ev.Reset()
				continue
			}
			ev.WriteString(sc.Text() + "|")
		}
	}()
	next := func() string {
		t.Helper()
		select {
		case ev := <-events:
			return ev
		case <-time.After(10 * time.Second):
			t.Fatal("no event within 10 s")
			return ""
		}
	}
	s.bot.appendLog(id, "ne\nplanning "+botSecret+"\n")
	if ev, want := next(), fmt.Sprintf(`id: %d|event: log|data: "half a line\nplanning ***\n"|`, len("terraform init\nhalf a line\n")+len("planning "+botSecret+"\n")); ev != want {
		t.Errorf("event %q, want %q", ev, want)
	}
	s.bot.appendLog(id, "no newline at the end")
	s.bot.finish(id)
	end := len("terraform init\nhalf a line\nplanning " + botSecret + "\nno newline at the end")
	if ev := next(); ev != fmt.Sprintf(`id: %d|event: log|data: "no newline at the end"|`, end) {
		t.Errorf("last log event %q", ev)
	}
	if ev := next(); ev != `event: end|data: "FINISHED"|` {
		t.Errorf("end event %q", ev)
	}
	if _, open := <-events; open {
		t.Error("the stream stays open after the end")
	}
}

// openStream opens a server-sent event stream; the test's end closes it.
func openStream(t *testing.T, c *http.Client, u string) (io.Reader, http.Header) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp.Body, resp.Header
}

func TestForgedSessionCookieIsNoLogin(t *testing.T) {
	s := newSite(t, true)
	c, _ := s.login("alice", "/")
	u, _ := url.Parse(s.url)
	var value string
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == sessionCookie {
			value = ck.Value
		}
	}
	if value == "" {
		t.Fatal("no session cookie")
	}
	// Sealed with another key, or altered: both are no session.
	otherKey, _ := SessionKey([]byte("another secret"))
	other, _ := newSealer(otherKey)
	forged, _ := other.seal(sessionCookie, session{Login: "alice", Token: "x", CSRF: "y", Expires: time.Now().Add(time.Hour).Unix()})
	// A character in the middle carries six bits of the sealed bytes; the
	// last ones may carry only padding.
	mid, flipped := len(value)/2, byte('A')
	if value[mid] == 'A' {
		flipped = 'B'
	}
	altered := value[:mid] + string(flipped) + value[mid+1:]
	for what, v := range map[string]string{"another key": forged, "altered": altered, "garbage": "not-a-cookie"} {
		req, _ := http.NewRequest(http.MethodGet, s.url+"/", nil)
		req.AddCookie(&http.Cookie{Name: sessionCookie, Value: v})
		resp, err := noFollow(nil).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
			t.Errorf("a session cookie from %s: %d, want the login", what, resp.StatusCode)
		}
	}
	// A token GitHub no longer takes sends the viewer to log in again.
	s.fake.RevokeUserTokens()
	s.h.cache = accessCache{ttl: time.Minute, now: time.Now}
	resp, err := noFollow(c.Jar).Get(s.url + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
		t.Errorf("a revoked token: %d, want the login", resp.StatusCode)
	}
}

// TestDeployStats: the stats page and a project's history show deploys per
// week as a chart, lead and apply times from the tags, and the failure
// rate from the audit log, by project and by team; another repository's
// stats stay hidden.
func TestDeployStats(t *testing.T) {
	s := newSite(t, true)
	now := time.Now()
	s.bot.mu.Lock()
	s.bot.records = []history.Record{
		{Project: "app", Team: "payments", Time: now.Add(-24 * time.Hour), PROpened: now.Add(-27 * time.Hour), Took: 4 * time.Second, Tag: "paved/app/default/1"},
		{Project: "db", Team: "payments", Time: now.Add(-9 * 24 * time.Hour), Tag: "paved/db/default/1"},
	}
	s.bot.recent = append(s.bot.recent,
		audit.Entry{Repo: "acme/infra", Command: "apply", Project: "app", Outcome: "applied", Time: now.Add(-24 * time.Hour)},
		audit.Entry{Repo: "acme/infra", Command: "apply", Project: "app", Outcome: "failed", Time: now.Add(-25 * time.Hour)})
	s.bot.mu.Unlock()
	c, _ := s.login("alice", "/")
	code, page := get(t, c, s.url+"/repos/acme/infra/stats")
	if code != http.StatusOK {
		t.Fatalf("stats page: %d\n%s", code, page)
	}
	for _, want := range []string{"By team", "payments", "By project", "3h0m", "4.0s", "33% (1 of 3)", "<svg", "deploys of app per week", "-"} {
		if !strings.Contains(page, want) {
			t.Errorf("stats page lacks %q:\n%s", want, page)
		}
	}
	_, page = get(t, c, s.url+"/repos/acme/infra/history?project=app")
	if !strings.Contains(page, "The last 12 weeks") || !strings.Contains(page, "<svg") {
		t.Errorf("history page lacks the project's stats:\n%s", page)
	}
	if code, _ := get(t, c, s.url+"/repos/acme/secret/stats"); code != http.StatusNotFound {
		t.Errorf("stats of a repository alice cannot read: %d, want 404", code)
	}
}
