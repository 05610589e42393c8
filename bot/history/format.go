package history

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"unicode"
)

// noDeploys is shown in place of an empty history.
const noDeploys = "No deploys recorded."

// displayTime is how both formats show an apply time.
const displayTime = "2006-01-02 15:04 UTC"

// OnlyVerified returns the verified records, in order and at most limit of
// them unless limit is 0, and how many of records are not verified: what
// Markdown takes. A forged tag can claim any apply time, so the limit
// counts verified records only, lest forged ones crowd the real ones out.
func OnlyVerified(records []Record, limit int) (verified []Record, unverified int) {
	for _, r := range records {
		switch {
		case !r.Verified:
			unverified++
		case limit == 0 || len(verified) < limit:
			verified = append(verified, r)
		}
	}
	return verified, unverified
}

// Markdown renders verified records as a table for the "paved history"
// reply, then, unless unverified is 0, says that so many tags were left out
// for not being signed. A record in records that is not verified is never
// rendered but counted with them, so that even Read's records passed
// straight in cannot show a forged deploy.
func Markdown(records []Record, unverified int) string {
	var b strings.Builder
	for _, r := range records {
		if !r.Verified {
			unverified++
			continue
		}
		if b.Len() == 0 {
			b.WriteString("| Applied | Project | Workspace | Changes | PR | Commit | Planned by | Applied by | Approvers | Tool | Tag |\n")
			b.WriteString("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n")
		}
		pr := "-"
		switch {
		case r.PR > 0 && r.PRURL != "":
			pr = fmt.Sprintf("[#%d](%s)", r.PR, r.PRURL)
		case r.PR > 0:
			pr = fmt.Sprintf("#%d", r.PR)
		}
		cells := []string{
			r.Time.UTC().Format(displayTime),
			r.Project,
			r.Workspace,
			"`" + summary(r.Add, r.Change, r.Destroy) + "`",
			pr,
			"`" + shortSHA(r.Commit) + "`",
			orDash(r.PlannedBy),
			r.AppliedBy,
			approvers(r, ", "),
			strings.TrimSpace(r.Tool + " " + r.ToolVersion),
			"`" + r.Tag + "`",
		}
		for i, c := range cells {
			cells[i] = strings.ReplaceAll(c, "|", `\|`)
		}
		b.WriteString("| " + strings.Join(cells, " | ") + " |\n")
	}
	if b.Len() == 0 {
		b.WriteString(noDeploys + "\n")
	}
	if unverified > 0 {
		fmt.Fprintf(&b, "\n%d tag(s) under %s are not signed by this bot and are not shown.\n", unverified, tagRoot)
	}
	return b.String()
}

// Text writes records as aligned plain-text columns for the
// "paved-bot history" command, all of them, with a VERIFIED column that
// says NO for those the operator must not take at their word.
func Text(w io.Writer, records []Record) error {
	if len(records) == 0 {
		_, err := fmt.Fprintln(w, noDeploys)
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	rows := [][]string{{"APPLIED", "PROJECT", "WORKSPACE", "CHANGES", "PR", "COMMIT", "PLANNED BY", "APPLIED BY", "APPROVED BY", "TAG", "VERIFIED"}}
	for _, r := range records {
		verified := "NO"
		if r.Verified {
			verified = "yes"
		}
		rows = append(rows, []string{
			r.Time.UTC().Format(displayTime), r.Project, r.Workspace,
			summary(r.Add, r.Change, r.Destroy), fmt.Sprintf("#%d", r.PR), shortSHA(r.Commit),
			orDash(r.PlannedBy), r.AppliedBy, approvers(r, ","), r.Tag, verified,
		})
	}
	for _, row := range rows {
		for i, cell := range row {
			row[i] = printable(cell)
		}
		if _, err := io.WriteString(tw, strings.Join(row, "\t")+"\n"); err != nil {
			return fmt.Errorf("write history: %w", err)
		}
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write history: %w", err)
	}
	return nil
}

// printable replaces the characters of a cell that are not printable with
// '?': the message of an unverified tag is anyone's, a tab in it would
// shift the columns and a terminal would act on its escape sequences.
func printable(cell string) string {
	return strings.Map(func(r rune) rune {
		if !unicode.IsPrint(r) {
			return '?'
		}
		return r
	}, cell)
}

// approvers lists r's approvers joined by sep, or says there were none.
func approvers(r Record, sep string) string {
	if len(r.Approvers) == 0 {
		return noApprovers
	}
	return strings.Join(r.Approvers, sep)
}

// orDash stands "-" for a value older tags do not record.
func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// shortSHA abbreviates a commit sha as git does by default.
func shortSHA(sha string) string {
	if len(sha) > 7 {
		return sha[:7]
	}
	return sha
}
