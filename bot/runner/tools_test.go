package runner_test

import (
	"strings"
	"testing"

	"github.com/paved-road/paved/bot/runner"
)

func TestParseToolsAndResolve(t *testing.T) {
	tools, err := runner.ParseTools([]string{
		"terraform@1.8.5=/opt/terraform-1.8.5",
		"tofu@1.12.6=/opt/tofu-1.12.6",
		"terraform@1.9.0=/opt/terraform-1.9.0",
	})
	if err != nil {
		t.Fatal(err)
	}
	if tools.Default != "terraform@1.8.5" {
		t.Fatalf("Default = %q, want the first tool given", tools.Default)
	}

	tests := []struct {
		name, version string
		wantKey       string
		wantPath      string
		wantErr       string
	}{
		{name: "", version: "", wantKey: "terraform@1.8.5", wantPath: "/opt/terraform-1.8.5"},
		{name: "terraform", version: "", wantKey: "terraform@1.8.5", wantPath: "/opt/terraform-1.8.5"},
		{name: "terraform", version: "1.9.0", wantKey: "terraform@1.9.0", wantPath: "/opt/terraform-1.9.0"},
		{name: "", version: "1.9.0", wantKey: "terraform@1.9.0", wantPath: "/opt/terraform-1.9.0"},
		{name: "tofu", version: "", wantKey: "tofu@1.12.6", wantPath: "/opt/tofu-1.12.6"},
		{name: "tofu", version: "1.6.0", wantErr: "tofu@1.6.0 is not configured (configured: terraform@1.8.5, terraform@1.9.0, tofu@1.12.6)"},
		{name: "pulumi", version: "", wantErr: "pulumi is not configured"},
	}
	for _, tt := range tests {
		key, path, err := tools.Resolve(tt.name, tt.version)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Resolve(%q, %q) error = %v, want it to contain %q", tt.name, tt.version, err, tt.wantErr)
			}
			continue
		}
		if err != nil || key != tt.wantKey || path != tt.wantPath {
			t.Errorf("Resolve(%q, %q) = %q, %q, %v; want %q, %q", tt.name, tt.version, key, path, err, tt.wantKey, tt.wantPath)
		}
	}
}

func TestResolveAmbiguousVersion(t *testing.T) {
	tools, err := runner.ParseTools([]string{
		"terraform@1.8.5=/opt/terraform",
		"tofu@1.6.0=/opt/tofu-1.6.0",
		"tofu@1.12.6=/opt/tofu-1.12.6",
	})
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = tools.Resolve("tofu", "")
	if err == nil || !strings.Contains(err.Error(), "tofu has several versions configured (tofu@1.12.6, tofu@1.6.0)") {
		t.Fatalf("Resolve(tofu) error = %v, want it to name both versions", err)
	}
}

func TestResolveWithoutTools(t *testing.T) {
	_, _, err := runner.Tools{}.Resolve("", "")
	if err == nil || !strings.Contains(err.Error(), "configured: none") {
		t.Fatalf("Resolve on no tools: error = %v", err)
	}
}

func TestParseToolsRejects(t *testing.T) {
	for _, spec := range []string{
		"terraform=/opt/terraform",
		"terraform@=/opt/terraform",
		"terraform@1.8.5",
		"terragrunt@0.50.0=/opt/terragrunt",
		"terraform@1.8.5=bin/terraform",
	} {
		if _, err := runner.ParseTools([]string{spec}); err == nil {
			t.Errorf("ParseTools(%q) succeeded, want an error", spec)
		}
	}
	if _, err := runner.ParseTools([]string{"tofu@1.12.6=/a", "tofu@1.12.6=/b"}); err == nil {
		t.Error("ParseTools accepted the same tool twice")
	}
}
