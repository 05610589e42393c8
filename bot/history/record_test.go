package history

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func sampleRecord() Record {
	return Record{
		Project:     "app",
		Workspace:   "prod",
		Dir:         "infra/app",
		Commit:      "3a4b5c6d7e8f90123456789abcdef0123456789a",
		PR:          12,
		PRURL:       "https://github.com/acme/infra/pull/12",
		Author:      "alice",
		Approvers:   []string{"bob", "carol"},
		AppliedBy:   "dave",
		Add:         1,
		Change:      2,
		Destroy:     0,
		PlanSHA256:  "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
		Tool:        "terraform",
		ToolVersion: "1.8.5",
		Time:        time.Date(2024, 5, 1, 14, 30, 5, 0, time.UTC),
	}
}

func TestTagName(t *testing.T) {
	berlin := time.FixedZone("CEST", 2*60*60)
	name := TagName("app", "prod", time.Date(2024, 5, 1, 16, 30, 5, 999, berlin))
	if name != "paved/app/prod/20240501T143005Z" {
		t.Errorf("TagName = %q", name)
	}
	if !strings.HasPrefix(name, Prefix("app")) || !strings.HasPrefix(name, Prefix("")) {
		t.Errorf("%q does not start with Prefix(%q) = %q or Prefix(\"\") = %q", name, "app", Prefix("app"), Prefix(""))
	}
}

func TestPrefix(t *testing.T) {
	if got := Prefix(""); got != "paved/" {
		t.Errorf(`Prefix("") = %q`, got)
	}
	if got := Prefix("app"); got != "paved/app/" {
		t.Errorf(`Prefix("app") = %q`, got)
	}
}

func TestMessage(t *testing.T) {
	want := `deploy app/prod: +1 ~2 -0 (PR #12)

Project: app
Workspace: prod
Dir: infra/app
Commit: 3a4b5c6d7e8f90123456789abcdef0123456789a
PR: 12
PR-URL: https://github.com/acme/infra/pull/12
Author: alice
Approvers: bob, carol
Applied-By: dave
Summary: +1 ~2 -0
Plan-SHA256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
Tool: terraform 1.8.5
Applied-At: 2024-05-01T14:30:05Z
`
	if got := sampleRecord().Message(); got != want {
		t.Errorf("Message:\n%s\nwant:\n%s", got, want)
	}
}

func TestMessageRoundTrip(t *testing.T) {
	r := sampleRecord()
	got, err := ParseMessage(r.Message())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, r) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, r)
	}

	// No approvers, a local time with nanoseconds: the time comes back in
	// UTC at millisecond precision.
	r.Approvers = nil
	r.Time = time.Date(2024, 5, 1, 16, 30, 5, 123456789, time.FixedZone("CEST", 2*60*60))
	msg := r.Message()
	if !strings.Contains(msg, "\nApprovers: none\n") {
		t.Errorf("empty approvers not written as none:\n%s", msg)
	}
	got, err = ParseMessage(msg)
	if err != nil {
		t.Fatal(err)
	}
	if got.Approvers != nil {
		t.Errorf("approvers = %q, want none", got.Approvers)
	}
	if want := time.Date(2024, 5, 1, 14, 30, 5, 123000000, time.UTC); !got.Time.Equal(want) || got.Time.Location() != time.UTC {
		t.Errorf("time = %v, want %v", got.Time, want)
	}
}

func TestMessageKeepsNewlinesOutOfTrailers(t *testing.T) {
	r := sampleRecord()
	r.Author = "mallory\nCommit: 0000000"
	got, err := ParseMessage(r.Message())
	if err != nil {
		t.Fatal(err)
	}
	if got.Commit != r.Commit {
		t.Errorf("a newline in a value forged the Commit trailer: %q", got.Commit)
	}
}

func TestParseMessageTolerates(t *testing.T) {
	want := sampleRecord()
	signed := want.Message() + "-----BEGIN PGP SIGNATURE-----\n\niQEzBAABCAAdFiEE\nProject: forged\n-----END PGP SIGNATURE-----\n"
	extra := strings.Replace(want.Message(), "Project:", "Rolled out during the freeze window.\n\nProject:", 1) + "Signed-off-by: dave <dave@example.com>\n"
	for name, msg := range map[string]string{"signature": signed, "extra lines": extra} {
		t.Run(name, func(t *testing.T) {
			got, err := ParseMessage(msg)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got %+v\nwant %+v", got, want)
			}
		})
	}
}

func TestParseMessageErrors(t *testing.T) {
	msg := sampleRecord().Message()
	tests := []struct {
		name, msg, wantErr string
	}{
		{"missing trailer", strings.Replace(msg, "Plan-SHA256:", "Plan:", 1), "Plan-SHA256 missing"},
		{"empty project", strings.Replace(msg, "Project: app", "Project:", 1), "Project empty"},
		{"bad PR", strings.Replace(msg, "PR: 12", "PR: twelve", 1), "PR"},
		{"bad summary", strings.Replace(msg, "Summary: +1 ~2 -0", "Summary: 1 added", 1), "Summary"},
		{"bad time", strings.Replace(msg, "Applied-At: 2024-05-01T14:30:05Z", "Applied-At: yesterday", 1), "Applied-At"},
		{"not a deploy", "v1.0.0\n\nFirst release.\n", "Project missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseMessage(tt.msg)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error %v, want one naming %q", err, tt.wantErr)
			}
		})
	}
}

func TestMarkdown(t *testing.T) {
	r := sampleRecord()
	r.Tag = TagName(r.Project, r.Workspace, r.Time)
	got := Markdown([]Record{r})
	wantRow := "| 2024-05-01 14:30 UTC | app | prod | `+1 ~2 -0` | [#12](https://github.com/acme/infra/pull/12) | `3a4b5c6` | dave | bob, carol | terraform 1.8.5 | `paved/app/prod/20240501T143005Z` |"
	lines := strings.Split(strings.TrimSpace(got), "\n")
	if len(lines) != 3 || lines[2] != wantRow {
		t.Errorf("Markdown:\n%s\nwant a header, a separator and the row\n%s", got, wantRow)
	}
	if got := Markdown(nil); !strings.Contains(got, "No deploys") {
		t.Errorf("Markdown(nil) = %q", got)
	}
}

func TestText(t *testing.T) {
	r := sampleRecord()
	r.Tag = TagName(r.Project, r.Workspace, r.Time)
	older := r
	older.Workspace, older.PR, older.Add, older.Change, older.Approvers = "staging", 9, 3, 0, nil
	older.Tag = TagName(older.Project, older.Workspace, older.Time)
	var b strings.Builder
	if err := Text(&b, []Record{r, older}); err != nil {
		t.Fatal(err)
	}
	want := "" +
		"APPLIED               PROJECT  WORKSPACE  CHANGES   PR   COMMIT   APPLIED BY  APPROVED BY  TAG\n" +
		"2024-05-01 14:30 UTC  app      prod       +1 ~2 -0  #12  3a4b5c6  dave        bob,carol    paved/app/prod/20240501T143005Z\n" +
		"2024-05-01 14:30 UTC  app      staging    +3 ~0 -0  #9   3a4b5c6  dave        none         paved/app/staging/20240501T143005Z\n"
	if b.String() != want {
		t.Errorf("Text:\n%s\nwant:\n%s", b.String(), want)
	}
}
