package proc

import "testing"

func TestKBField(t *testing.T) {
	status := "Name:\tpaved-bot\nVmHWM:\t   40960 kB\nVmRSS:\t   20480 kB\n"
	if v, ok := KBField(status, "VmRSS"); !ok || v != 20480<<10 {
		t.Errorf("VmRSS = %d, %v", v, ok)
	}
	if _, ok := KBField(status, "VmSwap"); ok {
		t.Error("found a missing field")
	}
}
