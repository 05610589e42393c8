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
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Read lists the deploy records in the tags of the git repository (bare or
// not) at gitDir, newest first, only project's when project is not empty,
// and at most limit of them unless limit is 0. Each record has Verified set
// as the package comment says, under key; an unverified one is listed all
// the same, so that the caller can show it as such or leave it out. A tag
// under paved/ that is not annotated or whose message does not parse is
// skipped with a warning.
func Read(ctx context.Context, gitDir, project string, limit int, key []byte) ([]Record, error) {
	tags, err := readTags(ctx, gitDir, Prefix(project))
	if err != nil {
		return nil, fmt.Errorf("read deploy tags in %s: %w", gitDir, err)
	}
	var records []Record
	for _, t := range tags {
		if t.kind != "tag" {
			slog.WarnContext(ctx, "skipping deploy tag that is not annotated", "tag", t.name, "object", t.kind)
			continue
		}
		r, err := ParseMessage(t.message)
		if err != nil {
			slog.WarnContext(ctx, "skipping deploy tag with an unreadable message", "tag", t.name, "err", err)
			continue
		}
		r.Tag = t.name
		r.Verified = t.check(r, key) == nil
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

// Verify returns the record of the deploy tag named tag in the git
// repository at gitDir, such as the one "paved plan --rev" rolls back to,
// only if the tag proves it under key: the tag is under paved/, exists, is
// annotated, points at the commit its message records, and carries the
// bot's signature. The error says which of these failed, for the pull
// request.
func Verify(ctx context.Context, gitDir, tag string, key []byte) (Record, error) {
	if !strings.HasPrefix(tag, tagRoot) {
		return Record{}, fmt.Errorf("tag %s is not a deploy tag: paved-bot records deploys under %s, and only those can be rolled back to", tag, tagRoot)
	}
	if len(key) == 0 {
		return Record{}, fmt.Errorf("tag %s cannot be verified: this paved-bot has no tag key", tag)
	}
	tags, err := readTags(ctx, gitDir, tag)
	if err != nil {
		return Record{}, fmt.Errorf("read tag %s in %s: %w", tag, gitDir, err)
	}
	// The pattern also matches the tags under tag/.
	i := slices.IndexFunc(tags, func(t tagRef) bool { return t.name == tag })
	if i < 0 {
		return Record{}, fmt.Errorf("tag %s does not exist in the repository", tag)
	}
	t := tags[i]
	if t.kind != "tag" {
		return Record{}, fmt.Errorf("tag %s is a lightweight tag: paved-bot records every deploy as an annotated tag, so it did not create this one", tag)
	}
	r, err := ParseMessage(t.message)
	if err != nil {
		// The error quotes the message, which anyone may have written: it
		// goes to the log, not to the pull request.
		slog.WarnContext(ctx, "deploy tag with an unreadable message", "tag", tag, "err", err)
		return Record{}, fmt.Errorf("tag %s is not a deploy record: its message is not one paved-bot writes", tag)
	}
	if err := t.check(r, key); err != nil {
		return Record{}, err
	}
	r.Tag, r.Verified = tag, true
	return r, nil
}

// tagRef is a ref under refs/tags/ and, for an annotated tag, what its tag
// object holds.
type tagRef struct {
	name        string // without refs/tags/
	object      string // the object the ref names
	kind        string // its type: "tag" when annotated
	target, typ string // the object the tag object points at, and its type
	message     string // the tag object's message, as stored
}

// check reports why t does not prove r, the record its message holds, to
// be the bot's, or nil when it does. The error names nothing from the tag
// but its name: the rest may be anyone's, and it is meant for the pull
// request.
func (t tagRef) check(r Record, key []byte) error {
	if t.typ != "commit" || t.target != r.Commit {
		return fmt.Errorf("tag %s does not point at the commit its message records: it was moved or made by hand", t.name)
	}
	if !signed(t.name, t.target, t.message, key) {
		return fmt.Errorf("tag %s is not signed by this paved-bot: it was not created by the bot, or the message was edited, or the tag renamed", t.name)
	}
	return nil
}

// readTags lists the tags matching pattern, as git for-each-ref matches
// it, with the messages of the annotated ones. The messages come from git
// cat-file, which gives each object's size: a message may hold any byte,
// so no separator could end it safely.
func readTags(ctx context.Context, gitDir, pattern string) ([]tagRef, error) {
	out, err := git(ctx, nil, "", "-C", gitDir, "for-each-ref", "--format=%(objectname) %(objecttype) %(refname)", "--", "refs/tags/"+pattern)
	if err != nil {
		return nil, err
	}
	var tags []tagRef
	var objects strings.Builder
	for line := range strings.Lines(out) {
		// Ref names have no spaces.
		fields := strings.Fields(line)
		if len(fields) != 3 {
			return nil, fmt.Errorf("unexpected git for-each-ref line %q", line)
		}
		t := tagRef{object: fields[0], kind: fields[1], name: strings.TrimPrefix(fields[2], "refs/tags/")}
		if t.kind == "tag" {
			objects.WriteString(t.object + "\n")
		}
		tags = append(tags, t)
	}
	if objects.Len() == 0 {
		return tags, nil
	}
	out, err = git(ctx, nil, objects.String(), "-C", gitDir, "cat-file", "--batch")
	if err != nil {
		return nil, err
	}
	for i := range tags {
		if tags[i].kind != "tag" {
			continue
		}
		if out, err = tags[i].readObject(out); err != nil {
			return nil, fmt.Errorf("tag %s: %w", tags[i].name, err)
		}
	}
	return tags, nil
}

// readObject fills t from its entry at the start of batch, the output of
// git cat-file --batch ("<sha> tag <size>\n<size bytes>\n" per object), and
// returns the rest of batch.
func (t *tagRef) readObject(batch string) (string, error) {
	header, rest, _ := strings.Cut(batch, "\n")
	size := -1
	if f := strings.Fields(header); len(f) == 3 && f[0] == t.object && f[1] == "tag" {
		if n, err := strconv.Atoi(f[2]); err == nil {
			size = n
		}
	}
	if size < 0 || size >= len(rest) || rest[size] != '\n' {
		return "", fmt.Errorf("git cat-file gave %q for tag object %s", header, t.object)
	}
	// Headers, a blank line, then the message, as git cat-file tag shows.
	headers, message, _ := strings.Cut(rest[:size], "\n\n")
	t.message = message
	for line := range strings.Lines(headers) {
		// git reads the first of each, as should we.
		key, value, _ := strings.Cut(strings.TrimSuffix(line, "\n"), " ")
		switch {
		case key == "object" && t.target == "":
			t.target = value
		case key == "type" && t.typ == "":
			t.typ = value
		}
	}
	return rest[size+1:], nil
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
		if _, err := git(ctx, nil, "", "init", "--bare", "--quiet", mirrorDir); err != nil {
			return fmt.Errorf("create history mirror: %w", err)
		}
	case err != nil:
		return fmt.Errorf("open history mirror: %w", err)
	}
	refspec := "+refs/tags/" + tagRoot + "*:refs/tags/" + tagRoot + "*"
	if _, err := git(ctx, env, "", "-C", mirrorDir, "fetch", "--quiet", "--prune", "--no-tags", "--", remoteURL, refspec); err != nil {
		return fmt.Errorf("fetch deploy tags into %s: %w", mirrorDir, err)
	}
	return nil
}

// git runs git with args and stdin as its standard input, never prompting
// for credentials, and returns its standard output. The error carries
// git's standard error but not the arguments, which may hold a URL.
func git(ctx context.Context, env []string, stdin string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Env = append(append(os.Environ(), "GIT_TERMINAL_PROMPT=0"), env...)
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("git: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	return stdout.String(), nil
}
