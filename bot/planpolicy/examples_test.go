package planpolicy

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/open-policy-agent/opa/v1/format"
	"github.com/open-policy-agent/opa/v1/tester"
)

// The example policy sets, relative to the repository root.
var examples = []string{"examples/policies/no-public-ingress", "examples/policies/team-tag"}

// repoRoot is where the server config of examples/policies/README.md would
// sit, relative to this package.
const repoRoot = "../.."

func TestExamplePoliciesOPATests(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, dir := range examples {
		modules, store, err := tester.Load([]string{filepath.Join(repoRoot, dir)}, nil)
		if err != nil {
			t.Fatalf("%s: %v", dir, err)
		}
		ch, err := tester.NewRunner().SetStore(store).SetModules(modules).RaiseBuiltinErrors(true).RunTests(ctx, nil)
		if err != nil {
			t.Fatalf("%s: %v", dir, err)
		}
		ran := 0
		for r := range ch {
			ran++
			if !r.Pass() {
				t.Errorf("%s: %s failed (error: %v)", dir, r.Name, r.Error)
			}
		}
		if ran == 0 {
			t.Errorf("%s: no OPA test ran", dir)
		}
	}
}

func TestExamplePoliciesAreFormatted(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(repoRoot, "examples", "policies", "*", "*.rego"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no example policy: %v", err)
	}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if out, err := format.Source(f, src); err != nil || string(out) != string(src) {
			t.Errorf("%s is not as opa fmt writes it (%v)", f, err)
		}
	}
}

// loadExamples loads both example policies as the README's server config does.
func loadExamples(t testing.TB) *Compiled {
	t.Helper()
	p, err := Load([]Set{{Name: "production-safety", Paths: examples, Owners: []string{"acme/platform-security"}, Line: 2}}, repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := p.Set("production-safety")
	return c
}

func TestExamplePolicies(t *testing.T) {
	c := loadExamples(t)
	plan := syntheticPlan(t, 100)
	prod := Project{Repo: "github.com/acme/web", Name: "web", Dir: "envs/prod", Workspace: "default", Team: "web"}
	got := c.Eval(context.Background(), Input{Plan: plan, Project: prod}, time.Minute)
	want := Result{Set: "production-safety", Failures: []string{
		"aws_security_group.sg[0] has no team tag",
		"aws_security_group.sg[0] opens ingress to 0.0.0.0/0 on port 443 in production",
		"aws_security_group.sg[0] opens ingress to ::/0 on port 443 in production",
		"aws_security_group.sg[14] has no team tag",
		"aws_security_group.sg[28] has no team tag",
		"aws_security_group.sg[42] has no team tag",
		"aws_security_group.sg[50] opens ingress to 0.0.0.0/0 on port 443 in production",
		"aws_security_group.sg[50] opens ingress to ::/0 on port 443 in production",
		"aws_security_group.sg[56] has no team tag",
		"aws_security_group.sg[70] has no team tag",
		"aws_security_group.sg[84] has no team tag",
		"aws_security_group.sg[98] has no team tag",
	}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got  %+v\nwant %+v", got, want)
	}
	staging := prod
	staging.Dir = "envs/staging"
	if got := c.Eval(context.Background(), Input{Plan: plan, Project: staging}, time.Minute); len(got.Failures) != 8 || got.Passed != 1 {
		t.Fatalf("staging: %+v", got)
	}
}

func BenchmarkEval500Resources(b *testing.B) {
	c := loadExamples(b)
	in := Input{Plan: syntheticPlan(b, 500), Project: Project{Repo: "github.com/acme/web", Name: "web", Dir: "envs/prod", Workspace: "prod", Team: "web"}}
	ctx := context.Background()
	if r := c.Eval(ctx, in, time.Minute); r.Error != "" || len(r.Failures) == 0 {
		b.Fatalf("result: %+v", r)
	}
	b.ReportAllocs()
	for b.Loop() {
		c.Eval(ctx, in, time.Minute)
	}
}

// syntheticPlan returns `terraform show -json` of a plan creating n
// security groups, sg[i], each with three ingress blocks and tags. Every
// 50th opens 443 to the internet; every 14th has no team tag.
func syntheticPlan(t testing.TB, n int) []byte {
	t.Helper()
	type obj = map[string]any
	var changes, planned []obj
	for i := range n {
		cidrs, cidrs6 := []string{"10.0.0.0/8"}, []string{}
		if i%50 == 0 {
			cidrs, cidrs6 = append(cidrs, "0.0.0.0/0"), []string{"::/0"}
		}
		tags := obj{"env": "prod", "service": fmt.Sprintf("svc-%d", i), "team": "web"}
		if i%14 == 0 {
			delete(tags, "team")
		}
		rule := func(port int, cidrs, cidrs6 []string) obj {
			return obj{
				"cidr_blocks": cidrs, "ipv6_cidr_blocks": cidrs6, "description": fmt.Sprintf("port %d", port),
				"from_port": port, "to_port": port, "protocol": "tcp",
				"prefix_list_ids": []string{}, "security_groups": []string{}, "self": false,
			}
		}
		after := obj{
			"name":        fmt.Sprintf("sg-%d", i),
			"description": "Managed by Terraform",
			"vpc_id":      "vpc-0a1b2c3d4e5f",
			"ingress": []obj{
				rule(443, cidrs, cidrs6),
				rule(8080, []string{"10.1.0.0/16"}, []string{}),
				rule(22, []string{"10.2.0.0/16"}, []string{}),
			},
			"egress":                 []obj{{"cidr_blocks": []string{"0.0.0.0/0"}, "from_port": 0, "to_port": 0, "protocol": "-1"}},
			"revoke_rules_on_delete": false,
			"tags":                   tags,
			"tags_all":               tags,
			"timeouts":               nil,
		}
		address := fmt.Sprintf("aws_security_group.sg[%d]", i)
		changes = append(changes, obj{
			"address": address, "mode": "managed", "type": "aws_security_group", "name": "sg", "index": i,
			"provider_name": "registry.terraform.io/hashicorp/aws",
			"change": obj{
				"actions": []string{"create"}, "before": nil, "after": after,
				"after_unknown":    obj{"arn": true, "id": true, "owner_id": true, "ingress": []any{obj{}, obj{}, obj{}}, "tags": obj{}, "tags_all": obj{}},
				"before_sensitive": false, "after_sensitive": obj{"ingress": []any{obj{}, obj{}, obj{}}, "tags": obj{}, "tags_all": obj{}},
			},
		})
		planned = append(planned, obj{
			"address": address, "mode": "managed", "type": "aws_security_group", "name": "sg", "index": i,
			"provider_name": "registry.terraform.io/hashicorp/aws", "schema_version": 1, "values": after,
		})
	}
	data, err := json.Marshal(obj{
		"format_version":    "1.2",
		"terraform_version": "1.9.8",
		"planned_values":    obj{"root_module": obj{"resources": planned}},
		"resource_changes":  changes,
		"configuration":     obj{"provider_config": obj{"aws": obj{"name": "aws", "full_name": "registry.terraform.io/hashicorp/aws"}}},
		"timestamp":         "2025-01-01T00:00:00Z",
		"applyable":         true,
		"complete":          true,
		"errored":           false,
	})
	if err != nil {
		t.Fatal(err)
	}
	return data
}
