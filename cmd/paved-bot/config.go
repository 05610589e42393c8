package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

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

// resolve fills every flag not given on the command line, first from the
// environment, then from the config file (a YAML map of flag names), so the
// command line wins over the environment, which wins over the file. It
// returns the file's repository rules, nil when it has none.
func resolve(fs *flag.FlagSet, configFile string) (*policy.Policy, error) {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	fromFile, rules, err := readConfigFile(fs, configFile)
	if err != nil {
		return nil, err
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
		return nil, errors.New(strings.Join(problems, "\n"))
	}
	return rules, nil
}

type fileValue struct {
	value string
	line  int
}

// reposKey is the config file's one key that is not a flag: the
// repository rules of package policy.
const reposKey = "repos"

// readConfigFile reads the optional server config: keys are flag names,
// values scalars or lists of scalars, and repos the repository rules.
// Unknown keys are errors with the line.
func readConfigFile(fs *flag.FlagSet, path string) (map[string]fileValue, *policy.Policy, error) {
	if path == "" {
		return nil, nil, nil
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("config file: %w", err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		return nil, nil, fmt.Errorf("config file %s: %w", path, err)
	}
	out := map[string]fileValue{}
	if len(doc.Content) == 0 {
		return out, nil, nil
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, nil, fmt.Errorf("%s:%d: want a map of flag names to values", path, root.Line)
	}
	var problems []string
	var rules *policy.Policy
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if k.Value == reposKey {
			if rules, err = policy.Parse(path, v); err != nil {
				problems = append(problems, err.Error())
			}
			continue
		}
		if fs.Lookup(k.Value) == nil || k.Value == "config" {
			problems = append(problems, fmt.Sprintf("%s:%d: unknown key %q; known: %s", path, k.Line, k.Value, strings.Join(append(flagNames(fs), reposKey), ", ")))
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
		return nil, nil, errors.New(strings.Join(problems, "\n"))
	}
	return out, rules, nil
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
