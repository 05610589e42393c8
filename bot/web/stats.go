package web

import (
	"cmp"
	"fmt"
	"html/template"
	"net/http"
	"time"

	"github.com/paved-road/paved/bot/audit"
	"github.com/paved-road/paved/bot/history"
	"github.com/paved-road/paved/bot/render"
)

// statsWindow is how far back the page's deploy stats look.
const statsWindow = 12 * 7 * 24 * time.Hour

// auditDepth bounds the audit entries one stats view reads.
const auditDepth = 100_000

// statsRow is one project's or team's deploy stats as the page shows them,
// with its chart of deploys per week.
type statsRow struct {
	Name, PerWeek, LeadP50, LeadP90, ApplyP50, Failed, Last string
	Deploys                                                 int
	Chart                                                   template.HTML
}

// deployStats summarises records, and the applies the audit log has for
// repo, over the window.
func (h *Handler) deployStats(repo string, records []history.Record, byTeam bool, now time.Time) ([]statsRow, error) {
	entries, err := h.c.Bot.Recent(repo, auditDepth)
	if err != nil {
		return nil, err
	}
	var applies []history.Apply
	for _, e := range entries {
		if e.Command == "apply" && (e.Outcome == audit.Applied || e.Outcome == audit.Failed) {
			applies = append(applies, history.Apply{Project: e.Project, Failed: e.Outcome == audit.Failed, Time: e.Time})
		}
	}
	stats := history.Summarize(records, applies, byTeam, now.Add(-statsWindow), now)
	rows := make([]statsRow, 0, len(stats))
	for _, s := range stats {
		name := s.Name
		if byTeam {
			name = cmp.Or(name, "(no team)")
		}
		row := statsRow{Name: name, Deploys: s.Deploys, PerWeek: fmt.Sprintf("%.1f", s.PerWeek),
			LeadP50: orDash(s.LeadP50), LeadP90: orDash(s.LeadP90), ApplyP50: orDash(s.ApplyP50), Failed: "-", Last: "-",
			// WeeklySVG escapes what it writes.
			Chart: template.HTML(history.WeeklySVG("deploys of "+name+" per week", s.Weekly))} //nolint:gosec // built and escaped by WeeklySVG
		if rate, ok := s.FailureRate(); ok {
			row.Failed = fmt.Sprintf("%.0f%% (%d of %d)", 100*rate, s.Failed, s.Applies)
		}
		if !s.Last.IsZero() {
			row.Last = ago(now, s.Last)
		}
		rows = append(rows, row)
	}
	return rows, nil
}

func orDash(d time.Duration) string {
	if d == 0 {
		return "-"
	}
	return history.Duration(d)
}

// statsPage shows the repository's deploy stats per project and per team.
func (h *Handler) statsPage(w http.ResponseWriter, r *http.Request, v *viewer) {
	repo, _, ok := h.repo(w, r, v)
	if !ok {
		return
	}
	records, err := h.c.Bot.History(r.Context(), repo.Name, "")
	if err == nil {
		var byProject, byTeam []statsRow
		now := h.c.Now()
		if byProject, err = h.deployStats(repo.Name, records, false, now); err == nil {
			if byTeam, err = h.deployStats(repo.Name, records, true, now); err == nil {
				crumbs := append(repoCrumbs(repo), crumb{"deploy stats", ""})
				h.render(w, r, v, http.StatusOK, "stats", repo.Name+" deploy stats", map[string]any{
					"Repo": repo, "Projects": byProject, "Teams": byTeam, "Weeks": int(statsWindow / (7 * 24 * time.Hour)),
				}, crumbs...)
				return
			}
		}
	}
	h.c.Log.Warn("web page: deploy stats failed", "repo", repo.Name, "err", err)
	h.fail(w, r, v, http.StatusBadGateway, "The deploy stats could not be read: "+render.Mask(err.Error(), h.c.Secrets...))
}
