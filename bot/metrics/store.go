package metrics

import (
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/paved-road/paved/bot/locks"
	"github.com/paved-road/paved/bot/store"
)

// Store is what the metrics read of the bot's store at each scrape; both
// engines have it.
type Store interface {
	Commands() ([]store.Command, error)
	Locks() ([]locks.Lock, error)
	Queues() ([]locks.Queue, error)
}

// storeWide ends the Help of the gauges read from the store.
const storeWide = " Read from the store at each scrape: with several replicas sharing a store, every replica reports the same store-wide figure, so take one replica's (max, not sum)."

var (
	queuedDesc = prometheus.NewDesc("paved_commands_queued",
		"Accepted commands waiting to run, held by no replica's lease."+storeWide, nil, nil)
	runningDesc = prometheus.NewDesc("paved_commands_running",
		"Accepted commands a replica holds the lease of: running, or held by a replica that stopped renewing it until another takes it over."+storeWide, nil, nil)
	locksDesc = prometheus.NewDesc("paved_locks_held",
		"Project locks (repository, dir, workspace) held by a pull request."+storeWide, nil, nil)
	waitersDesc = prometheus.NewDesc("paved_lock_queue_waiters",
		"Pull requests queued for a project lock another one holds, over all locks."+storeWide, nil, nil)
	remainingDesc = prometheus.NewDesc("paved_github_rate_limit_remaining",
		"X-RateLimit-Remaining of the latest GitHub API answer that had one: the requests left in its installation's (or token's) hour. Absent until an answer had it.", nil, nil)
)

// scraped is the collector of the figures read when Prometheus scrapes:
// the store's, and the rate limit GitHub last reported.
type scraped struct {
	store     Store
	remaining *atomic.Int64
}

func (c *scraped) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{queuedDesc, runningDesc, locksDesc, waitersDesc, remainingDesc} {
		ch <- d
	}
}

func (c *scraped) Collect(ch chan<- prometheus.Metric) {
	if n := c.remaining.Load(); n >= 0 {
		ch <- prometheus.MustNewConstMetric(remainingDesc, prometheus.GaugeValue, float64(n))
	}
	if c.store == nil {
		return
	}
	if cmds, err := c.store.Commands(); err != nil {
		ch <- prometheus.NewInvalidMetric(queuedDesc, err)
		ch <- prometheus.NewInvalidMetric(runningDesc, err)
	} else {
		running := 0
		for _, cmd := range cmds {
			if cmd.Owner != "" {
				running++
			}
		}
		ch <- prometheus.MustNewConstMetric(queuedDesc, prometheus.GaugeValue, float64(len(cmds)-running))
		ch <- prometheus.MustNewConstMetric(runningDesc, prometheus.GaugeValue, float64(running))
	}
	if held, err := c.store.Locks(); err != nil {
		ch <- prometheus.NewInvalidMetric(locksDesc, err)
	} else {
		ch <- prometheus.MustNewConstMetric(locksDesc, prometheus.GaugeValue, float64(len(held)))
	}
	if queues, err := c.store.Queues(); err != nil {
		ch <- prometheus.NewInvalidMetric(waitersDesc, err)
	} else {
		waiters := 0
		for _, q := range queues {
			waiters += len(q.Waiters)
		}
		ch <- prometheus.MustNewConstMetric(waitersDesc, prometheus.GaugeValue, float64(waiters))
	}
}
