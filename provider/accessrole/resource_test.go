package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"testing"

	"github.com/paved-road/paved/provider/iamrole"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
)

const (
	alice = "arn:aws:iam::123456789012:user/alice"
	sre   = "arn:aws:iam::123456789012:role/sre"
)

func accessRoleConfig(name, env, body string) string {
	return providerBlock("") + fmt.Sprintf(`
resource "paved_access_role" "test" {
  environment = %q
  name        = %q
%s
}
`, env, name, body)
}

// TestAccAccessRole_lifecycle creates a role in prod, updates it in place,
// imports it, and destroys it, reading the account back from the emulator
// after each step.
func TestAccAccessRole_lifecycle(t *testing.T) {
	testAccPreCheck(t)
	name := "acc-lifecycle"
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             func(*terraform.State) error { return noRolesAnywhere(t, name) },
		Steps: []resource.TestStep{
			{
				Config: accessRoleConfig(name, "prod", fmt.Sprintf(`
  trusted_principals = [%q]
`, alice)),
				Check: resource.ComposeTestCheckFunc(
					resource.TestCheckResourceAttr("paved_access_role.test", "account_id", prodAccount),
					resource.TestCheckResourceAttr("paved_access_role.test", "arn", "arn:aws:iam::333333333333:role/"+name),
					resource.TestCheckResourceAttr("paved_access_role.test", "max_session_duration", "1h"),
					func(*terraform.State) error {
						return checkRoleOnlyIn(t, prodAccount, name)
					},
					func(*terraform.State) error {
						role := getRole(t, prodAccount, name)
						if got := aws.ToInt32(role.MaxSessionDuration); got != 3600 {
							return fmt.Errorf("MaxSessionDuration = %d, want 3600", got)
						}
						return checkTrustPolicy(role, []string{alice}, true, true)
					},
					func(*terraform.State) error {
						return checkTags(t, prodAccount, name, map[string]string{
							"cost-center": "platform", "environment": "prod", "managed-by": "paved",
						})
					},
				),
			},
			{
				Config: accessRoleConfig(name, "prod", fmt.Sprintf(`
  description             = "SRE break-glass"
  trusted_principals      = [%q, %q]
  managed_policy_arns     = ["arn:aws:iam::aws:policy/ReadOnlyAccess"]
  inline_policy           = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "ec2:Describe*", Resource = "*" }] })
  max_session_duration    = "4h"
  require_source_identity = false
  tags                    = { owner = "sre" }
`, alice, sre)),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("paved_access_role.test", plancheck.ResourceActionUpdate),
				}},
				Check: resource.ComposeTestCheckFunc(
					resource.TestCheckResourceAttr("paved_access_role.test", "tags_all.owner", "sre"),
					func(*terraform.State) error {
						role := getRole(t, prodAccount, name)
						if got := aws.ToInt32(role.MaxSessionDuration); got != 4*3600 {
							return fmt.Errorf("MaxSessionDuration = %d, want %d", got, 4*3600)
						}
						if got := aws.ToString(role.Description); got != "SRE break-glass" {
							return fmt.Errorf("Description = %q", got)
						}
						return checkTrustPolicy(role, []string{alice, sre}, true, false)
					},
					func(*terraform.State) error {
						return checkPolicies(t, prodAccount, name, []string{"arn:aws:iam::aws:policy/ReadOnlyAccess"}, true)
					},
					func(*terraform.State) error {
						return checkTags(t, prodAccount, name, map[string]string{
							"cost-center": "platform", "environment": "prod", "managed-by": "paved", "owner": "sre",
						})
					},
				),
			},
			{
				ResourceName:      "paved_access_role.test",
				ImportState:       true,
				ImportStateId:     "prod/" + name,
				ImportStateVerify: true,
			},
			{
				// Back to the minimum: policies detached, inline policy and tag removed.
				Config: accessRoleConfig(name, "prod", fmt.Sprintf(`
  trusted_principals = [%q]
`, sre)),
				Check: resource.ComposeTestCheckFunc(
					func(*terraform.State) error {
						return checkTrustPolicy(getRole(t, prodAccount, name), []string{sre}, true, true)
					},
					func(*terraform.State) error { return checkPolicies(t, prodAccount, name, nil, false) },
					func(*terraform.State) error {
						return checkTags(t, prodAccount, name, map[string]string{
							"cost-center": "platform", "environment": "prod", "managed-by": "paved",
						})
					},
				),
			},
		},
	})
}

// TestAccAccessRole_environments puts one role in dev and one in prod from
// the same configuration, and finds each only in its own account.
func TestAccAccessRole_environments(t *testing.T) {
	testAccPreCheck(t)
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             func(*terraform.State) error { return noRolesAnywhere(t, "acc-env-") },
		Steps: []resource.TestStep{{
			Config: providerBlock("") + fmt.Sprintf(`
resource "paved_access_role" "dev" {
  environment        = "dev"
  name               = "acc-env-dev"
  trusted_principals = [%[1]q]
}
resource "paved_access_role" "prod" {
  environment        = "prod"
  name               = "acc-env-prod"
  trusted_principals = [%[1]q]
}
data "paved_account" "dev" {
  environment = "dev"
}
data "paved_account" "prod" {
  environment = "prod"
}
`, alice),
			Check: resource.ComposeTestCheckFunc(
				func(*terraform.State) error { return checkRoleOnlyIn(t, devAccount, "acc-env-dev") },
				func(*terraform.State) error { return checkRoleOnlyIn(t, prodAccount, "acc-env-prod") },
				resource.TestCheckResourceAttr("data.paved_account.dev", "account_id", devAccount),
				resource.TestCheckResourceAttr("data.paved_account.prod", "account_id", prodAccount),
				resource.TestMatchResourceAttr("data.paved_account.prod", "arn",
					regexp.MustCompile(`^arn:aws:sts::333333333333:assumed-role/paved-deployer/paved-`)),
				resource.TestCheckResourceAttr("data.paved_account.prod", "region", "eu-central-1"),
			),
		}},
	})
}

// TestAccAccessRole_drift changes the role behind Terraform's back and
// expects the next plan to show it, and the next apply to repair it.
func TestAccAccessRole_drift(t *testing.T) {
	testAccPreCheck(t)
	name := "acc-drift"
	config := accessRoleConfig(name, "dev", fmt.Sprintf(`
  trusted_principals = [%q]
  tags               = { owner = "sre" }
`, alice))
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             func(*terraform.State) error { return noRolesAnywhere(t, name) },
		Steps: []resource.TestStep{
			{Config: config},
			{
				PreConfig: func() {
					client := accountIAM(t, devAccount)
					ctx := context.Background()
					widened := trustPolicy([]string{alice, "arn:aws:iam::444444444444:root"}, false, false)
					if _, err := client.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{
						RoleName: aws.String(name), PolicyDocument: aws.String(widened),
					}); err != nil {
						t.Fatal(err)
					}
					if _, err := client.UntagRole(ctx, &iam.UntagRoleInput{RoleName: aws.String(name), TagKeys: []string{"owner"}}); err != nil {
						t.Fatal(err)
					}
				},
				Config:             config,
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
			},
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("paved_access_role.test", plancheck.ResourceActionUpdate),
				}},
				Check: resource.ComposeTestCheckFunc(
					func(*terraform.State) error {
						return checkTrustPolicy(getRole(t, devAccount, name), []string{alice}, true, true)
					},
					func(*terraform.State) error {
						return checkTags(t, devAccount, name, map[string]string{
							"cost-center": "platform", "environment": "dev", "managed-by": "paved", "owner": "sre",
						})
					},
				),
			},
			{
				// Deleted outside Terraform: the plan recreates it.
				PreConfig: func() {
					if err := iamrole.Delete(context.Background(), accountIAM(t, devAccount), name); err != nil {
						t.Fatal(err)
					}
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("paved_access_role.test", plancheck.ResourceActionCreate),
				}},
				Check: func(*terraform.State) error { return checkRoleOnlyIn(t, devAccount, name) },
			},
		},
	})
}

// TestAccAccessRole_badInput runs each mistake through plan and expects a
// diagnostic that names the problem, with nothing created anywhere.
func TestAccAccessRole_badInput(t *testing.T) {
	testAccPreCheck(t)
	principal := fmt.Sprintf(`trusted_principals = [%q]`, alice)
	cases := []struct {
		name   string
		config string
		want   string
	}{
		{"unknown environment", accessRoleConfig("acc-bad", "staging", principal),
			`Unknown environment[\s\S]*"staging"[\s\S]*dev, prod`},
		{"principal outside hub", accessRoleConfig("acc-bad", "dev",
			`trusted_principals = ["arn:aws:iam::444444444444:role/intruder"]`),
			`Principal outside the hub account[\s\S]*444444444444:role/intruder`},
		{"whole account principal", accessRoleConfig("acc-bad", "dev",
			`trusted_principals = ["arn:aws:iam::123456789012:root"]`),
			`trusted_principals[\s\S]*named IAM user or role`},
		{"session too long", accessRoleConfig("acc-bad", "dev", principal+"\nmax_session_duration = \"13h\""),
			`max_session_duration[\s\S]*between 1h0m0s and 12h0m0s`},
		{"session too short", accessRoleConfig("acc-bad", "dev", principal+"\nmax_session_duration = \"30m\""),
			`max_session_duration[\s\S]*between 1h0m0s and 12h0m0s`},
		{"invalid policy JSON", accessRoleConfig("acc-bad", "dev", principal+"\ninline_policy = \"{\\\"Version\\\": \\\"2012-10-17\\\",\""),
			`inline_policy[\s\S]*not valid JSON`},
		{"policy without statement", accessRoleConfig("acc-bad", "dev", principal+"\ninline_policy = jsonencode({ Version = \"2012-10-17\" })"),
			`inline_policy[\s\S]*Statement`},
		{"reserved tag", accessRoleConfig("acc-bad", "dev", principal+"\ntags = { managed-by = \"me\" }"),
			`Reserved tag[\s\S]*managed-by`},
		{"bad role name", accessRoleConfig("acc bad!", "dev", principal), `name[\s\S]*1-64 characters`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resource.Test(t, resource.TestCase{
				PreCheck:                 func() { testAccPreCheck(t) },
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config:      tc.config,
					ExpectError: regexp.MustCompile(tc.want),
				}},
			})
			if err := noRolesAnywhere(t, "acc-bad"); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestAccProvider_badStandards covers mistakes in the standards document and
// in how the deployer role is reached.
func TestAccProvider_badStandards(t *testing.T) {
	testAccPreCheck(t)
	cwd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	u := testEmulator.URL
	inline := func(doc string) string {
		return fmt.Sprintf(`
provider "paved" {
  standards = %q
  endpoints = { sts = %q, iam = %q }
}
data "paved_standards" "s" {}
`, doc, u, u)
	}
	cases := []struct {
		name   string
		config string
		want   string
	}{
		{"malformed YAML", inline("version: 1\norganization: [acme\n"), `Invalid standards document[\s\S]*standards:\d+`},
		{"unknown key", inline(testStandards + "colour: blue\n"), `standards:\d+:\d+: colour`},
		{"missing file", `
provider "paved" {
  standards_file = "/nonexistent/standards.yaml"
}
data "paved_standards" "s" {}
`, diagnosticPattern("Standards file not found",
			`standards_file = "/nonexistent/standards.yaml" in the provider configuration names /nonexistent/standards.yaml, which does not exist.`).String()},
		// The provider runs in this process, from this package's directory.
		{"missing file, relative path", `
provider "paved" {
  standards_file = "./standard.yaml"
}
data "paved_standards" "s" {}
`, diagnosticPattern("Standards file not found",
			`standards_file = "./standard.yaml" in the provider configuration names `+filepath.Join(cwd, "standard.yaml")+", which does not exist.").String()},
		{"unknown environment in assume_role", providerBlock(`assume_role = { staging = { session_name = "x-test" } }`) +
			`data "paved_standards" "s" {}`, `Unknown environment[\s\S]*"staging"[\s\S]*dev, prod`},
		{"deployer lands in the wrong account", providerBlock(
			`assume_role = { prod = { role_arn = "arn:aws:iam::444444444444:role/paved-deployer" } }`) +
			fmt.Sprintf(`
resource "paved_access_role" "test" {
  environment        = "prod"
  name               = "acc-bad-landing"
  trusted_principals = [%q]
}`, alice), `landed in account 444444444444[\s\S]*333333333333`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resource.Test(t, resource.TestCase{
				PreCheck:                 func() { testAccPreCheck(t) },
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps:                    []resource.TestStep{{Config: tc.config, ExpectError: regexp.MustCompile(tc.want)}},
			})
			if err := noRolesAnywhere(t, "acc-bad"); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func getRole(t *testing.T, account, name string) *iamtypes.Role {
	t.Helper()
	out, err := accountIAM(t, account).GetRole(context.Background(), &iam.GetRoleInput{RoleName: aws.String(name)})
	if err != nil {
		t.Fatalf("GetRole %s in %s: %v", name, account, err)
	}
	return out.Role
}

// checkRoleOnlyIn finds the role in account and in no other account.
func checkRoleOnlyIn(t *testing.T, account, name string) error {
	for _, a := range []string{hubAccount, devAccount, prodAccount, otherAccount} {
		names, err := roleNames(t, a, name)
		if err != nil {
			return err
		}
		found := len(names) == 1 && names[0] == name
		if a == account && !found {
			return fmt.Errorf("role %s not found in account %s (found %v)", name, a, names)
		}
		if a != account && len(names) > 0 {
			return fmt.Errorf("role %s also found in account %s", name, a)
		}
	}
	return nil
}

// checkTrustPolicy parses the trust policy the emulator holds and checks it
// statement by statement.
func checkTrustPolicy(role *iamtypes.Role, principals []string, mfa, sourceIdentity bool) error {
	raw, err := url.QueryUnescape(aws.ToString(role.AssumeRolePolicyDocument))
	if err != nil {
		return err
	}
	var doc struct {
		Version   string
		Statement []struct {
			Effect    string
			Principal map[string]any
			Action    any
			Condition map[string]map[string]string
		}
	}
	if err := json.Unmarshal([]byte(raw), &doc); err != nil {
		return fmt.Errorf("trust policy %s: %w", raw, err)
	}
	if doc.Version != "2012-10-17" || len(doc.Statement) != 1 {
		return fmt.Errorf("want one statement of version 2012-10-17, got %s", raw)
	}
	st := doc.Statement[0]
	if st.Effect != "Allow" {
		return fmt.Errorf("Effect = %q", st.Effect)
	}
	if len(st.Principal) != 1 {
		return fmt.Errorf("Principal must name only AWS principals: %v", st.Principal)
	}
	if got, want := asSortedList(st.Principal["AWS"]), sortedCopy(principals); !reflect.DeepEqual(got, want) {
		return fmt.Errorf("principals = %v, want %v", got, want)
	}
	if got := asSortedList(st.Action); !reflect.DeepEqual(got, []string{"sts:AssumeRole", "sts:SetSourceIdentity"}) {
		return fmt.Errorf("actions = %v", got)
	}
	wantCond := map[string]map[string]string{}
	if mfa {
		wantCond["Bool"] = map[string]string{"aws:MultiFactorAuthPresent": "true"}
	}
	if sourceIdentity {
		wantCond["Null"] = map[string]string{"sts:SourceIdentity": "false"}
	}
	if st.Condition == nil {
		st.Condition = map[string]map[string]string{}
	}
	if !reflect.DeepEqual(st.Condition, wantCond) {
		return fmt.Errorf("conditions = %v, want %v", st.Condition, wantCond)
	}
	return nil
}

func checkPolicies(t *testing.T, account, name string, managed []string, inline bool) error {
	client := accountIAM(t, account)
	ctx := context.Background()
	att, err := client.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String(name)})
	if err != nil {
		return err
	}
	var got []string
	for _, p := range att.AttachedPolicies {
		got = append(got, aws.ToString(p.PolicyArn))
	}
	if !reflect.DeepEqual(sortedCopy(got), sortedCopy(managed)) {
		return fmt.Errorf("attached policies = %v, want %v", got, managed)
	}
	in, err := client.ListRolePolicies(ctx, &iam.ListRolePoliciesInput{RoleName: aws.String(name)})
	if err != nil {
		return err
	}
	if inline != (len(in.PolicyNames) == 1 && in.PolicyNames[0] == inlinePolicyName) || (!inline && len(in.PolicyNames) > 0) {
		return fmt.Errorf("inline policies = %v, want inline=%v", in.PolicyNames, inline)
	}
	return nil
}

func checkTags(t *testing.T, account, name string, want map[string]string) error {
	out, err := accountIAM(t, account).ListRoleTags(context.Background(), &iam.ListRoleTagsInput{RoleName: aws.String(name)})
	if err != nil {
		return err
	}
	got := map[string]string{}
	for _, tag := range out.Tags {
		got[aws.ToString(tag.Key)] = aws.ToString(tag.Value)
	}
	if !reflect.DeepEqual(got, want) {
		return fmt.Errorf("tags = %v, want %v", got, want)
	}
	return nil
}

func asSortedList(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			out = append(out, fmt.Sprint(e))
		}
		sort.Strings(out)
		return out
	}
	return nil
}

func sortedCopy(s []string) []string {
	out := append([]string{}, s...)
	sort.Strings(out)
	return out
}
