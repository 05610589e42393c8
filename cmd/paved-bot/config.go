package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/paved-road/paved/bot/planpolicy"
	"github.com/paved-road/paved/bot/policy"
)

// listFlag is a repeatable flag; from the environment or a config file it
// takes a comma-separated string or a list.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(v string) error {
	for _, part := range strings.Split(v, ",") {
		if part = strings.TrimSpace(part); part != "" {
			*l = append(*l, part)
		}
	}
	return nil
}

// envName is the environment variable a flag also reads: --webhook-secret
// is PAVED_WEBHOOK_SECRET.
func envName(flagName string) string {
	return "PAVED_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// parseArgs parses the flags of a command other than serve and fills those
// not given from the environment; help is true when -h asked for the usage,
// which the flag package has printed.
func parseArgs(fs *flag.FlagSet, args []string) (help bool, err error) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return true, nil
		}
		return false, errUsage
	}
	_, err = resolve(fs, "")
	return false, err
}

// serverRules are the config file's keys that are not flags: the
// repository rules and the policy sets they name, compiled.
type serverRules struct {
	repos    *policy.Policy
	policies *planpolicy.Policies
}

// resolve fills every flag not given on the command line, first from the
// environment, then from the config file (a YAML map of flag names), so the
// command line wins over the environment, which wins over the file. It
// returns the file's rules, empty when it has none.
func resolve(fs *flag.FlagSet, configFile string) (serverRules, error) {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	fromFile, rules, err := readConfigFile(fs, configFile)
	if err != nil {
		return serverRules{}, err
	}
	var problems []string
	fs.VisitAll(func(f *flag.Flag) {
		if set[f.Name] || f.Name == "config" {
			return
		}
		if v, ok := os.LookupEnv(envName(f.Name)); ok {
			if err := f.Value.Set(v); err != nil {
				problems = append(problems, fmt.Sprintf("%s: %v", envName(f.Name), err))
			}
			return
		}
		if v, ok := fromFile[f.Name]; ok {
			if err := f.Value.Set(v.value); err != nil {
				problems = append(problems, fmt.Sprintf("%s:%d: %s: %v", configFile, v.line, f.Name, err))
			}
		}
	})
	if len(problems) > 0 {
		return serverRules{}, errors.New(strings.Join(problems, "\n"))
	}
	return rules, nil
}

type fileValue struct {
	value string
	line  int
}

// The config file's keys that are not flags: the repository rules of
// package policy and the policy sets of package planpolicy.
const (
	reposKey      = "repos"
	policySetsKey = "policy_sets"
)

// readConfigFile reads the optional server config: keys are flag names,
// values scalars or lists of scalars, repos the repository rules and
// policy_sets the policy sets, which it compiles. Unknown keys are errors
// with the line.
func readConfigFile(fs *flag.FlagSet, path string) (map[string]fileValue, serverRules, error) {
	var rules serverRules
	if path == "" {
		return nil, rules, nil
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, rules, fmt.Errorf("config file: %w", err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		return nil, rules, fmt.Errorf("config file %s: %w", path, err)
	}
	out := map[string]fileValue{}
	if len(doc.Content) == 0 {
		return out, rules, nil
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, rules, fmt.Errorf("%s:%d: want a map of flag names to values", path, root.Line)
	}
	var problems []string
	var sets []planpolicy.Set
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		switch k.Value {
		case reposKey:
			if rules.repos, err = policy.Parse(path, v); err != nil {
				problems = append(problems, err.Error())
			}
			continue
		case policySetsKey:
			if sets, err = planpolicy.Parse(path, v); err != nil {
				problems = append(problems, err.Error())
			}
			continue
		}
		if fs.Lookup(k.Value) == nil || k.Value == "config" {
			problems = append(problems, fmt.Sprintf("%s:%d: unknown key %q; known: %s", path, k.Line, k.Value, strings.Join(append(flagNames(fs), reposKey, policySetsKey), ", ")))
			continue
		}
		switch v.Kind {
		case yaml.ScalarNode:
			out[k.Value] = fileValue{v.Value, v.Line}
		case yaml.SequenceNode:
			var items []string
			for _, item := range v.Content {
				if item.Kind != yaml.ScalarNode {
					problems = append(problems, fmt.Sprintf("%s:%d: %s: list items must be strings", path, item.Line, k.Value))
				}
				items = append(items, item.Value)
			}
			out[k.Value] = fileValue{strings.Join(items, ","), v.Line}
		default:
			problems = append(problems, fmt.Sprintf("%s:%d: %s: want a string or a list", path, v.Line, k.Value))
		}
	}
	if len(problems) > 0 {
		return nil, rules, errors.New(strings.Join(problems, "\n"))
	}
	if rules.policies, err = planpolicy.Load(sets, filepath.Dir(path)); err != nil {
		return nil, rules, err
	}
	err = rules.repos.CheckSets(path, func(name string) bool {
		_, ok := rules.policies.Set(name)
		return ok
	})
	return out, rules, err
}

func flagNames(fs *flag.FlagSet) []string {
	var names []string
	fs.VisitAll(func(f *flag.Flag) {
		if f.Name != "config" {
			names = append(names, f.Name)
		}
	})
	sort.Strings(names)
	return names
}
