package standards

import (
	"errors"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/paved-road/paved/internal/yamlcheck/yamlchecktest"
)

// base is a valid document that the error tests edit line by line. The
// comments give line numbers, which the expected errors refer to.
const base = `version: 1                                   # 1
organization: acme                           # 2
hub_account_id: "111111111111"               # 3
deployer_role_name: paved-deployer           # 4
required_tags: [cost-center]                 # 5
teams: [payments, marketplace, games]        # 6
environments:                                # 7
  dev:                                       # 8
    account_id: "222222222222"               # 9
    region: eu-west-1                        # 10
    vpc_id: vpc-0a1b2c3d                     # 11
    subnet_ids: [subnet-0a1b2c3d, subnet-1a2b3c4d] # 12
    security_group_ids: [sg-0a1b2c3d]        # 13
    redis:                                   # 14
      node_type: cache.t4g.small             # 15
      replicas: 1                            # 16
      multi_az: true                         # 17
      snapshot_retention_days: 7             # 18
      snapshot_window: "03:00-04:00"         # 19
      maintenance_window: "sun:05:00-sun:06:00" # 20
      at_rest_encryption: true               # 21
      transit_encryption: true               # 22
  prod:                                      # 23
    account_id: "333333333333"               # 24
    region: us-east-1                        # 25
    vpc_id: vpc-1b2c3d4e                     # 26
    subnet_ids: [subnet-2b3c4d5e]            # 27
    security_group_ids: [sg-1b2c3d4e]        # 28
    redis:                                   # 29
      node_type: cache.r7g.large             # 30
      replicas: 2                            # 31
      multi_az: true                         # 32
      automatic_failover: true               # 33
      snapshot_retention_days: 14            # 34
      snapshot_window: "01:00-02:00"         # 35
      maintenance_window: "sat:03:00-sat:04:00" # 36
      at_rest_encryption: true               # 37
      transit_encryption: true               # 38
      port: 6380                             # 39
`

// edited returns base with the numbered lines replaced, as yamlchecktest.Edit.
func edited(t *testing.T, lines map[int]string) string {
	t.Helper()
	return yamlchecktest.Edit(t, base, lines)
}

var replace = yamlchecktest.Replace

// blank returns edits blanking lines from to to, inclusive.
func blank(from, to int) map[int]string {
	return replace(from, to, "")
}

// problem is an expected error: its exact "file:line:column: key" prefix
// and a part of its message.
type problem struct{ at, msg string }

// checkProblems asserts that err joins exactly the wanted *Error values, in order.
func checkProblems(t *testing.T, err error, want []problem) {
	t.Helper()
	var got []error
	if err != nil {
		joined, ok := err.(interface{ Unwrap() []error })
		if !ok {
			t.Fatalf("error is not a joined error: %v", err)
		}
		got = joined.Unwrap()
	}
	for i, e := range got {
		if _, ok := e.(*Error); !ok { //nolint:errorlint // each joined error must itself be an *Error
			t.Errorf("error %d is a %T, not an *Error: %v", i, e, e)
		}
	}
	if len(got) != len(want) {
		t.Fatalf("got %d errors, want %d:\n%v", len(got), len(want), err)
	}
	for i, w := range want {
		s := got[i].Error()
		if !strings.HasPrefix(s, w.at+": ") || !strings.Contains(s, w.msg) {
			t.Errorf("error %d:\n got %s\nwant %s: ...%s...", i, s, w.at, w.msg)
		}
	}
}

func TestBaseIsValid(t *testing.T) {
	d, err := Parse("t.yaml", []byte(base))
	if err != nil {
		t.Fatal(err)
	}
	dev, prod := d.Environments["dev"].Redis, d.Environments["prod"].Redis
	if !dev.AutomaticFailover || dev.Port != 6379 || dev.Parameters != nil {
		t.Errorf("dev redis defaults not applied: %+v", dev)
	}
	if prod.Port != 6380 {
		t.Errorf("prod port = %d, want 6380", prod.Port)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name  string
		lines map[int]string
		want  []problem
	}{
		// Syntax and structure.
		{"malformed YAML", map[int]string{6: "teams: [payments, marketplace"},
			[]problem{{"t.yaml:6", "invalid YAML: did not find expected ',' or ']'"}}},
		// yaml places this at the start of the mapping the bad line breaks.
		{"bad indentation", map[int]string{11: "   vpc_id: vpc-0a1b2c3d"},
			[]problem{{"t.yaml:8", "invalid YAML: did not find expected key"}}},
		{"parser error on the first line", map[int]string{1: "version: [1"},
			[]problem{{"t.yaml:2", "invalid YAML: did not find expected ',' or ']'"}}},
		{"tab indentation", map[int]string{10: "\tregion: eu-west-1"},
			[]problem{{"t.yaml:10", "invalid YAML: found character that cannot start any token"}}},
		{"list at the top level", replace(1, 39, "- version: 1"),
			[]problem{{"t.yaml:1:1", "expected a mapping, got a list"}}},
		{"second document", map[int]string{40: "---\nfoo: bar"},
			[]problem{{"t.yaml:40:1", "second YAML document"}}},
		{"unknown top-level key", map[int]string{5: "required_tag: [cost-center]"},
			[]problem{{"t.yaml:5:1: required_tag", "unknown key (did you mean required_tags?); allowed keys are deployer_role_name, environments, hub_account_id, organization, required_tags, teams, version"}}},
		{"unknown key in environment", map[int]string{11: "    vpc_id: vpc-0a1b2c3d\n    vpcid: vpc-0a1b2c3d"},
			[]problem{{"t.yaml:12:5: environments.dev.vpcid", "unknown key (did you mean vpc_id?); allowed keys are account_id, redis, region, security_group_ids, subnet_ids, vpc_id"}}},
		{"unknown key in redis", map[int]string{22: "      transit_encryption: true\n      engine: redis"},
			[]problem{{"t.yaml:23:7: environments.dev.redis.engine", "unknown key; allowed keys are at_rest_encryption, automatic_failover, maintenance_window, multi_az, node_type, parameters, port, replicas, snapshot_retention_days, snapshot_window, transit_encryption"}}},
		{"duplicate key", map[int]string{10: "    region: eu-west-1\n    region: eu-west-2"},
			[]problem{{"t.yaml:11:5: environments.dev.region", "duplicate key; first given at line 10"}}},

		// Types.
		{"string for integer", map[int]string{16: `      replicas: "two"`},
			[]problem{{"t.yaml:16:17: environments.dev.redis.replicas", `expected an integer, got the string "two"`}}},
		{"string for list", map[int]string{6: "teams: payments"},
			[]problem{{"t.yaml:6:8: teams", `expected a list of strings, got the string "payments"`}}},
		{"string for id list", map[int]string{12: "    subnet_ids: subnet-0a1b2c3d"},
			[]problem{{"t.yaml:12:17: environments.dev.subnet_ids", `expected a list of strings, got the string "subnet-0a1b2c3d"`}}},
		{"number in string list", map[int]string{6: "teams: [payments, 42]"},
			[]problem{{"t.yaml:6:19: teams[1]", "expected a string, got the integer 42"}}},
		{"yes for boolean", map[int]string{17: "      multi_az: yes"},
			[]problem{{"t.yaml:17:17: environments.dev.redis.multi_az", `expected a boolean (true or false), got the string "yes"`}}},
		{"null for string", map[int]string{2: "organization:"},
			[]problem{{"t.yaml:2:14: organization", "expected a string, got nothing"}}},
		{"scalar for mapping", replace(14, 22, "    redis: default"),
			[]problem{{"t.yaml:14:12: environments.dev.redis", `expected a mapping, got the string "default"`}}},
		{"list for environments", replace(7, 39, "environments: [dev]"),
			[]problem{{"t.yaml:7:15: environments", "expected a mapping, got a list"}}},
		{"no environments", replace(7, 39, "environments: {}"),
			[]problem{{"t.yaml:7:15: environments", "at least one environment is required"}}},
		{"no teams", map[int]string{6: "teams: []"},
			[]problem{{"t.yaml:6:8: teams", "must list at least 1, got 0"}}},
		{"no subnets", map[int]string{27: "    subnet_ids: []"},
			[]problem{{"t.yaml:27:17: environments.prod.subnet_ids", "must list at least 1, got 0"}}},

		// Top-level values.
		{"unsupported version", map[int]string{1: "version: 2"},
			[]problem{{"t.yaml:1:10: version", "unsupported version 2; supported versions: 1"}}},
		{"bad organization", map[int]string{2: "organization: Acme"},
			[]problem{{"t.yaml:2:15: organization", `"Acme" is not a valid organization name`}}},
		{"bad hub account", map[int]string{3: "hub_account_id: 11111111111"},
			[]problem{{"t.yaml:3:17: hub_account_id", `"11111111111" is not a 12-digit AWS account id`}}},
		{"bad role name", map[int]string{4: "deployer_role_name: paved deployer"},
			[]problem{{"t.yaml:4:21: deployer_role_name", `"paved deployer" is not a valid IAM role name`}}},
		{"role name too long", map[int]string{4: "deployer_role_name: " + strings.Repeat("r", 65)},
			[]problem{{"t.yaml:4:21: deployer_role_name", "is not a valid IAM role name"}}},
		{"duplicate team", map[int]string{6: "teams: [payments, games, payments]"},
			[]problem{{"t.yaml:6:26: teams[2]", `duplicate "payments"; first listed at line 6`}}},
		{"bad team name", map[int]string{6: "teams: [Payments]"},
			[]problem{{"t.yaml:6:9: teams[0]", `"Payments" is not a valid team name`}}},
		{"duplicate required tag", map[int]string{5: "required_tags: [owner, owner]"},
			[]problem{{"t.yaml:5:24: required_tags[1]", `duplicate "owner"`}}},
		{"reserved tag prefix", map[int]string{5: "required_tags: [aws:owner]"},
			[]problem{{"t.yaml:5:17: required_tags[0]", "uses the prefix aws:, which AWS reserves"}}},

		// Environments.
		{"bad environment name", map[int]string{8: "  Dev:"},
			[]problem{{"t.yaml:8:3: environments.Dev", `"Dev" is not a valid environment name`}}},
		{"short account id", map[int]string{9: `    account_id: "12345"`},
			[]problem{{"t.yaml:9:17: environments.dev.account_id", `"12345" is not a 12-digit AWS account id`}}},
		{"account id with letters", map[int]string{9: `    account_id: "22222222222a"`},
			[]problem{{"t.yaml:9:17: environments.dev.account_id", `"22222222222a" is not a 12-digit AWS account id`}}},
		{"account id as boolean", map[int]string{9: `    account_id: true`},
			[]problem{{"t.yaml:9:17: environments.dev.account_id", "expected a 12-digit AWS account id, got the boolean true"}}},
		{"account shared by environments", map[int]string{24: `    account_id: "222222222222"`},
			[]problem{{"t.yaml:24:17: environments.prod.account_id", `account 222222222222 is also used by environment "dev"`}}},
		{"environment in hub account", map[int]string{9: "    account_id: 111111111111"},
			[]problem{{"t.yaml:9:17: environments.dev.account_id", "111111111111 is the hub account"}}},
		{"unknown region", map[int]string{10: "    region: mars-north-1"},
			[]problem{{"t.yaml:10:13: environments.dev.region", `"mars-north-1" is not a known AWS region`}}},
		{"misspelt region", map[int]string{10: "    region: euwest-1"},
			[]problem{{"t.yaml:10:13: environments.dev.region", `"euwest-1" is not a known AWS region; did you mean "eu-west-1"?`}}},
		{"bad vpc id", map[int]string{11: "    vpc_id: vpc-xyz"},
			[]problem{{"t.yaml:11:13: environments.dev.vpc_id", `"vpc-xyz" is not a VPC id`}}},
		{"bad and duplicate subnet ids", map[int]string{12: "    subnet_ids: [subnet-0a1b2c3d, sg-0a1b2c3d, subnet-0a1b2c3d]"},
			[]problem{
				{"t.yaml:12:35: environments.dev.subnet_ids[1]", `"sg-0a1b2c3d" is not a subnet id`},
				{"t.yaml:12:48: environments.dev.subnet_ids[2]", `duplicate "subnet-0a1b2c3d"`},
			}},
		{"bad security group id", map[int]string{28: "    security_group_ids: [sg-1B2C3D4E]"},
			[]problem{{"t.yaml:28:26: environments.prod.security_group_ids[0]", `"sg-1B2C3D4E" is not a security group id`}}},

		// Redis.
		{"bad node type", map[int]string{15: "      node_type: t4g.small"},
			[]problem{{"t.yaml:15:18: environments.dev.redis.node_type", `"t4g.small" is not an ElastiCache node type`}}},
		{"too many replicas", map[int]string{31: "      replicas: 6"},
			[]problem{{"t.yaml:31:17: environments.prod.redis.replicas", "6 is out of range; must be between 0 and 5"}}},
		{"multi_az without replicas", map[int]string{16: "      replicas: 0"},
			[]problem{{"t.yaml:17:17: environments.dev.redis.multi_az", "multi_az requires at least 1 replica, but replicas is 0"}}},
		{"automatic_failover without replicas", map[int]string{31: "      replicas: 0", 32: "      multi_az: false"},
			[]problem{{"t.yaml:33:27: environments.prod.redis.automatic_failover", "automatic_failover requires at least 1 replica"}}},
		{"multi_az without automatic_failover", map[int]string{33: "      automatic_failover: false"},
			[]problem{{"t.yaml:33:27: environments.prod.redis.automatic_failover", "must be true when multi_az is true"}}},
		{"snapshot retention too long", map[int]string{34: "      snapshot_retention_days: 36"},
			[]problem{{"t.yaml:34:32: environments.prod.redis.snapshot_retention_days", "36 is out of range; must be between 0 and 35"}}},
		{"port zero", map[int]string{39: "      port: 0"},
			[]problem{{"t.yaml:39:13: environments.prod.redis.port", "0 is out of range; must be between 1 and 65535"}}},

		// Windows.
		{"snapshot window format", map[int]string{19: `      snapshot_window: "3:00-4:00"`},
			[]problem{{"t.yaml:19:24: environments.dev.redis.snapshot_window", `"3:00-4:00" is not a daily window of the form HH:MM-HH:MM`}}},
		{"snapshot window bad time", map[int]string{19: `      snapshot_window: "23:00-24:00"`},
			[]problem{{"t.yaml:19:24: environments.dev.redis.snapshot_window", `"23:00-24:00" has an invalid time of day`}}},
		{"snapshot window too short", map[int]string{19: `      snapshot_window: "03:00-03:30"`},
			[]problem{{"t.yaml:19:24: environments.dev.redis.snapshot_window", `"03:00-03:30" is 30 minutes long; windows must be at least 60 minutes`}}},
		{"maintenance window format", map[int]string{20: `      maintenance_window: "sun 05:00-06:00"`},
			[]problem{{"t.yaml:20:27: environments.dev.redis.maintenance_window", "is not a weekly window of the form ddd:HH:MM-ddd:HH:MM"}}},
		{"maintenance window bad day", map[int]string{20: `      maintenance_window: "sun:05:00-sud:06:00"`},
			[]problem{{"t.yaml:20:27: environments.dev.redis.maintenance_window", "has an invalid day; days are mon, tue, wed, thu, fri, sat, sun"}}},
		{"maintenance window bad minute", map[int]string{20: `      maintenance_window: "sun:05:60-sun:07:00"`},
			[]problem{{"t.yaml:20:27: environments.dev.redis.maintenance_window", "has an invalid time of day"}}},
		{"maintenance window too short", map[int]string{20: `      maintenance_window: "sun:05:00-sun:05:59"`},
			[]problem{{"t.yaml:20:27: environments.dev.redis.maintenance_window", "is 59 minutes long"}}},
		{"windows overlap", map[int]string{20: `      maintenance_window: "wed:03:30-wed:04:30"`},
			[]problem{{"t.yaml:20:27: environments.dev.redis.maintenance_window", `"wed:03:30-wed:04:30" overlaps the snapshot window "03:00-04:00", which recurs daily`}}},
		{"windows overlap past midnight", map[int]string{19: `      snapshot_window: "23:30-00:30"`, 20: `      maintenance_window: "mon:00:00-mon:01:00"`},
			[]problem{{"t.yaml:20:27: environments.dev.redis.maintenance_window", "overlaps the snapshot window"}}},
		{"windows overlap across the week end", map[int]string{20: `      maintenance_window: "sun:23:00-mon:03:30"`},
			[]problem{{"t.yaml:20:27: environments.dev.redis.maintenance_window", "overlaps the snapshot window"}}},
		{"windows touching", map[int]string{20: `      maintenance_window: "sun:04:00-sun:05:00"`}, nil},
		{"maintenance window spanning days", map[int]string{20: `      maintenance_window: "sat:22:00-sun:02:30"`}, nil},

		// Parameters.
		{"parameters", map[int]string{22: "      transit_encryption: true\n      parameters:\n        redis7: {maxmemory-policy: allkeys-lru, timeout: 300}"}, nil},
		{"unknown parameter family", map[int]string{22: "      transit_encryption: true\n      parameters:\n        redis5: {maxmemory-policy: allkeys-lru}"},
			[]problem{{"t.yaml:24:9: environments.dev.redis.parameters.redis5", "unknown key (did you mean redis7?); allowed keys are redis6.x, redis7, valkey7, valkey8"}}},
		{"parameter not in the family", map[int]string{22: "      transit_encryption: true\n      parameters:\n        redis6.x: {io-threads: 4}"},
			[]problem{{"t.yaml:24:20: environments.dev.redis.parameters.redis6.x.io-threads", `"io-threads" is not a parameter of family redis6.x`}}},
		{"list as parameter value", map[int]string{22: "      transit_encryption: true\n      parameters:\n        valkey8: {notify-keyspace-events: [E, x]}"},
			[]problem{{"t.yaml:24:43: environments.dev.redis.parameters.valkey8.notify-keyspace-events", "expected a parameter value (a string, number or boolean), got a list"}}},

		// Several problems are reported together, in file order.
		{"several errors", map[int]string{
			28: "    security_group_ids: sg-1b2c3d4e",
			3:  `hub_account_id: "1"`,
			16: `      replicas: "two"`,
			10: "    region: eu-west-9",
		}, []problem{
			{"t.yaml:3:17: hub_account_id", "12-digit"},
			{"t.yaml:10:13: environments.dev.region", "not a known AWS region"},
			{"t.yaml:16:17: environments.dev.redis.replicas", "expected an integer"},
			{"t.yaml:28:25: environments.prod.security_group_ids", "expected a list of strings"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("t.yaml", []byte(edited(t, tt.lines)))
			checkProblems(t, err, tt.want)
		})
	}
}

func TestMissingRequiredKey(t *testing.T) {
	tests := []struct {
		key   string
		lines map[int]string
		at    string // where the missing key is reported: the parent mapping
	}{
		{"version", blank(1, 1), "t.yaml:2:1"}, // the document mapping now starts at line 2
		{"organization", blank(2, 2), "t.yaml:1:1"},
		{"hub_account_id", blank(3, 3), "t.yaml:1:1"},
		{"deployer_role_name", blank(4, 4), "t.yaml:1:1"},
		{"teams", blank(6, 6), "t.yaml:1:1"},
		{"environments", blank(7, 39), "t.yaml:1:1"},
		{"account_id", blank(9, 9), "t.yaml:8:3: environments.dev"},
		{"region", blank(25, 25), "t.yaml:23:3: environments.prod"},
		{"vpc_id", blank(11, 11), "t.yaml:8:3: environments.dev"},
		{"subnet_ids", blank(12, 12), "t.yaml:8:3: environments.dev"},
		{"security_group_ids", blank(13, 13), "t.yaml:8:3: environments.dev"},
		{"redis", blank(14, 22), "t.yaml:8:3: environments.dev"},
		{"node_type", blank(15, 15), "t.yaml:14:5: environments.dev.redis"},
		{"replicas", blank(16, 16), "t.yaml:14:5: environments.dev.redis"},
		{"multi_az", blank(17, 17), "t.yaml:14:5: environments.dev.redis"},
		{"snapshot_retention_days", blank(18, 18), "t.yaml:14:5: environments.dev.redis"},
		{"snapshot_window", blank(19, 19), "t.yaml:14:5: environments.dev.redis"},
		{"maintenance_window", blank(20, 20), "t.yaml:14:5: environments.dev.redis"},
		{"at_rest_encryption", blank(21, 21), "t.yaml:14:5: environments.dev.redis"},
		{"transit_encryption", blank(22, 22), "t.yaml:14:5: environments.dev.redis"},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			_, err := Parse("t.yaml", []byte(edited(t, tt.lines)))
			// At the top level the key path is empty, so the message follows the position.
			checkProblems(t, err, []problem{{tt.at, `missing required key "` + tt.key + `"`}})
		})
	}
}

func TestEmptyDocument(t *testing.T) {
	for _, doc := range []string{"", "# only a comment\n", "---\n"} {
		_, err := Parse("t.yaml", []byte(doc))
		if err == nil || !strings.Contains(err.Error(), "t.yaml") || !strings.Contains(err.Error(), "empty document") {
			t.Errorf("Parse(%q) = %v, want an empty document error", doc, err)
		}
	}
}

func TestErrorFields(t *testing.T) {
	_, err := Parse("standards.yaml", []byte(edited(t, map[int]string{24: `    account_id: "12345"`})))
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v is not an *Error", err)
	}
	want := &Error{File: "standards.yaml", Line: 24, Col: 17, Key: "environments.prod.account_id", Message: `"12345" is not a 12-digit AWS account id`}
	if *e != *want {
		t.Errorf("got %+v, want %+v", e, want)
	}
	if got, want := e.Error(), `standards.yaml:24:17: environments.prod.account_id: "12345" is not a 12-digit AWS account id`; got != want {
		t.Errorf("Error() = %s, want %s", got, want)
	}
}

func TestAccountIDKeepsLeadingZero(t *testing.T) {
	// Unquoted, YAML reads 022222222222 as an octal integer and 089999999999 as a float.
	d, err := Parse("t.yaml", []byte(edited(t, map[int]string{
		3:  "hub_account_id: 011111111111",
		9:  "    account_id: 022222222222",
		24: "    account_id: 089999999999",
	})))
	if err != nil {
		t.Fatal(err)
	}
	got := []string{d.HubAccountID, d.Environments["dev"].AccountID, d.Environments["prod"].AccountID}
	if want := []string{"011111111111", "022222222222", "089999999999"}; !reflect.DeepEqual(got, want) {
		t.Errorf("account ids = %q, want %q", got, want)
	}
}

func validDocument() *Document {
	return &Document{
		File:             "testdata/valid.yaml",
		Version:          1,
		Organization:     "acme",
		HubAccountID:     "111111111111",
		DeployerRoleName: "paved-deployer",
		RequiredTags:     []string{"cost-center", "owner"},
		Teams:            []string{"payments", "marketplace", "games"},
		Environments: map[string]Environment{
			"dev": {
				Name:             "dev",
				AccountID:        "222222222222",
				Region:           "eu-west-1",
				VPCID:            "vpc-0a1b2c3d",
				SubnetIDs:        []string{"subnet-0a1b2c3d", "subnet-1a2b3c4d"},
				SecurityGroupIDs: []string{"sg-0a1b2c3d"},
				Redis: RedisDefaults{
					NodeType:              "cache.t4g.small",
					Replicas:              0,
					MultiAZ:               false,
					AutomaticFailover:     false,
					SnapshotRetentionDays: 1,
					SnapshotWindow:        "03:00-04:00",
					MaintenanceWindow:     "sun:05:00-sun:06:00",
					AtRestEncryption:      true,
					TransitEncryption:     true,
					Port:                  6379,
				},
			},
			"prod": {
				Name:             "prod",
				AccountID:        "033333333333",
				Region:           "eu-central-1",
				VPCID:            "vpc-0123456789abcdef0",
				SubnetIDs:        []string{"subnet-0123456789abcdef0", "subnet-1123456789abcdef0", "subnet-2123456789abcdef0"},
				SecurityGroupIDs: []string{"sg-0123456789abcdef0", "sg-1123456789abcdef0"},
				Redis: RedisDefaults{
					NodeType:              "cache.r7g.large",
					Replicas:              2,
					MultiAZ:               true,
					AutomaticFailover:     true,
					SnapshotRetentionDays: 7,
					SnapshotWindow:        "23:30-00:30",
					MaintenanceWindow:     "sun:01:00-sun:02:00",
					AtRestEncryption:      true,
					TransitEncryption:     true,
					Port:                  6380,
					Parameters: map[string]map[string]string{
						"redis7":  {"maxmemory-policy": "allkeys-lru", "timeout": "300"},
						"valkey8": {"maxmemory-policy": "allkeys-lru", "cluster-enabled": "no"},
					},
				},
			},
		},
	}
}

func TestLoadValid(t *testing.T) {
	got, err := Load("testdata/valid.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if want := validDocument(); !reflect.DeepEqual(got, want) {
		t.Errorf("Load:\n got %+v\nwant %+v", got, want)
	}
}

func TestLoadMissingFile(t *testing.T) {
	if _, err := Load("testdata/missing.yaml"); err == nil || !strings.Contains(err.Error(), "testdata/missing.yaml") {
		t.Errorf("Load of a missing file = %v, want an error naming it", err)
	}
}

func TestEnvironment(t *testing.T) {
	d := validDocument()
	env, err := d.Environment("prod")
	if err != nil || env.AccountID != "033333333333" {
		t.Errorf("Environment(prod) = %+v, %v", env, err)
	}
	_, err = d.Environment("staging")
	if want := `testdata/valid.yaml: unknown environment "staging"; known environments: dev, prod`; err == nil || err.Error() != want {
		t.Errorf("Environment(staging) error = %v, want %s", err, want)
	}
	if got, want := d.EnvironmentNames(), []string{"dev", "prod"}; !reflect.DeepEqual(got, want) {
		t.Errorf("EnvironmentNames() = %q, want %q", got, want)
	}
}

func TestHasTeam(t *testing.T) {
	d := validDocument()
	for team, want := range map[string]bool{"payments": true, "games": true, "Payments": false, "search": false, "": false} {
		if got := d.HasTeam(team); got != want {
			t.Errorf("HasTeam(%q) = %v, want %v", team, got, want)
		}
	}
}

func TestMissingRequiredTags(t *testing.T) {
	d := &Document{RequiredTags: []string{"owner", "cost-center", "team"}}
	tests := []struct {
		tags map[string]string
		want []string
	}{
		{nil, []string{"cost-center", "owner", "team"}},
		{map[string]string{"owner": "x", "Team": "y"}, []string{"cost-center", "team"}},
		{map[string]string{"owner": "", "cost-center": "42", "team": "games", "extra": "z"}, nil},
	}
	for _, tt := range tests {
		if got := d.MissingRequiredTags(tt.tags); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("MissingRequiredTags(%v) = %q, want %q", tt.tags, got, tt.want)
		}
	}
	if got := (&Document{}).MissingRequiredTags(map[string]string{"a": "b"}); got != nil {
		t.Errorf("with no required tags: %q, want nil", got)
	}
}

func TestIsRegion(t *testing.T) {
	tests := map[string]bool{
		"us-east-1": true, "eu-west-1": true, "ap-southeast-7": true, "mx-central-1": true,
		"il-central-1": true, "ca-west-1": true, "us-gov-west-1": true, "cn-north-1": true,
		"cn-northwest-1": true, "ap-east-2": true,
		"": false, "us-east-3": false, "US-EAST-1": false, "eu-west": false, "us-east-1a": false,
	}
	for _, r := range slices.Sorted(maps.Keys(tests)) {
		if got := IsRegion(r); got != tests[r] {
			t.Errorf("IsRegion(%q) = %v, want %v", r, got, tests[r])
		}
	}
}

func TestClosestRegion(t *testing.T) {
	tests := map[string]string{
		"US-EAST-1": "us-east-1",
		"eu-west1":  "eu-west-1",
		"eu-wset-1": "eu-west-1",
		"us-east-3": "", // us-east-1 and us-east-2 are equally close
		"europe":    "",
	}
	for _, s := range slices.Sorted(maps.Keys(tests)) {
		if got := closestRegion(s); got != tests[s] {
			t.Errorf("closestRegion(%q) = %q, want %q", s, got, tests[s])
		}
	}
}
