package workdir

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"
)

// Tag is an annotated tag to create: its name under refs/tags/, its
// message, kept byte for byte, and the commit it points at.
type Tag struct {
	Name, Message, Commit string
}

// Tagger is who the tags say made them, and when.
type Tagger struct {
	Name, Email string
	Time        time.Time
}

// PushTags creates the annotated tags in the working copy in dir, fetching a
// commit it lacks, and pushes them all to the repository in one atomic push
// over the same authenticated git the checkout uses: however many tags, it
// costs no API call, and either every tag is pushed or none is. The tags do
// not stay in the working copy. A tag the repository already has fails the
// push.
func PushTags(ctx context.Context, g Git, dir string, by Tagger, tags []Tag) error {
	if len(tags) == 0 {
		return nil
	}
	// Another replica may be the one that checked the pull request out.
	if err := ensureRepo(ctx, g, dir); err != nil {
		return err
	}
	var made []string
	defer func() {
		if len(made) > 0 {
			_, _ = g.run(ctx, dir, append([]string{"tag", "--delete"}, made...)...)
		}
	}()
	refspecs := make([]string, 0, len(tags))
	for _, t := range tags {
		if _, err := g.run(ctx, dir, "check-ref-format", "refs/tags/"+t.Name); err != nil || strings.HasPrefix(t.Name, "-") {
			return fmt.Errorf("tag %q: not a valid tag name", t.Name)
		}
		if !commitSHA.MatchString(t.Commit) {
			return fmt.Errorf("tag %s: %q is not a commit sha", t.Name, t.Commit)
		}
		if _, err := g.run(ctx, dir, "cat-file", "-e", t.Commit+"^{commit}"); err != nil {
			if _, err := g.run(ctx, dir, "fetch", "--quiet", "--depth=1", "--no-tags", "--", g.CloneURL, t.Commit); err != nil {
				return fmt.Errorf("tag %s: fetch %.7s: %w", t.Name, t.Commit, err)
			}
		}
		if err := g.tag(ctx, dir, by, t); err != nil {
			return err
		}
		made = append(made, t.Name)
		refspecs = append(refspecs, "refs/tags/"+t.Name+":refs/tags/"+t.Name)
	}
	if _, err := g.run(ctx, dir, append([]string{"push", "--quiet", "--atomic", "--no-verify", "--", g.CloneURL}, refspecs...)...); err != nil {
		return fmt.Errorf("push %d deploy tag(s): %w", len(tags), err)
	}
	return nil
}

// tag creates one annotated tag, as by, with its message from stdin, kept
// verbatim: the message is signed as it is, comment-like lines included.
func (g Git) tag(ctx context.Context, dir string, by Tagger, t Tag) error {
	cmd := exec.CommandContext(ctx, "git", "tag", "--annotate", "--cleanup=verbatim", "--file=-", "--", t.Name, t.Commit)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), g.Env()...)
	cmd.Env = append(cmd.Env, "GIT_COMMITTER_NAME="+by.Name, "GIT_COMMITTER_EMAIL="+by.Email, "GIT_COMMITTER_DATE="+by.Time.UTC().Format(time.RFC3339))
	cmd.Stdin = strings.NewReader(t.Message)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("tag %s: %w: %s", t.Name, err, g.mask(strings.TrimSpace(stderr.String())))
	}
	return nil
}
