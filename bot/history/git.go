package history

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
)

// refFormat prints each ref's name, object type and message, each ended by
// a NUL, which no ref name or tag message contains; git adds a newline
// after each ref.
const refFormat = "%(refname)%00%(objecttype)%00%(contents)%00"

// Read lists the deploy records in the tags of the git repository (bare or
// not) at gitDir, newest first, only project's when project is not empty,
// and at most limit of them unless limit is 0. A tag under paved/ that is
// not annotated or whose message does not parse is skipped with a warning.
func Read(ctx context.Context, gitDir, project string, limit int) ([]Record, error) {
	out, err := git(ctx, nil, "-C", gitDir, "for-each-ref", "--format="+refFormat, "refs/tags/"+Prefix(project))
	if err != nil {
		return nil, fmt.Errorf("read deploy tags in %s: %w", gitDir, err)
	}
	fields := strings.Split(out, "\x00")
	var records []Record
	// The last field is the newline after the last ref.
	for i := 0; i+2 < len(fields); i += 3 {
		tag := strings.TrimPrefix(strings.TrimPrefix(fields[i], "\n"), "refs/tags/")
		if kind := fields[i+1]; kind != "tag" {
			slog.WarnContext(ctx, "skipping deploy tag that is not annotated", "tag", tag, "object", kind)
			continue
		}
		r, err := ParseMessage(fields[i+2])
		if err != nil {
			slog.WarnContext(ctx, "skipping deploy tag with an unreadable message", "tag", tag, "err", err)
			continue
		}
		r.Tag = tag
		records = append(records, r)
	}
	sort.Slice(records, func(i, j int) bool {
		if !records[i].Time.Equal(records[j].Time) {
			return records[i].Time.After(records[j].Time)
		}
		return records[i].Tag < records[j].Tag
	})
	if limit > 0 && len(records) > limit {
		records = records[:limit]
	}
	return records, nil
}

// Sync brings the deploy tags of the repository at remoteURL into a bare
// mirror at mirrorDir, creating the mirror when missing, and drops mirrored
// deploy tags the remote no longer has. env is added to git's environment;
// credentials belong there (as GIT_CONFIG_* http.extraHeader settings),
// never in the URL. Calls for one mirrorDir must not overlap.
func Sync(ctx context.Context, remoteURL, mirrorDir string, env []string) error {
	_, err := os.Stat(filepath.Join(mirrorDir, "HEAD"))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if _, err := git(ctx, nil, "init", "--bare", "--quiet", mirrorDir); err != nil {
			return fmt.Errorf("create history mirror: %w", err)
		}
	case err != nil:
		return fmt.Errorf("open history mirror: %w", err)
	}
	refspec := "+refs/tags/" + tagRoot + "*:refs/tags/" + tagRoot + "*"
	if _, err := git(ctx, env, "-C", mirrorDir, "fetch", "--quiet", "--prune", "--no-tags", "--", remoteURL, refspec); err != nil {
		return fmt.Errorf("fetch deploy tags into %s: %w", mirrorDir, err)
	}
	return nil
}

// git runs git with args, never prompting for credentials, and returns its
// standard output. The error carries git's standard error but not the
// arguments, which may hold a URL.
func git(ctx context.Context, env []string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Env = append(append(os.Environ(), "GIT_TERMINAL_PROMPT=0"), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("git: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	return stdout.String(), nil
}
