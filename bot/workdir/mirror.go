package workdir

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
)

// A mirror is a bare repository per remote, beside the working copies of
// its pull requests, that fetches for all of them: a working copy borrows
// its objects (git alternates) instead of fetching its own, so that the
// second pull request of a big repository fetches only what its commit
// adds, not the whole tree again. Each working copy's commits are kept
// alive in the mirror by refs under refs/paved/keep/, named by the working
// copy's path relative to the mirror's directory and dropped once that
// working copy is gone; git's automatic gc is off in the mirror, since a
// repack would pull objects from under working copies reading them.

// mirrorLocks serialises fetches into one mirror: concurrent shallow
// fetches would fight over its shallow file.
var mirrorLocks sync.Map // mirror path → *sync.Mutex

const keepRefs = "refs/paved/keep/"

// fetch fetches ref (a pull request head, a branch, a tag or a sha) for the
// working copy in dir and returns the commit and the git directory holding
// its objects: the mirror's, with dir borrowing from it, or dir's own.
func (g Git) fetch(ctx context.Context, dir, ref, purpose string) (sha, objects string, err error) {
	keep, ok := g.keepRef(dir, purpose)
	if !ok {
		if _, err := g.run(ctx, dir, "fetch", "--quiet", "--depth=1", "--no-tags", "--", g.CloneURL, ref); err != nil {
			return "", "", fmt.Errorf("fetch %s: %w", ref, err)
		}
		out, err := g.run(ctx, dir, "rev-parse", "--verify", "FETCH_HEAD^{commit}")
		if err != nil {
			return "", "", fmt.Errorf("resolve %s: %w", ref, err)
		}
		return strings.TrimSpace(out), filepath.Join(dir, ".git"), nil
	}
	mu, _ := mirrorLocks.LoadOrStore(g.Mirror, &sync.Mutex{})
	mu.(*sync.Mutex).Lock()
	defer mu.(*sync.Mutex).Unlock()
	if err := g.ensureMirror(ctx); err != nil {
		return "", "", err
	}
	if err := dropStaleLocks(g.Mirror, "shallow.lock", "config.lock"); err != nil {
		return "", "", fmt.Errorf("mirror: %w", err)
	}
	if _, err := g.run(ctx, g.Mirror, "fetch", "--quiet", "--depth=1", "--no-tags", "--no-write-fetch-head", "--", g.CloneURL, "+"+ref+":"+keep); err != nil {
		return "", "", fmt.Errorf("fetch %s: %w", ref, err)
	}
	out, err := g.run(ctx, g.Mirror, "rev-parse", "--verify", keep+"^{commit}")
	if err != nil {
		return "", "", fmt.Errorf("resolve %s: %w", ref, err)
	}
	if err := g.borrow(dir); err != nil {
		return "", "", err
	}
	g.dropStaleKeeps(ctx)
	return strings.TrimSpace(out), g.Mirror, nil
}

// keepRef names the ref that keeps what dir's purpose ("head", "base")
// fetched; ok is false when there is no mirror or dir is not beside it.
func (g Git) keepRef(dir, purpose string) (string, bool) {
	if g.Mirror == "" {
		return "", false
	}
	rel, err := filepath.Rel(filepath.Dir(g.Mirror), dir)
	if err != nil || rel == "." || strings.HasPrefix(rel, "..") {
		return "", false
	}
	ref := keepRefs + filepath.ToSlash(rel) + "/" + purpose
	if _, err := g.run(context.Background(), filepath.Dir(g.Mirror), "check-ref-format", ref); err != nil {
		return "", false
	}
	return ref, true
}

// ensureMirror creates the bare mirror unless it exists.
func (g Git) ensureMirror(ctx context.Context) error {
	if _, err := os.Stat(filepath.Join(g.Mirror, "HEAD")); err == nil {
		return nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("inspect mirror: %w", err)
	}
	if err := os.MkdirAll(g.Mirror, 0o750); err != nil {
		return fmt.Errorf("create mirror: %w", err)
	}
	for _, args := range [][]string{{"init", "--quiet", "--bare"}, {"config", "gc.auto", "0"}, {"config", "maintenance.auto", "false"}} {
		if _, err := g.run(ctx, g.Mirror, args...); err != nil {
			return fmt.Errorf("create mirror: %w", err)
		}
	}
	return nil
}

// borrow points dir's repository at the mirror's objects and tells it
// which of them are shallow, so that git in dir neither fetches them nor
// looks for the parents the mirror lacks.
func (g Git) borrow(dir string) error {
	gitDir := filepath.Join(dir, ".git")
	objects, err := filepath.Abs(filepath.Join(g.Mirror, "objects"))
	if err != nil {
		return fmt.Errorf("mirror objects: %w", err)
	}
	alternates := filepath.Join(gitDir, "objects", "info", "alternates")
	if err := os.MkdirAll(filepath.Dir(alternates), 0o750); err != nil {
		return fmt.Errorf("borrow from the mirror: %w", err)
	}
	if err := writeFileAtomic(alternates, []byte(objects+"\n")); err != nil {
		return fmt.Errorf("borrow from the mirror: %w", err)
	}
	shallow := map[string]bool{}
	for _, f := range []string{filepath.Join(g.Mirror, "shallow"), filepath.Join(gitDir, "shallow")} {
		raw, err := os.ReadFile(f)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("borrow from the mirror: %w", err)
		}
		for _, line := range strings.Fields(string(raw)) {
			shallow[line] = true
		}
	}
	if len(shallow) == 0 {
		return nil
	}
	lines := make([]string, 0, len(shallow))
	for sha := range shallow {
		lines = append(lines, sha)
	}
	slices.Sort(lines)
	if err := writeFileAtomic(filepath.Join(gitDir, "shallow"), []byte(strings.Join(lines, "\n")+"\n")); err != nil {
		return fmt.Errorf("borrow from the mirror: %w", err)
	}
	return nil
}

// dropStaleLocks removes the lock files a git killed mid-command (a SIGKILL
// of the bot, or a command's context cancelled) left in the git directory
// gitDir: the files named, and any under refs/. They would fail every git
// after it. The caller has the repository to itself (the mirror's lock, or
// the pull request's turn for its working copy), and only this process uses
// its data dir: any lock file found now is a dead git's.
func dropStaleLocks(gitDir string, names ...string) error {
	var stale []string
	for _, n := range names {
		stale = append(stale, filepath.Join(gitDir, n))
	}
	_ = filepath.WalkDir(filepath.Join(gitDir, "refs"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".lock") {
			stale = append(stale, p)
		}
		return nil
	})
	for _, f := range stale {
		if err := os.Remove(f); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("remove the stale %s: %w", filepath.Base(f), err)
		}
	}
	return nil
}

// dropStaleKeeps deletes the keep refs of working copies that are gone.
func (g Git) dropStaleKeeps(ctx context.Context) {
	out, err := g.run(ctx, g.Mirror, "for-each-ref", "--format=%(refname)", keepRefs)
	if err != nil {
		return
	}
	for _, ref := range strings.Fields(out) {
		rel := path.Dir(strings.TrimPrefix(ref, keepRefs))
		if _, err := os.Stat(filepath.Join(filepath.Dir(g.Mirror), filepath.FromSlash(rel))); errors.Is(err, fs.ErrNotExist) {
			_, _ = g.run(ctx, g.Mirror, "update-ref", "-d", ref)
		}
	}
}

func writeFileAtomic(name string, content []byte) error {
	tmp := name + ".tmp"
	if err := os.WriteFile(tmp, content, 0o640); err != nil {
		return err
	}
	return os.Rename(tmp, name)
}
