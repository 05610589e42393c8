package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// providerVersion is the version the provider is built and mirrored as.
const providerVersion = "0.1.0"

// hubEnv is the environment every terraform run gets: the caller's, minus
// anything that would change what is measured (logging, CLI arguments,
// other AWS profiles or endpoints), plus hub-account credentials as in
// scripts/demo.sh and the CLI configuration with the local mirror.
func hubEnv(cliConfig, scratch string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch {
		case strings.HasPrefix(k, "TF_"), strings.HasPrefix(k, "AWS_"), k == "CHECKPOINT_DISABLE":
			continue
		}
		env = append(env, kv)
	}
	return append(env,
		"TF_CLI_CONFIG_FILE="+cliConfig,
		"TF_IN_AUTOMATION=1",
		"CHECKPOINT_DISABLE=1",
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_ACCESS_KEY_ID=AKIABENCHHUBUSER0001",
		"AWS_SECRET_ACCESS_KEY=bench",
		"AWS_REGION=us-east-1",
		"AWS_CONFIG_FILE="+filepath.Join(scratch, "no-aws-config"),
		"AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(scratch, "no-aws-credentials"),
	)
}

// installProvider builds the provider into a filesystem mirror and writes a
// CLI configuration that installs only from it, so nothing is downloaded.
// It builds from the working tree, or with rev from that git revision
// (exported into the scratch directory). It returns the configuration's path.
func installProvider(ctx context.Context, root, rev, scratch string) (string, error) {
	src := root
	if rev != "" {
		src = filepath.Join(scratch, "src")
		if err := os.MkdirAll(src, 0o755); err != nil {
			return "", err
		}
		archive := exec.CommandContext(ctx, "sh", "-c", `git -C "$1" archive "$2" | tar -x -C "$3"`, "sh", root, rev, src)
		if out, err := archive.CombinedOutput(); err != nil {
			return "", fmt.Errorf("exporting %s: %w\n%s", rev, err, out)
		}
	}
	mirror := filepath.Join(scratch, "mirror")
	bin := filepath.Join(mirror, "registry.terraform.io", "paved-road", "paved", providerVersion,
		runtime.GOOS+"_"+runtime.GOARCH, "terraform-provider-paved_v"+providerVersion)
	build := exec.CommandContext(ctx, "go", "build", "-ldflags", "-X main.version="+providerVersion,
		"-o", bin, "./cmd/terraform-provider-paved")
	build.Dir = src
	if out, err := build.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building the provider: %w\n%s", err, out)
	}
	cfg := filepath.Join(scratch, "cli.tfrc")
	text := fmt.Sprintf("provider_installation {\n  filesystem_mirror {\n    path = %q\n  }\n}\n", mirror)
	return cfg, os.WriteFile(cfg, []byte(text), 0o600)
}

// terraform runs one CLI binary in one working directory.
type terraform struct {
	bin string
	dir string
	env []string
	log string // each command's output is appended here
}

// run is one finished command.
type run struct {
	wall     time.Duration
	exitCode int
	cpu      time.Duration // terraform's, plus the provider processes it waited for
	output   []byte
	sample   providerSample // zero unless sampled
}

// exec runs terraform with args, bounded by ctx and limit. With
// sampleEvery > 0 it samples the provider processes terraform starts.
func (t terraform) exec(ctx context.Context, limit, sampleEvery time.Duration, args ...string) (run, error) {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, t.bin, args...)
	cmd.Dir, cmd.Env = t.dir, t.env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	// Own process group, so a timeout also ends the provider processes.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 10 * time.Second

	start := time.Now()
	if err := cmd.Start(); err != nil {
		return run{}, fmt.Errorf("starting %s: %w", t.bin, err)
	}
	var s *sampler
	if sampleEvery > 0 {
		s = startSampler(ctx, cmd.Process.Pid, sampleEvery)
	}
	err := cmd.Wait()
	r := run{wall: time.Since(start), output: out.Bytes()}
	if ps := cmd.ProcessState; ps != nil {
		r.exitCode, r.cpu = ps.ExitCode(), ps.UserTime()+ps.SystemTime()
	}
	if s != nil {
		r.sample = s.finish()
	}
	if f, ferr := os.OpenFile(t.log, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600); ferr == nil {
		_, _ = fmt.Fprintf(f, "\n$ terraform %s  (%s, exit %d)\n%s", strings.Join(args, " "), r.wall, r.exitCode, r.output)
		f.Close()
	}
	if ctx.Err() != nil {
		return r, fmt.Errorf("terraform %s: stopped after %s: %w", args[0], limit, ctx.Err())
	}
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		return r, fmt.Errorf("terraform %s: %w", args[0], err)
	}
	return r, nil
}

// must runs a command that has to succeed.
func (t terraform) must(ctx context.Context, limit time.Duration, args ...string) (run, error) {
	r, err := t.exec(ctx, limit, 0, args...)
	if err == nil && r.exitCode != 0 {
		err = fmt.Errorf("terraform %s exited %d:\n%s", args[0], r.exitCode, tail(r.output, 40))
	}
	return r, err
}

// plan runs a plan that must find no changes: every resource is refreshed
// and its configuration matches, which -detailed-exitcode reports as 0.
func (t terraform) plan(ctx context.Context, limit, sampleEvery time.Duration) (run, error) {
	r, err := t.exec(ctx, limit, sampleEvery, "plan", "-input=false", "-no-color", "-detailed-exitcode")
	switch {
	case err != nil:
		return r, err
	case r.exitCode == 2:
		return r, fmt.Errorf("plan in %s found changes after apply; it must find none:\n%s", t.dir, tail(r.output, 60))
	case r.exitCode != 0 || !bytes.Contains(r.output, []byte("No changes.")):
		return r, fmt.Errorf("plan in %s exited %d:\n%s", t.dir, r.exitCode, tail(r.output, 40))
	}
	return r, nil
}

// version returns the CLI's version, as `terraform version -json` reports it.
func (t terraform) version(ctx context.Context) (string, error) {
	r, err := t.must(ctx, time.Minute, "version", "-json")
	if err != nil {
		return "", err
	}
	var v struct {
		Version string `json:"terraform_version"`
	}
	if err := json.Unmarshal(r.output, &v); err != nil {
		return "", fmt.Errorf("terraform version -json: %w", err)
	}
	return v.Version, nil
}

// tail returns the last n lines of out.
func tail(out []byte, n int) string {
	lines := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// redisConfig is N company-standard Valkeys in dev, as in
// examples/quickstart, with every AWS endpoint pointed at url (the counting
// proxy).
func redisConfig(n int, url string) string {
	return fmt.Sprintf(`terraform {
  required_providers {
    paved = { source = "paved-road/paved" }
  }
}

provider "paved" {
  standards_file = "${path.module}/standards.yaml"
  default_tags   = { cost-center = "platform" }
  endpoints = {
    sts = %[2]q, iam = %[2]q, ec2 = %[2]q, elasticache = %[2]q, eks = %[2]q, elbv2 = %[2]q
  }
}

resource "paved_redis" "bench" {
  count          = %[1]d
  environment    = "dev"
  name           = format("bench-%%04d", count.index)
  team           = "payments"
  service        = "bench"
  engine         = "valkey"
  engine_version = "8.0"
  parameters     = { timeout = "300" }
}
`, n, url)
}

// floorConfig is N terraform_data resources: Terraform's own cost of
// planning a resource, with no provider process and no API behind it.
func floorConfig(n int) string {
	return fmt.Sprintf(`resource "terraform_data" "floor" {
  count = %d
  input = count.index
}
`, n)
}

// unreadAfterCreate matches a paved_redis whose create succeeded but whose
// read after create failed: it exists in the emulator, not in the state.
var unreadAfterCreate = regexp.MustCompile(`(?m)^Error: Reading Redis after create\s+with (paved_redis\.bench\[(\d+)\]),`)

// applyAll applies the configuration with -parallelism, and returns the
// time taken over all attempts. Under many concurrent creates the emulator
// sometimes answers a call with HTTP 500 (motoext iterates moto's
// dictionaries while other threads add to them), so a failed apply is tried
// again, up to three times in all: resources that were created but could
// not be read are imported (with import blocks), the rest are created again.
func applyAll(ctx context.Context, tf terraform, o options) (time.Duration, int, error) {
	var total time.Duration
	const attempts = 3
	for attempt := 1; ; attempt++ {
		r, err := tf.exec(ctx, o.commandLimit, 0, "apply", "-input=false", "-no-color", "-auto-approve",
			fmt.Sprintf("-parallelism=%d", o.parallelism))
		total += r.wall
		if err != nil {
			return total, attempt, err
		}
		imports := filepath.Join(tf.dir, "imports.tf")
		if r.exitCode == 0 {
			return total, attempt, os.RemoveAll(imports) // the later plans need no import blocks
		}
		if attempt == attempts {
			return total, attempt, fmt.Errorf("terraform apply failed %d times; the last time:\n%s", attempts, tail(r.output, 40))
		}
		var blocks strings.Builder
		for _, m := range unreadAfterCreate.FindAllStringSubmatch(string(r.output), -1) {
			i, _ := strconv.Atoi(m[2])
			fmt.Fprintf(&blocks, "import {\n  to = %s\n  id = \"dev/bench-%04d\"\n}\n\n", m[1], i)
		}
		if err := os.WriteFile(imports, []byte(blocks.String()), 0o600); err != nil {
			return total, attempt, err
		}
		prog.Progress("apply attempt %d failed (%d errors, %d created but unread, to import); trying again",
			attempt, strings.Count(string(r.output), "\nError: "), strings.Count(blocks.String(), "import {"))
	}
}
