package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/paved-road/paved/internal/githubfake"
	"github.com/paved-road/paved/internal/prism"
)

// The operator page end to end: the real bot with the page on, behind a
// reverse proxy at --web-url as it would be behind a load balancer, with
// GitHub's stand-in behind Prism for the API the page calls with the
// viewer's token. GitHub's /login/oauth/* is on its web host and not in
// its REST description, so the browser and the bot reach the stand-in there
// directly (--github-web-url). The browser tests drive a real headless
// Chromium with chromedp; the security tests need only HTTP.

const (
	webClientID     = "Iv1.e2eWebClient"
	webClientSecret = "e2e-oauth-client-secret-0123456789"
)

// webEnv is an env whose bot serves the page at url.
type webEnv struct {
	*env
	url   string // --web-url: the proxy in front of the bot
	front *httptest.Server
}

// newWebEnv starts the bot with the page on; with tls the page is
// https:// (Secure cookies), without it plain http with --insecure-cookies.
func newWebEnv(t *testing.T, tls bool, main map[string]string) *webEnv {
	t.Helper()
	var gh prism.Switch
	ghWeb := httptest.NewServer(&gh)
	t.Cleanup(ghWeb.Close)
	var bot atomic.Pointer[url.URL]
	proxy := &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
		r.SetURL(bot.Load())
		r.Out.Host = r.In.Host
	}}
	front := httptest.NewUnstartedServer(proxy)
	if tls {
		front.StartTLS()
	} else {
		front.Start()
	}
	t.Cleanup(front.Close)
	t.Setenv("PAVED_GITHUB_OAUTH_CLIENT_SECRET", webClientSecret)
	flags := []string{"--github-oauth-client-id", webClientID, "--web-url", front.URL, "--github-web-url", ghWeb.URL}
	if !tls {
		flags = append(flags, "--insecure-cookies")
	}
	e := newEnv(t, main, flags...)
	e.fake.SetOAuthApp(webClientID, webClientSecret)
	gh.Set(e.fake)
	u, err := url.Parse(e.bot)
	if err != nil {
		t.Fatal(err)
	}
	bot.Store(u)
	return &webEnv{env: e, url: front.URL, front: front}
}

// webPavedYAML has a project whose apply takes a while.
const webPavedYAML = `version: 1
projects:
  - name: app
    dir: app
  - name: slow
    dir: slow
`

// slowProject is applied in about eight seconds, and prints a secret.
func slowProject(value string) string {
	return backend("slow") + `
resource "terraform_data" "slow" {
  input = "` + value + `"
  provisioner "local-exec" {
    command = "echo warming up; sleep 8; echo leaked ` + secret + `; echo done"
  }
}
`
}

// otherRepo is a second repository the bot has worked on: bob asked for
// help on its pull request 1.
func (e *webEnv) otherRepo() {
	e.t.Helper()
	dir := filepath.Join(filepath.Dir(e.origin), "other")
	e.git("init", "-q", "-b", "main", dir)
	e.git("-C", dir, "commit", "-q", "--allow-empty", "-m", "initial")
	e.fake.AddRepo("acme", "other", dir)
	e.fake.OpenPR("acme", "other", githubfake.PR{Number: 1, Author: "bob", HeadRef: "main", HeadSHA: e.git("-C", dir, "rev-parse", "HEAD"), BaseRef: "main"})
	payload, _ := e.fake.IssueCommentEvent("acme", "other", 1, "bob", "paved help")
	e.deliver("issue_comment", payload)
	e.waitFor("help on acme/other#1", func() bool { return len(e.fake.Comments("acme", "other", 1)) > 1 && e.idle() })
}

// chromium finds the browser scripts/tools.sh chromium installs.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("TF_ACC") != "" {
		t.Fatal("no Chromium for the browser tests: run scripts/tools.sh chromium")
	}
	t.Skip("no Chromium: run scripts/tools.sh chromium")
	return ""
}

// browser is one person's browser: a browser context of its own (cookies
// included) in a headless Chromium.
type browser struct {
	t   *testing.T
	ctx context.Context
}

func newBrowser(t *testing.T) *browser {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromium(t)), chromedp.WindowSize(1280, 900))
	if os.Geteuid() == 0 {
		// Chromium refuses to start as root with its sandbox on (it wants an
		// unprivileged user to drop to), and tests here and in CI run as
		// root. The browser only loads this test's own pages.
		opts = append(opts, chromedp.NoSandbox)
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting Chromium: %v", err)
	}
	return &browser{t: t, ctx: ctx}
}

// person is another person at the same browser: a browser context of its
// own, with its own cookies.
func (b *browser) person() *browser {
	b.t.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx, chromedp.WithNewBrowserContext())
	b.t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		b.t.Fatalf("new browser context: %v", err)
	}
	return &browser{t: b.t, ctx: ctx}
}

func (b *browser) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 2*time.Minute)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

// open navigates and returns the page's HTTP status.
func (b *browser) open(u string) int64 {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 2*time.Minute)
	defer cancel()
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(u))
	if err != nil {
		b.t.Fatalf("open %s: %v", u, err)
	}
	return resp.Status
}

func eval[T any](b *browser, expr string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, time.Minute)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		b.t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// text is the text of the first element sel matches, "" for none.
func (b *browser) text(sel string) string {
	b.t.Helper()
	return eval[string](b, fmt.Sprintf(`(document.querySelector(%q) || {textContent: ""}).textContent`, sel))
}

// until waits for a JavaScript condition to hold.
func (b *browser) until(what, cond string, timeout time.Duration) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, timeout+10*time.Second)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](cond, chromedp.WithPollingTimeout(timeout))); err != nil {
		b.t.Fatalf("waiting for %s: %v\npage text:\n%s", what, err, b.text("main"))
	}
}

// login logs in through the OAuth flow: the page sends the browser to
// GitHub's consent page, where it says who it is, and GitHub sends it back.
func (b *browser) login(e *webEnv, user, start string) {
	b.t.Helper()
	b.open(e.url + start)
	if at := eval[string](b, "location.pathname"); at != "/login/oauth/authorize" {
		b.t.Fatalf("opening %s without a session: at %s, want GitHub's consent page", start, at)
	}
	b.do("authorize on GitHub",
		chromedp.SendKeys(chromedp.ID("login"), user),
		chromedp.Click(chromedp.ID("authorize")),
		chromedp.WaitVisible(chromedp.ID("viewer")))
	if got := b.text("#viewer"); got != user {
		b.t.Fatalf("logged in as %q, want %q", got, user)
	}
}

// shot writes a screenshot of the page to dir/name.png when dir is set:
// of the whole page, or with full false of what the window shows.
func (b *browser) shot(dir, name string, full ...bool) {
	b.t.Helper()
	if dir == "" {
		return
	}
	ctx, cancel := context.WithTimeout(b.ctx, time.Minute)
	defer cancel()
	take := chromedp.FullScreenshot(100)
	if len(full) > 0 && !full[0] {
		take = chromedp.CaptureScreenshot()
	}
	png, err := chromedp.Run(ctx, take)
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// answerDialogs answers the page's confirm() dialogs with the answers in
// order, and reports each message.
func (b *browser) answerDialogs(answers ...bool) <-chan string {
	messages := make(chan string, len(answers))
	dialogs := chromedp.Events(b.ctx, page.JavascriptDialogOpening)
	go func() {
		i := 0
		for ev, err := range dialogs {
			if err != nil || i == len(answers) {
				return
			}
			messages <- ev.Message
			if _, err := chromedp.Call(b.ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: answers[i]}); err != nil {
				return
			}
			i++
		}
	}()
	return messages
}

func TestAccBotWebBrowser(t *testing.T) { browserScenario(t, "") }

// TestAccBotWebScreenshots writes the screenshots of docs/screenshots:
// PAVED_SCREENSHOTS=docs/screenshots go test -run TestAccBotWebScreenshots
// (a relative directory is the repository's).
func TestAccBotWebScreenshots(t *testing.T) {
	dir := os.Getenv("PAVED_SCREENSHOTS")
	if dir == "" {
		t.Skip("set PAVED_SCREENSHOTS=docs/screenshots to write the page's screenshots")
	}
	if !filepath.IsAbs(dir) {
		dir = filepath.Join("..", "..", dir) // from cmd/paved-bot
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	browserScenario(t, dir)
}

// browserScenario logs people in through GitHub, watches a lock taken, a
// running apply's log stream in, two deploys land in a project's history,
// and a lock released from the page, by someone who may and refused to
// someone who may not; a repository a viewer cannot read stays out of
// their sight. With shots, it writes screenshots there.
func browserScenario(t *testing.T, shots string) {
	e := newWebEnv(t, false, map[string]string{"paved.yaml": webPavedYAML, "README.md": "infra\n"})
	e.otherRepo()
	e.fake.SetPermission("acme", "other", "alice", "none")
	e.fake.SetPermission("acme", "infra", "rita", "read")
	chrome := newBrowser(t)

	// A pull request takes the locks of both projects.
	e.openPR(1, "alice", map[string]string{"app/main.tf": project("app", "v1"), "slow/main.tf": slowProject("v1")})
	mustContain(t, "autoplan of #1", e.replies(1, 0)[0], "app", "slow")

	// Alice logs in, coming back to the page she asked for.
	alice := chrome.person()
	alice.login(e, "alice", "/repos/acme/infra")
	if at := eval[string](alice, "location.pathname"); at != "/repos/acme/infra" {
		t.Fatalf("after login at %s, want /repos/acme/infra", at)
	}
	row := `tr[data-project="app"]`
	if lock := alice.text(row); !strings.Contains(lock, "LOCKED") || !strings.Contains(lock, "#1") || !strings.Contains(lock, "alice") {
		t.Fatalf("app's row %q, want it locked by #1 (alice)", lock)
	}

	// She sees acme/infra, not acme/other, which she cannot read on GitHub.
	alice.open(e.url + "/")
	if list := alice.text("main"); !strings.Contains(list, "acme/infra") || strings.Contains(list, "acme/other") {
		t.Fatalf("alice's repositories:\n%s", list)
	}
	for _, path := range []string{"/repos/acme/other", "/repos/acme/other/history?project=app"} {
		if status := alice.open(e.url + path); status != http.StatusNotFound || strings.Contains(alice.text("main"), "bob") {
			t.Errorf("alice opens %s: %d, want 404", path, status)
		}
	}

	// A running apply's log streams in, masked, without a reload.
	before := len(e.fake.Comments("acme", "infra", 1))
	payload, _ := e.fake.IssueCommentEvent("acme", "infra", 1, "alice", "paved apply -p slow")
	e.deliver("issue_comment", payload)
	alice.open(e.url + "/repos/acme/infra")
	jobLink := eval[string](alice, `(Array.from(document.querySelectorAll("table.commands a")).find(a => a.textContent.includes("apply")) || {}).href || ""`)
	if jobLink == "" {
		t.Fatalf("no running apply on the repository page:\n%s", alice.text("main"))
	}
	alice.open(jobLink)
	alice.do("mark the page", chromedp.Evaluate[chromedp.Void](`window.pavedSamePage = true`))
	state, first := alice.text("#job-state"), alice.text("#log")
	if state != "RUNNING" && state != "QUEUED" {
		t.Fatalf("apply's state %q, want RUNNING", state)
	}
	// Terraform's own output arrives while it runs: the provisioner's first
	// line, in the eight seconds it sleeps.
	alice.until("terraform's output while the apply runs", `document.getElementById("log").textContent.includes("slow: terraform_data.slow (local-exec): warming up") && document.getElementById("log").dataset.ended !== "true"`, time.Minute)
	alice.until("the apply to end", `document.getElementById("log").dataset.ended === "true"`, 2*time.Minute)
	last := alice.text("#log")
	if !eval[bool](alice, "window.pavedSamePage === true") {
		t.Fatal("the job page reloaded: the log did not stream")
	}
	if strings.Contains(first, "replied on the pull request") || !strings.Contains(last, first) || !strings.Contains(last, "replied on the pull request") {
		t.Fatalf("the log did not grow in place: first\n%s\nlast\n%s", first, last)
	}
	if strings.Contains(last, secret) || !strings.Contains(last, "leaked ***") {
		t.Fatalf("the log shows the webhook secret, or not its mask:\n%s", last)
	}
	if s := alice.text("#job-state"); s != "FINISHED" {
		t.Errorf("job state at the end %q", s)
	}
	e.replies(1, before)
	if shots != "" {
		alice.open(jobLink) // finished: its outcome and whole log
		alice.shot(shots, "job")
	}

	// Two deploys of app, from two pull requests.
	mustContain(t, "apply of app", e.say(1, "alice", "paved apply -p app")[0], "applied", "tagged `paved/app/default/")
	e.merge(1)
	e.waitFor("#1's locks to go", func() bool { return e.idle() })
	e.openPR(2, "alice", map[string]string{"app/main.tf": project("app", "v2")})
	e.replies(2, 0)
	e.openPR(3, "carol", map[string]string{"app/main.tf": project("app", "v3")})
	mustContain(t, "autoplan of #3", strings.Join(e.replies(3, 0), "\n"), "#2")
	e.fake.Approve("acme", "infra", 2, "bob")
	mustContain(t, "apply of #2", e.say(2, "alice", "paved apply")[0], "applied", "tagged `paved/app/default/")

	// The history has both, newest first, with who and what.
	alice.open(e.url + "/repos/acme/infra")
	alice.do("open app's history", chromedp.Click(chromedp.CSS(row+` a[href*="/history"]`)), chromedp.WaitVisible(chromedp.ID("deploys")))
	deploys := eval[[]string](alice, `Array.from(document.querySelectorAll("#deploys tbody tr")).map(r => r.textContent.replace(/\s+/g, " "))`)
	if len(deploys) != 2 || !strings.Contains(deploys[0], "#2") || !strings.Contains(deploys[0], "+0 ~1 -0") || !strings.Contains(deploys[0], "bob") ||
		!strings.Contains(deploys[1], "#1") || !strings.Contains(deploys[1], "+1 ~0 -0") || !strings.Contains(deploys[0], "paved/app/default/") {
		t.Fatalf("app's deploys:\n%s", strings.Join(deploys, "\n"))
	}
	alice.shot(shots, "history")

	// The stats page charts app's two deploys of this week, with their lead and apply times.
	alice.open(e.url + "/repos/acme/infra/stats")
	stats := eval[string](alice, `(Array.from(document.querySelectorAll("table.stats tbody tr")).find(r => r.querySelector("strong").textContent === "app") || {}).textContent || ""`)
	bars := eval[string](alice, `Array.from(document.querySelectorAll("table.stats svg title")).map(t => t.textContent).join("; ")`)
	if fields := strings.Fields(stats); len(fields) < 7 || fields[1] != "2" || fields[3] == "-" || fields[5] == "-" || !strings.Contains(bars, "week 12: 2 deploys") {
		t.Fatalf("app's stats row %q, chart %q", stats, bars)
	}
	alice.shot(shots, "stats")

	// Rita may read the repository but not push: no unlock for her.
	rita := chrome.person()
	rita.login(e, "rita", "/repos/acme/infra")
	if eval[int](rita, `document.querySelectorAll("form.unlock").length`) != 0 || !strings.Contains(rita.text("#read-only"), "write access") {
		t.Fatalf("rita, a reader, is offered an unlock:\n%s", rita.text("main"))
	}
	if status := rita.open(e.url + "/repos/acme/infra/unlock?dir=app&workspace=default"); status != http.StatusForbidden || !strings.Contains(rita.text("main"), "needs write access") {
		t.Fatalf("rita's unlock: %d\n%s", status, rita.text("main"))
	}

	// Bob sees both repositories.
	bob := chrome.person()
	bob.login(e, "bob", "/")
	if list := bob.text("#repos"); !strings.Contains(list, "acme/infra") || !strings.Contains(list, "acme/other") {
		t.Fatalf("bob's repositories:\n%s", list)
	}
	bob.shot(shots, "repositories")

	// Alice releases #2's lock on app, saying no at first, then yes; #3,
	// which waited, is planned and takes it.
	alice.open(e.url + "/repos/acme/infra")
	if lock := alice.text(row); !strings.Contains(lock, "#2") || !strings.Contains(lock, "#3") || !strings.Contains(lock, "carol") {
		t.Fatalf("app's row %q, want locked by #2 with #3 waiting", lock)
	}
	alice.shot(shots, "repository")
	if shots != "" {
		alice.do("a phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
		alice.open(e.url + "/repos/acme/infra")
		alice.shot(shots, "repository-phone", false)
		alice.do("back to a desktop", chromedp.EmulateViewport(1280, 900))
		alice.open(e.url + "/repos/acme/infra/unlock?dir=app&workspace=default")
		alice.shot(shots, "unlock-confirm")
		alice.open(e.url + "/repos/acme/infra")
	}
	asked := alice.answerDialogs(false, true)
	alice.do("unlock, then say no", chromedp.Click(chromedp.CSS(row+" form.unlock button")))
	if msg := <-asked; !strings.Contains(msg, "Release the lock on app") || !strings.Contains(msg, "#2") {
		t.Errorf("confirmation %q", msg)
	}
	if lock := alice.text(row); !strings.Contains(lock, "LOCKED") || strings.Contains(alice.text("main"), "Lock released") {
		t.Fatalf("after saying no: %q", lock)
	}
	before = len(e.fake.Comments("acme", "infra", 2))
	alice.do("unlock, then say yes", chromedp.Click(chromedp.CSS(row+" form.unlock button")), chromedp.WaitVisible(chromedp.ID("released")))
	<-asked
	mustContain(t, "the page's notice", alice.text("#released"), "app (default)")
	released := e.replies(2, before)
	mustContain(t, "#2 told of the release", strings.Join(released, "\n"), "released by `alice` from paved-bot's page")
	e.waitFor("#3 to take the lock", func() bool {
		alice.open(e.url + "/repos/acme/infra")
		return strings.Contains(alice.text(row), "#3") && strings.Contains(alice.text(row), "LOCKED") && e.idle()
	})
}

// webClient is a cookie-keeping HTTP client for the page that does not
// follow redirects, so that each step can be looked at.
func webClient(e *webEnv) *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{
		Transport:     e.front.Client().Transport, // trusts the page's certificate
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// reply is a response read whole.
type reply struct {
	StatusCode int
	Header     http.Header
	cookies    []*http.Cookie
}

func (r reply) Cookies() []*http.Cookie { return r.cookies }

func fetch(t *testing.T, c *http.Client, method, u string, form url.Values) (reply, string) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	text, _ := io.ReadAll(resp.Body)
	return reply{StatusCode: resp.StatusCode, Header: resp.Header, cookies: resp.Cookies()}, string(text)
}

// httpLogin logs user in with plain HTTP, starting at /login?next=next,
// and returns where the page sent the browser after and the session
// cookie it set.
func httpLogin(t *testing.T, e *webEnv, c *http.Client, user, next string) (string, *http.Cookie) {
	t.Helper()
	resp, _ := fetch(t, c, http.MethodGet, e.url+"/login?next="+url.QueryEscape(next), nil)
	consent, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusSeeOther || err != nil || consent.Path != "/login/oauth/authorize" {
		t.Fatalf("login: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	q := consent.Query()
	resp, _ = fetch(t, c, http.MethodPost, consent.Scheme+"://"+consent.Host+"/login/oauth/authorize", url.Values{
		"client_id": {q.Get("client_id")}, "redirect_uri": {q.Get("redirect_uri")}, "state": {q.Get("state")}, "login": {user},
	})
	callback := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusFound || !strings.HasPrefix(callback, e.url+"/login/callback?") {
		t.Fatalf("GitHub's consent: %d to %q", resp.StatusCode, callback)
	}
	resp, _ = fetch(t, c, http.MethodGet, callback, nil)
	var session *http.Cookie
	for _, ck := range resp.Cookies() {
		if strings.HasSuffix(ck.Name, "paved_session") {
			session = ck
		}
	}
	if resp.StatusCode != http.StatusSeeOther || session == nil {
		t.Fatalf("callback: %d, cookies %v", resp.StatusCode, resp.Cookies())
	}
	return resp.Header.Get("Location"), session
}

var csrfInput = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// TestAccBotWebSecurity checks the page's defences with plain HTTP, on an
// https:// page as in production.
func TestAccBotWebSecurity(t *testing.T) {
	e := newWebEnv(t, true, map[string]string{"paved.yaml": "version: 1\nprojects:\n  - name: app\n    dir: app\n"})
	// The plan shows a resource input holding the webhook secret.
	e.openPR(1, "alice", map[string]string{"app/main.tf": backend("app") + `
resource "terraform_data" "app" {
  input = "token ` + secret + `"
}
`})
	mustContain(t, "autoplan", e.replies(1, 0)[0], "app")
	anon := webClient(e)

	// No session: every page sends to the login, coming back after.
	for _, path := range []string{"/", "/repos/acme/infra", "/repos/acme/infra/history?project=app", "/repos/acme/infra/jobs/1"} {
		resp, _ := fetch(t, anon, http.MethodGet, e.url+path, nil)
		if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || loc != "/login?next="+url.QueryEscape(path) {
			t.Errorf("GET %s without a session: %d to %q", path, resp.StatusCode, loc)
		}
	}
	if resp, _ := fetch(t, anon, http.MethodPost, e.url+"/repos/acme/infra/unlock", url.Values{"dir": {"app"}, "workspace": {"default"}, "confirm": {"yes"}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("unlock without a session: %d, want 403", resp.StatusCode)
	}
	// /healthz and /metrics stay open.
	for _, path := range []string{"/healthz", "/metrics"} {
		if resp, _ := fetch(t, anon, http.MethodGet, e.bot+path, nil); resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %d, want 200 without a login", path, resp.StatusCode)
		}
	}

	// The login's state is checked: a callback with another is refused.
	resp, _ := fetch(t, anon, http.MethodGet, e.url+"/login", nil)
	for _, ck := range resp.Cookies() {
		if ck.Name != "__Host-paved_login" || !ck.HttpOnly || !ck.Secure || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" {
			t.Errorf("login cookie %+v, want __Host-, HttpOnly, Secure, SameSite=Lax", ck)
		}
	}
	if resp, _ := fetch(t, anon, http.MethodGet, e.url+"/login/callback?code=x&state=forged", nil); resp.StatusCode != http.StatusForbidden {
		t.Errorf("callback with a forged state: %d, want 403", resp.StatusCode)
	}

	// The login's next must stay on this site; the session cookie has the
	// flags it needs.
	c := webClient(e)
	for _, next := range []string{"//evil.example/", "https://evil.example/", "/\\evil.example"} {
		if to, _ := httpLogin(t, e, webClient(e), "alice", next); to != "/" {
			t.Errorf("login with next=%s sent the browser to %q, want /", next, to)
		}
	}
	to, session := httpLogin(t, e, c, "alice", "/repos/acme/infra")
	if to != "/repos/acme/infra" {
		t.Errorf("login sent to %q", to)
	}
	if session.Name != "__Host-paved_session" || !session.HttpOnly || !session.Secure || session.SameSite != http.SameSiteLaxMode || session.Path != "/" || session.Domain != "" {
		t.Errorf("session cookie %+v, want __Host-, HttpOnly, Secure, SameSite=Lax, Path=/", session)
	}
	if strings.Contains(session.Value, "alice") || strings.Contains(session.Value, "ghu_") {
		t.Errorf("the session cookie shows what it holds: %s", session.Value)
	}

	// A log line holding a secret is masked on the page.
	resp, repoPage := fetch(t, c, http.MethodGet, e.url+"/repos/acme/infra", nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "default-src 'none'") {
		t.Fatalf("repository page: %d, CSP %q", resp.StatusCode, resp.Header.Get("Content-Security-Policy"))
	}
	job := regexp.MustCompile(`href="(/repos/acme/infra/jobs/[^"]+)"`).FindStringSubmatch(repoPage)
	if job == nil {
		t.Fatalf("no job on the repository page:\n%s", repoPage)
	}
	_, jobPage := fetch(t, c, http.MethodGet, e.url+job[1], nil)
	if strings.Contains(jobPage, secret) || !strings.Contains(jobPage, "token ***") {
		t.Errorf("the job page shows the secret, or not its mask:\n%s", jobPage)
	}

	// Forms without the session's CSRF token are refused.
	token := csrfInput.FindStringSubmatch(repoPage)
	if token == nil {
		t.Fatalf("no CSRF token on the repository page:\n%s", repoPage)
	}
	unlock := func(csrf string) int {
		t.Helper()
		form := url.Values{"dir": {"app"}, "workspace": {"default"}, "confirm": {"yes"}}
		if csrf != "" {
			form.Set("csrf", csrf)
		}
		resp, _ := fetch(t, c, http.MethodPost, e.url+"/repos/acme/infra/unlock", form)
		return resp.StatusCode
	}
	if code := unlock(""); code != http.StatusForbidden {
		t.Errorf("unlock without a CSRF token: %d, want 403", code)
	}
	if code := unlock(strings.ToUpper(token[1])); code != http.StatusForbidden {
		t.Errorf("unlock with a forged CSRF token: %d, want 403", code)
	}
	if _, page := fetch(t, c, http.MethodGet, e.url+"/repos/acme/infra", nil); !strings.Contains(page, "LOCKED") {
		t.Fatalf("the lock went without a token:\n%s", page)
	}
	if code := unlock(token[1]); code != http.StatusSeeOther {
		t.Errorf("unlock with the token: %d, want 303", code)
	}
	e.waitFor("the release to be told", func() bool {
		for _, cm := range e.fake.Comments("acme", "infra", 1) {
			if strings.Contains(cm.Body, "released by `alice` from paved-bot's page") {
				return e.idle()
			}
		}
		return false
	})
}

// TestAccBotWebOffWithoutLogin: with no OAuth client the page is not
// there at all, never open.
func TestAccBotWebOffWithoutLogin(t *testing.T) {
	e := newEnv(t, map[string]string{"README.md": "infra\n"})
	for _, path := range []string{"/", "/login", "/repos/acme/infra", "/repos/acme/infra/jobs/1", "/static/style.css"} {
		resp, err := http.Get(e.bot + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s with the page off: %d, want 404", path, resp.StatusCode)
		}
	}
}

func TestServeRefusesBadWebConfiguration(t *testing.T) {
	for _, k := range []string{"PAVED_GITHUB_OAUTH_CLIENT_ID", "PAVED_GITHUB_OAUTH_CLIENT_SECRET", "PAVED_WEB_URL"} {
		t.Setenv(k, "")
		_ = os.Unsetenv(k)
	}
	good := []string{"--webhook-secret", "s", "--repo-allowlist", "github.com/acme/*", "--github-token", "t", "--terraform=1.8.5=/usr/local/bin/terraform", "--data-dir", t.TempDir()}
	for name, tc := range map[string]struct {
		args []string
		want string
	}{
		"no client secret":       {[]string{"--github-oauth-client-id", "Iv1.x", "--web-url", "https://bot.example.com"}, "--github-oauth-client-secret (PAVED_GITHUB_OAUTH_CLIENT_SECRET): required"},
		"no web url":             {[]string{"--github-oauth-client-id", "Iv1.x", "--github-oauth-client-secret", "s"}, "--web-url (PAVED_WEB_URL): required"},
		"web url with a path":    {[]string{"--github-oauth-client-id", "Iv1.x", "--github-oauth-client-secret", "s", "--web-url", "https://bot.example.com/paved"}, "no path"},
		"http without insecure":  {[]string{"--github-oauth-client-id", "Iv1.x", "--github-oauth-client-secret", "s", "--web-url", "http://localhost:8080"}, "--insecure-cookies"},
		"secret without a login": {[]string{"--github-oauth-client-secret", "s"}, "--github-oauth-client-id (PAVED_GITHUB_OAUTH_CLIENT_ID): required"},
	} {
		t.Run(name, func(t *testing.T) {
			if out := serveErr(t, append(tc.args, good...)...); !strings.Contains(out, tc.want) {
				t.Fatalf("want %q in:\n%s", tc.want, out)
			}
		})
	}
}
