// Package standards reads the company standards document: the YAML file in
// which the platform team records accounts, networks, teams and Redis
// defaults that every paved resource follows.
//
// Parsing is strict. Every problem in the file is reported at once, each
// with its file, line, column and key, so a user can fix the file in one
// pass.
package standards

import (
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"

	"github.com/paved-road/paved/internal/yamlcheck"
)

// Document is a parsed and validated standards document.
type Document struct {
	File             string // the file name errors refer to
	Version          int
	Organization     string
	HubAccountID     string // the security account people sign in to
	DeployerRoleName string // the role assumed in every environment account
	RequiredTags     []string
	Teams            []string
	Environments     map[string]Environment
}

// Environment is one deployment environment, which has its own AWS account.
type Environment struct {
	Name             string
	AccountID        string
	Region           string
	VPCID            string
	SubnetIDs        []string
	SecurityGroupIDs []string
	Redis            RedisDefaults
}

// RedisDefaults are the settings of Redis and Valkey caches in an environment.
type RedisDefaults struct {
	NodeType              string
	Replicas              int
	MultiAZ               bool
	AutomaticFailover     bool // defaults to MultiAZ
	SnapshotRetentionDays int
	SnapshotWindow        string // daily, "HH:MM-HH:MM" UTC
	MaintenanceWindow     string // weekly, "ddd:HH:MM-ddd:HH:MM" UTC
	AtRestEncryption      bool
	TransitEncryption     bool
	Port                  int                          // defaults to 6379
	Parameters            map[string]map[string]string // engine family -> parameter name -> value
}

// Parse parses and validates a standards document; filename is only used in
// messages. The error joins an *Error for every problem found, in file order.
func Parse(filename string, data []byte) (*Document, error) {
	p := &parser{&yamlcheck.Problems{File: filename}}
	var d *Document
	if root := p.Document(data, "empty document"); root != nil {
		d = p.document(root)
	}
	if err := joinErrors(p.List()); err != nil {
		return nil, err
	}
	return d, nil
}

// Load reads and parses the standards document at path.
func Load(path string) (*Document, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, data)
}

// Environment returns the named environment or an error listing the known ones.
func (d *Document) Environment(name string) (Environment, error) {
	if env, ok := d.Environments[name]; ok {
		return env, nil
	}
	return Environment{}, fmt.Errorf("%s: unknown environment %q; known environments: %s",
		d.File, name, strings.Join(d.EnvironmentNames(), ", "))
}

// EnvironmentNames returns the environment names, sorted.
func (d *Document) EnvironmentNames() []string {
	return slices.Sorted(maps.Keys(d.Environments))
}

// HasTeam reports whether name is a known team.
func (d *Document) HasTeam(name string) bool {
	return slices.Contains(d.Teams, name)
}

// MissingRequiredTags returns the required tag keys absent from tags, sorted,
// or nil if there are none.
func (d *Document) MissingRequiredTags(tags map[string]string) []string {
	var missing []string
	for _, key := range d.RequiredTags {
		if _, ok := tags[key]; !ok {
			missing = append(missing, key)
		}
	}
	slices.Sort(missing)
	return missing
}
