package store

import (
	"fmt"
	"testing"
	"time"
)

// testAuditLogAppendsAndPrunes: entries come back in the order appended,
// from a time on, after a restart too, and only the retention removes them.
func testAuditLogAppendsAndPrunes(t *testing.T, s storeUnderTest) {
	from := time.Now().Add(-time.Minute)
	for i := range 3 {
		if err := s.AppendAudit(time.Now(), fmt.Appendf(nil, `{"n":%d}`, i)); err != nil {
			t.Fatal(err)
		}
	}
	s = s.reopen(t)
	defer func() { _ = s.Close() }()
	got, err := s.Audit(from)
	if err != nil || len(got) != 3 || string(got[0]) != `{"n":0}` || string(got[2]) != `{"n":2}` {
		t.Fatalf("audit log: %q %v", got, err)
	}
	if later, err := s.Audit(time.Now().Add(time.Hour)); err != nil || len(later) != 0 {
		t.Fatalf("entries from an hour on: %q %v", later, err)
	}
	if n, err := s.PruneAudit(from); err != nil || n != 0 {
		t.Fatalf("pruning before the first entry removed %d: %v", n, err)
	}
	if n, err := s.PruneAudit(time.Now().Add(time.Minute)); err != nil || n != 3 {
		t.Fatalf("pruning all removed %d: %v", n, err)
	}
	if left, err := s.Audit(from); err != nil || len(left) != 0 {
		t.Fatalf("after pruning: %q %v", left, err)
	}
}
