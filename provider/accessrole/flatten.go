package accessrole

import (
	"context"
	"encoding/json"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/arn"
	"github.com/hashicorp/terraform-plugin-framework-jsontypes/jsontypes"
	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/paved-road/paved/provider/convert"
	"github.com/paved-road/paved/provider/iamrole"
)

// flatten sets m from the role IAM holds. Optional attributes left unset
// in m stay null while IAM has nothing for them, so that an unset
// attribute does not show as a change.
func (r *accessRoleResource) flatten(ctx context.Context, role *role, m *accessRoleModel) diag.Diagnostics {
	var diags diag.Diagnostics
	importing := m.ARN.IsNull()               // an imported resource has only its id so far
	a, _ := arn.Parse(aws.ToString(role.Arn)) // IAM's own ARN; a malformed one leaves account_id empty
	m.ID = types.StringValue(resourceID(m))
	m.ARN = types.StringValue(aws.ToString(role.Arn))
	m.UniqueID = types.StringValue(aws.ToString(role.RoleId))
	m.AccountID = types.StringValue(a.AccountID)
	m.Description = types.StringValue(aws.ToString(role.Description))
	m.MaxSessionDuration = timetypes.NewGoDurationValueFromStringMust(convert.ShortDuration(time.Duration(aws.ToInt32(role.MaxSessionDuration)) * time.Second))

	m.TrustPolicy = types.StringValue(role.trustPolicy)
	diags.Append(flattenTrustSettings(ctx, role.trustPolicy, m)...)

	if len(role.managedPolicies) > 0 || !m.ManagedPolicyARNs.IsNull() {
		set, d := types.SetValueFrom(ctx, types.StringType, role.managedPolicies)
		diags.Append(d...)
		m.ManagedPolicyARNs = set
	}
	m.InlinePolicy = jsontypes.NewNormalizedNull()
	if role.inlinePolicy != "" {
		m.InlinePolicy = jsontypes.NewNormalizedValue(role.inlinePolicy)
	}

	tags := map[string]string{}
	for _, t := range role.Tags {
		tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	var d diag.Diagnostics
	m.TagsAll, d = types.MapValueFrom(ctx, types.StringType, tags)
	diags.Append(d...)
	own := r.meta.OwnTags(m.Tags, tags, standardTags(m.Environment.ValueString()), importing)
	if len(own) > 0 || !m.Tags.IsNull() {
		m.Tags, d = types.MapValueFrom(ctx, types.StringType, own)
		diags.Append(d...)
	}
	return diags
}

// flattenTrustSettings recovers the principals and the MFA and
// source-identity switches from a trust policy paved wrote, so import fills
// them in and a principal added outside Terraform shows as drift on
// trusted_principals.
func flattenTrustSettings(ctx context.Context, trust string, m *accessRoleModel) diag.Diagnostics {
	var doc iamrole.Document
	if err := json.Unmarshal([]byte(trust), &doc); err != nil || len(doc.Statement) != 1 {
		return nil
	}
	st := doc.Statement[0]
	principals := st.Principal["AWS"]
	mfa := st.Condition["Bool"]["aws:MultiFactorAuthPresent"] == "true"
	source := st.Condition["Null"]["sts:SourceIdentity"] == "false"
	if trustPolicy(principals, mfa, source) != trust {
		return nil // not a document paved wrote: trust_policy alone carries the drift
	}
	set, diags := types.SetValueFrom(ctx, types.StringType, principals)
	m.TrustedPrincipals = set
	m.RequireMFA = types.BoolValue(mfa)
	m.RequireSourceIdentity = types.BoolValue(source)
	return diags
}
