package planpolicy

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/types"
)

// writeFiles writes files, named by slash paths, under a new directory it
// returns.
func writeFiles(t testing.TB, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// compile loads the one set s from files and returns it compiled.
func compile(t testing.TB, s Set, files map[string]string) *Compiled {
	t.Helper()
	dir := writeFiles(t, files)
	if s.Name == "" {
		s.Name = "test"
	}
	if s.Paths == nil {
		s.Paths = []string{"."}
	}
	p, err := Load([]Set{s}, dir)
	if err != nil {
		t.Fatal(err)
	}
	c, ok := p.Set(s.Name)
	if !ok {
		t.Fatalf("set %s not loaded", s.Name)
	}
	return c
}

// eval evaluates c against plan with a generous timeout.
func eval(t testing.TB, c *Compiled, plan string, project Project) Result {
	t.Helper()
	return c.Eval(context.Background(), Input{Plan: []byte(plan), Project: project}, time.Minute)
}

const onePlan = `{"format_version": "1.2", "resource_changes": [
	{"address": "aws_s3_bucket.logs", "mode": "managed", "type": "aws_s3_bucket", "name": "logs",
	 "change": {"actions": ["create"], "after": {"bucket": "logs", "tags": {"env": "prod"}}}}
]}`

func TestConftestExampleWorksUnchanged(t *testing.T) {
	cmd := exec.Command("go", "mod", "download", "-json", "github.com/open-policy-agent/conftest@v0.71.1")
	cmd.Dir = t.TempDir() // outside this module, so that go.mod and go.sum stay as they are
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go mod download conftest: %v\n%s", err, out)
	}
	var mod struct{ Dir, Error string }
	if err := json.Unmarshal(out, &mod); err != nil || mod.Dir == "" {
		t.Fatalf("go mod download conftest: %v, %q", err, out)
	}
	examples := filepath.Join(mod.Dir, "examples", "hcl1")
	p, err := Load([]Set{{Name: "conftest", Paths: []string{filepath.Join(examples, "policy")}, Owners: []string{"alice"}, Line: 2}}, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	c, _ := p.Set("conftest")
	plan, err := os.ReadFile(filepath.Join(examples, "gke-show.json"))
	if err != nil {
		t.Fatal(err)
	}
	got := c.Eval(context.Background(), Input{Plan: plan}, time.Minute)
	// As `conftest test`: 2 tests, 1 passed, 0 warnings, 1 failure.
	want := Result{
		Set:      "conftest",
		Failures: []string{"Terraform plan will change prohibited resources in the following namespaces: google_iam, google_container"},
		Passed:   1,
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
	if got.OK() {
		t.Fatal("a failure is OK")
	}
}

func TestConftestSemantics(t *testing.T) {
	c := compile(t, Set{Namespaces: []string{"main", "aws.s3"}}, map[string]string{
		"main.rego": `package main

deny contains "plain" if input.resource_changes[0].change.actions[_] == "create"

deny contains {"msg": "with metadata", "severity": "high"} if true

deny_tags contains sprintf("%s has no team tag", [rc.address]) if {
	some rc in input.resource_changes
	not rc.change.after.tags.team
}

violation_never contains "never" if false

warn_env contains "env tag is deprecated" if input.resource_changes[_].change.after.tags.env

# Excepted, so its message is not reported.
deny_bucket contains "buckets are excepted" if true

exception contains ["bucket"] if true
`,
		"aws/s3.rego": `package aws.s3

deny contains "duplicate" if true

deny contains "duplicate" if true

warn contains "from aws.s3" if true
`,
		// Another package is not queried unless named.
		"other.rego": "package other\n\ndeny contains \"never queried\" if true\n",
	})
	got := eval(t, c, onePlan, Project{})
	want := Result{
		Set:      "test",
		Failures: []string{"aws_s3_bucket.logs has no team tag", "duplicate", "plain", "with metadata"},
		Warnings: []string{"env tag is deprecated", "from aws.s3"},
		// main: 6 rule bodies, 5 messages, 1 exception, violation_never an
		// empty set: 1 pass. aws.s3: 3 bodies, 2 messages, 1 more pass.
		Passed: 2,
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
}

func TestSuccessesCountAsConftestDoes(t *testing.T) {
	c := compile(t, Set{}, map[string]string{"p.rego": `package main

deny contains "a" if input.a

deny contains "b" if input.b

warn_x contains "x" if input.x

# A complete rule that is undefined counts as a pass too.
violation := {"v"} if input.v
`})
	for _, tc := range []struct {
		plan   string
		passed int
	}{
		{`{}`, 4},
		{`{"a": true}`, 3},
		{`{"a": true, "b": true, "x": true, "v": true}`, 0},
	} {
		if got := eval(t, c, tc.plan, Project{}); got.Passed != tc.passed || got.Error != "" {
			t.Errorf("plan %s: %+v, want %d passed", tc.plan, got, tc.passed)
		}
	}
}

func TestExceptionWithEmptyNameSkipsUnsuffixedRules(t *testing.T) {
	c := compile(t, Set{}, map[string]string{"p.rego": `package main

deny contains "deny" if true

warn contains "warn" if true

deny_x contains "deny_x" if true

exception contains [""] if input.all
`})
	if got := eval(t, c, `{"all": true}`, Project{}); !reflect.DeepEqual(got.Failures, []string{"deny_x"}) || got.Warnings != nil {
		t.Fatalf("with the exception: %+v", got)
	}
	if got := eval(t, c, `{}`, Project{}); len(got.Failures) != 2 || len(got.Warnings) != 1 {
		t.Fatalf("without it: %+v", got)
	}
}

func TestRegoV0(t *testing.T) {
	c := compile(t, Set{RegoVersion: "v0"}, map[string]string{"p.rego": `package main

deny[msg] {
	rc := input.resource_changes[_]
	rc.change.actions[_] == "create"
	msg := sprintf("%s is created", [rc.address])
}

warn_old[{"msg": "v0 syntax"}] { true }
`})
	got := eval(t, c, onePlan, Project{})
	if !reflect.DeepEqual(got.Failures, []string{"aws_s3_bucket.logs is created"}) || !reflect.DeepEqual(got.Warnings, []string{"v0 syntax"}) || got.Error != "" {
		t.Fatalf("got %+v", got)
	}
	// The same file is not Rego v1.
	dir := writeFiles(t, map[string]string{"p.rego": "package main\n\ndeny[msg] { msg := \"x\" }\n"})
	if _, err := Load([]Set{{Name: "v1", Paths: []string{"."}}}, dir); err == nil || !strings.Contains(err.Error(), "p.rego:3:") {
		t.Fatalf("v0 syntax loaded as v1: %v", err)
	}
}

func TestProjectIsDataPavedProject(t *testing.T) {
	c := compile(t, Set{}, map[string]string{"p.rego": `package main

deny contains sprintf("%s %s %s %s %s", [p.repo, p.name, p.dir, p.workspace, p.team]) if p := data.paved.project

warn contains sprintf("%d keys", [count(data.paved.project)]) if data.paved

# The plan is still the whole input.
warn contains "plan is input" if input.format_version == "1.2"

# The bot's environment, and so its secrets, stay out of reach.
warn contains "environment" if opa.runtime().env
`})
	got := eval(t, c, onePlan, Project{Repo: "github.com/acme/web", Name: "web-prod", Dir: "envs/prod", Workspace: "prod", Team: "web"})
	want := Result{Set: "test", Failures: []string{"github.com/acme/web web-prod envs/prod prod web"}, Warnings: []string{"5 keys", "plan is input"}, Passed: 1}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
}

func init() {
	// A builtin that panics, since no builtin of OPA's own does.
	rego.RegisterBuiltin1(&rego.Function{Name: "planpolicy_test.panic", Decl: types.NewFunction(types.Args(types.A), types.A)},
		func(rego.BuiltinContext, *ast.Term) (*ast.Term, error) { panic("boom") })
}

func TestEvalErrors(t *testing.T) {
	for _, tc := range []struct {
		name, policy, plan, want string
	}{
		{"builtin error", `deny contains "x" if to_number("x") > 1`, onePlan, `p.rego:3: eval_builtin_error: to_number: strconv.ParseFloat: parsing "x": invalid syntax`},
		{"conflict", "deny contains \"x\" if v > 0\n\nv := 1 if true\n\nv := 2 if true\n", onePlan, "eval_conflict_error: rule data.main.v produced conflicting values"},
		{"plan not JSON", `deny contains "x" if false`, `{"resource_changes": [`, "plan is not JSON: unexpected end of JSON input"},
		{"two documents", `deny contains "x" if false`, `{} {}`, "plan is not JSON: invalid character '{' after top-level value"},
		{"plan not an object", `deny contains "x" if false`, `[1]`, "plan is not a JSON object"},
		{"object without msg", `deny contains {"message": "x"} if true`, onePlan, `data.main.deny: an object without a string msg: {"message":"x"}`},
		{"number", `deny contains 1 if true`, onePlan, "data.main.deny: the number 1 is not a message"},
		{"empty message", `deny contains "" if true`, onePlan, "data.main.deny: a message is empty"},
		{"boolean rule", `deny if true`, onePlan, "data.main.deny is the boolean true, not a set of messages"},
		{"error in an excepted rule", "deny_x contains \"x\" if to_number(\"x\")\n\nexception contains [\"x\"] if true\n", onePlan, "data.main.deny_x: p.rego:3: eval_builtin_error: to_number"},
		{"error in an exception", "deny_x contains \"x\" if true\n\nexception contains [\"x\"] if to_number(\"x\")\n", onePlan, "exceptions to data.main.deny_x: p.rego:5: eval_builtin_error"},
		{"panic", `deny contains "x" if planpolicy_test.panic(1)`, onePlan, "policy evaluation panicked: boom"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := compile(t, Set{}, map[string]string{"p.rego": "package main\n\n" + tc.policy + "\n"})
			got := eval(t, c, tc.plan, Project{})
			if !strings.Contains(got.Error, tc.want) || got.OK() || got.Failures != nil || got.Set != "test" {
				t.Fatalf("got %+v\nwant an error with %q", got, tc.want)
			}
		})
	}
}

func TestEvalTimesOut(t *testing.T) {
	c := compile(t, Set{}, map[string]string{"slow.rego": `package main

deny contains "slow" if {
	count([x | some i in numbers.range(1, 10000); some j in numbers.range(1, 10000); x := i * j]) > 0
}
`})
	// A backstop, should the timeout not stop the evaluation.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	done := make(chan Result, 1)
	go func() { done <- c.Eval(ctx, Input{Plan: []byte(onePlan)}, 200*time.Millisecond) }()
	select {
	case got := <-done:
		if got.Error != "timed out after 200ms" || got.OK() {
			t.Fatalf("got %+v", got)
		}
	case <-time.After(2 * time.Minute):
		t.Fatal("evaluation not stopped")
	}
	// Cancelled by the caller, it says so.
	stopped, stop := context.WithCancelCause(context.Background())
	stop(fmt.Errorf("the bot is shutting down"))
	if got := c.Eval(stopped, Input{Plan: []byte(onePlan)}, time.Minute); got.Error != "policy evaluation stopped: the bot is shutting down" {
		t.Fatalf("cancelled: %+v", got)
	}
}

func TestConcurrentEval(t *testing.T) {
	c := compile(t, Set{}, map[string]string{"p.rego": `package main

deny contains sprintf("%s in %s", [rc.address, data.paved.project.workspace]) if some rc in input.resource_changes
`})
	var wg sync.WaitGroup
	errs := make(chan string, 16)
	for i := range 16 {
		wg.Go(func() {
			ws := fmt.Sprintf("ws%d", i)
			for range 20 {
				got := eval(t, c, onePlan, Project{Workspace: ws})
				if want := []string{"aws_s3_bucket.logs in " + ws}; !reflect.DeepEqual(got.Failures, want) {
					errs <- fmt.Sprintf("%+v, want %q", got, want)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

func TestProjectFieldsAreItsJSON(t *testing.T) {
	p := Project{Repo: "r", Name: "n", Dir: "d", Workspace: "w", Team: "t"}
	data, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	var want map[string]any
	if err := json.Unmarshal(data, &want); err != nil {
		t.Fatal(err)
	}
	if got := p.fields(); !reflect.DeepEqual(got, want) {
		t.Fatalf("data.paved.project is %v, the JSON %v", got, want)
	}
}
