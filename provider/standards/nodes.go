package standards

import (
	"slices"

	"go.yaml.in/yaml/v3"

	"github.com/paved-road/paved/internal/yamlcheck"
)

// fields is a mapping with a fixed set of keys, read through typed getters.
// A getter returns the zero value for a missing or invalid key and reports
// the latter.
type fields struct {
	p    *parser
	vals map[string]yamlcheck.Entry
	bad  map[string]bool // keys with a reported problem
}

// fields reads the mapping val at path. Its keys must come from required and
// optional; missing required keys are reported at the node at, normally the
// mapping's own key.
func (p *parser) fields(path string, at, val *yaml.Node, required, optional []string) *fields {
	f := &fields{p: p, vals: map[string]yamlcheck.Entry{}, bad: map[string]bool{}}
	entries, ok := p.Entries(path, val)
	if !ok {
		return f
	}
	allowed := slices.Sorted(slices.Values(slices.Concat(required, optional)))
	for _, e := range p.Known(entries, allowed) {
		f.vals[e.Name] = e
	}
	for _, name := range required {
		if !f.has(name) {
			p.At(at, path, "missing required key %q", name)
		}
	}
	return f
}

func (f *fields) has(name string) bool {
	_, ok := f.vals[name]
	return ok
}

func (f *fields) entry(name string) (yamlcheck.Entry, bool) {
	e, ok := f.vals[name]
	return e, ok
}

// valid reports whether the named keys are all present with valid values, so
// that checks across keys only run on sound input.
func (f *fields) valid(names ...string) bool {
	for _, name := range names {
		if !f.has(name) || f.bad[name] {
			return false
		}
	}
	return true
}

// errorf reports a problem with the value of name.
func (f *fields) errorf(name, format string, args ...any) {
	e := f.vals[name]
	f.bad[name] = true
	f.p.At(e.Value, e.Path, format, args...)
}

// scalar returns the value of name if it is a scalar with one of tags,
// reporting any other value as not being what.
func (f *fields) scalar(name, what string, tags ...string) (*yaml.Node, bool) {
	e, ok := f.vals[name]
	if !ok {
		return nil, false
	}
	if !yamlcheck.IsScalar(e.Value, tags...) {
		f.bad[name] = true
		f.p.Expected(e.Value, e.Path, what)
		return nil, false
	}
	return e.Value, true
}

func (f *fields) str(name string, check func(string) error) string {
	n, ok := f.scalar(name, "a string", "!!str")
	if !ok {
		return ""
	}
	if err := check(n.Value); err != nil {
		f.errorf(name, "%v", err)
	}
	return n.Value
}

// accountID reads an account id from its source text, whether written as a
// string or a number: unquoted 011111111111 must keep its leading zero, and
// YAML resolves it to an octal integer, or to a float when it has an 8 or 9.
func (f *fields) accountID(name string) string {
	n, ok := f.scalar(name, "a 12-digit AWS account id", "!!str", "!!int", "!!float")
	if !ok {
		return ""
	}
	if err := checkAccountID(n.Value); err != nil {
		f.errorf(name, "%v", err)
	}
	return n.Value
}

func (f *fields) int(name string, check func(int) error) int {
	n, ok := f.scalar(name, "an integer", "!!int")
	if !ok {
		return 0
	}
	var v int
	if err := n.Decode(&v); err != nil {
		f.errorf(name, "%q is not a valid integer", n.Value)
		return 0
	}
	if err := check(v); err != nil {
		f.errorf(name, "%v", err)
	}
	return v
}

func (f *fields) bool(name string) bool {
	n, ok := f.scalar(name, "a boolean (true or false)", "!!bool")
	if !ok {
		return false
	}
	var v bool
	if err := n.Decode(&v); err != nil {
		f.errorf(name, "%q is not a valid boolean", n.Value)
	}
	return v
}

// strs reads a list of at least minItems unique strings, each passing check.
// Problems with one item are reported at the item, as name[i].
func (f *fields) strs(name string, minItems int, check func(string) error) []string {
	e, ok := f.vals[name]
	if !ok {
		return nil
	}
	if e.Value.Kind != yaml.SequenceNode {
		f.bad[name] = true
		f.p.Expected(e.Value, e.Path, "a list of strings")
		return nil
	}
	if len(e.Value.Content) < minItems {
		f.errorf(name, "must list at least %d, got %d", minItems, len(e.Value.Content))
	}
	out := make([]string, 0, len(e.Value.Content))
	first := map[string]*yaml.Node{}
	for i, item := range e.Value.Content {
		item = yamlcheck.Resolve(item)
		path := yamlcheck.ItemPath(e.Path, i)
		if !yamlcheck.IsScalar(item, "!!str") {
			f.bad[name] = true
			f.p.Expected(item, path, "a string")
			continue
		}
		if err := check(item.Value); err != nil {
			f.bad[name] = true
			f.p.At(item, path, "%v", err)
		}
		if prev, dup := first[item.Value]; dup {
			f.bad[name] = true
			f.p.At(item, path, "duplicate %q; first listed at line %d", item.Value, prev.Line)
		} else {
			first[item.Value] = item
		}
		out = append(out, item.Value)
	}
	return out
}
