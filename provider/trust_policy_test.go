package provider

import (
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestNormalizePolicyFoldsAWSForms(t *testing.T) {
	want := trustPolicy([]string{"arn:aws:iam::123456789012:user/alice"}, true, false)
	// IAM returns the document URL-encoded, with a lone principal as a string.
	asIAMReturnsIt := url.QueryEscape(`{"Version":"2012-10-17","Statement":[{"Sid":"HubPrincipalsOnly","Effect":"Allow",
		"Principal":{"AWS":"arn:aws:iam::123456789012:user/alice"},
		"Action":["sts:SetSourceIdentity","sts:AssumeRole"],
		"Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}]}`)
	got, err := normalizePolicy(asIAMReturnsIt)
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("normalizePolicy:\n got %s\nwant %s", got, want)
	}
}

func TestNormalizePolicyKeepsWhatPavedDoesNotModel(t *testing.T) {
	// A NotPrincipal added by hand must not vanish: it has to show as drift.
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotPrincipal":{"AWS":"x"},"Action":"sts:AssumeRole"}]}`
	got, err := normalizePolicy(doc)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(got, "NotPrincipal") {
		t.Errorf("normalizePolicy dropped NotPrincipal: %s", got)
	}
	if _, err := normalizePolicy("{not json"); err == nil {
		t.Error("normalizePolicy accepted invalid JSON")
	}
}

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
		got := policyProblem(doc)
		if (want == "") != (got == "") || !strings.Contains(got, want) {
			t.Errorf("policyProblem(%s) = %q, want it to mention %q", doc, got, want)
		}
	}
}

func TestShortDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		time.Hour: "1h", 4 * time.Hour: "4h", 90 * time.Minute: "1h30m", 12 * time.Hour: "12h", 3661 * time.Second: "1h1m1s",
	} {
		if got := shortDuration(d); got != want {
			t.Errorf("shortDuration(%s) = %q, want %q", d, got, want)
		}
	}
}

func TestTagDiff(t *testing.T) {
	set, remove := tagDiff(map[string]string{"a": "1", "b": "2", "c": "3"}, map[string]string{"a": "1", "b": "9", "d": "4"})
	if len(set) != 2 || set["b"] != "9" || set["d"] != "4" {
		t.Errorf("set = %v", set)
	}
	if strings.Join(remove, ",") != "c" {
		t.Errorf("remove = %v", remove)
	}
}
