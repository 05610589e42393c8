package render

import "strings"

// CheckOutput renders a command's results for a GitHub check run: the
// summary table, the policy verdicts and the footer as its summary, and
// every project's output, masked, as its text. Neither is cut to a size:
// the caller fits them to GitHub's limit.
func CheckOutput(results []Result, footer string) (summary, text string) {
	const unbounded = 1 << 30
	blocks := summaryTables(results, unbounded)
	blocks = append(blocks, policyBlocks(results, unbounded)...)
	if f := strings.TrimSpace(footer); f != "" {
		blocks = append(blocks, f)
	}
	var outputs []string
	for _, r := range results {
		out := shownOutput(r)
		if strings.TrimSpace(out) != "" {
			outputs = append(outputs, details(outputLabel(r), fenceFor(out), out))
		}
	}
	return strings.Join(blocks, blockSep), strings.Join(outputs, blockSep)
}
