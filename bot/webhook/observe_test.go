package webhook

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// observed collects what Intake.Observe is told, as "event result".
type observed struct {
	mu  sync.Mutex
	got []string
}

func (o *observed) observe(event, result string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.got = append(o.got, event+" "+result)
}

func (o *observed) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return strings.Join(o.got, ", ")
}

func TestObserve(t *testing.T) {
	other := strings.Replace(comment, "acme/infra", "evil/infra", 1)
	pr := `{"action":"opened","number":3,"pull_request":{"number":3},"repository":{"full_name":"acme/infra"}}`
	huge := strings.Repeat("x", 2048)
	note := func(n string, err error) Handler {
		return acceptFunc(func(Delivery) (string, error) { return n, err })
	}
	get := httptest.NewRequest(http.MethodGet, "/events", nil)
	get.Header.Set("X-GitHub-Event", "issue_comment")
	cases := []struct {
		name    string
		handler Handler
		req     *http.Request
		want    string
	}{
		{"recorded comment", &runs{}, signed("issue_comment", comment), "issue_comment recorded"},
		{"recorded pull request", &runs{}, signed("pull_request", pr), "pull_request recorded"},
		{"handler has nothing to do", note("", nil), signed("pull_request", pr), "pull_request recorded"},
		{"duplicate", note("duplicate delivery: ignored", nil), signed("issue_comment", comment), "issue_comment duplicate"},
		{"ignored by the handler", note("ignored: not a paved command", nil), signed("issue_comment", comment), "issue_comment ignored"},
		{"not recorded", note("", errors.New("store down")), signed("issue_comment", comment), "issue_comment not_recorded"},
		{"unhandled event, signed", &runs{}, signed("check_suite", `{}`), "check_suite ignored"},
		{"check run without a repository", &runs{}, signed("check_run", `{"action":"rerequested"}`), "check_run refused"},
		{"outside the allowlist", &runs{}, signed("issue_comment", other), "issue_comment ignored"},
		{"unsigned", &runs{}, post("issue_comment", strings.NewReader(comment), int64(len(comment)), ""), "issue_comment refused"},
		{"wrong secret", &runs{}, post("issue_comment", strings.NewReader(comment), int64(len(comment)), sign("nope", comment)), "issue_comment refused"},
		// An unverified request names no label of its own.
		{"unsigned, made-up event", &runs{}, post("x-"+strings.Repeat("a", 10), strings.NewReader(comment), int64(len(comment)), ""), "other refused"},
		{"badly signed, made-up event", &runs{}, post("push", strings.NewReader(comment), int64(len(comment)), sign("nope", comment)), "other refused"},
		{"signed, odd event name", &runs{}, signed("Push Event", `{}`), "other ignored"},
		{"too large", &runs{}, signed("issue_comment", huge), "issue_comment refused"},
		{"too large, no length", &runs{}, post("issue_comment", strings.NewReader(huge), -1, sign(secret, huge)), "issue_comment refused"},
		{"short body", &runs{}, post("issue_comment", strings.NewReader(comment), int64(len(comment))+1, sign(secret, comment)), "issue_comment refused"},
		{"malformed json", &runs{}, signed("issue_comment", `{"action":`), "issue_comment refused"},
		{"no repository", &runs{}, signed("issue_comment", `{"action":"created"}`), "issue_comment refused"},
		{"GET", &runs{}, get, "issue_comment refused"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o := &observed{}
			in := newIntake(tc.handler, io.Discard)
			in.Observe = o.observe
			serve(in, tc.req)
			if got := o.String(); got != tc.want {
				t.Fatalf("observed %q, want %q", got, tc.want)
			}
		})
	}
}

func TestObserveBusy(t *testing.T) {
	o := &observed{}
	in := newIntake(&runs{}, io.Discard)
	in.Observe = o.observe
	in.MaxReaders, in.QueueWait = 1, 20*time.Millisecond
	held := newHeldBody(comment)
	done := make(chan struct{})
	go func() {
		defer close(done)
		serve(in, post("issue_comment", held, int64(len(comment)), sign(secret, comment)))
	}()
	<-held.started
	if w := serve(in, post("pull_request", unreadable{t}, 10, sign(secret, comment))); w.Code != http.StatusServiceUnavailable {
		t.Fatalf("status %d, want 503", w.Code)
	}
	close(held.release)
	<-done
	if got, want := o.String(), "pull_request busy, issue_comment recorded"; got != want {
		t.Fatalf("observed %q, want %q", got, want)
	}
}

func TestObserveNil(t *testing.T) {
	// No Observe: the intake answers as ever.
	if w := serve(newIntake(&runs{}, io.Discard), signed("issue_comment", comment)); w.Code != http.StatusAccepted {
		t.Fatalf("status %d", w.Code)
	}
}
