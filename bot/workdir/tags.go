package workdir

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
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
// costs no API call and a fixed number of git processes, and either every tag
// is pushed or none is. The tags do not stay in the working copy. A tag the
// repository already has fails the push.
func PushTags(ctx context.Context, g Git, dir string, by Tagger, tags []Tag) error {
	if len(tags) == 0 {
		return nil
	}
	for _, t := range tags {
		if !validTagName(t.Name) {
			return fmt.Errorf("tag %q: not a valid tag name", t.Name)
		}
		if !commitSHA.MatchString(t.Commit) {
			return fmt.Errorf("tag %s: %q is not a commit sha", t.Name, t.Commit)
		}
	}
	// Another replica may be the one that checked the pull request out.
	if err := ensureRepo(ctx, g, dir); err != nil {
		return err
	}
	missing, err := g.missingCommits(ctx, dir, tags)
	if err != nil {
		return err
	}
	for _, sha := range missing {
		if _, err := g.run(ctx, dir, "fetch", "--quiet", "--depth=1", "--no-tags", "--", g.CloneURL, sha); err != nil {
			return fmt.Errorf("fetch %.7s to tag it: %w", sha, err)
		}
	}
	names := make([]string, len(tags))
	refspecs := make([]string, len(tags))
	for i, t := range tags {
		names[i] = t.Name
		refspecs[i] = "refs/tags/" + t.Name + ":refs/tags/" + t.Name
	}
	// The refs fast-import made go once pushed, or once the push failed.
	defer func() { _, _ = g.run(ctx, dir, append([]string{"tag", "--delete"}, names...)...) }()
	if _, err := g.runInput(ctx, dir, fastImport(by, tags), "fast-import", "--quiet", "--done"); err != nil {
		return fmt.Errorf("create %d deploy tag(s): %w", len(tags), err)
	}
	if _, err := g.run(ctx, dir, append([]string{"push", "--quiet", "--atomic", "--no-verify", "--", g.CloneURL}, refspecs...)...); err != nil {
		return fmt.Errorf("push %d deploy tag(s): %w", len(tags), err)
	}
	return nil
}

// tagComponent is one part of a tag name between slashes, as git takes it
// and a command line cannot mistake for a flag.
var tagComponent = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// validTagName keeps to the names git accepts under refs/tags/ (git
// check-ref-format) that start with a letter or digit.
func validTagName(name string) bool {
	for c := range strings.SplitSeq(name, "/") {
		if !tagComponent.MatchString(c) || strings.HasSuffix(c, ".lock") || strings.HasSuffix(c, ".") {
			return false
		}
	}
	return !strings.Contains(name, "..")
}

// missingCommits lists the commits of tags that dir's repository does not
// have, with one git process.
func (g Git) missingCommits(ctx context.Context, dir string, tags []Tag) ([]string, error) {
	var query strings.Builder
	for _, t := range tags {
		query.WriteString(t.Commit + "^{commit}\n")
	}
	out, err := g.runInput(ctx, dir, query.String(), "cat-file", "--batch-check=%(objectname)")
	if err != nil {
		return nil, fmt.Errorf("look for the commits to tag: %w", err)
	}
	var missing []string
	for line := range strings.Lines(out) {
		if sha, found := strings.CutSuffix(strings.TrimSpace(line), "^{commit} missing"); found && !slices.Contains(missing, sha) {
			missing = append(missing, sha)
		}
	}
	return missing, nil
}

// fastImport is the stream that makes every tag, annotated, as by, with its
// message kept byte for byte: it is signed as it is.
func fastImport(by Tagger, tags []Tag) string {
	var b strings.Builder
	when := strconv.FormatInt(by.Time.Unix(), 10) + " +0000"
	for _, t := range tags {
		fmt.Fprintf(&b, "tag %s\nfrom %s\ntagger %s <%s> %s\ndata %d\n%s\n", t.Name, t.Commit, by.Name, by.Email, when, len(t.Message), t.Message)
	}
	b.WriteString("done\n")
	return b.String()
}
