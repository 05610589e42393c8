package accessrole_test

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

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/paved-road/paved/provider/accessrole"
	"github.com/paved-road/paved/provider/acctest"
	"github.com/paved-road/paved/provider/iamrole"
)

const (
	alice = "arn:aws:iam::123456789012:user/alice"
	sre   = "arn:aws:iam::123456789012:role/sre"
	addr  = "paved_access_role.test"
)

func accessRoleConfig(name, env, body string) string {
	return acctest.ProviderBlock("") + fmt.Sprintf(`
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
	acctest.PreCheck(t)
	name := "acc-lifecycle"
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             noRolesLeft(t, name),
		Steps: []resource.TestStep{
			{
				Config: accessRoleConfig(name, "prod", fmt.Sprintf(`
  trusted_principals = [%q]
`, alice)),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("account_id"), knownvalue.StringExact(acctest.ProdAccount)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("arn"), knownvalue.StringExact("arn:aws:iam::333333333333:role/"+name)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("max_session_duration"), knownvalue.StringExact("1h")),
				},
				Check: resource.ComposeTestCheckFunc(
					checkRoleOnlyIn(t, acctest.ProdAccount, name),
					checkSession(t, acctest.ProdAccount, name, 3600),
					checkTrust(t, acctest.ProdAccount, name, []string{alice}, true, true),
					checkTags(t, acctest.ProdAccount, name, map[string]string{
						"cost-center": "platform", "environment": "prod", "managed-by": "paved",
					}),
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
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("tags_all").AtMapKey("owner"), knownvalue.StringExact("sre")),
				},
				Check: resource.ComposeTestCheckFunc(
					checkSession(t, acctest.ProdAccount, name, 4*3600),
					checkDescription(t, acctest.ProdAccount, name, "SRE break-glass"),
					checkTrust(t, acctest.ProdAccount, name, []string{alice, sre}, true, false),
					checkPolicies(t, acctest.ProdAccount, name, []string{"arn:aws:iam::aws:policy/ReadOnlyAccess"}, true),
					checkTags(t, acctest.ProdAccount, name, map[string]string{
						"cost-center": "platform", "environment": "prod", "managed-by": "paved", "owner": "sre",
					}),
				),
			},
			{
				ResourceName:      addr,
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
					checkTrust(t, acctest.ProdAccount, name, []string{sre}, true, true),
					checkPolicies(t, acctest.ProdAccount, name, nil, false),
					checkTags(t, acctest.ProdAccount, name, map[string]string{
						"cost-center": "platform", "environment": "prod", "managed-by": "paved",
					}),
				),
			},
		},
	})
}

// TestAccAccessRole_environments puts one role in dev and one in prod from
// the same configuration, and finds each only in its own account.
func TestAccAccessRole_environments(t *testing.T) {
	acctest.PreCheck(t)
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             noRolesLeft(t, "acc-env-"),
		Steps: []resource.TestStep{{
			Config: acctest.ProviderBlock("") + fmt.Sprintf(`
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
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.paved_account.dev", tfjsonpath.New("account_id"), knownvalue.StringExact(acctest.DevAccount)),
				statecheck.ExpectKnownValue("data.paved_account.prod", tfjsonpath.New("account_id"), knownvalue.StringExact(acctest.ProdAccount)),
				statecheck.ExpectKnownValue("data.paved_account.prod", tfjsonpath.New("arn"),
					knownvalue.StringRegexp(regexp.MustCompile(`^arn:aws:sts::333333333333:assumed-role/paved-deployer/paved-`))),
				statecheck.ExpectKnownValue("data.paved_account.prod", tfjsonpath.New("region"), knownvalue.StringExact("eu-central-1")),
			},
			Check: resource.ComposeTestCheckFunc(
				checkRoleOnlyIn(t, acctest.DevAccount, "acc-env-dev"),
				checkRoleOnlyIn(t, acctest.ProdAccount, "acc-env-prod"),
			),
		}},
	})
}

// TestAccAccessRole_drift changes the role behind Terraform's back and
// expects the next plan to show it, and the next apply to repair it.
func TestAccAccessRole_drift(t *testing.T) {
	acctest.PreCheck(t)
	name := "acc-drift"
	config := accessRoleConfig(name, "dev", fmt.Sprintf(`
  trusted_principals = [%q]
  tags               = { owner = "sre" }
`, alice))
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             noRolesLeft(t, name),
		Steps: []resource.TestStep{
			{Config: config},
			{
				PreConfig: func() {
					client := acctest.AccountIAM(t, acctest.DevAccount)
					ctx := context.Background()
					widened := accessrole.TrustPolicy([]string{alice, "arn:aws:iam::444444444444:root"}, false, false)
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
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
				}},
				Check: resource.ComposeTestCheckFunc(
					checkTrust(t, acctest.DevAccount, name, []string{alice}, true, true),
					checkTags(t, acctest.DevAccount, name, map[string]string{
						"cost-center": "platform", "environment": "dev", "managed-by": "paved", "owner": "sre",
					}),
				),
			},
			{
				// Deleted outside Terraform: the plan recreates it.
				PreConfig: func() {
					if err := iamrole.Delete(context.Background(), acctest.AccountIAM(t, acctest.DevAccount), name); err != nil {
						t.Fatal(err)
					}
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionCreate),
				}},
				Check: checkRoleOnlyIn(t, acctest.DevAccount, name),
			},
		},
	})
}

// TestAccAccessRole_badInput runs each mistake through plan and expects a
// diagnostic that names the problem, with nothing created anywhere.
func TestAccAccessRole_badInput(t *testing.T) {
	acctest.PreCheck(t)
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
				PreCheck:                 func() { acctest.PreCheck(t) },
				ProtoV6ProviderFactories: acctest.ProviderFactories,
				Steps: []resource.TestStep{{
					Config:      tc.config,
					ExpectError: regexp.MustCompile(tc.want),
				}},
			})
			if err := acctest.NoRolesAnywhere(t, "acc-bad"); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestAccProvider_badStandards covers mistakes in the standards document and
// in how the deployer role is reached. It is a test of the provider, kept
// here because the last case needs an access role to reach an account.
func TestAccProvider_badStandards(t *testing.T) {
	acctest.PreCheck(t)
	cwd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	u := acctest.EmulatorURL()
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
		{"unknown key", inline(acctest.Standards + "colour: blue\n"), `standards:\d+:\d+: colour`},
		{"missing file", `
provider "paved" {
  standards_file = "/nonexistent/standards.yaml"
}
data "paved_standards" "s" {}
`, acctest.DiagnosticPattern("Standards file not found",
			`standards_file = "/nonexistent/standards.yaml" in the provider configuration names /nonexistent/standards.yaml, which does not exist.`).String()},
		// The provider runs in this process, from this package's directory.
		{"missing file, relative path", `
provider "paved" {
  standards_file = "./standard.yaml"
}
data "paved_standards" "s" {}
`, acctest.DiagnosticPattern("Standards file not found",
			`standards_file = "./standard.yaml" in the provider configuration names `+filepath.Join(cwd, "standard.yaml")+", which does not exist.").String()},
		{"unknown environment in assume_role", acctest.ProviderBlock(`assume_role = { staging = { session_name = "x-test" } }`) +
			`data "paved_standards" "s" {}`, `Unknown environment[\s\S]*"staging"[\s\S]*dev, prod`},
		{"deployer lands in the wrong account", acctest.ProviderBlock(
			`assume_role = { prod = { role_arn = "arn:aws:iam::444444444444:role/paved-deployer" } }`) +
			fmt.Sprintf(`
resource "paved_access_role" "test" {
  environment        = "prod"
  name               = "acc-bad-landing"
  trusted_principals = [%q]
}`, alice), `Creating access role[\s\S]*creating\s+paved_access_role\s+prod/acc-bad-landing:[\s\S]*landed in account 444444444444[\s\S]*333333333333`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resource.Test(t, resource.TestCase{
				PreCheck:                 func() { acctest.PreCheck(t) },
				ProtoV6ProviderFactories: acctest.ProviderFactories,
				Steps:                    []resource.TestStep{{Config: tc.config, ExpectError: regexp.MustCompile(tc.want)}},
			})
			if err := acctest.NoRolesAnywhere(t, "acc-bad"); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// noRolesLeft is a CheckDestroy: no account holds a role with the prefix.
func noRolesLeft(t *testing.T, prefix string) resource.TestCheckFunc {
	return func(*terraform.State) error { return acctest.NoRolesAnywhere(t, prefix) }
}

func getRole(t *testing.T, account, name string) *iamtypes.Role {
	t.Helper()
	out, err := acctest.AccountIAM(t, account).GetRole(context.Background(), &iam.GetRoleInput{RoleName: aws.String(name)})
	if err != nil {
		t.Fatalf("GetRole %s in %s: %v", name, account, err)
	}
	return out.Role
}

// checkRoleOnlyIn finds the role in account and in no other account.
func checkRoleOnlyIn(t *testing.T, account, name string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		for _, a := range acctest.Accounts {
			names, err := acctest.RoleNames(t, a, name)
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
}

// checkSession checks the role's MaxSessionDuration, in seconds.
func checkSession(t *testing.T, account, name string, seconds int32) resource.TestCheckFunc {
	return func(*terraform.State) error {
		if got := aws.ToInt32(getRole(t, account, name).MaxSessionDuration); got != seconds {
			return fmt.Errorf("MaxSessionDuration = %d, want %d", got, seconds)
		}
		return nil
	}
}

func checkDescription(t *testing.T, account, name, want string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		if got := aws.ToString(getRole(t, account, name).Description); got != want {
			return fmt.Errorf("Description = %q, want %q", got, want)
		}
		return nil
	}
}

// checkTrust parses the trust policy the emulator holds and checks it
// statement by statement.
func checkTrust(t *testing.T, account, name string, principals []string, mfa, sourceIdentity bool) resource.TestCheckFunc {
	return func(*terraform.State) error {
		raw, err := url.QueryUnescape(aws.ToString(getRole(t, account, name).AssumeRolePolicyDocument))
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
}

// checkPolicies checks the attached managed policies, and that the inline
// policy is there, alone, or absent.
func checkPolicies(t *testing.T, account, name string, managed []string, inline bool) resource.TestCheckFunc {
	return func(*terraform.State) error {
		client := acctest.AccountIAM(t, account)
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
		if inline != (len(in.PolicyNames) == 1 && in.PolicyNames[0] == accessrole.InlinePolicyName) || (!inline && len(in.PolicyNames) > 0) {
			return fmt.Errorf("inline policies = %v, want inline=%v", in.PolicyNames, inline)
		}
		return nil
	}
}

// checkTags checks the role's tags as IAM lists them, all of them.
func checkTags(t *testing.T, account, name string, want map[string]string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		out, err := acctest.AccountIAM(t, account).ListRoleTags(context.Background(), &iam.ListRoleTagsInput{RoleName: aws.String(name)})
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
