package tags

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// TestRetagCallsOnlyWhatChanged: no call when the tags match, removals
// before additions, and the first failure is returned.
func TestRetagCallsOnlyWhatChanged(t *testing.T) {
	var calls []string
	fake := Calls{
		Untag: func(_ context.Context, keys []string) error {
			calls = append(calls, "untag "+strings.Join(keys, ","))
			return nil
		},
		Tag: func(_ context.Context, set map[string]string) error {
			calls = append(calls, "tag "+strings.Join(sortedPairs(set), ","))
			return nil
		},
	}
	same := map[string]string{"a": "1"}
	if err := Retag(context.Background(), same, same, fake); err != nil || len(calls) != 0 {
		t.Fatalf("equal tags: calls %v, err %v", calls, err)
	}
	if err := Retag(context.Background(), map[string]string{"a": "1", "b": "2"}, map[string]string{"a": "9", "c": "3"}, fake); err != nil {
		t.Fatal(err)
	}
	if strings.Join(calls, "; ") != "untag b; tag a=9,c=3" {
		t.Fatalf("calls %v", calls)
	}
	fake.Untag = func(context.Context, []string) error { return errors.New("denied") }
	if err := Retag(context.Background(), map[string]string{"b": "2"}, map[string]string{"c": "3"}, fake); err == nil || err.Error() != "denied" {
		t.Fatalf("err = %v", err)
	}
}

func sortedPairs(m map[string]string) []string {
	var out []string
	for _, k := range []string{"a", "b", "c"} {
		if v, ok := m[k]; ok {
			out = append(out, k+"="+v)
		}
	}
	return out
}
