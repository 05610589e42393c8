package yamlcheck

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

func TestProblemError(t *testing.T) {
	for _, tc := range []struct {
		p    Problem
		want string
	}{
		{Problem{File: "f.yaml", Line: 3, Col: 7, Key: "a.b[1]", Message: "bad"}, "f.yaml:3:7: a.b[1]: bad"},
		{Problem{File: "f.yaml", Line: 3, Message: "invalid YAML: x"}, "f.yaml:3: invalid YAML: x"},
		{Problem{File: "f.yaml", Line: 1, Col: 1, Message: "not at a key"}, "f.yaml:1:1: not at a key"},
		{Problem{File: "f.yaml", Col: 4, Key: "k", Message: "no line, so no column"}, "f.yaml: k: no line, so no column"},
		{Problem{File: "f.yaml", Message: "empty"}, "f.yaml: empty"},
	} {
		if got := tc.p.Error(); got != tc.want {
			t.Errorf("Error() = %q, want %q", got, tc.want)
		}
	}
}

func TestProblemsListInFileOrder(t *testing.T) {
	ps := &Problems{File: "f.yaml"}
	ps.Add(Place{Line: 5, Col: 2, Key: "b"}, "second on line 5")
	ps.Add(Place{Line: 2, Col: 9, Key: "a"}, "line %d", 2)
	ps.Add(Place{Line: 5, Col: 1, Key: "c"}, "first on line 5")
	ps.Add(Place{Line: 5, Col: 1, Key: "d"}, "also first on line 5, reported later")
	ps.Add(Place{}, "the file")
	want := []Problem{
		{File: "f.yaml", Message: "the file"},
		{File: "f.yaml", Line: 2, Col: 9, Key: "a", Message: "line 2"},
		{File: "f.yaml", Line: 5, Col: 1, Key: "c", Message: "first on line 5"},
		{File: "f.yaml", Line: 5, Col: 1, Key: "d", Message: "also first on line 5, reported later"},
		{File: "f.yaml", Line: 5, Col: 2, Key: "b", Message: "second on line 5"},
	}
	if got := ps.List(); !reflect.DeepEqual(got, want) {
		t.Errorf("List() =\n%+v\nwant\n%+v", got, want)
	}
	if got := (&Problems{}).List(); len(got) != 0 {
		t.Errorf("List() of no problems = %+v", got)
	}
}

// checkMessages asserts that the problems of ps read as want, in file order.
func checkMessages(t *testing.T, ps *Problems, want ...string) {
	t.Helper()
	var got []string
	for _, p := range ps.List() {
		got = append(got, p.Error())
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("problems =\n%q\nwant\n%q", got, want)
	}
}

// names returns the names of entries, in order.
func names(entries []Entry) []string {
	var out []string
	for _, e := range entries {
		out = append(out, e.Name)
	}
	return out
}

func TestDocument(t *testing.T) {
	for _, tc := range []struct {
		name, data string
		root       bool // whether a root node comes back
		want       []string
	}{
		{"mapping", "a: 1\n", true, nil},
		{"no document", "", false, []string{"f.yaml: nothing here"}},
		{"only a comment", "# nothing\n", false, []string{"f.yaml: nothing here"}},
		{"null document", "---\n~\n", false, []string{"f.yaml:2:1: nothing here"}},
		{"second document", "a: 1\n---\nb: 2\n", true, []string{"f.yaml:2:1: found a second YAML document; the file must hold exactly one"}},
		{"scanner error, counted from 1", "a: 1\nb:\n\tc: 2\n", false, []string{"f.yaml:3: invalid YAML: found character that cannot start any token"}},
		{"parser error, counted from 0", "x: 1\ny: 2\nz: [1, 2\nw: 3\n", false, []string{"f.yaml:3: invalid YAML: did not find expected ',' or ']'"}},
		{"syntax error in the second document", "a: 1\n---\nb:\n\tc: 2\n", true, []string{"f.yaml:4: invalid YAML: found character that cannot start any token"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ps := &Problems{File: "f.yaml"}
			root := ps.Document([]byte(tc.data), "nothing here")
			if (root != nil) != tc.root {
				t.Errorf("root = %v, want one: %v", root, tc.root)
			}
			checkMessages(t, ps, tc.want...)
		})
	}
}

func TestAddSyntaxErrorWithoutLine(t *testing.T) {
	ps := &Problems{File: "f.yaml"}
	ps.AddSyntaxError(errors.New("unexpected end of stream"))
	checkMessages(t, ps, "f.yaml: invalid YAML: unexpected end of stream")
}

// root parses data, which must be valid YAML, and returns its root node.
func root(t *testing.T, data string) *yaml.Node {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(data), &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Content[0]
}

func TestEntries(t *testing.T) {
	n := root(t, `
base: &b {x: 1}
name: app
copy: *b
name: again
[a, b]: list key
`)
	ps := &Problems{File: "f.yaml"}
	entries, ok := ps.Entries("top", n)
	if !ok {
		t.Fatal("a mapping gave false")
	}
	if got, want := names(entries), []string{"base", "name", "copy"}; !reflect.DeepEqual(got, want) {
		t.Errorf("names = %q, want %q", got, want)
	}
	var paths []string
	for _, e := range entries {
		paths = append(paths, e.Path)
	}
	if want := []string{"top.base", "top.name", "top.copy"}; !reflect.DeepEqual(paths, want) {
		t.Errorf("paths = %q, want %q", paths, want)
	}
	if v := entries[2].Value; v.Kind != yaml.MappingNode || v.Line != 2 {
		t.Errorf("the alias was not resolved to the mapping at line 2: %+v", v)
	}
	if k := entries[1].Key; k.Line != 3 || k.Column != 1 {
		t.Errorf("key of name at %d:%d, want 3:1", k.Line, k.Column)
	}
	checkMessages(t, ps,
		"f.yaml:5:1: top.name: duplicate key; first given at line 3",
		"f.yaml:6:1: top: expected a key, got a list",
	)
}

func TestEntriesOfNoMapping(t *testing.T) {
	ps := &Problems{File: "f.yaml"}
	entries, ok := ps.Entries("", root(t, "[1, 2]"))
	if ok || entries != nil {
		t.Errorf("Entries of a list = %v, %v; want nil, false", entries, ok)
	}
	checkMessages(t, ps, "f.yaml:1:1: expected a mapping, got a list")
}

func TestKnown(t *testing.T) {
	ps := &Problems{File: "f.yaml"}
	entries, _ := ps.Entries("", root(t, "version: 1\nvesion: 2\ncolour: red\nprojects: []\n"))
	known := ps.Known(entries, []string{"version", "projects"})
	if got, want := names(known), []string{"version", "projects"}; !reflect.DeepEqual(got, want) {
		t.Errorf("known = %q, want %q", got, want)
	}
	checkMessages(t, ps,
		"f.yaml:2:1: vesion: unknown key (did you mean version?); allowed keys are version, projects",
		"f.yaml:3:1: colour: unknown key; allowed keys are version, projects",
	)
}

func TestExpected(t *testing.T) {
	ps := &Problems{File: "f.yaml"}
	n := root(t, "a: yes\n")
	ps.Expected(n.Content[1], "a", "true or false")
	checkMessages(t, ps, `f.yaml:1:4: a: expected true or false, got the string "yes"`)
}

func TestDescribe(t *testing.T) {
	n := root(t, `
m: {a: 1}
l: [1]
s: text
q: "42"
i: 042
f: 1.5
b: false
z:
t: 2001-12-14
`)
	want := map[string]string{
		"m": "a mapping",
		"l": "a list",
		"s": `the string "text"`,
		"q": `the string "42"`,
		"i": "the integer 042",
		"f": "the number 1.5",
		"b": "the boolean false",
		"z": "nothing",
		"t": `!!timestamp "2001-12-14"`,
	}
	for i := 0; i < len(n.Content); i += 2 {
		key := n.Content[i].Value
		if got := Describe(n.Content[i+1]); got != want[key] {
			t.Errorf("Describe(%s) = %s, want %s", key, got, want[key])
		}
	}
	if got := Describe(&yaml.Node{Kind: yaml.AliasNode}); got != "an alias" {
		t.Errorf("Describe(alias) = %s, want an alias", got)
	}
}

func TestIsScalar(t *testing.T) {
	n := root(t, "s: x\ni: 1\nl: [x]\n")
	s, i, l := n.Content[1], n.Content[3], n.Content[5]
	for _, tc := range []struct {
		name string
		n    *yaml.Node
		tags []string
		want bool
	}{
		{"string as string", s, []string{"!!str"}, true},
		{"integer as string", i, []string{"!!str"}, false},
		{"integer as string or integer", i, []string{"!!str", "!!int"}, true},
		{"list", l, []string{"!!seq", "!!str"}, false},
		{"no tags", s, nil, false},
	} {
		if got := IsScalar(tc.n, tc.tags...); got != tc.want {
			t.Errorf("%s: IsScalar = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestPaths(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{KeyPath("", "projects"), "projects"},
		{KeyPath("projects[0]", "dir"), "projects[0].dir"},
		{ItemPath("projects", 2), "projects[2]"},
		{ItemPath(KeyPath("a", "b"), 0), "a.b[0]"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

func TestDidYouMean(t *testing.T) {
	keys := []string{"enabled", "when_modified"}
	if got, want := DidYouMean("enable", keys), " (did you mean enabled?)"; got != want {
		t.Errorf("DidYouMean(enable) = %q, want %q", got, want)
	}
	if got := DidYouMean("colour", keys); got != "" {
		t.Errorf("DidYouMean(colour) = %q, want none", got)
	}
}

func TestPlaceOf(t *testing.T) {
	n := root(t, "a:\n  b: 1\n")
	inner := n.Content[1].Content[1]
	if got, want := PlaceOf(inner, "a.b"), (Place{Line: 2, Col: 6, Key: "a.b"}); got != want {
		t.Errorf("PlaceOf = %+v, want %+v", got, want)
	}
	if !strings.HasPrefix((&Problem{File: "f", Line: 2, Col: 6, Key: "a.b", Message: "m"}).Error(), "f:2:6: a.b") {
		t.Error("a problem at a place does not start with its position and key")
	}
}
