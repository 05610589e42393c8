package standards

import (
	"fmt"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Small helpers over yaml.Node that check shape and type, reporting problems
// at the offending node.

func (p *parser) errorf(n *yaml.Node, key, format string, args ...any) {
	p.errs = append(p.errs, &Error{File: p.file, Line: n.Line, Column: n.Column, Key: key, Msg: fmt.Sprintf(format, args...)})
}

// entry is one key/value pair of a mapping.
type entry struct {
	name     string
	key, val *yaml.Node
	path     string // dotted key path of the value
}

// entries returns the pairs of the mapping val, reporting a val that is not a
// mapping, keys that are not scalars and repeated keys (keeping the first).
func (p *parser) entries(path string, val *yaml.Node) ([]entry, bool) {
	if val.Kind != yaml.MappingNode {
		p.errorf(val, path, "expected a mapping, got %s", describe(val))
		return nil, false
	}
	var out []entry
	first := map[string]*yaml.Node{}
	for pair := range slices.Chunk(val.Content, 2) {
		k, v := pair[0], resolve(pair[1])
		if k.Kind != yaml.ScalarNode {
			p.errorf(k, path, "expected a key, got %s", describe(k))
			continue
		}
		kpath := k.Value
		if path != "" {
			kpath = path + "." + k.Value
		}
		// Decoding into a yaml.Node does not reject duplicates, unlike decoding into structs.
		if prev, dup := first[k.Value]; dup {
			p.errorf(k, kpath, "duplicate key; first given at line %d", prev.Line)
			continue
		}
		first[k.Value] = k
		out = append(out, entry{name: k.Value, key: k, val: v, path: kpath})
	}
	return out, true
}

// resolve follows aliases (*name) to the node they refer to.
func resolve(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

// fields is a mapping with a fixed set of keys, read through typed getters.
// A getter returns the zero value for a missing or invalid key and reports
// the latter.
type fields struct {
	p    *parser
	vals map[string]entry
	bad  map[string]bool // keys with a reported problem
}

// fields reads the mapping val at path. Its keys must come from required and
// optional; missing required keys are reported at the node at, normally the
// mapping's own key.
func (p *parser) fields(path string, at, val *yaml.Node, required, optional []string) *fields {
	f := &fields{p: p, vals: map[string]entry{}, bad: map[string]bool{}}
	entries, ok := p.entries(path, val)
	if !ok {
		return f
	}
	allowed := slices.Concat(required, optional)
	for _, e := range entries {
		if !slices.Contains(allowed, e.name) {
			p.errorf(e.key, e.path, "unknown key; allowed keys are %s", strings.Join(slices.Sorted(slices.Values(allowed)), ", "))
			continue
		}
		f.vals[e.name] = e
	}
	for _, name := range required {
		if !f.has(name) {
			p.errorf(at, path, "missing required key %q", name)
		}
	}
	return f
}

func (f *fields) has(name string) bool {
	_, ok := f.vals[name]
	return ok
}

func (f *fields) entry(name string) (entry, bool) {
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
	f.p.errorf(e.val, e.path, format, args...)
}

// scalar returns the value of name if it is a scalar with one of tags,
// reporting any other value as not being what.
func (f *fields) scalar(name, what string, tags ...string) (*yaml.Node, bool) {
	e, ok := f.vals[name]
	if !ok {
		return nil, false
	}
	if e.val.Kind != yaml.ScalarNode || !slices.Contains(tags, e.val.ShortTag()) {
		f.errorf(name, "expected %s, got %s", what, describe(e.val))
		return nil, false
	}
	return e.val, true
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
	if e.val.Kind != yaml.SequenceNode {
		f.errorf(name, "expected a list of strings, got %s", describe(e.val))
		return nil
	}
	if len(e.val.Content) < minItems {
		f.errorf(name, "must list at least %d, got %d", minItems, len(e.val.Content))
	}
	out := make([]string, 0, len(e.val.Content))
	first := map[string]*yaml.Node{}
	for i, item := range e.val.Content {
		item = resolve(item)
		path := fmt.Sprintf("%s[%d]", e.path, i)
		if item.Kind != yaml.ScalarNode || item.ShortTag() != "!!str" {
			f.bad[name] = true
			f.p.errorf(item, path, "expected a string, got %s", describe(item))
			continue
		}
		if err := check(item.Value); err != nil {
			f.bad[name] = true
			f.p.errorf(item, path, "%v", err)
		}
		if prev, dup := first[item.Value]; dup {
			f.bad[name] = true
			f.p.errorf(item, path, "duplicate %q; first listed at line %d", item.Value, prev.Line)
		} else {
			first[item.Value] = item
		}
		out = append(out, item.Value)
	}
	return out
}

// describe names the type and value of n for "expected X, got Y" messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	}
	switch tag := n.ShortTag(); tag {
	case "!!null":
		return "null"
	case "!!str":
		return fmt.Sprintf("string %q", n.Value)
	case "!!int":
		return "integer " + n.Value
	case "!!float":
		return "number " + n.Value
	case "!!bool":
		return "boolean " + n.Value
	default:
		return fmt.Sprintf("%s %q", tag, n.Value)
	}
}
