// Package drift is what a drift check finds and how it is told: the
// result of one project's check, and the text of the GitHub issue a
// drifted project gets. The check itself runs in package workflow.
package drift

import (
	"fmt"
	"time"

	"github.com/paved-road/paved/bot/render"
)

// The outcomes of a project's drift check.
const (
	InSync  = "in sync"
	Drifted = "drifted"
	Failed  = "failed"
)

// Label marks the issues drift checks open.
const Label = "paved:drift"

// Result is the latest drift check of one project.
type Result struct {
	Repo      string    `json:"repo"`
	Project   string    `json:"project"`
	Dir       string    `json:"dir"`
	Workspace string    `json:"workspace"`
	State     string    `json:"state"` // InSync, Drifted or Failed
	Commit    string    `json:"commit"`
	Branch    string    `json:"branch"`
	Add       int       `json:"add"`
	Change    int       `json:"change"`
	Destroy   int       `json:"destroy"`
	Error     string    `json:"error,omitempty"`
	Issue     int       `json:"issue,omitempty"` // the drift issue, when there is one
	Checked   time.Time `json:"checked"`
	Job       string    `json:"job"`
}

// Line says in a few words what a check found.
func Line(r Result) string {
	switch r.State {
	case Drifted:
		return fmt.Sprintf("drifted: Terraform would change %s to match %s", render.Summary(r.Add, r.Change, r.Destroy), r.Branch)
	case Failed:
		return "the check failed (not drift): " + r.Error
	}
	return "in sync with " + r.Branch
}

// Marker finds a project's drift issue again, whatever its title
// became.
func Marker(project, workspace string) string {
	return "<!-- paved-bot drift " + project + "@" + workspace + " -->"
}

// tooLong ends an issue whose plan did not fit in it.
const tooLong = "The plan is longer than an issue can hold; it is in the bot's log of job "

// IssueBody is the issue's text for the latest check. The plan comes
// from code on the default branch and from the infrastructure, so it is
// masked and fenced like a reply's.
func IssueBody(r Result, output string) string {
	marker := Marker(r.Project, r.Workspace)
	var head string
	switch r.State {
	case Drifted:
		head = fmt.Sprintf("`%s` (%s, %s) has drifted: at %s, planning %s at %.7s shows Terraform would make changes %s to make the infrastructure match it again.\n\n"+
			"Either apply %s (comment `paved plan -p %s` and `paved apply` on a pull request that changes it) or change the code to match what is there. "+
			"paved-bot updates this issue at every drift check and closes it once a check finds no changes.",
			r.Project, r.Dir, r.Workspace, r.Checked.Format(time.RFC3339), r.Branch, r.Commit, render.Summary(r.Add, r.Change, r.Destroy), r.Branch, r.Project)
	case InSync:
		head = fmt.Sprintf("`%s` (%s, %s) matches %s again: the drift check at %s of %.7s found no changes.", r.Project, r.Dir, r.Workspace, r.Branch, r.Checked.Format(time.RFC3339), r.Commit)
	default:
		head = fmt.Sprintf("The latest drift check of `%s` (%s, %s), at %s of %.7s, failed, so whether it still drifts is unknown: %s",
			r.Project, r.Dir, r.Workspace, r.Checked.Format(time.RFC3339), r.Commit, r.Error)
	}
	res := render.Result{Project: r.Project, Dir: r.Dir, Workspace: r.Workspace, Status: render.Planned, Add: r.Add, Change: r.Change, Destroy: r.Destroy, Output: output}
	switch r.State {
	case InSync:
		res.Status = render.NoChanges
	case Failed:
		res.Status, res.Message = render.Failed, r.Error
	}
	parts := render.Comments("### paved drift check", []render.Result{res}, head)
	body := parts[0]
	if len(parts) > 1 || len(body)+len(marker)+len(tooLong)+len(r.Job)+len("\n\n.\n\n") > render.MaxComment {
		// An issue holds as much as a comment: past that, the summary alone.
		res.Output = ""
		body = render.Comments("### paved drift check", []render.Result{res}, head)[0] + "\n\n" + tooLong + r.Job + "."
	}
	return body + "\n\n" + marker
}
