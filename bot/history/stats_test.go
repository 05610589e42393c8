package history

import (
	"encoding/xml"
	"strings"
	"testing"
	"time"
)

func TestSummarize(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	deploy := func(project, team string, ago, lead, took time.Duration) Record {
		r := Record{Project: project, Team: team, Time: now.Add(-ago), Took: took}
		if lead > 0 {
			r.PROpened = r.Time.Add(-lead)
		}
		return r
	}
	records := []Record{
		deploy("app", "payments", 1*day, 2*time.Hour, 10*time.Second),
		deploy("app", "payments", 8*day, 4*time.Hour, 20*time.Second),
		deploy("app", "payments", 15*day, 30*time.Hour, 30*time.Second),
		deploy("db", "payments", 2*day, 0, 0), // an older tag: no lead time, no duration
		deploy("web", "", 3*day, time.Hour, 5*time.Second),
		deploy("app", "payments", 40*day, time.Hour, time.Second), // before the window
	}
	applies := []Apply{
		{Project: "app", Time: now.Add(-day)}, {Project: "app", Time: now.Add(-8 * day)},
		{Project: "app", Time: now.Add(-15 * day)}, {Project: "app", Failed: true, Time: now.Add(-9 * day)},
		{Project: "db", Failed: true, Time: now.Add(-50 * day)}, // before the window
	}
	stats := Summarize(records, applies, false, now.Add(-28*day), now)
	if len(stats) != 3 || stats[0].Name != "app" || stats[1].Name != "db" || stats[2].Name != "web" {
		t.Fatalf("projects: %+v", stats)
	}
	app := stats[0]
	if app.Deploys != 3 || app.PerWeek != 0.75 || app.LeadSamples != 3 || app.LeadP50 != 4*time.Hour || app.LeadP90 != 30*time.Hour ||
		app.ApplyP50 != 20*time.Second || !app.Last.Equal(now.Add(-day)) {
		t.Errorf("app: %+v", app)
	}
	if rate, ok := app.FailureRate(); !ok || rate != 0.25 {
		t.Errorf("app failure rate %v %v, want 1 of 4", rate, ok)
	}
	if got := app.Weekly; len(got) != 4 || got[0] != 0 || got[1] != 1 || got[2] != 1 || got[3] != 1 {
		t.Errorf("app weekly: %v", got)
	}
	if db := stats[1]; db.LeadSamples != 0 || db.ApplyP50 != 0 {
		t.Errorf("db: %+v", db)
	}
	if _, ok := stats[1].FailureRate(); ok {
		t.Error("db has a failure rate without applies in the window")
	}

	teams := Summarize(records, applies, true, now.Add(-28*day), now)
	if len(teams) != 2 || teams[0].Name != "" || teams[0].Deploys != 1 || teams[1].Name != "payments" || teams[1].Deploys != 4 {
		t.Fatalf("teams: %+v", teams)
	}
	var out strings.Builder
	if err := PrintStats(&out, stats, now); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"LEAD P50", "app   ", "4h0m", "1d6h", "25% (1/4)", "1d0h"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, out.String())
		}
	}
}

func TestWeeklySVGIsWellFormed(t *testing.T) {
	svg := WeeklySVG(`deploys of "app" <prod>`, []int{0, 3, 1})
	if err := xml.Unmarshal([]byte(svg), new(struct{})); err != nil {
		t.Fatalf("not XML: %v\n%s", err, svg)
	}
	for _, want := range []string{`<title>deploys of &quot;app&quot; &lt;prod&gt;</title>`, `>3</text>`, "week 2: 3 deploys", "3 weeks, oldest left"} {
		if !strings.Contains(svg, want) {
			t.Errorf("svg lacks %q:\n%s", want, svg)
		}
	}
}
