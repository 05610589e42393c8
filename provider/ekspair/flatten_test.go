package ekspair

import "testing"

func TestObservedTags(t *testing.T) {
	prior := map[string]string{"team": "a", liveTag: "blue"}
	drifted := map[string]string{"team": "b", liveTag: "blue"}
	if got := observed(prior, []map[string]string{prior, drifted}, false); got["team"] != "b" {
		t.Errorf("drift on the second cluster not seen: %v", got)
	}
	if got := observed(prior, []map[string]string{prior, prior}, false); got["team"] != "a" {
		t.Errorf("no drift, got %v", got)
	}
	if got := importedLive("green", map[string]bool{"blue": true, "green": true}); got.ValueString() != "green" {
		t.Errorf("live from tag: %v", got)
	}
	if got := importedLive("", map[string]bool{"green": true}); got.ValueString() != "green" {
		t.Errorf("live from the one side: %v", got)
	}
	if got := importedLive("", map[string]bool{"blue": true, "green": true}); !got.IsNull() {
		t.Errorf("live without a tag: %v", got)
	}
}
