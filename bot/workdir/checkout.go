package workdir

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

var (
	commitSHA = regexp.MustCompile(`^[0-9a-f]{40}$`)
	// fetchableRef is what a command may check out: a pull request head or a tag (the rollback case).
	fetchableRef = regexp.MustCompile(`^refs/(pull/[0-9]+/head|tags/[^\s:*?\[\\^~]+)$`)
)

// HeadMovedError reports that the ref no longer points at the commit the caller expected,
// typically because someone pushed to the pull request after the command was given.
type HeadMovedError struct {
	Want, Got string
}

func (e *HeadMovedError) Error() string {
	return fmt.Sprintf("head moved: expected commit %s, the repository now has %s", e.Want, e.Got)
}

// Checkout makes dir a working copy of the repository at the commit ref resolves to and returns
// that commit's sha. ref is "refs/pull/N/head", "refs/tags/<tag>" or a full 40-hex sha; only
// that one commit is fetched (depth 1).
//
// An existing working copy in dir is reused: tracked files are reset and untracked ones removed,
// except every .terraform/ directory and .terraform.lock.hcl so that terraform init can be skipped.
// When wantSHA is not empty and ref resolves to another commit, it returns a *HeadMovedError and
// leaves the working copy as it was.
func Checkout(ctx context.Context, g Git, dir, ref, wantSHA string) (string, error) {
	if !commitSHA.MatchString(ref) && !fetchableRef.MatchString(ref) {
		return "", fmt.Errorf("checkout %q: not a pull request head, tag or commit sha", ref)
	}
	if err := ensureRepo(ctx, g, dir); err != nil {
		return "", err
	}
	if err := dropStaleLocks(filepath.Join(dir, ".git"), "index.lock", "HEAD.lock", "shallow.lock", "config.lock"); err != nil {
		return "", fmt.Errorf("working copy: %w", err)
	}
	sha, _, err := g.fetch(ctx, dir, ref, "head")
	if err != nil {
		return "", err
	}
	if wantSHA != "" && sha != wantSHA {
		return "", &HeadMovedError{Want: wantSHA, Got: sha}
	}
	if _, err := g.run(ctx, dir, "checkout", "--quiet", "--force", "--detach", sha); err != nil {
		return "", fmt.Errorf("check out %s: %w", sha, err)
	}
	// -e patterns still apply under -x; without a leading slash they match at any depth.
	if _, err := g.run(ctx, dir, "clean", "--quiet", "-ffdx", "-e", ".terraform/", "-e", ".terraform.lock.hcl"); err != nil {
		return "", fmt.Errorf("clean working copy: %w", err)
	}
	if err := refuseTrackedTerraformDirs(ctx, g, dir, sha); err != nil {
		return "", err
	}
	return sha, nil
}

// TrackedTerraformError reports a commit that tracks a .terraform path.
// The bot keeps what init downloads in .terraform/ and writes into it; a
// tracked one, a symlink above all, would make it write wherever the
// commit points.
type TrackedTerraformError struct {
	Commit, Path string
}

func (e *TrackedTerraformError) Error() string {
	return fmt.Sprintf("commit %.7s tracks %s: .terraform/ is where Terraform keeps what init downloads, and paved refuses commits that track it; "+
		"remove it from the repository (git rm -r --cached) and add .terraform/ to .gitignore", e.Commit, e.Path)
}

func refuseTrackedTerraformDirs(ctx context.Context, g Git, dir, sha string) error {
	out, err := g.run(ctx, dir, "ls-files", "-z")
	if err != nil {
		return fmt.Errorf("list tracked files: %w", err)
	}
	for _, name := range strings.Split(out, "\x00") {
		if slices.Contains(strings.Split(name, "/"), ".terraform") {
			// Remove it, so that nothing the bot runs later meets it.
			_, _ = g.run(ctx, dir, "rm", "-r", "-q", "--cached", "--", name)
			_ = os.RemoveAll(filepath.Join(dir, filepath.FromSlash(name)))
			return &TrackedTerraformError{Commit: sha, Path: name}
		}
	}
	return nil
}

// branchRef is a base branch, as ReadAt takes it.
var branchRef = regexp.MustCompile(`^refs/heads/[^\s:*?\[\\^~]+$`)

// ReadAt fetches the commit branch (refs/heads/NAME) points at into the
// working copy in dir, without checking it out, and returns its sha and
// the name and content of the first of names that exists in it (none when
// no name does). The bot reads the base branch's paved.yaml this way.
func ReadAt(ctx context.Context, g Git, dir, branch string, names ...string) (sha, name string, data []byte, err error) {
	if !branchRef.MatchString(branch) || strings.Contains(branch, "..") {
		return "", "", nil, fmt.Errorf("read %q: not a branch", branch)
	}
	if err := ensureRepo(ctx, g, dir); err != nil {
		return "", "", nil, err
	}
	sha, objects, err := g.fetch(ctx, dir, branch, "base")
	if err != nil {
		return "", "", nil, err
	}
	for _, n := range names {
		// cat-file reads the blob as committed; a symlink is its target's name, never followed.
		kind, err := g.run(ctx, objects, "cat-file", "-t", sha+":"+n)
		if err != nil || strings.TrimSpace(kind) != "blob" {
			continue
		}
		content, err := g.run(ctx, objects, "cat-file", "blob", sha+":"+n)
		if err != nil {
			return "", "", nil, fmt.Errorf("read %s at %.7s: %w", n, sha, err)
		}
		return sha, n, []byte(content), nil
	}
	return sha, "", nil, nil
}

// ensureRepo creates dir and an empty repository in it unless one is already there.
func ensureRepo(ctx context.Context, g Git, dir string) error {
	_, err := os.Stat(filepath.Join(dir, ".git"))
	switch {
	case err == nil:
		return nil
	case !errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("inspect working copy: %w", err)
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("create working copy: %w", err)
	}
	if _, err := g.run(ctx, dir, "init", "--quiet"); err != nil {
		return fmt.Errorf("create working copy: %w", err)
	}
	return nil
}

// Head returns the commit the working copy in dir has checked out.
func Head(ctx context.Context, dir string) (string, error) {
	if _, err := os.Stat(filepath.Join(dir, ".git")); err != nil {
		return "", fmt.Errorf("working copy %s: %w", dir, err)
	}
	out, err := Git{}.run(ctx, dir, "rev-parse", "--verify", "HEAD^{commit}")
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(out), nil
}
