package web

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/paved-road/paved/bot/audit"
	"github.com/paved-road/paved/bot/drift"
	"github.com/paved-road/paved/bot/history"
	"github.com/paved-road/paved/bot/locks"
	"github.com/paved-road/paved/bot/render"
	"github.com/paved-road/paved/bot/workflow"
)

// page is what every template gets.
type page struct {
	Title  string
	Viewer string // "" when nobody is logged in
	CSRF   string
	Crumbs []crumb
	Data   any
}

type crumb struct{ Name, URL string }

var pageNames = []string{"repos", "repo", "history", "stats", "job", "confirm", "error", "signedout"}

func parsePages() (map[string]*template.Template, error) {
	out := map[string]*template.Template{}
	for _, name := range pageNames {
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFiles, "templates/layout.html", "templates/parts.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("web page template %s: %w", name, err)
		}
		out[name] = t
	}
	return out, nil
}

var funcs = template.FuncMap{
	"utc": func(t time.Time) string {
		if t.IsZero() {
			return "-"
		}
		return t.UTC().Format("2006-01-02 15:04:05 UTC")
	},
	"iso": func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"short": func(s string) string {
		if len(s) > 12 {
			return s[:12]
		}
		return s
	},
	"join": strings.Join,
	"dict": func(kv ...any) map[string]any {
		m := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[fmt.Sprint(kv[i])] = kv[i+1]
		}
		return m
	},
	"add1": func(i int) int { return i + 1 },
	"pathEscape": func(s string) string {
		return strings.ReplaceAll(url.PathEscape(s), "%2F", "/")
	},
	"query": func(kv ...string) string {
		q := url.Values{}
		for i := 0; i+1 < len(kv); i += 2 {
			q.Set(kv[i], kv[i+1])
		}
		return q.Encode()
	},
}

// ago says how long ago t was, in words, against now.
func ago(now, t time.Time) string {
	d := now.Sub(t)
	switch {
	case t.IsZero():
		return ""
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return strconv.Itoa(int(d/time.Minute)) + " min ago"
	case d < 48*time.Hour:
		return strconv.Itoa(int(d/time.Hour)) + " h ago"
	default:
		return strconv.Itoa(int(d/(24*time.Hour))) + " days ago"
	}
}

// render executes a page into a buffer first, so that a template error is
// a clean 500 rather than half a page.
func (h *Handler) render(w http.ResponseWriter, _ *http.Request, v *viewer, status int, name, title string, data any, crumbs ...crumb) {
	p := page{Title: title, Crumbs: crumbs, Data: data}
	if v != nil {
		p.Viewer, p.CSRF = v.Login, v.CSRF
	}
	var buf bytes.Buffer
	if err := h.pages[name].Execute(&buf, p); err != nil {
		h.c.Log.Error("web page: template failed", "page", name, "err", err)
		http.Error(w, "the page could not be shown", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

func (h *Handler) fail(w http.ResponseWriter, r *http.Request, v *viewer, status int, message string) {
	h.render(w, r, v, status, "error", http.StatusText(status), map[string]any{"Status": status, "Message": message})
}

func repoCrumbs(repo workflow.RepoView) []crumb {
	return []crumb{{"Repositories", "/"}, {repo.Name, "/repos/" + repo.Name}}
}

// commandRow is a command that runs or waits, as the tables show it.
type commandRow struct {
	workflow.CommandView
	State string // RUNNING or QUEUED
	Ago   string
	Log   string // the job page
}

func (h *Handler) commandRows(cmds []workflow.CommandView, keep func(repo string) bool) []commandRow {
	now := h.c.Now()
	var out []commandRow
	for _, c := range cmds {
		if !keep(c.Repo) {
			continue
		}
		state := "QUEUED"
		if c.Running {
			state = "RUNNING"
		}
		out = append(out, commandRow{CommandView: c, State: state, Ago: ago(now, c.Accepted), Log: jobURL(c.Repo, c.ID)})
	}
	return out
}

type repoRow struct {
	workflow.RepoView
	Locks, Waiting, Running, Queued int
	Write                           bool
}

func (h *Handler) reposPage(w http.ResponseWriter, r *http.Request, v *viewer) {
	repos, rights, err := h.visibleRepos(r.Context(), v)
	switch {
	case errors.Is(err, errBadToken):
		h.relogin(w, r)
		return
	case err != nil:
		h.gitHubFailed(w, r, v, err)
		return
	}
	held, err1 := h.c.Bot.Locks()
	queues, err2 := h.c.Bot.Queues()
	cmds, err3 := h.c.Bot.Commands()
	if err := errors.Join(err1, err2, err3); err != nil {
		h.storeFailed(w, r, v, err)
		return
	}
	rows := make([]repoRow, len(repos))
	index := map[string]int{}
	for i, repo := range repos {
		rows[i] = repoRow{RepoView: repo, Write: rights[repo.Name].write}
		index[repo.Name] = i
	}
	for _, l := range held {
		if i, ok := index[l.Key.Repo]; ok {
			rows[i].Locks++
		}
	}
	for _, q := range queues {
		if i, ok := index[q.Key.Repo]; ok {
			rows[i].Waiting += len(q.Waiters)
		}
	}
	for _, c := range cmds {
		if i, ok := index[c.Repo]; ok {
			if c.Running {
				rows[i].Running++
			} else {
				rows[i].Queued++
			}
		}
	}
	h.render(w, r, v, http.StatusOK, "repos", "Repositories", map[string]any{
		"Repos":    rows,
		"Commands": h.commandRows(cmds, func(repo string) bool { _, ok := index[repo]; return ok }),
	})
}

// lockRow is one row of a repository's projects: a project, with the lock
// on one of its keys if any, and who waits for it.
type lockRow struct {
	Project string
	Lock    *locks.Lock
	Since   string
	Waiters []locks.Waiter
	History string // the project's history page
	// Drift is the project's latest drift check, nil when none ran.
	Drift *drift.Result
}

// entryRow is an audit entry as the recent table shows it.
type entryRow struct {
	audit.Entry
	Ago string
	Log string
}

func (h *Handler) repoPage(w http.ResponseWriter, r *http.Request, v *viewer) {
	repo, rights, ok := h.repo(w, r, v)
	if !ok {
		return
	}
	held, err1 := h.c.Bot.Locks()
	queues, err2 := h.c.Bot.Queues()
	cmds, err3 := h.c.Bot.Commands()
	recent, err4 := h.c.Bot.Recent(repo.Name, 30)
	checked, err5 := h.c.Bot.DriftResults()
	if err := errors.Join(err1, err2, err3, err4, err5); err != nil {
		h.storeFailed(w, r, v, err)
		return
	}
	now := h.c.Now()
	waiting := map[locks.Key][]locks.Waiter{}
	for _, q := range queues {
		if strings.EqualFold(q.Key.Repo, repo.Name) {
			waiting[q.Key] = q.Waiters
		}
	}
	var rows []lockRow
	seen := map[string]bool{}
	hist := func(project string) string {
		return "/repos/" + repo.Name + "/history?" + url.Values{"project": {project}}.Encode()
	}
	for _, l := range held {
		if !strings.EqualFold(l.Key.Repo, repo.Name) {
			continue
		}
		project := cmp.Or(l.Project, l.Key.Dir)
		seen[project] = true
		rows = append(rows, lockRow{Project: project, Lock: &l, Since: ago(now, l.Time), Waiters: waiting[l.Key], History: hist(project)})
		delete(waiting, l.Key)
	}
	// Keys waited for whose lock is being handed over right now.
	for k, ws := range waiting {
		project := k.Dir
		if len(ws) > 0 && ws[0].Project != "" {
			project = ws[0].Project
		}
		seen[project] = true
		rows = append(rows, lockRow{Project: project, Waiters: ws, History: hist(project)})
	}
	for _, p := range repo.Projects {
		if !seen[p] {
			rows = append(rows, lockRow{Project: p, History: hist(p)})
		}
	}
	for _, d := range checked {
		if !strings.EqualFold(d.Repo, repo.Name) {
			continue
		}
		i := slices.IndexFunc(rows, func(r lockRow) bool { return r.Project == d.Project })
		if i < 0 {
			rows = append(rows, lockRow{Project: d.Project, History: hist(d.Project)})
			i = len(rows) - 1
		}
		rows[i].Drift = &d
	}
	slices.SortStableFunc(rows, func(a, b lockRow) int { return strings.Compare(a.Project, b.Project) })
	entries := make([]entryRow, 0, len(recent))
	for _, e := range recent {
		entries = append(entries, entryRow{Entry: e, Ago: ago(now, e.Time), Log: jobURL(repo.Name, e.Job)})
	}
	h.render(w, r, v, http.StatusOK, "repo", repo.Name, map[string]any{
		"Repo":     repo,
		"Write":    rights.write,
		"Projects": rows,
		"Commands": h.commandRows(cmds, func(name string) bool { return strings.EqualFold(name, repo.Name) }),
		"Recent":   entries,
		"Released": r.URL.Query().Get("released"),
	}, repoCrumbs(repo)...)
}

func jobURL(repo, id string) string {
	if id == "" {
		return ""
	}
	return workflow.JobPath(repo, id)
}

// deployRow is a deploy as the history table shows it.
type deployRow struct {
	history.Record
	Ago    string
	TagURL string
}

func (h *Handler) historyPage(w http.ResponseWriter, r *http.Request, v *viewer) {
	repo, _, ok := h.repo(w, r, v)
	if !ok {
		return
	}
	project := r.URL.Query().Get("project")
	if project == "" || !slices.Contains(repo.Projects, project) {
		h.fail(w, r, v, http.StatusNotFound, "The bot has not seen this project in "+repo.Name+".")
		return
	}
	records, err := h.c.Bot.History(r.Context(), repo.Name, project)
	if err != nil {
		h.c.Log.Warn("web page: history failed", "repo", repo.Name, "project", project, "err", err)
		h.fail(w, r, v, http.StatusBadGateway, "The deploy tags could not be read: "+render.Mask(err.Error(), h.c.Secrets...))
		return
	}
	now := h.c.Now()
	rows := make([]deployRow, 0, len(records))
	for _, rec := range records {
		row := deployRow{Record: rec, Ago: ago(now, rec.Time)}
		if repo.URL != "" {
			row.TagURL = repo.URL + "/releases/tag/" + strings.ReplaceAll(url.PathEscape(rec.Tag), "%2F", "/")
		}
		rows = append(rows, row)
	}
	stats, err := h.deployStats(repo.Name, records, false, now)
	if err != nil {
		h.c.Log.Warn("web page: deploy stats failed", "repo", repo.Name, "project", project, "err", err)
	}
	crumbs := append(repoCrumbs(repo), crumb{project, ""})
	h.render(w, r, v, http.StatusOK, "history", project+" deploys", map[string]any{
		"Repo": repo, "Project": project, "Deploys": rows, "Stats": stats, "Weeks": int(statsWindow / (7 * 24 * time.Hour)),
	}, crumbs...)
}

var jobID = regexp.MustCompile(`^[A-Za-z0-9_.:-]{1,80}$`)

// jobInfo is what the job page says about a command.
type jobInfo struct {
	ID, Repo, Kind, User, URL, Replica string
	PR                                 int
	State                              string // RUNNING, QUEUED, FINISHED
	Accepted                           time.Time
	Outcomes                           []audit.Entry
}

// job finds a command of repo that runs, waits or is in its audit log; a
// command of another repository is not found, whatever its id.
func (h *Handler) job(repo, id string) (jobInfo, bool, error) {
	if !jobID.MatchString(id) {
		return jobInfo{}, false, nil
	}
	cmds, err := h.c.Bot.Commands()
	if err != nil {
		return jobInfo{}, false, err
	}
	for _, c := range cmds {
		if c.ID == id && strings.EqualFold(c.Repo, repo) {
			state := "QUEUED"
			if c.Running {
				state = "RUNNING"
			}
			return jobInfo{ID: id, Repo: c.Repo, Kind: c.Kind, User: c.User, URL: c.URL, PR: c.PR, Replica: c.Replica, State: state, Accepted: c.Accepted}, true, nil
		}
	}
	recent, err := h.c.Bot.Recent(repo, 2000)
	if err != nil {
		return jobInfo{}, false, err
	}
	info := jobInfo{ID: id, Repo: repo, State: "FINISHED"}
	for _, e := range recent {
		if e.Job != id {
			continue
		}
		info.Kind, info.User, info.PR, info.URL, info.Replica, info.Accepted = e.Command, e.User, e.PR, e.PRURL, e.Replica, e.Time
		info.Outcomes = append(info.Outcomes, e)
	}
	slices.Reverse(info.Outcomes)
	return info, len(info.Outcomes) > 0, nil
}

// shown is the part of a log the page shows at once: everything once the
// command is done, only whole lines while it runs (the rest streams in),
// masked once more.
func (h *Handler) shown(text []byte, running bool) (string, int) {
	n := len(text)
	if running {
		n = bytes.LastIndexByte(text, '\n') + 1
	}
	return render.Mask(string(text[:n]), h.c.Secrets...), n
}

// jobOf finds the command the URL names in the repository it names, or
// answers that it cannot.
func (h *Handler) jobOf(w http.ResponseWriter, r *http.Request, v *viewer) (workflow.RepoView, jobInfo, bool) {
	repo, _, ok := h.repo(w, r, v)
	if !ok {
		return repo, jobInfo{}, false
	}
	info, found, err := h.job(repo.Name, r.PathValue("id"))
	switch {
	case err != nil:
		h.storeFailed(w, r, v, err)
	case !found:
		h.fail(w, r, v, http.StatusNotFound, "There is no such command in "+repo.Name+".")
	}
	return repo, info, err == nil && found
}

func (h *Handler) jobPage(w http.ResponseWriter, r *http.Request, v *viewer) {
	repo, info, ok := h.jobOf(w, r, v)
	if !ok {
		return
	}
	text, running, err := h.c.Bot.JobLog(info.ID)
	if err != nil {
		h.storeFailed(w, r, v, err)
		return
	}
	if !running && info.State != "FINISHED" {
		info.State = "FINISHED"
	}
	log, offset := h.shown(text, running)
	stream := ""
	if running {
		stream = jobURL(repo.Name, info.ID) + "/events?" + url.Values{"from": {strconv.Itoa(offset)}}.Encode()
	}
	title := fmt.Sprintf("%s #%d", cmp.Or(info.Kind, "command"), info.PR)
	crumbs := append(repoCrumbs(repo), crumb{title, ""})
	h.render(w, r, v, http.StatusOK, "job", title, map[string]any{
		"Repo": repo, "Job": info, "Log": log, "Stream": stream, "Ago": ago(h.c.Now(), info.Accepted),
	}, crumbs...)
}

// keepAlive is how often a quiet stream sends a comment, so that proxies
// keep it open.
const keepAlive = 15 * time.Second

// jobEvents streams a running command's log as server-sent events: "log"
// events carry new text as a JSON string, with the byte offset reached as
// their id (a reconnecting browser sends it back); one "end" event says the
// command finished, and the stream closes.
func (h *Handler) jobEvents(w http.ResponseWriter, r *http.Request, v *viewer) {
	_, info, ok := h.jobOf(w, r, v)
	if !ok {
		return
	}
	from, _ := strconv.Atoi(cmp.Or(r.Header.Get("Last-Event-ID"), r.URL.Query().Get("from")))
	from = max(from, 0)
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	_ = rc.Flush() // the browser knows the stream is open
	tick := time.NewTicker(h.c.Poll)
	defer tick.Stop()
	quiet := time.Now()
	send := func(format string, args ...any) bool {
		_ = rc.SetWriteDeadline(time.Now().Add(time.Minute))
		if _, err := fmt.Fprintf(w, format, args...); err != nil {
			return false
		}
		quiet = time.Now()
		return rc.Flush() == nil
	}
	for {
		text, running, err := h.c.Bot.JobLog(info.ID)
		if err != nil {
			h.c.Log.Warn("web page: log stream failed", "job", info.ID, "err", err)
			send("event: end\ndata: %s\n\n", jsonString("the log could not be read"))
			return
		}
		if from > len(text) {
			from = len(text)
		}
		chunk := text[from:]
		if running {
			chunk = chunk[:bytes.LastIndexByte(chunk, '\n')+1]
		}
		if len(chunk) > 0 {
			from += len(chunk)
			if !send("id: %d\nevent: log\ndata: %s\n\n", from, jsonString(render.Mask(string(chunk), h.c.Secrets...))) {
				return
			}
		}
		if !running {
			send("event: end\ndata: %s\n\n", jsonString("FINISHED"))
			return
		}
		if time.Since(quiet) >= keepAlive && !send(": still running\n\n") {
			return
		}
		select {
		case <-r.Context().Done():
			return
		case <-h.closing:
			return
		case <-tick.C:
		}
	}
}

// jsonString is s as a JSON string: one SSE data line, whatever s holds.
func jsonString(s string) string {
	b, _ := json.Marshal(s) // a string always encodes
	return string(b)
}

// unlock releases a lock for a viewer who may push to the repository, as
// GitHub says at that moment; GET and a POST without confirm=yes show what
// would be released and ask first (the page's script asks in a dialog and
// confirms at once).
func (h *Handler) unlock(w http.ResponseWriter, r *http.Request, v *viewer) {
	repo, _, ok := h.repo(w, r, v)
	if !ok {
		return
	}
	form := r.URL.Query()
	if r.Method == http.MethodPost {
		form = r.PostForm
	}
	key := locks.Key{Repo: repo.Name, Dir: form.Get("dir"), Workspace: form.Get("workspace")}
	held, err := h.c.Bot.Locks()
	if err != nil {
		h.storeFailed(w, r, v, err)
		return
	}
	var lock *locks.Lock
	for _, l := range held {
		if strings.EqualFold(l.Key.Repo, key.Repo) && l.Key.Dir == key.Dir && l.Key.Workspace == key.Workspace {
			lock = &l
			break
		}
	}
	if lock == nil {
		h.fail(w, r, v, http.StatusNotFound, "Nothing holds that lock now: it may have been released already.")
		return
	}
	rights, err := h.access(r.Context(), v, repo.Name, true)
	switch {
	case errors.Is(err, errBadToken):
		h.relogin(w, r)
		return
	case err != nil:
		h.gitHubFailed(w, r, v, err)
		return
	case !rights.write:
		h.c.Log.Warn("web unlock refused: no write access", "user", v.Login, "repo", repo.Name, "dir", key.Dir, "workspace", key.Workspace)
		h.fail(w, r, v, http.StatusForbidden, "Releasing a lock needs write access to "+repo.Name+" on GitHub, which you do not have.")
		return
	}
	if r.Method != http.MethodPost || form.Get("confirm") != "yes" {
		crumbs := append(repoCrumbs(repo), crumb{"Release a lock", ""})
		h.render(w, r, v, http.StatusOK, "confirm", "Release the lock?", map[string]any{
			"Repo": repo, "Lock": lock, "Since": ago(h.c.Now(), lock.Time),
		}, crumbs...)
		return
	}
	released, err := h.c.Bot.ReleaseLockBy(lock.Key, v.Login)
	if err != nil {
		h.storeFailed(w, r, v, err)
		return
	}
	h.c.Log.Info("web unlock", "user", v.Login, "repo", repo.Name, "dir", key.Dir, "workspace", key.Workspace, "pr", released.PR)
	what := cmp.Or(lock.Project, lock.Key.Dir) + " (" + lock.Key.Workspace + ")"
	http.Redirect(w, r, "/repos/"+repo.Name+"?"+url.Values{"released": {what}}.Encode(), http.StatusSeeOther)
}
