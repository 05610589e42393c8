package repocfg

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// The raw types hold the file as written, each value with its place, so
// that validation can point at the line of anything it refuses. Reading
// checks only shape and types; meaning is validate's job.

// value is one value read from the file.
type value[T any] struct {
	place
	written bool // the key was in the file
	ok      bool // and its value had the expected type
	v       T
}

// usable reports whether the value was written with the right type.
func (v value[T]) usable() bool { return v.written && v.ok }

type rawConfig struct {
	place    // the document itself
	version  value[int]
	projects value[[]value[rawProject]]
}

type rawProject struct {
	name, dir, workspace               value[string]
	terraformVersion, tofuVersion      value[string]
	autoplan                           value[rawAutoplan]
	applyRequirements, allowedAppliers value[[]value[string]]
}

type rawAutoplan struct {
	enabled      value[bool]
	whenModified value[[]value[string]]
}

// The keys each mapping may hold.
var (
	configKeys   = []string{"version", "projects"}
	projectKeys  = []string{"name", "dir", "workspace", "terraform_version", "tofu_version", "autoplan", "apply_requirements", "allowed_appliers"}
	autoplanKeys = []string{"enabled", "when_modified"}
)

// reader turns YAML nodes into raw values, reporting what has the wrong shape.
type reader struct {
	*report
}

// document decodes data into its root node, or returns nil after reporting why there is none.
func (r reader) document(data []byte) *yaml.Node {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	switch err := dec.Decode(&doc); {
	case errors.Is(err, io.EOF):
		r.add(place{}, "the file is empty; it needs at least version and projects")
		return nil
	case err != nil:
		r.addSyntaxError(err)
		return nil
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case err == nil:
		r.add(placeOf(&next, ""), "a second YAML document; the file must hold exactly one")
	case !errors.Is(err, io.EOF):
		r.addSyntaxError(err)
	}
	return doc.Content[0]
}

// config reads the document's root node, returning false when it is not a
// mapping and so holds nothing worth validating.
func (r reader) config(n *yaml.Node) (rawConfig, bool) {
	c := rawConfig{place: placeOf(n, "")}
	if n.Kind != yaml.MappingNode {
		r.add(c.place, "expected a mapping with version and projects, got %s", describe(n))
		return c, false
	}
	for _, e := range r.mapping("", n, configKeys) {
		switch e.name {
		case "version":
			c.version = r.integer(e)
		case "projects":
			c.projects = list(r, e, r.project)
		}
	}
	return c, true
}

func (r reader) project(e entry) value[rawProject] {
	if e.val.Kind != yaml.MappingNode {
		return wrongType[rawProject](r, e, "a project (a mapping with at least dir)")
	}
	var p rawProject
	for _, f := range r.mapping(e.path, e.val, projectKeys) {
		switch f.name {
		case "name":
			p.name = r.str(f)
		case "dir":
			p.dir = r.str(f)
		case "workspace":
			p.workspace = r.str(f)
		case "terraform_version":
			p.terraformVersion = r.version(f)
		case "tofu_version":
			p.tofuVersion = r.version(f)
		case "autoplan":
			p.autoplan = r.autoplan(f)
		case "apply_requirements":
			p.applyRequirements = list(r, f, r.str)
		case "allowed_appliers":
			p.allowedAppliers = list(r, f, r.str)
		}
	}
	return value[rawProject]{place: placeOf(e.val, e.path), written: true, ok: true, v: p}
}

func (r reader) autoplan(e entry) value[rawAutoplan] {
	if e.val.Kind != yaml.MappingNode {
		return wrongType[rawAutoplan](r, e, "a mapping with enabled and when_modified")
	}
	var a rawAutoplan
	for _, f := range r.mapping(e.path, e.val, autoplanKeys) {
		switch f.name {
		case "enabled":
			a.enabled = r.boolean(f)
		case "when_modified":
			a.whenModified = list(r, f, r.str)
		}
	}
	return value[rawAutoplan]{place: placeOf(e.val, e.path), written: true, ok: true, v: a}
}

// entry is one key and its value, or one item of a list.
type entry struct {
	name string // "" for list items
	val  *yaml.Node
	path string // the key path of val, such as projects[0].dir
}

// mapping returns the entries of the mapping n in file order, reporting
// unknown and repeated keys. Callers check that n is a mapping, so that the
// problem can say what kind of mapping was expected.
func (r reader) mapping(path string, n *yaml.Node, allowed []string) []entry {
	var out []entry
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], resolve(n.Content[i+1])
		kpath := join(path, k.Value)
		switch prev, dup := seen[k.Value]; {
		case k.Kind != yaml.ScalarNode:
			r.add(placeOf(k, path), "expected a key, got %s", describe(k))
		case !slices.Contains(allowed, k.Value):
			r.add(placeOf(k, kpath), "unknown key%s; allowed keys are %s", didYouMean(k.Value, allowed), strings.Join(allowed, ", "))
		case dup:
			r.add(placeOf(k, kpath), "repeated key; first given at line %d", prev.Line)
		default:
			seen[k.Value] = k
			out = append(out, entry{name: k.Value, val: v, path: kpath})
		}
	}
	return out
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// resolve follows an alias (*name) to the node it stands for.
func resolve(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

// list reads a list whose items item reads.
func list[T any](r reader, e entry, item func(entry) value[T]) value[[]value[T]] {
	if e.val.Kind != yaml.SequenceNode {
		return wrongType[[]value[T]](r, e, "a list")
	}
	items := make([]value[T], 0, len(e.val.Content))
	for i, n := range e.val.Content {
		items = append(items, item(entry{val: resolve(n), path: fmt.Sprintf("%s[%d]", e.path, i)}))
	}
	return value[[]value[T]]{place: placeOf(e.val, e.path), written: true, ok: true, v: items}
}

// scalar reads a scalar with one of tags, described as what in the problem reported otherwise.
func scalar[T any](r reader, e entry, what string, tags ...string) value[T] {
	var v T
	if e.val.Kind != yaml.ScalarNode || !slices.Contains(tags, e.val.ShortTag()) || e.val.Decode(&v) != nil {
		return wrongType[T](r, e, what)
	}
	return value[T]{place: placeOf(e.val, e.path), written: true, ok: true, v: v}
}

func (r reader) str(e entry) value[string] { return scalar[string](r, e, "a string", "!!str") }

func (r reader) boolean(e entry) value[bool] {
	return scalar[bool](r, e, "true or false", "!!bool")
}

func (r reader) integer(e entry) value[int] { return scalar[int](r, e, "an integer", "!!int") }

// version reads a version number as written: 1.8.5 is a string to YAML,
// but 1.8 is a number, which validation then refuses with a better message.
func (r reader) version(e entry) value[string] {
	if e.val.Kind == yaml.ScalarNode && slices.Contains([]string{"!!int", "!!float"}, e.val.ShortTag()) {
		return value[string]{place: placeOf(e.val, e.path), written: true, ok: true, v: e.val.Value}
	}
	return r.str(e)
}

// wrongType reports that e's value is not what was expected and returns a
// value marked written but unusable, so that it is not also reported as missing.
func wrongType[T any](r reader, e entry, what string) value[T] {
	r.add(placeOf(e.val, e.path), "expected %s, got %s", what, describe(e.val))
	return value[T]{place: placeOf(e.val, e.path), written: true}
}

// describe names the kind and value of n for "expected X, got Y" messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	switch tag := n.ShortTag(); tag {
	case "!!null":
		return "nothing"
	case "!!str":
		return fmt.Sprintf("the string %q", n.Value)
	case "!!int", "!!float":
		return "the number " + n.Value
	case "!!bool":
		return n.Value
	default:
		return fmt.Sprintf("%s %q", tag, n.Value)
	}
}
