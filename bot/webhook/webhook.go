// Package webhook is the bot's HTTP intake for GitHub webhooks. It refuses
// what it can before reading a body (no signature, too large, too busy),
// bounds the bodies it reads at once, checks the signature, parses the
// payload and drops repositories outside the allowlist. The handler then
// records the delivery durably, and only after that does the intake answer
// 202; the work runs later, from the record: GitHub gives up on a delivery
// after ten seconds, and a delivery answered 2xx is never sent again.
package webhook

import (
	"cmp"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/go-github/v60/github"
	"golang.org/x/sync/semaphore"
)

// MaxBody bounds a delivery; GitHub caps payloads at 25 MB.
const MaxBody = 25 << 20

// Defaults of the Intake's bounds.
const (
	// DefaultHeadroom is what the default MaxInFlight allows beside one body
	// of MaxBody: room for ordinary deliveries, tens of kilobytes each, while
	// a large one is read, and no room for a second large one. Go's
	// collector lets the heap grow to about twice what is live before it
	// frees the bodies already answered, so under a flood of 25 MB requests
	// the bot peaks near 90 MiB (make bench-intake), not at N × 25 MB.
	DefaultHeadroom = 8 << 20
	// DefaultMaxReaders bounds the bodies read and checked at once; memory
	// is bounded by MaxInFlight, this bounds the CPU spent hashing.
	DefaultMaxReaders = 64
	// DefaultQueueWait leaves most of GitHub's ten seconds to read the
	// body and record the delivery.
	DefaultQueueWait = 2 * time.Second
	// retryAfter is the Retry-After of a 503, in seconds.
	retryAfter = "5"
)

// Limits of the http.Server in front of the intake; ServerTimeouts sets them.
const (
	ReadHeaderTimeout = 5 * time.Second
	// ReadTimeout covers the headers, the QueueWait and the body: longer
	// than GitHub waits for an answer, so it never cuts a delivery short,
	// yet a client trickling a large body gives its share of MaxInFlight
	// back within it.
	ReadTimeout = 20 * time.Second
	// WriteTimeout runs from the end of the headers to the end of the
	// response, so it covers reading the body and recording the delivery.
	WriteTimeout = 30 * time.Second
	IdleTimeout  = 60 * time.Second
	// MaxHeaderBytes: GitHub sends about 2 KB of headers.
	MaxHeaderBytes = 64 << 10
)

// ServerTimeouts sets the timeouts and the header limit above on the server
// that serves the intake.
func ServerTimeouts(s *http.Server) {
	s.ReadHeaderTimeout = ReadHeaderTimeout
	s.ReadTimeout = ReadTimeout
	s.WriteTimeout = WriteTimeout
	s.IdleTimeout = IdleTimeout
	s.MaxHeaderBytes = MaxHeaderBytes
}

// Delivery is one verified webhook the bot acts on.
type Delivery struct {
	ID         string // X-GitHub-Delivery
	Event      string // "pull_request", "issue_comment" or "check_run"
	Repo       string // owner/name
	BodySHA256 string // hex, of the verified body
	Payload    any    // *github.PullRequestEvent or *github.IssueCommentEvent
}

// Handler records what a delivery asks for durably, before the intake
// answers 2xx.
type Handler interface {
	// Accept returns a short note for the response body ("accepted" when
	// there is work, else why not); an error means nothing was recorded:
	// the intake answers 503 so GitHub's redelivery can bring it again.
	// A note starting with "duplicate" says the delivery came before, one
	// starting with "ignored" that it asks for nothing: the intake counts
	// them so (ResultDuplicate, ResultIgnored), and any other as recorded.
	Accept(d Delivery) (note string, err error)
}

// What became of a request to the intake, as Intake.Observe is told.
const (
	// ResultRecorded: the handler recorded the delivery (answered 202).
	ResultRecorded = "recorded"
	// ResultDuplicate: the handler had recorded it before (202).
	ResultDuplicate = "duplicate"
	// ResultIgnored: an event, action or repository the bot does not act
	// on (202).
	ResultIgnored = "ignored"
	// ResultRefused: not a POST, no or a wrong signature, too large, or a
	// body that cannot be read or parsed (405, 401, 413, 400).
	ResultRefused = "refused"
	// ResultBusy: no share of the intake's bounds came in time (503).
	ResultBusy = "busy"
	// ResultNotRecorded: the handler could not record it (503, for GitHub
	// to deliver it again).
	ResultNotRecorded = "not_recorded"
)

// OtherEvent is the event Intake.Observe is told of for a request whose
// X-GitHub-Event is neither handled nor vouched for by a valid signature:
// anyone can send any header, and a metric label per value would be theirs
// to multiply.
const OtherEvent = "other"

// Intake is the /events endpoint. Its fields must not change once it serves.
type Intake struct {
	Secret    []byte
	Allowlist []string // globs over "host/owner/name", e.g. github.com/acme/*
	Host      string   // the GitHub host, e.g. github.com or ghe.example.com
	Handler   Handler
	MaxBody   int64 // 0 means MaxBody
	// MaxInFlight bounds the bytes of the bodies being read, checked and
	// parsed at once; a request is charged its Content-Length, or MaxBody
	// without one. 0 means MaxBody + DefaultHeadroom; less than MaxBody
	// counts as MaxBody, so that the largest delivery can get in.
	MaxInFlight int64
	MaxReaders  int           // bodies read at once; 0 means DefaultMaxReaders
	QueueWait   time.Duration // wait for a share before a 503; 0 means DefaultQueueWait
	Log         *slog.Logger
	// Observe, when set, is told of each request's event and result (one
	// of the Result constants), once it is answered. The event is the
	// X-GitHub-Event of a request with a valid signature or of one the bot
	// handles (pull_request, issue_comment, check_run), else OtherEvent. It must
	// return quickly.
	Observe func(event, result string)

	setup     sync.Once
	limit     int64
	budget    *semaphore.Weighted // bytes of MaxInFlight
	readers   *semaphore.Weighted
	queueWait time.Duration
}

func (in *Intake) init() {
	in.limit = cmp.Or(in.MaxBody, MaxBody)
	inFlight := cmp.Or(in.MaxInFlight, in.limit+DefaultHeadroom)
	in.budget = semaphore.NewWeighted(max(inFlight, in.limit))
	in.readers = semaphore.NewWeighted(int64(cmp.Or(in.MaxReaders, DefaultMaxReaders)))
	in.queueWait = cmp.Or(in.QueueWait, DefaultQueueWait)
}

func (in *Intake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		in.observe(r, false, ResultRefused)
		return
	}
	in.setup.Do(in.init)
	log := in.Log.With("delivery", r.Header.Get("X-GitHub-Delivery"), "remote", r.RemoteAddr)
	// Refused before the body is read, so that such requests cost no memory.
	if _, ok := parseSignature(r.Header.Get("X-Hub-Signature-256")); !ok || len(in.Secret) == 0 {
		log.Warn("webhook signature missing or malformed")
		http.Error(w, "invalid or missing X-Hub-Signature-256", http.StatusUnauthorized)
		in.observe(r, false, ResultRefused)
		return
	}
	if r.ContentLength > in.limit {
		log.Warn("webhook too large", "content_length", r.ContentLength)
		http.Error(w, "payload too large", http.StatusRequestEntityTooLarge)
		in.observe(r, false, ResultRefused)
		return
	}
	d, verified, result := in.receive(w, r, log)
	if result != "" {
		in.observe(r, verified, result)
		return
	}
	note, err := in.Handler.Accept(d)
	if err != nil {
		log.Error("webhook not recorded", "event", d.Event, "repo", d.Repo, "err", err)
		w.Header().Set("Retry-After", retryAfter)
		http.Error(w, "delivery not recorded: redeliver it later", http.StatusServiceUnavailable)
		in.observe(r, true, ResultNotRecorded)
		return
	}
	log.Info("webhook recorded", "event", d.Event, "repo", d.Repo, "note", note)
	w.WriteHeader(http.StatusAccepted)
	_, _ = io.WriteString(w, cmp.Or(note, "accepted")+"\n")
	in.observe(r, true, noteResult(note))
}

// noteResult is the result a handler's note tells of.
func noteResult(note string) string {
	switch {
	case strings.HasPrefix(note, "duplicate"):
		return ResultDuplicate
	case strings.HasPrefix(note, "ignored"):
		return ResultIgnored
	}
	return ResultRecorded
}

// observe tells Observe of a request's result; verified says whether its
// signature was checked and found valid, which vouches for its event.
func (in *Intake) observe(r *http.Request, verified bool, result string) {
	if in.Observe == nil {
		return
	}
	event := r.Header.Get("X-GitHub-Event")
	if vouched := handled(event) || verified && eventName(event); !vouched {
		event = OtherEvent
	}
	in.Observe(event, result)
}

// handled reports whether the bot acts on deliveries of an event.
func handled(event string) bool {
	return event == "pull_request" || event == "issue_comment" || event == "check_run"
}

// eventName reports whether s looks like one of GitHub's event names
// (check_run, pull_request_review), as a signed delivery's is.
func eventName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if (r < 'a' || r > 'z') && r != '_' {
			return false
		}
	}
	return true
}

// receive reads, verifies and parses the delivery while holding its share
// of MaxInFlight, which covers the parse too since it allocates in
// proportion to the body. When there is nothing to hand to the bot it
// answers the request itself and returns the result, with whether the
// signature was found valid; the result is "" for a delivery to hand over.
func (in *Intake) receive(w http.ResponseWriter, r *http.Request, log *slog.Logger) (d Delivery, verified bool, result string) {
	share := r.ContentLength
	if share < 0 {
		share = in.limit
	}
	release, err := in.admit(r.Context(), share)
	if err != nil {
		log.Warn("webhook refused: intake busy", "content_length", r.ContentLength, "err", err)
		w.Header().Set("Retry-After", retryAfter)
		http.Error(w, "busy: retry later", http.StatusServiceUnavailable)
		return Delivery{}, false, ResultBusy
	}
	defer release()
	body, err := readBody(w, r, in.limit)
	// The event is parsed into copies, so the body's buffer can serve the
	// next request: reused, large bodies leave no garbage to wait for the
	// collector, which would let the heap grow to twice the budget.
	defer putBuffer(body)
	if err != nil {
		if _, tooBig := errors.AsType[*http.MaxBytesError](err); tooBig {
			log.Warn("webhook too large")
			http.Error(w, "payload too large", http.StatusRequestEntityTooLarge)
			return Delivery{}, false, ResultRefused
		}
		log.Warn("webhook body unreadable", "err", err)
		http.Error(w, "cannot read body", http.StatusBadRequest)
		return Delivery{}, false, ResultRefused
	}
	if !ValidSignature(in.Secret, body, r.Header.Get("X-Hub-Signature-256")) {
		log.Warn("webhook signature invalid")
		http.Error(w, "invalid or missing X-Hub-Signature-256", http.StatusUnauthorized)
		return Delivery{}, false, ResultRefused
	}
	kind := r.Header.Get("X-GitHub-Event")
	if !handled(kind) {
		w.WriteHeader(http.StatusAccepted)
		_, _ = io.WriteString(w, "ignored: event "+kind+"\n")
		return Delivery{}, true, ResultIgnored
	}
	event, err := github.ParseWebHook(kind, body)
	if err != nil {
		http.Error(w, "malformed "+kind+" payload: "+err.Error(), http.StatusBadRequest)
		return Delivery{}, true, ResultRefused
	}
	repo := repository(event)
	if repo == "" {
		http.Error(w, "payload has no repository full_name", http.StatusBadRequest)
		return Delivery{}, true, ResultRefused
	}
	if !in.allowed(repo) {
		log.Info("repository not in allowlist, ignored", "repo", repo)
		w.WriteHeader(http.StatusAccepted)
		_, _ = io.WriteString(w, "ignored: repository not allowed\n")
		return Delivery{}, true, ResultIgnored
	}
	sum := sha256.Sum256(body)
	return Delivery{
		ID:         r.Header.Get("X-GitHub-Delivery"),
		Event:      kind,
		Repo:       repo,
		BodySHA256: hex.EncodeToString(sum[:]),
		Payload:    event,
	}, true, ""
}

// admit waits up to QueueWait for a reader slot and share bytes of
// MaxInFlight, and returns what gives them back.
func (in *Intake) admit(ctx context.Context, share int64) (release func(), err error) {
	ctx, cancel := context.WithTimeout(ctx, in.queueWait)
	defer cancel()
	if err := in.readers.Acquire(ctx, 1); err != nil {
		return nil, fmt.Errorf("waiting for a reader slot: %w", err)
	}
	if err := in.budget.Acquire(ctx, share); err != nil {
		in.readers.Release(1)
		return nil, fmt.Errorf("waiting for %d bytes of the in-flight budget: %w", share, err)
	}
	return func() {
		in.budget.Release(share)
		in.readers.Release(1)
	}, nil
}

// readBody reads a body of known length into a buffer of exactly that size,
// and one of unknown length through http.MaxBytesReader, doubling the
// buffer up to limit: io.ReadAll's growth could hold about twice limit.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	if r.ContentLength >= 0 {
		body := getBuffer(int(r.ContentLength))
		if _, err := io.ReadFull(r.Body, body); err != nil {
			return body, fmt.Errorf("reading %d bytes: %w", r.ContentLength, err)
		}
		return body, nil
	}
	src := http.MaxBytesReader(w, r.Body, limit)
	// One byte past limit lets MaxBytesReader tell a body of exactly limit
	// bytes from a longer one.
	body := make([]byte, 0, min(limit+1, 32<<10))
	for {
		if len(body) == cap(body) {
			body = slices.Grow(body, int(min(2*int64(cap(body)), limit+1))-len(body))
		}
		n, err := src.Read(body[len(body):cap(body)])
		body = body[:len(body)+n]
		switch {
		case errors.Is(err, io.EOF):
			return body, nil
		case err != nil:
			return nil, fmt.Errorf("reading a body of unknown length: %w", err)
		}
	}
}

// largeBody is the size from which body buffers are pooled: below it,
// allocation is cheap and the garbage small.
const largeBody = 1 << 20

var buffers sync.Pool // of *[]byte, each of at least largeBody capacity

// getBuffer returns a buffer of length n, from the pool when n is large.
func getBuffer(n int) []byte {
	if n < largeBody {
		return make([]byte, n)
	}
	for range 4 {
		bp, _ := buffers.Get().(*[]byte)
		if bp == nil {
			break
		}
		if cap(*bp) >= n {
			return (*bp)[:n]
		}
		// Too small for this body: left for the collector.
	}
	return make([]byte, n)
}

// putBuffer gives a large buffer back to the pool.
func putBuffer(b []byte) {
	if cap(b) >= largeBody {
		b = b[:0]
		buffers.Put(&b)
	}
}

// ValidSignature checks an X-Hub-Signature-256 header ("sha256=<hex>") in
// constant time.
func ValidSignature(secret, body []byte, header string) bool {
	want, ok := parseSignature(header)
	if !ok || len(secret) == 0 {
		return false
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	return hmac.Equal(want, mac.Sum(nil))
}

// parseSignature decodes a header of the form "sha256=<64 hex digits>".
func parseSignature(header string) ([]byte, bool) {
	hexSum, ok := strings.CutPrefix(header, "sha256=")
	if !ok || len(hexSum) != 2*sha256.Size {
		return nil, false
	}
	sum, err := hex.DecodeString(hexSum)
	return sum, err == nil
}

func repository(event any) string {
	switch e := event.(type) {
	case *github.PullRequestEvent:
		return e.GetRepo().GetFullName()
	case *github.IssueCommentEvent:
		return e.GetRepo().GetFullName()
	case *github.CheckRunEvent:
		return e.GetRepo().GetFullName()
	}
	return ""
}

func (in *Intake) allowed(fullName string) bool {
	return Allowed(in.Allowlist, in.Host+"/"+fullName)
}

// Allowed says whether a glob of the allowlist matches repo, named
// "host/owner/name".
func Allowed(allowlist []string, repo string) bool {
	for _, glob := range allowlist {
		if ok, err := path.Match(glob, repo); err == nil && ok {
			return true
		}
	}
	return false
}
