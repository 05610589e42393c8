package runner

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
)

// Tools maps "terraform@1.8.5" or "tofu@1.12.6" to the binary's absolute path. Default is the key
// used when a project names no tool.
type Tools struct {
	Paths   map[string]string
	Default string
}

// ParseTools reads flag values of the form "terraform@1.8.5=/usr/local/bin/terraform", one per
// tool version. The first one is the default.
func ParseTools(specs []string) (Tools, error) {
	t := Tools{Paths: map[string]string{}}
	for _, spec := range specs {
		key, path, ok := strings.Cut(spec, "=")
		name, version, versioned := strings.Cut(key, "@")
		switch {
		case !ok || !versioned || version == "":
			return Tools{}, fmt.Errorf("tool %q: want NAME@VERSION=PATH, as in terraform@1.8.5=/usr/local/bin/terraform", spec)
		case name != "terraform" && name != "tofu":
			return Tools{}, fmt.Errorf("tool %q: the name must be terraform or tofu", spec)
		case !filepath.IsAbs(path):
			return Tools{}, fmt.Errorf("tool %q: the path must be absolute", spec)
		}
		if _, dup := t.Paths[key]; dup {
			return Tools{}, fmt.Errorf("tool %s is given twice", key)
		}
		t.Paths[key] = path
		if t.Default == "" {
			t.Default = key
		}
	}
	return t, nil
}

// Resolve picks the binary for a tool name ("terraform" or "tofu"; "" means the default's) and
// version. An empty version means the default when it is that tool, otherwise the tool's only
// configured version. The error lists what is configured.
func (t Tools) Resolve(name, version string) (key, path string, err error) {
	if name == "" {
		if t.Default == "" {
			return "", "", fmt.Errorf("no tool named and no default tool configured (configured: %s)", t.list())
		}
		name, _, _ = strings.Cut(t.Default, "@")
	}
	if version != "" {
		key = name + "@" + version
		if path, ok := t.Paths[key]; ok {
			return key, path, nil
		}
		return "", "", fmt.Errorf("%s is not configured (configured: %s)", key, t.list())
	}
	if strings.HasPrefix(t.Default, name+"@") {
		return t.Default, t.Paths[t.Default], nil
	}
	var candidates []string
	for k := range t.Paths {
		if strings.HasPrefix(k, name+"@") {
			candidates = append(candidates, k)
		}
	}
	switch len(candidates) {
	case 0:
		return "", "", fmt.Errorf("%s is not configured (configured: %s)", name, t.list())
	case 1:
		return candidates[0], t.Paths[candidates[0]], nil
	}
	slices.Sort(candidates)
	return "", "", fmt.Errorf("%s has several versions configured (%s); name one", name, strings.Join(candidates, ", "))
}

func (t Tools) list() string {
	if len(t.Paths) == 0 {
		return "none"
	}
	keys := make([]string, 0, len(t.Paths))
	for k := range t.Paths {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return strings.Join(keys, ", ")
}
