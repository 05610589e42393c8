// Package validate holds the attribute validators paved's resources share:
// names checked for characters and length apart, URLs, durations, IAM
// ARNs and policy documents, and windows from the standards.
package validate

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"time"
	"unicode/utf8"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// The IAM names and ARNs paved takes, each with a message that shows one.
var (
	// RoleARN is an IAM role ARN.
	RoleARN = stringvalidator.RegexMatches(
		regexp.MustCompile(`^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}$`),
		"must be an IAM role ARN, such as arn:aws:iam::123456789012:role/deployer")
	// SessionName is an STS session name.
	SessionName = stringvalidator.RegexMatches(
		regexp.MustCompile(`^[\w+=,.@-]{2,64}$`),
		"must be 2-64 characters of letters, digits and +=,.@_-")
	// RoleName is an IAM role name.
	RoleName = stringvalidator.RegexMatches(
		regexp.MustCompile(`^[\w+=,.@-]{1,64}$`),
		"must be 1-64 characters of letters, digits and +=,.@_-")
	// PolicyARN is an IAM policy ARN.
	PolicyARN = stringvalidator.RegexMatches(
		regexp.MustCompile(`^arn:aws[a-z-]*:iam::(aws|\d{12}):policy/[\w+=,.@/-]+$`),
		"must be an IAM policy ARN, such as arn:aws:iam::aws:policy/ReadOnlyAccess")
	// PrincipalARN is a named IAM user or role.
	PrincipalARN = stringvalidator.RegexMatches(
		regexp.MustCompile(`^arn:aws[a-z-]*:iam::\d{12}:(user|role)/[\w+=,.@/-]+$`),
		"must be the ARN of a named IAM user or role, such as arn:aws:iam::111111111111:role/sre; "+
			"a whole account (:root) is not accepted, so that the role trusts people, not accounts")
)

// NameRule is the rule of a name paved derives AWS names from: characters
// matching pattern, and at most max of them. The two are checked apart, so
// that a name too long is told its length and the limit, however many
// hyphens it has.
type NameRule struct {
	Pattern *regexp.Regexp
	Chars   string // what Pattern allows, for its message
	Max     int
	Why     string // what the name becomes, and the AWS limit that sets Max
}

// Validators check a name attribute against the rule.
func (r NameRule) Validators() []validator.String {
	return []validator.String{stringvalidator.RegexMatches(r.Pattern, r.Chars), nameLengthValidator{r}}
}

// Check runs the rule's validators on name as the attribute at p, as
// Terraform would.
func (r NameRule) Check(p path.Path, name string) diag.Diagnostics {
	var diags diag.Diagnostics
	for _, v := range r.Validators() {
		resp := validator.StringResponse{}
		v.ValidateString(context.Background(), validator.StringRequest{Path: p, ConfigValue: types.StringValue(name)}, &resp)
		diags.Append(resp.Diagnostics...)
	}
	return diags
}

// Valid reports whether an import id's name follows the rule.
func (r NameRule) Valid(name string) bool {
	return r.Pattern.MatchString(name) && utf8.RuneCountInString(name) <= r.Max
}

// LowercaseName is the rule of ElastiCache replication group ids,
// which paved also follows for EKS pairs: lowercase letters, digits and
// single hyphens, starting with a letter and not ending with a hyphen.
var LowercaseName = regexp.MustCompile(`^[a-z]([a-z0-9]|-[a-z0-9])*$`)

// LowercaseChars says what LowercaseName allows, for its messages.
const LowercaseChars = "must be lowercase letters, digits and single hyphens, starting with a letter and not ending with a hyphen"

type nameLengthValidator struct{ rule NameRule }

func (v nameLengthValidator) Description(context.Context) string {
	return fmt.Sprintf("must be at most %d characters: %s", v.rule.Max, v.rule.Why)
}

func (v nameLengthValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (v nameLengthValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	name := req.ConfigValue.ValueString()
	if n := utf8.RuneCountInString(name); n > v.rule.Max {
		resp.Diagnostics.AddAttributeError(req.Path, "Name too long",
			fmt.Sprintf("%s %q has %d characters, at most %d fit: %s", req.Path, name, n, v.rule.Max, v.rule.Why))
	}
}

// URL accepts absolute http(s) URLs.
func URL() validator.String { return urlValidator{} }

type urlValidator struct{}

func (urlValidator) Description(context.Context) string {
	return "must be an absolute http or https URL"
}
func (v urlValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (v urlValidator) ValidateString(ctx context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	u, err := url.Parse(req.ConfigValue.ValueString())
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid endpoint URL",
			fmt.Sprintf("%q %s", req.ConfigValue.ValueString(), v.Description(ctx)))
	}
}

// DurationBetween checks a Go duration string against bounds, inclusive.
func DurationBetween(minimum, maximum time.Duration) validator.String {
	return durationValidator{min: minimum, max: maximum}
}

type durationValidator struct{ min, max time.Duration }

func (v durationValidator) Description(context.Context) string {
	return fmt.Sprintf("must be a duration between %s and %s, such as 1h or 90m", v.min, v.max)
}

func (v durationValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v durationValidator) ValidateString(ctx context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	d, err := time.ParseDuration(req.ConfigValue.ValueString())
	if err != nil || d < v.min || d > v.max {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid duration",
			fmt.Sprintf("%q %s", req.ConfigValue.ValueString(), v.Description(ctx)))
	}
}
