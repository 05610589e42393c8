// Package tags is how every paved resource tags what it creates: the
// provider's default_tags, the resource's own tags and the standard tags
// merged in that order, the own tags told apart from the rest on read, and
// one retag over whichever SDK's tag calls.
package tags

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/paved-road/paved/provider/convert"
	"github.com/paved-road/paved/provider/standards"
)

// ManagedBy is the value of the managed-by tag on everything paved creates.
const ManagedBy = "paved"

// Merge merges, lowest precedence first, defaults (the provider's
// default_tags), own (the resource's `tags`) and standard. A resource tag
// may not redefine a standard tag, and the result must hold every tag doc
// requires. It is unknown, and false, while own is.
func Merge(ctx context.Context, own types.Map, defaults, standard map[string]string, doc *standards.Document, diags *diag.Diagnostics) (types.Map, bool) {
	if own.IsUnknown() {
		return types.MapUnknown(types.StringType), false
	}
	mine := map[string]string{}
	diags.Append(own.ElementsAs(ctx, &mine, false)...)
	all := map[string]string{}
	for k, v := range defaults {
		all[k] = v
	}
	for _, k := range convert.SortedKeys(mine) {
		if _, ok := standard[k]; ok {
			diags.AddAttributeError(path.Root("tags").AtMapKey(k), "Reserved tag",
				fmt.Sprintf("tag %q is set by paved from the standards and cannot be overridden", k))
		}
		all[k] = mine[k]
	}
	for k, v := range standard {
		all[k] = v
	}
	if missing := doc.MissingRequiredTags(all); len(missing) > 0 {
		diags.AddAttributeError(path.Root("tags"), "Missing required tags",
			fmt.Sprintf("the standards in %s require tags %s on every resource; set them in `tags` or in the provider's `default_tags`",
				doc.File, strings.Join(missing, ", ")))
	}
	out, d := types.MapValueFrom(ctx, types.StringType, all)
	diags.Append(d...)
	return out, !diags.HasError()
}

// Own picks, from the tags AWS reports, the ones the resource's own `tags`
// set: those it had before, or on import those that neither the standard
// tags nor the defaults explain.
func Own(prior types.Map, actual, defaults, standard map[string]string, importing bool) map[string]string {
	explained := map[string]string{}
	for k, v := range defaults {
		explained[k] = v
	}
	for k, v := range standard {
		explained[k] = v
	}
	return OwnEntries(prior, actual, explained, importing)
}

// OwnEntries picks, from what AWS reports, the entries that belong to a
// resource's own map attribute (tags, parameters): the keys it had, or on
// import those that the standard entries do not explain. Outside an import,
// a key the resource never had is drift of the computed attribute, not of
// this one.
func OwnEntries(prior types.Map, actual, standard map[string]string, importing bool) map[string]string {
	own := map[string]string{}
	if !importing {
		for k := range prior.Elements() {
			if v, ok := actual[k]; ok {
				own[k] = v
			}
		}
		return own
	}
	for k, v := range actual {
		if sv, ok := standard[k]; !ok || sv != v {
			own[k] = v
		}
	}
	return own
}

// Diff returns what to set and which keys to remove to go from have to want.
func Diff(have, want map[string]string) (set map[string]string, remove []string) {
	set = map[string]string{}
	for k, v := range want {
		if ov, ok := have[k]; !ok || ov != v {
			set[k] = v
		}
	}
	for k := range have {
		if _, ok := want[k]; !ok {
			remove = append(remove, k)
		}
	}
	sort.Strings(remove)
	return set, remove
}

// Calls are one SDK's tag and untag calls for one or more resources.
type Calls struct {
	Untag func(ctx context.Context, keys []string) error
	Tag   func(ctx context.Context, set map[string]string) error
}

// Retag brings tags from have to want with as few calls as it takes: none
// when they match, removals first so a key that moves is not lost.
func Retag(ctx context.Context, have, want map[string]string, calls Calls) error {
	set, remove := Diff(have, want)
	if len(remove) > 0 {
		if err := calls.Untag(ctx, remove); err != nil {
			return err
		}
	}
	if len(set) > 0 {
		return calls.Tag(ctx, set)
	}
	return nil
}

// SDK converts tags into one SDK's tag type, sorted by key for stable calls.
func SDK[T any](tags map[string]string, tag func(key, value *string) T) []T {
	out := make([]T, 0, len(tags))
	for _, k := range convert.SortedKeys(tags) {
		out = append(out, tag(aws.String(k), aws.String(tags[k])))
	}
	return out
}

// IsManagedBy reports whether a tag is the managed-by tag paved puts on
// everything it creates.
func IsManagedBy(key, value *string) bool {
	return aws.ToString(key) == "managed-by" && aws.ToString(value) == ManagedBy
}
