package standards

import (
	"bytes"
	"errors"
	"io"

	"go.yaml.in/yaml/v3"

	"github.com/paved-road/paved/provider/engines"
)

// parser walks the YAML node tree rather than decoding into structs, so that
// every problem can name the line, column and key it was found at. It
// collects problems instead of stopping at the first.
type parser struct {
	file string
	errs []*Error
}

// root decodes data and returns its top-level node, or nil after reporting
// why there is none.
func (p *parser) root(data []byte) *yaml.Node {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	switch err := dec.Decode(&doc); {
	case errors.Is(err, io.EOF):
		p.errs = append(p.errs, &Error{File: p.file, Msg: "empty document"})
		return nil
	case err != nil:
		p.errs = append(p.errs, syntaxError(p.file, err))
		return nil
	}
	// yaml.Unmarshal would silently ignore any document after the first.
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case err == nil:
		p.errorf(&extra, "", "found a second YAML document; the file must hold exactly one")
	case !errors.Is(err, io.EOF):
		p.errs = append(p.errs, syntaxError(p.file, err))
	}
	root := doc.Content[0]
	if root.ShortTag() == "!!null" {
		p.errorf(root, "", "empty document")
		return nil
	}
	return root
}

func (p *parser) document(root *yaml.Node) *Document {
	f := p.fields("", root, root,
		[]string{"version", "organization", "hub_account_id", "deployer_role_name", "teams", "environments"},
		[]string{"required_tags"})
	d := &Document{
		File:             p.file,
		Version:          f.int("version", checkVersion),
		Organization:     f.str("organization", checkOrganization),
		HubAccountID:     f.accountID("hub_account_id"),
		DeployerRoleName: f.str("deployer_role_name", checkRoleName),
		RequiredTags:     f.strs("required_tags", 0, checkTagKey),
		Teams:            f.strs("teams", 1, checkTeamName),
	}
	if e, ok := f.entry("environments"); ok {
		d.Environments = p.environments(e, d.HubAccountID)
	}
	return d
}

func (p *parser) environments(e entry, hub string) map[string]Environment {
	entries, ok := p.entries(e.path, e.val)
	if !ok {
		return nil
	}
	if len(entries) == 0 {
		p.errorf(e.val, e.path, "at least one environment is required")
	}
	envs := make(map[string]Environment, len(entries))
	owner := map[string]string{} // account id -> environment using it
	for _, ee := range entries {
		if err := checkEnvironmentName(ee.name); err != nil {
			p.errorf(ee.key, ee.path, "%v", err)
		}
		envs[ee.name] = p.environment(ee, hub, owner)
	}
	return envs
}

// environment reads one environment. Its account must differ from the hub
// account and from those of the environments before it, recorded in owner.
func (p *parser) environment(e entry, hub string, owner map[string]string) Environment {
	f := p.fields(e.path, e.key, e.val,
		[]string{"account_id", "region", "vpc_id", "subnet_ids", "security_group_ids", "redis"}, nil)
	env := Environment{
		Name:             e.name,
		AccountID:        f.accountID("account_id"),
		Region:           f.str("region", checkRegion),
		VPCID:            f.str("vpc_id", checkVPCID),
		SubnetIDs:        f.strs("subnet_ids", 1, checkSubnetID),
		SecurityGroupIDs: f.strs("security_group_ids", 1, checkSecurityGroupID),
	}
	if f.valid("account_id") {
		switch id := env.AccountID; {
		case id == hub:
			f.errorf("account_id", "%s is the hub account (hub_account_id); environments need accounts of their own", id)
		case owner[id] != "":
			f.errorf("account_id", "account %s is also used by environment %q", id, owner[id])
		default:
			owner[id] = e.name
		}
	}
	if re, ok := f.entry("redis"); ok {
		env.Redis = p.redis(re)
	}
	return env
}

func (p *parser) redis(e entry) RedisDefaults {
	f := p.fields(e.path, e.key, e.val,
		[]string{"node_type", "replicas", "multi_az", "snapshot_retention_days", "snapshot_window",
			"maintenance_window", "at_rest_encryption", "transit_encryption"},
		[]string{"automatic_failover", "port", "parameters"})
	r := RedisDefaults{
		NodeType:              f.str("node_type", checkNodeType),
		Replicas:              f.int("replicas", between(0, 5)),
		MultiAZ:               f.bool("multi_az"),
		SnapshotRetentionDays: f.int("snapshot_retention_days", between(0, 35)),
		SnapshotWindow:        f.str("snapshot_window", CheckSnapshotWindow),
		MaintenanceWindow:     f.str("maintenance_window", CheckMaintenanceWindow),
		AtRestEncryption:      f.bool("at_rest_encryption"),
		TransitEncryption:     f.bool("transit_encryption"),
		Port:                  6379,
	}
	r.AutomaticFailover = r.MultiAZ
	if f.has("automatic_failover") {
		r.AutomaticFailover = f.bool("automatic_failover")
	}
	if f.has("port") {
		r.Port = f.int("port", between(1, 65535))
	}
	if pe, ok := f.entry("parameters"); ok {
		r.Parameters = p.parameters(pe)
	}

	// ElastiCache needs a replica to fail over to, and Multi-AZ is built on failover.
	if f.valid("multi_az", "replicas") && r.MultiAZ && r.Replicas < 1 {
		f.errorf("multi_az", "multi_az requires at least 1 replica, but replicas is %d", r.Replicas)
	}
	if f.valid("automatic_failover", "replicas") && r.AutomaticFailover && r.Replicas < 1 {
		f.errorf("automatic_failover", "automatic_failover requires at least 1 replica, but replicas is %d", r.Replicas)
	}
	if f.valid("automatic_failover", "multi_az") && r.MultiAZ && !r.AutomaticFailover {
		f.errorf("automatic_failover", "must be true when multi_az is true")
	}
	if f.valid("snapshot_window", "maintenance_window") {
		snapshot, _ := dailyWindow(r.SnapshotWindow) // both already validated
		maintenance, _ := weeklyWindow(r.MaintenanceWindow)
		if overlaps(snapshot, maintenance) {
			f.errorf("maintenance_window", "%q overlaps the snapshot window %q, which recurs daily", r.MaintenanceWindow, r.SnapshotWindow)
		}
	}
	return r
}

// engineFamilies are the ElastiCache parameter group families paved supports.
var engineFamilies = engines.Families()

func (p *parser) parameters(e entry) map[string]map[string]string {
	f := p.fields(e.path, e.key, e.val, nil, engineFamilies)
	families := map[string]map[string]string{}
	for _, family := range engineFamilies {
		fe, ok := f.entry(family)
		if !ok {
			continue
		}
		params, _ := p.entries(fe.path, fe.val)
		values := make(map[string]string, len(params))
		for _, pe := range params {
			if err := engines.CheckParameter(family, pe.name); err != nil {
				p.errorf(pe.key, pe.path, "%v", err)
				continue
			}
			// Parameter groups take every value as text, so keep what was written.
			if pe.val.Kind != yaml.ScalarNode || pe.val.ShortTag() == "!!null" {
				p.errorf(pe.val, pe.path, "expected a parameter value (a string, number or boolean), got %s", describe(pe.val))
				continue
			}
			values[pe.name] = pe.val.Value
		}
		families[family] = values
	}
	return families
}
