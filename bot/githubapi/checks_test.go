package githubapi_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/paved-road/paved/bot/githubapi"
	"github.com/paved-road/paved/internal/githubfake"
)

const installation = 5

// appSetup serves the fake with a GitHub App installed as installation and
// returns the App's clients.
func appSetup(t *testing.T) (*githubfake.Fake, *githubapi.Clients, history) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	f, h := serve(t, githubfake.Options{AppID: 42, AppPublicKey: &key.PublicKey, InstallationID: installation})
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	clients, err := githubapi.NewClients(githubapi.Auth{AppID: 42, AppKey: keyPEM}, githubapi.Endpoint{APIURL: gateway.URL})
	if err != nil {
		t.Fatal(err)
	}
	return f, clients, h
}

// expectViolation takes the one violation so far, which must contain text,
// out of the test's account: for answers GitHub gives that its
// description does not document.
func expectViolation(t *testing.T, text string) {
	t.Helper()
	if v := gateway.Violations(); len(v) != 1 || !strings.Contains(v[0], text) {
		t.Errorf("violations %q, want one containing %q", v, text)
	}
	gateway.Reset()
}

func TestCheckRunsNeedAnApp(t *testing.T) {
	f, c, h := setup(t)
	_, err := c.CreateCheckRun(context.Background(), "acme/infra", githubapi.CheckRun{Name: "paved/plan", HeadSHA: h.head})
	if !errors.Is(err, githubapi.ErrCheckRunsNeedApp) || !strings.Contains(err.Error(), "create check run paved/plan on acme/infra@") {
		t.Errorf("with a token: %v, want ErrCheckRunsNeedApp", err)
	}
	expectViolation(t, "Unable to match the returned status code") // GitHub documents only 201
	err = c.UpdateCheckRun(context.Background(), "acme/infra", 1, githubapi.CheckRun{Status: "in_progress"})
	if !errors.Is(err, githubapi.ErrCheckRunsNeedApp) {
		t.Errorf("update with a token: %v, want ErrCheckRunsNeedApp", err)
	}
	expectViolation(t, "Unable to match the returned status code")
	if runs := f.CheckRuns("acme", "infra", h.head); len(runs) != 0 {
		t.Errorf("check runs %+v", runs)
	}
}

func TestCheckRunsAsApp(t *testing.T) {
	f, clients, h := appSetup(t)
	c := clients.For(installation)
	ctx := context.Background()
	queued := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	id, err := c.CreateCheckRun(ctx, "acme/infra", githubapi.CheckRun{
		Name: "paved/plan dev", HeadSHA: h.head, Status: "queued", StartedAt: queued,
		DetailsURL: "https://paved.example.com/jobs/1", ExternalID: "job-1",
	})
	if err != nil {
		t.Fatal(err)
	}
	started := queued.Add(time.Minute)
	if err := c.UpdateCheckRun(ctx, "acme/infra", id, githubapi.CheckRun{Status: "in_progress", StartedAt: started}); err != nil {
		t.Fatal(err)
	}
	completed := started.Add(time.Minute)
	if err := c.UpdateCheckRun(ctx, "acme/infra", id, githubapi.CheckRun{Summary: "no title"}); err == nil {
		t.Error("an output without a title: want an error")
	}
	if err := c.UpdateCheckRun(ctx, "acme/infra", id, githubapi.CheckRun{
		Name: "paved/plan dev", Conclusion: "success", CompletedAt: completed, Summary: "Plan: 1 to add", Text: "```\n+ aws_s3_bucket.logs\n```",
	}); err != nil {
		t.Fatal(err)
	}
	runs := f.CheckRuns("acme", "infra", h.head)
	want := githubfake.CheckRun{
		ID: id, Name: "paved/plan dev", HeadSHA: h.head, Status: "completed", Conclusion: "success",
		Title: "paved/plan dev", Summary: "Plan: 1 to add", Text: "```\n+ aws_s3_bucket.logs\n```",
		DetailsURL: "https://paved.example.com/jobs/1", ExternalID: "job-1", StartedAt: started, CompletedAt: completed, Updates: 2,
	}
	if len(runs) != 1 || runs[0] != want {
		t.Errorf("check runs %+v, want %+v", runs, want)
	}
	if err := c.UpdateCheckRun(ctx, "acme/infra", id+1000, githubapi.CheckRun{Status: "in_progress"}); err == nil ||
		errors.Is(err, githubapi.ErrCheckRunsNeedApp) {
		t.Errorf("updating a missing run: %v, want GitHub's 404", err)
	}
	expectViolation(t, "Unable to match the returned status code") // GitHub documents only 200
}

func TestCheckRunTextFitsGitHubsLimit(t *testing.T) {
	f, clients, h := appSetup(t)
	c := clients.For(installation)
	ctx := context.Background()
	const link = "https://paved.example.com/jobs/1/log"
	var plan strings.Builder
	plan.WriteString("```diff\n")
	for i := 0; plan.Len() < 3*githubapi.CheckOutputLimit; i++ {
		plan.WriteString("+ resource \"aws_s3_bucket\" \"b\" { bucket = \"logs-é\" }\n")
	}
	plan.WriteString("```\n")
	for _, tc := range []struct{ text, refusal string }{
		{plan.String(), "must NOT have more than 65535 characters"},              // Prism, as GitHub's description says
		{strings.Repeat("é", 40000), "Unable to match the returned status code"}, // GitHub, in bytes, undocumented
	} {
		text := tc.text
		run := githubapi.CheckRun{Name: "paved/plan", HeadSHA: h.head, Conclusion: "success", Summary: "Plan", Text: text}
		if _, err := c.CreateCheckRun(ctx, "acme/infra", run); err == nil || !strings.Contains(err.Error(), "422") {
			t.Errorf("%d characters, %d bytes sent whole: %v, want a 422", utf8.RuneCountInString(text), len(text), err)
		}
		expectViolation(t, tc.refusal)
		run.Text = githubapi.TruncateCheckText(text, link)
		if _, err := c.CreateCheckRun(ctx, "acme/infra", run); err != nil {
			t.Errorf("%d bytes cut to %d: %v", len(text), len(run.Text), err)
		}
	}
	runs := f.CheckRuns("acme", "infra", h.head)
	if len(runs) != 2 || !strings.HasSuffix(runs[0].Text, "[the whole text]("+link+")._") {
		t.Errorf("%d check runs; want the two cut ones, linking to the whole text", len(runs))
	}
}

func TestTruncateCheckText(t *testing.T) {
	const limit, link = githubapi.CheckOutputLimit, "https://paved.example.com/jobs/1/log"
	if s := strings.Repeat("a", limit); githubapi.TruncateCheckText(s, link) != s {
		t.Error("text at the limit was cut")
	}
	lines := strings.Repeat("0123456789\n", 10000)
	for _, tc := range []struct {
		what, text, link string
		prefix           bool // the result starts with a prefix of text, cut at a newline
		fenced           bool // a code block is closed before the final line
	}{
		{"lines", lines, link, true, false},
		{"one long line", strings.Repeat("x", 2*limit), link, false, false},
		{"two-byte characters", strings.Repeat("é", limit), link, false, false},
		{"four-byte characters", strings.Repeat("🌍", limit), "", false, false},
		{"a code block", "```\n" + lines + "```\n", link, true, true},
		{"a huge link", lines, "https://example.com/" + strings.Repeat("x", limit), true, false},
	} {
		got := githubapi.TruncateCheckText(tc.text, tc.link)
		body, final, _ := strings.Cut(got, "\n\n_Cut to fit GitHub's limit of 65535 characters")
		switch {
		case len(got) > limit || utf8.RuneCountInString(got) > limit || !utf8.ValidString(got):
			t.Errorf("%s: %d bytes, %d characters, valid %v", tc.what, len(got), utf8.RuneCountInString(got), utf8.ValidString(got))
		case len(got) < limit-200:
			t.Errorf("%s: cut to %d bytes, want close to the limit", tc.what, len(got))
		case tc.link != link && final != "._":
			t.Errorf("%s: final line %q, want no link", tc.what, final)
		case tc.link == link && final != ": [the whole text]("+link+")._":
			t.Errorf("%s: final line %q, want a link", tc.what, final)
		case tc.fenced != strings.HasSuffix(body, "\n```"):
			t.Errorf("%s: ends %q", tc.what, body[len(body)-20:])
		}
		if kept := strings.TrimSuffix(body, "\n```"); tc.prefix && (!strings.HasPrefix(tc.text, kept) || tc.text[len(kept)] != '\n') {
			t.Errorf("%s: not cut at a line boundary: ends %q", tc.what, kept[len(kept)-20:])
		}
	}
}
