package provider

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// TestLoadStandardsFileProblems: a standards file that cannot be read is
// reported as such, at its absolute path, with where it was named.
func TestLoadStandardsFileProblems(t *testing.T) {
	t.Chdir(t.TempDir())
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	fromConfig := func(file string) providerModel {
		return providerModel{StandardsFile: types.StringValue(file), Standards: types.StringNull()}
	}
	cases := []struct {
		name, env string
		cfg       providerModel
		summary   string
		detail    string
	}{
		{"missing, relative", "", fromConfig("./standard.yaml"), "Standards file not found",
			`standards_file = "./standard.yaml" in the provider configuration names ` + filepath.Join(dir, "standard.yaml") + ", which does not exist."},
		{"missing, from the environment", "standard.yaml", fromConfig(""), "Standards file not found",
			`PAVED_STANDARDS_FILE = "standard.yaml" in the environment names ` + filepath.Join(dir, "standard.yaml") + ", which does not exist."},
		{"a directory", "", fromConfig("."), "Standards file unreadable",
			`standards_file = "." in the provider configuration names ` + dir + ", which cannot be read: is a directory"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("PAVED_STANDARDS_FILE", tc.env)
			_, diags := loadStandards(tc.cfg)
			if len(diags) != 1 || diags[0].Summary() != tc.summary || diags[0].Detail() != tc.detail {
				t.Fatalf("diagnostics %v, want %s: %s", diags, tc.summary, tc.detail)
			}
			if at := diags[0].(diag.DiagnosticWithPath).Path(); !at.Equal(path.Root("standards_file")) {
				t.Errorf("error at %s, want standards_file", at)
			}
		})
	}
}
