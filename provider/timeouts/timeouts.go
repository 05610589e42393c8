// Package timeouts is the create, update and delete timeouts block every
// paved resource has, and how often paved polls AWS while it waits.
package timeouts

import (
	"context"
	"time"

	fwtimeouts "github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
)

// Value is a resource model's timeouts attribute.
type Value = fwtimeouts.Value

// Opts describes each of the three timeouts for the docs.
type Opts = fwtimeouts.Opts

// Poll bounds the delay between two polls of a waiter: AWS changes take
// minutes, so there is no point polling faster than every few seconds; the
// first check is immediate.
const (
	PollMin = 5 * time.Second
	PollMax = 30 * time.Second
)

// Attribute is a create, update and delete timeouts attribute with the
// descriptions tfplugindocs renders.
func Attribute(ctx context.Context, opts Opts, description string) schema.Attribute {
	opts.Create, opts.Update, opts.Delete = true, true, true
	attr, _ := fwtimeouts.Attributes(ctx, opts).(schema.SingleNestedAttribute)
	attr.Description = description
	return attr
}
