package render

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
)

func TestMask(t *testing.T) {
	const pem = "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo\n4lgOEePzNm0tRgeLezV6ffAt0gunVTLw7onL\n-----END RSA PRIVATE KEY-----"
	tests := []struct {
		name, in, want string
		secrets        []string
	}{
		{name: "literal secret", in: "token abc123XYZ used", secrets: []string{"abc123XYZ"}, want: "token *** used"},
		{name: "longer literal masked whole", in: "key=abcdef", secrets: []string{"abc", "abcdef"}, want: "key=***"},
		{name: "empty literal ignored", in: "nothing here", secrets: []string{""}, want: "nothing here"},
		// Case folding beyond ASCII: the long s and the Kelvin sign match s and k in (?i) rules.
		{name: "key named with a long s", in: "db_\u017fecret = \"hunter2hunter2\"", want: "db_\u017fecret = \"***\""},
		{name: "key named with a Kelvin sign", in: "api_to\u212aen: \"hunter2hunter2\"", want: "api_to\u212aen: \"***\""},
		{name: "a masked value then changed", in: `password = "old" -> "new"`, want: `password = "***" -> "***"`},

		{name: "aws access key id", in: "key AKIAIOSFODNN7EXAMPLE in use", want: "key *** in use"},
		{name: "aws session key id", in: `"AccessKeyId": "ASIAY34FZKBOKMUTVV7A"`, want: `"AccessKeyId": "***"`},
		{name: "akia prefix too short", in: "AKIA1234", want: "AKIA1234"},
		{name: "akia inside a longer word", in: "XAKIAIOSFODNN7EXAMPLEX", want: "XAKIAIOSFODNN7EXAMPLEX"},

		{name: "aws secret ini", in: "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", want: "aws_secret_access_key = ***"},
		{name: "aws secret env", in: "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", want: "AWS_SECRET_ACCESS_KEY=***"},
		{name: "aws secret json", in: `"SecretAccessKey": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"`, want: `"SecretAccessKey": "***"`},
		{name: "forty base64 chars without a key", in: "value wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", want: "value wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"},

		{name: "github classic token", in: "push with ghp_16C7e42F292c6912E7710c838347Ae178B4a ok", want: "push with *** ok"},
		{name: "github installation token", in: "ghs_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789", want: "***"},
		{name: "github oauth, user, refresh tokens", in: "gho_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789 ghu_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789 ghr_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789", want: "*** *** ***"},
		{name: "github fine-grained token", in: "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVW", want: "***"},
		{name: "ghp prefix in a word", in: "the ghp_short name", want: "the ghp_short name"},

		{name: "private key block", in: "key:\n" + pem + "\ndone", want: "key:\n***\ndone"},
		{name: "private key block escaped in json", in: `"key": "` + strings.ReplaceAll(pem, "\n", `\n`) + `"`, want: `"key": "***"`},
		{name: "private key block cut off", in: "-----BEGIN PRIVATE KEY-----\nMIIEv\nQIBADAN", want: "***"},
		{name: "public key left alone", in: "-----BEGIN PUBLIC KEY-----\nMIIBIjAN\n-----END PUBLIC KEY-----", want: "-----BEGIN PUBLIC KEY-----\nMIIBIjAN\n-----END PUBLIC KEY-----"},

		{name: "bearer header", in: "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.abc", want: "Authorization: Bearer ***"},
		{name: "basic header lower case", in: "authorization: basic dXNlcjpwYXNz", want: "authorization: basic ***"},
		{name: "token header in json", in: `"Authorization": "token 0123abcd"`, want: `"Authorization": "token ***"`},
		{name: "authorization in prose", in: "authorization failed for user bob", want: "authorization failed for user bob"},

		{name: "password in url", in: "git clone https://bot:hunter2@github.example.com/org/repo.git", want: "git clone https://bot:***@github.example.com/org/repo.git"},
		{name: "password in redis url", in: "redis://:pa55@cache:6379/0", want: "redis://:***@cache:6379/0"},
		{name: "url with port", in: "https://github.example.com:8443/org/repo", want: "https://github.example.com:8443/org/repo"},
		{name: "url with user only", in: "ssh://git@github.com/org/repo", want: "ssh://git@github.com/org/repo"},

		{name: "hcl password", in: `  + password = "hunter2"`, want: `  + password = "***"`},
		{name: "hcl password changed", in: `  ~ db_password = "old" -> "new"`, want: `  ~ db_password = "***" -> "***"`},
		{name: "json client secret", in: `{"client_secret": "s3cr3t", "client_id": "abc"}`, want: `{"client_secret": "***", "client_id": "abc"}`},
		{name: "yaml token", in: `api_token: "xyz"`, want: `api_token: "***"`},
		{name: "quoted map key", in: `      + "DB_PASSWORD" = "pw"`, want: `      + "DB_PASSWORD" = "***"`},
		{name: "escaped quote in value", in: `password = "a\"b" ok`, want: `password = "***" ok`},
		{name: "env password", in: "export DB_PASSWORD=hunter2", want: "export DB_PASSWORD=***"},
		{name: "env token", in: "GITHUB_TOKEN=abc123 make", want: "GITHUB_TOKEN=*** make"},
		{name: "terraform sensitive value", in: `  + password = (sensitive value)`, want: `  + password = (sensitive value)`},
		{name: "reference, not a value", in: `password = var.db_password`, want: `password = var.db_password`},
		{name: "empty value", in: `password = ""`, want: `password = ""`},
		{name: "number of tokens", in: `max_tokens = 5`, want: `max_tokens = 5`},

		{name: "git sha", in: "commit 3a4b5c6d7e8f90123456789abcdef0123456789a applied", want: "commit 3a4b5c6d7e8f90123456789abcdef0123456789a applied"},
		{name: "sha256", in: "Plan-SHA256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", want: "Plan-SHA256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"},
		{name: "arn", in: `arn = "arn:aws:iam::123456789012:role/deployer"`, want: `arn = "arn:aws:iam::123456789012:role/deployer"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Mask(tt.in, tt.secrets...); got != tt.want {
				t.Errorf("Mask(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestMaskEncodedSecrets(t *testing.T) {
	const secret = "e2e-webhook-secret-0123"
	for _, prefix := range []string{"", "A", "AB", "PAVED_WEBHOOK_SECRET=", "x=1\nPAVED_WEBHOOK_SECRET="} {
		text := prefix + secret + "\nHOME=/root\n"
		for name, encoded := range map[string]string{
			"base64":     base64.StdEncoding.EncodeToString([]byte(text)),
			"base64 url": base64.URLEncoding.EncodeToString([]byte(text)),
			"raw base64": base64.RawStdEncoding.EncodeToString([]byte(text)),
			"hex":        hex.EncodeToString([]byte(text)),
			"reversed":   reverse(text),
		} {
			got := Mask("output = "+encoded, secret)
			if strings.Contains(got, encoded) || !strings.Contains(got, masked) {
				t.Errorf("%s after %q: not masked: %s", name, prefix, got)
			}
		}
	}
	// Short secrets are masked only as written, so that common words survive.
	if got := Mask("c2hvcnQ= short", "short"); got != "c2hvcnQ= ***" {
		t.Errorf("short secret: %q", got)
	}
}

// BenchmarkMaskPlanOutput masks a plan's output with no credential in it, as
// terraform prints it, which is what the live log masks line by line.
func BenchmarkMaskPlanOutput(b *testing.B) {
	var out strings.Builder
	for i := range 200 {
		fmt.Fprintf(&out, "  # terraform_data.service[%d] will be created\n  + resource \"terraform_data\" \"service\" {\n      + id     = (known after apply)\n      + input  = {\n          + name    = \"p01-service-%d\"\n          + network = \"10.1.0.0/16\"\n        }\n    }\n", i, i)
	}
	text := out.String()
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		Mask(text, "ghs_installationtoken000000000000000000000")
	}
}

// TestStreamMasksAKeyAcrossChunks: a private key begun in one chunk is hidden up to its END line
// in the chunks that follow, and only that far.
func TestStreamMasksAKeyAcrossChunks(t *testing.T) {
	for _, tt := range []struct {
		name   string
		chunks []string
		want   []string
	}{
		{"key across two chunks", []string{"a\n-----BEGIN PRIVATE KEY-----\nMIIEv\n", "QIBADAN\n-----END PRIVATE KEY-----\nb\n"}, []string{"a\n***", "\nb\n"}},
		{"key across three chunks", []string{"-----BEGIN EC PRIVATE KEY-----\n", "MHcCAQEE\n", "oAoGCCqG\n-----END EC PRIVATE KEY-----\nc\n"}, []string{"***", "", "\nc\n"}},
		{"key closed in its chunk", []string{"-----BEGIN PRIVATE KEY-----\nMIIEv\n-----END PRIVATE KEY-----\n", "MIIEv is a word here\n"}, []string{"***\n", "MIIEv is a word here\n"}},
		{"a second key left open", []string{"-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----\nok\n-----BEGIN PRIVATE KEY-----\nMIIEv\n", "QIBADAN\n"}, []string{"***\nok\n***", ""}},
		{"literal secret in a later chunk", []string{"one\n", "the hunter2-secret\n"}, []string{"one\n", "the ***\n"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m := Stream{Secrets: []string{"hunter2-secret"}}
			for i, chunk := range tt.chunks {
				if got := m.Mask(chunk); got != tt.want[i] {
					t.Errorf("chunk %d: Mask(%q) = %q, want %q", i, chunk, got, tt.want[i])
				}
			}
		})
	}
}
