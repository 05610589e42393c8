// Package report writes benchmark results into a shared markdown file in which
// each benchmark owns one marked section, so that several benchmarks can
// report in docs/benchmarks.md without overwriting each other, and writes
// what their sections have in common: the opening that says how a run was
// made, table headers, and the figures (sizes, ratios, counts) formatted
// alike.
//
// A section named NAME is the text between two HTML comments, each on a line
// of its own, which markdown renderers do not show:
//
//	<!-- bench:NAME -->
//	...
//	<!-- /bench:NAME -->
package report

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// sectionName keeps names to what fits in the markers unambiguously.
var sectionName = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]*$`)

func markers(name string) (begin, end string) {
	return "<!-- bench:" + name + " -->", "<!-- /bench:" + name + " -->"
}

// WriteSection replaces section name of the markdown file at path with
// markdown, leaving the rest of the file byte for byte as it was. A file
// without that section gets it appended; a missing file is created. A file
// whose markers for name are broken (one missing, repeated, or out of order)
// is left alone and reported, since guessing could delete another report.
func WriteSection(path, name, markdown string) error {
	if !sectionName.MatchString(name) {
		return fmt.Errorf("report section %q: use lowercase letters, digits, '.', '_' and '-'", name)
	}
	begin, end := markers(name)
	block := begin + "\n" + strings.Trim(markdown, "\n") + "\n" + end

	old, err := os.ReadFile(path)
	mode := fs.FileMode(0o644)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return write(path, block+"\n", mode)
	case err != nil:
		return fmt.Errorf("report: %w", err)
	}
	if info, err := os.Stat(path); err == nil {
		mode = info.Mode().Perm()
	}
	text := string(old)

	starts, ends := markerLines(text, begin), markerLines(text, end)
	switch {
	case len(starts) == 0 && len(ends) == 0:
		return write(path, appendBlock(text, block), mode)
	case len(starts) != 1 || len(ends) != 1 || ends[0] < starts[0]:
		return fmt.Errorf("report: %s: section %q has %d %q and %d %q lines, want one of each in that order; fix the file by hand",
			path, name, len(starts), begin, len(ends), end)
	}
	return write(path, text[:starts[0]]+block+text[ends[0]+len(end):], mode)
}

// markerLines returns the offsets of the lines of text that are exactly
// marker (surrounding spaces and a \r allowed), so a marker quoted inside a
// sentence or a code span does not count.
func markerLines(text, marker string) []int {
	var at []int
	offset := 0
	for line := range strings.SplitAfterSeq(text, "\n") {
		if strings.TrimSpace(line) == marker {
			at = append(at, offset+strings.Index(line, marker))
		}
		offset += len(line)
	}
	return at
}

// appendBlock adds block after text, separated by a blank line.
func appendBlock(text, block string) string {
	switch {
	case text == "":
	case strings.HasSuffix(text, "\n\n"):
	case strings.HasSuffix(text, "\n"):
		text += "\n"
	default:
		text += "\n\n"
	}
	return text + block + "\n"
}

// write replaces path through a temporary file in the same directory, so a
// reader never sees half a report and a failure leaves the old file whole.
func write(path, content string, mode fs.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	defer func() { _ = os.Remove(tmp.Name()) }()
	_, err = tmp.WriteString(content)
	if closeErr := tmp.Close(); err == nil {
		err = closeErr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), mode)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return fmt.Errorf("report: writing %s: %w", path, err)
	}
	return nil
}

// TableHeader is the header and separator rows of a markdown table whose
// first column is named first and whose other columns are named columns.
func TableHeader(first string, columns []string) string {
	return "| " + strings.Join(append([]string{first}, columns...), " | ") + " |\n" +
		"|" + strings.Repeat(" --- |", len(columns)+1) + "\n"
}
