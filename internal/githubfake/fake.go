// Package githubfake is a stateful GitHub stand-in for tests: an
// http.Handler serving the REST calls a GitOps bot makes, over repositories
// backed by real local git repositories, plus a Go API to set the scene
// (pull requests, pushes, reviews, merges) and to read back what the client
// did. Its responses are GitHub's own examples from the REST description with
// the fake's state laid over them, so they satisfy GitHub's schema; it is
// meant to run behind internal/prism, which checks exactly that.
package githubfake

import (
	"bytes"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"time"
)

// Options configure who may call the fake and who it says acts.
type Options struct {
	// Token is accepted on every endpoint, as "token T" or "Bearer T".
	Token string
	// AppID and AppPublicKey verify the RS256 JWTs a GitHub App presents to
	// exchange for an installation token; without a key no App can log in.
	AppID        int64
	AppPublicKey *rsa.PublicKey
	// InstallationID is the App's one installation: the id webhook payloads
	// carry and the only one tokens are issued for. Default 1.
	InstallationID int64
	// BotLogin is the user the API calls act as: the author of the comments,
	// statuses and reactions they create. Default "paved[bot]".
	BotLogin string
	// Now is the clock the rate limits run on (LimitWrites, LimitRequests),
	// so a test can share it with a client that waits without sleeping.
	// Default time.Now.
	Now func() time.Time
}

// Call is one request the fake answered, in the order they came.
type Call struct {
	Method string
	Path   string
	Query  url.Values
	Body   json.RawMessage // the request's JSON body; nil when it had none
	Status int
}

// Fake is the stand-in. Create it with New; serve it with httptest.
type Fake struct {
	t        Reporter
	opts     Options
	examples *examples
	mux      *http.ServeMux

	mu      sync.Mutex
	repos   map[string]*repo // by "owner/name"
	tokens  map[string]time.Time
	userIDs map[string]int64
	teams   map[string]*team // by teamKey
	nextID  int64
	calls   []Call
	onCall  func(Call)
	limits  limits
	oauth   oauthState // the web flow's (oauth.go)
}

// Reporter is where misuse of the Go API is reported: a *testing.T, or a
// program's own fatal logger (the demo and the benchmark run the fake too).
type Reporter interface {
	Helper()
	Fatalf(format string, args ...any)
}

// New returns a fake without repositories. Misuse of the Go API (an unknown
// repository, a commit git does not have) fails t.
func New(t Reporter, opts Options) *Fake {
	t.Helper()
	ex, err := loadExamples()
	if err != nil {
		t.Fatalf("%v", err)
	}
	if opts.InstallationID == 0 {
		opts.InstallationID = 1
	}
	if opts.BotLogin == "" {
		opts.BotLogin = "paved[bot]"
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	f := &Fake{
		t: t, opts: opts, examples: ex,
		repos: map[string]*repo{}, tokens: map[string]time.Time{}, userIDs: map[string]int64{},
		teams: map[string]*team{}, nextID: 1000, limits: limits{writes: -1, requests: -1},
	}
	f.routes()
	return f
}

// ServeHTTP authenticates, routes and records one request.
func (f *Fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var body []byte
	if r.Body != nil {
		var err error
		if body, err = io.ReadAll(r.Body); err != nil {
			writeError(w, http.StatusBadRequest, "Problems parsing JSON", docsRoot)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	call := Call{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query()}
	if len(bytes.TrimSpace(body)) > 0 {
		call.Body = json.RawMessage(body)
	}
	f.mu.Lock()
	hook := f.onCall
	f.mu.Unlock()
	if hook != nil {
		hook(call)
	}
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	f.mux.ServeHTTP(rec, r)

	call.Status = rec.status
	f.mu.Lock()
	f.calls = append(f.calls, call)
	f.mu.Unlock()
}

// OnCall sets fn to be called with each request before the fake handles it
// (Status is still 0), so a fault test can kill its client at the k-th
// GitHub call. The request is then handled as usual: killing the client in
// fn leaves the call done and its answer lost. fn runs on the request's
// goroutine without the fake's lock, so it may use the Go API; concurrent
// requests call it concurrently. nil removes it.
func (f *Fake) OnCall(fn func(c Call)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.onCall = fn
}

// Calls returns every request answered so far.
func (f *Fake) Calls() []Call {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.calls)
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

const docsRoot = "https://docs.github.com/rest"

// writeError answers in GitHub's error shape.
func writeError(w http.ResponseWriter, status int, message, docs string) {
	writeJSON(w, status, map[string]any{
		"message":           message,
		"documentation_url": docs,
		"status":            strconv.Itoa(status),
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		data = fmt.Appendf(nil, `{"message":%q}`, err.Error())
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(data)
}

// newID hands out ids for everything the fake creates; callers hold f.mu.
func (f *Fake) newID() int64 {
	f.nextID++
	return f.nextID
}

// now is GitHub's timestamp precision: whole seconds, UTC.
func now() time.Time {
	return time.Now().UTC().Truncate(time.Second)
}
