package provider

import (
	"context"
	"fmt"

	"github.com/paved-road/paved/provider/accounts"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

var _ datasource.DataSourceWithConfigure = (*redisDataSource)(nil)

// NewRedisDataSource looks up a paved_redis, for services that connect to
// one managed in another state.
func NewRedisDataSource() datasource.DataSource { return &redisDataSource{} }

type redisDataSource struct{ meta *accounts.Meta }

type redisLookupModel struct {
	Environment     types.String `tfsdk:"environment"`
	Name            types.String `tfsdk:"name"`
	ARN             types.String `tfsdk:"arn"`
	Engine          types.String `tfsdk:"engine"`
	EngineVersion   types.String `tfsdk:"engine_version"`
	PrimaryEndpoint types.String `tfsdk:"primary_endpoint"`
	ReaderEndpoint  types.String `tfsdk:"reader_endpoint"`
	Port            types.Int64  `tfsdk:"port"`
	MemberClusters  types.List   `tfsdk:"member_clusters"`
	TransitEncrypt  types.Bool   `tfsdk:"transit_encryption"`
}

func (d *redisDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_redis"
}

func (d *redisDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	computed := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{Computed: true, Description: desc}
	}
	resp.Schema = schema.Schema{
		Description: "Looks up a Redis or Valkey replication group in an environment account by name: how to connect to it.",
		Attributes: map[string]schema.Attribute{
			"environment":      schema.StringAttribute{Required: true, Description: "Environment from the standards."},
			"name":             schema.StringAttribute{Required: true, Description: "Replication group id."},
			"arn":              computed("Replication group ARN."),
			"engine":           computed("`redis` or `valkey`."),
			"engine_version":   computed("Engine version, major.minor."),
			"primary_endpoint": computed("Address of the primary (read-write) endpoint."),
			"reader_endpoint":  computed("Address of the reader endpoint."),
			"port":             schema.Int64Attribute{Computed: true, Description: "Port."},
			"member_clusters": schema.ListAttribute{
				Computed: true, ElementType: types.StringType, Description: "Cache cluster ids of the group's nodes.",
			},
			"transit_encryption": schema.BoolAttribute{Computed: true, Description: "Whether clients must use TLS."},
		},
	}
}

func (d *redisDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.meta = accounts.MetaFrom(req.ProviderData, &resp.Diagnostics)
}

func (d *redisDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	if d.meta == nil {
		resp.Diagnostics.AddError("Provider not configured", "data.paved_redis needs a configured paved provider.")
		return
	}
	var cfg redisLookupModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() || !d.meta.CheckEnvironment(cfg.Environment.ValueString(), &resp.Diagnostics) {
		return
	}
	client, err := d.meta.Sessions.ElastiCache(ctx, cfg.Environment.ValueString())
	if err != nil {
		resp.Diagnostics.AddError("Looking up Redis", err.Error())
		return
	}
	// The resource's read fills everything this data source shows.
	m := redisModel{Environment: cfg.Environment, Name: cfg.Name, Tags: types.MapNull(types.StringType),
		Parameters: types.MapNull(types.StringType), SecurityGroupIDs: types.SetNull(types.StringType)}
	err = (&redisOps{client: client}).read(ctx, &m, d.meta)
	if isRedisGone(err) {
		resp.Diagnostics.AddAttributeError(path.Root("name"), "Redis not found",
			fmt.Sprintf("no replication group %q in environment %q", cfg.Name.ValueString(), cfg.Environment.ValueString()))
		return
	}
	if err != nil {
		resp.Diagnostics.AddError("Looking up Redis", err.Error())
		return
	}
	cfg.ARN, cfg.Engine, cfg.EngineVersion = m.ARN, m.Engine, m.EngineVersion
	cfg.PrimaryEndpoint, cfg.ReaderEndpoint, cfg.Port = m.PrimaryEndpoint, m.ReaderEndpoint, m.Port
	cfg.MemberClusters, cfg.TransitEncrypt = m.MemberClusters, m.TransitEncryption
	resp.Diagnostics.Append(resp.State.Set(ctx, &cfg)...)
}
