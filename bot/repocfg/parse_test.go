package repocfg

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/paved-road/paved/internal/yamlcheck"
	"github.com/paved-road/paved/internal/yamlcheck/yamlchecktest"
)

// base is a valid paved.yaml that the error tests edit line by line. The
// comments give line numbers, which the expected problems refer to.
const base = `version: 1                                     # 1
projects:                                      # 2
  - name: app                                  # 3
    dir: infra/app                             # 4
    workspace: default                         # 5
    terraform_version: 1.8.5                   # 6
    autoplan:                                  # 7
      enabled: true                            # 8
      when_modified: ["*.tf", "../modules/**/*.tf"] # 9
    apply_requirements: [approved, mergeable]  # 10
    allowed_appliers: [alice, bob-2]           # 11
  - dir: infra/db/                             # 12
    tofu_version: 1.12.6                       # 13
  - name: db-prod                              # 14
    dir: infra/db                              # 15
    workspace: prod                            # 16
    autoplan:                                  # 17
      enabled: false                           # 18
`

// edited returns base with the numbered lines replaced, as yamlchecktest.Edit.
func edited(t *testing.T, lines map[int]string) string {
	t.Helper()
	return yamlchecktest.Edit(t, base, lines)
}

var replace = yamlchecktest.Replace

func TestParseBase(t *testing.T) {
	c, err := Parse("paved.yaml", []byte(base))
	if err != nil {
		t.Fatal(err)
	}
	want := &Config{FromFile: true, File: "paved.yaml", Projects: []Project{
		{
			Name: "app", Dir: "infra/app", Workspace: "default",
			Tool:         Tool{Name: "terraform", Version: "1.8.5"},
			Autoplan:     true,
			WhenModified: []string{"*.tf", "../modules/**/*.tf"},
			Gates:        Gates{Requirements: []Requirement{Approved, Mergeable}, Appliers: []string{"alice", "bob-2"}},
			GatesSet: map[string]yamlcheck.Place{
				KeyApplyRequirements: {Line: 10, Col: 25, Key: "projects[0].apply_requirements"},
				KeyAllowedAppliers:   {Line: 11, Col: 23, Key: "projects[0].allowed_appliers"},
			},
		},
		{
			Name: "infra/db", Dir: "infra/db", Workspace: "default",
			Tool:         Tool{Name: "tofu", Version: "1.12.6"},
			Autoplan:     true,
			WhenModified: []string{"*.tf", "*.tfvars"},
		},
		{
			Name: "db-prod", Dir: "infra/db", Workspace: "prod",
			Autoplan:     false,
			WhenModified: []string{"*.tf", "*.tfvars"},
		},
	}}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("got  %+v\nwant %+v", c, want)
	}
	if got := c.Names(); !reflect.DeepEqual(got, []string{"app", "infra/db", "db-prod"}) {
		t.Errorf("Names() = %q", got)
	}
}

func TestParseTeam(t *testing.T) {
	c, err := Parse("paved.yaml", []byte(edited(t, map[int]string{11: "    team: payments"})))
	if err != nil {
		t.Fatal(err)
	}
	if c.Projects[0].Team != "payments" || c.Projects[1].Team != "" {
		t.Fatalf("teams: %q %q", c.Projects[0].Team, c.Projects[1].Team)
	}
}

func TestParseProblems(t *testing.T) {
	for _, tc := range []struct {
		name string
		doc  string
		want []string // each problem's whole "file:line:col: key: message", up to a part of the message
	}{
		{"empty file", "", []string{"paved.yaml: the file is empty"}},
		{"not a mapping", "- dir: infra\n", []string{"paved.yaml:1:1: expected a mapping with version and projects, got a list"}},
		{"second document", base + "---\nversion: 1\n", []string{"paved.yaml:19:1: found a second YAML document; the file must hold exactly one"}},

		// Syntax.
		{"unclosed list", edited(t, map[int]string{9: `      when_modified: ["*.tf", "*.tfvars"`}),
			[]string{"paved.yaml:9: invalid YAML: did not find expected ',' or ']'"}},
		{"tab indentation", edited(t, map[int]string{5: "\tworkspace: default"}),
			[]string{"paved.yaml:5: invalid YAML: found character that cannot start any token"}},
		{"bad indentation", edited(t, map[int]string{5: "   workspace: default"}),
			[]string{"paved.yaml:3: invalid YAML: did not find expected '-' indicator"}},

		{"bad team", edited(t, map[int]string{11: "    team: Payments Team"}),
			[]string{`paved.yaml:11:11: projects[0].team: team "Payments Team": use lower-case letters`}},

		// Keys.
		{"unknown key with a suggestion", edited(t, map[int]string{1: "vesion: 1"}), []string{
			"paved.yaml:1:1: vesion: unknown key (did you mean version?); allowed keys are version, projects",
			"paved.yaml:1:1: missing required key version",
		}},
		{"unknown project key", edited(t, map[int]string{5: "    workspce: default"}), []string{
			"paved.yaml:5:5: projects[0].workspce: unknown key (did you mean workspace?); allowed keys are name, dir, workspace, terraform_version, tofu_version, autoplan, apply_requirements, allowed_appliers, allowed_teams, team",
		}},
		{"unknown key without a suggestion", edited(t, map[int]string{5: "    color: red"}), []string{
			"paved.yaml:5:5: projects[0].color: unknown key; allowed keys are name, dir,",
		}},
		{"unknown autoplan key", edited(t, map[int]string{8: "      enable: true"}), []string{
			"paved.yaml:8:7: projects[0].autoplan.enable: unknown key (did you mean enabled?); allowed keys are enabled, when_modified",
		}},
		{"duplicate key", edited(t, map[int]string{5: "    dir: other"}), []string{
			"paved.yaml:5:5: projects[0].dir: duplicate key; first given at line 4",
		}},

		// Types.
		{"string for a list", edited(t, map[int]string{9: `      when_modified: "*.tf"`}), []string{
			`paved.yaml:9:22: projects[0].autoplan.when_modified: expected a list, got the string "*.tf"`,
		}},
		{"list for a string", edited(t, map[int]string{4: "    dir: [infra/app]"}), []string{
			"paved.yaml:4:10: projects[0].dir: expected a string, got a list",
		}},
		{"null for a string", edited(t, map[int]string{4: "    dir:"}), []string{
			"paved.yaml:4:9: projects[0].dir: expected a string, got nothing",
		}},
		{"yes is no boolean", edited(t, map[int]string{8: "      enabled: yes"}), []string{
			`paved.yaml:8:16: projects[0].autoplan.enabled: expected true or false, got the string "yes"`,
		}},
		{"bool for autoplan", edited(t, replace(7, 9, "    autoplan: false")), []string{
			"paved.yaml:7:15: projects[0].autoplan: expected a mapping with enabled and when_modified, got the boolean false",
		}},
		{"number in a list of strings", edited(t, map[int]string{11: "    allowed_appliers: [alice, 42]"}), []string{
			"paved.yaml:11:31: projects[0].allowed_appliers[1]: expected a string, got the integer 42",
		}},
		{"project that is not a mapping", edited(t, replace(12, 13, "  - infra/db")), []string{
			`paved.yaml:12:5: projects[1]: expected a project (a mapping with at least dir), got the string "infra/db"`,
		}},
		{"projects not a list", edited(t, replace(2, 18, "projects: infra/app")), []string{
			`paved.yaml:2:11: projects: expected a list, got the string "infra/app"`,
		}},

		// version and projects.
		{"version 2", edited(t, map[int]string{1: "version: 2"}), []string{
			"paved.yaml:1:10: version: unsupported version 2; the only version is 1",
		}},
		{"version as a string", edited(t, map[int]string{1: `version: "1"`}), []string{
			`paved.yaml:1:10: version: expected an integer, got the string "1"`,
		}},
		{"missing version", edited(t, map[int]string{1: ""}), []string{
			"paved.yaml:2:1: missing required key version",
		}},
		{"no projects", edited(t, replace(2, 18, "projects: []")), []string{
			"paved.yaml:2:11: projects: list at least one project",
		}},
		{"missing projects", edited(t, replace(2, 18, "")), []string{
			"paved.yaml:1:1: missing required key projects",
		}},

		// dir.
		{"missing dir", edited(t, map[int]string{4: ""}), []string{
			"paved.yaml:3:5: projects[0]: missing required key dir",
		}},
		{"absolute dir", edited(t, map[int]string{4: "    dir: /srv/infra"}), []string{
			`paved.yaml:4:10: projects[0].dir: "/srv/infra" is absolute`,
		}},
		{"dir outside the repository", edited(t, map[int]string{4: "    dir: infra/../../x"}), []string{
			`paved.yaml:4:10: projects[0].dir: "infra/../../x" is outside the repository`,
		}},
		{"dir with a backslash", edited(t, map[int]string{4: `    dir: 'infra\app'`}), []string{
			`paved.yaml:4:10: projects[0].dir: "infra\\app" is not a directory: use forward slashes`,
		}},
		{"empty dir", edited(t, map[int]string{4: `    dir: ""`}), []string{
			"paved.yaml:4:10: projects[0].dir: the directory must not be empty; use . for the repository root",
		}},

		// Names and workspaces.
		{"bad name", edited(t, map[int]string{3: "  - name: my/app"}), []string{
			`paved.yaml:3:11: projects[0].name: "my/app" is not a valid name`,
		}},
		{"bad workspace", edited(t, map[int]string{5: "    workspace: -prod"}), []string{
			`paved.yaml:5:16: projects[0].workspace: "-prod" is not a valid name`,
		}},
		{"duplicate name", edited(t, map[int]string{14: "  - name: app"}), []string{
			`paved.yaml:14:11: projects[2].name: project name "app" is also the name of the project at line 3; give each project its own name`,
		}},
		{"duplicate name taken from dir", edited(t, map[int]string{14: "  - workspace: staging", 16: ""}), []string{
			`paved.yaml:14:5: projects[2].name: project name "infra/db" (taken from its dir, as it has no name) is also the name of the project at line 12`,
		}},
		{"duplicate dir and workspace", edited(t, map[int]string{16: "    workspace: default"}), []string{
			`paved.yaml:15:10: projects[2].dir: dir "infra/db" with workspace "default" is also the project at line 12`,
		}},

		// Tool versions.
		{"terraform and tofu", edited(t, map[int]string{5: "    tofu_version: 1.12.6"}), []string{
			"paved.yaml:5:19: projects[0].tofu_version: set either terraform_version or tofu_version, not both",
		}},
		{"two-part version", edited(t, map[int]string{6: "    terraform_version: 1.8"}), []string{
			`paved.yaml:6:24: projects[0].terraform_version: "1.8" is not a version such as 1.8.5`,
		}},
		{"v-prefixed version", edited(t, map[int]string{13: "    tofu_version: v1.12.6"}), []string{
			`paved.yaml:13:19: projects[1].tofu_version: "v1.12.6" is not a version such as 1.8.5`,
		}},

		// Autoplan globs.
		{"bad glob", edited(t, map[int]string{9: `      when_modified: ["*.tf", "{a,b"]`}), []string{
			`paved.yaml:9:31: projects[0].autoplan.when_modified[1]: "{a,b" is not a valid glob`,
		}},
		{"absolute glob", edited(t, map[int]string{9: `      when_modified: ["/etc/*.tf"]`}), []string{
			`paved.yaml:9:23: projects[0].autoplan.when_modified[0]: "/etc/*.tf" is absolute`,
		}},
		{"no globs", edited(t, map[int]string{9: `      when_modified: []`}), []string{
			"paved.yaml:9:22: projects[0].autoplan.when_modified: list at least one glob, or set enabled: false",
		}},

		// Apply requirements and appliers.
		{"unknown requirement", edited(t, map[int]string{10: "    apply_requirements: [approved, mergable]"}), []string{
			`paved.yaml:10:36: projects[0].apply_requirements[1]: unknown requirement "mergable" (did you mean mergeable?); the requirements are approved, mergeable, undiverged`,
		}},
		{"repeated requirement", edited(t, map[int]string{10: "    apply_requirements: [approved, approved]"}), []string{
			`paved.yaml:10:36: projects[0].apply_requirements[1]: "approved" is listed twice; first at line 10`,
		}},
		{"bad login", edited(t, map[int]string{11: "    allowed_appliers: [alice, -bob, bob_b]"}), []string{
			`paved.yaml:11:31: projects[0].allowed_appliers[1]: "-bob" is not a GitHub login`,
			`paved.yaml:11:37: projects[0].allowed_appliers[2]: "bob_b" is not a GitHub login`,
		}},
		{"login too long", edited(t, map[int]string{11: "    allowed_appliers: [" + strings.Repeat("a", 40) + "]"}), []string{
			`paved.yaml:11:24: projects[0].allowed_appliers[0]: "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" is not a GitHub login`,
		}},
		{"no appliers", edited(t, map[int]string{11: "    allowed_appliers: []"}), []string{
			"paved.yaml:11:23: projects[0].allowed_appliers: list at least one GitHub login, or leave allowed_appliers out to let anyone with write access apply",
		}},

		// Every problem at once, in file order.
		{"several problems", edited(t, map[int]string{
			1: "version: 3", 6: "    terraform_version: latest", 12: "  - dir: /db", 11: "    allowed_appliers: alice",
		}), []string{
			"paved.yaml:1:10: version: unsupported version 3",
			`paved.yaml:6:24: projects[0].terraform_version: "latest" is not a version`,
			`paved.yaml:11:23: projects[0].allowed_appliers: expected a list, got the string "alice"`,
			`paved.yaml:12:10: projects[1].dir: "/db" is absolute`,
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Parse("paved.yaml", []byte(tc.doc))
			if err == nil {
				t.Fatalf("Parse returned %+v, want problems", c)
			}
			var perr *Error
			if !errors.As(err, &perr) {
				t.Fatalf("error is a %T, not an *Error: %v", err, err)
			}
			lines := strings.Split(err.Error(), "\n")
			if len(lines) != len(tc.want) || len(perr.Problems) != len(tc.want) {
				t.Fatalf("got %d problems, want %d:\n%v", len(lines), len(tc.want), err)
			}
			for i, w := range tc.want {
				if !strings.HasPrefix(lines[i], w) {
					t.Errorf("problem %d:\n got %s\nwant %s...", i, lines[i], w)
				}
			}
		})
	}
}

func TestParseDefaultsAndAliases(t *testing.T) {
	doc := `version: 1
projects:
  - dir: .
    autoplan: &plan
      when_modified: ["**/*.tf"]
  - dir: ./stacks//web/
    autoplan: *plan
`
	c, err := Parse("paved.yml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	want := []Project{
		{Name: ".", Dir: ".", Workspace: "default", Autoplan: true, WhenModified: []string{"**/*.tf"}},
		{Name: "stacks/web", Dir: "stacks/web", Workspace: "default", Autoplan: true, WhenModified: []string{"**/*.tf"}},
	}
	if !reflect.DeepEqual(c.Projects, want) {
		t.Errorf("got  %+v\nwant %+v", c.Projects, want)
	}
}

// TestExampleParses keeps examples/bot/paved.yaml, which the README points
// to, valid.
func TestExampleParses(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "examples", "bot", "paved.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := Parse("paved.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	if i := slices.IndexFunc(c.Projects, func(p Project) bool { return p.Name == "prod" }); i < 0 || c.Projects[i].Team != "payments" {
		t.Fatalf("projects: %+v", c.Projects)
	}
}
