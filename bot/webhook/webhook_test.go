package webhook

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-github/v60/github"
)

const secret = "s3cret"

const comment = `{"action":"created","issue":{"number":7,"pull_request":{"url":"x"}},"comment":{"id":1,"body":"paved plan"},"repository":{"full_name":"acme/infra"}}`

// acceptFunc is a Handler made of a function.
type acceptFunc func(Delivery) (string, error)

func (f acceptFunc) Accept(d Delivery) (string, error) { return f(d) }

// runs is a Handler that records each delivery it is handed.
type runs struct {
	mu  sync.Mutex
	got []Delivery
	ran int
}

func (r *runs) Accept(d Delivery) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, d)
	r.ran++
	return "accepted", nil
}

// logBuffer collects log output written from several goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// count counts the entries of message msg, which has a space, so slog's
// text handler quotes it.
func (b *logBuffer) count(msg string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return strings.Count(b.buf.String(), `msg="`+msg+`"`)
}

// unreadable is a body that fails the test when anything reads it.
type unreadable struct{ t *testing.T }

func (u unreadable) Read([]byte) (int, error) {
	u.t.Error("the body was read")
	return 0, io.EOF
}

// heldBody blocks its first read until release is closed, holding the
// request's share of the intake meanwhile.
type heldBody struct {
	started, release chan struct{}
	once             sync.Once
	data             io.Reader
}

func newHeldBody(data string) *heldBody {
	return &heldBody{started: make(chan struct{}), release: make(chan struct{}), data: strings.NewReader(data)}
}

func (b *heldBody) Read(p []byte) (int, error) {
	b.once.Do(func() { close(b.started) })
	<-b.release
	return b.data.Read(p)
}

func sign(secret, body string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(body))
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

func newIntake(h Handler, logs io.Writer) *Intake {
	return &Intake{
		Secret: []byte(secret), Allowlist: []string{"github.com/acme/*"}, Host: "github.com",
		Handler: h, MaxBody: 1024, Log: slog.New(slog.NewTextHandler(logs, nil)),
	}
}

// post builds a delivery; a negative length leaves Content-Length unknown.
func post(event string, body io.Reader, length int64, signature string) *http.Request {
	req := httptest.NewRequest(http.MethodPost, "/events", body)
	req.ContentLength = length
	req.Header.Set("X-GitHub-Event", event)
	req.Header.Set("X-GitHub-Delivery", "d-1")
	if signature != "" {
		req.Header.Set("X-Hub-Signature-256", signature)
	}
	return req
}

func signed(event, body string) *http.Request {
	return post(event, strings.NewReader(body), int64(len(body)), sign(secret, body))
}

func serve(in *Intake, req *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	in.ServeHTTP(w, req)
	return w
}

func TestValidSignature(t *testing.T) {
	body := []byte(`{"zen":"Keep it logically awesome."}`)
	good := sign("s3cret", string(body))
	cases := map[string]struct {
		secret, header string
		want           bool
	}{
		"valid":               {"s3cret", good, true},
		"wrong secret":        {"other", good, false},
		"missing header":      {"s3cret", "", false},
		"sha1 header":         {"s3cret", "sha1=" + strings.TrimPrefix(good, "sha256="), false},
		"not hex":             {"s3cret", "sha256=zz", false},
		"not hex, full size":  {"s3cret", "sha256=" + strings.Repeat("z", 64), false},
		"truncated":           {"s3cret", good[:len(good)-2], false},
		"too long":            {"s3cret", good + "00", false},
		"upper-case prefix":   {"s3cret", "SHA256=" + strings.TrimPrefix(good, "sha256="), false},
		"upper-case hex":      {"s3cret", "sha256=" + strings.ToUpper(strings.TrimPrefix(good, "sha256=")), true},
		"empty secret, empty": {"", sign("", string(body)), false},
	}
	for name, tc := range cases {
		if got := ValidSignature([]byte(tc.secret), body, tc.header); got != tc.want {
			t.Errorf("%s: got %v, want %v", name, got, tc.want)
		}
	}
}

func TestIntake(t *testing.T) {
	other := strings.Replace(comment, "acme/infra", "evil/infra", 1)
	pr := `{"action":"opened","number":3,"pull_request":{"number":3},"repository":{"full_name":"acme/infra"}}`
	huge := strings.Repeat("x", 2048)
	cases := []struct {
		name string
		req  *http.Request
		want int
		ran  bool
	}{
		{"signed comment", signed("issue_comment", comment), http.StatusAccepted, true},
		{"signed pull request", signed("pull_request", pr), http.StatusAccepted, true},
		{"unsigned", post("issue_comment", strings.NewReader(comment), int64(len(comment)), ""), http.StatusUnauthorized, false},
		{"wrong secret", post("issue_comment", strings.NewReader(comment), int64(len(comment)), sign("nope", comment)), http.StatusUnauthorized, false},
		{"body changed after signing", post("issue_comment", strings.NewReader(comment+" "), int64(len(comment))+1, sign(secret, comment)), http.StatusUnauthorized, false},
		{"too large", signed("issue_comment", huge), http.StatusRequestEntityTooLarge, false},
		{"too large, no length", post("issue_comment", strings.NewReader(huge), -1, sign(secret, huge)), http.StatusRequestEntityTooLarge, false},
		{"no length", post("issue_comment", strings.NewReader(comment), -1, sign(secret, comment)), http.StatusAccepted, true},
		{"shorter than its length", post("issue_comment", strings.NewReader(comment), int64(len(comment))+1, sign(secret, comment)), http.StatusBadRequest, false},
		{"malformed json", signed("issue_comment", `{"action":`), http.StatusBadRequest, false},
		{"no repository", signed("issue_comment", `{"action":"created"}`), http.StatusBadRequest, false},
		{"unhandled event", signed("push", `{}`), http.StatusAccepted, false},
		{"repo outside allowlist", signed("issue_comment", other), http.StatusAccepted, false},
		{"GET", httptest.NewRequest(http.MethodGet, "/events", nil), http.StatusMethodNotAllowed, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := &runs{}
			w := serve(newIntake(h, io.Discard), tc.req)
			if w.Code != tc.want {
				t.Fatalf("status %d, want %d (%s)", w.Code, tc.want, w.Body)
			}
			if got := h.ran == 1; got != tc.ran {
				t.Fatalf("ran = %v, want %v", got, tc.ran)
			}
		})
	}
}

func TestDelivery(t *testing.T) {
	h := &runs{}
	w := serve(newIntake(h, io.Discard), signed("issue_comment", comment))
	if w.Code != http.StatusAccepted || w.Body.String() != "accepted\n" {
		t.Fatalf("got %d %q", w.Code, w.Body)
	}
	if len(h.got) != 1 {
		t.Fatalf("%d deliveries, want 1", len(h.got))
	}
	d := h.got[0]
	sum := sha256.Sum256([]byte(comment))
	if d.ID != "d-1" || d.Event != "issue_comment" || d.Repo != "acme/infra" || d.BodySHA256 != hex.EncodeToString(sum[:]) {
		t.Errorf("delivery %+v", d)
	}
	if e, ok := d.Payload.(*github.IssueCommentEvent); !ok || e.GetComment().GetBody() != "paved plan" {
		t.Errorf("payload %#v", d.Payload)
	}
}

func TestRefusedBeforeReading(t *testing.T) {
	cases := []struct {
		name      string
		length    int64
		signature string
		secret    string
		want      int
	}{
		{"no signature", 100, "", secret, http.StatusUnauthorized},
		{"no signature, no length", -1, "", secret, http.StatusUnauthorized},
		{"sha1 signature", 100, "sha1=" + strings.Repeat("0", 40), secret, http.StatusUnauthorized},
		{"short signature", 100, "sha256=00", secret, http.StatusUnauthorized},
		{"no secret configured", 100, sign("", comment), "", http.StatusUnauthorized},
		{"length over MaxBody", 1025, sign(secret, comment), secret, http.StatusRequestEntityTooLarge},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := newIntake(acceptFunc(func(Delivery) (string, error) {
				t.Error("Accept called")
				return "", nil
			}), io.Discard)
			in.Secret = []byte(tc.secret)
			w := serve(in, post("issue_comment", unreadable{t}, tc.length, tc.signature))
			if w.Code != tc.want {
				t.Fatalf("status %d, want %d (%s)", w.Code, tc.want, w.Body)
			}
		})
	}
}

func TestBusy(t *testing.T) {
	cases := []struct {
		name        string
		maxInFlight int64
		maxReaders  int
		next        int64 // Content-Length of the refused request
	}{
		{"bytes in flight", 1024, 8, 1000},
		{"unknown length charged MaxBody", 1024 + 100, 8, -1},
		{"readers", 1 << 20, 1, 10},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := &runs{}
			in := newIntake(h, io.Discard)
			in.MaxInFlight, in.MaxReaders, in.QueueWait = tc.maxInFlight, tc.maxReaders, 50*time.Millisecond

			held := newHeldBody(comment)
			first := httptest.NewRecorder()
			done := make(chan struct{})
			go func() {
				defer close(done)
				in.ServeHTTP(first, post("issue_comment", held, int64(len(comment)), sign(secret, comment)))
			}()
			<-held.started

			start := time.Now()
			w := httptest.NewRecorder()
			in.ServeHTTP(w, post("issue_comment", unreadable{t}, tc.next, sign(secret, comment)))
			if w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") == "" {
				t.Errorf("while held: status %d, Retry-After %q (%s)", w.Code, w.Header().Get("Retry-After"), w.Body)
			}
			if waited := time.Since(start); waited < 50*time.Millisecond {
				t.Errorf("refused after %v, before QueueWait", waited)
			}

			close(held.release)
			<-done
			if first.Code != http.StatusAccepted {
				t.Errorf("held request: status %d (%s)", first.Code, first.Body)
			}
			// The held share is back.
			if w := serve(in, signed("issue_comment", comment)); w.Code != http.StatusAccepted {
				t.Errorf("after release: status %d (%s)", w.Code, w.Body)
			}
			if h.ran != 2 {
				t.Errorf("ran %d, want 2", h.ran)
			}
		})
	}
}

func TestAcceptError(t *testing.T) {
	logs := &logBuffer{}
	in := newIntake(acceptFunc(func(Delivery) (string, error) {
		return "", errors.New("bolt: database not open")
	}), logs)
	w := serve(in, signed("issue_comment", comment))
	if w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") == "" {
		t.Fatalf("status %d, Retry-After %q", w.Code, w.Header().Get("Retry-After"))
	}
	if strings.Contains(w.Body.String(), "bolt") {
		t.Errorf("response shows the internal error: %q", w.Body)
	}
	if logs.count("webhook not recorded") != 1 || logs.count("webhook recorded") != 0 {
		t.Errorf("logs:\n%s", logs.buf.String())
	}
}

func TestDuplicate(t *testing.T) {
	logs := &logBuffer{}
	in := newIntake(acceptFunc(func(Delivery) (string, error) {
		return "duplicate delivery: ignored", nil
	}), logs)
	w := serve(in, signed("issue_comment", comment))
	if w.Code != http.StatusAccepted || w.Body.String() != "duplicate delivery: ignored\n" {
		t.Fatalf("got %d %q", w.Code, w.Body)
	}
	if logs.count("webhook recorded") != 1 {
		t.Errorf("logs:\n%s", logs.buf.String())
	}
}

func TestUnknownLength(t *testing.T) {
	cases := []struct {
		name    string
		maxBody int64
		size    int
		want    int
	}{
		{"exactly MaxBody", 1024, 1024, http.StatusAccepted},
		{"one byte over", 1024, 1025, http.StatusRequestEntityTooLarge},
		{"buffer grown several times", 0, 300 << 10, http.StatusAccepted},
		{"empty", 1024, 0, http.StatusAccepted},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := newIntake(&runs{}, io.Discard)
			in.MaxBody = tc.maxBody
			body := strings.Repeat("x", tc.size)
			// An ignored event: the signature is checked over the whole body, nothing is parsed.
			w := serve(in, post("push", strings.NewReader(body), -1, sign(secret, body)))
			if w.Code != tc.want {
				t.Fatalf("status %d, want %d (%s)", w.Code, tc.want, w.Body)
			}
		})
	}
}
