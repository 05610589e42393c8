package accessrole_test

import (
	"context"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/paved-road/paved/provider/acctest"
	"github.com/paved-road/paved/provider/iamrole"
	"github.com/paved-road/paved/provider/tags"
)

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
	client := iam.NewFromConfig(cfg)
	var candidates []string
	pages := iam.NewListRolesPaginator(client, &iam.ListRolesInput{})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, r := range page.Roles {
			if name := aws.ToString(r.RoleName); strings.HasPrefix(name, testRolePrefix) {
				candidates = append(candidates, name)
			}
		}
	}
	var removed []string
	for _, name := range candidates {
		out, err := client.ListRoleTags(ctx, &iam.ListRoleTagsInput{RoleName: aws.String(name)})
		if err != nil {
			return removed, err
		}
		paved := slices.ContainsFunc(out.Tags, func(t iamtypes.Tag) bool {
			return aws.ToString(t.Key) == "managed-by" && aws.ToString(t.Value) == tags.ManagedBy
		})
		if !paved {
			continue
		}
		if err := iamrole.Delete(ctx, client, name); err != nil {
			return removed, err
		}
		removed = append(removed, "IAM role "+name)
	}
	return removed, nil
}
