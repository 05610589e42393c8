package runner

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/dirhash"
)

// TestLinksOnly: an init is foreseen to only link when every provider of the lock file is cached
// for this platform with one of its h1: checksums, and in no other case.
func TestLinksOnly(t *testing.T) {
	cache, wcDir := t.TempDir(), t.TempDir()
	platform := runtime.GOOS + "_" + runtime.GOARCH
	var err error
	pkg := filepath.Join(cache, "registry.terraform.io", "hashicorp", "null", "3.2.2", platform)
	if err := os.MkdirAll(pkg, 0o755); err != nil {
		t.Fatal(err)
	}
	// As the runner keeps its sums: by the resolved dir.
	if pkg, err = filepath.EvalSymlinks(pkg); err != nil {
		t.Fatal(err)
	}
	binary := filepath.Join(pkg, "terraform-provider-null_v3.2.2_x5")
	if err := os.WriteFile(binary, []byte("provider"), 0o755); err != nil {
		t.Fatal(err)
	}
	h1, err := dirhash.HashDir(pkg, "", dirhash.Hash1)
	if err != nil {
		t.Fatal(err)
	}
	lock := func(source, version string, hashes ...string) string {
		s := fmt.Sprintf("provider %q {\n  version     = %q\n  constraints = \">= 3.0.0\"\n  hashes = [\n", source, version)
		for _, h := range hashes {
			s += fmt.Sprintf("    %q,\n", h)
		}
		return s + "  ]\n}\n"
	}
	null := lock("registry.terraform.io/hashicorp/null", "3.2.2", "zh:0123", h1)
	wc, err := os.OpenRoot(wcDir)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = wc.Close() }()
	r := &Runner{PluginCache: cache}
	check := func(name, lockFile string, want bool) {
		t.Helper()
		path := filepath.Join(wcDir, ".terraform.lock.hcl")
		if err := os.Remove(path); err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		if lockFile != "" {
			if err := os.WriteFile(path, []byte(lockFile), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if got := r.linksOnly(wc, "."); got != want {
			t.Errorf("%s: linksOnly = %v, want %v", name, got, want)
		}
	}

	check("cached with its h1", null, true)
	check("no providers", "# nothing\n", true)
	check("no lock file", "", false)
	check("only zh:", lock("registry.terraform.io/hashicorp/null", "3.2.2", "zh:0123"), false)
	check("another h1", lock("registry.terraform.io/hashicorp/null", "3.2.2", "h1:AAAA"), false)
	check("another version", lock("registry.terraform.io/hashicorp/null", "3.2.1", h1), false)
	check("one of two cached", null+lock("registry.terraform.io/hashicorp/random", "3.6.0", h1), false)
	check("short address", lock("hashicorp/null", "3.2.2", h1), false)
	check("address out of the cache", lock("registry.terraform.io/../null", "3.2.2", h1), false)
	check("version out of the cache", lock("registry.terraform.io/hashicorp/null", "../../../null/3.2.2", h1), false)
	check("unparsable", "provider {", false)
	check("unknown attribute", `provider "registry.terraform.io/hashicorp/null" {
  version = "3.2.2"
  hashes  = [`+fmt.Sprintf("%q", h1)+`]
  extra   = 1
}
`, false)

	// The entry is hashed once, and again when a file in it changes.
	r.hashes[pkg] = packageSum{stamp: r.hashes[pkg].stamp, sum: "h1:remembered"}
	if got, err := r.packageHash(pkg); err != nil || got != "h1:remembered" {
		t.Fatalf("packageHash of an unchanged entry = %q, %v; want the remembered sum", got, err)
	}
	if err := os.WriteFile(binary, []byte("replaced"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(binary, time.Time{}, time.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	check("cached, then changed", null, false)

	if err := os.Remove(binary); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/etc/hostname", binary); err != nil {
		t.Fatal(err)
	}
	if _, err := r.packageHash(pkg); err == nil {
		t.Error("packageHash followed a symlink inside a package")
	}
}
