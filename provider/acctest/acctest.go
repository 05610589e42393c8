// Package acctest is what the provider's acceptance tests share: one AWS
// emulator per test package, the test organization's accounts and
// standards, provider blocks pointed at the emulator, clients that inspect
// an account independently of the provider, and sweepers that prove the
// tests left nothing behind.
package acctest

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"

	"github.com/paved-road/paved/internal/emulator"
	"github.com/paved-road/paved/provider"
	"github.com/paved-road/paved/provider/pages"
)

// Accounts of the test organization. The hub is where moto puts plain
// credentials; the environments are reached only by AssumeRole.
const (
	HubAccount   = emulator.HubAccountID
	DevAccount   = "222222222222"
	ProdAccount  = "333333333333"
	OtherAccount = "444444444444"
)

var (
	emulatorServer *emulator.Server
	// standardsFile is the standards document every acceptance test's
	// provider block points at.
	standardsFile string
)

// ProviderFactories serve the provider in process to terraform-plugin-testing.
var ProviderFactories = map[string]func() (tfprotov6.ProviderServer, error){
	"paved": func() (tfprotov6.ProviderServer, error) { return provider.NewProtocol6Server("test")(), nil },
}

// Main is a test package's TestMain: when acceptance tests run, it starts
// one emulator for the package, gives the tests hub credentials (from the
// normal AWS chain, here the environment) and a standards file, and after
// them runs the package's sweepers, which must find the emulator empty.
func Main(m *testing.M) {
	if os.Getenv("TF_ACC") == "" {
		os.Exit(m.Run())
	}
	os.Exit(emulator.Main(&emulatorServer, func() int { return runAcceptance(m) }))
}

// runAcceptance gives the tests hub credentials and a standards file.
func runAcceptance(m *testing.M) int {
	dir, err := os.MkdirTemp("", "paved-acc-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer func() { _ = os.RemoveAll(dir) }()
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID":           "AKIAHUBTESTKEY000001",
		"AWS_SECRET_ACCESS_KEY":       "hub-secret",
		"AWS_REGION":                  "us-east-1",
		"AWS_EC2_METADATA_DISABLED":   "true",
		"AWS_CONFIG_FILE":             filepath.Join(dir, "none"),
		"AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "none"),
	} {
		if err := os.Setenv(k, v); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	for _, k := range []string{"AWS_PROFILE", "AWS_SESSION_TOKEN"} {
		if err := os.Unsetenv(k); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	standardsFile = filepath.Join(dir, "standards.yaml")
	if err := os.WriteFile(standardsFile, []byte(Standards), 0o600); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	code := m.Run()
	if err := sweep(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return code
}

// Standards is the test organization's standards document: a hub, dev and
// prod, with Redis defaults for each.
const Standards = `version: 1
organization: acme
hub_account_id: "123456789012"
deployer_role_name: paved-deployer
required_tags: [cost-center]
teams: [payments, games]
environments:
  dev:
    account_id: "222222222222"
    region: eu-west-1
    vpc_id: vpc-0a1b2c3d
    subnet_ids: [subnet-0a1b2c3d, subnet-1a2b3c4d]
    security_group_ids: [sg-0a1b2c3d]
    redis: &redis
      node_type: cache.t4g.small
      replicas: 1
      multi_az: true
      snapshot_retention_days: 7
      snapshot_window: "03:00-04:00"
      maintenance_window: "sun:05:00-sun:06:00"
      at_rest_encryption: true
      transit_encryption: true
      parameters:
        redis7: { maxmemory-policy: allkeys-lru }
        valkey7: { maxmemory-policy: allkeys-lru, activedefrag: "yes" }
        valkey8: { maxmemory-policy: allkeys-lru, activedefrag: "yes" }
  prod:
    account_id: "333333333333"
    region: eu-central-1
    vpc_id: vpc-1a2b3c4d
    subnet_ids: [subnet-2a2b3c4d, subnet-3a2b3c4d]
    security_group_ids: [sg-1a2b3c4d]
    redis: *redis
`

// PreCheck starts each acceptance test. Like terraform-plugin-testing
// itself it skips without TF_ACC, so that plain `go test` runs the unit
// tests alone; `make test` always sets TF_ACC.
func PreCheck(t *testing.T) {
	t.Helper()
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: set TF_ACC=1 (make test does)")
	}
	if emulatorServer == nil {
		t.Fatal("the emulator is not running")
	}
}

// ProviderBlock is the provider configuration every test uses, pointed at
// the emulator, plus any extra attributes.
func ProviderBlock(extra string) string {
	return ProviderBlockOn(standardsFile, nil, extra)
}

// ProviderBlockOn is a provider block on the given standards file with
// every endpoint at the emulator, except the services named in via, which
// go to another URL such as a failure-injecting proxy.
func ProviderBlockOn(standardsFile string, via map[string]string, extra string) string {
	url := func(service string) string {
		if u, ok := via[service]; ok && u != "" {
			return u
		}
		return emulatorServer.URL
	}
	return fmt.Sprintf(`
provider "paved" {
  standards_file = %q
  region         = "us-east-1"
  default_tags   = { cost-center = "platform" }
  endpoints = {
    sts = %q, iam = %q, ec2 = %q, elasticache = %q, eks = %q, elbv2 = %q
  }
%s
}
`, standardsFile, url("sts"), url("iam"), url("ec2"), url("elasticache"), url("eks"), url("elbv2"), extra)
}

// AccountConfig returns AWS credentials in the given account, reached the
// way the emulator (and AWS) decides it: by assuming a role there from the
// hub. It does not use the provider's code, so checks made with it are
// independent of what the provider believes.
func AccountConfig(t *testing.T, account string) aws.Config {
	t.Helper()
	cfg, err := accountConfig(context.Background(), account)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func accountConfig(ctx context.Context, account string) (aws.Config, error) {
	cfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return cfg, err
	}
	cfg.BaseEndpoint = aws.String(emulatorServer.URL)
	if account != HubAccount {
		roleARN := fmt.Sprintf("arn:aws:iam::%s:role/test-inspector", account)
		cfg.Credentials = aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(sts.NewFromConfig(cfg), roleARN))
	}
	got, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return cfg, fmt.Errorf("inspect account %s: %w", account, err)
	}
	if aws.ToString(got.Account) != account {
		return cfg, fmt.Errorf("inspector landed in %s, want %s", aws.ToString(got.Account), account)
	}
	return cfg, nil
}

// EmulatorURL is where the package's emulator listens.
func EmulatorURL() string { return emulatorServer.URL }

// StandardsFile is the standards document every acceptance test's provider
// block points at.
func StandardsFile() string { return standardsFile }

// Accounts are all the accounts of the test organization.
var Accounts = []string{HubAccount, DevAccount, ProdAccount, OtherAccount}

// A Sweeper removes what a family's tests may have left in one account, in
// the region given, and names each thing it removed.
type Sweeper func(ctx context.Context, cfg aws.Config) (removed []string, err error)

var sweepers = map[string]Sweeper{}

// AddSweeper registers a family's sweeper, from an init function of its
// tests. After the tests, Main runs it in every account and region of the
// standards; a test that left anything fails the package, naming it.
func AddSweeper(name string, s Sweeper) { sweepers[name] = s }

func sweep() error {
	ctx := context.Background()
	regions := []string{"us-east-1", "eu-west-1", "eu-central-1"}
	var left []string
	for _, name := range slices.Sorted(maps.Keys(sweepers)) {
		for _, account := range Accounts {
			cfg, err := accountConfig(ctx, account)
			if err != nil {
				return fmt.Errorf("sweeper %s: %w", name, err)
			}
			for _, region := range regions {
				cfg.Region = region
				removed, err := sweepers[name](ctx, cfg)
				if err != nil {
					return fmt.Errorf("sweeper %s in %s/%s: %w", name, account, region, err)
				}
				for _, r := range removed {
					left = append(left, fmt.Sprintf("%s/%s: %s", account, region, r))
				}
			}
		}
	}
	if len(left) > 0 {
		return fmt.Errorf("the tests left %d things behind, which the sweepers removed:\n  %s", len(left), strings.Join(left, "\n  "))
	}
	return nil
}

// AccountIAM returns an IAM client in the given account.
func AccountIAM(t *testing.T, account string) *iam.Client {
	t.Helper()
	return iam.NewFromConfig(AccountConfig(t, account))
}

// RoleNames lists the roles in an account whose names start with prefix.
func RoleNames(t *testing.T, account, prefix string) ([]string, error) {
	t.Helper()
	roles, err := pages.All(context.Background(), iam.NewListRolesPaginator(AccountIAM(t, account), &iam.ListRolesInput{}),
		func(p *iam.ListRolesOutput) []iamtypes.Role { return p.Roles })
	var names []string
	for _, r := range roles {
		if strings.HasPrefix(aws.ToString(r.RoleName), prefix) {
			names = append(names, aws.ToString(r.RoleName))
		}
	}
	return names, err
}

// NoRolesAnywhere checks that no account holds a role with the prefix.
func NoRolesAnywhere(t *testing.T, prefix string) error {
	for _, account := range []string{HubAccount, DevAccount, ProdAccount, OtherAccount} {
		names, err := RoleNames(t, account, prefix)
		if err != nil {
			return err
		}
		if len(names) > 0 {
			return fmt.Errorf("account %s still holds roles %v", account, names)
		}
	}
	return nil
}

// Hyphenated is a valid name of n characters, every other one a hyphen,
// which name patterns that count "-x" as one repetition take as half as
// long.
func Hyphenated(n int) string {
	return strings.Repeat("a-", n)[:n-1] + "z"
}

// Region is the region of each environment account in the standards.
var Region = map[string]string{DevAccount: "eu-west-1", ProdAccount: "eu-central-1"}
