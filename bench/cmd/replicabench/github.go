package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/paved-road/paved/bench/cli"
	"github.com/paved-road/paved/bench/proc"
	"github.com/paved-road/paved/internal/githubfake"
)

const (
	owner    = "acme"
	repoName = "infra"
	author   = "alice"
	botLogin = "paved[bot]"
	secret   = "replicabench-webhook-secret"
	token    = "ghs_replicabenchInstallationToken0000000"
)

// The bot's final comment of each command starts with one of these.
const (
	planMarker  = "paved autoplan at"
	applyMarker = "### paved apply at"
)

// github is one configuration's repository and its GitHub: the stand-in,
// behind a recorder, served on loopback.
type github struct {
	origin string // the repository's git dir; main is checked out
	state  string // the projects' Terraform state and apply records, outside every clone
	fake   *githubfake.Fake
	wire   *wire
	api    *httptest.Server
	heads  []string // the head commit of pull request k at k; [0] unused
	files  [][]string
}

// projectNames are pull request k's two projects.
func projectNames(k int) []string {
	return []string{fmt.Sprintf("p%da", k), fmt.Sprintf("p%db", k)}
}

// pavedYAML declares the projects of pull requests 1 to prs.
func pavedYAML(prs int) string {
	var b strings.Builder
	b.WriteString("version: 1\nprojects:\n")
	for k := 1; k <= prs; k++ {
		for _, name := range projectNames(k) {
			fmt.Fprintf(&b, "  - name: %s\n    dir: %s\n", name, name)
		}
	}
	return b.String()
}

// projectFile is a project's one file: a terraform_data resource, built in
// (no provider to install), with a local backend whose state lies outside
// the working copy as a remote one would, whose creation appends a line to
// STATE/<name>.applies.
func projectFile(name string, k int, state string) string {
	return fmt.Sprintf(`terraform {
  backend "local" {
    path = %q
  }
}

resource "terraform_data" %q {
  input = "pr%d"

  provisioner "local-exec" {
    command = "echo applied >> %s"
  }
}
`, filepath.Join(state, name+".tfstate"), name, k, filepath.Join(state, name+".applies"))
}

// newGitHub makes the repository in dir, main declaring every project and
// branch pr-k adding pull request k's two, and opens the pull requests on a
// fresh stand-in.
func newGitHub(ctx context.Context, dir string, prs int) (*github, error) {
	g := &github{
		origin: filepath.Join(dir, "github", owner, repoName),
		state:  filepath.Join(dir, "state"),
		heads:  make([]string, prs+1),
		files:  make([][]string, prs+1),
	}
	for _, d := range []string{g.origin, g.state} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, err
		}
	}
	gitIn := func(args ...string) (string, error) {
		out, err := proc.Output(ctx, g.origin, proc.GitEnv(dir), "git", args...)
		return strings.TrimSpace(out), err
	}
	if err := proc.WriteFiles(g.origin, map[string]string{"paved.yaml": pavedYAML(prs), "README.md": "infra\n"}); err != nil {
		return nil, err
	}
	for _, step := range [][]string{{"init", "-q", "-b", "main"}, {"add", "."}, {"commit", "-q", "-m", "initial"}} {
		if _, err := gitIn(step...); err != nil {
			return nil, err
		}
	}
	for k := 1; k <= prs; k++ {
		branch := "pr-" + strconv.Itoa(k)
		files := map[string]string{}
		for _, name := range projectNames(k) {
			files[name+"/main.tf"] = projectFile(name, k, g.state)
			g.files[k] = append(g.files[k], name+"/main.tf")
		}
		sort.Strings(g.files[k])
		if _, err := gitIn("checkout", "-q", "-b", branch, "main"); err != nil {
			return nil, err
		}
		if err := proc.WriteFiles(g.origin, files); err != nil {
			return nil, err
		}
		if _, err := gitIn("add", "."); err != nil {
			return nil, err
		}
		if _, err := gitIn("commit", "-q", "-m", "change "+branch); err != nil {
			return nil, err
		}
		head, err := gitIn("rev-parse", "HEAD")
		if err != nil {
			return nil, err
		}
		g.heads[k] = head
		if _, err := gitIn("checkout", "-q", "main"); err != nil {
			return nil, err
		}
	}
	g.fake = githubfake.New(cli.FakeReporter{}, githubfake.Options{Token: token, BotLogin: botLogin})
	g.fake.AddRepo(owner, repoName, g.origin)
	for k := 1; k <= prs; k++ {
		g.fake.OpenPR(owner, repoName, githubfake.PR{
			Number: k, Author: author, HeadRef: "pr-" + strconv.Itoa(k), HeadSHA: g.heads[k], BaseRef: "main", Files: g.files[k],
		})
	}
	g.wire = &wire{next: g.fake}
	g.api = httptest.NewServer(g.wire)
	return g, nil
}

func (g *github) close() {
	if g.api != nil {
		g.api.Close()
	}
}

// botReplies are the bot's comments on pull request k that contain marker.
func (g *github) botReplies(k int, marker string) []string {
	var out []string
	for _, c := range g.fake.Comments(owner, repoName, k) {
		if c.User == botLogin && strings.Contains(c.Body, marker) {
			out = append(out, c.Body)
		}
	}
	return out
}

// lastStatus is the newest commit status of context on pull request k's
// head.
func (g *github) lastStatus(k int, context string) (githubfake.Status, bool) {
	var last githubfake.Status
	found := false
	for _, s := range g.fake.Statuses(owner, repoName, g.heads[k]) {
		if s.Context == context {
			last, found = s, true
		}
	}
	return last, found
}

// wire timestamps the bot's comments as the stand-in stores them: the moment
// a command is answered for whoever reads the pull request.
type wire struct {
	next http.Handler

	mu      sync.Mutex
	replies []reply
}

// reply is one comment the bot posted.
type reply struct {
	pr   int
	body string
	at   time.Time // when the stand-in had answered the POST
}

// commentPath is the endpoint that creates a comment on a pull request.
var commentPath = regexp.MustCompile(`^/repos/[^/]+/[^/]+/issues/([0-9]+)/comments$`)

// commentPR is the pull request a request creates a comment on, or 0.
func commentPR(method, path string) int {
	if method != http.MethodPost {
		return 0
	}
	m := commentPath.FindStringSubmatch(path)
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

func (wr *wire) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	pr := commentPR(r.Method, r.URL.Path)
	if pr == 0 {
		wr.next.ServeHTTP(w, r)
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	rec := &statusWriter{ResponseWriter: w, status: http.StatusOK}
	wr.next.ServeHTTP(rec, r)
	at := time.Now()
	var comment struct{ Body string }
	if rec.status/100 != 2 || json.Unmarshal(body, &comment) != nil {
		return
	}
	wr.mu.Lock()
	wr.replies = append(wr.replies, reply{pr: pr, body: comment.Body, at: at})
	wr.mu.Unlock()
}

// firstReply is when pull request k first got a reply containing marker
// after since.
func (wr *wire) firstReply(k int, marker string, since time.Time) (time.Time, bool) {
	wr.mu.Lock()
	defer wr.mu.Unlock()
	for _, r := range wr.replies {
		if r.pr == k && r.at.After(since) && strings.Contains(r.body, marker) {
			return r.at, true
		}
	}
	return time.Time{}, false
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}
