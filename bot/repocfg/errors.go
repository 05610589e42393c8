package repocfg

import (
	"strings"

	"github.com/paved-road/paved/internal/yamlcheck"
)

// Error lists every problem found in a repo config file, in file order.
type Error struct {
	File     string
	Problems []Problem
}

// Problem is one thing wrong at one place in the file. Its Key is a path
// such as projects[1].dir, "" for the file as a whole.
type Problem = yamlcheck.Problem

// Error gives one line per problem, "file:line:col: key: message", leaving
// out the parts that are unknown.
func (e *Error) Error() string {
	lines := make([]string, len(e.Problems))
	for i := range e.Problems {
		lines[i] = e.Problems[i].Error()
	}
	return strings.Join(lines, "\n")
}

// errorOf returns the problems collected as an *Error, or nil when there are none.
func errorOf(ps *yamlcheck.Problems) error {
	problems := ps.List()
	if len(problems) == 0 {
		return nil
	}
	return &Error{File: ps.File, Problems: problems}
}
