package validate

import (
	"strings"
	"testing"
)

func TestPolicyProblem(t *testing.T) {
	for doc, want := range map[string]string{
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`: "",
		`{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"*","Resource":"*"}}`:               "",
		`{"Version":"2012-10-17",`:                "not valid JSON",
		`[]`:                                      "not a JSON object",
		`{"Statement":[{"Effect":"Allow"}]}`:      `"Version"`,
		`{"Version":"2012-10-17"}`:                `"Statement"`,
		`{"Version":"2012-10-17","Statement":[]}`: "at least one statement",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Maybe"}]}`: `statement 0: "Effect"`,
	} {
		got := PolicyProblem(doc)
		if (want == "") != (got == "") || !strings.Contains(got, want) {
			t.Errorf("PolicyProblem(%s) = %q, want it to mention %q", doc, got, want)
		}
	}
}
