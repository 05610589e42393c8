package redis

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/paved-road/paved/provider/accounts"
	"github.com/paved-road/paved/provider/awserr"
	"github.com/paved-road/paved/provider/steps"
)

var _ datasource.DataSourceWithConfigure = (*redisDataSource)(nil)

// NewDataSource looks up a paved_redis, for services that connect to one
// managed in another state.
func NewDataSource() datasource.DataSource { return &redisDataSource{} }

type redisDataSource struct{ meta *accounts.Meta }

type lookupModel struct {
	Environment types.String `tfsdk:"environment"`
	Name        types.String `tfsdk:"name"`
	connection
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
	var cfg lookupModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() || !d.meta.CheckEnvironment(cfg.Environment.ValueString(), &resp.Diagnostics) {
		return
	}
	env, name := cfg.Environment.ValueString(), cfg.Name.ValueString()
	client, err := d.meta.Sessions.ElastiCache(ctx, env)
	if err != nil {
		resp.Diagnostics.AddError("Looking up Redis", steps.Failure("reading", "data.paved_redis", env+"/"+name, err))
		return
	}
	found, err := (&elastiCache{client: client}).find(ctx, name)
	if awserr.IsNotFound(err) {
		resp.Diagnostics.AddAttributeError(path.Root("name"), "Redis not found",
			fmt.Sprintf("no replication group %q in environment %q", name, env))
		return
	}
	if err != nil {
		resp.Diagnostics.AddError("Looking up Redis", steps.Failure("reading", "data.paved_redis", env+"/"+name, err))
		return
	}
	flattenConnection(ctx, found, &cfg.connection, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, &cfg)...)
}
