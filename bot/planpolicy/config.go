package planpolicy

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/paved-road/paved/bot/repocfg"
	"github.com/paved-road/paved/internal/yamlcheck"
)

// Set is one policy set as written in the server config.
type Set struct {
	Name string
	// Paths are .rego files or directories, searched recursively for *.rego
	// but not *_test.rego; relative paths are relative to the config file's
	// directory.
	Paths []string
	// Owners may approve a failure: GitHub logins ("alice") or teams
	// ("acme/platform-security").
	Owners []string
	// Namespaces are the Rego packages queried, as conftest --namespace;
	// ["main"] when none is written.
	Namespaces []string
	// RegoVersion is the syntax of the set's files, as conftest
	// --rego-version: "v1" (when none is written) or "v0".
	RegoVersion string
	Line        int // where the set starts in the server config
}

// The keys of a set.
var setKeys = []string{"name", "paths", "owners", "namespaces", "rego_version"}

var (
	// setName is at least as strict as what a repos rule accepts in its
	// policy_sets, so that every set defined can be named there.
	setName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)
	// namespacePattern allows the package paths a query can name as
	// data.<namespace>.<rule> without quoting.
	namespacePattern = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$`)
)

// Parse reads the value of the server config's `policy_sets` key, a list of
// sets, reporting every problem at its line of file.
func Parse(file string, n *yaml.Node) ([]Set, error) {
	ps := &yamlcheck.Problems{File: file}
	n = yamlcheck.Resolve(n)
	if n.Kind != yaml.SequenceNode {
		ps.Expected(n, "policy_sets", "a list of policy sets, each with name, paths and owners")
		return nil, problemsError(ps)
	}
	var sets []Set
	nameLine := map[string]int{}
	for i, item := range n.Content {
		at := yamlcheck.ItemPath("policy_sets", i)
		item = yamlcheck.Resolve(item)
		s, ok := parseSet(ps, item, at)
		if !ok {
			continue
		}
		if line, dup := nameLine[s.Name]; dup {
			ps.At(item, at, "duplicate policy set name %q; first given at line %d", s.Name, line)
			continue
		}
		nameLine[s.Name] = s.Line
		sets = append(sets, s)
	}
	if err := problemsError(ps); err != nil {
		return nil, err
	}
	return sets, nil
}

func parseSet(ps *yamlcheck.Problems, n *yaml.Node, at string) (Set, bool) {
	s := Set{Line: n.Line, Namespaces: []string{"main"}, RegoVersion: "v1"}
	if n.Kind != yaml.MappingNode {
		ps.Expected(n, at, "a policy set (a mapping with name, paths and owners)")
		return s, false
	}
	before := len(ps.List())
	entries, _ := ps.Entries(at, n)
	for _, e := range ps.Known(entries, setKeys) {
		switch e.Name {
		case "name":
			s.Name = ps.String(e, CheckSetName)
		case "paths":
			s.Paths = items(ps, e, "a .rego file or a directory of them", checkPath)
		case "owners":
			s.Owners = items(ps, e, "an owner who may approve a failure", checkOwner)
		case "namespaces":
			s.Namespaces = items(ps, e, "a Rego package to query", checkNamespace)
		case "rego_version":
			s.RegoVersion = ps.String(e, checkRegoVersion)
		}
	}
	written := func(key string) bool {
		return slices.ContainsFunc(entries, func(e yamlcheck.Entry) bool { return e.Name == key })
	}
	for _, req := range []struct{ key, what string }{
		{"name", "the name repos rules give in their policy_sets"},
		{"paths", "the .rego files or directories of the set"},
		{"owners", "the GitHub logins or org/team slugs who may approve a failure"},
	} {
		if !written(req.key) {
			ps.At(n, at, "missing required key %s: %s", req.key, req.what)
		}
	}
	return s, len(ps.List()) == before
}

// items returns the checked, distinct items of the list e, which must hold
// at least one item, reporting the others.
func items(ps *yamlcheck.Problems, e yamlcheck.Entry, what string, check func(string) error) []string {
	if e.Value.Kind == yaml.SequenceNode && len(e.Value.Content) == 0 {
		ps.At(e.Value, e.Path, "list at least one item: %s", what)
		return nil
	}
	return ps.Strings(e, check)
}

// CheckSetName checks a policy set's name: a letter or digit, then
// letters, digits, '.', '-' and '_'. Repository rules name sets by it too.
func CheckSetName(s string) error {
	if !setName.MatchString(s) {
		return fmt.Errorf("%q is not a policy set name: use letters, digits, '.', '-' and '_'", s)
	}
	return nil
}

func checkPath(s string) error {
	if strings.TrimSpace(s) == "" {
		return fmt.Errorf("%q is not a path", s)
	}
	return nil
}

// checkOwner checks a login, or a team as org/slug: a bare slug would be
// ambiguous with a login.
func checkOwner(s string) error {
	if strings.Contains(s, "/") {
		return repocfg.CheckTeam(s)
	}
	return repocfg.CheckLogin(s)
}

func checkNamespace(s string) error {
	if !namespacePattern.MatchString(s) {
		return fmt.Errorf("%q is not a Rego package path (as in main or main.aws)", s)
	}
	return nil
}

func checkRegoVersion(s string) error {
	_, err := regoVersion(s)
	return err
}

// problemsError returns the problems as one error, one per line, or nil.
func problemsError(ps *yamlcheck.Problems) error {
	list := ps.List()
	if len(list) == 0 {
		return nil
	}
	return &repocfg.Error{File: ps.File, Problems: list}
}
