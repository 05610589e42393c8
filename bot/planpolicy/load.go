package planpolicy

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
)

// The rule names conftest treats as failures and as warnings.
var (
	failureRule = regexp.MustCompile(`^(deny|violation)(_[a-zA-Z0-9]+)*$`)
	warningRule = regexp.MustCompile(`^warn(_[a-zA-Z0-9]+)*$`)
)

// Policies is every set compiled.
type Policies struct {
	sets map[string]*Compiled
}

// Set returns the compiled set of that name.
func (p *Policies) Set(name string) (*Compiled, bool) {
	c, ok := p.sets[name]
	return c, ok
}

// Compiled is one set ready to evaluate: its queries are prepared once, so
// that an evaluation only converts the plan and runs them.
type Compiled struct {
	name       string
	owners     []string
	namespaces []namespace
}

// Name is the set's name in the server config.
func (c *Compiled) Name() string { return c.name }

// Owners are who may approve a failure of the set.
func (c *Compiled) Owners() []string { return slices.Clone(c.owners) }

// namespace is what one Rego package contributes to a set's result.
type namespace struct {
	rules []rule
	// definitions counts the deny/violation/warn rules as written, one per
	// body, which conftest's success count starts from.
	definitions int
}

// rule is one distinct deny/violation/warn rule of a namespace.
type rule struct {
	ref       string // data.<namespace>.<name>, which messages name
	failure   bool   // deny/violation rather than warn
	query     rego.PreparedEvalQuery
	exception rego.PreparedEvalQuery
}

// Load reads and compiles every set. Each problem of every set is reported;
// the paths of a set are relative to configDir unless absolute.
func Load(sets []Set, configDir string) (*Policies, error) {
	p := &Policies{sets: map[string]*Compiled{}}
	var errs []error
	for _, s := range sets {
		c, err := compileSet(s, configDir)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		p.sets[s.Name] = c
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("loading policy sets: %w", errors.Join(errs...))
	}
	return p, nil
}

// setError gives the problems of a set under its name and where the
// server config defines it, each on a line of its own when there are
// several.
func setError(s Set, problems []string) error {
	sep := " "
	if len(problems) > 1 {
		sep = "\n\t"
	}
	return fmt.Errorf("policy set %q (line %d of the server config):%s%s", s.Name, s.Line, sep, strings.Join(problems, sep))
}

func compileSet(s Set, configDir string) (*Compiled, error) {
	version, err := regoVersion(s.RegoVersion)
	if err != nil {
		return nil, setError(s, []string{err.Error()})
	}
	modules, problems := parseFiles(s.Paths, configDir, version)
	if len(problems) > 0 {
		return nil, setError(s, problems)
	}
	// No error limit: an operator fixing a set wants every error at once.
	compiler := ast.NewCompiler().SetErrorLimit(0).WithDefaultRegoVersion(version)
	if compiler.Compile(modules); compiler.Failed() {
		return nil, setError(s, moduleErrors(compiler.Errors))
	}
	if problems := checkRuleHeads(modules); len(problems) > 0 {
		return nil, setError(s, problems)
	}
	namespaces := s.Namespaces
	if len(namespaces) == 0 {
		namespaces = []string{"main"}
	}
	c := &Compiled{name: s.Name, owners: slices.Clone(s.Owners)}
	store := inmem.New()
	var empty []string
	for _, ns := range namespaces {
		n, err := prepareNamespace(compiler, store, modules, ns)
		if err != nil {
			return nil, setError(s, []string{fmt.Sprintf("namespace %s: %v", ns, err)})
		}
		if len(n.rules) == 0 {
			empty = append(empty, fmt.Sprintf("namespace %s has no deny, violation or warn rule, so it would pass every plan", ns))
			continue
		}
		c.namespaces = append(c.namespaces, n)
	}
	if len(empty) > 0 {
		return nil, setError(s, empty)
	}
	return c, nil
}

func regoVersion(s string) (ast.RegoVersion, error) {
	switch s {
	case "", "v1":
		return ast.RegoV1, nil
	case "v0":
		return ast.RegoV0, nil
	}
	return ast.RegoUndefined, fmt.Errorf("rego_version %q: want v1 (the default) or v0", s)
}

// parseFiles parses every file of the set, naming each module by its path
// as the server config spells it, so that errors point where an operator
// looks.
func parseFiles(paths []string, configDir string, version ast.RegoVersion) (map[string]*ast.Module, []string) {
	modules := map[string]*ast.Module{}
	seen := map[string]bool{}
	var problems []string
	for _, written := range paths {
		found, err := regoFiles(written, configDir)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		for _, f := range found {
			if seen[f.real] {
				continue
			}
			seen[f.real] = true
			m, errs := parseFile(f, version)
			if len(errs) > 0 {
				problems = append(problems, errs...)
				continue
			}
			modules[f.name] = m
		}
	}
	return modules, problems
}

// regoFile is a policy file: the name errors give, and where it is read.
type regoFile struct{ name, real string }

// regoFiles returns the policy files a path of a set names.
func regoFiles(written, configDir string) ([]regoFile, error) {
	real := written
	if !filepath.IsAbs(written) {
		real = filepath.Join(configDir, written)
	}
	info, err := os.Stat(real)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("path %s does not exist (looked for %s)", written, real)
	case err != nil:
		return nil, fmt.Errorf("path %s: %w", written, err)
	case !info.IsDir():
		if filepath.Ext(real) != ".rego" {
			return nil, fmt.Errorf("path %s is not a .rego file or a directory", written)
		}
		return []regoFile{{name: filepath.Clean(written), real: real}}, nil
	}
	var found []regoFile
	err = filepath.WalkDir(real, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || filepath.Ext(p) != ".rego" || strings.HasSuffix(p, "_test.rego") {
			return nil
		}
		rel, err := filepath.Rel(real, p)
		if err != nil {
			return fmt.Errorf("naming %s: %w", p, err)
		}
		found = append(found, regoFile{name: filepath.Join(written, rel), real: p})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("path %s: %w", written, err)
	}
	if len(found) == 0 {
		return nil, fmt.Errorf("path %s holds no .rego file (other than *_test.rego)", written)
	}
	return found, nil
}

// parseFile parses a policy file, or returns its problems.
func parseFile(f regoFile, version ast.RegoVersion) (*ast.Module, []string) {
	src, err := os.ReadFile(f.real)
	if err != nil {
		return nil, []string{fmt.Sprintf("reading %s: %v", f.name, err)}
	}
	m, err := ast.ParseModuleWithOpts(f.name, string(src), ast.ParserOptions{RegoVersion: version, ProcessAnnotation: true})
	if list := (ast.Errors{}); errors.As(err, &list) {
		return nil, moduleErrors(list)
	}
	if err != nil {
		return nil, []string{fmt.Sprintf("%s: %v", f.name, err)}
	}
	if m == nil {
		return nil, []string{f.name + ": no package declaration"}
	}
	return m, nil
}

// moduleErrors formats OPA's errors as file:line:col: message.
func moduleErrors(list ast.Errors) []string {
	lines := make([]string, 0, len(list))
	for _, e := range list {
		if e.Location == nil {
			lines = append(lines, e.Message)
			continue
		}
		lines = append(lines, fmt.Sprintf("%s:%d:%d: %s", e.Location.File, e.Location.Row, e.Location.Col, e.Message))
	}
	return lines
}

// checkRuleHeads refuses deny/violation/warn rules with a reference head,
// such as `deny[msg] if` in Rego v1 (an object, not a set) or `deny.x
// contains`: conftest does not query them, so they would pass every plan.
func checkRuleHeads(modules map[string]*ast.Module) []string {
	var problems []string
	for _, name := range slices.Sorted(maps.Keys(modules)) {
		for _, r := range modules[name].Rules {
			ref := r.Head.Ref()
			if len(ref) < 2 {
				continue
			}
			first := ref[0].Value.String()
			if failureRule.MatchString(first) || warningRule.MatchString(first) {
				loc := r.Head.Location
				problems = append(problems, fmt.Sprintf("%s:%d:%d: rule %s must be a set of messages, as in `%s contains msg if { ... }`",
					loc.File, loc.Row, loc.Col, ref, first))
			}
		}
	}
	return problems
}

// prepareNamespace prepares the queries of the deny/violation/warn rules
// of the package ns, as conftest finds them.
func prepareNamespace(compiler *ast.Compiler, store storage.Store, modules map[string]*ast.Module, ns string) (namespace, error) {
	var n namespace
	var names []string
	for _, name := range slices.Sorted(maps.Keys(modules)) {
		m := modules[name]
		if m.Package.Path.String() != "data."+ns {
			continue
		}
		for _, r := range m.Rules {
			ruleName := r.Head.Name.String()
			if !failureRule.MatchString(ruleName) && !warningRule.MatchString(ruleName) {
				continue
			}
			n.definitions++
			if !slices.Contains(names, ruleName) {
				names = append(names, ruleName)
			}
		}
	}
	for _, name := range names {
		ref := "data." + ns + "." + name
		query, err := prepare(compiler, store, "value := "+ref)
		if err != nil {
			return n, err
		}
		exception, err := prepare(compiler, store, fmt.Sprintf("data.%s.exception[_][_] == %q", ns, exceptionName(name)))
		if err != nil {
			return n, err
		}
		n.rules = append(n.rules, rule{ref: ref, failure: failureRule.MatchString(name), query: query, exception: exception})
	}
	return n, nil
}

// exceptionName is the name an exception gives to skip a rule: conftest
// trims the prefixes in this order, so that deny_warn_x is excepted by "x".
func exceptionName(rule string) string {
	if rule == "deny" || rule == "violation" || rule == "warn" {
		return ""
	}
	for _, prefix := range []string{"violation_", "deny_", "warn_"} {
		rule = strings.TrimPrefix(rule, prefix)
	}
	return rule
}

// prepare prepares a query over the plan as input, with the project as
// data.paved.project: the input evaluated carries both, and the query
// unwraps them, so that one prepared query serves every project while
// conftest policies still see the plan as their whole input.
func prepare(compiler *ast.Compiler, store storage.Store, query string) (rego.PreparedEvalQuery, error) {
	r := rego.New(
		rego.Query(query+" with data.paved.project as input.project with input as input.plan"),
		rego.Compiler(compiler),
		rego.Store(store),
		rego.StrictBuiltinErrors(true),
	)
	pq, err := r.PrepareForEval(context.Background())
	if err != nil {
		return pq, fmt.Errorf("preparing %s: %w", query, err)
	}
	return pq, nil
}
