// Package yamlcheck holds what the strict YAML readers of paved share: a
// problem found at a line, column and key, a collector that gathers every
// problem of a file, and walks over yaml.Node trees that report what has
// the wrong shape. Readers walk nodes rather than decode into structs so
// that each problem can say where it was written.
package yamlcheck

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Problem is one thing wrong at one place in a file.
type Problem struct {
	File    string
	Line    int    // 1-based; 0 when unknown
	Col     int    // 1-based; 0 when unknown
	Key     string // key path such as projects[1].dir; "" for the file as a whole
	Message string
}

// Error formats the problem as "file:line:col: key: message", leaving out
// the parts that are unknown.
func (p *Problem) Error() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Line > 0 {
		fmt.Fprintf(&b, ":%d", p.Line)
		if p.Col > 0 {
			fmt.Fprintf(&b, ":%d", p.Col)
		}
	}
	b.WriteString(": ")
	if p.Key != "" {
		b.WriteString(p.Key)
		b.WriteString(": ")
	}
	b.WriteString(p.Message)
	return b.String()
}

// Place is where a value was written: its position and the key path that
// leads to it. The zero Place stands for the file as a whole.
type Place struct {
	Line, Col int
	Key       string
}

// PlaceOf returns the place of n, reached by the key path key.
func PlaceOf(n *yaml.Node, key string) Place {
	return Place{Line: n.Line, Col: n.Column, Key: key}
}

// Problems collects the problems of one file, so that a reader can report
// them all at once rather than stop at the first.
type Problems struct {
	File string // the name problems give
	list []Problem
}

// Add reports a problem at a place.
func (ps *Problems) Add(at Place, format string, args ...any) {
	ps.list = append(ps.list, Problem{File: ps.File, Line: at.Line, Col: at.Col, Key: at.Key, Message: fmt.Sprintf(format, args...)})
}

// At reports a problem at the node n, reached by the key path key.
func (ps *Problems) At(n *yaml.Node, key, format string, args ...any) {
	ps.Add(PlaceOf(n, key), format, args...)
}

// Expected reports that n, reached by key, is not what: "expected what, got ...".
func (ps *Problems) Expected(n *yaml.Node, key, what string) {
	ps.At(n, key, "expected %s, got %s", what, Describe(n))
}

// List returns the problems in file order, so that they read top to bottom.
func (ps *Problems) List() []Problem {
	list := slices.Clone(ps.list)
	slices.SortStableFunc(list, func(a, b Problem) int {
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Col, b.Col))
	})
	return list
}

// The yaml package gives syntax errors only as text, with the line inside it.
var syntaxErrorText = regexp.MustCompile(`^yaml: (?:line (\d+): )?(.*)$`)

// zeroBasedProblems are the messages of the yaml parser, as opposed to its
// scanner: the parser counts lines from 0 and names no line for line 0
// (go-yaml/yaml#205). It names the line where the enclosing block or flow
// collection starts.
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

// AddSyntaxError reports an error of the yaml decoder at the line it names.
func (ps *Problems) AddSyntaxError(err error) {
	m := syntaxErrorText.FindStringSubmatch(err.Error())
	if m == nil {
		ps.Add(Place{}, "invalid YAML: %v", err)
		return
	}
	line, _ := strconv.Atoi(m[1]) // 0 when no line is named
	if slices.Contains(zeroBasedProblems, m[2]) {
		line++
	}
	ps.Add(Place{Line: line}, "invalid YAML: %s", m[2])
}
