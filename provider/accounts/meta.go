package accounts

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/paved-road/paved/provider/standards"
	"github.com/paved-road/paved/provider/tags"
)

// Meta is what the provider's Configure hands to every resource and data
// source: the standards, a session per environment, and the default tags.
type Meta struct {
	Standards   *standards.Document
	Sessions    *Sessions
	DefaultTags map[string]string
}

// MetaFrom unpacks provider data in a resource's or data source's
// Configure. Terraform calls Configure before the provider is configured,
// with nil.
func MetaFrom(data any, diags *diag.Diagnostics) *Meta {
	if data == nil {
		return nil
	}
	m, ok := data.(*Meta)
	if !ok {
		diags.AddError("Unexpected provider data", fmt.Sprintf("expected *accounts.Meta, got %T", data))
		return nil
	}
	return m
}

// CheckEnvironment reports an environment the standards do not define, on
// the `environment` attribute, with the known names.
func (m *Meta) CheckEnvironment(env string, diags *diag.Diagnostics) bool {
	if _, err := m.Standards.Environment(env); err != nil {
		diags.AddAttributeError(path.Root("environment"), "Unknown environment", err.Error())
		return false
	}
	return true
}

// ImportTarget reads an import id of the form <environment>/<name>,
// reporting a malformed id with an example, or an unknown environment.
func (m *Meta) ImportTarget(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse, valid func(string) bool, example string) {
	env, name, ok := strings.Cut(req.ID, "/")
	if !ok || env == "" || !valid(name) {
		resp.Diagnostics.AddError("Invalid import id",
			fmt.Sprintf("expected <environment>/<name>, such as %s; got %q", example, req.ID))
		return
	}
	if m != nil && !m.CheckEnvironment(env, &resp.Diagnostics) {
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), req.ID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("environment"), env)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("name"), name)...)
}

// Tags is a resource's tags_all: the provider's default tags, its own
// tags and the standard tags, merged as package tags says.
func (m *Meta) Tags(ctx context.Context, own types.Map, standard map[string]string, diags *diag.Diagnostics) (types.Map, bool) {
	return tags.Merge(ctx, own, m.DefaultTags, standard, m.Standards, diags)
}

// OwnTags picks, from the tags AWS reports, the resource's own.
func (m *Meta) OwnTags(prior types.Map, actual, standard map[string]string, importing bool) map[string]string {
	return tags.Own(prior, actual, m.DefaultTags, standard, importing)
}
