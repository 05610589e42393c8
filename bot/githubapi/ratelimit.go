package githubapi

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

const (
	maxRetries   = 3
	maxTotalWait = time.Minute
	firstBackoff = time.Second
	// jitter spreads out clients that were all told the same reset time.
	jitter = 500 * time.Millisecond
)

// backoff is a RoundTripper that waits out GitHub's rate limits and retries,
// instead of failing a call a short wait would let through. It gives up,
// returning GitHub's last answer, after maxRetries retries or when the next
// wait would pass maxTotalWait or the request's deadline.
type backoff struct {
	next  http.RoundTripper
	now   func() time.Time
	sleep func(context.Context, time.Duration) error
}

func (b *backoff) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := b.next.RoundTrip(req)
	// A body already sent cannot be sent again without GetBody.
	replayable := req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
	var waited time.Duration
	for retry := 0; err == nil && replayable && retry < maxRetries; retry++ {
		wait, limited := rateLimited(resp, retry, b.now())
		if !limited {
			break
		}
		wait += rand.N(jitter)
		if deadline, ok := req.Context().Deadline(); waited+wait > maxTotalWait || ok && b.now().Add(wait).After(deadline) {
			break
		}
		slog.InfoContext(req.Context(), "GitHub rate limit hit; waiting to retry",
			"method", req.Method, "path", req.URL.Path, "status", resp.StatusCode, "wait", wait)
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err := b.sleep(req.Context(), wait); err != nil {
			return nil, err
		}
		waited += wait
		again := req.Clone(req.Context())
		if req.GetBody != nil {
			if again.Body, err = req.GetBody(); err != nil {
				return nil, err
			}
		}
		resp, err = b.next.RoundTrip(again)
	}
	return resp, err
}

// rateLimited reports whether resp is GitHub refusing a request for a rate
// limit, and how long to wait before the retry-th retry: as Retry-After
// says (secondary limits), until X-RateLimit-Reset (primary), or else
// exponentially longer each time.
func rateLimited(resp *http.Response, retry int, now time.Time) (time.Duration, bool) {
	if resp.StatusCode != http.StatusForbidden && resp.StatusCode != http.StatusTooManyRequests {
		return 0, false
	}
	h := resp.Header
	if secs, err := strconv.Atoi(h.Get("Retry-After")); err == nil && secs >= 0 {
		return time.Duration(secs) * time.Second, true
	}
	exhausted := h.Get("X-RateLimit-Remaining") == "0"
	if reset, err := strconv.ParseInt(h.Get("X-RateLimit-Reset"), 10, 64); exhausted && err == nil {
		return max(time.Unix(reset, 0).Sub(now), 0), true
	}
	if exhausted || bodySays(resp, "rate limit") {
		return firstBackoff << retry, true
	}
	return 0, false
}

// bodySays reports whether resp's body contains text, in any case, leaving
// the body to be read again.
func bodySays(resp *http.Response, text string) bool {
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return err == nil && strings.Contains(strings.ToLower(string(body)), text)
}

// sleep waits for d unless ctx ends first.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
