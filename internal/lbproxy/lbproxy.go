// Package lbproxy is a round-robin proxy over loopback backends, standing
// for the load balancer in front of paved-bot replicas in the tests and
// benchmarks: it skips a backend that refuses the connection, as a
// balancer skips an unhealthy target, and answers 502 for one that fails
// while answering, as it would behind one.
package lbproxy

import (
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync/atomic"
)

// Backend is one replica, on 127.0.0.1.
type Backend struct {
	Name string
	Port int
}

// Proxy is an http.Handler; its fields must not change once it serves.
type Proxy struct {
	Backends []Backend
	Client   *http.Client // http.DefaultClient when nil
	next     atomic.Uint64
}

// ServeHTTP passes the request to the backends in turn, starting with the
// next one; the answer names the backend in X-Replica.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	client := p.Client
	if client == nil {
		client = http.DefaultClient
	}
	first := int(p.next.Add(1) - 1)
	for i := range p.Backends {
		b := p.Backends[(first+i)%len(p.Backends)]
		req, err := http.NewRequestWithContext(r.Context(), r.Method, "http://127.0.0.1:"+strconv.Itoa(b.Port)+r.URL.RequestURI(), bytes.NewReader(body))
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		req.Header = r.Header.Clone()
		resp, err := client.Do(req)
		var op *net.OpError
		if errors.As(err, &op) && op.Op == "dial" {
			continue
		}
		if err != nil {
			http.Error(w, "replica "+b.Name+": "+err.Error(), http.StatusBadGateway)
			return
		}
		out, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		w.Header().Set("X-Replica", b.Name)
		w.WriteHeader(resp.StatusCode)
		_, _ = w.Write(out)
		return
	}
	http.Error(w, "no replica answers", http.StatusBadGateway)
}
