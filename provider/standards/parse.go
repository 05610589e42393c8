package standards

import (
	"go.yaml.in/yaml/v3"

	"github.com/paved-road/paved/internal/yamlcheck"
	"github.com/paved-road/paved/provider/engines"
)

// parser walks the YAML node tree rather than decoding into structs, so that
// every problem can name the line, column and key it was found at. It
// collects problems instead of stopping at the first.
type parser struct {
	*yamlcheck.Problems
}

func (p *parser) document(root *yaml.Node) *Document {
	f := p.fields("", root, root,
		[]string{"version", "organization", "hub_account_id", "deployer_role_name", "teams", "environments"},
		[]string{"required_tags"})
	d := &Document{
		File:             p.File,
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

func (p *parser) environments(e yamlcheck.Entry, hub string) map[string]Environment {
	entries, ok := p.Entries(e.Path, e.Value)
	if !ok {
		return nil
	}
	if len(entries) == 0 {
		p.At(e.Value, e.Path, "at least one environment is required")
	}
	envs := make(map[string]Environment, len(entries))
	owner := map[string]string{} // account id -> environment using it
	for _, ee := range entries {
		if err := checkEnvironmentName(ee.Name); err != nil {
			p.At(ee.Key, ee.Path, "%v", err)
		}
		envs[ee.Name] = p.environment(ee, hub, owner)
	}
	return envs
}

// environment reads one environment. Its account must differ from the hub
// account and from those of the environments before it, recorded in owner.
func (p *parser) environment(e yamlcheck.Entry, hub string, owner map[string]string) Environment {
	f := p.fields(e.Path, e.Key, e.Value,
		[]string{"account_id", "region", "vpc_id", "subnet_ids", "security_group_ids", "redis"}, nil)
	env := Environment{
		Name:             e.Name,
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
			owner[id] = e.Name
		}
	}
	if re, ok := f.entry("redis"); ok {
		env.Redis = p.redis(re)
	}
	return env
}

func (p *parser) redis(e yamlcheck.Entry) RedisDefaults {
	f := p.fields(e.Path, e.Key, e.Value,
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

func (p *parser) parameters(e yamlcheck.Entry) map[string]map[string]string {
	f := p.fields(e.Path, e.Key, e.Value, nil, engineFamilies)
	families := map[string]map[string]string{}
	for _, family := range engineFamilies {
		fe, ok := f.entry(family)
		if !ok {
			continue
		}
		params, _ := p.Entries(fe.Path, fe.Value)
		values := make(map[string]string, len(params))
		for _, pe := range params {
			if err := engines.CheckParameter(family, pe.Name); err != nil {
				p.At(pe.Key, pe.Path, "%v", err)
				continue
			}
			// Parameter groups take every value as text, so keep what was written.
			if pe.Value.Kind != yaml.ScalarNode || pe.Value.ShortTag() == "!!null" {
				p.Expected(pe.Value, pe.Path, "a parameter value (a string, number or boolean)")
				continue
			}
			values[pe.Name] = pe.Value.Value
		}
		families[family] = values
	}
	return families
}
