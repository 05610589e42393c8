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
// repository already has fails the push with an *ExistsError naming it.
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
		err = fmt.Errorf("push %d deploy tag(s): %w", len(tags), err)
		// Asking is surer than reading git's words for why it refused.
		if taken, lerr := g.remoteTags(ctx, dir, names); lerr == nil && len(taken) > 0 {
			return &ExistsError{Names: taken, err: err}
		}
		return err
	}
	return nil
}

// ExistsError is a push refused because the repository already has tags of
// these names: a name can be chosen again, which no other failure allows.
type ExistsError struct {
	Names []string
	err   error
}

func (e *ExistsError) Error() string {
	return "tag(s) " + strings.Join(e.Names, ", ") + " already exist: " + e.err.Error()
}

func (e *ExistsError) Unwrap() error { return e.err }

// remoteTags lists which of names the repository has, with one ls-remote.
func (g Git) remoteTags(ctx context.Context, dir string, names []string) ([]string, error) {
	args := []string{"ls-remote", "--tags", "--refs", "--", g.CloneURL}
	for _, n := range names {
		args = append(args, "refs/tags/"+n)
	}
	out, err := g.run(ctx, dir, args...)
	if err != nil {
		return nil, fmt.Errorf("list the repository's tags: %w", err)
	}
	var taken []string
	for line := range strings.Lines(out) {
		_, ref, _ := strings.Cut(strings.TrimSpace(line), "\t")
		if n, ok := strings.CutPrefix(ref, "refs/tags/"); ok && slices.Contains(names, n) {
			taken = append(taken, n)
		}
	}
	return taken, nil
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
