// Package prism runs Stoplight Prism as a validating proxy in front of a GitHub
// stand-in, so every request a test client makes and every response the
// stand-in gives is judged against GitHub's own REST description. It also
// locates the pinned npm packages that scripts/tools.sh node installs: Prism,
// @octokit/openapi and @octokit/webhooks-examples.
package prism

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// NodeModules is where scripts/tools.sh node installs the packages of
// package.json: $PAVED_CACHE/node/node_modules, with PAVED_CACHE defaulting
// to ${XDG_CACHE_HOME:-$HOME/.cache}/paved as in the script.
func NodeModules() string {
	cache := os.Getenv("PAVED_CACHE")
	if cache == "" {
		dir, err := os.UserCacheDir()
		if err != nil {
			// Neither XDG_CACHE_HOME nor HOME is set: Installed reports the
			// relative path as missing, which names the fix.
			dir = ".cache"
		}
		cache = filepath.Join(dir, "paved")
	}
	return filepath.Join(cache, "node", "node_modules")
}

// SpecPath is GitHub's REST description for api.github.com.
func SpecPath() string {
	return filepath.Join(NodeModules(), "@octokit", "openapi", "generated", "api.github.com.json")
}

// ExamplesPath is the list of real webhook payloads for api.github.com,
// grouped by event name.
func ExamplesPath() string {
	return filepath.Join(NodeModules(), "@octokit", "webhooks-examples", "api.github.com", "index.json")
}

// Installed reports whether the packages are in place, with an error that says
// how to install them when they are not.
func Installed() error {
	for _, p := range []string{SpecPath(), ExamplesPath(), cliPackage()} {
		if _, err := os.Stat(p); err != nil {
			return fmt.Errorf("GitHub test stack not installed (%w): run scripts/tools.sh node", err)
		}
	}
	return nil
}

func cliPackage() string {
	return filepath.Join(NodeModules(), "@stoplight", "prism-cli", "package.json")
}

// cliEntry returns the script behind the prism command, read from the
// package's own bin field so a repackaged release still starts.
func cliEntry() (string, error) {
	if err := Installed(); err != nil {
		return "", err
	}
	data, err := os.ReadFile(cliPackage())
	if err != nil {
		return "", fmt.Errorf("reading Prism's package.json: %w", err)
	}
	var pkg struct {
		Bin map[string]string `json:"bin"`
	}
	if err := json.Unmarshal(data, &pkg); err != nil {
		return "", fmt.Errorf("parsing Prism's package.json: %w", err)
	}
	entry, ok := pkg.Bin["prism"]
	if !ok {
		return "", fmt.Errorf("%s has no prism command in bin", cliPackage())
	}
	return filepath.Join(filepath.Dir(cliPackage()), entry), nil
}
