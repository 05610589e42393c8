package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/paved-road/paved/bench/cli"
	"github.com/paved-road/paved/bench/proc"
)

// requestTimeout bounds each POST, answer included.
const requestTimeout = 30 * time.Second

// variant is how the POSTs of one run are signed.
type variant struct {
	name      string
	signature string // X-Hub-Signature-256; empty: none
}

var variants = []variant{
	// Well-formed, so the bot has to read the body to find it wrong.
	{"bogus signature", "sha256=" + strings.Repeat("0", 64)},
	{"no signature", ""},
}

// runResult is one binary under one variant; sizes in bytes.
type runResult struct {
	bin       binary
	variant   variant
	noSandbox bool
	before    int64 // VmRSS once started
	peak      int64 // highest VmRSS sampled
	hwm       int64 // VmHWM at the end
	after     int64 // VmRSS `after` the last answer
	answers   map[string]int
	wall      time.Duration
}

func measure(ctx context.Context, b binary, v variant, body []byte, requests int, dir string) (runResult, error) {
	p, noSandbox, err := startBot(ctx, b, dir)
	if err != nil {
		return runResult{}, err
	}
	defer p.stop()
	pid := p.cmd.Process.Pid
	r := runResult{bin: b, variant: v, noSandbox: noSandbox}
	if err := sleep(ctx, settle); err != nil {
		return r, err
	}
	var ok bool
	if r.before, ok = proc.Status(pid, "VmRSS"); !ok {
		return r, fmt.Errorf("reading /proc/%d/status", pid)
	}
	s := proc.StartSampler(pid, sampleEvery)
	r.answers, r.wall = fire(ctx, p.url+"/events", requests, body, v.signature)
	if err := sleep(ctx, after); err != nil {
		s.Finish()
		return r, err
	}
	r.after, _ = proc.Status(pid, "VmRSS")
	r.hwm, _ = proc.Status(pid, "VmHWM")
	s.Finish()
	r.peak = s.Peak()
	select {
	case <-p.exited:
		return r, fmt.Errorf("paved-bot exited during the run:\n%s", tail(p.log))
	default:
	}
	return r, nil
}

// payload is size bytes shaped like JSON; the bot refuses it before
// parsing, on the signature.
func payload(size int64) []byte {
	b := bytes.Repeat([]byte{'x'}, int(size))
	const head, end = `{"zen":"`, `"}`
	if len(b) >= len(head)+len(end) {
		copy(b, head)
		copy(b[len(b)-len(end):], end)
	}
	return b
}

// fire sends n POSTs at once, all from the same body, and counts the
// answers by status code or by what went wrong.
func fire(ctx context.Context, url string, n int, body []byte, signature string) (map[string]int, time.Duration) {
	// Keep-alive as most clients: a request saying "Connection: close" makes
	// net/http close at once a connection whose body it did not read, and
	// the reset then often destroys the answer before the client reads it.
	transport := &http.Transport{}
	defer transport.CloseIdleConnections()
	client := &http.Client{Transport: transport, Timeout: requestTimeout}
	var (
		mu      sync.Mutex
		answers = map[string]int{}
		wg      sync.WaitGroup
		start   = make(chan struct{})
	)
	for i := range n {
		wg.Go(func() {
			<-start
			a := send(ctx, client, url, body, signature, i)
			mu.Lock()
			answers[a]++
			mu.Unlock()
		})
	}
	began := time.Now()
	close(start)
	wg.Wait()
	return answers, time.Since(began)
}

func send(ctx context.Context, client *http.Client, url string, body []byte, signature string, i int) string {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return "error"
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-GitHub-Event", "issue_comment")
	req.Header.Set("X-GitHub-Delivery", "intakebench-"+strconv.Itoa(i))
	if signature != "" {
		req.Header.Set("X-Hub-Signature-256", signature)
	}
	resp, err := client.Do(req)
	if err != nil {
		return failure(err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	return strconv.Itoa(resp.StatusCode)
}

// failure names what kept a POST from an answer.
func failure(err error) string {
	if ne, ok := errors.AsType[net.Error](err); ok && ne.Timeout() {
		return "timeout"
	}
	switch {
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset"
	case errors.Is(err, syscall.EPIPE):
		return "broken pipe"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "connection closed"
	}
	return "error"
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return cli.Stopped(ctx, "measuring")
	case <-t.C:
		return nil
	}
}
