package runner

import (
	"fmt"
	"strings"
	"testing"
)

func TestCountChanges(t *testing.T) {
	cases := map[string][3]int{
		"Plan: 2 to add, 0 to change, 0 to destroy.":                                               {2, 0, 0},
		"\nTerraform will perform...\n\nPlan: 1 to import, 1 to add, 3 to change, 1 to destroy.\n": {1, 3, 1},
		"No changes. Your infrastructure matches the configuration.":                               {0, 0, 0},
		"Changes to Outputs:\n  + x = 1\n":                                                         {0, 0, 0},
		"  # quoted in a value: Plan: 9 to add, 9 to change, 9 to destroy\n":                       {0, 0, 0},
	}
	for out, want := range cases {
		a, c, d := countChanges(out)
		if [3]int{a, c, d} != want {
			t.Errorf("%q: got %d %d %d, want %v", out, a, c, d, want)
		}
	}
}

func TestPlanText(t *testing.T) {
	out := "terraform_data.a: Refreshing state... [id=1]\ndata.x.y: Reading...\ndata.x.y: Read complete after 0s\n\n" +
		"Terraform will perform the following actions:\n\n  # terraform_data.a will be updated in-place\n\n" +
		"Plan: 0 to add, 1 to change, 0 to destroy.\n\n─────────────\n\nSaved the plan to: /var/lib/paved-bot/plans/a.tfplan\n\nTo perform exactly these actions, run...\n"
	got := planText(out)
	for _, gone := range []string{"Refreshing state", "Reading...", "Read complete", "/var/lib/paved-bot", "Saved the plan", "───"} {
		if strings.Contains(got, gone) {
			t.Errorf("%q left in:\n%s", gone, got)
		}
	}
	if !strings.HasPrefix(got, "Terraform will perform") || !strings.HasSuffix(got, "Plan: 0 to add, 1 to change, 0 to destroy.\n") {
		t.Errorf("plan text:\n%s", got)
	}
}

func TestTailBufferKeepsTheEnd(t *testing.T) {
	var small tailBuffer
	_, _ = small.Write([]byte("Error: one\n"))
	if got := small.String(); got != "Error: one\n" {
		t.Errorf("short stderr: %q", got)
	}

	var big tailBuffer
	for i := range 20000 {
		_, _ = fmt.Fprintf(&big, "line %d of what terraform printed\n", i)
	}
	got := big.String()
	if !strings.HasPrefix(got, "…\nline ") || !strings.HasSuffix(got, "line 19999 of what terraform printed\n") || len(got) > tailBytes+len("…\n") {
		t.Errorf("long stderr: %d bytes, starting %q", len(got), got[:40])
	}
}

func TestJoinOutput(t *testing.T) {
	for _, tc := range [][3]string{
		{"", "", ""},
		{"Acquiring state lock...\n\n", "", "Acquiring state lock...\n"},
		{"", "\nError: x\n", "Error: x\n"},
		{"Creating...\n", "Error: x\n", "Creating...\nError: x\n"},
	} {
		if got := joinOutput(tc[0], tc[1]); got != tc[2] {
			t.Errorf("joinOutput(%q, %q) = %q, want %q", tc[0], tc[1], got, tc[2])
		}
	}
}
