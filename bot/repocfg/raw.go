package repocfg

import (
	"go.yaml.in/yaml/v3"

	"github.com/paved-road/paved/internal/yamlcheck"
)

// The raw types hold the file as written, each value with its place, so
// that validation can point at the line of anything it refuses. Reading
// checks only shape and types; meaning is validate's job.

// value is one value read from the file.
type value[T any] struct {
	yamlcheck.Place
	written bool // the key was in the file
	ok      bool // and its value had the expected type
	v       T
}

// usable reports whether the value was written with the right type.
func (v value[T]) usable() bool { return v.written && v.ok }

type rawConfig struct {
	yamlcheck.Place // the document itself
	version         value[int]
	projects        value[[]value[rawProject]]
}

type rawProject struct {
	name, dir, workspace, team         value[string]
	terraformVersion, tofuVersion      value[string]
	autoplan                           value[rawAutoplan]
	applyRequirements, allowedAppliers value[[]value[string]]
	allowedTeams                       value[[]value[string]]
}

type rawAutoplan struct {
	enabled      value[bool]
	whenModified value[[]value[string]]
}

// The keys each mapping may hold.
var (
	configKeys   = []string{"version", "projects"}
	projectKeys  = []string{"name", "dir", "workspace", "terraform_version", "tofu_version", "autoplan", "apply_requirements", "allowed_appliers", "allowed_teams", "team"}
	autoplanKeys = []string{"enabled", "when_modified"}
)

// reader turns YAML nodes into raw values, reporting what has the wrong shape.
type reader struct {
	*yamlcheck.Problems
}

// config reads the document's root node, returning false when it is not a
// mapping and so holds nothing worth validating.
func (r reader) config(n *yaml.Node) (rawConfig, bool) {
	c := rawConfig{Place: yamlcheck.PlaceOf(n, "")}
	if n.Kind != yaml.MappingNode {
		r.Expected(n, "", "a mapping with version and projects")
		return c, false
	}
	for _, e := range r.mapping("", n, configKeys) {
		switch e.Name {
		case "version":
			c.version = r.integer(e)
		case "projects":
			c.projects = list(r, e, r.project)
		}
	}
	return c, true
}

func (r reader) project(e yamlcheck.Entry) value[rawProject] {
	if e.Value.Kind != yaml.MappingNode {
		return wrongType[rawProject](r, e, "a project (a mapping with at least dir)")
	}
	var p rawProject
	for _, f := range r.mapping(e.Path, e.Value, projectKeys) {
		switch f.Name {
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
		case "allowed_teams":
			p.allowedTeams = list(r, f, r.str)
		case "team":
			p.team = r.str(f)
		}
	}
	return value[rawProject]{Place: yamlcheck.PlaceOf(e.Value, e.Path), written: true, ok: true, v: p}
}

func (r reader) autoplan(e yamlcheck.Entry) value[rawAutoplan] {
	if e.Value.Kind != yaml.MappingNode {
		return wrongType[rawAutoplan](r, e, "a mapping with enabled and when_modified")
	}
	var a rawAutoplan
	for _, f := range r.mapping(e.Path, e.Value, autoplanKeys) {
		switch f.Name {
		case "enabled":
			a.enabled = r.boolean(f)
		case "when_modified":
			a.whenModified = list(r, f, r.str)
		}
	}
	return value[rawAutoplan]{Place: yamlcheck.PlaceOf(e.Value, e.Path), written: true, ok: true, v: a}
}

// mapping returns the entries of the mapping n in file order, reporting
// unknown and repeated keys. Callers check that n is a mapping, so that the
// problem can say what kind of mapping was expected.
func (r reader) mapping(path string, n *yaml.Node, allowed []string) []yamlcheck.Entry {
	entries, _ := r.Entries(path, n)
	return r.Known(entries, allowed)
}

// list reads a list whose items item reads.
func list[T any](r reader, e yamlcheck.Entry, item func(yamlcheck.Entry) value[T]) value[[]value[T]] {
	if e.Value.Kind != yaml.SequenceNode {
		return wrongType[[]value[T]](r, e, "a list")
	}
	items := make([]value[T], 0, len(e.Value.Content))
	for i, n := range e.Value.Content {
		items = append(items, item(yamlcheck.Entry{Value: yamlcheck.Resolve(n), Path: yamlcheck.ItemPath(e.Path, i)}))
	}
	return value[[]value[T]]{Place: yamlcheck.PlaceOf(e.Value, e.Path), written: true, ok: true, v: items}
}

// scalar reads a scalar with one of tags, described as what in the problem reported otherwise.
func scalar[T any](r reader, e yamlcheck.Entry, what string, tags ...string) value[T] {
	var v T
	if !yamlcheck.IsScalar(e.Value, tags...) || e.Value.Decode(&v) != nil {
		return wrongType[T](r, e, what)
	}
	return value[T]{Place: yamlcheck.PlaceOf(e.Value, e.Path), written: true, ok: true, v: v}
}

func (r reader) str(e yamlcheck.Entry) value[string] {
	return scalar[string](r, e, "a string", "!!str")
}

func (r reader) boolean(e yamlcheck.Entry) value[bool] {
	return scalar[bool](r, e, "true or false", "!!bool")
}

func (r reader) integer(e yamlcheck.Entry) value[int] {
	return scalar[int](r, e, "an integer", "!!int")
}

// version reads a version number as written: 1.8.5 is a string to YAML,
// but 1.8 is a number, which validation then refuses with a better message.
func (r reader) version(e yamlcheck.Entry) value[string] {
	if yamlcheck.IsScalar(e.Value, "!!int", "!!float") {
		return value[string]{Place: yamlcheck.PlaceOf(e.Value, e.Path), written: true, ok: true, v: e.Value.Value}
	}
	return r.str(e)
}

// wrongType reports that e's value is not what was expected and returns a
// value marked written but unusable, so that it is not also reported as missing.
func wrongType[T any](r reader, e yamlcheck.Entry, what string) value[T] {
	r.Expected(e.Value, e.Path, what)
	return value[T]{Place: yamlcheck.PlaceOf(e.Value, e.Path), written: true}
}
