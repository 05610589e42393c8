package stats

import (
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	var d []time.Duration
	for i := 1; i <= 30; i++ {
		d = append(d, time.Duration(31-i)*time.Second) // unsorted on purpose
	}
	for _, tc := range []struct {
		p    float64
		want time.Duration
	}{{50, 15 * time.Second}, {95, 29 * time.Second}, {100, 30 * time.Second}, {1, time.Second}} {
		if got := Percentile(d, tc.p); got != tc.want {
			t.Errorf("p%v = %v, want %v", tc.p, got, tc.want)
		}
	}
	if got := Percentile(nil, 50); got != 0 {
		t.Errorf("p50 of nothing = %v, want 0", got)
	}
	if got := Percentile([]time.Duration{7}, 95); got != 7 {
		t.Errorf("p95 of one = %v, want it", got)
	}
	if d[0] != 30*time.Second {
		t.Error("Percentile sorted its argument")
	}
}
