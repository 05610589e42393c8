package store

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func testPlansRoundTrip(t *testing.T, s storeUnderTest) {
	id := accept(t, s, "delivery:p", "pr-1")
	c := claim(t, s, "r1", start, time.Hour, id)
	f := c.Fence()
	file := bytes.Repeat([]byte{0, 1, 2, 0xff}, 1000)
	for _, p := range []struct {
		group string
		plan  Plan
	}{
		{"pr-1", Plan{Name: "db/default", Meta: []byte(`{"dir":"db"}`), File: []byte("db plan")}},
		{"pr-1", Plan{Name: "app/default", Meta: []byte(`{"dir":"app","v":1}`), File: []byte("old")}},
		{"pr-1", Plan{Name: "app/default", Meta: []byte(`{"dir":"app","v":2}`), File: file}},
		{"pr-2", Plan{Name: "app/default", Meta: []byte(`{"pr":2}`), File: []byte("pr 2")}},
	} {
		if err := s.SavePlan(f, p.group, p.plan); err != nil {
			t.Fatal(err)
		}
	}
	wantPlans := func(group string, want ...string) {
		t.Helper()
		ps, err := s.Plans(group)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, p := range ps {
			if p.File != nil {
				t.Errorf("Plans gave the file of %s", p.Name)
			}
			got = append(got, p.Name+" "+string(p.Meta))
		}
		if strings.Join(got, ", ") != strings.Join(want, ", ") {
			t.Errorf("plans of %s: %q, want %q", group, got, want)
		}
	}
	wantPlans("pr-1", `app/default {"dir":"app","v":2}`, `db/default {"dir":"db"}`)
	wantPlans("pr-2", `app/default {"pr":2}`)
	wantPlans("pr-3")

	// Plans outlive a restart, and need no lease to be read.
	s = s.reopen(t)
	defer func() { _ = s.Close() }()
	if got, err := s.PlanFile("pr-1", "app/default"); err != nil || !bytes.Equal(got, file) {
		t.Fatalf("plan file after reopen: %d bytes, %v", len(got), err)
	}
	wantPlans("pr-1", `app/default {"dir":"app","v":2}`, `db/default {"dir":"db"}`)
	_, err := s.PlanFile("pr-1", "web/default")
	if err == nil {
		t.Fatal("a plan never saved has a file")
	}
	wantInError(t, err, "pr-1", "web/default")

	f = leaseAfterReopen(t, s, c, start)
	if err := s.DropPlans(f, "pr-1", []string{"db/default", "web/default"}); err != nil {
		t.Fatal(err)
	}
	wantPlans("pr-1", `app/default {"dir":"app","v":2}`)
	if err := s.DropPlans(f, "pr-1", []string{}); err != nil {
		t.Fatal(err)
	}
	wantPlans("pr-1", `app/default {"dir":"app","v":2}`)
	if err := s.DropPlans(f, "pr-1", nil); err != nil {
		t.Fatal(err)
	}
	wantPlans("pr-1")
	if _, err := s.PlanFile("pr-1", "app/default"); err == nil {
		t.Fatal("a dropped plan has a file")
	}
	if err := s.DropPlans(f, "pr-3", nil); err != nil {
		t.Fatalf("dropping the plans of a group that has none: %v", err)
	}
	wantPlans("pr-2", `app/default {"pr":2}`)
	if got, err := s.PlanFile("pr-2", "app/default"); err != nil || string(got) != "pr 2" {
		t.Fatalf("another group's plan file: %q %v", got, err)
	}
}

func testLogsAreBounded(t *testing.T, s storeUnderTest) {
	defer func() { _ = s.Close() }()
	name := func(i int) string { return fmt.Sprintf("job-%04d", i) }
	for i := range MaxLogs {
		if err := s.AppendLog(name(i), []byte(name(i)), start.Add(time.Duration(i)*time.Millisecond)); err != nil {
			t.Fatal(err)
		}
	}
	// Appended to, a log is the newest.
	if err := s.AppendLog(name(0), []byte(" again"), start.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.AppendLog("job-new", []byte("new"), start.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := s.Log(name(1)); err != nil || ok {
		t.Fatalf("past the bound the oldest log is kept: %v %v", ok, err)
	}
	for id, want := range map[string]string{name(0): "job-0000 again", name(2): name(2), name(MaxLogs - 1): name(MaxLogs - 1), "job-new": "new"} {
		if got, ok, err := s.Log(id); err != nil || !ok || string(got) != want {
			t.Fatalf("log %s: %q %v %v", id, got, ok, err)
		}
	}
	if _, ok, err := s.Log("job-never"); err != nil || ok {
		t.Fatalf("a log never saved: %v %v", ok, err)
	}

	// A long log keeps its end, where the failure is, however it grew.
	for _, chunk := range []string{strings.Repeat("é", MaxLogBytes/2), strings.Repeat("é", MaxLogBytes/2) + "x", "\nError: the end"} {
		if err := s.AppendLog("job-long", []byte(chunk), start.Add(2*time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	got, ok, err := s.Log("job-long")
	if err != nil || !ok || len(got) > MaxLogBytes || len(got) < MaxLogBytes-8 || !bytes.HasPrefix(got, []byte(truncatedNote)) || !bytes.HasSuffix(got, []byte("\nError: the end")) || !utf8.Valid(got) {
		t.Fatalf("a long log: %d bytes, %q…%q, %v %v", len(got), got[:min(len(got), 20)], got[max(len(got)-20, 0):], ok, err)
	}
}
