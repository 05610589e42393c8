package repocfg

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/bmatcuk/doublestar/v4"

	"github.com/paved-road/paved/bot/command"
	"github.com/paved-road/paved/internal/yamlcheck"
)

// Validation turns raw values into a Config, reporting every value that
// means nothing paved can act on, at the place it was written.

// defaultWhenModified are the autoplan globs of a project that sets none.
var defaultWhenModified = []string{"*.tf", "*.tfvars"}

const defaultWorkspace = "default"

var requirements = []Requirement{Approved, Mergeable, Undiverged}

var (
	versionPattern = regexp.MustCompile(`^\d+\.\d+\.\d+$`)
	loginPattern   = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$`)
	teamSlug       = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,99}$`)
)

type validator struct {
	*yamlcheck.Problems
}

func (v validator) config(raw rawConfig) *Config {
	switch {
	case !raw.version.written:
		v.Add(raw.Place, "missing required key version; the current version is 1")
	case raw.version.ok && raw.version.v != 1:
		v.Add(raw.version.Place, "unsupported version %d; the only version is 1", raw.version.v)
	}
	switch {
	case !raw.projects.written:
		v.Add(raw.Place, "missing required key projects; list at least one project")
	case raw.projects.ok && len(raw.projects.v) == 0:
		v.Add(raw.projects.Place, "list at least one project")
	}
	c := &Config{FromFile: true}
	nameLine := map[string]int{}   // project name -> line of the project that has it
	dirLine := map[[2]string]int{} // dir and workspace -> line of the project that has them
	for _, rp := range raw.projects.v {
		if !rp.ok {
			continue
		}
		p, ok := v.project(rp)
		if !ok {
			continue
		}
		if line, dup := nameLine[p.Name]; dup {
			at, how := rp.v.name.Place, ""
			if !rp.v.name.written {
				at, how = yamlcheck.Place{Line: rp.Line, Col: rp.Col, Key: rp.Key + ".name"}, " (taken from its dir, as it has no name)"
			}
			v.Add(at, "project name %q%s is also the name of the project at line %d; give each project its own name", p.Name, how, line)
		} else {
			nameLine[p.Name] = rp.Line
		}
		dw := [2]string{p.Dir, p.Workspace}
		if line, dup := dirLine[dw]; dup {
			v.Add(rp.v.dir.Place, "dir %q with workspace %q is also the project at line %d; each pair of dir and workspace may be listed once", p.Dir, p.Workspace, line)
		} else {
			dirLine[dw] = rp.Line
		}
		c.Projects = append(c.Projects, p)
	}
	return c
}

// project validates one project. It returns false when the project is too
// broken to take part in the checks across projects.
func (v validator) project(raw value[rawProject]) (Project, bool) {
	rp := raw.v
	p := Project{Workspace: defaultWorkspace, Autoplan: true, WhenModified: slices.Clone(defaultWhenModified)}
	ok := true
	switch {
	case !rp.dir.written:
		v.Add(raw.Place, "missing required key dir; give the project's directory relative to the repository root")
		ok = false
	case !rp.dir.ok:
		ok = false
	default:
		dir, err := command.CleanDir(rp.dir.v)
		if err != nil {
			v.Add(rp.dir.Place, "%v", err)
			ok = false
		}
		p.Dir = dir
	}
	p.Name = p.Dir
	if rp.name.written {
		p.Name = rp.name.v
		ok = v.check(rp.name, command.CheckName) && ok
	}
	if rp.workspace.written {
		p.Workspace = rp.workspace.v
		ok = v.check(rp.workspace, command.CheckName) && ok
	}
	if rp.team.written && v.check(rp.team, checkTeamLabel) {
		p.Team = rp.team.v
	}
	p.Tool = v.tool(rp.terraformVersion, rp.tofuVersion)
	if rp.autoplan.usable() {
		p.Autoplan, p.WhenModified = v.autoplan(rp.autoplan.v)
	}
	for key, list := range map[string]value[[]value[string]]{
		KeyApplyRequirements: rp.applyRequirements, KeyAllowedAppliers: rp.allowedAppliers, KeyAllowedTeams: rp.allowedTeams,
	} {
		if list.written {
			if p.GatesSet == nil {
				p.GatesSet = map[string]yamlcheck.Place{}
			}
			p.GatesSet[key] = list.Place
		}
	}
	if rp.applyRequirements.usable() {
		for _, s := range v.items(rp.applyRequirements, CheckRequirement) {
			p.Gates.Requirements = append(p.Gates.Requirements, Requirement(s))
		}
	}
	if rp.allowedAppliers.usable() {
		if len(rp.allowedAppliers.v) == 0 {
			v.Add(rp.allowedAppliers.Place, "list at least one GitHub login, or leave allowed_appliers out to let anyone with write access apply")
		}
		p.Gates.Appliers = v.items(rp.allowedAppliers, CheckLogin)
	}
	if rp.allowedTeams.usable() {
		if len(rp.allowedTeams.v) == 0 {
			v.Add(rp.allowedTeams.Place, "list at least one team, or leave allowed_teams out")
		}
		p.Gates.Teams = v.items(rp.allowedTeams, CheckTeam)
	}
	return p, ok
}

// check reports the problem check finds with a usable value, and whether there was none.
func (v validator) check(s value[string], check func(string) error) bool {
	if !s.ok {
		return false
	}
	if err := check(s.v); err != nil {
		v.Add(s.Place, "%v", err)
		return false
	}
	return true
}

// tool picks the tool from terraform_version or tofu_version, which exclude each other.
func (v validator) tool(terraform, tofu value[string]) Tool {
	if terraform.written && tofu.written {
		v.Add(tofu.Place, "set either terraform_version or tofu_version, not both")
		return Tool{}
	}
	switch {
	case terraform.written && v.check(terraform, checkVersion):
		return Tool{Name: "terraform", Version: terraform.v}
	case tofu.written && v.check(tofu, checkVersion):
		return Tool{Name: "tofu", Version: tofu.v}
	}
	return Tool{}
}

func (v validator) autoplan(a rawAutoplan) (enabled bool, globs []string) {
	enabled, globs = true, slices.Clone(defaultWhenModified)
	if a.enabled.usable() {
		enabled = a.enabled.v
	}
	if a.whenModified.usable() {
		if len(a.whenModified.v) == 0 {
			v.Add(a.whenModified.Place, "list at least one glob, or set enabled: false to turn autoplan off")
		}
		globs = v.items(a.whenModified, checkGlob)
	}
	return enabled, globs
}

// items returns the usable items of a list, reporting each that fails
// check and each that repeats an earlier one.
func (v validator) items(list value[[]value[string]], check func(string) error) []string {
	var out []string
	first := map[string]int{}
	for _, item := range list.v {
		if !v.check(item, check) {
			continue
		}
		if line, dup := first[item.v]; dup {
			v.Add(item.Place, "%q is listed twice; first at line %d", item.v, line)
			continue
		}
		first[item.v] = item.Line
		out = append(out, item.v)
	}
	return out
}

func checkVersion(s string) error {
	if !versionPattern.MatchString(s) {
		return fmt.Errorf("%q is not a version such as 1.8.5 (write all three numbers)", s)
	}
	return nil
}

func checkGlob(s string) error {
	switch {
	case path.IsAbs(s):
		return fmt.Errorf("%q is absolute; globs are relative to the project's dir", s)
	case !doublestar.ValidatePattern(s):
		return fmt.Errorf("%q is not a valid glob", s)
	}
	return nil
}

// CheckRequirement checks the name of an apply requirement.
func CheckRequirement(s string) error {
	if slices.Contains(requirements, Requirement(s)) {
		return nil
	}
	names := make([]string, len(requirements))
	for i, r := range requirements {
		names[i] = string(r)
	}
	return fmt.Errorf("unknown requirement %q%s; the requirements are %s", s, yamlcheck.DidYouMean(s, names), strings.Join(names, ", "))
}

// CheckLogin checks the form of a GitHub login.
func CheckLogin(s string) error {
	if !loginPattern.MatchString(s) {
		return fmt.Errorf("%q is not a GitHub login (up to 39 letters, digits and -, not starting with -)", s)
	}
	return nil
}

// checkTeamLabel checks a project's team, the label deploy stats group by.
func checkTeamLabel(s string) error {
	if !teamSlug.MatchString(s) {
		return fmt.Errorf("team %q: use lower-case letters, digits, '-' and '_' (as in payments)", s)
	}
	return nil
}

// CheckTeam checks a team as paved names it: its slug, in the repository
// owner's organization, or "org/slug".
func CheckTeam(s string) error {
	org, slug, qualified := strings.Cut(s, "/")
	if !qualified {
		org, slug = "", s
	}
	if (qualified && !loginPattern.MatchString(org)) || !teamSlug.MatchString(slug) {
		return fmt.Errorf("%q is not a team: give its slug (as in platform-sre) or org/slug", s)
	}
	return nil
}
