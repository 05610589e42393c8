package runner_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paved-road/paved/bot/runner"
)

// tree makes files under dir: a value starting with "->" makes a symlink to the rest.
func tree(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		var err error
		if target, ok := strings.CutPrefix(content, "->"); ok {
			err = os.Symlink(target, path)
		} else {
			err = os.WriteFile(path, []byte(content), 0o644)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

func TestCheckPaths(t *testing.T) {
	parent := t.TempDir()
	root := filepath.Join(parent, "wc")
	// A sibling of the working copy, as another pull request's working copy is.
	tree(t, filepath.Join(parent, "sibling"), map[string]string{
		"secret.tfvars": `token = "other pr"`,
		"mod/main.tf":   `output "x" { value = 1 }`,
	})
	tree(t, root, map[string]string{
		"app/main.tf": `
module "net" {
  source = "../modules/net"
}
module "registry" {
  source  = "acme/net/aws"
  version = "1.0.0"
}
`,
		"app/prod.tfvars":               `x = 1`,
		"app/shared.tfvars":             "->../shared/common.tfvars",
		"shared/common.tfvars":          `y = 2`,
		"modules/net/main.tf":           "module \"sub\" {\n  source = \"./sub\"\n}\n",
		"modules/net/sub/main.tf":       "module \"loop\" {\n  source = \"./again\"\n}\n",
		"modules/net/sub/again":         "->.",
		"modules/net/sub/.hidden.tf":    "->/etc/passwd",
		"app/passwd.tfvars":             "->/etc/passwd",
		"app/sibling.tfvars":            "->../../sibling/secret.tfvars",
		"linked/main.tf":                `output "y" { value = 2 }`,
		"app-link":                      "->app",
		"escape":                        "->../sibling",
		"bad-module/main.tf":            "module \"m\" {\n  source = \"../../sibling/mod\"\n}\n",
		"bad-link-module/main.tf":       "module \"m\" {\n  source = \"../escape/mod\"\n}\n",
		"bad-nested/main.tf":            "module \"m\" {\n  source = \"./inner\"\n}\n",
		"bad-nested/inner/main.tf":      "module \"deeper\" {\n  source = \"..\\\\..\\\\..\\\\sibling\\\\mod\"\n}\n",
		"bad-json/main.tf.json":         `{"module": {"m": {"source": "../escape/mod"}}}`,
		"bad-config-link/main.tf":       "->/etc/passwd",
		"broken/main.tf":                "module \"m\" {\n  source = \"./ok\"\n}\nresource \"x\" {",
		"broken/ok/main.tf":             `output "z" { value = 3 }`,
		"app/.terraform/modules/x/m.tf": "module \"m\" {\n  source = \"../../../../../sibling/mod\"\n}\n",
	})

	ok := []struct {
		dir      string
		varFiles []string
	}{
		{"app", []string{"prod.tfvars", "shared.tfvars", filepath.Join(root, "app", "prod.tfvars")}},
		{"app-link", []string{"prod.tfvars"}},
		{"broken", nil},
	}
	for _, tc := range ok {
		if err := runner.CheckPaths(root, filepath.Join(root, tc.dir), tc.varFiles); err != nil {
			t.Errorf("CheckPaths(%s, %q): %v", tc.dir, tc.varFiles, err)
		}
	}

	refused := []struct {
		dir      string
		varFiles []string
		want     string
	}{
		{"app", []string{"passwd.tfvars"}, "var file passwd.tfvars"},
		{"app", []string{"sibling.tfvars"}, "var file sibling.tfvars"},
		{"app", []string{"../../sibling/secret.tfvars"}, "var file ../../sibling/secret.tfvars"},
		{"app", []string{"/etc/passwd"}, "var file /etc/passwd"},
		{"app", []string{"missing.tfvars"}, "var file missing.tfvars"},
		{"escape", nil, "project dir escape"},
		{"../sibling", nil, "project dir"},
		{"app/main.tf", nil, "not a directory"},
		{"bad-module", nil, `module "m" in bad-module/main.tf: source "../../sibling/mod"`},
		{"bad-link-module", nil, `module "m" in bad-link-module/main.tf: source "../escape/mod"`},
		{"bad-nested", nil, `module "deeper" in bad-nested/inner/main.tf: source "..\\..\\..\\sibling\\mod"`},
		{"bad-json", nil, `module "m" in bad-json/main.tf.json`},
		{"bad-config-link", nil, "configuration file bad-config-link/main.tf"},
	}
	for _, tc := range refused {
		err := runner.CheckPaths(root, filepath.Join(root, tc.dir), tc.varFiles)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("CheckPaths(%s, %q) = %v, want an error containing %q", tc.dir, tc.varFiles, err, tc.want)
		}
	}
}
