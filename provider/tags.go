package provider

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// managedBy is the value of the managed-by tag on everything paved creates.
const managedBy = "paved"

// resourceTags merges, lowest precedence first, the provider's default_tags,
// the resource's tags and the standard tags. A resource tag may not redefine
// a standard tag, and the result must hold every tag the standards require.
func (m *meta) resourceTags(ctx context.Context, tags types.Map, standard map[string]string, diags *diag.Diagnostics) (types.Map, bool) {
	if tags.IsUnknown() {
		return types.MapUnknown(types.StringType), false
	}
	own := map[string]string{}
	diags.Append(tags.ElementsAs(ctx, &own, false)...)
	all := map[string]string{}
	for k, v := range m.defaultTags {
		all[k] = v
	}
	for _, k := range sortedKeys(own) {
		if _, ok := standard[k]; ok {
			diags.AddAttributeError(path.Root("tags").AtMapKey(k), "Reserved tag",
				fmt.Sprintf("tag %q is set by paved from the standards and cannot be overridden", k))
		}
		all[k] = own[k]
	}
	for k, v := range standard {
		all[k] = v
	}
	if missing := m.standards.MissingRequiredTags(all); len(missing) > 0 {
		diags.AddAttributeError(path.Root("tags"), "Missing required tags",
			fmt.Sprintf("the standards in %s require tags %s on every resource; set them in `tags` or in the provider's `default_tags`",
				m.standards.File, strings.Join(missing, ", ")))
	}
	out, d := types.MapValueFrom(ctx, types.StringType, all)
	diags.Append(d...)
	return out, !diags.HasError()
}

// ownTags picks, from the tags AWS reports, the ones the resource's own
// `tags` set: those it had before, or on import those that neither the
// standard tags nor default_tags explain.
func (m *meta) ownTags(prior types.Map, actual map[string]string, standard map[string]string, importing bool) map[string]string {
	explained := map[string]string{}
	for k, v := range m.defaultTags {
		explained[k] = v
	}
	for k, v := range standard {
		explained[k] = v
	}
	return ownEntries(prior, actual, explained, importing)
}

// tagDiff returns what to set and which keys to remove to go from old to new.
func tagDiff(old, new map[string]string) (set map[string]string, remove []string) {
	set = map[string]string{}
	for k, v := range new {
		if ov, ok := old[k]; !ok || ov != v {
			set[k] = v
		}
	}
	for k := range old {
		if _, ok := new[k]; !ok {
			remove = append(remove, k)
		}
	}
	sort.Strings(remove)
	return set, remove
}
