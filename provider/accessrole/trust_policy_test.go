package accessrole

import (
	"net/url"
	"strings"
	"testing"

	"github.com/paved-road/paved/provider/iamrole"
)

func TestNormalizePolicyFoldsAWSForms(t *testing.T) {
	want := trustPolicy([]string{"arn:aws:iam::123456789012:user/alice"}, true, false)
	// IAM returns the document URL-encoded, with a lone principal as a string.
	asIAMReturnsIt := url.QueryEscape(`{"Version":"2012-10-17","Statement":[{"Sid":"HubPrincipalsOnly","Effect":"Allow",
		"Principal":{"AWS":"arn:aws:iam::123456789012:user/alice"},
		"Action":["sts:SetSourceIdentity","sts:AssumeRole"],
		"Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}]}`)
	got, err := iamrole.Normalize(asIAMReturnsIt)
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("iamrole.Normalize:\n got %s\nwant %s", got, want)
	}
}

func TestNormalizePolicyKeepsWhatPavedDoesNotModel(t *testing.T) {
	// A NotPrincipal added by hand must not vanish: it has to show as drift.
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotPrincipal":{"AWS":"x"},"Action":"sts:AssumeRole"}]}`
	got, err := iamrole.Normalize(doc)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(got, "NotPrincipal") {
		t.Errorf("iamrole.Normalize dropped NotPrincipal: %s", got)
	}
	if _, err := iamrole.Normalize("{not json"); err == nil {
		t.Error("iamrole.Normalize accepted invalid JSON")
	}
}
