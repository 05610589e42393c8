package report

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestWriteSectionCreatesTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "benchmarks.md")
	if err := WriteSection(path, "bot", "# Bot\n\nfast\n"); err != nil {
		t.Fatal(err)
	}
	want := "<!-- bench:bot -->\n# Bot\n\nfast\n<!-- /bench:bot -->\n"
	if got := read(t, path); got != want {
		t.Fatalf("got:\n%s\nwant:\n%s", got, want)
	}
}

func TestWriteSectionAppendsAfterWhatIsThere(t *testing.T) {
	path := filepath.Join(t.TempDir(), "benchmarks.md")
	for _, existing := range []string{"# Redis\n\nslow\n", "# Redis\n\nslow", "# Redis\n\nslow\n\n"} {
		writeFile(t, path, existing)
		if err := WriteSection(path, "bot", "# Bot"); err != nil {
			t.Fatal(err)
		}
		got := read(t, path)
		want := strings.TrimRight(existing, "\n") + "\n\n<!-- bench:bot -->\n# Bot\n<!-- /bench:bot -->\n"
		if got != want {
			t.Fatalf("after %q got:\n%q\nwant:\n%q", existing, got, want)
		}
	}
}

func TestWriteSectionReplacesOnlyItsOwnSection(t *testing.T) {
	path := filepath.Join(t.TempDir(), "benchmarks.md")
	before := "intro, which mentions `<!-- bench:bot -->` in passing\n\n" +
		"<!-- bench:redis -->\n# Redis\nold redis\n<!-- /bench:redis -->\n\n"
	after := "\n<!-- bench:other -->\nother\n<!-- /bench:other -->\ntrailer\n"
	writeFile(t, path, before+"<!-- bench:bot -->\n# Bot\nold bot\n<!-- /bench:bot -->\n"+after)

	if err := WriteSection(path, "bot", "# Bot\nnew bot\n"); err != nil {
		t.Fatal(err)
	}
	want := before + "<!-- bench:bot -->\n# Bot\nnew bot\n<!-- /bench:bot -->\n" + after
	if got := read(t, path); got != want {
		t.Fatalf("got:\n%s\nwant:\n%s", got, want)
	}

	// Writing the same section again changes nothing.
	if err := WriteSection(path, "bot", "# Bot\nnew bot\n"); err != nil {
		t.Fatal(err)
	}
	if got := read(t, path); got != want {
		t.Fatalf("second write changed the file:\n%s", got)
	}

	// Another benchmark's section is replaced without touching ours.
	if err := WriteSection(path, "redis", "# Redis\nnew redis"); err != nil {
		t.Fatal(err)
	}
	got := read(t, path)
	if !strings.Contains(got, "<!-- bench:redis -->\n# Redis\nnew redis\n<!-- /bench:redis -->") || strings.Contains(got, "old redis") {
		t.Fatalf("redis section not replaced:\n%s", got)
	}
	if !strings.Contains(got, "<!-- bench:bot -->\n# Bot\nnew bot\n<!-- /bench:bot -->") {
		t.Fatalf("bot section lost:\n%s", got)
	}
}

func TestWriteSectionRefusesBrokenMarkers(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{
		"no end":       "a\n<!-- bench:bot -->\nold\n",
		"no begin":     "a\nold\n<!-- /bench:bot -->\n",
		"end first":    "<!-- /bench:bot -->\nold\n<!-- bench:bot -->\n",
		"twice":        "<!-- bench:bot -->\n1\n<!-- /bench:bot -->\n<!-- bench:bot -->\n2\n<!-- /bench:bot -->\n",
		"begin repeat": "<!-- bench:bot -->\n<!-- bench:bot -->\nold\n<!-- /bench:bot -->\n",
	} {
		path := filepath.Join(dir, strings.ReplaceAll(name, " ", "-")+".md")
		writeFile(t, path, content)
		if err := WriteSection(path, "bot", "new"); err == nil {
			t.Errorf("%s: no error", name)
		}
		if got := read(t, path); got != content {
			t.Errorf("%s: file changed to:\n%s", name, got)
		}
	}
}

func TestWriteSectionRefusesNamesThatBreakMarkers(t *testing.T) {
	path := filepath.Join(t.TempDir(), "benchmarks.md")
	for _, name := range []string{"", "bot -->", "Bot", "a b", "-x"} {
		if err := WriteSection(path, name, "x"); err == nil {
			t.Errorf("name %q accepted", name)
		}
	}
	if _, err := os.Stat(path); err == nil {
		t.Fatal("a refused name still created the file")
	}
}

func TestWriteSectionKeepsTheFileMode(t *testing.T) {
	path := filepath.Join(t.TempDir(), "benchmarks.md")
	writeFile(t, path, "x\n")
	if err := os.Chmod(path, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := WriteSection(path, "bot", "y"); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, want 0600", info.Mode().Perm())
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Fatalf("temporary files left behind: %v", entries)
	}
}

func TestTableHeader(t *testing.T) {
	got := TableHeader("action", []string{"N = 10", "N = 100"})
	want := "| action | N = 10 | N = 100 |\n| --- | --- | --- |\n"
	if got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}
