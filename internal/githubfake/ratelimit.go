package githubfake

import (
	"net/http"
	"strconv"
	"time"
)

// limits are the rate limits set with LimitWrites and LimitRequests; a
// negative allowance is no limit.
type limits struct {
	writes      int           // content-creating requests still let through
	retryAfter  time.Duration // how long a secondary limit lasts once hit
	writesUntil time.Time     // end of the secondary limit, once hit

	requests int       // requests still let through by the primary limit
	reset    time.Time // when the primary limit is lifted
}

// LimitWrites sets a secondary rate limit: after n more content-creating
// requests (POST, PATCH, PUT, DELETE), writes are answered 403 with
// Retry-After and GitHub's secondary-limit message, for retryAfter from the
// first one refused; then writes pass again. Of the bot's endpoints only
// comment creation documents a 403, so that is the one to test with: on
// the others Prism reports the answer.
func (f *Fake) LimitWrites(n int, retryAfter time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.limits.writes, f.limits.retryAfter, f.limits.writesUntil = n, retryAfter, time.Time{}
}

// LimitRequests sets a primary rate limit: after n more requests, every
// request is answered 403 with X-RateLimit-Remaining 0, X-RateLimit-Reset
// and GitHub's primary-limit message until reset; then requests pass again.
func (f *Fake) LimitRequests(n int, reset time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.limits.requests, f.limits.reset = n, reset
}

// limited answers the requests a rate limit refuses, before h sees them.
func (f *Fake) limited(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if f.refuse(w, r) {
			return
		}
		h(w, r)
	}
}

func (f *Fake) refuse(w http.ResponseWriter, r *http.Request) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	l, now := &f.limits, f.opts.Now()
	switch {
	case l.requests < 0:
	case l.requests > 0:
		l.requests--
	case now.Before(l.reset):
		w.Header().Set("X-RateLimit-Remaining", "0")
		w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(l.reset.Unix(), 10))
		w.Header().Set("X-RateLimit-Resource", "core")
		writeError(w, http.StatusForbidden, "API rate limit exceeded for installation ID "+strconv.FormatInt(f.opts.InstallationID, 10)+".",
			"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api")
		return true
	default:
		l.requests = -1
	}
	switch r.Method {
	case http.MethodPost, http.MethodPatch, http.MethodPut, http.MethodDelete:
	default:
		return false
	}
	switch {
	case l.writes < 0:
	case l.writes > 0:
		l.writes--
	case l.writesUntil.IsZero() || now.Before(l.writesUntil):
		if l.writesUntil.IsZero() {
			l.writesUntil = now.Add(l.retryAfter)
		}
		// Whole seconds, rounded up so a client waiting as told is let in.
		secs := (l.writesUntil.Sub(now) + time.Second - 1) / time.Second
		w.Header().Set("Retry-After", strconv.FormatInt(int64(secs), 10))
		writeError(w, http.StatusForbidden, "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
			"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits")
		return true
	default:
		l.writes = -1
	}
	return false
}
