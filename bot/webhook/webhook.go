// Package webhook is the bot's HTTP intake for GitHub webhooks: it checks
// the signature and size, parses the payload, drops repositories outside the
// allowlist, answers 202 at once and hands the event to the bot in the
// background, because GitHub gives up on a delivery after ten seconds.
package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"path"
	"strings"
	"sync"

	"github.com/google/go-github/v60/github"
)

// MaxBody bounds a delivery; GitHub caps payloads at 25 MB.
const MaxBody = 25 << 20

// Handler receives the events the bot acts on.
type Handler interface {
	PullRequest(*github.PullRequestEvent)
	IssueComment(*github.IssueCommentEvent)
}

// Intake is the /events endpoint.
type Intake struct {
	Secret    []byte
	Allowlist []string // globs over "host/owner/name", e.g. github.com/acme/*
	Host      string   // the GitHub host, e.g. github.com or ghe.example.com
	Handler   Handler
	MaxBody   int64 // 0 means MaxBody
	Log       *slog.Logger

	running sync.WaitGroup
}

// Wait blocks until every event handed to the bot has been handled, for a
// clean shutdown.
func (in *Intake) Wait() { in.running.Wait() }

func (in *Intake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	limit := in.MaxBody
	if limit == 0 {
		limit = MaxBody
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			http.Error(w, "payload too large", http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, "cannot read body", http.StatusBadRequest)
		return
	}
	delivery := r.Header.Get("X-GitHub-Delivery")
	if !ValidSignature(in.Secret, body, r.Header.Get("X-Hub-Signature-256")) {
		in.Log.Warn("webhook signature invalid", "delivery", delivery, "remote", r.RemoteAddr)
		http.Error(w, "invalid or missing X-Hub-Signature-256", http.StatusUnauthorized)
		return
	}
	kind := r.Header.Get("X-GitHub-Event")
	if kind != "pull_request" && kind != "issue_comment" {
		w.WriteHeader(http.StatusAccepted)
		_, _ = io.WriteString(w, "ignored: event "+kind+"\n")
		return
	}
	event, err := github.ParseWebHook(kind, body)
	if err != nil {
		http.Error(w, "malformed "+kind+" payload: "+err.Error(), http.StatusBadRequest)
		return
	}
	repo := repository(event)
	if repo == "" {
		http.Error(w, "payload has no repository full_name", http.StatusBadRequest)
		return
	}
	if !in.allowed(repo) {
		in.Log.Info("repository not in allowlist, ignored", "repo", repo, "delivery", delivery)
		w.WriteHeader(http.StatusAccepted)
		_, _ = io.WriteString(w, "ignored: repository not allowed\n")
		return
	}
	in.Log.Info("webhook accepted", "event", kind, "repo", repo, "delivery", delivery)
	in.running.Add(1)
	go func() {
		defer in.running.Done()
		switch e := event.(type) {
		case *github.PullRequestEvent:
			in.Handler.PullRequest(e)
		case *github.IssueCommentEvent:
			in.Handler.IssueComment(e)
		}
		in.Log.Info("event handled", "event", kind, "repo", repo, "delivery", delivery)
	}()
	w.WriteHeader(http.StatusAccepted)
	_, _ = io.WriteString(w, "accepted\n")
}

// ValidSignature checks an X-Hub-Signature-256 header ("sha256=<hex>") in
// constant time.
func ValidSignature(secret, body []byte, header string) bool {
	hexSum, ok := strings.CutPrefix(header, "sha256=")
	if !ok || len(secret) == 0 {
		return false
	}
	got, err := hex.DecodeString(hexSum)
	if err != nil {
		return false
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	return hmac.Equal(got, mac.Sum(nil))
}

func repository(event any) string {
	switch e := event.(type) {
	case *github.PullRequestEvent:
		return e.GetRepo().GetFullName()
	case *github.IssueCommentEvent:
		return e.GetRepo().GetFullName()
	}
	return ""
}

func (in *Intake) allowed(fullName string) bool {
	name := in.Host + "/" + fullName
	for _, glob := range in.Allowlist {
		if ok, err := path.Match(glob, name); err == nil && ok {
			return true
		}
	}
	return false
}
