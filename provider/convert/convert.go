// Package convert turns Terraform framework values into Go values and back,
// the same way for every resource: unknown is reported, never guessed.
package convert

import (
	"context"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
)

// Elements is what a list and a set of strings share.
type Elements interface {
	IsNull() bool
	IsUnknown() bool
	Elements() []attr.Value
}

// Strings returns the strings of a list or set; false while it or any
// element is unknown. A null one has no strings.
func Strings(s Elements) ([]string, bool) {
	if s.IsUnknown() {
		return nil, false
	}
	var out []string
	for _, e := range s.Elements() {
		v, ok := e.(types.String)
		if !ok || v.IsUnknown() {
			return nil, false
		}
		out = append(out, v.ValueString())
	}
	return out, true
}

// StringMap returns a map's known entries; a null or unknown map has none.
func StringMap(m types.Map) map[string]string {
	out := map[string]string{}
	for k, e := range m.Elements() {
		if s, ok := e.(types.String); ok && !s.IsUnknown() && !s.IsNull() {
			out[k] = s.ValueString()
		}
	}
	return out
}

// MapValue is a map attribute of strings.
func MapValue(ctx context.Context, m map[string]string, diags *diag.Diagnostics) types.Map {
	out, d := types.MapValueFrom(ctx, types.StringType, m)
	diags.Append(d...)
	return out
}

// ListValue is a list attribute of strings.
func ListValue(ctx context.Context, values []string, diags *diag.Diagnostics) types.List {
	out, d := types.ListValueFrom(ctx, types.StringType, values)
	diags.Append(d...)
	return out
}

// ListOrNull is a list attribute of values, null when there are none.
func ListOrNull(ctx context.Context, values []string, diags *diag.Diagnostics) types.List {
	if len(values) == 0 {
		return types.ListNull(types.StringType)
	}
	return ListValue(ctx, values, diags)
}

// ObjectAs converts a known object attribute into its model; false when the
// object is null or unknown, or does not convert.
func ObjectAs[T any](ctx context.Context, o types.Object) (T, bool) {
	var out T
	if o.IsNull() || o.IsUnknown() {
		return out, false
	}
	diags := o.As(ctx, &out, basetypes.ObjectAsOptions{})
	return out, !diags.HasError()
}

// SortedKeys returns a map's keys in order, for stable calls and output.
func SortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Sorted returns a sorted copy of s.
func Sorted(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}

// NonNil is s, or an empty slice for nil, so that a list attribute is
// empty rather than null.
func NonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// NonEmpty is s as an SDK pointer, nil for "" so the API keeps its default.
func NonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return aws.String(s)
}

// SetDiff returns what is in want but not have, and in have but not want.
func SetDiff(have, want []string) (add, remove []string) {
	for _, s := range want {
		if !slices.Contains(have, s) {
			add = append(add, s)
		}
	}
	for _, s := range have {
		if !slices.Contains(want, s) {
			remove = append(remove, s)
		}
	}
	return add, remove
}

// ShortDuration prints a duration the way people write it: 4h, 1h30m.
func ShortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
