package render

import (
	"fmt"
	"html"
	"sort"
	"strings"
)

// markerReserve is room kept free for what callers append to a comment
// (the job marker), so that the posted comment still fits.
const markerReserve = 256

// minTail is the least output worth showing for a project: with less room
// its output is left out and only pointed at.
const minTail = 1024

// maxListed caps how many project names one line of a compressed summary
// or of the left-out list names.
const maxListed = 50

// Comment renders one command's results as a single comment of at most
// MaxComment bytes, whatever their number: apply's reply, so that its
// GitHub calls do not grow with the number of projects.
//
// It holds the title, the summary table (grouped by result with counts,
// failures still listed one by one, when one row per project cannot fit),
// the policy blocks and footer as far as they fit, then each project's
// output, failed and refused projects first. An output is cut to its tail,
// where Terraform's result and error lines are, saying how many lines were
// cut; full names where the rest is, e.g. the job log's URL, and is shown for
// every project whose output is cut or left out. Everything shown is masked
// as in [Comments].
func Comment(title string, results []Result, footer, full string) string {
	title = oneLine(title, maxTitle)
	full = oneLine(full, maxLine)
	budget := MaxComment - markerReserve - len(title) - len(blockSep) - len("\n")
	var blocks []string
	used := 0
	add := func(block string) bool {
		n := len(block)
		if len(blocks) > 0 {
			n += len(blockSep)
		}
		if used+n > budget {
			return false
		}
		blocks, used = append(blocks, block), used+n
		return true
	}

	// The left-out list is bounded; keeping room for it first means the
	// summary and outputs can never push it out.
	leftRoom := len(leftOutLine(results, full)) + len(blockSep)
	budget -= leftRoom
	add(summary(results, budget))
	for _, block := range policyBlocks(results, budget) {
		add(block)
	}
	if f := strings.TrimSpace(footer); f != "" && !add(f) {
		head, _, _ := cut(f, budget-used-len(blockSep)-len("…"))
		add(strings.TrimSpace(head) + "…")
	}

	order := make([]int, 0, len(results))
	for i, r := range results {
		if strings.TrimSpace(r.Output) != "" {
			order = append(order, i)
		}
	}
	// Errors matter more than successful logs: they get room first.
	sort.SliceStable(order, func(a, b int) bool { return failing(results[order[a]]) && !failing(results[order[b]]) })
	fails := 0
	for _, i := range order {
		if failing(results[i]) {
			fails++
		}
	}
	var left []Result
	for n, i := range order {
		r := results[i]
		room := budget - used - len(blockSep)
		// Each remaining project gets an equal share, so one huge log
		// cannot crowd out the others; a failure shares only with the
		// failures left, keeping half for the rest after the last one.
		share := room / (len(order) - n)
		if failing(r) {
			share = room / (fails + 1)
			fails--
		}
		if share = min(max(share, minTail), room); share < minTail {
			left = append(left, r) // not worth masking a log that cannot show
			continue
		}
		if block, ok := tailBlock(r, share, full); !ok || !add(block) {
			left = append(left, r)
		}
	}
	budget += leftRoom
	if len(left) > 0 {
		add(leftOutLine(left, full))
	}
	return title + blockSep + strings.Join(blocks, blockSep) + "\n"
}

// failing says whether a project's output is an error to show first.
func failing(r Result) bool { return r.Status == Failed || r.Status == Refused }

// tailBlock renders a project's output in at most limit bytes, cut to its
// last lines when it is longer; ok is false when too little of it fits.
func tailBlock(r Result, limit int, full string) (block string, ok bool) {
	out := shownOutput(r)
	fence := fenceFor(out)
	label := outputLabel(r)
	if whole := details(label, fence, out); len(whole) <= limit {
		return whole, true
	}
	note := fmt.Sprintf("%d lines cut; full output: %s", strings.Count(out, "\n")+1, html.EscapeString(full))
	overhead := len(details(label+" (last lines)", fence, "")) + len("… ") + len(note) + len("\n")
	room := limit - overhead
	if room < minTail/4 {
		return "", false
	}
	tail := out[len(out)-room:]
	if i := strings.IndexByte(tail, '\n'); i >= 0 {
		tail = tail[i+1:]
	} else {
		return "", false
	}
	cutLines := strings.Count(out[:len(out)-len(tail)], "\n")
	note = fmt.Sprintf("… %d lines cut; full output: %s", cutLines, html.EscapeString(full))
	return details(label+" (last lines)", fence, note+"\n"+tail), true
}

// leftOutLine names the projects whose output did not fit, at most
// maxListed of them, and where their output is.
func leftOutLine(left []Result, full string) string {
	names := make([]string, 0, min(len(left), maxListed))
	for _, r := range left[:min(len(left), maxListed)] {
		names = append(names, "`"+strings.ReplaceAll(oneLine(r.Project, maxCell), "`", "")+"`")
	}
	more := ""
	if len(left) > maxListed {
		more = fmt.Sprintf(" and %d more", len(left)-maxListed)
	}
	return fmt.Sprintf("Output of %d project(s) not shown here (%s%s); full output: %s",
		len(left), strings.Join(names, ", "), more, html.EscapeString(full))
}

// summary is the table with one row per project when it fits in budget,
// otherwise counts by result with the failed and refused projects listed.
func summary(results []Result, budget int) string {
	if tables := summaryTables(results, budget); len(tables) == 1 && len(tables[0]) <= budget/2 {
		return tables[0]
	}
	counts := map[Status]int{}
	var statuses []Status
	var failed []Result
	for _, r := range results {
		if counts[r.Status] == 0 {
			statuses = append(statuses, r.Status)
		}
		counts[r.Status]++
		if failing(r) {
			failed = append(failed, r)
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d projects, too many for one row each:", len(results))
	for _, s := range statuses {
		fmt.Fprintf(&b, " %d %s;", counts[s], s)
	}
	head := strings.TrimSuffix(b.String(), ";") + "."
	if len(failed) == 0 {
		return head
	}
	rows := summaryTables(failed, budget/2-len(head))
	table := rows[0]
	if len(rows) > 1 {
		table += fmt.Sprintf("\n\n…and %d more failed or refused.", len(failed)-strings.Count(table, "\n")+1)
	}
	return head + "\n\n" + table
}
