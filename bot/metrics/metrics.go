// Package metrics is the bot's Prometheus metrics, served on /metrics:
// what its commands did and how long they and Terraform took, the deploys,
// what is queued, running and locked in the store, its calls to GitHub's
// API and the webhook deliveries it took in, with the Go runtime's and the
// process's metrics beside them.
//
// Each Metrics has a registry of its own, not Prometheus' global one, so
// that two bots in one process (as in the tests) keep their counts apart.
package metrics

import (
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Buckets of the duration histograms, in seconds: a command answered in
// under a second (help, unlock) to a plan or apply of up to an hour, the
// longest --timeout lets a command run by default.
var (
	commandBuckets   = []float64{0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600}
	terraformBuckets = []float64{0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600, 1200, 1800, 3600}
)

// Metrics counts what the bot does. It is a workflow.Observer (CommandDone,
// TerraformRan, Deployed), is told of GitHub calls by GitHubRequest
// (githubapi.Clients.Observe) and of webhook deliveries by WebhookDelivery
// (webhook.Intake.Observe), and reads the store at each scrape. Its methods
// are safe for concurrent use.
type Metrics struct {
	reg *prometheus.Registry
	log *slog.Logger

	commands          *prometheus.CounterVec
	commandDuration   *prometheus.HistogramVec
	terraformDuration *prometheus.HistogramVec
	deploys           *prometheus.CounterVec
	githubRequests    *prometheus.CounterVec
	webhooks          *prometheus.CounterVec
	// remaining is the latest X-RateLimit-Remaining, -1 before any.
	remaining atomic.Int64
}

// New makes the metrics of a bot whose store is s, on a registry of their
// own with the Go runtime's and the process's collectors; a nil s leaves
// the store's gauges out. log gets the errors of scrapes (a store that
// cannot be read); nil discards them.
func New(s Store, log *slog.Logger) *Metrics {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		log: log,
		commands: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "paved_commands_total",
			Help: "Commands this replica ran, by kind (autoplan, plan, apply, unlock, help, history, closed, queued, usage) and outcome (success, failure, error, refused, interrupted, taken over).",
		}, []string{"kind", "outcome"}),
		commandDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "paved_command_duration_seconds",
			Help:    "How long the commands this replica ran took, from their start to their end, by kind.",
			Buckets: commandBuckets,
		}, []string{"kind"}),
		terraformDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "paved_terraform_duration_seconds",
			Help:    "How long one project's Terraform run took in the sandbox, init included, by op (plan, apply).",
			Buckets: terraformBuckets,
		}, []string{"op"}),
		deploys: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "paved_deploys_total",
			Help: "Plans this replica applied, by repository (owner/name) and project.",
		}, []string{"repo", "project"}),
		githubRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "paved_github_requests_total",
			Help: `Requests this replica made to GitHub's API, retries after a rate limit and installation tokens included, by route ("GET /repos/{owner}/{repo}/pulls/{number}") and status (the HTTP status, or "error" when none came back).`,
		}, []string{"route", "status"}),
		webhooks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "paved_webhook_deliveries_total",
			Help: "Webhook deliveries this replica received, by event (X-GitHub-Event; \"other\" for an event the bot does not handle that came unverified) and result: recorded, duplicate (delivered before), ignored (an event, action or repository the bot does not act on), refused (unsigned, badly signed, too large or malformed), busy (answered 503 before it was read) or not_recorded (the store refused it: answered 503 for GitHub to redeliver).",
		}, []string{"event", "result"}),
	}
	m.remaining.Store(-1)
	m.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.commands, m.commandDuration, m.terraformDuration, m.deploys, m.githubRequests, m.webhooks,
		&scraped{store: s, remaining: &m.remaining},
	)
	return m
}

// Registry is the registry the metrics are on, for a test or another
// handler to gather.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the metrics in Prometheus' text format (or OpenMetrics
// when asked). A scrape that cannot read the store serves the other
// metrics without the store's gauges and logs why.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		ErrorLog:            logger{m.log},
		ErrorHandling:       promhttp.ContinueOnError,
		Registry:            m.reg,
		MaxRequestsInFlight: 4,
		Timeout:             10 * time.Second,
	})
}

// CommandDone counts a command that ended, and how long it took.
func (m *Metrics) CommandDone(kind, outcome string, took time.Duration) {
	m.commands.WithLabelValues(kind, outcome).Inc()
	m.commandDuration.WithLabelValues(kind).Observe(took.Seconds())
}

// TerraformRan records how long one project's plan or apply took.
func (m *Metrics) TerraformRan(op string, took time.Duration) {
	m.terraformDuration.WithLabelValues(op).Observe(took.Seconds())
}

// Deployed counts an applied plan.
func (m *Metrics) Deployed(repo, project string) {
	m.deploys.WithLabelValues(repo, project).Inc()
}

// GitHubRequest counts a request to GitHub's API, path below the API root
// (named by Route in the label), status 0 for one that got no answer, and
// keeps its X-RateLimit-Remaining unless that is -1 (none). It is the
// shape of githubapi.Clients.Observe.
func (m *Metrics) GitHubRequest(method, path string, status, remaining int) {
	code := "error"
	if status > 0 {
		code = strconv.Itoa(status)
	}
	m.githubRequests.WithLabelValues(Route(method, path), code).Inc()
	if remaining >= 0 {
		m.remaining.Store(int64(remaining))
	}
}

// WebhookDelivery counts a delivery by event and result; it is the shape
// of webhook.Intake.Observe, which bounds the events it names.
func (m *Metrics) WebhookDelivery(event, result string) {
	m.webhooks.WithLabelValues(event, result).Inc()
}

// logger hands promhttp's errors to slog.
type logger struct{ log *slog.Logger }

func (l logger) Println(v ...any) {
	l.log.Warn("metrics scrape", "err", fmt.Sprint(v...))
}
