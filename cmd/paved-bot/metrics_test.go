package main

import (
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/paved-road/paved/internal/githubfake"
	"github.com/paved-road/paved/internal/loopback"
)

// scrapeMetrics gets url without credentials and parses it with
// Prometheus' text parser.
func scrapeMetrics(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(resp.Body)
		t.Fatalf("GET %s: %s\n%s", url, resp.Status, body)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parse %s: %v", url, err)
	}
	return families
}

// sample finds the sample of family name whose labels are exactly labels
// ("k=v" each); nil when there is none.
func sample(families map[string]*dto.MetricFamily, name string, labels ...string) *dto.Metric {
	for _, m := range families[name].GetMetric() {
		var got []string
		for _, l := range m.GetLabel() {
			got = append(got, l.GetName()+"="+l.GetValue())
		}
		if strings.Join(got, ",") == strings.Join(labels, ",") {
			return m
		}
	}
	return nil
}

// labelsOf lists the label sets of a family, for failure messages.
func labelsOf(families map[string]*dto.MetricFamily, name string) string {
	var out []string
	for _, m := range families[name].GetMetric() {
		var got []string
		for _, l := range m.GetLabel() {
			got = append(got, l.GetName()+"="+l.GetValue())
		}
		out = append(out, "{"+strings.Join(got, ",")+"}")
	}
	return strings.Join(out, " ")
}

// rateLimitHeaders is the stand-in answering as GitHub does, with the
// requests left in the hour on every answer.
func rateLimitHeaders(fake *githubfake.Fake, left *atomic.Int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-RateLimit-Limit", "5000")
		w.Header().Set("X-RateLimit-Remaining", strconv.FormatInt(left.Add(-1), 10))
		fake.ServeHTTP(w, r)
	})
}

const appOnly = "version: 1\nprojects:\n  - name: app\n    dir: app\n"

// TestAccBotMetrics: after a plan and an apply, /metrics on the bot's port,
// unauthenticated, has every metric of the bot with its labels.
func TestAccBotMetrics(t *testing.T) {
	e := newEnv(t, map[string]string{"paved.yaml": appOnly})
	left := &atomic.Int64{}
	left.Store(5000)
	upstream.Set(rateLimitHeaders(e.fake, left))

	e.openPR(1, "alice", map[string]string{"app/main.tf": project("app", "v1")})
	mustContain(t, "autoplan", e.replies(1, 0)[0], "+1 ~0 -0")
	mustContain(t, "apply", e.say(1, "alice", "paved apply")[0], "applied", "tagged `paved/app/default/")
	// #2 queues behind #1's lock on app.
	e.openPR(2, "carol", map[string]string{"app/main.tf": project("app", "v2")})
	mustContain(t, "PR 2 queued", e.replies(2, 0)[0], "locked by [#1]", "queued 1st in line")
	// Deliveries the bot does not act on: unsigned, a comment that is no
	// command, and that one delivered again.
	if code := e.post("issue_comment", []byte(`{}`), ""); code != http.StatusUnauthorized {
		t.Fatalf("unsigned delivery: %d", code)
	}
	chat, _ := e.fake.IssueCommentEvent("acme", "infra", 2, "dave", "looks good to me")
	for range 2 {
		if code := e.postDelivery("issue_comment", "chat-2", chat, githubfake.Sign(secret, chat)); code != http.StatusAccepted {
			t.Fatalf("comment delivery: %d", code)
		}
	}
	if !e.idle() {
		t.Fatal("the bot is still working")
	}

	f := scrapeMetrics(t, e.bot+"/metrics")
	counter := func(name string, labels ...string) float64 {
		t.Helper()
		m := sample(f, name, labels...)
		if m == nil || m.Counter == nil {
			t.Fatalf("no counter %s{%s}; have %s", name, strings.Join(labels, ","), labelsOf(f, name))
		}
		return m.Counter.GetValue()
	}
	gauge := func(name string) float64 {
		t.Helper()
		m := sample(f, name)
		if m == nil || m.Gauge == nil {
			t.Fatalf("no gauge %s; have %s", name, labelsOf(f, name))
		}
		return m.Gauge.GetValue()
	}
	histogram := func(name string, labels ...string) *dto.Histogram {
		t.Helper()
		m := sample(f, name, labels...)
		if m == nil || m.Histogram == nil {
			t.Fatalf("no histogram %s{%s}; have %s", name, strings.Join(labels, ","), labelsOf(f, name))
		}
		return m.Histogram
	}

	// Commands: #1's autoplan and apply succeeded.
	if n := counter("paved_commands_total", "kind=autoplan", "outcome=success"); n != 1 {
		t.Errorf("autoplan successes: %v, want 1", n)
	}
	if n := counter("paved_commands_total", "kind=apply", "outcome=success"); n != 1 {
		t.Errorf("apply successes: %v, want 1", n)
	}
	for _, kind := range []string{"autoplan", "apply"} {
		if h := histogram("paved_command_duration_seconds", "kind="+kind); h.GetSampleCount() < 1 || h.GetSampleSum() <= 0 || len(h.GetBucket()) == 0 {
			t.Errorf("%s durations: count %d, sum %v, %d buckets", kind, h.GetSampleCount(), h.GetSampleSum(), len(h.GetBucket()))
		}
	}
	// Terraform: #1's plan and apply, #2's plan is refused before Terraform.
	for op, want := range map[string]uint64{"plan": 1, "apply": 1} {
		if h := histogram("paved_terraform_duration_seconds", "op="+op); h.GetSampleCount() != want || h.GetSampleSum() <= 0 {
			t.Errorf("terraform %s: count %d, sum %v; want %d runs that took time", op, h.GetSampleCount(), h.GetSampleSum(), want)
		}
	}
	commandTime := histogram("paved_command_duration_seconds", "kind=apply").GetSampleSum()
	if tfTime := histogram("paved_terraform_duration_seconds", "op=apply").GetSampleSum(); tfTime > commandTime {
		t.Errorf("terraform apply took %vs, longer than its command's %vs", tfTime, commandTime)
	}
	if n := counter("paved_deploys_total", "project=app", "repo=acme/infra"); n != 1 {
		t.Errorf("deploys of app: %v, want 1", n)
	}

	// GitHub: pull requests were read, by route, never by number.
	if n := counter("paved_github_requests_total", "route=GET /repos/{owner}/{repo}/pulls/{number}", "status=200"); n < 1 {
		t.Errorf("pull request reads: %v, want the apply's at least", n)
	}
	for _, route := range []string{"POST /repos/{owner}/{repo}/issues/{number}/comments", "POST /repos/{owner}/{repo}/statuses/{sha}", "POST /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions"} {
		if n := counter("paved_github_requests_total", "route="+route, "status=201"); n < 1 {
			t.Errorf("%s: %v", route, n)
		}
	}
	var calls float64
	for _, m := range f["paved_github_requests_total"].GetMetric() {
		calls += m.Counter.GetValue()
		for _, l := range m.GetLabel() {
			if l.GetName() == "route" && (strings.Contains(l.GetValue(), "acme") || strings.ContainsAny(l.GetValue(), "0123456789")) {
				t.Errorf("route label %q names a repository or a number", l.GetValue())
			}
		}
	}
	if sent := float64(len(e.fake.Calls())); calls != sent {
		t.Errorf("%v GitHub requests counted, the stand-in answered %v", calls, sent)
	}
	if got, want := gauge("paved_github_rate_limit_remaining"), float64(left.Load()); got < want || got >= 5000 {
		t.Errorf("rate limit remaining %v, want about %v", got, want)
	}

	// Webhooks: each delivery the test made, by event and result.
	for _, w := range []struct {
		labels []string
		want   float64
	}{
		{[]string{"event=pull_request", "result=recorded"}, 2},
		{[]string{"event=issue_comment", "result=recorded"}, 1},
		{[]string{"event=issue_comment", "result=refused"}, 1},
		{[]string{"event=issue_comment", "result=ignored"}, 1},
		{[]string{"event=issue_comment", "result=duplicate"}, 1},
	} {
		if n := counter("paved_webhook_deliveries_total", w.labels...); n != w.want {
			t.Errorf("webhook deliveries {%s}: %v, want %v", strings.Join(w.labels, ","), n, w.want)
		}
	}

	// The store: #1 holds app, #2 waits for it, nothing runs or waits to.
	for name, want := range map[string]float64{"paved_commands_queued": 0, "paved_commands_running": 0, "paved_locks_held": 1, "paved_lock_queue_waiters": 1} {
		if got := gauge(name); got != want {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	if help := f["paved_locks_held"].GetHelp(); !strings.Contains(help, "every replica reports the same") {
		t.Errorf("paved_locks_held help: %q", help)
	}

	// The Go runtime and the process.
	if g := gauge("go_goroutines"); g < 1 {
		t.Errorf("go_goroutines = %v", g)
	}
	if gauge("process_resident_memory_bytes") <= 0 {
		t.Error("no resident memory")
	}
}

// TestAccBotMetricsBind: --metrics-bind moves /metrics to a listener of
// its own, off the port GitHub's webhooks come to.
func TestAccBotMetricsBind(t *testing.T) {
	port, err := loopback.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	e := newEnv(t, map[string]string{"paved.yaml": appOnly}, "--metrics-bind", addr)
	resp, err := http.Get(e.bot + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound || strings.Contains(string(body), "go_goroutines") {
		t.Errorf("/metrics on the bot's port: %s, want 404:\n%.300s", resp.Status, body)
	}
	f := scrapeMetrics(t, "http://"+addr+"/metrics")
	for _, name := range []string{"go_goroutines", "paved_locks_held", "paved_commands_queued"} {
		if f[name] == nil {
			t.Errorf("no %s on --metrics-bind", name)
		}
	}
	e.openPR(1, "alice", map[string]string{"app/main.tf": project("app", "v1")})
	e.replies(1, 0)
	f = scrapeMetrics(t, "http://"+addr+"/metrics")
	if m := sample(f, "paved_commands_total", "kind=autoplan", "outcome=success"); m == nil || m.Counter.GetValue() != 1 {
		t.Errorf("autoplan on --metrics-bind: %v", labelsOf(f, "paved_commands_total"))
	}
	if m := sample(f, "paved_locks_held"); m == nil || m.Gauge.GetValue() != 1 {
		t.Errorf("paved_locks_held on --metrics-bind: %v", m)
	}
	if !strings.Contains(e.logs.String(), `"msg":"metrics listening","addr":"`+addr+`"`) {
		t.Errorf("the log does not say where the metrics are:\n%s", e.logs.String())
	}
}

func TestServeRefusesABadMetricsBind(t *testing.T) {
	for _, k := range []string{"PAVED_METRICS_BIND", "PAVED_TERRAFORM", "PAVED_TOFU"} {
		t.Setenv(k, "")
		_ = os.Unsetenv(k)
	}
	good := []string{"--webhook-secret", "s", "--repo-allowlist", "github.com/acme/*", "--github-token", "t", "--terraform=1.8.5=/usr/local/bin/terraform", "--data-dir", t.TempDir()}
	for bind, want := range map[string]string{
		"9090":             `--metrics-bind (PAVED_METRICS_BIND): "9090": want HOST:PORT`,
		"127.0.0.1:metric": `"metric" is not a port`,
		"127.0.0.1:0":      `"0" is not a port`,
		":70000":           `"70000" is not a port`,
	} {
		if out := serveErr(t, append(good, "--metrics-bind", bind)...); !strings.Contains(out, want) {
			t.Errorf("--metrics-bind %s: want %q in:\n%s", bind, want, out)
		}
	}
}
