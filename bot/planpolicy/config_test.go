package planpolicy

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/paved-road/paved/bot/repocfg"
	"github.com/paved-road/paved/internal/yamlcheck/yamlchecktest"
)

// parse parses the policy_sets key of the server config src.
func parse(t *testing.T, src string) ([]Set, error) {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
		t.Fatal(err)
	}
	return Parse("server.yaml", doc.Content[0].Content[1])
}

const config = `policy_sets:
  - name: production-safety
    paths: [policies/no-public-ingress, policies/team-tag]
    owners: [acme/platform-security, alice]
  - name: legacy
    paths:
      - /etc/paved/legacy
    owners: [bob]
    namespaces: [main, aws.s3]
    rego_version: v0
`

func TestParse(t *testing.T) {
	sets, err := parse(t, config)
	if err != nil {
		t.Fatal(err)
	}
	want := []Set{
		{Name: "production-safety", Paths: []string{"policies/no-public-ingress", "policies/team-tag"},
			Owners: []string{"acme/platform-security", "alice"}, Namespaces: []string{"main"}, RegoVersion: "v1", Line: 2},
		{Name: "legacy", Paths: []string{"/etc/paved/legacy"}, Owners: []string{"bob"},
			Namespaces: []string{"main", "aws.s3"}, RegoVersion: "v0", Line: 5},
	}
	if !reflect.DeepEqual(sets, want) {
		t.Fatalf("got  %+v\nwant %+v", sets, want)
	}
}

func TestParseReportsEveryProblemAtItsLine(t *testing.T) {
	src := yamlchecktest.Edit(t, config, map[int]string{
		2: "  - name: production safety",
		3: "    path: [policies/no-public-ingress]",
		4: "    owners: [\"Not A Team/x\", -alice]",
		5: "  - name: legacy\n    colour: blue",
		9: "    namespaces: [main, \"aws-s3\"]",
		10: "    rego_version: v2\n  - name: legacy\n    paths: [x]\n    owners: []\n  - {name: dup, paths: [a], owners: [c]}\n" +
			"  - {name: dup, paths: [b], owners: [d]}\n  - just a string\n  - {paths: [a], owners: [c], namespaces: []}",
	})
	_, err := parse(t, src)
	var cfgErr *repocfg.Error
	if !errors.As(err, &cfgErr) {
		t.Fatalf("not a *repocfg.Error: %v", err)
	}
	want := []string{
		`server.yaml:2:5: policy_sets[0]: missing required key paths: the .rego files or directories of the set`,
		`server.yaml:2:11: policy_sets[0].name: "production safety" is not a policy set name: use letters, digits, '.', '-' and '_'`,
		`server.yaml:3:5: policy_sets[0].path: unknown key (did you mean paths?); allowed keys are name, paths, owners, namespaces, rego_version`,
		`server.yaml:4:14: policy_sets[0].owners[0]: "Not A Team/x" is not a team: give its slug (as in platform-sre) or org/slug`,
		`server.yaml:4:30: policy_sets[0].owners[1]: "-alice" is not a GitHub login (up to 39 letters, digits and -, not starting with -)`,
		`server.yaml:6:5: policy_sets[1].colour: unknown key; allowed keys are name, paths, owners, namespaces, rego_version`,
		`server.yaml:10:24: policy_sets[1].namespaces[1]: "aws-s3" is not a Rego package path (as in main or main.aws)`,
		`server.yaml:11:19: policy_sets[1].rego_version: rego_version "v2": want v1 (the default) or v0`,
		`server.yaml:14:13: policy_sets[2].owners: list at least one item: an owner who may approve a failure`,
		`server.yaml:16:5: policy_sets[4]: duplicate policy set name "dup"; first given at line 15`,
		`server.yaml:17:5: policy_sets[5]: expected a policy set (a mapping with name, paths and owners), got the string "just a string"`,
		`server.yaml:18:5: policy_sets[6]: missing required key name: the name repos rules give in their policy_sets`,
		`server.yaml:18:43: policy_sets[6].namespaces: list at least one item: a Rego package to query`,
	}
	if got := strings.Split(err.Error(), "\n"); !reflect.DeepEqual(got, want) {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	if _, err := parse(t, "policy_sets: {name: x}\n"); err == nil ||
		err.Error() != "server.yaml:1:14: policy_sets: expected a list of policy sets, each with name, paths and owners, got a mapping" {
		t.Fatalf("not a list: %v", err)
	}
}
