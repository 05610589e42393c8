package runner

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const baseConfig = `
terraform {
  required_version = ">= 1.6"
  required_providers {
    aws = { source = "hashicorp/aws", version = "~> 5.0" }
  }
  backend "s3" {
    bucket = "state"
  }
}

provider "aws" {
  region = "eu-west-1"
}

module "net" {
  source  = "acme/net/aws"
  version = "1.0.0"
  cidr    = "10.0.0.0/16"
}

resource "aws_s3_bucket" "logs" {
  bucket = "logs"
}
`

func fingerprintOf(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	fp, err := initFingerprint(openRoot(t, dir), ".", "terraform@1.8.5")
	if err != nil {
		t.Fatal(err)
	}
	return fp
}

func openRoot(t *testing.T, dir string) *os.Root {
	t.Helper()
	r, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Close() })
	return r
}

func TestInitFingerprint(t *testing.T) {
	base := fingerprintOf(t, map[string]string{"main.tf": baseConfig})
	edit := func(old, replacement string) map[string]string {
		if !strings.Contains(baseConfig, old) {
			t.Fatalf("base config lacks %q", old)
		}
		return map[string]string{"main.tf": strings.Replace(baseConfig, old, replacement, 1)}
	}

	needsInit := map[string]map[string]string{
		"provider version":  edit(`"~> 5.0"`, `"~> 6.0"`),
		"backend setting":   edit(`bucket = "state"`, `bucket = "state-2"`),
		"module version":    edit(`"1.0.0"`, `"1.1.0"`),
		"module source":     edit(`"acme/net/aws"`, `"acme/network/aws"`),
		"module renamed":    edit(`module "net"`, `module "network"`),
		"new provider used": edit(`resource "aws_s3_bucket"`, `resource "random_id"`),
		"module added":      {"main.tf": baseConfig, "more.tf": `module "dns" { source = "./dns" }`},
		"lock file":         {"main.tf": baseConfig, ".terraform.lock.hcl": `provider "x" {}`},
		"cloud block":       {"main.tf": baseConfig, "cloud.tf": "terraform {\n  cloud { organization = \"acme\" }\n}\n"},
	}
	for name, files := range needsInit {
		if fingerprintOf(t, files) == base {
			t.Errorf("%s: fingerprint unchanged, so init would be skipped", name)
		}
	}

	noInit := map[string]map[string]string{
		"resource argument":    edit(`bucket = "logs"`, `bucket = "logs-2"`),
		"module input":         edit(`"10.0.0.0/16"`, `"10.1.0.0/16"`),
		"provider argument":    edit(`"eu-west-1"`, `"us-east-1"`),
		"required_version":     edit(`">= 1.6"`, `">= 1.7"`),
		"another resource":     {"main.tf": baseConfig, "more.tf": `resource "aws_s3_bucket" "more" {}`},
		"a non-terraform file": {"main.tf": baseConfig, "README.md": "docs"},
	}
	for name, files := range noInit {
		if fingerprintOf(t, files) != base {
			t.Errorf("%s: fingerprint changed, so init would run for nothing", name)
		}
	}

	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(baseConfig), 0o644); err != nil {
		t.Fatal(err)
	}
	if fp, err := initFingerprint(openRoot(t, dir), ".", "tofu@1.12.6"); err != nil || fp == base {
		t.Errorf("switching to tofu: fingerprint %s, %v; want a different one", fp, err)
	}
}

func TestInitFingerprintRejectsBrokenConfiguration(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(`resource "x" {`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := initFingerprint(openRoot(t, dir), ".", "terraform@1.8.5"); err == nil {
		t.Fatal("an unparsable configuration got a fingerprint")
	}
}

// TestInitFingerprintStaysInside: a configuration file or lock file symlinked out of the working
// copy is not read; one symlinked to elsewhere in it is.
func TestInitFingerprintStaysInside(t *testing.T) {
	outside := filepath.Join(t.TempDir(), "outside.tf")
	if err := os.WriteFile(outside, []byte(baseConfig), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"main.tf", ".terraform.lock.hcl"} {
		wc := t.TempDir()
		if err := os.Mkdir(filepath.Join(wc, "app"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(outside, filepath.Join(wc, "app", name)); err != nil {
			t.Fatal(err)
		}
		if _, err := initFingerprint(openRoot(t, wc), "app", "terraform@1.8.5"); err == nil {
			t.Errorf("%s symlinked outside the working copy: got a fingerprint", name)
		}
	}

	wc := t.TempDir()
	for _, dir := range []string{"app", "shared"} {
		if err := os.Mkdir(filepath.Join(wc, dir), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(wc, "shared", "main.tf"), []byte(baseConfig), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../shared/main.tf", filepath.Join(wc, "app", "main.tf")); err != nil {
		t.Fatal(err)
	}
	if fp, err := initFingerprint(openRoot(t, wc), "app", "terraform@1.8.5"); err != nil || fp != fingerprintOf(t, map[string]string{"main.tf": baseConfig}) {
		t.Errorf("main.tf symlinked to elsewhere in the working copy: fingerprint %s, %v; want the file's", fp, err)
	}
}

func TestTailErrorKeepsTheEnd(t *testing.T) {
	var lines []string
	for i := 1; i <= 80; i++ {
		lines = append(lines, fmt.Sprintf("line %d", i))
	}
	cause := errors.New(strings.Join(lines, "\n"))
	err := fmt.Errorf("terraform plan in app/ (workspace default): %w", tailError{cause})
	msg := err.Error()
	if strings.Contains(msg, "line 30\n") || !strings.Contains(msg, "line 31\n") || !strings.HasSuffix(msg, "line 80") {
		t.Fatalf("message does not keep exactly the last %d lines:\n%s", tailLines, msg)
	}
	if !errors.Is(err, cause) {
		t.Fatal("the error no longer unwraps to terraform's")
	}
}
