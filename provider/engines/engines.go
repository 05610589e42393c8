// Package engines holds what paved knows about ElastiCache engines: the
// versions it supports, the parameter group family of each, and the
// parameter names valid in each family, so that mistakes are caught at
// plan time instead of halfway through an apply.
package engines

import (
	"fmt"
	"sort"
	"strings"

	"github.com/paved-road/paved/internal/suggest"
)

// Engine names as the ElastiCache API spells them.
const (
	Redis  = "redis"
	Valkey = "valkey"
)

// versions maps engine → version → parameter group family. Versions are
// major.minor, as CreateReplicationGroup accepts them for Redis OSS 6 and
// later and for Valkey.
var versions = map[string]map[string]string{
	Redis: {
		"6.0": "redis6.x",
		"6.2": "redis6.x",
		"7.0": "redis7",
		"7.1": "redis7",
	},
	Valkey: {
		"7.2": "valkey7",
		"8.0": "valkey8",
		"8.1": "valkey8",
	},
}

// Names returns the supported engines.
func Names() []string { return []string{Redis, Valkey} }

// Family returns the parameter group family of an engine version, or an
// error that lists the versions that exist.
func Family(engine, version string) (string, error) {
	byVersion, ok := versions[engine]
	if !ok {
		return "", fmt.Errorf("engine %q is not supported; use one of %s", engine, strings.Join(Names(), ", "))
	}
	family, ok := byVersion[version]
	if !ok {
		return "", fmt.Errorf("%s has no version %q; supported versions are %s", engine, version, strings.Join(Versions(engine), ", "))
	}
	return family, nil
}

// Versions returns an engine's supported versions in order.
func Versions(engine string) []string {
	out := make([]string, 0, len(versions[engine]))
	for v := range versions[engine] {
		out = append(out, v)
	}
	sort.Strings(out)
	return out
}

// Families returns every parameter group family paved knows.
func Families() []string {
	seen := map[string]bool{}
	for _, byVersion := range versions {
		for _, f := range byVersion {
			seen[f] = true
		}
	}
	out := make([]string, 0, len(seen))
	for f := range seen {
		out = append(out, f)
	}
	sort.Strings(out)
	return out
}

// CheckParameter reports whether name is a parameter of the family, with a
// suggestion when it is close to one.
func CheckParameter(family, name string) error {
	params, ok := parameters[family]
	if !ok {
		return fmt.Errorf("unknown parameter group family %q; known families are %s", family, strings.Join(Families(), ", "))
	}
	if params[name] {
		return nil
	}
	msg := fmt.Sprintf("%q is not a parameter of family %s", name, family)
	names := make([]string, 0, len(params))
	for p := range params {
		names = append(names, p)
	}
	if s := suggest.Closest(name, names); s != "" {
		msg += fmt.Sprintf("; did you mean %q?", s)
	}
	return fmt.Errorf("%s", msg)
}
