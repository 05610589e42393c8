package repocfg

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// writeTree creates files (slash-separated paths to contents) under a new temporary directory.
func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for name, content := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// summaries names projects as "name dir workspace", for comparing selections.
func summaries(ps []Project) []string {
	out := []string{}
	for _, p := range ps {
		out = append(out, p.Name+" "+p.Dir+" "+p.Workspace)
	}
	return out
}

// autodetectTree is a repository without paved.yaml.
var autodetectTree = map[string]string{
	"main.tf":               `output "x" { value = 1 }`,
	"README.md":             "hello",
	"infra/app/main.tf":     "",
	"infra/app/README.md":   "",
	"infra/db/main.tf":      "",
	"infra/db/sub/file.txt": "",
	"docs/guide.md":         "",
	"infra/net/vars.tfvars": "",
}

func TestLoadAutodetects(t *testing.T) {
	root := writeTree(t, autodetectTree)
	c, err := Load(root, []string{
		"infra/app/README.md",   // directly in a dir with .tf files
		"docs/guide.md",         // no .tf files there
		"main.tf",               // the root
		"infra/db/sub/file.txt", // not directly in infra/db
		"gone/main.tf",          // deleted along with its dir
		"infra/net/vars.tfvars", // tfvars but no .tf
		"../outside/main.tf",    // not in the repository
	})
	if err != nil {
		t.Fatal(err)
	}
	if c.FromFile {
		t.Error("FromFile is true for an autodetected config")
	}
	want := []Project{
		{Name: ".", Dir: ".", Workspace: "default", Autoplan: true, WhenModified: []string{"*.tf", "*.tfvars"}},
		{Name: "infra/app", Dir: "infra/app", Workspace: "default", Autoplan: true, WhenModified: []string{"*.tf", "*.tfvars"}},
	}
	if !reflect.DeepEqual(c.Projects, want) {
		t.Errorf("got  %+v\nwant %+v", c.Projects, want)
	}
}

func TestLoadReadsConfigFile(t *testing.T) {
	for _, name := range []string{"paved.yaml", "paved.yml"} {
		t.Run(name, func(t *testing.T) {
			root := writeTree(t, map[string]string{name: base, "infra/other/main.tf": ""})
			c, err := Load(root, []string{"infra/other/main.tf"})
			if err != nil {
				t.Fatal(err)
			}
			if !c.FromFile || !reflect.DeepEqual(c.Names(), []string{"app", "infra/db", "db-prod"}) {
				t.Errorf("got FromFile %v and projects %q, want those of the file", c.FromFile, c.Names())
			}
		})
	}
}

func TestLoadReportsProblemsByFileName(t *testing.T) {
	root := writeTree(t, map[string]string{"paved.yml": "version: 2\nprojects: []\n"})
	_, err := Load(root, nil)
	var perr *Error
	if !errors.As(err, &perr) {
		t.Fatalf("error is a %T, not an *Error: %v", err, err)
	}
	want := "paved.yml:1:10: version: unsupported version 2; the only version is 1\n" +
		"paved.yml:2:11: projects: list at least one project"
	if err.Error() != want {
		t.Errorf("got\n%s\nwant\n%s", err, want)
	}
}

func TestLoadRefusesTwoConfigFiles(t *testing.T) {
	root := writeTree(t, map[string]string{"paved.yaml": base, "paved.yml": base})
	_, err := Load(root, nil)
	if err == nil || !strings.Contains(err.Error(), "both paved.yaml and paved.yml exist") {
		t.Errorf("got %v, want an error naming both files", err)
	}
}

func TestLoadDoesNotFollowSymlinksOutOfTheRepository(t *testing.T) {
	secret := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secret, []byte("token: s3cr3t-value\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	if err := os.Symlink(secret, filepath.Join(root, "paved.yaml")); err != nil {
		t.Fatal(err)
	}
	_, err := Load(root, nil)
	if err == nil {
		t.Fatal("Load read a paved.yaml that links outside the repository")
	}
	if strings.Contains(err.Error(), "s3cr3t") || strings.Contains(err.Error(), "token") {
		t.Errorf("the error quotes the file outside the repository: %v", err)
	}
}

// selectConfig has projects in nested dirs, one sharing modules, one with autoplan off.
const selectConfig = `version: 1
projects:
  - name: app
    dir: infra/app
    autoplan:
      when_modified: ["*.tf", "../modules/**/*.tf"]
  - name: db
    dir: infra/db
  - name: db-prod
    dir: infra/db
    workspace: prod
    autoplan:
      enabled: false
  - name: root
    dir: .
`

func parseSelectConfig(t *testing.T) *Config {
	t.Helper()
	c, err := Parse("paved.yaml", []byte(selectConfig))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestTouched(t *testing.T) {
	c := parseSelectConfig(t)
	for _, tc := range []struct {
		modified []string
		want     []string
	}{
		{[]string{"infra/modules/redis/main.tf"}, []string{"app infra/app default"}},
		{[]string{"infra/modules/redis/README.md"}, []string{}},
		{[]string{"infra/db/main.tf"}, []string{"db infra/db default"}},
		{[]string{"infra/app/sub/extra.tf"}, []string{}},
		{[]string{"main.tf"}, []string{"root . default"}},
		{[]string{"README.md"}, []string{}},
		{[]string{"./infra/app//main.tf"}, []string{"app infra/app default"}},
		{[]string{"infra/db/prod.tfvars", "infra/app/main.tf", "main.tf"},
			[]string{"app infra/app default", "db infra/db default", "root . default"}},
	} {
		if got := summaries(c.Touched(tc.modified)); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Touched(%q) = %q, want %q", tc.modified, got, tc.want)
		}
	}
}

func TestSelect(t *testing.T) {
	c := parseSelectConfig(t)
	modified := []string{"infra/db/main.tf", "infra/modules/x/main.tf"}
	for _, tc := range []struct {
		name, dir, workspace string
		want                 []string
	}{
		{"app", "", "", []string{"app infra/app default"}},
		{"db-prod", "", "prod", []string{"db-prod infra/db prod"}},
		{"db-prod", "infra/db/", "", []string{"db-prod infra/db prod"}},
		{"", "infra/db", "", []string{"db infra/db default", "db-prod infra/db prod"}},
		{"", "./infra//db/", "prod", []string{"db-prod infra/db prod"}},
		{"", ".", "", []string{"root . default"}},
		{"", "", "", []string{"app infra/app default", "db infra/db default"}},
		{"", "", "prod", []string{}},
	} {
		got, err := c.Select(tc.name, tc.dir, tc.workspace, modified)
		if err != nil {
			t.Errorf("Select(%q, %q, %q): %v", tc.name, tc.dir, tc.workspace, err)
			continue
		}
		if keys := summaries(got); !reflect.DeepEqual(keys, tc.want) {
			t.Errorf("Select(%q, %q, %q) = %q, want %q", tc.name, tc.dir, tc.workspace, keys, tc.want)
		}
	}
}

func TestSelectErrors(t *testing.T) {
	c := parseSelectConfig(t)
	const known = "the projects are: app (dir infra/app, workspace default), db (dir infra/db, workspace default), " +
		"db-prod (dir infra/db, workspace prod), root (dir ., workspace default)"
	for _, tc := range []struct {
		name, dir, workspace string
		want                 string
	}{
		{"ap", "", "", `no project is named "ap" (did you mean app?); ` + known},
		{"network", "", "", `no project is named "network"; ` + known},
		{"", "services/web", "", `no project is in dir "services/web"; ` + known},
		{"", "infra/dbs", "", `no project is in dir "infra/dbs" (did you mean infra/db?); ` + known},
		{"", "infra/db", "staging", `dir "infra/db" has no project in workspace "staging"; its workspaces are default, prod`},
		{"db", "", "prod", `project "db" uses workspace "default", not "prod"`},
		{"db", "infra/app", "", `project "db" is in dir "infra/db", not "infra/app"`},
	} {
		got, err := c.Select(tc.name, tc.dir, tc.workspace, nil)
		if err == nil {
			t.Errorf("Select(%q, %q, %q) = %q, want an error", tc.name, tc.dir, tc.workspace, summaries(got))
			continue
		}
		if err.Error() != tc.want {
			t.Errorf("Select(%q, %q, %q):\n got %v\nwant %s", tc.name, tc.dir, tc.workspace, err, tc.want)
		}
	}
}

func TestSelectWithoutConfigFile(t *testing.T) {
	root := writeTree(t, autodetectTree)
	c, err := Load(root, []string{"infra/app/main.tf"})
	if err != nil {
		t.Fatal(err)
	}
	// A dir the pull request does not change can still be chosen, in any workspace.
	got, err := c.Select("", "infra/db", "staging", nil)
	if err != nil {
		t.Fatal(err)
	}
	if keys := summaries(got); !reflect.DeepEqual(keys, []string{"infra/db infra/db staging"}) {
		t.Errorf("Select by dir = %q", keys)
	}
	if _, err := c.Select("", "docs", "", nil); err == nil || err.Error() != `dir "docs" holds no .tf files` {
		t.Errorf("Select of a dir without .tf files: %v", err)
	}
	_, err = c.Select("app", "", "", nil)
	want := `no project is named "app"; there is no paved.yaml, so the projects are the changed directories with .tf files, named after them: infra/app (dir infra/app, workspace default)`
	if err == nil || err.Error() != want {
		t.Errorf("Select by unknown name:\n got %v\nwant %s", err, want)
	}
}
