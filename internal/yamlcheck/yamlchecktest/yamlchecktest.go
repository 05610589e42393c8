// Package yamlchecktest helps tests of strict YAML readers write their
// broken inputs as edits of one valid document, so that the expected
// problems can name the document's line numbers.
package yamlchecktest

import (
	"strings"
	"testing"
)

// Edit returns doc with the numbered lines replaced. A replacement may span
// several lines, shifting the lines after it; an empty one blanks the line
// and keeps the numbering.
func Edit(t testing.TB, doc string, lines map[int]string) string {
	t.Helper()
	all := strings.Split(doc, "\n")
	for n, text := range lines {
		if n < 1 || n > len(all) {
			t.Fatalf("no line %d in the document", n)
		}
		all[n-1] = text
	}
	return strings.Join(all, "\n")
}

// Replace returns edits putting text on line from and blanking the lines
// after it up to to, inclusive.
func Replace(from, to int, text string) map[int]string {
	lines := map[int]string{from: text}
	for n := from + 1; n <= to; n++ {
		lines[n] = ""
	}
	return lines
}
