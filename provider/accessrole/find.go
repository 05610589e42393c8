package accessrole

import (
	"context"
	"fmt"
	"net/url"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/paved-road/paved/provider/awserr"
	"github.com/paved-road/paved/provider/iamrole"
	"github.com/paved-road/paved/provider/pages"
)

// role is what IAM holds of an access role: every attribute paved writes,
// so that drift made outside Terraform shows in the next plan.
type role struct {
	iamtypes.Role
	trustPolicy     string   // normalized as paved writes it
	managedPolicies []string // ARNs of the attached policies
	inlinePolicy    string   // the paved-inline document; "" when there is none
}

func findRole(ctx context.Context, client *iam.Client, name string) (*role, error) {
	out, err := client.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(name)})
	if awserr.Is(err, "NoSuchEntity") {
		return nil, awserr.NotFound(err, "IAM role %s", name)
	}
	if err != nil {
		return nil, awserr.Wrap("GetRole", err)
	}
	trust, err := iamrole.Normalize(aws.ToString(out.Role.AssumeRolePolicyDocument))
	if err != nil {
		return nil, fmt.Errorf("trust policy: %w", err)
	}
	managed, err := findManagedPolicies(ctx, client, name)
	if err != nil {
		return nil, err
	}
	inline, err := findInlinePolicy(ctx, client, name)
	if err != nil && !awserr.IsNotFound(err) {
		return nil, err
	}
	return &role{Role: *out.Role, trustPolicy: trust, managedPolicies: managed, inlinePolicy: inline}, nil
}

func findManagedPolicies(ctx context.Context, client *iam.Client, name string) ([]string, error) {
	attached, err := pages.All(ctx, iam.NewListAttachedRolePoliciesPaginator(client, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String(name)}),
		func(p *iam.ListAttachedRolePoliciesOutput) []iamtypes.AttachedPolicy { return p.AttachedPolicies })
	if awserr.Is(err, "NoSuchEntity") {
		return nil, awserr.NotFound(err, "IAM role %s", name)
	}
	if err != nil {
		return nil, awserr.Wrap("ListAttachedRolePolicies", err)
	}
	var arns []string
	for _, p := range attached {
		arns = append(arns, aws.ToString(p.PolicyArn))
	}
	return arns, nil
}

// findInlinePolicy returns the role's paved-inline policy document, decoded
// from the URL encoding IAM returns it in.
func findInlinePolicy(ctx context.Context, client *iam.Client, name string) (string, error) {
	out, err := client.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String(name), PolicyName: aws.String(inlinePolicyName)})
	if awserr.Is(err, "NoSuchEntity") {
		return "", awserr.NotFound(err, "inline policy %s of IAM role %s", inlinePolicyName, name)
	}
	if err != nil {
		return "", awserr.Wrap("GetRolePolicy", err)
	}
	doc, err := url.QueryUnescape(aws.ToString(out.PolicyDocument))
	if err != nil {
		return "", fmt.Errorf("decoding inline policy: %w", err)
	}
	return doc, nil
}
