package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"
)

// TestAccSchemaFromCLI installs the built provider the way a user would,
// from a filesystem mirror, and reads `providers schema -json` back through
// the real CLI: every block and attribute a user sees must be described.
func TestAccSchemaFromCLI(t *testing.T) {
	cli := os.Getenv("TF_ACC_TERRAFORM_PATH")
	if os.Getenv("TF_ACC") == "" || cli == "" {
		t.Skip("acceptance test: set TF_ACC=1 and TF_ACC_TERRAFORM_PATH (make test does)")
	}
	host := "registry.terraform.io"
	if h := os.Getenv("TF_ACC_PROVIDER_HOST"); h != "" {
		host = h
	}
	dir := t.TempDir()
	plugin := filepath.Join(dir, "mirror", host, "paved-road", "paved", "0.1.0", runtime.GOOS+"_"+runtime.GOARCH)
	if err := os.MkdirAll(plugin, 0o755); err != nil {
		t.Fatal(err)
	}
	build := exec.Command("go", "build", "-o", filepath.Join(plugin, "terraform-provider-paved_v0.1.0"), ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	cliConfig := filepath.Join(dir, "cli.tfrc")
	write(t, cliConfig, fmt.Sprintf("provider_installation {\n  filesystem_mirror {\n    path = %q\n  }\n}\n", filepath.Join(dir, "mirror")))
	work := filepath.Join(dir, "work")
	write(t, filepath.Join(work, "main.tf"), `terraform {
  required_providers {
    paved = { source = "paved-road/paved" }
  }
}
`)
	run := func(args ...string) []byte {
		cmd := exec.Command(cli, args...)
		cmd.Dir = work
		cmd.Env = append(os.Environ(), "TF_CLI_CONFIG_FILE="+cliConfig, "CHECKPOINT_DISABLE=1")
		out, err := cmd.Output()
		if err != nil {
			var stderr string
			if ee, ok := err.(*exec.ExitError); ok { //nolint:errorlint // Output returns *exec.ExitError unwrapped
				stderr = string(ee.Stderr)
			}
			t.Fatalf("%s %v: %v\n%s%s", cli, args, err, out, stderr)
		}
		return out
	}
	run("init", "-input=false", "-no-color")
	var schema struct {
		ProviderSchemas map[string]struct {
			Provider          schemaEntry            `json:"provider"`
			ResourceSchemas   map[string]schemaEntry `json:"resource_schemas"`
			DataSourceSchemas map[string]schemaEntry `json:"data_source_schemas"`
		} `json:"provider_schemas"`
	}
	if err := json.Unmarshal(run("providers", "schema", "-json"), &schema); err != nil {
		t.Fatal(err)
	}
	p, ok := schema.ProviderSchemas[host+"/paved-road/paved"]
	if !ok {
		t.Fatalf("no schema for paved-road/paved in %v", keys(schema.ProviderSchemas))
	}
	var undescribed []string
	p.Provider.Block.undescribed("provider", &undescribed)
	for _, want := range []string{"paved_access_role", "paved_redis", "paved_eks_cluster_pair", "paved_alb_target_binding"} {
		r, ok := p.ResourceSchemas[want]
		if !ok {
			t.Errorf("resource %s missing; have %v", want, keys(p.ResourceSchemas))
			continue
		}
		r.Block.undescribed(want, &undescribed)
	}
	for _, want := range []string{"paved_standards", "paved_account", "paved_redis"} {
		d, ok := p.DataSourceSchemas[want]
		if !ok {
			t.Errorf("data source %s missing; have %v", want, keys(p.DataSourceSchemas))
			continue
		}
		d.Block.undescribed("data."+want, &undescribed)
	}
	for _, attr := range []string{"standards_file", "standards", "region", "default_tags", "endpoints", "assume_role"} {
		if _, ok := p.Provider.Block.Attributes[attr]; !ok {
			t.Errorf("provider attribute %s missing", attr)
		}
	}
	if len(undescribed) > 0 {
		t.Errorf("attributes without a description: %s", strings.Join(undescribed, ", "))
	}
}

type schemaEntry struct {
	Block schemaBlock `json:"block"`
}

type schemaBlock struct {
	Description string `json:"description"`
	Attributes  map[string]struct {
		Description string          `json:"description"`
		NestedType  *schemaNested   `json:"nested_type"`
		Type        json.RawMessage `json:"type"`
	} `json:"attributes"`
	BlockTypes map[string]struct {
		Block schemaBlock `json:"block"`
	} `json:"block_types"`
}

type schemaNested struct {
	Attributes map[string]struct {
		Description string        `json:"description"`
		NestedType  *schemaNested `json:"nested_type"`
	} `json:"attributes"`
}

func (b schemaBlock) undescribed(prefix string, out *[]string) {
	if b.Description == "" {
		*out = append(*out, prefix)
	}
	for name, a := range b.Attributes {
		if a.Description == "" {
			*out = append(*out, prefix+"."+name)
		}
		a.NestedType.undescribed(prefix+"."+name, out)
	}
	for name, bt := range b.BlockTypes {
		bt.Block.undescribed(prefix+"."+name, out)
	}
	sort.Strings(*out)
}

func (n *schemaNested) undescribed(prefix string, out *[]string) {
	if n == nil {
		return
	}
	for name, a := range n.Attributes {
		if a.Description == "" {
			*out = append(*out, prefix+"."+name)
		}
		a.NestedType.undescribed(prefix+"."+name, out)
	}
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
