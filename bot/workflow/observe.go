package workflow

import (
	"encoding/json"
	"log/slog"
	"strings"
	"time"

	"github.com/paved-road/paved/bot/audit"
	"github.com/paved-road/paved/bot/render"
)

// Observer is told what the bot does, for metrics. Bot.Observe may be nil.
type Observer interface {
	// CommandDone: a command of kind ("autoplan", "plan", "apply",
	// "unlock", "help", "history", "closed", "queued", "usage") ended with
	// outcome ("success", "failure", "error", "refused", "interrupted",
	// "taken over") after took.
	CommandDone(kind, outcome string, took time.Duration)
	// TerraformRan: one project's terraform op ("plan" or "apply") took
	// took, inside the sandbox, init included.
	TerraformRan(op string, took time.Duration)
	// Deployed: a project's plan was applied.
	Deployed(repo, project string)
}

type noObserver struct{}

func (noObserver) CommandDone(string, string, time.Duration) {}
func (noObserver) TerraformRan(string, time.Duration)        {}
func (noObserver) Deployed(string, string)                   {}

func (b *Bot) observe() Observer {
	if b.Observe == nil {
		return noObserver{}
	}
	return b.Observe
}

// kindName is the job's kind for metrics and the audit log: the command's
// name for a comment.
func (j *job) kindName() string {
	switch {
	case j.Kind != kindComment:
		return string(j.Kind)
	case j.UsageError != "" || j.Command == nil:
		return "usage"
	}
	return string(j.Command.Name)
}

// audited notes the results of a plan or an apply for the audit log;
// shas and tags are by project@workspace.
func (b *Bot) audited(j *job, results []render.Result, shas, tags map[string]string) {
	if j == nil {
		return
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	for _, r := range results {
		name := planName(r.Project, r.Workspace)
		outcome := string(r.Status)
		if r.Status == render.Failed {
			outcome = audit.Failed // the comment's word is "error"
		}
		j.audits = append(j.audits, audit.Entry{Project: r.Project, Workspace: r.Workspace, Outcome: outcome,
			Detail: r.Message, PlanSHA256: shas[name], Tag: tags[name]})
	}
}

// ended writes what the job did to the audit log, one entry per project it
// touched or else one for the command, and tells the observer.
func (b *Bot) ended(log *slog.Logger, j *job, outcome string, took time.Duration) {
	j.mu.Lock()
	entries := j.audits
	if len(entries) == 0 {
		said, _, _ := strings.Cut(strings.TrimSpace(j.said.String()), "\n")
		if j.refusal != "" {
			said = j.refusal
		}
		entries = []audit.Entry{{Outcome: outcome, Detail: said}}
	}
	j.mu.Unlock()
	now := time.Now().UTC()
	for _, e := range entries {
		e.Time, e.Repo, e.PR, e.User, e.Command, e.Job, e.Replica = now, j.Repo, j.PR, j.User, j.kindName(), j.id, b.Owner
		e.PRURL, e.CloneURL, e.Installation = j.URL, j.CloneURL, j.Installation
		raw, err := json.Marshal(e)
		if err == nil {
			err = b.Store.AppendAudit(now, raw)
		}
		if err != nil {
			log.Error("writing the audit log failed", "err", err)
		}
	}
	b.observe().CommandDone(j.kindName(), outcome, took)
}

// outcome is how the job ended, for the audit log and metrics.
func (j *job) outcome(resumedApply bool) string {
	j.mu.Lock()
	defer j.mu.Unlock()
	switch {
	case j.lost.Load():
		return "taken over"
	case resumedApply:
		return "interrupted"
	case j.refusal != "":
		return "refused"
	case j.Final != nil && j.Final.State != "":
		return j.Final.State
	}
	return "answered"
}
