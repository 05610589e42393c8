package drift

import (
	"strings"
	"testing"
	"time"
)

func sample(state string) Result {
	return Result{Repo: "acme/infra", Project: "app", Dir: "app", Workspace: "prod", State: state, Commit: "0123456789abcdef0123456789abcdef01234567",
		Branch: "main", Change: 1, Checked: time.Date(2026, 12, 1, 6, 0, 0, 0, time.UTC), Job: "42", Error: "error configuring S3 Backend: no valid credential sources"}
}

func TestIssueBodySaysWhatTheCheckFound(t *testing.T) {
	for _, tc := range []struct {
		state string
		want  []string
	}{
		{Drifted, []string{"`app` (app, prod) has drifted: at 2026-12-01T06:00:00Z, planning main at 0123456", "+0 ~1 -0", `"small" -> "large"`, "closes it once a check finds no changes"}},
		{InSync, []string{"`app` (app, prod) matches main again", "no changes"}},
		{Failed, []string{"failed, so whether it still drifts is unknown: error configuring S3 Backend"}},
	} {
		body := IssueBody(sample(tc.state), `  ~ input = "small" -> "large"`+"\n  password = \"hunter2\"\n")
		for _, w := range append(tc.want, "<!-- paved-bot drift app@prod -->") {
			if !strings.Contains(body, w) {
				t.Errorf("%s: want %q in:\n%s", tc.state, w, body)
			}
		}
		if strings.Contains(body, "hunter2") {
			t.Errorf("%s: the issue shows a secret:\n%s", tc.state, body)
		}
	}
}

func TestIssueBodyFitsAnIssue(t *testing.T) {
	long := strings.Repeat(`  ~ input = "small" -> "large"`+"\n", 5000)
	body := IssueBody(sample(Drifted), long)
	if len(body) > 65536 || !strings.Contains(body, "The plan is longer than an issue can hold; it is in the bot's log of job 42.") ||
		!strings.HasSuffix(body, Marker("app", "prod")) || strings.Contains(body, `"small" -> "large"`) {
		t.Fatalf("a plan too long for an issue: %d bytes, ends %q", len(body), body[max(0, len(body)-200):])
	}
}
