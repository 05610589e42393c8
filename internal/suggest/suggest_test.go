package suggest

import "testing"

func TestClosest(t *testing.T) {
	regions := []string{"eu-west-1", "eu-west-2", "eu-west-3", "us-east-1"}
	for in, want := range map[string]string{
		"eu-wst-1":  "eu-west-1", // one edit
		"us-easr-1": "us-east-1",
		"eu-west-4": "", // equally close to three
		"ap-south":  "", // too far from all
		"us-east-1": "us-east-1",
	} {
		if got := Closest(in, regions); got != want {
			t.Errorf("Closest(%q) = %q, want %q", in, got, want)
		}
	}
}
