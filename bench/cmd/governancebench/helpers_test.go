package main

import (
	"slices"
	"testing"
	"time"
)

func TestConftestCounts(t *testing.T) {
	out := []byte(`[{"filename":"plan.json","namespace":"main","successes":2,
		"failures":[{"msg":"b has no team tag"},{"msg":"a has no team tag"}],
		"warnings":[{"msg":"c is xlarge"}]}]`)
	failures, warnings, successes, err := conftestCounts(out)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(failures, []string{"a has no team tag", "b has no team tag"}) || !slices.Equal(warnings, []string{"c is xlarge"}) || successes != 2 {
		t.Fatalf("got %q, %q, %d", failures, warnings, successes)
	}
	if _, _, _, err := conftestCounts([]byte("FAIL - plan.json")); err == nil {
		t.Fatal("text output read as JSON")
	}
}

func TestDriftedIndexes(t *testing.T) {
	if got := driftedIndexes(50, 5); !slices.Equal(got, []int{5, 15, 25, 35, 45}) {
		t.Fatalf("driftedIndexes(50, 5) = %v", got)
	}
	for _, c := range [][2]int{{2, 1}, {6, 2}, {10, 9}, {50, 49}} {
		got := driftedIndexes(c[0], c[1])
		slices.Sort(got)
		if len(slices.Compact(slices.Clone(got))) != c[1] || got[len(got)-1] >= c[0] {
			t.Errorf("driftedIndexes(%d, %d) = %v: want %d distinct projects", c[0], c[1], got, c[1])
		}
	}
}

func TestSample(t *testing.T) {
	line := `paved_terraform_duration_seconds_sum{op="drift"} 1.5`
	if d, ok := sample(line, `paved_terraform_duration_seconds_sum{op="drift"}`); !ok || d != 1500*time.Millisecond {
		t.Fatalf("got %v, %v", d, ok)
	}
	if _, ok := sample(line, `paved_terraform_duration_seconds_sum{op="plan"}`); ok {
		t.Fatal("another series read")
	}
}

func TestDiffsAndSumsGoRoundByRound(t *testing.T) {
	a := []time.Duration{5, 7, 9}
	b := []time.Duration{1, 2}
	if got := diffs(a, b); !slices.Equal(got, []time.Duration{4, 5}) {
		t.Fatalf("diffs = %v", got)
	}
	if got := sums(a, b); !slices.Equal(got, []time.Duration{6, 9}) {
		t.Fatalf("sums = %v", got)
	}
	if signedMs(-4*time.Millisecond) != "-4.00 ms" || signedMs(12300*time.Microsecond) != "+12.3 ms" {
		t.Fatalf("signedMs: %q, %q", signedMs(-4*time.Millisecond), signedMs(12300*time.Microsecond))
	}
}
