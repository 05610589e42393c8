package workdir_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/paved-road/paved/bot/workdir"
)

// storeKiB is the size of a repository's objects, packed and loose, in KiB.
func storeKiB(t *testing.T, gitDir string) int {
	t.Helper()
	total := 0
	for _, line := range strings.Split(git(t, gitDir, "count-objects", "-v"), "\n") {
		key, value, _ := strings.Cut(line, ": ")
		if key == "size" || key == "size-pack" {
			n, err := strconv.Atoi(value)
			if err != nil {
				t.Fatal(err)
			}
			total += n
		}
	}
	return total
}

// TestMirrorFetchesABigRepositoryOnce: the working copies of two pull
// requests beside one mirror get their commits through it, and the second
// fetches only what its commit adds to the first's tree.
func TestMirrorFetchesABigRepositoryOnce(t *testing.T) {
	o := newOrigin(t)
	big := map[string]string{}
	for i := range 200 {
		b := make([]byte, 8<<10)
		_, _ = rand.Read(b)
		big[fmt.Sprintf("modules/m%03d/blob.txt", i)] = hex.EncodeToString(b)
	}
	big["paved.yaml"] = "version: 1\n"
	base := o.commit(big)
	git(t, o.dir, "branch", "trunk", base)
	one := o.commit(map[string]string{"app/main.tf": "# one\n"})
	o.setPullHead("1", one)
	git(t, o.dir, "checkout", "--quiet", "--detach", base)
	two := o.commit(map[string]string{"web/main.tf": "# two\n"})
	o.setPullHead("2", two)

	work := t.TempDir()
	g := workdir.Git{CloneURL: o.dir, Mirror: filepath.Join(work, "mirror.git")}
	ctx := context.Background()
	wc1, wc2 := filepath.Join(work, "1", "repo"), filepath.Join(work, "2", "repo")
	if got, err := workdir.Checkout(ctx, g, wc1, "refs/pull/1/head", one); err != nil || got != one {
		t.Fatalf("checkout #1: %s %v", got, err)
	}
	first := storeKiB(t, g.Mirror)
	if got, err := workdir.Checkout(ctx, g, wc2, "refs/pull/2/head", two); err != nil || got != two {
		t.Fatalf("checkout #2: %s %v", got, err)
	}
	second := storeKiB(t, g.Mirror) - first
	t.Logf("the mirror: %d KiB for #1, %d KiB more for #2", first, second)
	if first < 1000 || second > first/20 {
		t.Fatalf("the mirror took %d KiB for #1 and %d KiB more for #2; want #2 to add little", first, second)
	}
	for _, wc := range []string{wc1, wc2} {
		if own := storeKiB(t, filepath.Join(wc, ".git")); own > 16 {
			t.Errorf("%s holds %d KiB of objects of its own", wc, own)
		}
	}
	if s := readFile(t, filepath.Join(wc2, "web", "main.tf")); s != "# two\n" || readFile(t, filepath.Join(wc2, "modules", "m007", "blob.txt")) != big["modules/m007/blob.txt"] {
		t.Fatalf("#2's working copy: web/main.tf = %q", s)
	}

	// The base branch's config is read through the mirror too.
	sha, name, data, err := workdir.ReadAt(ctx, g, wc1, "refs/heads/trunk", "paved.yaml")
	if err != nil || sha != base || name != "paved.yaml" || string(data) != "version: 1\n" {
		t.Fatalf("ReadAt: %s %s %q %v", sha, name, data, err)
	}

	// A new head of #1 is checked out over the old one, and git in the working copy still works.
	git(t, o.dir, "checkout", "--quiet", "--detach", one)
	three := o.commit(map[string]string{"app/main.tf": "# three\n"})
	o.setPullHead("1", three)
	if got, err := workdir.Checkout(ctx, g, wc1, "refs/pull/1/head", ""); err != nil || got != three || readFile(t, filepath.Join(wc1, "app", "main.tf")) != "# three\n" {
		t.Fatalf("checkout of #1's new head: %s %v", got, err)
	}
	if status := git(t, wc1, "status", "--porcelain"); status != "" {
		t.Fatalf("git status in the working copy: %s", status)
	}

	// A git killed mid-fetch leaves lock files; the next fetch goes through.
	for _, lock := range []string{filepath.Join(g.Mirror, "shallow.lock"), filepath.Join(g.Mirror, "refs", "paved", "keep", "1", "repo", "head.lock")} {
		if err := os.WriteFile(lock, nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if got, err := workdir.Checkout(ctx, g, wc1, "refs/pull/1/head", three); err != nil || got != three {
		t.Fatalf("checkout after a killed fetch: %s %v", got, err)
	}

	// A git killed in the working copy (a checkout or a clean under a
	// SIGKILL) leaves its lock files there; the next checkout goes through.
	for _, lock := range []string{filepath.Join(wc1, ".git", "index.lock"), filepath.Join(wc1, ".git", "HEAD.lock")} {
		if err := os.WriteFile(lock, nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if got, err := workdir.Checkout(ctx, g, wc1, "refs/pull/1/head", three); err != nil || got != three {
		t.Fatalf("checkout after a killed checkout: %s %v", got, err)
	}
	if status := git(t, wc1, "status", "--porcelain"); status != "" {
		t.Fatalf("git status in the working copy after a killed checkout: %s", status)
	}

	// A working copy removed is no longer kept: its refs go at the next fetch.
	if err := os.RemoveAll(filepath.Join(work, "2")); err != nil {
		t.Fatal(err)
	}
	if _, err := workdir.Checkout(ctx, g, wc1, "refs/pull/1/head", three); err != nil {
		t.Fatal(err)
	}
	refs := git(t, g.Mirror, "for-each-ref", "--format=%(refname)", "refs/paved/keep/")
	if refs != "refs/paved/keep/1/repo/base\nrefs/paved/keep/1/repo/head" {
		t.Fatalf("keep refs: %q", refs)
	}

	// Without a mirror, the same checkout takes the whole tree into the working copy.
	alone := filepath.Join(t.TempDir(), "wc")
	if _, err := workdir.Checkout(ctx, workdir.Git{CloneURL: o.dir}, alone, "refs/pull/2/head", two); err != nil {
		t.Fatal(err)
	}
	if own := storeKiB(t, filepath.Join(alone, ".git")); own < first/2 {
		t.Fatalf("a working copy without a mirror holds only %d KiB", own)
	}
}
