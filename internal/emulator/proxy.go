package emulator

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sync"
)

// Proxy sits between a client under test and the emulator and counts each
// AWS action that passes, so tests and benchmarks measure API calls at the
// wire rather than trusting the code that makes them.
type Proxy struct {
	URL string

	srv    *http.Server
	mu     sync.Mutex
	counts map[string]int
}

// NewProxy starts a counting proxy on a free loopback port in front of target.
func NewProxy(target string) (*Proxy, error) {
	u, err := url.Parse(target)
	if err != nil {
		return nil, fmt.Errorf("emulator URL %q: %w", target, err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("proxy listener: %w", err)
	}
	p := &Proxy{URL: "http://" + l.Addr().String(), counts: map[string]int{}}
	rp := httputil.NewSingleHostReverseProxy(u)
	p.srv = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.count(r)
		rp.ServeHTTP(w, r)
	})}
	go func() { _ = p.srv.Serve(l) }()
	return p, nil
}

// count records the request's action: the Action form field of the query
// protocol (STS, IAM, EC2, ElastiCache, ELBv2), the X-Amz-Target header of
// the JSON protocol, or method and path for REST APIs (EKS).
func (p *Proxy) count(r *http.Request) {
	action := r.Header.Get("X-Amz-Target")
	if action == "" && r.Body != nil {
		body, err := io.ReadAll(r.Body)
		if err == nil {
			r.Body = io.NopCloser(bytes.NewReader(body))
			if form, err := url.ParseQuery(string(body)); err == nil {
				action = form.Get("Action")
			}
		}
	}
	if action == "" {
		action = r.Method + " " + r.URL.Path
	}
	p.mu.Lock()
	p.counts[action]++
	p.mu.Unlock()
}

// Count returns how many calls of action passed since the last Reset.
func (p *Proxy) Count(action string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.counts[action]
}

// Counts returns a copy of all counts since the last Reset.
func (p *Proxy) Counts() map[string]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make(map[string]int, len(p.counts))
	for k, v := range p.counts {
		out[k] = v
	}
	return out
}

// ResetCounts forgets what was counted.
func (p *Proxy) ResetCounts() {
	p.mu.Lock()
	p.counts = map[string]int{}
	p.mu.Unlock()
}

// Close stops the proxy.
func (p *Proxy) Close() error { return p.srv.Close() }
