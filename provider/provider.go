// Package provider implements the paved Terraform provider: the company's
// standards as a handful of high-level resources, applied across accounts
// from one hub account.
package provider

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/paved-road/paved/provider/accessrole"
	"github.com/paved-road/paved/provider/environment"
	"github.com/paved-road/paved/provider/validate"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/paved-road/paved/provider/accounts"
	"github.com/paved-road/paved/provider/albbinding"
	"github.com/paved-road/paved/provider/ekspair"
	"github.com/paved-road/paved/provider/redis"
	"github.com/paved-road/paved/provider/standards"
)

var _ provider.Provider = (*pavedProvider)(nil)

// New returns a constructor for the provider at the given release version.
func New(version string) func() provider.Provider {
	return func() provider.Provider { return &pavedProvider{version: version} }
}

type pavedProvider struct {
	version string
}

type providerModel struct {
	StandardsFile types.String                   `tfsdk:"standards_file"`
	Standards     types.String                   `tfsdk:"standards"`
	Region        types.String                   `tfsdk:"region"`
	DefaultTags   map[string]string              `tfsdk:"default_tags"`
	Endpoints     *endpointsModel                `tfsdk:"endpoints"`
	AssumeRole    map[string]assumeRoleOverrides `tfsdk:"assume_role"`
}

type endpointsModel struct {
	STS         types.String `tfsdk:"sts"`
	IAM         types.String `tfsdk:"iam"`
	EC2         types.String `tfsdk:"ec2"`
	ElastiCache types.String `tfsdk:"elasticache"`
	EKS         types.String `tfsdk:"eks"`
	ELBv2       types.String `tfsdk:"elbv2"`
}

type assumeRoleOverrides struct {
	RoleARN     types.String         `tfsdk:"role_arn"`
	ExternalID  types.String         `tfsdk:"external_id"`
	SessionName types.String         `tfsdk:"session_name"`
	Duration    timetypes.GoDuration `tfsdk:"duration"`
}

func (p *pavedProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "paved"
	resp.Version = p.version
}

func (p *pavedProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	endpoint := func(service string) schema.StringAttribute {
		return schema.StringAttribute{
			Optional:    true,
			Description: fmt.Sprintf("URL of the %s API, for an emulator or a VPC endpoint.", service),
			Validators:  []validator.String{validate.URL()},
		}
	}
	resp.Schema = schema.Schema{
		Description: "paved turns the platform team's standards into high-level resources, " +
			"created in each environment account through a deployer role assumed from one hub account.",
		Attributes: map[string]schema.Attribute{
			"standards_file": schema.StringAttribute{
				Optional: true,
				Description: "Path of the standards document (YAML). Set this or `standards`; " +
					"when neither is set, the file named by the `PAVED_STANDARDS_FILE` environment variable is read.",
			},
			"standards": schema.StringAttribute{
				Optional:    true,
				Description: "The standards document itself, as YAML text, instead of a file.",
				Validators:  []validator.String{stringvalidator.ConflictsWith(path.MatchRoot("standards_file"))},
			},
			"region": schema.StringAttribute{
				Optional: true,
				Description: "Region for calls to the hub account (STS). Defaults to the AWS chain's region, then us-east-1. " +
					"Calls into an environment use that environment's region from the standards.",
			},
			"default_tags": schema.MapAttribute{
				Optional:    true,
				ElementType: types.StringType,
				Description: "Tags added to every resource the provider creates, beneath the standard tags and each resource's `tags`.",
			},
			"endpoints": schema.SingleNestedAttribute{
				Optional:    true,
				Description: "Per-service endpoint URLs.",
				Attributes: map[string]schema.Attribute{
					"sts":         endpoint("STS"),
					"iam":         endpoint("IAM"),
					"ec2":         endpoint("EC2"),
					"elasticache": endpoint("ElastiCache"),
					"eks":         endpoint("EKS"),
					"elbv2":       endpoint("Elastic Load Balancing v2"),
				},
			},
			"assume_role": schema.MapNestedAttribute{
				Optional: true,
				Description: "Per-environment overrides of how the deployer role is assumed, keyed by environment name. " +
					"By default the provider assumes `arn:aws:iam::<account_id>:role/<deployer_role_name>` from the standards.",
				NestedObject: schema.NestedAttributeObject{
					Attributes: map[string]schema.Attribute{
						"role_arn": schema.StringAttribute{
							Optional:    true,
							Description: "Role to assume instead of the standard deployer role.",
							Validators:  []validator.String{validate.RoleARN},
						},
						"external_id": schema.StringAttribute{
							Optional:    true,
							Sensitive:   true,
							Description: "External ID the role's trust policy requires.",
							Validators:  []validator.String{stringvalidator.LengthBetween(2, 1224)},
						},
						"session_name": schema.StringAttribute{
							Optional:    true,
							Description: "Session name recorded in CloudTrail. Defaults to `paved-<hub caller name>`.",
							Validators:  []validator.String{validate.SessionName},
						},
						"duration": schema.StringAttribute{
							Optional:    true,
							CustomType:  timetypes.GoDurationType{},
							Description: "Session duration, such as `1h`; between 15m and 12h, and no longer than the role allows.",
							Validators:  []validator.String{validate.DurationBetween(15*time.Minute, 12*time.Hour)},
						},
					},
				},
			},
		},
	}
}

func (p *pavedProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var cfg providerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	doc, diags := loadStandards(cfg)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}

	overrides := map[string]accounts.Override{}
	for env, o := range cfg.AssumeRole {
		if _, err := doc.Environment(env); err != nil {
			resp.Diagnostics.AddAttributeError(path.Root("assume_role").AtMapKey(env), "Unknown environment", err.Error())
			continue
		}
		ov := accounts.Override{
			RoleARN:     o.RoleARN.ValueString(),
			ExternalID:  o.ExternalID.ValueString(),
			SessionName: o.SessionName.ValueString(),
		}
		if !o.Duration.IsNull() && !o.Duration.IsUnknown() {
			d, dd := o.Duration.ValueGoDuration()
			resp.Diagnostics.Append(dd...)
			ov.Duration = d
		}
		overrides[env] = ov
	}
	if resp.Diagnostics.HasError() {
		return
	}

	var opts []func(*awsconfig.LoadOptions) error
	if r := cfg.Region.ValueString(); r != "" {
		opts = append(opts, awsconfig.WithRegion(r))
	}
	hub, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		resp.Diagnostics.AddError("Loading hub account credentials", err.Error())
		return
	}
	if hub.Region == "" {
		hub.Region = "us-east-1"
	}

	m := &accounts.Meta{
		Standards: doc,
		Sessions: accounts.New(accounts.Options{
			Hub:       hub,
			Standards: doc,
			Overrides: overrides,
			Endpoints: cfg.Endpoints.toAccounts(),
		}),
		DefaultTags: cfg.DefaultTags,
	}
	resp.DataSourceData = m
	resp.ResourceData = m
}

// loadStandards reads the standards from the inline text, the file, or
// PAVED_STANDARDS_FILE, in that order, and reports every problem at once.
func loadStandards(cfg providerModel) (*standards.Document, diag.Diagnostics) {
	var diags diag.Diagnostics
	var file, source string // the file to read, and where it was named
	switch {
	case cfg.Standards.IsUnknown() || cfg.StandardsFile.IsUnknown():
		diags.AddError("Standards not known yet",
			"`standards` and `standards_file` must be known at plan time; they cannot come from a resource created in the same run.")
		return nil, diags
	case cfg.Standards.ValueString() != "":
		doc, err := standards.Parse("standards", []byte(cfg.Standards.ValueString()))
		if err != nil {
			diags.AddAttributeError(path.Root("standards"), "Invalid standards document", err.Error())
		}
		return doc, diags
	case cfg.StandardsFile.ValueString() != "":
		file = cfg.StandardsFile.ValueString()
		source = fmt.Sprintf("standards_file = %q in the provider configuration", file)
	case os.Getenv("PAVED_STANDARDS_FILE") != "":
		file = os.Getenv("PAVED_STANDARDS_FILE")
		source = fmt.Sprintf("PAVED_STANDARDS_FILE = %q in the environment", file)
	default:
		diags.AddError("No standards document",
			"Set `standards_file` (or `standards`, or the PAVED_STANDARDS_FILE environment variable) in the provider configuration.")
		return nil, diags
	}
	doc, err := standards.Load(file)
	if err == nil {
		return doc, diags
	}
	summary, detail := "Invalid standards document", err.Error()
	var readErr *fs.PathError
	if errors.As(err, &readErr) {
		// A relative path is resolved from the directory the provider runs
		// in, which the configuration does not show.
		abs, _ := filepath.Abs(file)
		summary, detail = "Standards file unreadable", fmt.Sprintf("%s names %s, which cannot be read: %s", source, abs, readErr.Err)
		if errors.Is(err, fs.ErrNotExist) {
			summary, detail = "Standards file not found", fmt.Sprintf("%s names %s, which does not exist.", source, abs)
		}
	}
	diags.AddAttributeError(path.Root("standards_file"), summary, detail)
	return nil, diags
}

func (e *endpointsModel) toAccounts() accounts.Endpoints {
	if e == nil {
		return accounts.Endpoints{}
	}
	return accounts.Endpoints{
		STS:         e.STS.ValueString(),
		IAM:         e.IAM.ValueString(),
		EC2:         e.EC2.ValueString(),
		ElastiCache: e.ElastiCache.ValueString(),
		EKS:         e.EKS.ValueString(),
		ELBv2:       e.ELBv2.ValueString(),
	}
}

func (p *pavedProvider) Resources(_ context.Context) []func() resource.Resource {
	return []func() resource.Resource{
		accessrole.NewResource,
		redis.NewResource,
		ekspair.NewResource,
		albbinding.NewResource,
	}
}

func (p *pavedProvider) DataSources(_ context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{
		environment.NewStandardsDataSource,
		environment.NewAccountDataSource,
		redis.NewDataSource,
	}
}
