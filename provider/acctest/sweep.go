package acctest

import (
	"context"
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/paved-road/paved/provider/iamrole"
	"github.com/paved-road/paved/provider/pages"
	"github.com/paved-road/paved/provider/tags"
)

// Leftover is something a sweeper found that the tests may have left.
type Leftover struct {
	What   string                              // such as "IAM role acc-x"
	Paved  func(context.Context) (bool, error) // whether paved made it; nil when the listing already showed so
	Remove func(context.Context) error
}

// RemovePaved removes, in order, the leftovers paved made, and names them.
func RemovePaved(ctx context.Context, found []Leftover) ([]string, error) {
	var removed []string
	for _, l := range found {
		if l.Paved != nil {
			paved, err := l.Paved(ctx)
			if err != nil {
				return removed, fmt.Errorf("%s: %w", l.What, err)
			}
			if !paved {
				continue
			}
		}
		if err := l.Remove(ctx); err != nil {
			return removed, fmt.Errorf("removing %s: %w", l.What, err)
		}
		removed = append(removed, l.What)
	}
	return removed, nil
}

// PavedRoles are the leftovers among the account's IAM roles whose names
// match: those paved tagged as its own, never the inspector's role the
// tests sign in with. IAM is global, so a sweeper lists them in one region.
func PavedRoles(ctx context.Context, client *iam.Client, match func(name string) bool) ([]Leftover, error) {
	roles, err := pages.All(ctx, iam.NewListRolesPaginator(client, &iam.ListRolesInput{}),
		func(p *iam.ListRolesOutput) []iamtypes.Role { return p.Roles })
	if err != nil {
		return nil, err
	}
	var found []Leftover
	for _, r := range roles {
		name := aws.ToString(r.RoleName)
		if name == "test-inspector" || !match(name) {
			continue
		}
		found = append(found, Leftover{
			What: "IAM role " + name,
			Paved: func(ctx context.Context) (bool, error) {
				out, err := client.ListRoleTags(ctx, &iam.ListRoleTagsInput{RoleName: aws.String(name)})
				if err != nil {
					return false, err
				}
				return slices.ContainsFunc(out.Tags, func(t iamtypes.Tag) bool { return tags.IsManagedBy(t.Key, t.Value) }), nil
			},
			Remove: func(ctx context.Context) error { return iamrole.Delete(ctx, client, name) },
		})
	}
	return found, nil
}
