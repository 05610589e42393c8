package emulator

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sync"
)

// Proxy sits between a client under test and the emulator. It counts each
// AWS action that passes, so tests and benchmarks measure API calls at the
// wire rather than trusting the code that makes them, and it can fail
// chosen calls, so tests inject failures without special cases in product
// code.
type Proxy struct {
	URL string

	srv      *http.Server
	mu       sync.Mutex
	counts   map[string]int
	failures map[string]*Failure
	hooks    map[string]func()
}

// Failure is an AWS error answer the proxy gives instead of forwarding.
type Failure struct {
	Status  int    // HTTP status, such as 400 or 503
	Code    string // AWS error code, such as InvalidParameterValue
	Message string
	Times   int // how many matching calls fail; the ones after pass
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
	p := &Proxy{URL: "http://" + l.Addr().String(), counts: map[string]int{}, failures: map[string]*Failure{}, hooks: map[string]func(){}}
	rp := httputil.NewSingleHostReverseProxy(u)
	p.srv = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		action := p.count(r)
		p.runHook(action)
		if f := p.takeFailure(action); f != nil {
			writeQueryError(w, f)
			return
		}
		rp.ServeHTTP(w, r)
	})}
	go func() { _ = p.srv.Serve(l) }()
	return p, nil
}

// count records the request's action: the Action form field of the query
// protocol (STS, IAM, EC2, ElastiCache, ELBv2), the X-Amz-Target header of
// the JSON protocol, or method and path for REST APIs (EKS).
func (p *Proxy) count(r *http.Request) string {
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
	return action
}

// Fail makes the next f.Times calls of action answer with f's error.
func (p *Proxy) Fail(action string, f Failure) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.failures[action] = &f
}

// OnCall runs fn when a call of action arrives, before it is answered: a
// test can, for example, cancel the client's context mid-operation.
func (p *Proxy) OnCall(action string, fn func()) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.hooks[action] = fn
}

func (p *Proxy) runHook(action string) {
	p.mu.Lock()
	fn := p.hooks[action]
	p.mu.Unlock()
	if fn != nil {
		fn()
	}
}

func (p *Proxy) takeFailure(action string) *Failure {
	p.mu.Lock()
	defer p.mu.Unlock()
	f, ok := p.failures[action]
	if !ok || f.Times <= 0 {
		return nil
	}
	f.Times--
	out := *f
	return &out
}

// writeQueryError answers in the AWS query protocol's error format, which
// the SDK parses into an API error with the code.
func writeQueryError(w http.ResponseWriter, f *Failure) {
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(f.Status)
	var msg bytes.Buffer
	_ = xml.EscapeText(&msg, []byte(f.Message))
	_, _ = fmt.Fprintf(w, `<ErrorResponse><Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error>`+
		`<RequestId>injected-by-paved-test-proxy</RequestId></ErrorResponse>`, f.Code, msg.String())
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
