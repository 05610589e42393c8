package repocfg

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Error lists every problem found in a repo config file, in file order.
type Error struct {
	File     string
	Problems []Problem
}

// Problem is one thing wrong at one place in the file.
type Problem struct {
	Line, Col    int    // 1-based; 0 when unknown
	Key, Message string // Key is a path such as projects[1].dir; "" for the file as a whole
}

// Error gives one line per problem, "file:line:col: key: message", leaving
// out the parts that are unknown.
func (e *Error) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		var b strings.Builder
		b.WriteString(e.File)
		if p.Line > 0 {
			fmt.Fprintf(&b, ":%d", p.Line)
			if p.Col > 0 {
				fmt.Fprintf(&b, ":%d", p.Col)
			}
		}
		b.WriteString(": ")
		if p.Key != "" {
			b.WriteString(p.Key + ": ")
		}
		b.WriteString(p.Message)
		lines[i] = b.String()
	}
	return strings.Join(lines, "\n")
}

// place is where a value was written: its position and the key path that leads to it.
type place struct {
	line, col int
	key       string
}

func placeOf(n *yaml.Node, key string) place {
	return place{line: n.Line, col: n.Column, key: key}
}

// report collects problems from both reading and validating the file.
type report struct {
	problems []Problem
}

func (r *report) add(at place, format string, args ...any) {
	r.problems = append(r.problems, Problem{Line: at.line, Col: at.col, Key: at.key, Message: fmt.Sprintf(format, args...)})
}

// err returns the problems as an *Error in file order, or nil when there are none.
func (r *report) err(file string) error {
	if len(r.problems) == 0 {
		return nil
	}
	slices.SortStableFunc(r.problems, func(a, b Problem) int {
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Col, b.Col))
	})
	return &Error{File: file, Problems: r.problems}
}

// The yaml package gives syntax errors only as text, with the line inside it.
var syntaxErrorText = regexp.MustCompile(`^yaml: (?:line (\d+): )?(.*)$`)

// zeroBasedProblems are the messages of the yaml parser, as opposed to its
// scanner: the parser names the line where the enclosing block or flow
// collection starts, counted from 0, and names no line at all for line 0.
var zeroBasedProblems = []string{
	"did not find expected <stream-start>",
	"did not find expected <document start>",
	"did not find expected node content",
	"did not find expected '-' indicator",
	"did not find expected key",
	"did not find expected ',' or ']'",
	"did not find expected ',' or '}'",
	"found undefined tag handle",
	"found duplicate %YAML directive",
	"found incompatible YAML document",
	"found duplicate %TAG directive",
}

// addSyntaxError reports an error of the yaml decoder at the line it names.
func (r *report) addSyntaxError(err error) {
	m := syntaxErrorText.FindStringSubmatch(err.Error())
	if m == nil {
		r.add(place{}, "invalid YAML: %v", err)
		return
	}
	line, _ := strconv.Atoi(m[1]) // 0 when no line is named
	if slices.Contains(zeroBasedProblems, m[2]) {
		line++
	}
	r.add(place{line: line}, "invalid YAML: %s", m[2])
}
