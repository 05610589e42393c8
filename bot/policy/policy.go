// Package policy holds the server's repository rules: what gates an apply
// (requirements, who may apply) and which of those keys a repository's own
// paved.yaml may set at all. The rules live in the bot's server config,
// which pull requests cannot change; a repository's paved.yaml counts only
// as read from the base branch, and only for the keys a rule allows.
//
//	repos:
//	  - match: github.com/acme/payments-*
//	    apply_requirements: [approved, mergeable, undiverged]
//	    allowed_teams: [payments-sre]
//	    allowed_overrides: [apply_requirements]
//
// The first rule whose glob matches "host/owner/name" applies. A repository
// no rule matches gets Default: no requirements of the server's own, and its
// base branch's paved.yaml may set every gating key.
package policy

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/robfig/cron/v3"
	"go.yaml.in/yaml/v3"

	"github.com/paved-road/paved/bot/planpolicy"
	"github.com/paved-road/paved/bot/repocfg"
	"github.com/paved-road/paved/internal/yamlcheck"
)

// Rule is the policy for the repositories its glob matches.
type Rule struct {
	Match string // glob over host/owner/name; Default's is "*"
	repocfg.Gates
	// Overrides are the gating keys (repocfg.GateKeys) a repository's
	// paved.yaml may set; a key it sets replaces the rule's value.
	Overrides []string
	// ApplyOnMerge makes merging a pull request apply its saved plans
	// (`apply: on_merge`), instead of `paved apply` before the merge.
	ApplyOnMerge bool
	// PolicySets name the server's policy sets (package planpolicy) every
	// plan of the repository is checked against.
	PolicySets []string
	// Drift is when the bot plans the default branch of the repository to
	// find drift (`drift_schedule`, cron syntax); nil for never.
	Drift     cron.Schedule
	DriftSpec string
	Line      int // where the rule starts in the server config; 0 for Default
	// setsAt is where policy_sets was written, for CheckSets.
	setsAt   *yaml.Node
	setsPath string
}

// Default is the rule of a repository no rule matches.
var Default = Rule{Match: "*", Overrides: repocfg.GateKeys}

// Policy is the server's rules, in the order they were written.
type Policy struct {
	Rules []Rule
}

// For returns the rule for a repository named "host/owner/name".
func (p *Policy) For(repo string) Rule {
	if p != nil {
		for _, r := range p.Rules {
			if ok, err := path.Match(r.Match, repo); err == nil && ok {
				return r
			}
		}
	}
	return Default
}

// Describe names the rule for messages: which glob of the server config.
func (r Rule) Describe() string {
	if r.Line == 0 {
		return "the default policy (no rule in the server config matches this repository)"
	}
	return fmt.Sprintf("the server's rule for %s (line %d of its config)", r.Match, r.Line)
}

// Effective returns the gates of a project: the rule's, with each key the rule
// lets a repository set replaced by the value in the base branch's project
// (nil when the base branch has no such project).
func (r Rule) Effective(base *repocfg.Project) repocfg.Gates {
	g := r.Gates
	if base == nil {
		return g
	}
	for key := range base.GatesSet {
		if !slices.Contains(r.Overrides, key) {
			continue
		}
		switch key {
		case repocfg.KeyApplyRequirements:
			g.Requirements = base.Gates.Requirements
		case repocfg.KeyAllowedAppliers:
			g.Appliers = base.Gates.Appliers
		case repocfg.KeyAllowedTeams:
			g.Teams = base.Gates.Teams
		}
	}
	return g
}

// Check reports every gating key a paved.yaml sets that the rule does not
// let it set, at the line it was written.
func (r Rule) Check(cfg *repocfg.Config, file string) error {
	ps := &yamlcheck.Problems{File: file}
	for _, p := range cfg.Projects {
		for _, key := range repocfg.GateKeys {
			at, set := p.GatesSet[key]
			if set && !slices.Contains(r.Overrides, key) {
				ps.Add(at, "%s may not be set in paved.yaml: %s does not list it in allowed_overrides%s",
					key, r.Describe(), allowedList(r.Overrides))
			}
		}
	}
	return problemsError(ps)
}

func allowedList(keys []string) string {
	if len(keys) == 0 {
		return ", which allows none"
	}
	return " (" + strings.Join(keys, ", ") + ")"
}

// BaseProject finds the base branch's version of a project planned at the
// head: the one in the same dir and workspace, else the one of the same
// name. Matching by dir first means renaming a project in a pull request
// does not shed the gates its directory has on the base branch.
func BaseProject(base *repocfg.Config, head repocfg.Project) *repocfg.Project {
	if base == nil {
		return nil
	}
	for i, p := range base.Projects {
		if p.Dir == head.Dir && p.Workspace == head.Workspace {
			return &base.Projects[i]
		}
	}
	for i, p := range base.Projects {
		if p.Name == head.Name {
			return &base.Projects[i]
		}
	}
	return nil
}

// The keys of a rule.
var ruleKeys = []string{"match", "apply_requirements", "allowed_appliers", "allowed_teams", "allowed_overrides", "apply", "policy_sets", "drift_schedule"}

// Parse reads the value of the server config's `repos` key, a list of
// rules, reporting every problem at its line of file.
func Parse(file string, n *yaml.Node) (*Policy, error) {
	ps := &yamlcheck.Problems{File: file}
	p := &Policy{}
	n = yamlcheck.Resolve(n)
	if n.Kind != yaml.SequenceNode {
		ps.Expected(n, "repos", "a list of rules, each with match and the gates it sets")
		return nil, problemsError(ps)
	}
	for i, item := range n.Content {
		if r, ok := parseRule(ps, yamlcheck.Resolve(item), yamlcheck.ItemPath("repos", i)); ok {
			p.Rules = append(p.Rules, r)
		}
	}
	if err := problemsError(ps); err != nil {
		return nil, err
	}
	return p, nil
}

func parseRule(ps *yamlcheck.Problems, n *yaml.Node, at string) (Rule, bool) {
	r := Rule{Line: n.Line}
	if n.Kind != yaml.MappingNode {
		ps.Expected(n, at, "a rule (a mapping with match)")
		return r, false
	}
	entries, _ := ps.Entries(at, n)
	ok := true
	for _, e := range ps.Known(entries, ruleKeys) {
		switch e.Name {
		case "match":
			r.Match = ps.String(e, checkGlob)
			ok = ok && r.Match != ""
		case "apply_requirements":
			for _, s := range ps.Strings(e, repocfg.CheckRequirement) {
				r.Requirements = append(r.Requirements, repocfg.Requirement(s))
			}
		case "allowed_appliers":
			r.Appliers = ps.Strings(e, repocfg.CheckLogin)
		case "allowed_teams":
			r.Teams = ps.Strings(e, repocfg.CheckTeam)
		case "allowed_overrides":
			r.Overrides = ps.Strings(e, checkGateKey)
		case "apply":
			r.ApplyOnMerge = ps.String(e, checkApplyWhen) == "on_merge"
		case "policy_sets":
			r.PolicySets, r.setsAt, r.setsPath = ps.Strings(e, planpolicy.CheckSetName), e.Value, e.Path
		case "drift_schedule":
			spec := ps.String(e, checkCron)
			if spec != "" {
				r.Drift, _ = cronParser.Parse(spec)
				r.DriftSpec = spec
			}
		}
	}
	if r.Match == "" && !slices.ContainsFunc(entries, func(e yamlcheck.Entry) bool { return e.Name == "match" }) {
		ps.At(n, at, "missing required key match: a glob over host/owner/name, as in github.com/acme/*")
		ok = false
	}
	return r, ok
}

func checkGlob(s string) error {
	if _, err := path.Match(s, ""); err != nil {
		return fmt.Errorf("%q is not a valid glob", s)
	}
	return nil
}

func checkGateKey(s string) error {
	if slices.Contains(repocfg.GateKeys, s) {
		return nil
	}
	return fmt.Errorf("%q cannot be overridden%s; the keys are %s", s, yamlcheck.DidYouMean(s, repocfg.GateKeys), strings.Join(repocfg.GateKeys, ", "))
}

// problemsError returns the problems as one error, one per line, or nil.
func problemsError(ps *yamlcheck.Problems) error {
	list := ps.List()
	if len(list) == 0 {
		return nil
	}
	return &repocfg.Error{File: ps.File, Problems: list}
}

// CheckSets reports every policy set a rule names that the server config
// does not define, at the line it was named.
func (p *Policy) CheckSets(file string, defined func(name string) bool) error {
	if p == nil {
		return nil
	}
	ps := &yamlcheck.Problems{File: file}
	for _, r := range p.Rules {
		for _, name := range r.PolicySets {
			if !defined(name) {
				ps.At(r.setsAt, r.setsPath, "policy set %q is not defined under policy_sets", name)
			}
		}
	}
	return problemsError(ps)
}

// cronParser reads the five fields of a crontab line (minute, hour, day of
// month, month, day of week) and the @daily-style descriptors.
var cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

func checkCron(s string) error {
	if _, err := cronParser.Parse(s); err != nil {
		return fmt.Errorf("%q is not a cron schedule (%w); want five fields, minute hour day-of-month month day-of-week, as in \"0 6 * * *\", or @daily, @hourly", s, err)
	}
	return nil
}

// checkApplyWhen checks a rule's apply: when a pull request's plans are applied.
func checkApplyWhen(s string) error {
	if s != "before_merge" && s != "on_merge" {
		return fmt.Errorf("%q: want before_merge (paved apply, the default) or on_merge (merging applies the saved plans)", s)
	}
	return nil
}
