package history

import (
	"cmp"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// Stats is what the deploys of one project, or of one team's projects, say
// over a window: how often, how fast from pull request to production, how
// long applies take and how often they fail.
type Stats struct {
	Name    string // the project, or the team ("" when paved.yaml names none)
	Deploys int
	PerWeek float64
	// LeadP50 and LeadP90 run from the pull request's opening to the apply,
	// over the LeadSamples deploys whose tags record the opening.
	LeadP50, LeadP90 time.Duration
	LeadSamples      int
	ApplyP50         time.Duration // over deploys whose tags record it
	// Applies and Failed count applies in the audit log; Applies is 0 when
	// there was no audit log to read.
	Applies, Failed int
	Last            time.Time
	Weekly          []int // deploys per week, oldest first, the last week ending at now
}

// Apply is one apply in the audit log.
type Apply struct {
	Project string
	Failed  bool
	Time    time.Time
}

// FailureRate is Failed over Applies, and false without applies.
func (s Stats) FailureRate() (float64, bool) {
	if s.Applies == 0 {
		return 0, false
	}
	return float64(s.Failed) / float64(s.Applies), true
}

// Summarize groups verified deploys and audited applies made at or after
// since by project, or by team when byTeam, ordered by name.
func Summarize(records []Record, applies []Apply, byTeam bool, since, now time.Time) []Stats {
	teamOf := map[string]string{}
	// Oldest first, so that a project's newest tag names its team.
	sorted := slices.Clone(records)
	slices.SortFunc(sorted, func(a, b Record) int { return a.Time.Compare(b.Time) })
	for _, r := range sorted {
		teamOf[r.Project] = r.Team
	}
	key := func(project string) string {
		if byTeam {
			return teamOf[project]
		}
		return project
	}
	weeks := max(1, int(math.Ceil(now.Sub(since).Hours()/(7*24))))
	groups := map[string]*Stats{}
	group := func(name string) *Stats {
		s := groups[name]
		if s == nil {
			s = &Stats{Name: name, Weekly: make([]int, weeks)}
			groups[name] = s
		}
		return s
	}
	leads, applyTimes := map[string][]time.Duration{}, map[string][]time.Duration{}
	for _, r := range sorted {
		if r.Time.Before(since) || r.Time.After(now) {
			continue
		}
		name := key(r.Project)
		s := group(name)
		s.Deploys++
		s.Last = r.Time
		week := weeks - 1 - int(now.Sub(r.Time).Hours()/(7*24))
		s.Weekly[max(week, 0)]++
		if !r.PROpened.IsZero() && !r.PROpened.After(r.Time) {
			leads[name] = append(leads[name], r.Time.Sub(r.PROpened))
		}
		if r.Took > 0 {
			applyTimes[name] = append(applyTimes[name], r.Took)
		}
	}
	for _, a := range applies {
		if a.Time.Before(since) || a.Time.After(now) {
			continue
		}
		s := group(key(a.Project))
		s.Applies++
		if a.Failed {
			s.Failed++
		}
	}
	out := make([]Stats, 0, len(groups))
	for name, s := range groups {
		s.PerWeek = float64(s.Deploys) / (now.Sub(since).Hours() / (7 * 24))
		s.LeadSamples = len(leads[name])
		s.LeadP50, s.LeadP90 = percentile(leads[name], 50), percentile(leads[name], 90)
		s.ApplyP50 = percentile(applyTimes[name], 50)
		out = append(out, *s)
	}
	slices.SortFunc(out, func(a, b Stats) int { return cmp.Compare(a.Name, b.Name) })
	return out
}

// percentile is the nearest-rank percentile p of ds, 0 for none.
func percentile(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	sorted := slices.Clone(ds)
	slices.Sort(sorted)
	rank := int(math.Ceil(float64(p) / 100 * float64(len(sorted))))
	return sorted[max(rank, 1)-1]
}

// PrintStats writes stats as a table; what could not be measured shows as "-".
func PrintStats(w io.Writer, stats []Stats, now time.Time) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	_, _ = fmt.Fprintln(tw, "NAME\tDEPLOYS\tPER WEEK\tLEAD P50\tLEAD P90\tAPPLY P50\tFAILED\tSINCE LAST")
	for _, s := range stats {
		failed := "-"
		if rate, ok := s.FailureRate(); ok {
			failed = fmt.Sprintf("%.0f%% (%d/%d)", 100*rate, s.Failed, s.Applies)
		}
		last := "-"
		if !s.Last.IsZero() {
			last = Duration(now.Sub(s.Last))
		}
		_, _ = fmt.Fprintf(tw, "%s\t%d\t%.1f\t%s\t%s\t%s\t%s\t%s\n", cmp.Or(s.Name, "(no team)"), s.Deploys, s.PerWeek,
			durationOrDash(s.LeadP50, s.LeadSamples), durationOrDash(s.LeadP90, s.LeadSamples), durationOrDash(s.ApplyP50, 1), failed, last)
	}
	return tw.Flush()
}

func durationOrDash(d time.Duration, samples int) string {
	if samples == 0 || d == 0 {
		return "-"
	}
	return Duration(d)
}

// Duration shows d to two significant units: 3d4h, 5h12m, 7m30s, 12s,
// 0.4s.
func Duration(d time.Duration) string {
	if d < 10*time.Second {
		return fmt.Sprintf("%.1fs", d.Seconds())
	}
	d = d.Round(time.Second)
	switch {
	case d >= 24*time.Hour:
		return fmt.Sprintf("%dd%dh", d/(24*time.Hour), d%(24*time.Hour)/time.Hour)
	case d >= time.Hour:
		return fmt.Sprintf("%dh%dm", d/time.Hour, d%time.Hour/time.Minute)
	case d >= time.Minute:
		return fmt.Sprintf("%dm%ds", d/time.Minute, d%time.Minute/time.Second)
	}
	return fmt.Sprintf("%ds", d/time.Second)
}

// WeeklySVG draws deploys per week as a bar chart, oldest week on the
// left, with a title and the count written above each bar, so that it
// reads without colour and without script.
func WeeklySVG(title string, weekly []int) string {
	const barWidth, gap, height, top, bottom = 14, 4, 80, 18, 14
	most := max(1, slices.Max(append([]int{0}, weekly...)))
	width := len(weekly)*(barWidth+gap) + gap
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" role="img" width="%d" height="%d" viewBox="0 0 %d %d">`,
		width, height+top+bottom, width, height+top+bottom)
	fmt.Fprintf(&b, `<title>%s</title>`, escapeXML(title))
	for i, n := range weekly {
		h := n * height / most
		x := gap + i*(barWidth+gap)
		y := top + height - h
		noun := "deploys"
		if n == 1 {
			noun = "deploy"
		}
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" fill="currentColor"><title>week %d: %d %s</title></rect>`,
			x, y, barWidth, h, i+1, n, noun)
		if n > 0 {
			fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="10" text-anchor="middle" fill="currentColor">%d</text>`, x+barWidth/2, y-3, n)
		}
	}
	fmt.Fprintf(&b, `<line x1="0" y1="%d" x2="%d" y2="%d" stroke="currentColor"/>`, top+height, width, top+height)
	fmt.Fprintf(&b, `<text x="0" y="%d" font-size="10" fill="currentColor">%d weeks, oldest left</text>`, top+height+bottom-2, len(weekly))
	b.WriteString(`</svg>`)
	return b.String()
}

func escapeXML(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace(s)
}
