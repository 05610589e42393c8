package githubfake

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// CheckRun is a check run as the client left it.
type CheckRun struct {
	ID         int64
	Name       string
	HeadSHA    string
	Status     string // "queued", "in_progress" or "completed"
	Conclusion string // once completed: "success", "failure", "neutral", ...
	// Title, Summary and Text are its output.
	Title, Summary, Text   string
	DetailsURL             string
	ExternalID             string
	StartedAt, CompletedAt time.Time
	Updates                int // the client's PATCHes
}

// checkOutputLimit is GitHub's for an output's summary and text, which it
// checks twice: in characters, and then in bytes.
const checkOutputLimit = 65535

const (
	checksDocs     = "https://docs.github.com/rest/checks/runs"
	createCheckDoc = checksDocs + "#create-a-check-run"
	updateCheckDoc = checksDocs + "#update-a-check-run"
)

// CheckRuns returns the check runs on a commit, oldest first.
func (f *Fake) CheckRuns(owner, name, sha string) []CheckRun {
	f.t.Helper()
	r := f.repo(owner, name)
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []CheckRun
	for _, cr := range r.checkRuns {
		if cr.HeadSHA == sha {
			out = append(out, *cr)
		}
	}
	return out
}

// fromApp answers GitHub's 403 unless the request carries an installation
// token: only a GitHub App may write check runs. Callers hold f.mu.
func (f *Fake) fromApp(w http.ResponseWriter, req *http.Request, docs string) bool {
	if _, ok := f.tokens[credential(req)]; ok {
		return true
	}
	writeError(w, http.StatusForbidden, "You must authenticate via a GitHub App.", docs)
	return false
}

// checkRunInput is the body of a create or an update; nil is not given.
type checkRunInput struct {
	Name        *string `json:"name"`
	HeadSHA     string  `json:"head_sha"`
	Status      *string `json:"status"`
	Conclusion  *string `json:"conclusion"`
	StartedAt   *string `json:"started_at"`
	CompletedAt *string `json:"completed_at"`
	DetailsURL  *string `json:"details_url"`
	ExternalID  *string `json:"external_id"`
	Output      *struct {
		Title   *string `json:"title"`
		Summary *string `json:"summary"`
		Text    *string `json:"text"`
	} `json:"output"`
}

// refusal is a 422 GitHub would give, with its body.
type refusal map[string]any

func invalid(message, docs string) refusal {
	return refusal{"message": message, "documentation_url": docs, "status": "422"}
}

// apply returns cr changed by in, or GitHub's refusal of in. A conclusion
// completes the run, as on GitHub, and a completed run needs one.
func (in checkRunInput) apply(cr CheckRun, docs string) (CheckRun, refusal) {
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = *src
		}
	}
	set(&cr.Name, in.Name)
	set(&cr.Status, in.Status)
	set(&cr.Conclusion, in.Conclusion)
	set(&cr.DetailsURL, in.DetailsURL)
	set(&cr.ExternalID, in.ExternalID)
	for _, t := range []struct {
		dst *time.Time
		src *string
	}{{&cr.StartedAt, in.StartedAt}, {&cr.CompletedAt, in.CompletedAt}} {
		if t.src == nil {
			continue
		}
		at, err := time.Parse(time.RFC3339, *t.src)
		if err != nil {
			return cr, invalid("Invalid request.\n\n"+*t.src+" is not a valid date-time.", docs)
		}
		*t.dst = at.UTC().Truncate(time.Second)
	}
	if o := in.Output; o != nil {
		// The description requires a title with any output, an update's too.
		if o.Title == nil || *o.Title == "" {
			return cr, invalid("Invalid request.\n\n\"title\" wasn't supplied.", docs)
		}
		for _, field := range []struct {
			name string
			text *string
		}{{"summary", o.Summary}, {"text", o.Text}} {
			if no := outputRefusal(field.name, field.text, docs); no != nil {
				return cr, no
			}
		}
		set(&cr.Title, o.Title)
		set(&cr.Summary, o.Summary)
		set(&cr.Text, o.Text)
	}
	if cr.Name == "" {
		return cr, invalid("Invalid request.\n\n\"name\" wasn't supplied.", docs)
	}
	if cr.Conclusion != "" {
		cr.Status = "completed"
	}
	if cr.Status == "completed" {
		if cr.Conclusion == "" {
			return cr, invalid("Invalid request.\n\n\"conclusion\" wasn't supplied.", docs)
		}
		if cr.CompletedAt.IsZero() {
			cr.CompletedAt = now()
		}
	}
	return cr, nil
}

// outputRefusal is GitHub's answer to an output field over its limit: the
// request's schema counts characters; the check run's own validation then
// counts bytes, which text outside ASCII reaches first.
func outputRefusal(field string, text *string, docs string) refusal {
	switch {
	case text == nil:
		return nil
	case utf8.RuneCountInString(*text) > checkOutputLimit:
		return invalid(fmt.Sprintf("Invalid request.\n\nOnly %d characters are allowed; %d were supplied.",
			checkOutputLimit, utf8.RuneCountInString(*text)), docs)
	case len(*text) > checkOutputLimit:
		no := invalid("Validation Failed", docs)
		no["errors"] = []any{map[string]any{
			"resource": "CheckRun", "code": "custom", "field": field,
			"message": fmt.Sprintf("%s exceeds a maximum bytesize of %d", field, checkOutputLimit),
		}}
		return no
	}
	return nil
}

func (f *Fake) createCheckRun(w http.ResponseWriter, req *http.Request) {
	if !f.fromApp(w, req, createCheckDoc) {
		return
	}
	r, _, ok := f.target(w, req)
	if !ok {
		return
	}
	var in checkRunInput
	if !readBody(w, req, &in) {
		return
	}
	if in.HeadSHA == "" || !r.hasCommit(in.HeadSHA) {
		unprocessable(w, "No commit found for SHA: "+in.HeadSHA, createCheckDoc)
		return
	}
	cr, no := in.apply(CheckRun{HeadSHA: in.HeadSHA, Status: "queued", StartedAt: now()}, createCheckDoc)
	if no != nil {
		writeJSON(w, http.StatusUnprocessableEntity, no)
		return
	}
	cr.ID = f.newID()
	r.checkRuns = append(r.checkRuns, &cr)
	writeJSON(w, http.StatusCreated, f.checkRunObject(r, &cr))
}

// checkRunTarget finds the path's check run in its repository or answers 404.
func (f *Fake) checkRunTarget(w http.ResponseWriter, req *http.Request) (*repo, *CheckRun, bool) {
	r, _, ok := f.target(w, req)
	if !ok {
		return nil, nil, false
	}
	id, err := strconv.ParseInt(req.PathValue("check_run_id"), 10, 64)
	cr := r.checkRun(id)
	if err != nil || cr == nil {
		writeError(w, http.StatusNotFound, "Not Found", checksDocs+"#get-a-check-run")
		return nil, nil, false
	}
	return r, cr, true
}

func (r *repo) hasCommit(sha string) bool {
	_, err := git(r.gitDir, "", "cat-file", "-e", sha+"^{commit}")
	return err == nil
}

func (r *repo) checkRun(id int64) *CheckRun {
	for _, cr := range r.checkRuns {
		if cr.ID == id {
			return cr
		}
	}
	return nil
}

func (f *Fake) updateCheckRun(w http.ResponseWriter, req *http.Request) {
	if !f.fromApp(w, req, updateCheckDoc) {
		return
	}
	r, cr, ok := f.checkRunTarget(w, req)
	if !ok {
		return
	}
	var in checkRunInput
	if !readBody(w, req, &in) {
		return
	}
	next, no := in.apply(*cr, updateCheckDoc)
	if no != nil {
		writeJSON(w, http.StatusUnprocessableEntity, no)
		return
	}
	next.Updates++
	*cr = next
	writeJSON(w, http.StatusOK, f.checkRunObject(r, cr))
}

func (f *Fake) getCheckRun(w http.ResponseWriter, req *http.Request) {
	r, cr, ok := f.checkRunTarget(w, req)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, f.checkRunObject(r, cr))
}

// listCheckRuns lists a commit's check runs, newest first. By default
// (filter=latest) a name's newest run stands for it, as on GitHub.
func (f *Fake) listCheckRuns(w http.ResponseWriter, req *http.Request) {
	r, _, ok := f.target(w, req)
	if !ok {
		return
	}
	ref := req.PathValue("ref")
	sha, err := r.commitOf(ref)
	if err != nil {
		unprocessable(w, "No commit found for SHA: "+ref, checksDocs+"#list-check-runs-for-a-git-reference")
		return
	}
	q := req.URL.Query()
	latest := q.Get("filter") != "all"
	var runs []*CheckRun
	seen := map[string]bool{}
	for _, cr := range slices.Backward(r.checkRuns) {
		if cr.HeadSHA != sha {
			continue
		}
		older := seen[cr.Name]
		seen[cr.Name] = true
		switch {
		case latest && older:
		case q.Get("check_name") != "" && cr.Name != q.Get("check_name"):
		case q.Get("status") != "" && cr.Status != q.Get("status"):
		default:
			runs = append(runs, cr)
		}
	}
	out := []any{}
	for _, cr := range paginate(w, req, runs) {
		out = append(out, f.checkRunObject(r, cr))
	}
	writeJSON(w, http.StatusOK, map[string]any{"total_count": len(runs), "check_runs": out})
}

// checkSuite is the id of the commit's check suite; callers hold f.mu.
func (f *Fake) checkSuite(r *repo, sha string) int64 {
	id, ok := r.checkSuites[sha]
	if !ok {
		id = f.newID()
		r.checkSuites[sha] = id
	}
	return id
}

// overlayApp makes an example's App the fake's: its id and the slug of its
// bot account.
func (f *Fake) overlayApp(app map[string]any) {
	slug := strings.TrimSuffix(f.opts.BotLogin, "[bot]")
	app["id"], app["node_id"] = f.opts.AppID, nodeID("Integration", f.opts.AppID)
	app["slug"], app["name"] = slug, slug
	app["html_url"] = webRoot + "/apps/" + slug
	// Old payloads give the App's times without a zone, as GitHub no
	// longer does and go-github cannot read.
	for _, k := range []string{"created_at", "updated_at"} {
		if s, ok := app[k].(string); ok {
			if at, err := time.Parse(time.DateTime, s); err == nil {
				app[k] = timestamp(at)
			}
		}
	}
}

// pullsAt are the open pull requests of the repository itself (forks'
// are not GitHub's to tell) whose head is sha, by number.
func (r *repo) pullsAt(sha string) []*pull {
	var out []*pull
	for _, p := range r.pulls {
		if p.open && p.HeadOwner == "" && p.HeadSHA == sha {
			out = append(out, p)
		}
	}
	slices.SortFunc(out, func(a, b *pull) int { return a.Number - b.Number })
	return out
}

// checkRunPulls is a check run's pull_requests, in the REST API and in
// webhook payloads alike.
func (r *repo) checkRunPulls(sha string) []any {
	out := []any{}
	for _, p := range r.pullsAt(sha) {
		ref := map[string]any{"id": r.id, "url": r.apiURL(), "name": r.name}
		out = append(out, map[string]any{
			"url": r.apiURL() + "/pulls/" + strconv.Itoa(p.Number), "id": p.id, "number": p.Number,
			"head": map[string]any{"ref": p.HeadRef, "sha": p.HeadSHA, "repo": ref},
			"base": map[string]any{"ref": p.BaseRef, "sha": p.baseSHA, "repo": maps.Clone(ref)},
		})
	}
	return out
}

func (f *Fake) checkRunObject(r *repo, cr *CheckRun) map[string]any {
	m := f.examples.object("check-run")
	id := strconv.FormatInt(cr.ID, 10)
	self := r.apiURL() + "/check-runs/" + id
	f.overlayApp(object(m, "app"))
	maps.Copy(m, map[string]any{
		"id": cr.ID, "node_id": nodeID("CheckRun", cr.ID), "name": cr.Name, "head_sha": cr.HeadSHA,
		"external_id": cr.ExternalID, "url": self, "html_url": r.webURL() + "/runs/" + id,
		"details_url": optionalString(cr.DetailsURL), "status": cr.Status, "conclusion": optionalString(cr.Conclusion),
		"started_at": optionalTime(cr.StartedAt), "completed_at": optionalTime(cr.CompletedAt),
		"output": map[string]any{
			"title": optionalString(cr.Title), "summary": optionalString(cr.Summary), "text": optionalString(cr.Text),
			"annotations_count": 0, "annotations_url": self + "/annotations",
		},
		"check_suite":   map[string]any{"id": f.checkSuite(r, cr.HeadSHA)},
		"pull_requests": r.checkRunPulls(cr.HeadSHA),
	})
	return m
}
