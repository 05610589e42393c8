package githubapi

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// stub answers every request with status, header and body, counting them.
type stub struct {
	status int
	header http.Header
	body   string
	calls  int
}

func (s *stub) RoundTrip(req *http.Request) (*http.Response, error) {
	s.calls++
	if req.Body != nil {
		_, _ = io.Copy(io.Discard, req.Body)
		req.Body.Close()
	}
	return &http.Response{StatusCode: s.status, Header: s.header.Clone(), Body: io.NopCloser(strings.NewReader(s.body)), Request: req}, nil
}

// try sends req through backoff over s on a clock that moves only when it
// waits, and returns the waits and the last answer's body.
func try(t *testing.T, s *stub, req *http.Request) ([]time.Duration, string) {
	t.Helper()
	now := time.Now()
	var waits []time.Duration
	b := &backoff{next: s, now: func() time.Time { return now }, sleep: func(_ context.Context, d time.Duration) error {
		now = now.Add(d)
		waits = append(waits, d)
		return nil
	}}
	resp, err := b.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return waits, string(body)
}

func get(t *testing.T) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, "https://api.github.com/repos/acme/infra", nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

func TestBackoffLeavesOtherErrorsAlone(t *testing.T) {
	for _, s := range []*stub{
		{status: http.StatusForbidden, body: `{"message":"Resource not accessible by integration"}`},
		{status: http.StatusNotFound, body: `{"message":"Not Found"}`},
		{status: http.StatusInternalServerError, header: http.Header{"Retry-After": {"1"}}},
	} {
		if waits, body := try(t, s, get(t)); s.calls != 1 || len(waits) != 0 || body != s.body {
			t.Errorf("%d %s: %d calls, waits %v, body %q; want one call, answered as it was", s.status, s.body, s.calls, waits, body)
		}
	}
}

func TestBackoffDoublesWithoutAWaitGiven(t *testing.T) {
	for _, s := range []*stub{
		{status: http.StatusForbidden, body: `{"message":"API Rate Limit exceeded"}`},
		{status: http.StatusTooManyRequests, header: http.Header{"X-Ratelimit-Remaining": {"0"}}},
	} {
		waits, body := try(t, s, get(t))
		if s.calls != 4 || len(waits) != 3 || body != s.body {
			t.Fatalf("%d calls, waits %v, body %q; want 3 retries, then the last answer", s.calls, waits, body)
		}
		for i, w := range waits {
			if want := time.Second << i; w < want || w >= want+jitter {
				t.Errorf("wait %d: %v, want %v plus jitter", i, w, want)
			}
		}
	}
}

func TestBackoffWaitsAtMostAMinute(t *testing.T) {
	s := &stub{status: http.StatusTooManyRequests, header: http.Header{"Retry-After": {"25"}}}
	// Two waits of 25 s fit in the minute; a third does not.
	if waits, _ := try(t, s, get(t)); s.calls != 3 || len(waits) != 2 {
		t.Errorf("%d calls, waits %v; want 3 calls, 2 waits", s.calls, waits)
	}
	s = &stub{status: http.StatusForbidden, header: http.Header{"Retry-After": {"61"}}}
	if waits, _ := try(t, s, get(t)); s.calls != 1 || len(waits) != 0 {
		t.Errorf("%d calls, waits %v; want no wait over a minute", s.calls, waits)
	}
}

func TestBackoffReplaysTheBody(t *testing.T) {
	s := &stub{status: http.StatusForbidden, header: http.Header{"Retry-After": {"1"}}}
	var sent []string
	b := &backoff{next: roundTripper(func(req *http.Request) (*http.Response, error) {
		body, _ := io.ReadAll(req.Body)
		sent = append(sent, string(body))
		return s.RoundTrip(req)
	}), now: time.Now, sleep: func(context.Context, time.Duration) error { return nil }}
	req, err := http.NewRequest(http.MethodPost, "https://api.github.com/repos/acme/infra/issues/7/comments", strings.NewReader(`{"body":"hi"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := b.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if len(sent) != 4 || sent[3] != `{"body":"hi"}` {
		t.Errorf("sent %q, want the body four times", sent)
	}

	// Without GetBody the body cannot be sent again.
	s.calls = 0
	req, err = http.NewRequest(http.MethodPost, "https://api.github.com/repos/acme/infra/issues/7/comments", io.NopCloser(strings.NewReader("{}")))
	if err != nil {
		t.Fatal(err)
	}
	try(t, s, req)
	if s.calls != 1 {
		t.Errorf("%d calls without GetBody, want 1", s.calls)
	}
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }
