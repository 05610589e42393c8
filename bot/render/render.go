// Package render turns the results of one bot command into the markdown
// comments posted on the pull request: a summary table first, then each
// project's terraform output in a collapsible diff block, with secrets
// masked: split across comments so that none exceeds GitHub's size limit
// ([Comments]), or cut to fit one comment ([Comment]).
package render

import (
	"fmt"
	"html"
	"regexp"
	"strings"
	"unicode/utf8"
)

// MaxComment is the largest comment GitHub accepts. GitHub counts
// characters; every returned comment is at most this many bytes, which is
// never more characters.
const MaxComment = 65536

// Status is the outcome of one project in one command.
type Status string

// The outcomes a project can have.
const (
	Planned   Status = "planned"
	NoChanges Status = "no changes"
	Applied   Status = "applied"
	Failed    Status = "error"
	Refused   Status = "refused"
)

// Result is what one project's run produced.
type Result struct {
	Project, Dir, Workspace string
	Status                  Status
	Add, Change, Destroy    int
	// Output is terraform's human-readable output: plan text or apply log.
	// It may be of any size.
	Output string
	// Message is one line shown in the summary: why a project failed or was
	// refused ("locked by #12"), or a note on a success ("tagged …").
	Message string
	// Policies are the policy sets' verdicts on the plan, when the server
	// checks the repository's plans against any.
	Policies []Policy
}

// Policy is one policy set's verdict on one project's plan.
type Policy struct {
	Set                string
	Failures, Warnings []string
	Passed             int    // rules that found nothing
	Error              string // the set could not be evaluated
	ApprovedBy         string // the owner who let a failed plan be applied
}

// failed says whether the verdict stops an apply, unless approved.
func (v Policy) failed() bool { return v.Error != "" || len(v.Failures) > 0 }

// Caps on single-line fields, so that one summary row can never outgrow a
// comment whatever a caller passes.
const (
	maxTitle = 512
	maxCell  = 256
	maxLine  = 512
)

// minFirstChunk is the least room worth filling with the start of a long
// output; with less, the output starts in a fresh comment instead.
const minFirstChunk = 4096

// blockSep separates blocks inside one comment.
const blockSep = "\n\n"

// partReserve is as long as any "(part N of M)" suffix can be, so that
// sizes can be fixed before the number of parts is known.
const partReserve = " (continued, part 9999999999 of 9999999999)"

// Summary formats change counts as "+1 ~2 -0".
func Summary(add, change, destroy int) string {
	return fmt.Sprintf("+%d ~%d -%d", add, change, destroy)
}

// Comments renders one command's results as pull request comments.
//
// The first comment holds the title line (markdown, e.g. "paved plan for
// 3a4b5c6"), a summary table with one row per project, and the footer (e.g.
// "To apply: `paved apply`"). Then comes each project's output, pattern-masked
// with [Mask] (callers mask literal secrets such as tokens beforehand) and
// reformatted for GitHub's diff highlighting, in a <details> block.
//
// Every comment is at most MaxComment bytes. Comments are split between
// projects; an output too long for one comment is split at line boundaries
// into blocks that are each closed and reopened as "(continued, part 2 of
// 3)". Later comments start with "title (part N of M)".
func Comments(title string, results []Result, footer string) []string {
	title = oneLine(title, maxTitle)
	p := &packer{budget: MaxComment - len(title) - len(partReserve) - len(blockSep) - len("\n")}
	for _, table := range summaryTables(results, p.budget) {
		p.add(table)
	}
	for _, block := range policyBlocks(results, p.budget) {
		p.add(block)
	}
	for rest := strings.TrimSpace(footer); rest != ""; {
		var block string
		block, rest, _ = cut(rest, p.budget)
		p.add(strings.TrimSpace(block))
	}
	for _, r := range results {
		p.addOutput(r)
	}
	return p.render(title)
}

// packer fills comments with blocks in order, starting a new comment when
// the next block does not fit.
type packer struct {
	budget   int        // bytes available for blocks in any one comment
	comments [][]string // blocks per comment
	used     int        // bytes taken in the last comment, separators included
}

// room is how long a block may be and still join the last comment.
func (p *packer) room() int {
	if p.used == 0 {
		return p.budget
	}
	return p.budget - p.used - len(blockSep)
}

func (p *packer) add(block string) {
	if len(p.comments) == 0 || len(block) > p.room() {
		p.comments = append(p.comments, nil)
		p.used = 0
	}
	last := len(p.comments) - 1
	if p.used > 0 {
		p.used += len(blockSep)
	}
	p.comments[last] = append(p.comments[last], block)
	p.used += len(block)
}

// addOutput adds a project's output as one <details> block when it fits in
// a comment, otherwise as consecutive parts that fill comments in turn.
func (p *packer) addOutput(r Result) {
	out := shownOutput(r)
	if strings.TrimSpace(out) == "" {
		return
	}
	fence := fenceFor(out)
	label := outputLabel(r)
	if whole := details(label, fence, out); len(whole) <= p.budget {
		p.add(whole)
		return
	}

	overhead := len(details(label+partReserve, fence, ""))
	var chunks []string
	rest := out
	// The first part may fill the rest of the current comment, but only
	// when that room is worth using and holds a whole line.
	if room := p.room() - overhead; room >= minFirstChunk {
		if chunk, tail, clean := cut(rest, room); clean {
			chunks, rest = append(chunks, chunk), tail
		}
	}
	for rest != "" {
		var chunk string
		chunk, rest, _ = cut(rest, p.budget-overhead)
		chunks = append(chunks, chunk)
	}
	for i, chunk := range chunks {
		part := fmt.Sprintf(" (continued, part %d of %d)", i+1, len(chunks))
		if i == 0 {
			part = fmt.Sprintf(" (part 1 of %d)", len(chunks))
		}
		p.add(details(label+part, fence, chunk))
	}
}

func (p *packer) render(title string) []string {
	comments := make([]string, len(p.comments))
	for i, blocks := range p.comments {
		header := title
		if i > 0 {
			header = fmt.Sprintf("%s (part %d of %d)", title, i+1, len(p.comments))
		}
		comments[i] = header + blockSep + strings.Join(blocks, blockSep) + "\n"
	}
	return comments
}

// cut splits s into a head of at most limit bytes and the rest. It cuts
// after the last newline that fits; only when no newline fits does it cut
// inside the line, at a rune boundary, and report clean as false.
func cut(s string, limit int) (head, rest string, clean bool) {
	if len(s) <= limit {
		return s, "", true
	}
	if i := strings.LastIndexByte(s[:limit], '\n'); i >= 0 {
		return s[:i+1], s[i+1:], true
	}
	i := limit
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i], s[i:], false
}

// shownOutput is a project's output as a reply shows it: masked, with
// GitHub's diff highlighting.
func shownOutput(r Result) string {
	return colorDiff(strings.TrimRight(Mask(r.Output), "\n"))
}

// details renders one collapsible block holding body in a diff fence.
func details(label, fence, body string) string {
	var b strings.Builder
	b.WriteString("<details><summary>")
	b.WriteString(label)
	b.WriteString("</summary>\n\n")
	b.WriteString(fence)
	b.WriteString("diff\n")
	b.WriteString(body)
	if !strings.HasSuffix(body, "\n") {
		b.WriteString("\n")
	}
	b.WriteString(fence)
	b.WriteString("\n\n</details>")
	return b.String()
}

// outputLabel is the <summary> text of a project's block, HTML-escaped.
func outputLabel(r Result) string {
	label := fmt.Sprintf("%s (%s, %s): %s",
		oneLine(r.Project, maxCell), oneLine(r.Dir, maxCell), oneLine(r.Workspace, maxCell), outcome(r, false))
	return html.EscapeString(label)
}

// outcome is a project's result as shown in the summary: its change counts,
// "no changes", or the reason it failed or was refused.
func outcome(r Result, codeSpan bool) string {
	counts := Summary(r.Add, r.Change, r.Destroy)
	if codeSpan {
		counts = "`" + counts + "`"
	}
	message := oneLine(Mask(r.Message), maxLine)
	switch r.Status {
	case Planned:
		if verdict := policyVerdict(r.Policies); verdict != "" {
			return counts + ", " + verdict
		}
		return counts
	case Applied:
		if message != "" {
			return "applied " + counts + ", " + message
		}
		return "applied " + counts
	case NoChanges:
		return "no changes"
	case Failed, Refused:
		if message == "" {
			return string(r.Status)
		}
		return string(r.Status) + ": " + message
	default:
		return string(r.Status)
	}
}

const tableHeader = "| Project | Dir | Workspace | Result |\n| --- | --- | --- | --- |"

// summaryTables renders the summary table, split into several tables (each
// with its header) only if it would not fit in one comment.
func summaryTables(results []Result, budget int) []string {
	if len(results) == 0 {
		return []string{"No projects matched."}
	}
	var tables []string
	table := tableHeader
	for _, r := range results {
		row := fmt.Sprintf("| %s | %s | %s | %s |",
			cell(r.Project), cell(r.Dir), cell(r.Workspace), tableCell(html.EscapeString(outcome(r, true))))
		if len(table)+len("\n")+len(row) > budget {
			tables = append(tables, table)
			table = tableHeader
		}
		table += "\n" + row
	}
	return append(tables, table)
}

// cell renders a plain value as a table cell.
func cell(s string) string {
	return tableCell(html.EscapeString(oneLine(s, maxCell)))
}

// tableCell keeps a pipe in s from ending the cell.
func tableCell(s string) string {
	return strings.ReplaceAll(s, "|", `\|`)
}

// oneLine returns the first line of s, at most limit bytes long.
func oneLine(s string, limit int) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	s = strings.TrimSpace(s)
	if len(s) <= limit {
		return s
	}
	head, _, _ := cut(s, limit-len("…"))
	return head + "…"
}

// fenceFor returns a backtick fence longer than any backtick run in s, so
// that nothing in s can close the fence early.
func fenceFor(s string) string {
	longest, run := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] != '`' {
			run = 0
			continue
		}
		run++
		longest = max(longest, run)
	}
	return strings.Repeat("`", max(3, longest+1))
}

// diffSign matches an indented plan marker: "  + ", "  ~ ", "  - ", " -/+ ".
var diffSign = regexp.MustCompile(`(?m)^( +)(-/\+|\+/-|[+~-]) `)

// colorDiff moves each plan line's marker to column 0, where GitHub's diff
// highlighting looks for it, keeping the text aligned. "~" becomes "!",
// the marker that highlighting shows as a change.
func colorDiff(s string) string {
	return diffSign.ReplaceAllStringFunc(s, func(m string) string {
		indent := m[:len(m)-len(strings.TrimLeft(m, " "))]
		sign := strings.TrimSpace(m)
		if sign == "~" {
			sign = "!"
		}
		return sign + indent + " "
	})
}
