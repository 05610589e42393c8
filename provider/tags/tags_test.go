package tags

import (
	"strings"
	"testing"
)

func TestTagDiff(t *testing.T) {
	set, remove := Diff(map[string]string{"a": "1", "b": "2", "c": "3"}, map[string]string{"a": "1", "b": "9", "d": "4"})
	if len(set) != 2 || set["b"] != "9" || set["d"] != "4" {
		t.Errorf("set = %v", set)
	}
	if strings.Join(remove, ",") != "c" {
		t.Errorf("remove = %v", remove)
	}
}
