package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-github/v60/github"
)

type recorder struct {
	mu       sync.Mutex
	prs      []*github.PullRequestEvent
	comments []*github.IssueCommentEvent
}

func (r *recorder) PullRequest(e *github.PullRequestEvent) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.prs = append(r.prs, e)
}

func (r *recorder) IssueComment(e *github.IssueCommentEvent) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.comments = append(r.comments, e)
}

func sign(secret, body string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(body))
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
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
		"truncated":           {"s3cret", good[:len(good)-2], false},
		"empty secret, empty": {"", sign("", string(body)), false},
	}
	for name, tc := range cases {
		if got := ValidSignature([]byte(tc.secret), body, tc.header); got != tc.want {
			t.Errorf("%s: got %v, want %v", name, got, tc.want)
		}
	}
}

func TestIntake(t *testing.T) {
	const secret = "s3cret"
	comment := `{"action":"created","issue":{"number":7,"pull_request":{"url":"x"}},"comment":{"id":1,"body":"paved plan"},"repository":{"full_name":"acme/infra"}}`
	other := strings.Replace(comment, "acme/infra", "evil/infra", 1)
	cases := []struct {
		name, event, body, signature string
		want                         int
		handled                      bool
	}{
		{"signed comment", "issue_comment", comment, sign(secret, comment), http.StatusAccepted, true},
		{"unsigned", "issue_comment", comment, "", http.StatusUnauthorized, false},
		{"wrong secret", "issue_comment", comment, sign("nope", comment), http.StatusUnauthorized, false},
		{"body changed after signing", "issue_comment", comment + " ", sign(secret, comment), http.StatusUnauthorized, false},
		{"too large", "issue_comment", strings.Repeat("x", 2048), sign(secret, strings.Repeat("x", 2048)), http.StatusRequestEntityTooLarge, false},
		{"malformed json", "issue_comment", `{"action":`, sign(secret, `{"action":`), http.StatusBadRequest, false},
		{"unhandled event", "push", `{}`, sign(secret, `{}`), http.StatusAccepted, false},
		{"repo outside allowlist", "issue_comment", other, sign(secret, other), http.StatusAccepted, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recorder{}
			in := &Intake{
				Secret: []byte(secret), Allowlist: []string{"github.com/acme/*"}, Host: "github.com",
				Handler: rec, MaxBody: 1024, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
			}
			req := httptest.NewRequest(http.MethodPost, "/events", strings.NewReader(tc.body))
			req.Header.Set("X-GitHub-Event", tc.event)
			if tc.signature != "" {
				req.Header.Set("X-Hub-Signature-256", tc.signature)
			}
			w := httptest.NewRecorder()
			in.ServeHTTP(w, req)
			in.Wait()
			if w.Code != tc.want {
				t.Fatalf("status %d, want %d (%s)", w.Code, tc.want, w.Body)
			}
			if got := len(rec.comments) == 1; got != tc.handled {
				t.Fatalf("handled = %v, want %v", got, tc.handled)
			}
		})
	}
}
