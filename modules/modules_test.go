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
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	"github.com/aws/aws-sdk-go-v2/service/elasticache"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"go.yaml.in/yaml/v3"

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
// then checks with the AWS APIs, in every environment account of the
// module's test standards, that the test removed everything it created.
// A module with a tests/listener/ folder has those tests run too, on a load
// balancer listener the test creates in the dev environment's account.
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

			names := testNames(t, filepath.Join(work, "tests"))

			runCLI(t, cli, work, env, "init", "-input=false", "-no-color")
			runCLI(t, cli, work, env, "test", "-no-color",
				"-var", "standards_file="+standardsFile,
				"-var", "endpoint="+server.URL)
			nothingLeft(t, server.URL, standardsFile, names, "")
			if limit, ok := nameLimits[module]; ok {
				checkNameLimit(t, cli, work, env, standardsFile, limit)
			}

			if info, err := os.Stat(filepath.Join(work, "tests", "listener")); err == nil && info.IsDir() {
				f := newListenerFixture(t, server.URL, standardsFile, module)
				runCLI(t, cli, work, env, "init", "-input=false", "-no-color", "-test-directory=tests/listener")
				runCLI(t, cli, work, env, "test", "-no-color", "-test-directory=tests/listener",
					"-var", "standards_file="+f.standardsFile,
					"-var", "endpoint="+server.URL,
					"-var", "listener_arn="+f.listenerARN)
				nothingLeft(t, server.URL, standardsFile, names, f.listenerARN)
			}

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
func runCLI(t *testing.T, cli, dir string, env []string, args ...string) {
	t.Helper()
	if out, err := cliOutput(t, cli, dir, env, args...); err != nil {
		t.Fatalf("%s %s in %s: %v\n%s", filepath.Base(cli), strings.Join(args, " "), dir, err, out)
	}
	t.Logf("%s %s: ok", filepath.Base(cli), args[0])
}

// cliOutput runs the CLI in dir and returns its output. The CLI is
// interrupted, so that it can clean up, shortly before the test's deadline.
func cliOutput(t *testing.T, cli, dir string, env []string, args ...string) (string, error) {
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
	return string(out), err
}

// nameLimit is the longest name a module's validation accepts, and the
// other inputs a plan of the module needs.
type nameLimit struct {
	max  int
	vars []string
}

// nameLimits are the modules' limits on name: the replication group id's
// 40 characters, and 26 so that <name>-green fits a target group name.
var nameLimits = map[string]nameLimit{
	"redis": {40, []string{"environment=dev", "team=payments", "service=orders"}},
	"eks-blue-green": {26, []string{
		"environment=dev", "team=payments", "service=storefront", "live=blue", "priority=100",
		"listener_arn=arn:aws:elasticloadbalancing:eu-west-1:222222222222:listener/app/edge/50dc6c495c0c9188/f2f7dc8efc522ab2",
		`kubernetes_service={ namespace = "shop", port = 8080 }`,
	}},
}

// checkNameLimit plans the module as a root module with a name of hyphens
// and letters one character over its limit (the tests' plans show that the
// limit itself passes), and expects the module's validation to refuse it
// with the length and the limit.
func checkNameLimit(t *testing.T, cli, dir string, env []string, standardsFile string, limit nameLimit) {
	t.Helper()
	name := strings.Repeat("a-", limit.max)[:limit.max] + "z"
	args := []string{"plan", "-input=false", "-no-color", "-var", "name=" + name}
	for _, v := range limit.vars {
		args = append(args, "-var", v)
	}
	// The module has no provider block; the provider finds the standards
	// in the environment. Nothing reaches AWS: the validation stops the plan.
	env = append(slices.Clone(env), "PAVED_STANDARDS_FILE="+standardsFile)
	out, err := cliOutput(t, cli, dir, env, args...)
	flat := strings.Join(strings.Fields(out), " ") // as the CLI wraps it
	want := fmt.Sprintf("name has %d characters, at most %d fit", limit.max+1, limit.max)
	if err == nil || !strings.Contains(flat, want) || !strings.Contains(flat, fmt.Sprintf("var.name is %q", name)) {
		t.Fatalf("%s plan with a name of %d characters: %v, want the validation of var.name to say %q:\n%s",
			filepath.Base(cli), len(name), err, want, out)
	}
	t.Logf("%s plan with a name of %d characters: refused", filepath.Base(cli), len(name))
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
// group other than the built-in defaults, no EKS cluster, no IAM role named
// after one of names and tagged managed-by=paved, and no target group is
// left; and, when listenerARN is set, that the listener has no rule besides
// its default one.
func nothingLeft(t *testing.T, endpoint, standardsFile string, names []string, listenerARN string) {
	t.Helper()
	doc, err := standards.Load(standardsFile)
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	for name, env := range doc.Environments {
		cfg := accountConfig(t, endpoint, env.AccountID, env.Region)
		c := clients(cfg, endpoint)
		var left []string
		for _, list := range []func() ([]string, error){
			func() ([]string, error) { return cacheParts(ctx, c.cache) },
			func() ([]string, error) { return clusters(ctx, c.eks) },
			func() ([]string, error) { return pavedRoles(ctx, c.iam, names) },
			func() ([]string, error) { return targetGroups(ctx, c.elbv2) },
			func() ([]string, error) {
				if listenerARN == "" || !strings.Contains(listenerARN, ":"+env.Region+":"+env.AccountID+":") {
					return nil, nil
				}
				return listenerRules(ctx, c.elbv2, listenerARN)
			},
		} {
			parts, err := list()
			if err != nil {
				t.Fatalf("environment %s (%s): %v", name, env.AccountID, err)
			}
			left = append(left, parts...)
		}
		if len(left) > 0 {
			t.Errorf("environment %s (account %s, %s) still holds %s after the module test",
				name, env.AccountID, env.Region, strings.Join(left, ", "))
		}
	}
}

// testNameLine is a `name = "..."` line of a test file.
var testNameLine = regexp.MustCompile(`(?m)^\s*name\s*=\s*"([^"]+)"`)

// testNames lists the names the test files under dir give their module
// (their `name = "..."` lines), which the module names what it creates after.
func testNames(t *testing.T, dir string) []string {
	t.Helper()
	var names []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".tftest.hcl") {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range testNameLine.FindAllStringSubmatch(string(data), -1) {
			if !slices.Contains(names, m[1]) {
				names = append(names, m[1])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return names
}

// accountConfig returns the configuration of an environment account, reached
// by assuming a role there from the hub without the provider's code, and
// checks with GetCallerIdentity that it landed in that account.
func accountConfig(t *testing.T, endpoint, account, region string) aws.Config {
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
		t.Fatalf("assumed role landed in account %s, want %s", got, account)
	}
	return cfg
}

// accountClients are the API clients of one account and region, on the
// emulator.
type accountClients struct {
	cache *elasticache.Client
	ec2   *ec2.Client
	eks   *eks.Client
	elbv2 *elasticloadbalancingv2.Client
	iam   *iam.Client
}

func clients(cfg aws.Config, endpoint string) accountClients {
	url := aws.String(endpoint)
	return accountClients{
		cache: elasticache.NewFromConfig(cfg, func(o *elasticache.Options) { o.BaseEndpoint = url }),
		ec2:   ec2.NewFromConfig(cfg, func(o *ec2.Options) { o.BaseEndpoint = url }),
		eks:   eks.NewFromConfig(cfg, func(o *eks.Options) { o.BaseEndpoint = url }),
		elbv2: elasticloadbalancingv2.NewFromConfig(cfg, func(o *elasticloadbalancingv2.Options) { o.BaseEndpoint = url }),
		iam:   iam.NewFromConfig(cfg, func(o *iam.Options) { o.BaseEndpoint = url }),
	}
}

// listenerFixture is an internet-facing application load balancer with an
// HTTP listener, in a VPC of its own in the dev environment's account, and a
// copy of the test standards whose dev environment is that VPC.
type listenerFixture struct {
	listenerARN   string
	standardsFile string
}

// newListenerFixture creates the fixture, and removes it (best effort) when
// the test ends.
func newListenerFixture(t *testing.T, endpoint, standardsFile, name string) listenerFixture {
	t.Helper()
	doc, err := standards.Load(standardsFile)
	if err != nil {
		t.Fatal(err)
	}
	dev, ok := doc.Environments["dev"]
	if !ok {
		t.Fatalf("%s has no dev environment for the listener tests", standardsFile)
	}
	c := clients(accountConfig(t, endpoint, dev.AccountID, dev.Region), endpoint)
	ctx := t.Context()
	var undo []func(context.Context) error
	t.Cleanup(func() {
		for i := len(undo) - 1; i >= 0; i-- {
			if err := undo[i](context.Background()); err != nil {
				t.Logf("removing the listener fixture: %v", err)
			}
		}
	})

	vpc, err := c.ec2.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.20.0.0/16")})
	if err != nil {
		t.Fatal(err)
	}
	vpcID := vpc.Vpc.VpcId
	undo = append(undo, func(ctx context.Context) error {
		_, err := c.ec2.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: vpcID})
		return err
	})
	var subnets []string
	for i, zone := range []string{"a", "b"} {
		s, err := c.ec2.CreateSubnet(ctx, &ec2.CreateSubnetInput{
			VpcId: vpcID, AvailabilityZone: aws.String(dev.Region + zone), CidrBlock: aws.String(fmt.Sprintf("10.20.%d.0/24", i)),
		})
		if err != nil {
			t.Fatal(err)
		}
		id := s.Subnet.SubnetId
		subnets = append(subnets, aws.ToString(id))
		undo = append(undo, func(ctx context.Context) error {
			_, err := c.ec2.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: id})
			return err
		})
	}
	sg, err := c.ec2.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{
		GroupName: aws.String(name + "-alb"), Description: aws.String("module test load balancer"), VpcId: vpcID,
	})
	if err != nil {
		t.Fatal(err)
	}
	undo = append(undo, func(ctx context.Context) error {
		_, err := c.ec2.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: sg.GroupId})
		return err
	})

	lb, err := c.elbv2.CreateLoadBalancer(ctx, &elasticloadbalancingv2.CreateLoadBalancerInput{
		Name: aws.String(name), Subnets: subnets, SecurityGroups: []string{aws.ToString(sg.GroupId)},
		Scheme: elbtypes.LoadBalancerSchemeEnumInternetFacing, Type: elbtypes.LoadBalancerTypeEnumApplication,
	})
	if err != nil {
		t.Fatal(err)
	}
	lbARN := lb.LoadBalancers[0].LoadBalancerArn
	undo = append(undo, func(ctx context.Context) error {
		_, err := c.elbv2.DeleteLoadBalancer(ctx, &elasticloadbalancingv2.DeleteLoadBalancerInput{LoadBalancerArn: lbARN})
		return err
	})
	listener, err := c.elbv2.CreateListener(ctx, &elasticloadbalancingv2.CreateListenerInput{
		LoadBalancerArn: lbARN, Protocol: elbtypes.ProtocolEnumHttp, Port: aws.Int32(80),
		DefaultActions: []elbtypes.Action{{
			Type: elbtypes.ActionTypeEnumFixedResponse, FixedResponseConfig: &elbtypes.FixedResponseActionConfig{StatusCode: aws.String("404")},
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	listenerARN := listener.Listeners[0].ListenerArn
	undo = append(undo, func(ctx context.Context) error {
		_, err := c.elbv2.DeleteListener(ctx, &elasticloadbalancingv2.DeleteListenerInput{ListenerArn: listenerARN})
		return err
	})

	copyFile := filepath.Join(t.TempDir(), "standards.yaml")
	data, err := os.ReadFile(standardsFile)
	if err != nil {
		t.Fatal(err)
	}
	data, err = withDevNetwork(data, aws.ToString(vpcID), subnets, aws.ToString(sg.GroupId))
	if err != nil {
		t.Fatalf("%s: %v", standardsFile, err)
	}
	if err := os.WriteFile(copyFile, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return listenerFixture{listenerARN: aws.ToString(listenerARN), standardsFile: copyFile}
}

// withDevNetwork returns the standards document with the dev environment's
// vpc_id, subnet_ids and security_group_ids replaced, and the rest kept.
func withDevNetwork(doc []byte, vpcID string, subnetIDs []string, securityGroupID string) ([]byte, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(doc, &root); err != nil {
		return nil, err
	}
	if root.Kind != yaml.DocumentNode || len(root.Content) != 1 {
		return nil, errors.New("not one YAML document")
	}
	dev := mapValue(mapValue(root.Content[0], "environments"), "dev")
	vpc, subnets, groups := mapValue(dev, "vpc_id"), mapValue(dev, "subnet_ids"), mapValue(dev, "security_group_ids")
	if vpc == nil || vpc.Kind != yaml.ScalarNode || subnets == nil || subnets.Kind != yaml.SequenceNode || groups == nil || groups.Kind != yaml.SequenceNode {
		return nil, errors.New("environments.dev has no vpc_id, subnet_ids and security_group_ids to replace")
	}
	vpc.Value = vpcID
	scalars := func(values ...string) []*yaml.Node {
		var nodes []*yaml.Node
		for _, v := range values {
			nodes = append(nodes, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v})
		}
		return nodes
	}
	subnets.Content = scalars(subnetIDs...)
	groups.Content = scalars(securityGroupID)
	return yaml.Marshal(&root)
}

// mapValue is the value of key in a YAML mapping node, or nil.
func mapValue(node *yaml.Node, key string) *yaml.Node {
	if node == nil || node.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(node.Content); i += 2 {
		if node.Content[i].Value == key {
			return node.Content[i+1]
		}
	}
	return nil
}

// clusters lists the EKS clusters in the client's account and region.
func clusters(ctx context.Context, client *eks.Client) ([]string, error) {
	var parts []string
	pages := eks.NewListClustersPaginator(client, &eks.ListClustersInput{})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("ListClusters: %w", err)
		}
		for _, name := range page.Clusters {
			parts = append(parts, "EKS cluster "+name)
		}
	}
	return parts, nil
}

// pavedRoles lists the IAM roles of the client's account whose names start
// with one of names and that carry the tag managed-by=paved.
func pavedRoles(ctx context.Context, client *iam.Client, names []string) ([]string, error) {
	var parts []string
	pages := iam.NewListRolesPaginator(client, &iam.ListRolesInput{})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("ListRoles: %w", err)
		}
		for _, role := range page.Roles {
			name := aws.ToString(role.RoleName)
			if !slices.ContainsFunc(names, func(prefix string) bool { return strings.HasPrefix(name, prefix) }) {
				continue
			}
			tags, err := client.ListRoleTags(ctx, &iam.ListRoleTagsInput{RoleName: role.RoleName})
			if err != nil {
				return nil, fmt.Errorf("ListRoleTags %s: %w", name, err)
			}
			for _, tag := range tags.Tags {
				if aws.ToString(tag.Key) == "managed-by" && aws.ToString(tag.Value) == "paved" {
					parts = append(parts, "IAM role "+name)
					break
				}
			}
		}
	}
	return parts, nil
}

// targetGroups lists the target groups in the client's account and region.
func targetGroups(ctx context.Context, client *elasticloadbalancingv2.Client) ([]string, error) {
	var parts []string
	pages := elasticloadbalancingv2.NewDescribeTargetGroupsPaginator(client, &elasticloadbalancingv2.DescribeTargetGroupsInput{})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("DescribeTargetGroups: %w", err)
		}
		for _, g := range page.TargetGroups {
			parts = append(parts, "target group "+aws.ToString(g.TargetGroupName))
		}
	}
	return parts, nil
}

// listenerRules lists the rules of a listener other than its default one.
func listenerRules(ctx context.Context, client *elasticloadbalancingv2.Client, listenerARN string) ([]string, error) {
	var parts []string
	input := &elasticloadbalancingv2.DescribeRulesInput{ListenerArn: aws.String(listenerARN)}
	for {
		page, err := client.DescribeRules(ctx, input)
		if err != nil {
			return nil, fmt.Errorf("DescribeRules: %w", err)
		}
		for _, r := range page.Rules {
			if !aws.ToBool(r.IsDefault) {
				parts = append(parts, "listener rule "+aws.ToString(r.RuleArn)+" (priority "+aws.ToString(r.Priority)+")")
			}
		}
		if aws.ToString(page.NextMarker) == "" {
			return parts, nil
		}
		input.Marker = page.NextMarker
	}
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
