package workdir

import (
	"encoding/base64"
	"testing"
)

func TestMaskHidesTokenInBothForms(t *testing.T) {
	g := Git{CloneURL: "https://github.com/o/r.git", Token: "ghs_secret"}
	header := base64.StdEncoding.EncodeToString([]byte("x-access-token:ghs_secret"))
	got := g.mask("fatal: token ghs_secret rejected; header Basic " + header)
	if want := "fatal: token *** rejected; header Basic ***"; got != want {
		t.Fatalf("mask = %q, want %q", got, want)
	}
}
