package githubapi

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// observed is the RoundTripper under the rate-limit waits and the App's
// token handling: it sees each request that goes to GitHub, retries and
// token requests included, and tells Clients.Observe of it.
type observed struct {
	next    http.RoundTripper
	clients *Clients
	root    string // the API root's path without its trailing slash: "" or "/api/v3"
}

func (o *observed) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := o.next.RoundTrip(req)
	if observe := o.clients.Observe; observe != nil {
		status, remaining := 0, -1
		if err == nil {
			status = resp.StatusCode
			if n, convErr := strconv.Atoi(resp.Header.Get("X-RateLimit-Remaining")); convErr == nil && n >= 0 {
				remaining = n
			}
		}
		observe(req.Method, o.path(req.URL), status, remaining)
	}
	return resp, err
}

// path is u's path below the API root, starting with a slash.
func (o *observed) path(u *url.URL) string {
	p := strings.TrimPrefix(u.Path, o.root)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	return p
}
