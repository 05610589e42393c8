package validate

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
)

// Window applies one of the standards' window checks to an attribute.
func Window(check func(string) error) validator.String { return windowValidator{check: check} }

type windowValidator struct{ check func(string) error }

func (v windowValidator) Description(context.Context) string {
	return "must be a window in UTC at least 60 minutes long"
}

func (v windowValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v windowValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if err := v.check(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid window", err.Error())
	}
}
