// Package environment is the data sources that read the standards and an
// environment's account: paved_standards and paved_account. They create
// nothing.
package environment

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/paved-road/paved/provider/accounts"
	"github.com/paved-road/paved/provider/convert"
	"github.com/paved-road/paved/provider/standards"
)

var _ datasource.DataSourceWithConfigure = (*standardsDataSource)(nil)

// NewStandardsDataSource exposes the provider's standards document read-only.
func NewStandardsDataSource() datasource.DataSource { return &standardsDataSource{} }

type standardsDataSource struct{ meta *accounts.Meta }

type standardsModel struct {
	Organization     string                      `tfsdk:"organization"`
	HubAccountID     string                      `tfsdk:"hub_account_id"`
	DeployerRoleName string                      `tfsdk:"deployer_role_name"`
	RequiredTags     []string                    `tfsdk:"required_tags"`
	Teams            []string                    `tfsdk:"teams"`
	Environments     map[string]environmentModel `tfsdk:"environments"`
}

type environmentModel struct {
	AccountID        string             `tfsdk:"account_id"`
	Region           string             `tfsdk:"region"`
	VPCID            string             `tfsdk:"vpc_id"`
	SubnetIDs        []string           `tfsdk:"subnet_ids"`
	SecurityGroupIDs []string           `tfsdk:"security_group_ids"`
	Redis            redisDefaultsModel `tfsdk:"redis"`
}

type redisDefaultsModel struct {
	NodeType              string                       `tfsdk:"node_type"`
	Replicas              int64                        `tfsdk:"replicas"`
	MultiAZ               bool                         `tfsdk:"multi_az"`
	AutomaticFailover     bool                         `tfsdk:"automatic_failover"`
	SnapshotRetentionDays int64                        `tfsdk:"snapshot_retention_days"`
	SnapshotWindow        string                       `tfsdk:"snapshot_window"`
	MaintenanceWindow     string                       `tfsdk:"maintenance_window"`
	AtRestEncryption      bool                         `tfsdk:"at_rest_encryption"`
	TransitEncryption     bool                         `tfsdk:"transit_encryption"`
	Port                  int64                        `tfsdk:"port"`
	Parameters            map[string]map[string]string `tfsdk:"parameters"`
}

func (d *standardsDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_standards"
}

func (d *standardsDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	computedString := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{Computed: true, Description: desc}
	}
	computedList := func(desc string) schema.ListAttribute {
		return schema.ListAttribute{Computed: true, ElementType: types.StringType, Description: desc}
	}
	resp.Schema = schema.Schema{
		Description: "The standards document the provider is configured with, read-only: accounts, networks and defaults per environment.",
		Attributes: map[string]schema.Attribute{
			"organization":       computedString("Organization name."),
			"hub_account_id":     computedString("The hub (security) account that people and the provider log into."),
			"deployer_role_name": computedString("Role the provider assumes in each environment account."),
			"required_tags":      computedList("Tag keys every resource must carry."),
			"teams":              computedList("Known team names; resources name one of them in `team`."),
			"environments": schema.MapNestedAttribute{
				Computed:    true,
				Description: "Environments by name.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"account_id":         computedString("12-digit AWS account id of the environment."),
					"region":             computedString("AWS region the environment's resources are created in."),
					"vpc_id":             computedString("VPC the environment's resources live in."),
					"subnet_ids":         computedList("Private subnets for data stores and clusters."),
					"security_group_ids": computedList("Security groups attached by default."),
					"redis": schema.SingleNestedAttribute{
						Computed:    true,
						Description: "Redis defaults for `paved_redis` in this environment.",
						Attributes: map[string]schema.Attribute{
							"node_type":               computedString("ElastiCache node type, such as `cache.r7g.large`."),
							"replicas":                schema.Int64Attribute{Computed: true, Description: "Read replicas per shard."},
							"multi_az":                schema.BoolAttribute{Computed: true, Description: "Whether replicas spread across availability zones."},
							"automatic_failover":      schema.BoolAttribute{Computed: true, Description: "Whether a replica is promoted when the primary fails."},
							"snapshot_retention_days": schema.Int64Attribute{Computed: true, Description: "Days snapshots are kept."},
							"snapshot_window":         computedString("Daily snapshot window (UTC), `hh:mm-hh:mm`."),
							"maintenance_window":      computedString("Weekly maintenance window (UTC), `ddd:hh:mm-ddd:hh:mm`."),
							"at_rest_encryption":      schema.BoolAttribute{Computed: true, Description: "Encryption at rest."},
							"transit_encryption":      schema.BoolAttribute{Computed: true, Description: "Encryption in transit (TLS)."},
							"port":                    schema.Int64Attribute{Computed: true, Description: "Port clients connect to."},
							"parameters": schema.MapAttribute{
								Computed:    true,
								ElementType: types.MapType{ElemType: types.StringType},
								Description: "Standard parameters per engine family (such as `redis7`, `valkey8`).",
							},
						},
					},
				}},
			},
		},
	}
}

func (d *standardsDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.meta = accounts.MetaFrom(req.ProviderData, &resp.Diagnostics)
}

func (d *standardsDataSource) Read(ctx context.Context, _ datasource.ReadRequest, resp *datasource.ReadResponse) {
	if d.meta == nil {
		resp.Diagnostics.AddError("Provider not configured", "paved_standards needs a configured paved provider.")
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, standardsToModel(d.meta.Standards))...)
}

func standardsToModel(doc *standards.Document) standardsModel {
	m := standardsModel{
		Organization:     doc.Organization,
		HubAccountID:     doc.HubAccountID,
		DeployerRoleName: doc.DeployerRoleName,
		RequiredTags:     convert.NonNil(doc.RequiredTags),
		Teams:            convert.NonNil(doc.Teams),
		Environments:     map[string]environmentModel{},
	}
	for name, e := range doc.Environments {
		r := e.Redis
		params := map[string]map[string]string{}
		for family, p := range r.Parameters {
			params[family] = p
		}
		m.Environments[name] = environmentModel{
			AccountID:        e.AccountID,
			Region:           e.Region,
			VPCID:            e.VPCID,
			SubnetIDs:        convert.NonNil(e.SubnetIDs),
			SecurityGroupIDs: convert.NonNil(e.SecurityGroupIDs),
			Redis: redisDefaultsModel{
				NodeType:              r.NodeType,
				Replicas:              int64(r.Replicas),
				MultiAZ:               r.MultiAZ,
				AutomaticFailover:     r.AutomaticFailover,
				SnapshotRetentionDays: int64(r.SnapshotRetentionDays),
				SnapshotWindow:        r.SnapshotWindow,
				MaintenanceWindow:     r.MaintenanceWindow,
				AtRestEncryption:      r.AtRestEncryption,
				TransitEncryption:     r.TransitEncryption,
				Port:                  int64(r.Port),
				Parameters:            params,
			},
		}
	}
	return m
}
