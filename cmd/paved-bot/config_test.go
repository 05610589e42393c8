package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/paved-road/paved/internal/loopback"
	"github.com/paved-road/paved/internal/redisserver"
)

// serveErr runs `paved-bot serve` with args and returns what it printed; it
// must refuse to start.
func serveErr(t *testing.T, args ...string) string {
	t.Helper()
	var stderr bytes.Buffer
	if code := run(context.Background(), append([]string{"serve"}, args...), io.Discard, &stderr); code != 2 {
		t.Fatalf("serve %v: exit %d, want 2; output:\n%s", args, code, stderr.String())
	}
	return stderr.String()
}

func TestServeRefusesBadConfiguration(t *testing.T) {
	for _, k := range []string{"PAVED_WEBHOOK_SECRET", "PAVED_GITHUB_TOKEN", "PAVED_REPO_ALLOWLIST", "PAVED_TERRAFORM", "PAVED_TOFU"} {
		t.Setenv(k, "")
		_ = os.Unsetenv(k)
	}
	tf := "--terraform=1.8.5=/usr/local/bin/terraform"
	good := []string{"--repo-allowlist", "github.com/acme/*", "--github-token", "t", tf, "--data-dir", t.TempDir()}
	cases := map[string]struct {
		args []string
		want []string
	}{
		"no webhook secret":   {good, []string{"--webhook-secret (PAVED_WEBHOOK_SECRET): required"}},
		"no allowlist":        {[]string{"--webhook-secret", "s", "--github-token", "t", tf}, []string{"--repo-allowlist", "required"}},
		"bad glob":            {append([]string{"--webhook-secret", "s", "--repo-allowlist", "github.com/[acme"}, good[2:]...), []string{"bad glob", "[acme"}},
		"no credentials":      {[]string{"--webhook-secret", "s", "--repo-allowlist", "github.com/acme/*", tf}, []string{"--github-token", "--github-app-id"}},
		"token and app":       {append([]string{"--webhook-secret", "s", "--github-app-id", "7"}, good...), []string{"not both"}},
		"missing app key":     {[]string{"--webhook-secret", "s", "--repo-allowlist", "x/*", "--github-app-id", "7", "--github-app-key-file", "/nonexistent.pem", tf}, []string{"--github-app-key-file", "nonexistent.pem"}},
		"no terraform":        {[]string{"--webhook-secret", "s", "--repo-allowlist", "x/*", "--github-token", "t"}, []string{"at least one --terraform or --tofu"}},
		"bad tool spec":       {append([]string{"--webhook-secret", "s", "--terraform", "latest"}, good...), []string{"--terraform", "latest"}},
		"unknown default":     {append([]string{"--webhook-secret", "s", "--default-tool", "tofu@9.9.9"}, good...), []string{"--default-tool", "tofu@9.9.9"}},
		"bad port":            {append([]string{"--webhook-secret", "s", "--port", "70000"}, good...), []string{"--port", "70000"}},
		"bad parallelism":     {append([]string{"--webhook-secret", "s", "--parallelism", "0"}, good...), []string{"--parallelism", "want 1 to 64"}},
		"GOGC off":            {append([]string{"--webhook-secret", "s", "--terraform-gogc", "-1"}, good...), []string{"--terraform-gogc (PAVED_TERRAFORM_GOGC): -1: want 25 to 1000"}},
		"GOGC too high":       {append([]string{"--webhook-secret", "s", "--terraform-gogc", "5000"}, good...), []string{"--terraform-gogc", "5000: want 25 to 1000"}},
		"GOGC not a number":   {append([]string{"--webhook-secret", "s", "--terraform-gogc", "lots"}, good...), []string{"-terraform-gogc", "lots"}},
		"unknown flag":        {[]string{"--webhok-secret", "s"}, []string{"flag provided but not defined: -webhok-secret"}},
		"bad github api url":  {append([]string{"--webhook-secret", "s", "--github-api-url", "ftp://x"}, good...), []string{"ftp://x"}},
		"positional argument": {append([]string{"--webhook-secret", "s", "now"}, good...), []string{"no arguments"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			out := serveErr(t, tc.args...)
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Fatalf("want %q in:\n%s", w, out)
				}
			}
		})
	}
}

func TestConfigPrecedence(t *testing.T) {
	file := filepath.Join(t.TempDir(), "server.yaml")
	if err := os.WriteFile(file, []byte("port: 9000\nparallelism: 3\nlog-level: debug\nrepo-allowlist:\n  - github.com/acme/*\n  - github.com/ops/*\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PAVED_PARALLELISM", "5")
	t.Setenv("PAVED_LOG_LEVEL", "warn")
	var c serveConfig
	fs := serveFlags(&c, io.Discard)
	if err := fs.Parse([]string{"--config", file, "--log-level", "error"}); err != nil {
		t.Fatal(err)
	}
	if _, err := resolve(fs, c.configFile); err != nil {
		t.Fatal(err)
	}
	// File < environment < command line.
	if c.port != 9000 || c.parallelism != 5 || c.logLevel != "error" {
		t.Fatalf("port %d parallelism %d log-level %s", c.port, c.parallelism, c.logLevel)
	}
	if got := c.allowlist.String(); got != "github.com/acme/*,github.com/ops/*" {
		t.Fatalf("allowlist from a YAML list: %s", got)
	}
}

func TestConfigFileErrorsNameTheLine(t *testing.T) {
	file := filepath.Join(t.TempDir(), "server.yaml")
	if err := os.WriteFile(file, []byte("port: 9000\nwebhok-secret: x\nparallelism: lots\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var c serveConfig
	fs := serveFlags(&c, io.Discard)
	_ = fs.Parse(nil)
	_, err := resolve(fs, file)
	if err == nil {
		t.Fatal("want an error")
	}
	for _, w := range []string{file + ":2: unknown key \"webhok-secret\"", "webhook-secret"} {
		if !strings.Contains(err.Error(), w) {
			t.Fatalf("want %q in %v", w, err)
		}
	}
	fs = serveFlags(&serveConfig{}, io.Discard)
	_ = fs.Parse(nil)
	if err := os.WriteFile(file, []byte("port: 9000\nparallelism: lots\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := resolve(fs, file); err == nil || !strings.Contains(err.Error(), file+":2: parallelism") {
		t.Fatalf("want the line of a bad value, got %v", err)
	}
}

func TestExampleServerConfigReads(t *testing.T) {
	var c serveConfig
	fs := serveFlags(&c, io.Discard)
	_ = fs.Parse(nil)
	rules, err := resolve(fs, filepath.Join("..", "..", "examples", "bot", "server.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	infra := rules.repos.For("github.com/acme/infra")
	if len(rules.repos.Rules) != 2 || infra.Teams[0] != "sre" || len(c.sandboxBinds) != 1 {
		t.Fatalf("rules %+v, sandbox binds %v", rules, c.sandboxBinds)
	}
	if set, ok := rules.policies.Set("production-safety"); !ok || infra.PolicySets[0] != "production-safety" || set.Owners()[0] != "acme/platform-security" ||
		infra.DriftSpec != "0 6 * * 1-5" || c.policyTimeout != 10*time.Second {
		t.Fatalf("policy sets, drift schedule or policy timeout not read: %+v, %+v", rules.policies, infra)
	}
	if c.workers != 8 || c.terraformGOGC != 400 || c.lease != 30*time.Second || c.auditKeep != 365*24*time.Hour || c.metricsBind != "127.0.0.1:9100" ||
		c.web.clientID == "" || c.web.url != "https://paved-bot.acme.example" {
		t.Fatalf("replica, audit, metrics or page keys not read: %+v", c)
	}
}

func TestConfigFileRepoRulesNameTheLine(t *testing.T) {
	file := filepath.Join(t.TempDir(), "server.yaml")
	if err := os.WriteFile(file, []byte("port: 9000\nrepos:\n  - match: github.com/acme/*\n    apply_requirements: [aproved]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	fs := serveFlags(&serveConfig{}, io.Discard)
	_ = fs.Parse(nil)
	_, err := resolve(fs, file)
	if err == nil || !strings.Contains(err.Error(), file+":4:26: repos[0].apply_requirements[0]: unknown requirement \"aproved\"") {
		t.Fatalf("want the line of a bad rule, got %v", err)
	}
}

func TestServeHelpExitsZero(t *testing.T) {
	for _, args := range [][]string{{"serve", "--help"}, {"serve", "-h"}, {"history", "--help"}, {"--help"}, {"help"}} {
		if code := run(context.Background(), args, io.Discard, io.Discard); code != 0 {
			t.Errorf("paved-bot %s exited %d", strings.Join(args, " "), code)
		}
	}
}

func TestServeWithoutSandboxRefusesToStart(t *testing.T) {
	t.Setenv("PATH", t.TempDir()) // no bwrap on it
	var stderr strings.Builder
	code := run(context.Background(), []string{"serve", "--data-dir", t.TempDir(), "--webhook-secret", "s", "--github-token", "t",
		"--repo-allowlist", "github.com/acme/*", "--terraform", "1.8.5=/bin/true", "--port", "1"}, io.Discard, &stderr)
	if code == 0 || !strings.Contains(stderr.String(), "--unsafe-no-sandbox") {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
}

func TestServeWithUnreachableRedisRefusesToStart(t *testing.T) {
	var stderr strings.Builder
	code := run(context.Background(), []string{"serve", "--data-dir", t.TempDir(), "--webhook-secret", "s", "--github-token", "t",
		"--repo-allowlist", "github.com/acme/*", "--terraform", "1.8.5=/bin/true", "--unsafe-no-sandbox",
		"--store", "redis://:hunter2@127.0.0.1:1/0"}, io.Discard, &stderr)
	if code == 0 || !strings.Contains(stderr.String(), "--store (PAVED_STORE)") || !strings.Contains(stderr.String(), "127.0.0.1:1") {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if strings.Contains(stderr.String(), "hunter2") {
		t.Fatalf("the Redis password was printed: %s", stderr.String())
	}
	stderr.Reset()
	code = run(context.Background(), []string{"serve", "--data-dir", t.TempDir(), "--webhook-secret", "s", "--github-token", "t",
		"--repo-allowlist", "github.com/acme/*", "--terraform", "1.8.5=/bin/true", "--unsafe-no-sandbox", "--store", "postgres://x"}, io.Discard, &stderr)
	if code == 0 || !strings.Contains(stderr.String(), "--store (PAVED_STORE): want redis://") {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
}

// TestServeRefusesAWrongRedisPasswordAndANewerStore: serve stops at start,
// naming the URL (password masked) and what is wrong.
func TestServeRefusesAWrongRedisPasswordAndANewerStore(t *testing.T) {
	refused := func(storeURL string) string {
		var stderr strings.Builder
		code := run(context.Background(), []string{"serve", "--data-dir", t.TempDir(), "--webhook-secret", "s", "--github-token", "t",
			"--repo-allowlist", "github.com/acme/*", "--terraform", "1.8.5=/bin/true", "--unsafe-no-sandbox", "--store", storeURL}, io.Discard, &stderr)
		if code == 0 {
			t.Fatalf("serve started on %s", storeURL)
		}
		return stderr.String()
	}
	locked := redisserver.Start(t, "--requirepass", "right-password")
	wrong := strings.Replace(locked.URL(), "redis://", "redis://:wrong-password@", 1)
	if got := refused(wrong); !strings.Contains(got, "refused the credentials") || !strings.Contains(got, "xxxxx@127.0.0.1") || strings.Contains(got, "wrong-password") {
		t.Errorf("wrong password: %s", got)
	}
	newer := redisserver.Start(t)
	c := goredis.NewClient(&goredis.Options{Addr: strings.TrimSuffix(strings.TrimPrefix(newer.URL(), "redis://"), "/0")})
	defer func() { _ = c.Close() }()
	if err := c.Set(context.Background(), "paved:version", "99", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if got := refused(newer.URL()); !strings.Contains(got, "format version 99, written by a newer paved-bot") || !strings.Contains(got, "knows version 2") {
		t.Errorf("newer store: %s", got)
	}
}

// TestServeRefusesBadPoliciesAndSchedules checks that paved-bot serve does
// not start on a policy set that does not compile, a rule naming a set
// that does not exist, or a drift schedule that is not cron, and says
// where each is.
func TestServeRefusesBadPoliciesAndSchedules(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "broken"), 0o755); err != nil {
		t.Fatal(err)
	}
	broken := filepath.Join(dir, "broken", "policy.rego")
	if err := os.WriteFile(broken, []byte("package main\n\nimport rego.v1\n\ndeny contains msg if {\n\tmsg := sprintf(\"%s\", [input.x]\n}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, config string
		want         []string
	}{
		{"a Rego file that does not compile", "policy_sets:\n  - name: broken\n    paths: [broken]\n    owners: [carol]\n", []string{`policy set "broken" (line 2 of the server config): broken/policy.rego:7:1: unexpected } token`}},
		{"an undefined set", "repos:\n  - match: github.com/acme/*\n    policy_sets: [nowhere]\n", []string{":3:18: repos[0].policy_sets: policy set \"nowhere\" is not defined under policy_sets"}},
		{"a malformed cron expression", "repos:\n  - match: github.com/acme/*\n    drift_schedule: \"0 25 * * *\"\n", []string{":3:21: repos[0].drift_schedule: \"0 25 * * *\" is not a cron schedule"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file := filepath.Join(dir, "server.yaml")
			if err := os.WriteFile(file, []byte(tc.config), 0o600); err != nil {
				t.Fatal(err)
			}
			var stderr strings.Builder
			args := []string{"serve", "--config", file, "--webhook-secret", "s", "--github-token", "t", "--repo-allowlist", "github.com/acme/*", "--data-dir", t.TempDir()}
			if code := run(context.Background(), args, io.Discard, &stderr); code == 0 {
				t.Fatal("paved-bot serve started")
			}
			for _, w := range tc.want {
				if !strings.Contains(stderr.String(), w) {
					t.Fatalf("want %q in:\n%s", w, stderr.String())
				}
			}
		})
	}
}

// TestServeRunsThePavedSandboxBesideIt: the built paved-bot finds the paved-sandbox a release
// puts beside it and says so at start, and refuses to start beside one that is not a launcher of
// its own (another release's, or another program), naming it.
func TestServeRunsThePavedSandboxBesideIt(t *testing.T) {
	if _, err := exec.LookPath("bwrap"); err != nil && os.Getenv("TF_ACC") == "" {
		t.Skip("bwrap is not installed")
	}
	bin := buildBot(t)
	port, err := loopback.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	args := []string{"serve", "--data-dir", t.TempDir(), "--webhook-secret", "s", "--github-token", "t",
		"--repo-allowlist", "github.com/acme/*", "--terraform", "1.8.5=/bin/true", "--bind", "127.0.0.1", "--port", strconv.Itoa(port)}

	cmd := exec.Command(bin, args...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	lines := bufio.NewScanner(stderr)
	var seen []string
	for lines.Scan() {
		seen = append(seen, lines.Text())
		if strings.Contains(lines.Text(), "terraform runs sandboxed") {
			break
		}
	}
	if want := "launcher=" + filepath.Join(filepath.Dir(bin), "paved-sandbox"); len(seen) == 0 || !strings.Contains(seen[len(seen)-1], want) {
		t.Fatalf("paved-bot beside paved-sandbox did not say %q at start:\n%s", want, strings.Join(seen, "\n"))
	}

	for name, launcher := range map[string]string{
		"another program":  "#!/bin/sh\necho '{\"terraform_version\":\"1.8.5\"}'\n",
		"a broken program": "#!/bin/sh\nexit 1\n",
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			copied := filepath.Join(dir, "paved-bot")
			b, err := os.ReadFile(bin)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(copied, b, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "paved-sandbox"), []byte(launcher), 0o755); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command(copied, args...).CombinedOutput()
			want := filepath.Join(dir, "paved-sandbox") + " is not a sandbox launcher of this paved-bot"
			if err == nil || !strings.Contains(string(out), want) {
				t.Fatalf("paved-bot beside %s: %v, want it to refuse to start saying %q:\n%s", name, err, want, out)
			}
		})
	}
}
