// Package audit is the bot's record of what it was asked and what it did:
// one entry per project a command planned, applied or refused, and one for
// each command answered without touching a project (a refusal, an unlock,
// a usage error). Entries are appended to the store and only the retention
// removes them.
package audit

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"
)

// Outcomes of a project's entry that deploy stats count.
const (
	Applied = "applied"
	Failed  = "failed"
)

// Entry is one line of the audit log.
type Entry struct {
	Time      time.Time `json:"time"`
	Repo      string    `json:"repo"`
	PR        int       `json:"pr"`
	User      string    `json:"user"`    // who commented or pushed
	Command   string    `json:"command"` // autoplan, plan, apply, unlock, help, history, closed, queued
	Project   string    `json:"project,omitempty"`
	Workspace string    `json:"workspace,omitempty"`
	// Outcome is the project's result (planned, no changes, applied,
	// failed, refused) or, for a command that touched none, answered,
	// refused or interrupted.
	Outcome    string `json:"outcome"`
	Detail     string `json:"detail,omitempty"` // why, in the bot's words (masked)
	PlanSHA256 string `json:"plan_sha256,omitempty"`
	Tag        string `json:"tag,omitempty"` // the deploy tag of an apply
	Job        string `json:"job"`
	Replica    string `json:"replica,omitempty"`
	// Where the pull request lives, for the operator page.
	PRURL        string `json:"pr_url,omitempty"`
	CloneURL     string `json:"clone_url,omitempty"`
	Installation int64  `json:"installation,omitempty"`
}

// Decode reads the entries the store returns, dropping none: an entry that
// does not decode is an error naming its place.
func Decode(raw [][]byte) ([]Entry, error) {
	out := make([]Entry, 0, len(raw))
	for i, r := range raw {
		var e Entry
		if err := json.Unmarshal(r, &e); err != nil {
			return nil, fmt.Errorf("audit entry %d: %w", i+1, err)
		}
		out = append(out, e)
	}
	return out, nil
}

// Filter keeps the entries of repo ("" for all).
func Filter(entries []Entry, repo string) []Entry {
	if repo == "" {
		return entries
	}
	var out []Entry
	for _, e := range entries {
		if strings.EqualFold(e.Repo, repo) {
			out = append(out, e)
		}
	}
	return out
}

// Print writes entries as a table.
func Print(w io.Writer, entries []Entry) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	_, _ = fmt.Fprintln(tw, "TIME\tREPO\tPR\tUSER\tCOMMAND\tPROJECT\tOUTCOME\tPLAN\tDETAIL")
	for _, e := range entries {
		project := e.Project
		if project != "" && e.Workspace != "" && e.Workspace != "default" {
			project += "@" + e.Workspace
		}
		_, _ = fmt.Fprintf(tw, "%s\t%s\t#%s\t%s\t%s\t%s\t%s\t%.12s\t%s\n", e.Time.UTC().Format(time.RFC3339), e.Repo,
			strconv.Itoa(e.PR), e.User, e.Command, dash(project), e.Outcome, dash(e.PlanSHA256), oneLine(e.Detail))
	}
	return tw.Flush()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// oneLine keeps a detail to its first line, at most 100 runes, with what
// is not printable escaped: a detail may quote Terraform's output of a pull
// request's code, and an operator's terminal must not take it as control.
func oneLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	if r := []rune(s); len(r) > 100 {
		s = string(r[:99]) + "…"
	}
	return strings.Map(func(r rune) rune {
		if unicode.IsPrint(r) {
			return r
		}
		return '?'
	}, s)
}
