package workflow

import "testing"

func TestFirstError(t *testing.T) {
	out := "terraform plan in app/ (workspace default): exit status 1\n\n" +
		"╷\n│ Error: Reference to undeclared input variable\n│ \n│   on main.tf line 3:\n╵\n" +
		"╷\n│ Error: Second problem\n╵\n"
	if got := firstError("fallback", out); got != "Reference to undeclared input variable" {
		t.Fatalf("got %q", got)
	}
	if got := firstError("terraform plan failed", "exit status 1\nno error lines"); got != "terraform plan failed" {
		t.Fatalf("fallback: got %q", got)
	}
}
