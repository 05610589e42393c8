// Package modules holds the Terraform modules built on the paved provider,
// one directory each. It has no Go code of its own: its test runs every
// module's tests (tests/*.tftest.hcl) with the real CLI, against the AWS
// emulator, with the provider installed the way a user installs it.
package modules

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/elasticache"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/paved-road/paved/internal/emulator"
	"github.com/paved-road/paved/provider/standards"
)

// providerVersion is the version the provider is installed under in the
// filesystem mirror; modules ask for source "paved-road/paved" without a
// version constraint, so any version is found.
const providerVersion = "0.1.0"

// Hub-account credentials. The emulator puts any key that is not an
// assumed-role key (ASIA...) in the hub account.
const (
	hubAccessKey = "AKIAMODULETESTHUB001"
	hubSecretKey = "module-test-secret"
	hubRegion    = "us-east-1"
)

// TestAccModules runs `init` and `test` of each module with a tests/ folder,
// then checks with the ElastiCache API, in every environment account of the
// module's test standards, that the test removed everything it created.
// Each module's examples are checked with `init` and `validate`.
func TestAccModules(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: set TF_ACC=1 and TF_ACC_TERRAFORM_PATH (make test does)")
	}
	cli := os.Getenv("TF_ACC_TERRAFORM_PATH")
	if cli == "" {
		t.Fatal("TF_ACC is set but TF_ACC_TERRAFORM_PATH is not: set it to the terraform or tofu binary to test the modules with")
	}
	modules := modulesWithTests(t)
	if len(modules) == 0 {
		t.Fatal("no module under modules/ has a tests/ folder")
	}

	dir := t.TempDir()
	cliConfig := installProvider(t, dir)
	server, err := emulator.Start(t.Context(), filepath.Join(dir, "moto.log"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(server.Stop)
	env := cliEnv(dir, cliConfig)

	for _, module := range modules {
		t.Run(module, func(t *testing.T) {
			t.Cleanup(func() {
				if t.Failed() {
					t.Logf("emulator log (end):\n%s", tail(filepath.Join(dir, "moto.log"), 4000))
				}
			})
			work := filepath.Join(t.TempDir(), module)
			copyModule(t, module, work)
			standardsFile := filepath.Join(work, "tests", "standards.yaml")
			if _, err := os.Stat(standardsFile); err != nil {
				t.Fatalf("module %s has no tests/standards.yaml for its tests: %v", module, err)
			}

			runCLI(t, cli, work, env, "init", "-input=false", "-no-color")
			runCLI(t, cli, work, env, "test", "-no-color",
				"-var", "standards_file="+standardsFile,
				"-var", "endpoint="+server.URL)
			nothingLeft(t, server.URL, standardsFile)

			examples, _ := filepath.Glob(filepath.Join(work, "examples", "*", "*.tf"))
			seen := map[string]bool{}
			for _, file := range examples {
				example := filepath.Dir(file)
				if seen[example] {
					continue
				}
				seen[example] = true
				t.Run("examples/"+filepath.Base(example), func(t *testing.T) {
					runCLI(t, cli, example, env, "init", "-input=false", "-no-color", "-backend=false")
					runCLI(t, cli, example, env, "validate", "-no-color")
				})
			}
		})
	}
}

// modulesWithTests lists the module directories, relative to this package,
// that have a tests/ folder.
func modulesWithTests(t *testing.T) []string {
	t.Helper()
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		if info, err := os.Stat(filepath.Join(e.Name(), "tests")); err == nil && info.IsDir() {
			out = append(out, e.Name())
		}
	}
	return out
}

// installProvider builds the provider into a filesystem mirror under dir,
// laid out as the CLI expects it for the registry host it uses (Terraform's
// or OpenTofu's), and writes a CLI configuration that installs providers
// from that mirror only. It returns the configuration's path.
func installProvider(t *testing.T, dir string) string {
	t.Helper()
	host := "registry.terraform.io"
	if h := os.Getenv("TF_ACC_PROVIDER_HOST"); h != "" {
		host = h
	}
	mirror := filepath.Join(dir, "mirror")
	plugin := filepath.Join(mirror, host, "paved-road", "paved", providerVersion, runtime.GOOS+"_"+runtime.GOARCH)
	if err := os.MkdirAll(plugin, 0o755); err != nil {
		t.Fatal(err)
	}
	build := exec.CommandContext(t.Context(), "go", "build",
		"-ldflags", "-X main.version="+providerVersion,
		"-o", filepath.Join(plugin, "terraform-provider-paved_v"+providerVersion),
		"github.com/paved-road/paved/cmd/terraform-provider-paved")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	cliConfig := filepath.Join(dir, "cli.tfrc")
	config := fmt.Sprintf("provider_installation {\n  filesystem_mirror {\n    path = %q\n  }\n}\n", mirror)
	if err := os.WriteFile(cliConfig, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	return cliConfig
}

// cliEnv is the CLI's environment: the test's own, without any AWS or CLI
// settings of the person running it, plus hub-account credentials and the
// CLI configuration that installs the provider from the mirror.
func cliEnv(dir, cliConfig string) []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "AWS_") || strings.HasPrefix(name, "TF_CLI_") || strings.HasPrefix(name, "TF_VAR_") ||
			name == "TF_DATA_DIR" || name == "TF_WORKSPACE" || name == "CHECKPOINT_DISABLE" {
			continue
		}
		env = append(env, kv)
	}
	none := filepath.Join(dir, "no-such-file")
	return append(env,
		"AWS_ACCESS_KEY_ID="+hubAccessKey,
		"AWS_SECRET_ACCESS_KEY="+hubSecretKey,
		"AWS_REGION="+hubRegion,
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_CONFIG_FILE="+none,
		"AWS_SHARED_CREDENTIALS_FILE="+none,
		"CHECKPOINT_DISABLE=1",
		"TF_IN_AUTOMATION=1",
		"TF_CLI_CONFIG_FILE="+cliConfig,
	)
}

// runCLI runs the CLI in dir and fails the test with its output if it fails.
// The CLI is interrupted, so that it can clean up, shortly before the test's
// deadline.
func runCLI(t *testing.T, cli, dir string, env []string, args ...string) {
	t.Helper()
	ctx := t.Context()
	if deadline, ok := t.Deadline(); ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, deadline.Add(-time.Minute))
		defer cancel()
	}
	cmd := exec.CommandContext(ctx, cli, args...)
	cmd.Dir, cmd.Env = dir, env
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 30 * time.Second
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s in %s: %v\n%s", filepath.Base(cli), strings.Join(args, " "), dir, err, out)
	}
	t.Logf("%s %s: ok", filepath.Base(cli), args[0])
}

// copyModule copies a module to dst, leaving out what init and earlier runs
// leave behind, so the test starts from what is checked in.
func copyModule(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if name == ".terraform" || name == ".terraform.lock.hcl" || strings.Contains(name, ".tfstate") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o600)
	})
	if err != nil {
		t.Fatalf("copying module %s: %v", src, err)
	}
}

// nothingLeft checks, in the account and region of every environment of the
// standards file, that no replication group, and no parameter or subnet
// group other than the built-in defaults, is left.
func nothingLeft(t *testing.T, endpoint, standardsFile string) {
	t.Helper()
	doc, err := standards.Load(standardsFile)
	if err != nil {
		t.Fatal(err)
	}
	for name, env := range doc.Environments {
		client := inspector(t, endpoint, env.AccountID, env.Region)
		left, err := cacheParts(t.Context(), client)
		if err != nil {
			t.Fatalf("environment %s (%s): %v", name, env.AccountID, err)
		}
		if len(left) > 0 {
			t.Errorf("environment %s (account %s, %s) still holds %s after the module test",
				name, env.AccountID, env.Region, strings.Join(left, ", "))
		}
	}
}

// inspector returns an ElastiCache client in an environment account, reached
// by assuming a role there from the hub without the provider's code, and
// checks with GetCallerIdentity that it landed in that account.
func inspector(t *testing.T, endpoint, account, region string) *elasticache.Client {
	t.Helper()
	hub := aws.Config{
		Region:      hubRegion,
		Credentials: credentials.NewStaticCredentialsProvider(hubAccessKey, hubSecretKey, ""),
	}
	viaEmulator := func(o *sts.Options) { o.BaseEndpoint = aws.String(endpoint) }
	cfg := hub.Copy()
	cfg.Region = region
	roleARN := fmt.Sprintf("arn:aws:iam::%s:role/module-test-inspector", account)
	cfg.Credentials = aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(sts.NewFromConfig(hub, viaEmulator), roleARN))
	id, err := sts.NewFromConfig(cfg, viaEmulator).GetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if got := aws.ToString(id.Account); got != account {
		t.Fatalf("inspector landed in account %s, want %s", got, account)
	}
	return elasticache.NewFromConfig(cfg, func(o *elasticache.Options) { o.BaseEndpoint = aws.String(endpoint) })
}

// cacheParts lists the replication groups, parameter groups and subnet
// groups in the client's account and region, leaving out ElastiCache's own
// default groups.
func cacheParts(ctx context.Context, client *elasticache.Client) ([]string, error) {
	var parts []string
	groups := elasticache.NewDescribeReplicationGroupsPaginator(client, &elasticache.DescribeReplicationGroupsInput{})
	for groups.HasMorePages() {
		page, err := groups.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("DescribeReplicationGroups: %w", err)
		}
		for _, g := range page.ReplicationGroups {
			parts = append(parts, "replication group "+aws.ToString(g.ReplicationGroupId))
		}
	}
	params := elasticache.NewDescribeCacheParameterGroupsPaginator(client, &elasticache.DescribeCacheParameterGroupsInput{})
	for params.HasMorePages() {
		page, err := params.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("DescribeCacheParameterGroups: %w", err)
		}
		for _, g := range page.CacheParameterGroups {
			if name := aws.ToString(g.CacheParameterGroupName); !strings.HasPrefix(name, "default.") {
				parts = append(parts, "parameter group "+name)
			}
		}
	}
	subnets := elasticache.NewDescribeCacheSubnetGroupsPaginator(client, &elasticache.DescribeCacheSubnetGroupsInput{})
	for subnets.HasMorePages() {
		page, err := subnets.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("DescribeCacheSubnetGroups: %w", err)
		}
		for _, g := range page.CacheSubnetGroups {
			if name := aws.ToString(g.CacheSubnetGroupName); name != "default" {
				parts = append(parts, "subnet group "+name)
			}
		}
	}
	return parts, nil
}

// tail returns up to the last n bytes of a file, or why it cannot.
func tail(path string, n int) string {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "(no log)"
	}
	if err != nil {
		return err.Error()
	}
	if len(data) > n {
		data = data[len(data)-n:]
	}
	return string(data)
}
