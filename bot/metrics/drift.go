package metrics

import "github.com/prometheus/client_golang/prometheus"

var (
	driftDesc = prometheus.NewDesc("paved_drift_projects",
		"Projects whose latest drift check found the infrastructure no longer matching the default branch, by repository (owner/name)."+storeWide,
		[]string{"repo"}, nil)
	driftFailedDesc = prometheus.NewDesc("paved_drift_check_failures",
		"Projects whose latest drift check failed (credentials, init, a plan error), so whether they drift is unknown, by repository."+storeWide,
		[]string{"repo"}, nil)
)

// DriftCounts is what a drift check found, per repository: projects that
// drifted and projects whose check failed.
type DriftCounts struct{ Drifted, Failed int }

// Drift adds the drift gauges, read through count at each scrape.
func (m *Metrics) Drift(count func() (map[string]DriftCounts, error)) {
	m.reg.MustRegister(driftCollector(count))
}

type driftCollector func() (map[string]DriftCounts, error)

func (c driftCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- driftDesc
	ch <- driftFailedDesc
}

func (c driftCollector) Collect(ch chan<- prometheus.Metric) {
	counts, err := c()
	if err != nil {
		ch <- prometheus.NewInvalidMetric(driftDesc, err)
		return
	}
	for repo, n := range counts {
		ch <- prometheus.MustNewConstMetric(driftDesc, prometheus.GaugeValue, float64(n.Drifted), repo)
		ch <- prometheus.MustNewConstMetric(driftFailedDesc, prometheus.GaugeValue, float64(n.Failed), repo)
	}
}
