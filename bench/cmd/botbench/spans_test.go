package main

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

var t0 = time.Unix(1_700_000_000, 0)

func at(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }

func TestCoveredCountsOverlapsOnce(t *testing.T) {
	for name, tc := range map[string]struct {
		spans []span
		want  time.Duration
	}{
		"none":        {nil, 0},
		"disjoint":    {[]span{{start: at(0), end: at(100)}, {start: at(200), end: at(250)}}, 150 * time.Millisecond},
		"overlapping": {[]span{{start: at(0), end: at(100)}, {start: at(50), end: at(150)}}, 150 * time.Millisecond},
		"nested":      {[]span{{start: at(0), end: at(300)}, {start: at(100), end: at(200)}}, 300 * time.Millisecond},
		"touching":    {[]span{{start: at(100), end: at(200)}, {start: at(0), end: at(100)}}, 200 * time.Millisecond},
		"four at once, then a gap": {[]span{
			{start: at(0), end: at(400)}, {start: at(10), end: at(390)}, {start: at(20), end: at(380)}, {start: at(30), end: at(370)},
			{start: at(500), end: at(600)},
		}, 500 * time.Millisecond},
	} {
		if got := covered(tc.spans); got != tc.want {
			t.Errorf("%s: covered %v, want %v", name, got, tc.want)
		}
	}
}

func TestWithinCutsSpansToTheWindow(t *testing.T) {
	spans := []span{
		{start: at(0), end: at(100), what: "before"},
		{start: at(150), end: at(250), what: "across the start"},
		{start: at(300), end: at(400), what: "inside"},
		{start: at(450), end: at(600), what: "across the end"},
		{start: at(700), end: at(800), what: "after"},
	}
	got := within(spans, at(200), at(500))
	if len(got) != 3 {
		t.Fatalf("got %d spans, want 3: %+v", len(got), got)
	}
	if got[0].start != at(200) || got[0].end != at(250) || got[2].start != at(450) || got[2].end != at(500) {
		t.Fatalf("spans not cut to the window: %+v", got)
	}
	if d := covered(got); d != 200*time.Millisecond {
		t.Fatalf("covered %v, want 200ms", d)
	}
}

func TestReadTraceNamesTerraformSubcommands(t *testing.T) {
	path := filepath.Join(t.TempDir(), "trace.tsv")
	lines := "1000000000\t1500000000\tterraform\t/w/p01\tshow -json -no-color /d/p01.tfplan\n" +
		"1500000000\t1600000000\tterraform\t/w/p01\tworkspace list -no-color\n" +
		"1600000000\t2600000000\tterraform\t/w/p01\tplan -no-color -input=false -out=/d/p01.tfplan\n" +
		"2600000000\t2700000000\tgit\t/w\tfetch --quiet --depth=1\n"
	if err := os.WriteFile(path, []byte(lines), 0o600); err != nil {
		t.Fatal(err)
	}
	spans, err := readTrace(path)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range spans {
		got = append(got, s.kind+" "+s.what)
	}
	want := []string{"terraform show -json", "terraform workspace list", "terraform plan", "git fetch"}
	if len(got) != len(want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %q, want %q", got, want)
		}
	}
	if d := spans[2].end.Sub(spans[2].start); d != time.Second {
		t.Fatalf("plan took %v, want 1s", d)
	}
}
