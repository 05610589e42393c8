// Package repocfg reads paved.yaml, the file at the root of a repository
// that tells the bot which terraform projects it holds and how to run them.
//
// The file is read in two steps: into raw values that remember where each
// was written, then validated into a Config. Every problem in the file is
// reported at once, each at its line, so a user can fix the file in one
// pass. A repository without the file gets its projects found for it.
package repocfg

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"

	"github.com/bmatcuk/doublestar/v4"

	"github.com/paved-road/paved/internal/yamlcheck"
)

// fileNames are the names the config file may have, in the order Load looks for them.
var fileNames = []string{"paved.yaml", "paved.yml"}

// Tool is the command that runs a project's terraform code.
type Tool struct {
	Name    string // "terraform" or "tofu"; "" together with Version for the server default
	Version string // "" = server default
}

// Requirement is a condition a pull request must meet before paved applies it.
type Requirement string

// The apply requirements.
const (
	Approved   Requirement = "approved"   // an approving review of the current head commit
	Mergeable  Requirement = "mergeable"  // GitHub would let it merge
	Undiverged Requirement = "undiverged" // the head contains the base branch's latest commit
)

// Gates are what an apply of a project must pass besides the commenter's
// write access to the repository.
type Gates struct {
	Requirements []Requirement `json:"apply_requirements,omitempty"`
	// Appliers and Teams together say who may apply: empty both, anyone
	// with write access; otherwise a listed login or a member of a listed
	// team ("slug" in the repository owner's organization, or "org/slug").
	Appliers []string `json:"allowed_appliers,omitempty"`
	Teams    []string `json:"allowed_teams,omitempty"`
}

// The keys of a project that gate its apply: the server's policy says
// which of them a repository's paved.yaml may set.
const (
	KeyApplyRequirements = "apply_requirements"
	KeyAllowedAppliers   = "allowed_appliers"
	KeyAllowedTeams      = "allowed_teams"
)

// GateKeys lists the gating keys in the order the file documents them.
var GateKeys = []string{KeyApplyRequirements, KeyAllowedAppliers, KeyAllowedTeams}

// Project is one terraform root module in one workspace.
type Project struct {
	Name, Dir, Workspace string // Dir is cleaned and relative to the repo root; "." is the root
	Tool                 Tool
	Autoplan             bool
	WhenModified         []string // doublestar globs, relative to Dir
	Gates                Gates
	// Team owns the project: deploy stats are grouped by it. It gates nothing.
	Team string
	// GatesSet holds where each gating key the file sets was written, by key.
	GatesSet map[string]yamlcheck.Place
}

// Config is the projects of one repository.
type Config struct {
	Projects []Project
	FromFile bool   // false when autodetected
	File     string // the file's name, when FromFile

	// root is the working copy an autodetected config was found in, so that
	// Select can plan a directory the pull request does not change.
	root string
}

// Parse validates data read from file (name used in messages). On any problem it returns an
// error of type *Error listing EVERY problem, each "paved.yaml:LINE:COL: key: message".
func Parse(file string, data []byte) (*Config, error) {
	ps := &yamlcheck.Problems{File: file}
	var c *Config
	if root := ps.Document(data, "the file is empty; it needs at least version and projects"); root != nil {
		if raw, ok := (reader{ps}).config(root); ok {
			c = validator{ps}.config(raw)
		}
	}
	if err := errorOf(ps); err != nil {
		return nil, err
	}
	c.File = file
	return c, nil
}

// Load reads paved.yaml/paved.yml from repoRoot; when absent it autodetects: every directory
// (repo-relative) that contains .tf files and has at least one modified file directly in it becomes a
// project named by its dir (root dir named "."), workspace default. `modified` are repo-relative paths.
//
// Files are read through an os.Root, so a symlink in the repository cannot
// make paved read, and quote in its errors, a file outside it.
func Load(repoRoot string, modified []string) (*Config, error) {
	root, err := os.OpenRoot(repoRoot)
	if err != nil {
		return nil, fmt.Errorf("open repository: %w", err)
	}
	defer func() { _ = root.Close() }() // read only, so closing loses nothing
	name, data, err := readConfigFile(root)
	if err != nil {
		return nil, err
	}
	if name != "" {
		return Parse(name, data)
	}
	c := &Config{root: repoRoot}
	for _, dir := range changedDirs(modified) {
		switch ok, err := hasTerraformFiles(root.FS(), dir); {
		case err != nil:
			return nil, err
		case ok:
			c.Projects = append(c.Projects, detected(dir, defaultWorkspace))
		}
	}
	return c, nil
}

// readConfigFile returns the name and content of the config file, or no
// name when there is none.
func readConfigFile(root *os.Root) (string, []byte, error) {
	var name string
	var data []byte
	for _, n := range fileNames {
		d, err := root.ReadFile(n)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			continue
		case err != nil:
			return "", nil, fmt.Errorf("read %s: %w", n, err)
		case name != "":
			return "", nil, fmt.Errorf("both %s and %s exist; keep only one", name, n)
		}
		name, data = n, d
	}
	return name, data, nil
}

// changedDirs returns the directories that directly hold a modified file, sorted.
func changedDirs(modified []string) []string {
	var dirs []string
	for _, m := range modified {
		// A path outside the repository names no directory of it.
		if dir := path.Dir(path.Clean(m)); fs.ValidPath(dir) && !slices.Contains(dirs, dir) {
			dirs = append(dirs, dir)
		}
	}
	slices.Sort(dirs)
	return dirs
}

// hasTerraformFiles reports whether dir directly holds a .tf file. A
// directory that does not exist, as when a pull request deletes it, holds none.
func hasTerraformFiles(fsys fs.FS, dir string) (bool, error) {
	entries, err := fs.ReadDir(fsys, dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("look for .tf files in %s: %w", dir, err)
	}
	return slices.ContainsFunc(entries, func(e fs.DirEntry) bool {
		return !e.IsDir() && strings.HasSuffix(e.Name(), ".tf")
	}), nil
}

// detected is the project paved assumes for a directory when there is no config file.
func detected(dir, workspace string) Project {
	return Project{Name: dir, Dir: dir, Workspace: workspace, Autoplan: true, WhenModified: slices.Clone(defaultWhenModified)}
}

// Touched returns the projects whose autoplan is enabled and whose when_modified globs
// (resolved against Dir, cleaned, so ../modules/** works) match any modified path.
func (c *Config) Touched(modified []string) []Project {
	var out []Project
	for _, p := range c.Projects {
		if p.Autoplan && p.matchesAny(modified) {
			out = append(out, p)
		}
	}
	return out
}

func (p Project) matchesAny(modified []string) bool {
	for _, glob := range p.WhenModified {
		pattern := path.Join(p.Dir, glob)
		for _, m := range modified {
			// Parse has validated the glob, and Match only fails on invalid ones.
			if ok, _ := doublestar.Match(pattern, path.Clean(m)); ok {
				return true
			}
		}
	}
	return false
}

// Select finds the projects for a comment: by name (-p), or by dir (-d, all workspaces of that dir
// unless workspace given), or all projects touched by `modified` when neither is set.
// An unknown name/dir gives an error whose message lists the known project names (and dirs).
//
// With neither name nor dir, an empty result and no error means the pull
// request touches no project. Without a config file, any directory holding
// .tf files can be chosen by dir, in any workspace.
func (c *Config) Select(name, dir, workspace string, modified []string) ([]Project, error) {
	if dir != "" {
		dir = path.Clean(dir)
	}
	switch {
	case name != "":
		return c.selectByName(name, dir, workspace)
	case dir != "":
		return c.selectByDir(dir, workspace)
	}
	var out []Project
	for _, p := range c.Touched(modified) {
		if workspace == "" || p.Workspace == workspace {
			out = append(out, p)
		}
	}
	return out, nil
}

func (c *Config) selectByName(name, dir, workspace string) ([]Project, error) {
	i := slices.IndexFunc(c.Projects, func(p Project) bool { return p.Name == name })
	if i < 0 {
		return nil, fmt.Errorf("no project is named %q%s; %s", name, yamlcheck.DidYouMean(name, c.Names()), c.describe())
	}
	p := c.Projects[i]
	switch {
	case dir != "" && p.Dir != dir:
		return nil, fmt.Errorf("project %q is in dir %q, not %q", name, p.Dir, dir)
	case workspace != "" && p.Workspace != workspace:
		return nil, fmt.Errorf("project %q uses workspace %q, not %q", name, p.Workspace, workspace)
	}
	return []Project{p}, nil
}

func (c *Config) selectByDir(dir, workspace string) ([]Project, error) {
	var inDir, out []Project
	for _, p := range c.Projects {
		if p.Dir != dir {
			continue
		}
		inDir = append(inDir, p)
		if workspace == "" || p.Workspace == workspace {
			out = append(out, p)
		}
	}
	switch {
	case len(out) > 0:
		return out, nil
	case !c.FromFile && c.root != "":
		return c.detectDir(dir, workspace)
	case len(inDir) > 0:
		workspaces := make([]string, len(inDir))
		for i, p := range inDir {
			workspaces[i] = p.Workspace
		}
		return nil, fmt.Errorf("dir %q has no project in workspace %q; its workspaces are %s", dir, workspace, strings.Join(workspaces, ", "))
	}
	var dirs []string // without repeats, which would make every suggestion a tie
	for _, p := range c.Projects {
		if !slices.Contains(dirs, p.Dir) {
			dirs = append(dirs, p.Dir)
		}
	}
	return nil, fmt.Errorf("no project is in dir %q%s; %s", dir, yamlcheck.DidYouMean(dir, dirs), c.describe())
}

// detectDir makes a project of dir when there is no config file, as Load
// would have had the pull request changed it.
func (c *Config) detectDir(dir, workspace string) ([]Project, error) {
	root, err := os.OpenRoot(c.root)
	if err != nil {
		return nil, fmt.Errorf("open repository: %w", err)
	}
	defer func() { _ = root.Close() }() // read only, so closing loses nothing
	ok, err := hasTerraformFiles(root.FS(), dir)
	switch {
	case err != nil:
		return nil, err
	case !ok:
		return nil, fmt.Errorf("dir %q holds no .tf files", dir)
	}
	if workspace == "" {
		workspace = defaultWorkspace
	}
	return []Project{detected(dir, workspace)}, nil
}

// describe lists the projects for messages about a name or dir that matches none.
func (c *Config) describe() string {
	if len(c.Projects) == 0 && !c.FromFile {
		return "there is no paved.yaml, and this pull request changes no directory with .tf files"
	}
	list := make([]string, len(c.Projects))
	for i, p := range c.Projects {
		list[i] = fmt.Sprintf("%s (dir %s, workspace %s)", p.Name, p.Dir, p.Workspace)
	}
	if !c.FromFile {
		return "there is no paved.yaml, so the projects are the changed directories with .tf files, named after them: " + strings.Join(list, ", ")
	}
	return "the projects are: " + strings.Join(list, ", ")
}

// Names lists project names in file order.
func (c *Config) Names() []string {
	names := make([]string, len(c.Projects))
	for i, p := range c.Projects {
		names[i] = p.Name
	}
	return names
}
