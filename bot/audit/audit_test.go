package audit

import (
	"strings"
	"testing"
	"time"
)

// TestPrintEscapesControls: a detail quoting a pull request's output
// cannot drive the operator's terminal, and keeps to one short line.
func TestPrintEscapesControls(t *testing.T) {
	var out strings.Builder
	err := Print(&out, []Entry{{Time: time.Unix(0, 0), Repo: "acme/infra", PR: 1, User: "mallory", Command: "plan", Outcome: "failed",
		Detail: "Error: \x1b[2J\x1b]0;owned\x07 gone\nsecond line " + strings.Repeat("x", 200)}})
	if err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(out.String(), "\x1b\x07") || !strings.Contains(out.String(), "Error: ?[2J?]0;owned? gone") || strings.Contains(out.String(), "second line") {
		t.Fatalf("table:\n%q", out.String())
	}
}
