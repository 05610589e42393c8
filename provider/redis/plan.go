package redis

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/paved-road/paved/provider/convert"
	"github.com/paved-road/paved/provider/engines"
	"github.com/paved-road/paved/provider/standards"
	"github.com/paved-road/paved/provider/tags"
)

// applyDefaults copies the environment's Redis defaults into every option
// the configuration leaves unset.
func applyDefaults(plan, config *model, d standards.RedisDefaults) {
	str := func(dst *types.String, cfg types.String, def string) {
		if cfg.IsNull() {
			*dst = types.StringValue(def)
		}
	}
	num := func(dst *types.Int64, cfg types.Int64, def int) {
		if cfg.IsNull() {
			*dst = types.Int64Value(int64(def))
		}
	}
	flag := func(dst *types.Bool, cfg types.Bool, def bool) {
		if cfg.IsNull() {
			*dst = types.BoolValue(def)
		}
	}
	str(&plan.NodeType, config.NodeType, d.NodeType)
	num(&plan.Replicas, config.Replicas, d.Replicas)
	flag(&plan.MultiAZ, config.MultiAZ, d.MultiAZ)
	flag(&plan.AutomaticFailover, config.AutomaticFailover, d.AutomaticFailover)
	num(&plan.SnapshotRetentionDays, config.SnapshotRetentionDays, d.SnapshotRetentionDays)
	str(&plan.SnapshotWindow, config.SnapshotWindow, d.SnapshotWindow)
	str(&plan.MaintenanceWindow, config.MaintenanceWindow, d.MaintenanceWindow)
	flag(&plan.AtRestEncryption, config.AtRestEncryption, d.AtRestEncryption)
	flag(&plan.TransitEncryption, config.TransitEncryption, d.TransitEncryption)
	num(&plan.Port, config.Port, d.Port)
	// Overriding replicas to 0 in a Multi-AZ environment is a common wish
	// for a cheap cache; follow it through rather than refusing it.
	if config.Replicas.ValueInt64() == 0 && !config.Replicas.IsNull() {
		flag(&plan.MultiAZ, config.MultiAZ, false)
		flag(&plan.AutomaticFailover, config.AutomaticFailover, false)
	}
}

// checkTopology enforces what ElastiCache enforces at create time.
func checkTopology(plan *model, diags *diag.Diagnostics) {
	if plan.Replicas.IsUnknown() || plan.MultiAZ.IsUnknown() || plan.AutomaticFailover.IsUnknown() {
		return
	}
	replicas := plan.Replicas.ValueInt64()
	if plan.MultiAZ.ValueBool() && replicas == 0 {
		diags.AddAttributeError(path.Root("multi_az"), "Multi-AZ needs a replica",
			"multi_az = true needs replicas of at least 1: with no replica there is no node in another zone to fail over to")
	}
	if plan.MultiAZ.ValueBool() && !plan.AutomaticFailover.ValueBool() {
		diags.AddAttributeError(path.Root("automatic_failover"), "Multi-AZ needs automatic failover",
			"multi_az = true needs automatic_failover = true")
	}
	if plan.AutomaticFailover.ValueBool() && replicas == 0 {
		diags.AddAttributeError(path.Root("automatic_failover"), "Automatic failover needs a replica",
			"automatic_failover = true needs replicas of at least 1")
	}
	if !plan.SnapshotWindow.IsUnknown() && !plan.MaintenanceWindow.IsUnknown() &&
		standards.WindowsOverlap(plan.SnapshotWindow.ValueString(), plan.MaintenanceWindow.ValueString()) {
		diags.AddAttributeError(path.Root("maintenance_window"), "Overlapping windows",
			fmt.Sprintf("maintenance_window %q overlaps snapshot_window %q, which recurs daily",
				plan.MaintenanceWindow.ValueString(), plan.SnapshotWindow.ValueString()))
	}
}

// effectiveParameters merges the resource's parameters over the standard
// ones for the family, refusing names the family does not have.
func effectiveParameters(ctx context.Context, params types.Map, family string, env standards.Environment, diags *diag.Diagnostics) types.Map {
	if params.IsUnknown() {
		return types.MapUnknown(types.StringType)
	}
	merged := map[string]string{}
	for k, v := range env.Redis.Parameters[family] {
		merged[k] = v
	}
	own := map[string]string{}
	diags.Append(params.ElementsAs(ctx, &own, false)...)
	for _, k := range convert.SortedKeys(own) {
		if err := engines.CheckParameter(family, k); err != nil {
			diags.AddAttributeError(path.Root("parameters").AtMapKey(k), "Unknown parameter", err.Error())
		}
		merged[k] = own[k]
	}
	return convert.MapValue(ctx, merged, diags)
}

func standardTags(m *model) map[string]string {
	return map[string]string{
		"team":        m.Team.ValueString(),
		"service":     m.Service.ValueString(),
		"environment": m.Environment.ValueString(),
		"managed-by":  tags.ManagedBy,
	}
}

// parameterGroupName names the group after the resource and the family, so
// that a cross-family upgrade can create the new group beside the old.
func parameterGroupName(name, family string) string {
	return name + "-" + strings.ReplaceAll(family, ".", "-")
}
