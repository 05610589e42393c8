// Package iamrole holds what paved does to the IAM roles it creates, for the
// access role and for the roles of an EKS cluster pair: policy documents
// compared as text, tags, and deletion that leaves nothing behind.
package iamrole

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/paved-road/paved/provider/awserr"
	"github.com/paved-road/paved/provider/pages"
	"github.com/paved-road/paved/provider/tags"
)

// ApplyTags brings role name's tags from current to desired.
func ApplyTags(ctx context.Context, client *iam.Client, name string, current, desired map[string]string) error {
	return tags.Retag(ctx, current, desired, tags.Calls{
		Untag: func(ctx context.Context, keys []string) error {
			_, err := client.UntagRole(ctx, &iam.UntagRoleInput{RoleName: aws.String(name), TagKeys: keys})
			return awserr.Wrap("UntagRole", err)
		},
		Tag: func(ctx context.Context, set map[string]string) error {
			_, err := client.TagRole(ctx, &iam.TagRoleInput{RoleName: aws.String(name), Tags: Tags(set)})
			return awserr.Wrap("TagRole", err)
		},
	})
}

// Delete removes everything IAM requires gone before DeleteRole,
// including policies attached outside Terraform, so destroy leaves nothing.
func Delete(ctx context.Context, client *iam.Client, name string) error {
	attached, err := pages.All(ctx, iam.NewListAttachedRolePoliciesPaginator(client, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String(name)}),
		func(p *iam.ListAttachedRolePoliciesOutput) []iamtypes.AttachedPolicy { return p.AttachedPolicies })
	if awserr.Is(err, "NoSuchEntity") {
		return nil
	}
	if err != nil {
		return fmt.Errorf("role %q, step ListAttachedRolePolicies: %w", name, err)
	}
	for _, p := range attached {
		if _, err := client.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: aws.String(name), PolicyArn: p.PolicyArn}); err != nil && !awserr.Is(err, "NoSuchEntity") {
			return fmt.Errorf("role %q, step DetachRolePolicy %s: %w", name, aws.ToString(p.PolicyArn), err)
		}
	}
	inline, err := pages.All(ctx, iam.NewListRolePoliciesPaginator(client, &iam.ListRolePoliciesInput{RoleName: aws.String(name)}),
		func(p *iam.ListRolePoliciesOutput) []string { return p.PolicyNames })
	if awserr.Is(err, "NoSuchEntity") {
		return nil
	}
	if err != nil {
		return fmt.Errorf("role %q, step ListRolePolicies: %w", name, err)
	}
	for _, p := range inline {
		if _, err := client.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: aws.String(name), PolicyName: aws.String(p)}); err != nil && !awserr.Is(err, "NoSuchEntity") {
			return fmt.Errorf("role %q, step DeleteRolePolicy %s: %w", name, p, err)
		}
	}
	if _, err := client.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String(name)}); err != nil && !awserr.Is(err, "NoSuchEntity") {
		return fmt.Errorf("role %q, step DeleteRole: %w", name, err)
	}
	return nil
}

// Tags are tags as IAM takes them, sorted by key.
func Tags(set map[string]string) []iamtypes.Tag {
	return tags.SDK(set, func(k, v *string) iamtypes.Tag { return iamtypes.Tag{Key: k, Value: v} })
}
