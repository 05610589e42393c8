package accessrole

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/paved-road/paved/provider/awserr"
	"github.com/paved-road/paved/provider/convert"
	"github.com/paved-road/paved/provider/iamrole"
	"github.com/paved-road/paved/provider/steps"
)

// roleState is what paved manages on a role, in AWS terms, so that Create
// and Update can compare the planned and the current role.
type roleState struct {
	trustPolicy       string
	description       string
	maxSessionSeconds int32
	managedPolicies   []string
	inlinePolicy      string
	tags              map[string]string
}

// desiredRole is the role m describes, m being a plan or a state.
func desiredRole(ctx context.Context, m *accessRoleModel) (roleState, diag.Diagnostics) {
	var diags diag.Diagnostics
	s := roleState{
		trustPolicy:  m.TrustPolicy.ValueString(),
		description:  m.Description.ValueString(),
		inlinePolicy: m.InlinePolicy.ValueString(),
		tags:         map[string]string{},
	}
	if !m.MaxSessionDuration.IsNull() {
		d, dd := m.MaxSessionDuration.ValueGoDuration()
		diags.Append(dd...)
		s.maxSessionSeconds = int32(d / time.Second)
	}
	if !m.ManagedPolicyARNs.IsNull() {
		diags.Append(m.ManagedPolicyARNs.ElementsAs(ctx, &s.managedPolicies, false)...)
	}
	if !m.TagsAll.IsNull() {
		diags.Append(m.TagsAll.ElementsAs(ctx, &s.tags, false)...)
	}
	return s, diags
}

// create makes the role with its policies. Nothing is left half-created:
// when a policy fails, the role is removed again.
func create(ctx context.Context, client *iam.Client, name string, desired roleState) error {
	var undo []func(context.Context) error
	err := steps.Run(ctx, []steps.Step{
		{Name: "CreateRole", Run: func(ctx context.Context) error {
			_, err := client.CreateRole(ctx, &iam.CreateRoleInput{
				RoleName:                 aws.String(name),
				AssumeRolePolicyDocument: aws.String(desired.trustPolicy),
				Description:              convert.NonEmpty(desired.description),
				MaxSessionDuration:       aws.Int32(desired.maxSessionSeconds),
				Tags:                     iamrole.Tags(desired.tags),
			})
			if err == nil {
				undo = append(undo, func(ctx context.Context) error { return iamrole.Delete(ctx, client, name) })
			}
			return err
		}},
		{Name: "policies", Run: func(ctx context.Context) error {
			return applyPolicies(ctx, client, name, roleState{}, desired)
		}},
	})
	if err != nil && len(undo) > 0 {
		return steps.Rollback(ctx, err, undo)
	}
	return err
}

// updateSteps move the role from current to desired, each call skipped
// when there is nothing to change.
func updateSteps(client *iam.Client, name string, current, desired roleState) []steps.Step {
	return []steps.Step{
		{Name: "UpdateAssumeRolePolicy", Run: func(ctx context.Context) error {
			if current.trustPolicy == desired.trustPolicy {
				return nil
			}
			_, err := client.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{
				RoleName: aws.String(name), PolicyDocument: aws.String(desired.trustPolicy),
			})
			return err
		}},
		{Name: "UpdateRole", Run: func(ctx context.Context) error {
			if current.description == desired.description && current.maxSessionSeconds == desired.maxSessionSeconds {
				return nil
			}
			_, err := client.UpdateRole(ctx, &iam.UpdateRoleInput{
				RoleName: aws.String(name), Description: aws.String(desired.description),
				MaxSessionDuration: aws.Int32(desired.maxSessionSeconds),
			})
			return err
		}},
		{Name: "policies", Run: func(ctx context.Context) error { return applyPolicies(ctx, client, name, current, desired) }},
		{Name: "tags", Run: func(ctx context.Context) error {
			return iamrole.ApplyTags(ctx, client, name, current.tags, desired.tags)
		}},
	}
}

// applyPolicies moves the role's managed and inline policies from current to
// desired, naming the call that failed.
func applyPolicies(ctx context.Context, client *iam.Client, name string, current, desired roleState) error {
	add, remove := convert.SetDiff(current.managedPolicies, desired.managedPolicies)
	for _, p := range add {
		if _, err := client.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String(name), PolicyArn: aws.String(p)}); err != nil {
			return awserr.Wrap("AttachRolePolicy "+p, err)
		}
	}
	for _, p := range remove {
		if _, err := client.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: aws.String(name), PolicyArn: aws.String(p)}); err != nil {
			return awserr.Wrap("DetachRolePolicy "+p, err)
		}
	}
	switch {
	case desired.inlinePolicy != "" && desired.inlinePolicy != current.inlinePolicy:
		_, err := client.PutRolePolicy(ctx, &iam.PutRolePolicyInput{
			RoleName: aws.String(name), PolicyName: aws.String(inlinePolicyName), PolicyDocument: aws.String(desired.inlinePolicy),
		})
		return awserr.Wrap("PutRolePolicy", err)
	case desired.inlinePolicy == "" && current.inlinePolicy != "":
		_, err := client.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{
			RoleName: aws.String(name), PolicyName: aws.String(inlinePolicyName),
		})
		if awserr.Is(err, "NoSuchEntity") {
			return nil // removed already, as wanted
		}
		return awserr.Wrap("DeleteRolePolicy", err)
	}
	return nil
}
