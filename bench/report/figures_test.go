package report

import "testing"

func TestFigures(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 148454: "148,454", 1234567: "1,234,567"} {
		if got := Thousands(n); got != want {
			t.Errorf("Thousands(%d) = %q, want %q", n, got, want)
		}
	}
	if got := Ratio(1, 3); got != "0.33" {
		t.Errorf("Ratio(1, 3) = %q", got)
	}
	if got := Ratio(1, 0); got != "–" {
		t.Errorf("Ratio(1, 0) = %q", got)
	}
	if got := MiB(3 << 19); got != "1.5 MiB" {
		t.Errorf("MiB = %q", got)
	}
}
