package metrics_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/paved-road/paved/bot/locks"
	"github.com/paved-road/paved/bot/metrics"
	"github.com/paved-road/paved/bot/store"
	"github.com/paved-road/paved/bot/workflow"
)

var _ workflow.Observer = (*metrics.Metrics)(nil)

// scrape serves /metrics once and parses it as Prometheus does.
func scrape(t *testing.T, m *metrics.Metrics) map[string]*dto.MetricFamily {
	t.Helper()
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(resp.Body)
		t.Fatalf("scrape: %s\n%s", resp.Status, body)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	families, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return families
}

// series lists a family's samples as "label=value,… value" lines, sorted;
// a histogram's value is its count and sum.
func series(f *dto.MetricFamily) []string {
	if f == nil {
		return nil
	}
	var out []string
	for _, m := range f.GetMetric() {
		var labels []string
		for _, l := range m.GetLabel() {
			labels = append(labels, l.GetName()+"="+l.GetValue())
		}
		var v string
		switch {
		case m.Counter != nil:
			v = model.SampleValue(m.Counter.GetValue()).String()
		case m.Gauge != nil:
			v = model.SampleValue(m.Gauge.GetValue()).String()
		case m.Histogram != nil:
			v = "count " + model.SampleValue(float64(m.Histogram.GetSampleCount())).String() +
				" sum " + model.SampleValue(m.Histogram.GetSampleSum()).String()
		}
		out = append(out, strings.Join(labels, ",")+" "+v)
	}
	sort.Strings(out)
	return out
}

func want(t *testing.T, families map[string]*dto.MetricFamily, name string, lines ...string) {
	t.Helper()
	got := series(families[name])
	if strings.Join(got, "\n") != strings.Join(lines, "\n") {
		t.Errorf("%s:\n%s\nwant:\n%s", name, strings.Join(got, "\n"), strings.Join(lines, "\n"))
	}
}

func TestObserverCounts(t *testing.T) {
	m := metrics.New(nil, nil)
	m.CommandDone("autoplan", "success", 3*time.Second)
	m.CommandDone("apply", "success", 40*time.Second)
	m.CommandDone("apply", "refused", 500*time.Millisecond)
	m.CommandDone("apply", "success", 20*time.Second)
	m.TerraformRan("plan", 2*time.Second)
	m.TerraformRan("plan", 4*time.Second)
	m.TerraformRan("apply", 30*time.Second)
	m.Deployed("acme/infra", "app")
	m.Deployed("acme/infra", "app")
	m.Deployed("acme/infra", "db")
	f := scrape(t, m)
	want(t, f, "paved_commands_total",
		"kind=apply,outcome=refused 1",
		"kind=apply,outcome=success 2",
		"kind=autoplan,outcome=success 1")
	want(t, f, "paved_command_duration_seconds",
		"kind=apply count 3 sum 60.5",
		"kind=autoplan count 1 sum 3")
	want(t, f, "paved_terraform_duration_seconds",
		"op=apply count 1 sum 30",
		"op=plan count 2 sum 6")
	want(t, f, "paved_deploys_total",
		"project=app,repo=acme/infra 2",
		"project=db,repo=acme/infra 1")
	if f["paved_command_duration_seconds"].GetType() != dto.MetricType_HISTOGRAM {
		t.Errorf("paved_command_duration_seconds is a %v", f["paved_command_duration_seconds"].GetType())
	}
	// Before any GitHub answer carried it, the rate limit is unknown, not 0.
	if f["paved_github_rate_limit_remaining"] != nil {
		t.Errorf("rate limit reported before GitHub told it: %v", series(f["paved_github_rate_limit_remaining"]))
	}
	// The runtime's and the process's metrics are there.
	for _, name := range []string{"go_goroutines", "go_memstats_heap_alloc_bytes", "process_resident_memory_bytes", "process_open_fds"} {
		if f[name] == nil {
			t.Errorf("no %s", name)
		}
	}
}

func TestGitHubRequests(t *testing.T) {
	m := metrics.New(nil, nil)
	m.GitHubRequest("GET", "/repos/acme/infra/pulls/1", 200, 4999)
	m.GitHubRequest("GET", "/repos/acme/infra/pulls/2", 200, 4998)
	m.GitHubRequest("POST", "/repos/acme/infra/issues/2/comments", 403, 0)
	m.GitHubRequest("POST", "/repos/acme/infra/issues/2/comments", 201, -1) // no header: the last figure stays
	m.GitHubRequest("GET", "/repos/acme/infra/pulls/3", 0, -1)
	f := scrape(t, m)
	want(t, f, "paved_github_requests_total",
		"route=GET /repos/{owner}/{repo}/pulls/{number},status=200 2",
		"route=GET /repos/{owner}/{repo}/pulls/{number},status=error 1",
		"route=POST /repos/{owner}/{repo}/issues/{number}/comments,status=201 1",
		"route=POST /repos/{owner}/{repo}/issues/{number}/comments,status=403 1")
	want(t, f, "paved_github_rate_limit_remaining", " 0")
	m.GitHubRequest("GET", "/repos/acme/infra/pulls/1", 200, 5000)
	want(t, scrape(t, m), "paved_github_rate_limit_remaining", " 5000")
}

func TestWebhookDeliveries(t *testing.T) {
	m := metrics.New(nil, nil)
	for _, d := range [][2]string{
		{"pull_request", "recorded"}, {"issue_comment", "recorded"}, {"issue_comment", "recorded"},
		{"issue_comment", "duplicate"}, {"other", "refused"}, {"push", "ignored"},
	} {
		m.WebhookDelivery(d[0], d[1])
	}
	want(t, scrape(t, m), "paved_webhook_deliveries_total",
		"event=issue_comment,result=duplicate 1",
		"event=issue_comment,result=recorded 2",
		"event=other,result=refused 1",
		"event=pull_request,result=recorded 1",
		"event=push,result=ignored 1")
}

func TestStoreGauges(t *testing.T) {
	db, err := store.Open(filepath.Join(t.TempDir(), "paved.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	m := metrics.New(db, nil)
	f := scrape(t, m)
	for _, name := range []string{"paved_commands_queued", "paved_commands_running", "paved_locks_held", "paved_lock_queue_waiters"} {
		want(t, f, name, " 0")
		if help := f[name].GetHelp(); !strings.Contains(help, "every replica reports the same store-wide figure") {
			t.Errorf("%s help %q does not warn about replicas", name, help)
		}
	}

	now := time.Now()
	for i, group := range []string{"acme/infra#1", "acme/infra#1", "acme/infra#2", ""} {
		if _, first, err := db.Accept([]string{"delivery:" + string(rune('a'+i))}, now, group, []byte("{}")); err != nil || !first {
			t.Fatalf("accept: %v %v", first, err)
		}
	}
	// #1's first, #2's and the groupless one can run; #1's second waits for its first.
	for range 2 {
		if _, ok, err := db.Claim("replica-a", now, time.Minute); err != nil || !ok {
			t.Fatalf("claim: %v %v", ok, err)
		}
	}
	app := locks.Key{Repo: "acme/infra", Dir: "app", Workspace: "default"}
	dbKey := locks.Key{Repo: "acme/infra", Dir: "db", Workspace: "default"}
	for _, l := range []locks.Lock{{Key: app, Project: "app", PR: 1}, {Key: dbKey, Project: "db", PR: 1}} {
		if _, held, err := db.TryLock(store.Fence{}, l); err != nil || !held {
			t.Fatalf("lock: %v %v", held, err)
		}
	}
	for _, w := range []struct {
		k  locks.Key
		pr int
	}{{app, 2}, {app, 3}, {dbKey, 3}} {
		if _, err := db.Enqueue(store.Fence{}, w.k, locks.Waiter{PR: w.pr, Repo: "acme/infra"}); err != nil {
			t.Fatal(err)
		}
	}
	f = scrape(t, m)
	want(t, f, "paved_commands_queued", " 2")
	want(t, f, "paved_commands_running", " 2")
	want(t, f, "paved_locks_held", " 2")
	want(t, f, "paved_lock_queue_waiters", " 3")
	for _, name := range []string{"paved_commands_queued", "paved_commands_running", "paved_locks_held", "paved_lock_queue_waiters"} {
		if f[name].GetType() != dto.MetricType_GAUGE {
			t.Errorf("%s is a %v", name, f[name].GetType())
		}
	}
}

// broken is a store that cannot be read.
type broken struct{}

var errDown = errors.New("store down")

func (broken) Commands() ([]store.Command, error) { return nil, errDown }
func (broken) Locks() ([]locks.Lock, error)       { return nil, errDown }
func (broken) Queues() ([]locks.Queue, error)     { return nil, errDown }

func TestStoreDownServesTheRest(t *testing.T) {
	m := metrics.New(broken{}, nil)
	m.CommandDone("plan", "success", time.Second)
	f := scrape(t, m)
	want(t, f, "paved_commands_total", "kind=plan,outcome=success 1")
	for _, name := range []string{"paved_commands_queued", "paved_locks_held", "paved_lock_queue_waiters"} {
		if f[name] != nil {
			t.Errorf("%s reported from a store that cannot be read", name)
		}
	}
	if f["go_goroutines"] == nil {
		t.Error("no go_goroutines")
	}
}

func TestOwnRegistry(t *testing.T) {
	a, b := metrics.New(nil, nil), metrics.New(nil, nil) // no duplicate registration
	a.Deployed("acme/infra", "app")
	want(t, scrape(t, b), "paved_deploys_total")
	gathered, err := prometheus.DefaultGatherer.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range gathered {
		if strings.HasPrefix(f.GetName(), "paved_") {
			t.Errorf("%s is on the default registry", f.GetName())
		}
	}
	if a.Registry() == b.Registry() {
		t.Error("two bots share a registry")
	}
}
