package yamlcheck

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/paved-road/paved/internal/suggest"
)

// Document decodes data, which must hold exactly one YAML document, and
// returns its root node. It returns nil when there is none worth reading:
// after reporting the syntax error, or after reporting empty when the file
// holds no document or only null, so the caller can say what it should hold.
func (ps *Problems) Document(data []byte, empty string) *yaml.Node {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	switch err := dec.Decode(&doc); {
	case errors.Is(err, io.EOF):
		ps.Add(Place{}, "%s", empty)
		return nil
	case err != nil:
		ps.AddSyntaxError(err)
		return nil
	}
	// yaml.Unmarshal would silently ignore any document after the first.
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case err == nil:
		ps.At(&next, "", "found a second YAML document; the file must hold exactly one")
	case !errors.Is(err, io.EOF):
		ps.AddSyntaxError(err)
	}
	root := doc.Content[0]
	if root.ShortTag() == "!!null" {
		ps.At(root, "", "%s", empty)
		return nil
	}
	return root
}

// Entry is one key of a mapping and its value.
type Entry struct {
	Name       string
	Key, Value *yaml.Node // Value with aliases resolved
	Path       string     // the key path of Value, such as projects[0].dir
}

// Entries returns the entries of the mapping n, whose key path is path, in
// file order. It reports keys that are not scalars and repeated keys,
// leaving both out; decoding into a yaml.Node does not reject repeats, as
// decoding into structs does. A node that is not a mapping is reported and
// gives false.
func (ps *Problems) Entries(path string, n *yaml.Node) ([]Entry, bool) {
	if n.Kind != yaml.MappingNode {
		ps.Expected(n, path, "a mapping")
		return nil, false
	}
	var out []Entry
	first := map[string]*yaml.Node{}
	for pair := range slices.Chunk(n.Content, 2) {
		k, v := pair[0], Resolve(pair[1])
		if k.Kind != yaml.ScalarNode {
			ps.Expected(k, path, "a key")
			continue
		}
		kpath := KeyPath(path, k.Value)
		if prev, dup := first[k.Value]; dup {
			ps.At(k, kpath, "duplicate key; first given at line %d", prev.Line)
			continue
		}
		first[k.Value] = k
		out = append(out, Entry{Name: k.Value, Key: k, Value: v, Path: kpath})
	}
	return out, true
}

// Known returns the entries whose key is allowed, reporting each other as
// unknown, with the closest allowed key when there is an obvious one. The
// message lists allowed in the order given.
func (ps *Problems) Known(entries []Entry, allowed []string) []Entry {
	var out []Entry
	for _, e := range entries {
		if !slices.Contains(allowed, e.Name) {
			ps.At(e.Key, e.Path, "unknown key%s; allowed keys are %s", DidYouMean(e.Name, allowed), strings.Join(allowed, ", "))
			continue
		}
		out = append(out, e)
	}
	return out
}

// DidYouMean returns " (did you mean X?)" for the candidate s most likely
// meant, or "" when there is no obvious one.
func DidYouMean(s string, candidates []string) string {
	if c := suggest.Closest(s, candidates); c != "" {
		return fmt.Sprintf(" (did you mean %s?)", c)
	}
	return ""
}

// KeyPath returns the path of key inside the mapping at path.
func KeyPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// ItemPath returns the path of item i of the list at path.
func ItemPath(path string, i int) string {
	return fmt.Sprintf("%s[%d]", path, i)
}

// Resolve follows aliases (*name) to the node they stand for.
func Resolve(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

// IsScalar reports whether n is a scalar with one of tags, such as "!!str".
func IsScalar(n *yaml.Node, tags ...string) bool {
	return n.Kind == yaml.ScalarNode && slices.Contains(tags, n.ShortTag())
}

// Describe names the kind and value of n for "expected X, got Y" messages.
func Describe(n *yaml.Node) string {
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
		return "nothing"
	case "!!str":
		return fmt.Sprintf("the string %q", n.Value)
	case "!!int":
		return "the integer " + n.Value
	case "!!float":
		return "the number " + n.Value
	case "!!bool":
		return "the boolean " + n.Value
	default:
		return fmt.Sprintf("%s %q", tag, n.Value)
	}
}

// String returns the string value of e once check accepts it, or "" after
// reporting why not at its line.
func (ps *Problems) String(e Entry, check func(string) error) string {
	if !IsScalar(e.Value, "!!str") {
		ps.Expected(e.Value, e.Path, "a string")
		return ""
	}
	if err := check(e.Value.Value); err != nil {
		ps.At(e.Value, e.Path, "%v", err)
		return ""
	}
	return e.Value.Value
}

// Strings returns the distinct items of the list e that check accepts,
// reporting the others; an empty list gives an empty, non-nil slice.
func (ps *Problems) Strings(e Entry, check func(string) error) []string {
	if e.Value.Kind != yaml.SequenceNode {
		ps.Expected(e.Value, e.Path, "a list")
		return nil
	}
	out := []string{}
	for i, item := range e.Value.Content {
		s := ps.String(Entry{Value: Resolve(item), Path: ItemPath(e.Path, i)}, check)
		if s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}
