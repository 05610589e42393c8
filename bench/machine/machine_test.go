package machine

import "testing"

func TestParseTicks(t *testing.T) {
	before := ParseTicks("cpu  100 0 50 800 50 0 0 0 0 0")
	after := ParseTicks("cpu  250 0 100 850 100 0 0 0 0 0")
	if before.Total != 1000 || before.Busy != 150 {
		t.Errorf("before = %+v", before)
	}
	if c := ParseTicks("cpu  100 0 50 800 50 1 2 30 7 0"); c.Steal != 30 || c.Busy != 153 || c.Total != 1033 {
		t.Errorf("with steal = %+v", c)
	}
	if got := after.BusySince(before); got != 200.0/300 {
		t.Errorf("busy share = %v, want 2/3", got)
	}
}
