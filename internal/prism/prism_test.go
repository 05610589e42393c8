package prism_test

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/paved-road/paved/internal/prism"
)

// One Prism for the package (it takes seconds to load GitHub's description),
// in front of an upstream each test programs for itself.
var (
	server     *prism.Server
	upstream   stub
	statusPath = "/repos/octo/demo/statuses/6dcb09b5b57875f334f61aebed695e2e4193db5e"
)

func TestMain(m *testing.M) {
	os.Exit(prism.Main(m, &upstream, &server))
}

// stub is an upstream that answers every request with one programmed
// response and counts what reaches it.
type stub struct {
	mu     sync.Mutex
	status int
	body   string
	hits   int
}

func (s *stub) answer(status int, body string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status, s.body, s.hits = status, body, 0
}

func (s *stub) calls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits
}

func (s *stub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hits++
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(s.status)
	_, _ = io.WriteString(w, s.body)
}

func send(t *testing.T, method, path, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, server.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "application/vnd.github+json")
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(got)
}

// A commit status exactly as GitHub's description requires it.
const validStatus = `{
  "url": "https://api.github.com/repos/octo/demo/statuses/6dcb09b5b57875f334f61aebed695e2e4193db5e",
  "avatar_url": null, "id": 1, "node_id": "MDY6U3RhdHVzMQ==", "state": "success",
  "description": "plan: 1 to add", "target_url": null, "context": "paved/plan",
  "created_at": "2024-01-01T00:00:00Z", "updated_at": "2024-01-01T00:00:00Z", "creator": null
}`

func TestValidExchangeHasNoViolations(t *testing.T) {
	prism.Require(t, server)
	upstream.answer(http.StatusCreated, validStatus)
	status, body := send(t, http.MethodPost, statusPath, `{"state":"success","context":"paved/plan"}`)
	if status != http.StatusCreated || !strings.Contains(body, `"paved/plan"`) {
		t.Errorf("got %d %s, want the upstream's 201 status", status, body)
	}
	if v := server.Violations(); len(v) != 0 {
		t.Errorf("violations for a valid exchange: %q", v)
	}
}

func TestInvalidRequestIsCaught(t *testing.T) {
	prism.Require(t, server)
	upstream.answer(http.StatusCreated, validStatus)
	status, _ := send(t, http.MethodPost, statusPath, `{"state":"bogus"}`)
	if status != http.StatusUnprocessableEntity {
		t.Errorf("status %d for an invalid request, want 422", status)
	}
	if n := upstream.calls(); n != 0 {
		t.Errorf("an invalid request reached the upstream %d times", n)
	}
	wantViolation(t, "POST "+statusPath+" -> 422: Error at body.state: ", "must be equal to one of the allowed values")
}

func TestInvalidResponseIsCaught(t *testing.T) {
	prism.Require(t, server)
	// A pull request with its number and nothing else GitHub promises.
	upstream.answer(http.StatusOK, `{"number": 7, "state": "open"}`)
	status, _ := send(t, http.MethodGet, "/repos/octo/demo/pulls/7", "")
	if status != http.StatusInternalServerError {
		t.Errorf("status %d for an invalid response, want prism's 500", status)
	}
	wantViolation(t, "GET /repos/octo/demo/pulls/7 -> 500: Error at response.body: ", "must have required property 'head'")
}

func TestUndocumentedStatusIsCaught(t *testing.T) {
	prism.Require(t, server)
	// The operation documents no 418; Prism passes the answer on with a warning.
	upstream.answer(http.StatusTeapot, `{"message": "I'm a teapot", "documentation_url": "https://docs.github.com/rest"}`)
	status, _ := send(t, http.MethodGet, "/repos/octo/demo/pulls/7", "")
	if status != http.StatusTeapot {
		t.Errorf("status %d, want the upstream's 418", status)
	}
	wantViolation(t, "GET /repos/octo/demo/pulls/7 -> 418: Warning at response: ", "Unable to match the returned status code")
}

func TestUnknownPathIsCaught(t *testing.T) {
	prism.Require(t, server)
	upstream.answer(http.StatusOK, `{}`)
	status, _ := send(t, http.MethodGet, "/no/such/api?page=2", "")
	if status != http.StatusNotFound {
		t.Errorf("status %d for a path GitHub lacks, want 404", status)
	}
	if n := upstream.calls(); n != 0 {
		t.Errorf("a path GitHub lacks reached the upstream %d times", n)
	}
	wantViolation(t, "GET /no/such/api?page=2 -> 404: Route not resolved", "hasn't been found in the specification")
}

func TestResetForgetsViolations(t *testing.T) {
	prism.Require(t, server)
	send(t, http.MethodGet, "/no/such/api", "")
	if len(server.Violations()) == 0 {
		t.Fatal("no violation recorded for a path GitHub lacks")
	}
	server.Reset()
	if v := server.Violations(); len(v) != 0 {
		t.Errorf("violations after Reset: %q", v)
	}
}

// wantViolation fails unless violations were recorded, all starting with
// prefix and one containing text.
func wantViolation(t *testing.T, prefix, text string) {
	t.Helper()
	v := server.Violations()
	found := false
	for _, s := range v {
		if !strings.HasPrefix(s, prefix) {
			t.Errorf("violation %q, want it to start with %q", s, prefix)
		}
		found = found || strings.Contains(s, text)
	}
	if !found {
		t.Errorf("violations %q, want one containing %q", v, text)
	}
}

func TestPathsFollowTheCache(t *testing.T) {
	cache := t.TempDir()
	t.Setenv("PAVED_CACHE", cache)
	modules := filepath.Join(cache, "node", "node_modules")
	if got := prism.NodeModules(); got != modules {
		t.Errorf("NodeModules() = %s, want %s", got, modules)
	}
	if got, want := prism.SpecPath(), filepath.Join(modules, "@octokit/openapi/generated/api.github.com.json"); got != want {
		t.Errorf("SpecPath() = %s, want %s", got, want)
	}
	if got, want := prism.ExamplesPath(), filepath.Join(modules, "@octokit/webhooks-examples/api.github.com/index.json"); got != want {
		t.Errorf("ExamplesPath() = %s, want %s", got, want)
	}
	err := prism.Installed()
	if err == nil || !strings.Contains(err.Error(), "run scripts/tools.sh node") {
		t.Errorf("Installed() in an empty cache = %v, want the install hint", err)
	}
	if _, err := prism.Start(context.Background(), "http://127.0.0.1:1", filepath.Join(cache, "prism.log")); err == nil ||
		!strings.Contains(err.Error(), "run scripts/tools.sh node") {
		t.Errorf("Start in an empty cache = %v, want the install hint", err)
	}

	t.Setenv("PAVED_CACHE", "")
	t.Setenv("XDG_CACHE_HOME", cache)
	if got, want := prism.NodeModules(), filepath.Join(cache, "paved", "node", "node_modules"); got != want {
		t.Errorf("NodeModules() without PAVED_CACHE = %s, want %s", got, want)
	}
}
