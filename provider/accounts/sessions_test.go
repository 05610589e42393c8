package accounts

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/paved-road/paved/internal/emulator"
	"github.com/paved-road/paved/provider/standards"
)

const testStandards = `version: 1
organization: acme
hub_account_id: "123456789012"
deployer_role_name: paved-deployer
teams: [payments]
environments:
  dev:
    account_id: "222222222222"
    region: eu-west-1
    vpc_id: vpc-0a1b2c3d
    subnet_ids: [subnet-0a1b2c3d]
    security_group_ids: [sg-0a1b2c3d]
    redis: &redis
      node_type: cache.t4g.small
      replicas: 0
      multi_az: false
      snapshot_retention_days: 0
      snapshot_window: "03:00-04:00"
      maintenance_window: "sun:05:00-sun:06:00"
      at_rest_encryption: true
      transit_encryption: true
  prod:
    account_id: "333333333333"
    region: eu-central-1
    vpc_id: vpc-1a2b3c4d
    subnet_ids: [subnet-1a2b3c4d]
    security_group_ids: [sg-1a2b3c4d]
    redis: *redis
`

var server *emulator.Server

func TestMain(m *testing.M) {
	os.Exit(emulator.Main(&server, m.Run))
}

// newSessions returns Sessions whose calls pass through a counting proxy.
func newSessions(t *testing.T, overrides map[string]Override) (*Sessions, *emulator.Proxy) {
	t.Helper()
	doc, err := standards.Parse("standards.yaml", []byte(testStandards))
	if err != nil {
		t.Fatal(err)
	}
	proxy, err := emulator.NewProxy(server.URL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = proxy.Close() })
	hub := aws.Config{
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("AKIAHUBTESTKEY000002", "secret", ""),
	}
	ep := Endpoints{STS: proxy.URL, IAM: proxy.URL}
	return New(Options{Hub: hub, Standards: doc, Overrides: overrides, Endpoints: ep}), proxy
}

func TestSessionsLandInTheNamedAccount(t *testing.T) {
	s, calls := newSessions(t, nil)
	ctx := context.Background()
	for env, account := range map[string]string{"dev": "222222222222", "prod": "333333333333"} {
		id, err := s.Identity(ctx, env)
		if err != nil {
			t.Fatalf("%s: %v", env, err)
		}
		if id.AccountID != account {
			t.Errorf("%s landed in %s, want %s", env, id.AccountID, account)
		}
		wantARN := fmt.Sprintf("arn:aws:sts::%s:assumed-role/paved-deployer/paved-", account)
		if !strings.HasPrefix(id.ARN, wantARN) {
			t.Errorf("%s session ARN %s, want prefix %s", env, id.ARN, wantARN)
		}
		// A resource created with the session is in that account, as the
		// emulator decides from the credentials.
		client, err := s.IAM(ctx, env)
		if err != nil {
			t.Fatal(err)
		}
		out, err := client.CreateRole(ctx, &iam.CreateRoleInput{
			RoleName:                 aws.String("sessions-test-" + env),
			AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[]}`),
		})
		if err != nil {
			t.Fatal(err)
		}
		if got := aws.ToString(out.Role.Arn); !strings.Contains(got, ":"+account+":") {
			t.Errorf("role %s not in account %s", got, account)
		}
	}
	// One AssumeRole per environment however often a session is used.
	for i := 0; i < 3; i++ {
		if _, err := s.IAM(ctx, "prod"); err != nil {
			t.Fatal(err)
		}
	}
	if got := calls.Count("AssumeRole"); got != 2 {
		t.Errorf("AssumeRole called %d times for two environments, want 2", got)
	}
}

func TestSessionsRefuseTheWrongAccount(t *testing.T) {
	s, _ := newSessions(t, map[string]Override{
		"prod": {RoleARN: "arn:aws:iam::444444444444:role/paved-deployer"},
	})
	_, err := s.Config(context.Background(), "prod")
	if err == nil {
		t.Fatal("assuming a role in account 444444444444 for prod succeeded")
	}
	for _, want := range []string{`environment "prod"`, "landed in account 444444444444", "333333333333", "standards.yaml"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

func TestSessionsUnknownEnvironment(t *testing.T) {
	s, calls := newSessions(t, nil)
	_, err := s.Config(context.Background(), "staging")
	if err == nil || !strings.Contains(err.Error(), `unknown environment "staging"`) || !strings.Contains(err.Error(), "dev, prod") {
		t.Fatalf("error = %v", err)
	}
	if got := calls.Count("AssumeRole"); got != 0 {
		t.Errorf("AssumeRole called %d times for an unknown environment", got)
	}
}

func TestSessionsOverrideSessionName(t *testing.T) {
	s, _ := newSessions(t, map[string]Override{"dev": {SessionName: "release-42"}})
	id, err := s.Identity(context.Background(), "dev")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(id.ARN, "/release-42") {
		t.Errorf("session ARN %s does not end in the overridden session name", id.ARN)
	}
}

func TestSessionName(t *testing.T) {
	for in, want := range map[string]string{
		"arn:aws:iam::123456789012:user/alice":                              "paved-alice",
		"arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_Admin/bob@x": "paved-bob@x",
		"arn:aws:iam::123456789012:user/team/carol":                         "paved-carol",
		"arn:aws:iam::123456789012:user/who?":                               "paved-who-",
		"not an arn":                                                        "paved-unknown",
		"arn:aws:iam::123456789012:user/" + strings.Repeat("x", 80):         "paved-" + strings.Repeat("x", 58),
	} {
		if got := SessionName(in); got != want {
			t.Errorf("SessionName(%q) = %q, want %q", in, got, want)
		}
	}
}
