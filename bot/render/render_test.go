package render

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

const smallPlan = `Terraform will perform the following actions:

  # terraform_data.web will be created
  + resource "terraform_data" "web" {
      + id     = (known after apply)
      + input  = "v1"
    }

  # terraform_data.db will be updated in-place
  ~ resource "terraform_data" "db" {
        id     = "1f0c"
      ~ input  = "a" -> "b"
    }

  # terraform_data.old will be destroyed
  - resource "terraform_data" "old" {
      - id = "77aa" -> null
    }

Plan: 1 to add, 1 to change, 1 to destroy.
`

func TestCommentsSmallPlan(t *testing.T) {
	results := []Result{
		{Project: "web", Dir: "infra/web", Workspace: "default", Status: Planned, Add: 1, Change: 1, Destroy: 1, Output: smallPlan},
		{Project: "cache", Dir: "infra/cache", Workspace: "prod", Status: NoChanges, Output: "No changes. Your infrastructure matches the configuration.\n"},
		{Project: "db", Dir: "infra/db", Workspace: "prod", Status: Failed, Message: "Error: Invalid reference | see output", Output: "Error: Invalid reference\n"},
		{Project: "net", Dir: "infra/net", Workspace: "default", Status: Refused, Message: "locked by #12"},
		{Project: "dns", Dir: "infra/dns", Workspace: "default", Status: Applied, Add: 2},
	}
	comments := Comments("paved plan for 3a4b5c6", results, "To apply: `paved apply`")
	if len(comments) != 1 {
		t.Fatalf("got %d comments, want 1", len(comments))
	}
	c := comments[0]

	if !strings.HasPrefix(c, "paved plan for 3a4b5c6\n\n") {
		t.Errorf("comment does not start with the title line:\n%s", c)
	}
	for _, row := range []string{
		"| Project | Dir | Workspace | Result |",
		"| web | infra/web | default | `+1 ~1 -1` |",
		"| cache | infra/cache | prod | no changes |",
		`| db | infra/db | prod | error: Error: Invalid reference \| see output |`,
		"| net | infra/net | default | refused: locked by #12 |",
		"| dns | infra/dns | default | applied `+2 ~0 -0` |",
	} {
		if !containsLine(c, row) {
			t.Errorf("summary table lacks row %q:\n%s", row, c)
		}
	}

	footer := strings.Index(c, "To apply: `paved apply`")
	firstDetails := strings.Index(c, "<details>")
	lastRow := strings.Index(c, "| dns |")
	if footer < lastRow || footer > firstDetails {
		t.Errorf("footer is not between the summary table and the first output block:\n%s", c)
	}

	wantBlock := "<details><summary>web (infra/web, default): +1 ~1 -1</summary>\n\n```diff\n" +
		"Terraform will perform the following actions:\n" +
		"\n" +
		"  # terraform_data.web will be created\n" +
		"+   resource \"terraform_data\" \"web\" {\n" +
		"+       id     = (known after apply)\n" +
		"+       input  = \"v1\"\n" +
		"    }\n" +
		"\n" +
		"  # terraform_data.db will be updated in-place\n" +
		"!   resource \"terraform_data\" \"db\" {\n" +
		"        id     = \"1f0c\"\n" +
		"!       input  = \"a\" -> \"b\"\n" +
		"    }\n" +
		"\n" +
		"  # terraform_data.old will be destroyed\n" +
		"-   resource \"terraform_data\" \"old\" {\n" +
		"-       id = \"77aa\" -> null\n" +
		"    }\n" +
		"\n" +
		"Plan: 1 to add, 1 to change, 1 to destroy.\n" +
		"```\n\n</details>"
	if !strings.Contains(c, wantBlock) {
		t.Errorf("web's output block is not rendered as expected; got:\n%s", c)
	}
	if !strings.Contains(c, "<details><summary>db (infra/db, prod): error: Error: Invalid reference | see output</summary>") {
		t.Errorf("failed project's block lacks its message in the summary line:\n%s", c)
	}
	if strings.Count(c, "<details>") != 3 {
		t.Errorf("want a block for each of the 3 projects with output, got:\n%s", c)
	}
	checkWellFormed(t, c)
}

func TestColorDiffMovesSignsToColumnZero(t *testing.T) {
	in := "-/+ resource \"terraform_data\" \"r\" {\n" +
		"      ~ id = \"a\" -> (known after apply)\n" +
		"      +/- x = 1\n" +
		"  <= data \"x\" \"y\" {\n" +
		"a - b\n"
	want := "-/+ resource \"terraform_data\" \"r\" {\n" +
		"!       id = \"a\" -> (known after apply)\n" +
		"+/-       x = 1\n" +
		"  <= data \"x\" \"y\" {\n" +
		"a - b\n"
	if got := colorDiff(in); got != want {
		t.Errorf("colorDiff:\n%s\nwant:\n%s", got, want)
	}
}

func TestCommentsSplitsLargeOutput(t *testing.T) {
	var plan strings.Builder
	for i := 0; plan.Len() < 300_000; i++ {
		fmt.Fprintf(&plan, "  # terraform_data.item[%d] will be created\n  + resource \"terraform_data\" \"item\" {\n      + input = \"value-%d\"\n    }\n\n", i, i)
	}
	plan.WriteString("Plan: many to add, 0 to change, 0 to destroy.")
	output := plan.String()

	comments := Comments("paved plan for 3a4b5c6", []Result{
		{Project: "big", Dir: "infra/big", Workspace: "default", Status: Planned, Add: 9, Output: output},
	}, "")
	if len(comments) < 5 {
		t.Fatalf("a 300 KB plan gave %d comments, want at least 5", len(comments))
	}
	var bodies []string
	for i, c := range comments {
		checkWellFormed(t, c)
		if len(c) > MaxComment {
			t.Errorf("comment %d is %d bytes, over %d", i+1, len(c), MaxComment)
		}
		if i == 0 {
			if !containsLine(c, "| big | infra/big | default | `+9 ~0 -0` |") {
				t.Errorf("first comment lacks the summary")
			}
		} else {
			header := fmt.Sprintf("paved plan for 3a4b5c6 (part %d of %d)\n", i+1, len(comments))
			if !strings.HasPrefix(c, header) {
				t.Errorf("comment %d starts with %q, want %q", i+1, firstLine(c), header)
			}
			if strings.Contains(c, "| Project |") {
				t.Errorf("comment %d repeats the summary table", i+1)
			}
		}
		for _, b := range blocks(t, c) {
			bodies = append(bodies, b.body)
		}
	}
	if got, want := strings.Join(bodies, ""), colorDiff(output)+"\n"; got != want {
		t.Errorf("the split blocks do not add up to the output: got %d bytes, want %d", len(got), len(want))
	}
	for i, body := range bodies[:len(bodies)-1] {
		if !strings.HasSuffix(body, "\n") {
			t.Errorf("part %d was split inside a line", i+1)
		}
	}

	labels := allLabels(t, comments)
	n := len(labels)
	if labels[0] != fmt.Sprintf("big (infra/big, default): +9 ~0 -0 (part 1 of %d)", n) {
		t.Errorf("first part is labelled %q", labels[0])
	}
	for i, label := range labels[1:] {
		want := fmt.Sprintf("big (infra/big, default): +9 ~0 -0 (continued, part %d of %d)", i+2, n)
		if label != want {
			t.Errorf("part %d is labelled %q, want %q", i+2, label, want)
		}
	}
	// The first comment has room to spare after the summary, so the output
	// starts there rather than leaving it nearly empty.
	if len(blocks(t, comments[0])) != 1 {
		t.Errorf("the output does not start in the first comment")
	}
}

func TestCommentsSplitsBetweenProjects(t *testing.T) {
	var results []Result
	outputs := map[string]string{}
	for i := range 40 {
		name := fmt.Sprintf("svc%02d", i)
		out := strings.Repeat(fmt.Sprintf("  + %s line\n", name), 500)
		outputs[name] = out
		results = append(results, Result{Project: name, Dir: "services/" + name, Workspace: "default", Status: Planned, Add: i, Output: out})
	}
	comments := Comments("paved plan for 3a4b5c6", results, "To apply: `paved apply`")
	if len(comments) < 3 {
		t.Fatalf("40 projects of 8 KB each gave %d comments, want at least 3", len(comments))
	}
	for _, r := range results {
		if !containsLine(comments[0], fmt.Sprintf("| %s | services/%s | default | `+%d ~0 -0` |", r.Project, r.Project, r.Add)) {
			t.Errorf("first comment's summary lacks %s", r.Project)
		}
	}
	var order []string
	for i, c := range comments {
		if len(c) > MaxComment {
			t.Errorf("comment %d is %d bytes, over %d", i+1, len(c), MaxComment)
		}
		checkWellFormed(t, c)
		for _, b := range blocks(t, c) {
			if strings.Contains(b.label, "part") {
				t.Errorf("project block %q was split although it fits in a comment", b.label)
			}
			name, _, _ := strings.Cut(b.label, " ")
			order = append(order, name)
			if b.body != colorDiff(outputs[name]) {
				t.Errorf("%s's block does not hold its whole output", name)
			}
		}
	}
	if len(order) != 40 || order[0] != "svc00" || order[39] != "svc39" {
		t.Errorf("blocks are missing or out of order: %v", order)
	}
}

func TestCommentsSplitsLongLineAtRuneBoundary(t *testing.T) {
	// One line with no newline at all, of 2-, 3- and 4-byte runes, so that
	// byte-sized limits land inside runes.
	output := strings.Repeat("é日😀", 20_000)
	comments := Comments("paved apply", []Result{{Project: "u", Dir: ".", Workspace: "default", Status: Applied, Output: output}}, "")
	if len(comments) < 3 {
		t.Fatalf("got %d comments for %d bytes", len(comments), len(output))
	}
	var joined strings.Builder
	for i, c := range comments {
		if len(c) > MaxComment {
			t.Errorf("comment %d is %d bytes", i+1, len(c))
		}
		if !utf8.ValidString(c) {
			t.Errorf("comment %d is not valid UTF-8", i+1)
		}
		checkWellFormed(t, c)
		for _, b := range blocks(t, c) {
			joined.WriteString(strings.TrimSuffix(b.body, "\n"))
		}
	}
	if joined.String() != output {
		t.Errorf("the parts do not add up to the output")
	}
}

func TestCommentsPrefersLineBoundaries(t *testing.T) {
	// Lines of multi-byte text: every cut must fall after a newline.
	line := strings.Repeat("ü", 100) + "\n"
	output := strings.Repeat(line, 1000)
	comments := Comments("t", []Result{{Project: "p", Dir: ".", Workspace: "w", Status: Planned, Output: output}}, "")
	var parts []string
	for _, c := range comments {
		for _, b := range blocks(t, c) {
			parts = append(parts, b.body)
		}
	}
	if len(parts) < 3 {
		t.Fatalf("got %d parts for %d bytes", len(parts), len(output))
	}
	for i, part := range parts {
		if !strings.HasSuffix(part, "\n") || len(part)%len(line) != 0 {
			t.Errorf("part %d is not whole lines (%d bytes)", i+1, len(part))
		}
	}
	if strings.Join(parts, "") != output {
		t.Errorf("the parts do not add up to the output")
	}
}

func TestCommentsFenceOutlastsBackticksInOutput(t *testing.T) {
	output := "```\nnot the end\n````\nstill inside\n"
	c := Comments("t", []Result{{Project: "p", Dir: ".", Workspace: "w", Status: Failed, Output: output}}, "")[0]
	if !strings.Contains(c, "`````diff\n"+output+"`````\n") {
		t.Errorf("output is not wrapped in a fence longer than its backtick runs:\n%s", c)
	}
	checkWellFormed(t, c)
}

func TestCommentsMasksOutputAndMessage(t *testing.T) {
	c := Comments("t", []Result{{
		Project: "p", Dir: ".", Workspace: "w", Status: Failed,
		Message: "clone https://x-access-token:s3cr3t@github.com/o/r failed",
		Output:  "  + password = \"hunter2\"\n",
	}}, "")[0]
	for _, leak := range []string{"s3cr3t", "hunter2"} {
		if strings.Contains(c, leak) {
			t.Errorf("comment leaks %q:\n%s", leak, c)
		}
	}
}

func TestCommentsWithoutResults(t *testing.T) {
	comments := Comments("paved plan for 3a4b5c6", nil, "")
	if len(comments) != 1 || !strings.Contains(comments[0], "No projects matched.") {
		t.Errorf("got %q", comments)
	}
}

func TestSummary(t *testing.T) {
	if got := Summary(1, 2, 0); got != "+1 ~2 -0" {
		t.Errorf("Summary(1, 2, 0) = %q", got)
	}
}

// block is one <details> block of a comment.
type block struct {
	label string
	body  string // the fenced text, with its final newline
}

var blockRE = regexp.MustCompile("(?s)<details><summary>(.*?)</summary>\n\n(`{3,})diff\n(.*?)\n(`{3,})\n\n</details>")

func blocks(t *testing.T, comment string) []block {
	t.Helper()
	var out []block
	for _, m := range blockRE.FindAllStringSubmatch(comment, -1) {
		if m[2] != m[4] {
			t.Fatalf("block %q opens with fence %q and closes with %q", m[1], m[2], m[4])
		}
		out = append(out, block{label: m[1], body: m[3] + "\n"})
	}
	return out
}

func allLabels(t *testing.T, comments []string) []string {
	var labels []string
	for _, c := range comments {
		for _, b := range blocks(t, c) {
			labels = append(labels, b.label)
		}
	}
	return labels
}

// checkWellFormed fails unless every fence opened in comment is closed and
// <details> tags outside fences balance.
func checkWellFormed(t *testing.T, comment string) {
	t.Helper()
	fence, depth := "", 0
	for _, line := range strings.Split(comment, "\n") {
		switch {
		case fence != "":
			if line == fence {
				fence = ""
			}
		case strings.HasPrefix(line, "```"):
			fence = strings.TrimSuffix(line, "diff")
		default:
			depth += strings.Count(line, "<details>") - strings.Count(line, "</details>")
			if depth < 0 {
				t.Fatalf("</details> without <details> in:\n%s", comment)
			}
		}
	}
	if fence != "" {
		t.Errorf("fence %q left open", fence)
	}
	if depth != 0 {
		t.Errorf("%d <details> left open", depth)
	}
}

func containsLine(s, line string) bool {
	for _, l := range strings.Split(s, "\n") {
		if l == line {
			return true
		}
	}
	return false
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
