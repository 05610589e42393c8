package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/paved-road/paved/bench/proc"
	"github.com/paved-road/paved/bot/planpolicy"
)

// policyTimeout is what paved-bot bounds one set's evaluation of one plan
// by unless told otherwise (workflow.DefaultPolicyTimeout).
const policyTimeout = 10 * time.Second

// inputPolicy is the benchmark's own policy, over what terraform_data
// resources carry in their input: the example policies look at AWS types
// and tags attributes, which terraform_data has not.
const inputPolicy = `package main

import rego.v1

# Creating or updating a terraform_data whose input has no non-empty team tag.
deny_input_team_tag contains msg if {
	some rc in input.resource_changes
	rc.mode == "managed"
	rc.type == "terraform_data"
	some action in rc.change.actions
	action in {"create", "update"}
	not input_team_tag_set(object.get(rc.change.after.input, "tags", {}))
	msg := sprintf("%s has no team tag in its input", [rc.address])
}

input_team_tag_set(tags) if {
	is_string(tags.team)
	trim_space(tags.team) != ""
}

# An xlarge size is allowed, with a warning.
warn_input_xlarge contains msg if {
	some rc in input.resource_changes
	rc.type == "terraform_data"
	rc.change.after.input.size == "xlarge"
	msg := sprintf("%s is xlarge", [rc.address])
}
`

// The example policies the set also holds, as the repository ships them.
var examplePolicies = []string{
	"examples/policies/no-public-ingress/no_public_ingress.rego",
	"examples/policies/team-tag/team_tag.rego",
}

// untagged and xlarge say which of the generated resources lack a team tag
// and which are xlarge: one in 10 and one in 20.
func untagged(i int) bool { return i%10 == 3 }
func xlarge(i int) bool   { return i%20 == 7 }

// policyProject is the Terraform configuration of n terraform_data
// resources whose inputs carry a name, a size and tags.
func policyProject(n int) string {
	var b strings.Builder
	for i := range n {
		size := "small"
		if xlarge(i) {
			size = "xlarge"
		}
		team := fmt.Sprintf("      team = \"team-%d\"\n", i%7)
		if untagged(i) {
			team = ""
		}
		fmt.Fprintf(&b, "resource \"terraform_data\" \"r%03d\" {\n  input = {\n    name = \"r%03d\"\n    size = %q\n    tags = {\n%s      env  = \"prod\"\n      cost = \"cc-%d\"\n    }\n  }\n}\n\n",
			i, i, size, team, 1000+i%13)
	}
	return b.String()
}

// policyFigures is the policy measurement.
type policyFigures struct {
	resources        int
	planBytes        int
	policyFiles      []string
	failures         int // what both found
	warnings         int
	pavedPassed      int
	pavedMessages    []string // failures then warnings, as the last evaluation found them
	conftestMessages []string
	conftestOK       int // conftest's successes
	pavedEval        []time.Duration
	pavedLoad        []time.Duration
	conftest         []time.Duration
	showPlain        []time.Duration
	// bot/runner's Runner.Plan of the project, as the bot plans it:
	// without and with Job.ShowJSON, in the same rounds, the wall time of
	// the call and the time inside its terraform processes; and the
	// first plan of the runner, which asked the version and initialised.
	planPlain, planShow     []time.Duration
	planPlainTF, planShowTF []time.Duration
	planFirst               time.Duration
	allocBytes              []uint64 // per paved evaluation
	allocObjects            []uint64
	pavedPeakGrowth         int64   // VmHWM growth of this process over the loads and evaluations
	conftestRSS             []int64 // peak RSS of each conftest process
	showPlainRSS            []int64
	conftestExitCode        int
}

// measurePolicies runs the policy measurement in dir.
func measurePolicies(ctx context.Context, k *kit, dir string, o options) (*policyFigures, error) {
	f := &policyFigures{resources: o.resources}
	project := filepath.Join(dir, "project")
	policies := filepath.Join(dir, "policies")
	home := filepath.Join(dir, "home")
	files := map[string]string{"project/main.tf": policyProject(o.resources), "policies/input_team_tag.rego": inputPolicy}
	for _, p := range examplePolicies {
		raw, err := os.ReadFile(filepath.Join(k.Root, p))
		if err != nil {
			return nil, err
		}
		files["policies/"+filepath.Base(p)] = string(raw)
		f.policyFiles = append(f.policyFiles, p)
	}
	if err := proc.WriteFiles(dir, files); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(home, 0o700); err != nil {
		return nil, err
	}
	prog.Progress("planning %d terraform_data resources", o.resources)
	env := tfEnv(home)
	for _, args := range [][]string{{"init", "-input=false", "-no-color"}, {"plan", "-input=false", "-no-color", "-out=plan.tfplan"}} {
		if _, err := runTimed(ctx, project, env, k.Terraform, args...); err != nil {
			return nil, err
		}
	}
	first, err := runTimed(ctx, project, env, k.Terraform, "show", "-json", "plan.tfplan")
	if err != nil {
		return nil, err
	}
	planJSON := first.stdout
	f.planBytes = len(planJSON)
	var shown struct {
		ResourceChanges []json.RawMessage `json:"resource_changes"`
	}
	if err := json.Unmarshal(planJSON, &shown); err != nil {
		return nil, fmt.Errorf("terraform show -json: %w", err)
	}
	if len(shown.ResourceChanges) != o.resources {
		return nil, fmt.Errorf("terraform show -json has %d resource changes, want %d", len(shown.ResourceChanges), o.resources)
	}
	jsonPath := filepath.Join(dir, "plan.json")
	if err := os.WriteFile(jsonPath, planJSON, 0o644); err != nil {
		return nil, err
	}
	set := planpolicy.Set{Name: "governance", Paths: []string{policies}, Owners: []string{"acme/security"}, Namespaces: []string{"main"}, RegoVersion: "v1"}
	in := planpolicy.Input{Plan: planJSON, Project: planpolicy.Project{Repo: "acme/infra", Name: "platform", Dir: "platform", Workspace: "default", Team: "platform"}}

	// bot/runner's first plan of the project asks terraform's version
	// (once per binary and bot process) and initialises it: timed apart.
	bot, err := newBotPlanner(ctx, k, filepath.Join(dir, "bot"), policyProject(o.resources), home)
	if err != nil {
		return nil, err
	}
	prog.Progress("planning them through bot/runner, sandboxed")
	firstPlan, err := bot.plan(ctx, true, o.resources)
	if err != nil {
		return nil, err
	}
	f.planFirst = firstPlan.wall

	// What both must find.
	wantFailures, wantWarnings := 0, 0
	for i := range o.resources {
		if untagged(i) {
			wantFailures++
		}
		if xlarge(i) {
			wantWarnings++
		}
	}

	// VmHWM from here on is what the loads and evaluations add to this
	// process (writing 5 to clear_refs resets it to the current RSS).
	runtime.GC()
	hwmReset := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
	rssBefore, _ := proc.Status(os.Getpid(), "VmRSS")

	steps := []func() error{
		func() error { // paved-bot: load once (at the bot's start), evaluate per project
			start := time.Now()
			policies, err := planpolicy.Load([]planpolicy.Set{set}, "")
			if err != nil {
				return err
			}
			f.pavedLoad = append(f.pavedLoad, time.Since(start))
			c, _ := policies.Set(set.Name)
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			start = time.Now()
			res := c.Eval(ctx, in, policyTimeout)
			took := time.Since(start)
			runtime.ReadMemStats(&after)
			if res.Error != "" {
				return fmt.Errorf("paved-bot's evaluation failed: %s", res.Error)
			}
			if len(res.Failures) != wantFailures || len(res.Warnings) != wantWarnings {
				return fmt.Errorf("paved-bot's evaluation found %d failures and %d warnings, want %d and %d",
					len(res.Failures), len(res.Warnings), wantFailures, wantWarnings)
			}
			f.pavedEval = append(f.pavedEval, took)
			f.allocBytes = append(f.allocBytes, after.TotalAlloc-before.TotalAlloc)
			f.allocObjects = append(f.allocObjects, after.Mallocs-before.Mallocs)
			f.pavedPassed = res.Passed
			f.pavedMessages = slices.Concat(res.Failures, res.Warnings)
			return nil
		},
		func() error { // conftest, over the JSON file the user wrote
			r, err := runTimed(ctx, dir, env, k.conftest, "test", "--policy", policies, "--no-color", "--output", "json", jsonPath)
			if err != nil && r.exitCode != 1 { // 1: failures found
				return err
			}
			failures, warnings, successes, err := conftestCounts(r.stdout)
			if err != nil {
				return err
			}
			if len(failures) != wantFailures || len(warnings) != wantWarnings {
				return fmt.Errorf("conftest found %d failures and %d warnings, want %d and %d", len(failures), len(warnings), wantFailures, wantWarnings)
			}
			f.conftestMessages = slices.Concat(failures, warnings)
			f.conftest = append(f.conftest, r.wall)
			f.conftestRSS = append(f.conftestRSS, r.maxRSS)
			f.conftestOK, f.conftestExitCode = successes, r.exitCode
			return nil
		},
		func() error { // the user's terraform show -json > plan.json
			r, err := runTimed(ctx, project, env, k.Terraform, "show", "-json", "plan.tfplan")
			if err != nil {
				return err
			}
			if !bytes.Equal(r.stdout, planJSON) {
				return fmt.Errorf("terraform show -json printed something else the second time")
			}
			f.showPlain = append(f.showPlain, r.wall)
			f.showPlainRSS = append(f.showPlainRSS, r.maxRSS)
			return nil
		},
		func() error { // paved-bot's plan of the project, without and with the plan's JSON
			round := len(f.planPlain)
			var plain, show planned
			for i := range 2 {
				// Which goes first alternates from round to round.
				var err error
				if (i+round)%2 == 0 {
					plain, err = bot.plan(ctx, false, o.resources)
				} else {
					show, err = bot.plan(ctx, true, o.resources)
				}
				if err != nil {
					return err
				}
			}
			f.planPlain, f.planPlainTF = append(f.planPlain, plain.wall), append(f.planPlainTF, plain.terraform)
			f.planShow, f.planShowTF = append(f.planShow, show.wall), append(f.planShowTF, show.terraform)
			return nil
		},
	}
	prog.Progress("policy checks: %d rounds of paved-bot's evaluation, conftest, terraform show and bot/runner's plans", o.evals)
	for i := range o.evals {
		// Each round in another order, so that none always runs first.
		for j := range steps {
			if err := steps[(i+j)%len(steps)](); err != nil {
				return nil, err
			}
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
	}
	if hwm, ok := proc.Status(os.Getpid(), "VmHWM"); ok && hwmReset {
		f.pavedPeakGrowth = max(0, hwm-rssBefore)
	} else {
		f.pavedPeakGrowth = -1
	}
	// The plan the bot checks is its own, from bot/runner: the same
	// verdicts.
	if err := sameVerdicts(ctx, set, in, firstPlan.json, f.pavedMessages); err != nil {
		return nil, err
	}
	if !slices.Equal(f.pavedMessages, f.conftestMessages) {
		return nil, fmt.Errorf("paved-bot and conftest found different messages:\npaved-bot: %q\nconftest: %q", f.pavedMessages, f.conftestMessages)
	}
	f.failures, f.warnings = wantFailures, wantWarnings
	return f, nil
}

// conftestCounts reads `conftest test --output json`, one result per file
// and namespace: the messages of its failures and of its warnings, each
// sorted, and the successes.
func conftestCounts(out []byte) (failures, warnings []string, successes int, err error) {
	type message struct {
		Msg string `json:"msg"`
	}
	var results []struct {
		Namespace string    `json:"namespace"`
		Successes int       `json:"successes"`
		Failures  []message `json:"failures"`
		Warnings  []message `json:"warnings"`
	}
	if err := json.Unmarshal(out, &results); err != nil {
		return nil, nil, 0, fmt.Errorf("conftest's JSON output: %w\n%s", err, proc.Tail(string(out)))
	}
	for _, r := range results {
		for _, m := range r.Failures {
			failures = append(failures, m.Msg)
		}
		for _, m := range r.Warnings {
			warnings = append(warnings, m.Msg)
		}
		successes += r.Successes
	}
	slices.Sort(failures)
	slices.Sort(warnings)
	return failures, warnings, successes, nil
}

// sameVerdicts evaluates the set against plan as the bot does and fails
// unless it finds want, failures then warnings.
func sameVerdicts(ctx context.Context, set planpolicy.Set, in planpolicy.Input, plan []byte, want []string) error {
	policies, err := planpolicy.Load([]planpolicy.Set{set}, "")
	if err != nil {
		return err
	}
	c, _ := policies.Set(set.Name)
	in.Plan = plan
	res := c.Eval(ctx, in, policyTimeout)
	if res.Error != "" {
		return fmt.Errorf("paved-bot's evaluation of bot/runner's plan failed: %s", res.Error)
	}
	if got := slices.Concat(res.Failures, res.Warnings); !slices.Equal(got, want) {
		return fmt.Errorf("bot/runner's plan gave other verdicts than terraform show -json's:\n%q\n%q", got, want)
	}
	return nil
}

// timed is one process's run.
type timed struct {
	wall     time.Duration
	stdout   []byte
	exitCode int
	maxRSS   int64 // bytes
}

// runTimed runs a command in dir with exactly env, timing it from start to
// exit; a non-zero exit is an error, with the exit code in the result.
func runTimed(ctx context.Context, dir string, env []string, name string, args ...string) (timed, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir, cmd.Env = dir, env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	if cmd.ProcessState == nil {
		return timed{}, fmt.Errorf("%s: %w", name, err)
	}
	r := timed{wall: time.Since(start), stdout: stdout.Bytes(), exitCode: cmd.ProcessState.ExitCode()}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		r.maxRSS = ru.Maxrss << 10
	}
	if err != nil {
		return r, fmt.Errorf("%s %s (in %s): %w\n%s%s", filepath.Base(name), strings.Join(args, " "), dir, err,
			proc.Tail(stdout.String()), proc.Tail(stderr.String()))
	}
	return r, nil
}

// median is the middle value of d (the lower of the two middle ones).
func median[T int64 | uint64 | time.Duration](d []T) T {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return s[(len(s)-1)/2]
}
