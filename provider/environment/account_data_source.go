package environment

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/paved-road/paved/provider/accounts"
	"github.com/paved-road/paved/provider/steps"
)

var _ datasource.DataSourceWithConfigure = (*accountDataSource)(nil)

// NewAccountDataSource shows who the provider is in an environment's account.
func NewAccountDataSource() datasource.DataSource { return &accountDataSource{} }

type accountDataSource struct{ meta *accounts.Meta }

type accountModel struct {
	Environment types.String `tfsdk:"environment"`
	AccountID   types.String `tfsdk:"account_id"`
	ARN         types.String `tfsdk:"arn"`
	UserID      types.String `tfsdk:"user_id"`
	Region      types.String `tfsdk:"region"`
}

func (d *accountDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_account"
}

func (d *accountDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		Description: "The identity the provider holds in an environment's account after assuming the deployer role " +
			"from the hub account, as GetCallerIdentity reports it.",
		Attributes: map[string]schema.Attribute{
			"environment": schema.StringAttribute{Required: true, Description: "Environment name from the standards."},
			"account_id":  schema.StringAttribute{Computed: true, Description: "Account the calls land in."},
			"arn":         schema.StringAttribute{Computed: true, Description: "ARN of the assumed-role session."},
			"user_id":     schema.StringAttribute{Computed: true, Description: "Unique id of the assumed-role session."},
			"region":      schema.StringAttribute{Computed: true, Description: "The environment's region."},
		},
	}
}

func (d *accountDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.meta = accounts.MetaFrom(req.ProviderData, &resp.Diagnostics)
}

func (d *accountDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	if d.meta == nil {
		resp.Diagnostics.AddError("Provider not configured", "paved_account needs a configured paved provider.")
		return
	}
	var m accountModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	env := m.Environment.ValueString()
	if !d.meta.CheckEnvironment(env, &resp.Diagnostics) {
		return
	}
	id, err := d.meta.Sessions.Identity(ctx, env)
	if err != nil {
		resp.Diagnostics.AddError("Assuming the deployer role", steps.Failure("reading", "paved_account", env, err))
		return
	}
	e, _ := d.meta.Standards.Environment(env)
	m.AccountID = types.StringValue(id.AccountID)
	m.ARN = types.StringValue(id.ARN)
	m.UserID = types.StringValue(id.UserID)
	m.Region = types.StringValue(e.Region)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
