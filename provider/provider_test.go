package provider

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"

	"github.com/paved-road/paved/internal/emulator"
)

// Accounts of the test organization. The hub is where moto puts plain
// credentials; the environments are reached only by AssumeRole.
const (
	hubAccount   = emulator.HubAccountID
	devAccount   = "222222222222"
	prodAccount  = "333333333333"
	otherAccount = "444444444444"
)

var (
	testEmulator *emulator.Server
	// testStandardsFile is the standards document every acceptance test's
	// provider block points at.
	testStandardsFile string
)

var testAccProtoV6ProviderFactories = map[string]func() (tfprotov6.ProviderServer, error){
	"paved": func() (tfprotov6.ProviderServer, error) { return NewProtocol6Server("test")(), nil },
}

// TestMain starts one emulator for the package when acceptance tests run.
// Hub credentials come from the normal AWS chain, here the environment.
func TestMain(m *testing.M) {
	if os.Getenv("TF_ACC") == "" {
		os.Exit(m.Run())
	}
	os.Exit(emulator.Main(&testEmulator, func() int { return runAcceptance(m) }))
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
	testStandardsFile = filepath.Join(dir, "standards.yaml")
	if err := os.WriteFile(testStandardsFile, []byte(testStandards), 0o600); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}

const testStandards = `version: 1
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
    redis:
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
    redis:
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
`

// testAccPreCheck starts each acceptance test. Like terraform-plugin-testing
// itself it skips without TF_ACC, so that plain `go test` runs the unit
// tests alone; `make test` always sets TF_ACC.
func testAccPreCheck(t *testing.T) {
	t.Helper()
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: set TF_ACC=1 (make test does)")
	}
	if testEmulator == nil {
		t.Fatal("the emulator is not running")
	}
}

// providerBlock is the provider configuration every test uses, pointed at
// the emulator, plus any extra attributes.
func providerBlock(extra string) string {
	return testProviderBlock(testStandardsFile, nil, extra)
}

// testProviderBlock is a provider block on the given standards file with
// every endpoint at the emulator, except the services named in via, which
// go to another URL such as a failure-injecting proxy.
func testProviderBlock(standardsFile string, via map[string]string, extra string) string {
	url := func(service string) string {
		if u, ok := via[service]; ok && u != "" {
			return u
		}
		return testEmulator.URL
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

// accountConfig returns AWS credentials in the given account, reached the
// way the emulator (and AWS) decides it: by assuming a role there from the
// hub. It does not use the provider's code, so checks made with it are
// independent of what the provider believes.
func accountConfig(t *testing.T, account string) aws.Config {
	t.Helper()
	ctx := context.Background()
	cfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ep := func(o *sts.Options) { o.BaseEndpoint = aws.String(testEmulator.URL) }
	if account != hubAccount {
		roleARN := fmt.Sprintf("arn:aws:iam::%s:role/test-inspector", account)
		cfg.Credentials = aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(sts.NewFromConfig(cfg, ep), roleARN))
	}
	got, err := sts.NewFromConfig(cfg, ep).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(got.Account) != account {
		t.Fatalf("inspector landed in %s, want %s", aws.ToString(got.Account), account)
	}
	return cfg
}

// accountIAM returns an IAM client in the given account.
func accountIAM(t *testing.T, account string) *iam.Client {
	t.Helper()
	return iam.NewFromConfig(accountConfig(t, account), func(o *iam.Options) { o.BaseEndpoint = aws.String(testEmulator.URL) })
}

// roleNames lists the roles in an account whose names start with prefix.
func roleNames(t *testing.T, account, prefix string) ([]string, error) {
	t.Helper()
	var names []string
	pages := iam.NewListRolesPaginator(accountIAM(t, account), &iam.ListRolesInput{})
	for pages.HasMorePages() {
		page, err := pages.NextPage(context.Background())
		if err != nil {
			return nil, err
		}
		for _, r := range page.Roles {
			if strings.HasPrefix(aws.ToString(r.RoleName), prefix) {
				names = append(names, aws.ToString(r.RoleName))
			}
		}
	}
	return names, nil
}

// noRolesAnywhere checks that no account holds a role with the prefix.
func noRolesAnywhere(t *testing.T, prefix string) error {
	for _, account := range []string{hubAccount, devAccount, prodAccount, otherAccount} {
		names, err := roleNames(t, account, prefix)
		if err != nil {
			return err
		}
		if len(names) > 0 {
			return fmt.Errorf("account %s still holds roles %v", account, names)
		}
	}
	return nil
}

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
