package history

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"reflect"
	"strings"
	"testing"
	"time"
)

// testKey is the tag key of the tests' bot.
var testKey = KeyFromSecret([]byte("test webhook secret"))

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
		PlannedBy:   "erin",
		AppliedBy:   "dave",
		Add:         1,
		Change:      2,
		Destroy:     0,
		PlanSHA256:  "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
		Tool:        "terraform",
		ToolVersion: "1.8.5",
		Time:        time.Date(2024, 5, 1, 14, 30, 5, 0, time.UTC),
		Team:        "payments",
		PROpened:    time.Date(2024, 4, 30, 9, 0, 0, 0, time.UTC),
		Took:        2500 * time.Millisecond,
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

// sampleTag is the name of sampleRecord's tag.
const sampleTag = "paved/app/prod/20240501T143005Z"

// unsignedMessage is sampleRecord's message without its signature line.
const unsignedMessage = `deploy app/prod: +1 ~2 -0 (PR #12)

Project: app
Workspace: prod
Dir: infra/app
Commit: 3a4b5c6d7e8f90123456789abcdef0123456789a
PR: 12
PR-URL: https://github.com/acme/infra/pull/12
Author: alice
Approvers: bob, carol
Planned-By: erin
Applied-By: dave
Summary: +1 ~2 -0
Plan-SHA256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
Tool: terraform 1.8.5
Applied-At: 2024-05-01T14:30:05Z
Team: payments
PR-Opened: 2024-04-30T09:00:00Z
Apply-Seconds: 2.5
`

func TestMessage(t *testing.T) {
	if got := sampleRecord().Message(sampleTag, nil); got != unsignedMessage {
		t.Errorf("Message without a key:\n%s\nwant:\n%s", got, unsignedMessage)
	}
	// The signature is computed here as the package comment defines it.
	mac := hmac.New(sha256.New, testKey)
	mac.Write([]byte("paved-tag-v1\ntag " + sampleTag + "\nobject " + sampleRecord().Commit + "\n\n" + unsignedMessage))
	want := unsignedMessage + "Paved-Signature: hmac-sha256=" + hex.EncodeToString(mac.Sum(nil)) + "\n"
	if got := sampleRecord().Message(sampleTag, testKey); got != want {
		t.Errorf("Message:\n%s\nwant:\n%s", got, want)
	}
}

func TestKeyFromSecret(t *testing.T) {
	mac := hmac.New(sha256.New, []byte("test webhook secret"))
	mac.Write([]byte("paved-tag-key-v1"))
	if want := mac.Sum(nil); !hmac.Equal(testKey, want) {
		t.Errorf("KeyFromSecret = %x, want %x", testKey, want)
	}
	if other := KeyFromSecret([]byte("another secret")); hmac.Equal(other, testKey) {
		t.Errorf("two secrets give one key")
	}
	if key := KeyFromSecret(nil); key != nil {
		t.Errorf("KeyFromSecret(nil) = %x, want no key", key)
	}
}

func TestSigned(t *testing.T) {
	r := sampleRecord()
	msg := r.Message(sampleTag, testKey)
	other := "0123456789abcdef0123456789abcdef01234567"
	for _, tc := range []struct {
		name, tag, commit, msg string
		key                    []byte
		want                   bool
	}{
		{"as made", sampleTag, r.Commit, msg, testKey, true},
		{"without the final newline", sampleTag, r.Commit, strings.TrimSuffix(msg, "\n"), testKey, true},
		{"another commit", sampleTag, other, msg, testKey, false},
		{"another name", "paved/app/prod/20240601T000000Z", r.Commit, msg, testKey, false},
		{"edited", sampleTag, r.Commit, strings.Replace(msg, "Applied-By: dave", "Applied-By: mallory", 1), testKey, false},
		{"a line after the signature", sampleTag, r.Commit, msg + "Approvers: mallory\n", testKey, false},
		{"a blank line after the signature", sampleTag, r.Commit, msg + "\n", testKey, false},
		{"another key", sampleTag, r.Commit, msg, KeyFromSecret([]byte("another secret")), false},
		{"no key", sampleTag, r.Commit, r.Message(sampleTag, nil), nil, false},
		{"unsigned", sampleTag, r.Commit, r.Message(sampleTag, nil), testKey, false},
		{"not hex", sampleTag, r.Commit, unsignedMessage + "Paved-Signature: hmac-sha256=zz\n", testKey, false},
		{"empty", sampleTag, r.Commit, "", testKey, false},
	} {
		if got := signed(tc.tag, tc.commit, tc.msg, tc.key); got != tc.want {
			t.Errorf("%s: signed = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestMessageRoundTrip(t *testing.T) {
	r := sampleRecord()
	got, err := ParseMessage(r.Message(sampleTag, testKey))
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
	msg := r.Message(sampleTag, testKey)
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

func TestParseMessageReadsOlderTags(t *testing.T) {
	// Tags made before Planned-By and the signature.
	older := strings.Replace(unsignedMessage, "Planned-By: erin\n", "", 1)
	got, err := ParseMessage(older)
	if err != nil {
		t.Fatal(err)
	}
	want := sampleRecord()
	want.PlannedBy = ""
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
}

func TestMessageKeepsNewlinesOutOfTrailers(t *testing.T) {
	r := sampleRecord()
	r.Author = "mallory\nCommit: 0000000"
	r.Project = "app\nApplied-By: mallory"
	got, err := ParseMessage(r.Message(sampleTag, testKey))
	if err != nil {
		t.Fatal(err)
	}
	if got.Commit != r.Commit || got.AppliedBy != r.AppliedBy {
		t.Errorf("a newline in a value forged a trailer: Commit %q, Applied-By %q", got.Commit, got.AppliedBy)
	}
}

func TestParseMessageTolerates(t *testing.T) {
	want := sampleRecord()
	msg := want.Message(sampleTag, testKey)
	signed := msg + "-----BEGIN PGP SIGNATURE-----\n\niQEzBAABCAAdFiEE\nProject: forged\n-----END PGP SIGNATURE-----\n"
	extra := strings.Replace(msg, "Project:", "Rolled out during the freeze window.\n\nProject:", 1) + "Signed-off-by: dave <dave@example.com>\n"
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
	msg := sampleRecord().Message(sampleTag, testKey)
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

func TestOnlyVerified(t *testing.T) {
	var records []Record
	for i, ok := range []bool{false, true, true, false, true} {
		r := sampleRecord()
		r.PR, r.Verified = i, ok
		records = append(records, r)
	}
	prs := func(rs []Record) (out []int) {
		for _, r := range rs {
			out = append(out, r.PR)
		}
		return out
	}
	// The limit counts verified records: forged ones on top take no room.
	verified, unverified := OnlyVerified(records, 2)
	if got := prs(verified); !reflect.DeepEqual(got, []int{1, 2}) || unverified != 2 {
		t.Errorf("OnlyVerified(_, 2) = PRs %v, %d unverified; want [1 2], 2", got, unverified)
	}
	verified, unverified = OnlyVerified(records, 0)
	if got := prs(verified); !reflect.DeepEqual(got, []int{1, 2, 4}) || unverified != 2 {
		t.Errorf("OnlyVerified(_, 0) = PRs %v, %d unverified; want [1 2 4], 2", got, unverified)
	}
}

func TestMarkdown(t *testing.T) {
	r := sampleRecord()
	r.Tag, r.Verified = TagName(r.Project, r.Workspace, r.Time), true
	got := Markdown([]Record{r}, 0)
	wantRow := "| 2024-05-01 14:30 UTC | app | prod | `+1 ~2 -0` | [#12](https://github.com/acme/infra/pull/12) | `3a4b5c6` | erin | dave | bob, carol | terraform 1.8.5 | `paved/app/prod/20240501T143005Z` |"
	lines := strings.Split(strings.TrimSpace(got), "\n")
	if len(lines) != 3 || lines[2] != wantRow {
		t.Errorf("Markdown:\n%s\nwant a header, a separator and the row\n%s", got, wantRow)
	}
	if got := Markdown(nil, 0); !strings.Contains(got, "No deploys") || strings.Contains(got, "not signed") {
		t.Errorf("Markdown(nil, 0) = %q", got)
	}

	// A forged record never reaches the table, whether the caller left it
	// out and counted it or passed it on.
	forged := r
	forged.AppliedBy, forged.Verified = "mallory", false
	got = Markdown([]Record{forged, r}, 2)
	if strings.Contains(got, "mallory") {
		t.Errorf("Markdown shows an unverified record:\n%s", got)
	}
	lines = strings.Split(strings.TrimSpace(got), "\n")
	if want := "3 tag(s) under paved/ are not signed by this bot and are not shown."; len(lines) != 5 || lines[2] != wantRow || lines[3] != "" || lines[4] != want {
		t.Errorf("Markdown with unverified records:\n%s\nwant the table, then\n%s", got, want)
	}
	got = Markdown([]Record{forged}, 0)
	if !strings.HasPrefix(got, "No deploys recorded.\n") || !strings.Contains(got, "\n1 tag(s) under paved/ are not signed") {
		t.Errorf("Markdown of only a forged record:\n%s", got)
	}
}

func TestText(t *testing.T) {
	r := sampleRecord()
	r.Tag, r.Verified = TagName(r.Project, r.Workspace, r.Time), true
	older := r
	older.Workspace, older.PR, older.Add, older.Change, older.Approvers, older.PlannedBy = "staging", 9, 3, 0, nil, ""
	older.Tag = TagName(older.Project, older.Workspace, older.Time)
	forged := r
	forged.PR, forged.AppliedBy, forged.Verified = 13, "mal\x1b[2Jlory\t", false
	var b strings.Builder
	if err := Text(&b, []Record{r, older, forged}); err != nil {
		t.Fatal(err)
	}
	want := "" +
		"APPLIED               PROJECT  WORKSPACE  CHANGES   PR   COMMIT   PLANNED BY  APPLIED BY    APPROVED BY  TAG                                 VERIFIED\n" +
		"2024-05-01 14:30 UTC  app      prod       +1 ~2 -0  #12  3a4b5c6  erin        dave          bob,carol    paved/app/prod/20240501T143005Z     yes\n" +
		"2024-05-01 14:30 UTC  app      staging    +3 ~0 -0  #9   3a4b5c6  -           dave          none         paved/app/staging/20240501T143005Z  yes\n" +
		"2024-05-01 14:30 UTC  app      prod       +1 ~2 -0  #13  3a4b5c6  erin        mal?[2Jlory?  bob,carol    paved/app/prod/20240501T143005Z     NO\n"
	if b.String() != want {
		t.Errorf("Text:\n%s\nwant:\n%s", b.String(), want)
	}
}

func TestPoliciesTrailer(t *testing.T) {
	r := sampleRecord()
	if msg := r.Message(sampleTag, testKey); strings.Contains(msg, "Policies:") {
		t.Errorf("a plan no policy set checked has a Policies trailer:\n%s", msg)
	}
	r.Policies = "prod-safety passed; team-tag failed, approved by bob"
	msg := r.Message(sampleTag, testKey)
	if !strings.Contains(msg, "\nPolicies: prod-safety passed; team-tag failed, approved by bob\n") {
		t.Errorf("no Policies trailer:\n%s", msg)
	}
	got, err := ParseMessage(msg)
	if err != nil || got.Policies != r.Policies {
		t.Errorf("Policies read back %q (%v), want %q", got.Policies, err, r.Policies)
	}
}
