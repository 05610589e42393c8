package history

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// noDeploys is shown in place of an empty history.
const noDeploys = "No deploys recorded."

// displayTime is how both formats show an apply time.
const displayTime = "2006-01-02 15:04 UTC"

// Markdown renders records as a table for the "paved history" reply.
func Markdown(records []Record) string {
	if len(records) == 0 {
		return noDeploys + "\n"
	}
	var b strings.Builder
	b.WriteString("| Applied | Project | Workspace | Changes | PR | Commit | Applied by | Approvers | Tool | Tag |\n")
	b.WriteString("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n")
	for _, r := range records {
		pr := "-"
		switch {
		case r.PR > 0 && r.PRURL != "":
			pr = fmt.Sprintf("[#%d](%s)", r.PR, r.PRURL)
		case r.PR > 0:
			pr = fmt.Sprintf("#%d", r.PR)
		}
		approvers := strings.Join(r.Approvers, ", ")
		if approvers == "" {
			approvers = noApprovers
		}
		cells := []string{
			r.Time.UTC().Format(displayTime),
			r.Project,
			r.Workspace,
			"`" + summary(r.Add, r.Change, r.Destroy) + "`",
			pr,
			"`" + shortSHA(r.Commit) + "`",
			r.AppliedBy,
			approvers,
			strings.TrimSpace(r.Tool + " " + r.ToolVersion),
			"`" + r.Tag + "`",
		}
		for i, c := range cells {
			cells[i] = strings.ReplaceAll(c, "|", `\|`)
		}
		b.WriteString("| " + strings.Join(cells, " | ") + " |\n")
	}
	return b.String()
}

// Text writes records as aligned plain-text columns for the
// "paved-bot history" command.
func Text(w io.Writer, records []Record) error {
	if len(records) == 0 {
		_, err := fmt.Fprintln(w, noDeploys)
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	lines := []string{"APPLIED\tPROJECT\tWORKSPACE\tCHANGES\tPR\tCOMMIT\tAPPLIED BY\tAPPROVED BY\tTAG"}
	for _, r := range records {
		approvers := strings.Join(r.Approvers, ",")
		if approvers == "" {
			approvers = noApprovers
		}
		lines = append(lines, fmt.Sprintf("%s\t%s\t%s\t%s\t#%d\t%s\t%s\t%s\t%s",
			r.Time.UTC().Format(displayTime), r.Project, r.Workspace,
			summary(r.Add, r.Change, r.Destroy), r.PR, shortSHA(r.Commit), r.AppliedBy, approvers, r.Tag))
	}
	for _, line := range lines {
		if _, err := io.WriteString(tw, line+"\n"); err != nil {
			return fmt.Errorf("write history: %w", err)
		}
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write history: %w", err)
	}
	return nil
}

// shortSHA abbreviates a commit sha as git does by default.
func shortSHA(sha string) string {
	if len(sha) > 7 {
		return sha[:7]
	}
	return sha
}
