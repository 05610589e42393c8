package policy

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/paved-road/paved/bot/repocfg"
)

func parse(t *testing.T, src string) (*Policy, error) {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
		t.Fatal(err)
	}
	return Parse("server.yaml", doc.Content[0].Content[1])
}

const rules = `repos:
  - match: github.com/acme/payments-*
    apply_requirements: [approved, undiverged]
    allowed_teams: [payments-sre, acme/security]
  - match: github.com/acme/*
    apply_requirements: [mergeable]
    allowed_appliers: [alice]
    allowed_overrides: [apply_requirements]
`

func TestFirstMatchingRuleApplies(t *testing.T) {
	p, err := parse(t, rules)
	if err != nil {
		t.Fatal(err)
	}
	pay := p.For("github.com/acme/payments-api")
	if pay.Line != 2 || !reflect.DeepEqual(pay.Requirements, []repocfg.Requirement{repocfg.Approved, repocfg.Undiverged}) ||
		!reflect.DeepEqual(pay.Teams, []string{"payments-sre", "acme/security"}) || len(pay.Overrides) != 0 {
		t.Fatalf("payments rule: %+v", pay)
	}
	if r := p.For("github.com/acme/web"); r.Line != 5 || r.Appliers[0] != "alice" {
		t.Fatalf("acme rule: %+v", r)
	}
	if r := p.For("ghe.example.com/acme/web"); r.Line != 0 || len(r.Overrides) != 3 {
		t.Fatalf("unmatched repository: %+v", r)
	}
	var none *Policy
	if r := none.For("github.com/acme/web"); r.Match != "*" {
		t.Fatalf("no policy: %+v", r)
	}
}

func TestEffectiveGatesTakeOnlyAllowedOverrides(t *testing.T) {
	p, err := parse(t, rules)
	if err != nil {
		t.Fatal(err)
	}
	base, err := repocfg.Parse("paved.yaml", []byte(`version: 1
projects:
  - name: app
    dir: app
    apply_requirements: [approved]
    allowed_appliers: [mallory]
`))
	if err != nil {
		t.Fatal(err)
	}
	app := &base.Projects[0]
	// apply_requirements may be overridden, allowed_appliers may not.
	got := p.For("github.com/acme/web").Effective(app)
	want := repocfg.Gates{Requirements: []repocfg.Requirement{repocfg.Approved}, Appliers: []string{"alice"}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("gates: %+v, want %+v", got, want)
	}
	// No override allowed: the base branch changes nothing.
	pay := p.For("github.com/acme/payments-api")
	if got := pay.Effective(app); !reflect.DeepEqual(got, pay.Gates) {
		t.Fatalf("payments gates: %+v", got)
	}
	// The default lets the base branch decide everything.
	if got := Default.Effective(app); !reflect.DeepEqual(got, app.Gates) {
		t.Fatalf("default gates: %+v", got)
	}
	if got := Default.Effective(nil); !reflect.DeepEqual(got, repocfg.Gates{}) {
		t.Fatalf("default gates without a base project: %+v", got)
	}
}

func TestCheckNamesTheLineOfAKeyNotAllowed(t *testing.T) {
	p, err := parse(t, rules)
	if err != nil {
		t.Fatal(err)
	}
	head, err := repocfg.Parse("paved.yaml", []byte(`version: 1
projects:
  - name: app
    dir: app
    apply_requirements: []
    allowed_teams: [everyone]
`))
	if err != nil {
		t.Fatal(err)
	}
	err = p.For("github.com/acme/web").Check(head, "paved.yaml")
	want := "paved.yaml:6:20: projects[0].allowed_teams: allowed_teams may not be set in paved.yaml: " +
		"the server's rule for github.com/acme/* (line 5 of its config) does not list it in allowed_overrides (apply_requirements)"
	if err == nil || err.Error() != want {
		t.Fatalf("got %v\nwant %s", err, want)
	}
	if err := p.For("github.com/acme/payments-x").Check(head, "paved.yaml"); err == nil ||
		!strings.Contains(err.Error(), "paved.yaml:5:25: projects[0].apply_requirements: apply_requirements may not be set") ||
		!strings.Contains(err.Error(), "which allows none") {
		t.Fatalf("payments check: %v", err)
	}
}

func TestBaseProjectMatchesDirBeforeName(t *testing.T) {
	base, err := repocfg.Parse("paved.yaml", []byte("version: 1\nprojects:\n  - name: prod\n    dir: envs/prod\n  - name: web\n    dir: web\n"))
	if err != nil {
		t.Fatal(err)
	}
	renamed := repocfg.Project{Name: "prod2", Dir: "envs/prod", Workspace: "default"}
	if got := BaseProject(base, renamed); got == nil || got.Name != "prod" {
		t.Fatalf("renamed project: %+v", got)
	}
	moved := repocfg.Project{Name: "web", Dir: "services/web", Workspace: "default"}
	if got := BaseProject(base, moved); got == nil || got.Dir != "web" {
		t.Fatalf("moved project: %+v", got)
	}
	if got := BaseProject(base, repocfg.Project{Name: "new", Dir: "new", Workspace: "default"}); got != nil {
		t.Fatalf("new project: %+v", got)
	}
	if got := BaseProject(nil, renamed); got != nil {
		t.Fatalf("no base config: %+v", got)
	}
}

func TestParseReportsEveryProblem(t *testing.T) {
	_, err := parse(t, `repos:
  - match: "github.com/[acme"
    apply_requirements: [aproved]
  - apply_requirements: [approved]
  - match: github.com/x/*
    allowed_overrides: [dir]
    allowed_teams: ["Not A Team"]
    allowed_appliers: alice
    colour: blue
  - just a string
  - match: github.com/y/*
    apply: at_night
`)
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{
		`server.yaml:2:12: repos[0].match: "github.com/[acme" is not a valid glob`,
		`server.yaml:3:26: repos[0].apply_requirements[0]: unknown requirement "aproved" (did you mean approved?)`,
		`server.yaml:4:5: repos[1]: missing required key match`,
		`server.yaml:6:25: repos[2].allowed_overrides[0]: "dir" cannot be overridden; the keys are apply_requirements, allowed_appliers, allowed_teams`,
		`server.yaml:7:21: repos[2].allowed_teams[0]: "Not A Team" is not a team`,
		`server.yaml:8:23: repos[2].allowed_appliers: expected a list, got the string "alice"`,
		`server.yaml:9:5: repos[2].colour: unknown key`,
		`server.yaml:10:5: repos[3]: expected a rule (a mapping with match)`,
		`server.yaml:12:12: repos[4].apply: "at_night": want before_merge (paved apply, the default) or on_merge`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("want %q in:\n%v", want, err)
		}
	}
	if _, err := parse(t, "repos: {match: x}\n"); err == nil || !strings.Contains(err.Error(), "server.yaml:1:8: repos: expected a list of rules") {
		t.Fatalf("not a list: %v", err)
	}
}

func TestApplyOnMerge(t *testing.T) {
	p, err := parse(t, "repos:\n  - match: github.com/acme/infra\n    apply: on_merge\n  - match: github.com/acme/*\n    apply: before_merge\n")
	if err != nil {
		t.Fatal(err)
	}
	if !p.For("github.com/acme/infra").ApplyOnMerge || p.For("github.com/acme/web").ApplyOnMerge || p.For("github.com/other/x").ApplyOnMerge {
		t.Fatalf("rules: %+v", p.Rules)
	}
}

func TestPolicySetsAndDriftSchedule(t *testing.T) {
	p, err := parse(t, `repos:
  - match: github.com/acme/*
    policy_sets: [prod-safety, team-tags]
    drift_schedule: "30 6 * * 1-5"
`)
	if err != nil {
		t.Fatal(err)
	}
	r := p.For("github.com/acme/web")
	if !reflect.DeepEqual(r.PolicySets, []string{"prod-safety", "team-tags"}) || r.DriftSpec != "30 6 * * 1-5" || r.Drift == nil {
		t.Fatalf("rule: %+v", r)
	}
	monday := time.Date(2026, 11, 30, 7, 0, 0, 0, time.UTC)
	if next := r.Drift.Next(monday); !next.Equal(time.Date(2026, 12, 1, 6, 30, 0, 0, time.UTC)) {
		t.Fatalf("next drift check after %s: %s", monday, next)
	}
	err = p.CheckSets("server.yaml", func(name string) bool { return name == "prod-safety" })
	if err == nil || !strings.Contains(err.Error(), `server.yaml:3:18: repos[0].policy_sets: policy set "team-tags" is not defined under policy_sets`) {
		t.Fatalf("an undefined set: %v", err)
	}
	if err := p.CheckSets("server.yaml", func(string) bool { return true }); err != nil {
		t.Fatal(err)
	}
}

func TestBadDriftScheduleIsNamedWithItsLine(t *testing.T) {
	for _, spec := range []string{`"0 6 * *"`, `"61 * * * *"`, `"@sometimes"`, `"* * * * * *"`} {
		_, err := parse(t, "repos:\n  - match: github.com/acme/*\n    drift_schedule: "+spec+"\n")
		if err == nil || !strings.Contains(err.Error(), "server.yaml:3:21: repos[0].drift_schedule: ") || !strings.Contains(err.Error(), "is not a cron schedule") {
			t.Fatalf("drift_schedule %s: %v", spec, err)
		}
	}
}
