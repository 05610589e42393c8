package accessrole_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/paved-road/paved/provider/acctest"
)

// TestMain runs the package's tests against one emulator, then the sweeper.
func TestMain(m *testing.M) { acctest.Main(m) }

func init() { acctest.AddSweeper("paved_access_role", sweepRoles) }

// testRolePrefix starts the name of every role these tests create.
const testRolePrefix = "acc-"

// sweepRoles removes the access roles the tests left: roles with a test
// name that carry paved's managed-by tag, so that the emulator's own roles
// (test-inspector, the deployer) are never touched. IAM is global: the
// sweep runs in one region only, so as not to report a role once per region.
func sweepRoles(ctx context.Context, cfg aws.Config) ([]string, error) {
	if cfg.Region != "us-east-1" {
		return nil, nil
	}
	roles, err := acctest.PavedRoles(ctx, iam.NewFromConfig(cfg), func(name string) bool { return strings.HasPrefix(name, testRolePrefix) })
	if err != nil {
		return nil, err
	}
	return acctest.RemovePaved(ctx, roles)
}
