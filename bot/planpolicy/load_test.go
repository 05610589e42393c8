package planpolicy

import (
	"reflect"
	"strings"
	"testing"
)

func TestLoadErrors(t *testing.T) {
	files := map[string]string{
		"parse/bad.rego":            "package main\n\ndeny contains msg if {\n\tmsg := \n}\n",
		"parse/worse.rego":          "package main\n\ndeny contains \"x\" if }\n",
		"undefined/p.rego":          "package main\n\ndeny contains \"x\" if nosuch(1)\n\ndeny contains \"y\" if nosuch2(1)\n",
		"undefined/q.rego":          "package main\n\nwarn contains \"z\" if nosuch3(1)\n",
		"empty/p_test.rego":         "package main\n\ntest_x if true\n",
		"norules/p.rego":            "package main\n\nallow if true\n",
		"objecthead/p.rego":         "package main\n\ndeny[msg] if msg := \"x\"\n",
		"good/p.rego":               "package main\n\ndeny contains \"x\" if false\n",
		"good/README.md":            "not a policy\n",
		"nested/a/b/deep.rego":      "package main\n\nwarn contains \"deep\" if true\n",
		"nested/a/b/deep_test.rego": "package main\n\ntest_deep if false\n",
	}
	dir := writeFiles(t, files)
	for _, tc := range []struct {
		name string
		set  Set
		want []string
	}{
		{"parse errors, every one", Set{Paths: []string{"parse"}}, []string{
			"policy set \"s\" (line 7 of the server config):\n\tparse/bad.rego:5:1: unexpected } token\n",
			"\n\tparse/worse.rego:3:22: unexpected } token",
		}},
		{"compile errors, every one", Set{Paths: []string{"undefined"}}, []string{
			"undefined/p.rego:3:22: undefined function nosuch",
			"undefined/p.rego:5:22: undefined function nosuch2",
			"undefined/q.rego:3:22: undefined function nosuch3",
		}},
		{"missing path", Set{Paths: []string{"good", "nowhere"}}, []string{`policy set "s" (line 7 of the server config): path nowhere does not exist (looked for ` + dir}},
		{"no .rego file", Set{Paths: []string{"empty"}}, []string{`policy set "s" (line 7 of the server config): path empty holds no .rego file (other than *_test.rego)`}},
		{"not a .rego file", Set{Paths: []string{"good/README.md"}}, []string{"path good/README.md is not a .rego file or a directory"}},
		{"no rules", Set{Paths: []string{"norules"}}, []string{`policy set "s" (line 7 of the server config): namespace main has no deny, violation or warn rule, so it would pass every plan`}},
		{"a namespace without rules", Set{Paths: []string{"good"}, Namespaces: []string{"main", "mian"}}, []string{"namespace mian has no deny, violation or warn rule"}},
		{"object rule", Set{Paths: []string{"objecthead"}}, []string{"objecthead/p.rego:3:1: rule deny[msg] must be a set of messages, as in `deny contains msg if { ... }`"}},
		{"rego version", Set{Paths: []string{"good"}, RegoVersion: "v2"}, []string{`rego_version "v2": want v1 (the default) or v0`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.set.Name, tc.set.Line = "s", 7
			_, err := Load([]Set{tc.set}, dir)
			if err == nil {
				t.Fatal("loaded")
			}
			for _, want := range tc.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("want %q in:\n%v", want, err)
				}
			}
		})
	}

	// Every set's problems, in one error.
	_, err := Load([]Set{{Name: "a", Paths: []string{"nowhere"}, Line: 2}, {Name: "ok", Paths: []string{"good"}, Line: 5}, {Name: "b", Paths: []string{"norules"}, Line: 9}}, dir)
	if err == nil || !strings.Contains(err.Error(), `policy set "a" (line 2`) || !strings.Contains(err.Error(), `policy set "b" (line 9`) || strings.Contains(err.Error(), `"ok"`) {
		t.Fatalf("several sets: %v", err)
	}

	// Directories are searched recursively, without *_test.rego; a file
	// named twice is read once.
	p, err := Load([]Set{{Name: "ok", Paths: []string{"good", "nested", dir + "/good/p.rego"}, Owners: []string{"alice", "acme/sre"}}}, dir)
	if err != nil {
		t.Fatal(err)
	}
	c, ok := p.Set("ok")
	if !ok || c.Name() != "ok" || !reflect.DeepEqual(c.Owners(), []string{"alice", "acme/sre"}) {
		t.Fatalf("set: %v %+v", ok, c)
	}
	if got := eval(t, c, onePlan, Project{}); !reflect.DeepEqual(got, Result{Set: "ok", Warnings: []string{"deep"}, Passed: 1}) {
		t.Fatalf("got %+v", got)
	}
	if _, ok := p.Set("nope"); ok {
		t.Fatal("found a set never defined")
	}
}
