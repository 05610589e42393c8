package workdir_test

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paved-road/paved/bot/workdir"
)

func TestPushTagsInOnePush(t *testing.T) {
	o := newOrigin(t)
	first := o.commit(map[string]string{"main.tf": "# one\n"})
	second := o.commit(map[string]string{"main.tf": "# two\n"})
	o.setPullHead("1", second)
	g := workdir.Git{CloneURL: o.dir}
	wc := filepath.Join(t.TempDir(), "wc")
	if _, err := workdir.Checkout(context.Background(), g, wc, "refs/pull/1/head", ""); err != nil {
		t.Fatal(err)
	}
	by := workdir.Tagger{Name: "paved-bot", Email: "paved-bot@example.com", Time: time.Date(2026, 12, 2, 3, 4, 5, 0, time.UTC)}
	// The message is kept byte for byte, lines that look like a comment or a fast-import command included;
	// the first commit is not in the shallow working copy and is fetched.
	message := "deploy app/default: +1 ~0 -0 (PR #1)\n\n# not a comment\ndone\ntag x\nProject: app\n"
	tags := []workdir.Tag{{Name: "paved/app/default/20261202T030405Z", Message: message, Commit: second},
		{Name: "paved/db/default/20261202T030405Z", Message: "deploy db\n", Commit: first}}
	if err := workdir.PushTags(context.Background(), g, wc, by, tags); err != nil {
		t.Fatal(err)
	}
	got := git(t, o.dir, "for-each-ref", "--format=%(refname:strip=2) %(objecttype) %(*objectname) %(taggername) %(taggerdate:iso-strict)", "refs/tags/paved/")
	want := "paved/app/default/20261202T030405Z tag " + second + " paved-bot 2026-12-02T03:04:05+00:00\npaved/db/default/20261202T030405Z tag " + first + " paved-bot 2026-12-02T03:04:05+00:00"
	if strings.TrimSpace(got) != want {
		t.Fatalf("tags in the repository:\n%s\nwant:\n%s", got, want)
	}
	if msg := git(t, o.dir, "cat-file", "tag", "paved/app/default/20261202T030405Z"); !strings.HasSuffix(msg, "\n\n"+message) && !strings.HasSuffix(msg+"\n", "\n\n"+message) {
		t.Fatalf("tag message changed:\n%q\nwant it to end with\n%q", msg, message)
	}
	if local := git(t, wc, "tag", "--list"); strings.TrimSpace(local) != "" {
		t.Fatalf("tags left in the working copy: %s", local)
	}

	// All or nothing: one tag the repository has already fails the push, and the other is not pushed.
	again := []workdir.Tag{{Name: "paved/web/default/20261202T030405Z", Message: "deploy web\n", Commit: second},
		{Name: tags[1].Name, Message: "deploy db, forged\n", Commit: second}}
	err := workdir.PushTags(context.Background(), g, wc, by, again)
	var exists *workdir.ExistsError
	if !errors.As(err, &exists) || !slices.Equal(exists.Names, []string{tags[1].Name}) {
		t.Fatalf("a push of a tag the repository has: %v, want an ExistsError naming only %s", err, tags[1].Name)
	}
	if got := git(t, o.dir, "tag", "--list", "paved/web/*"); strings.TrimSpace(got) != "" {
		t.Fatalf("a failed push left %s", got)
	}

	for _, bad := range []workdir.Tag{{Name: "paved/a b", Commit: second}, {Name: "--force", Commit: second}, {Name: "paved/x", Commit: "HEAD"}} {
		if err := workdir.PushTags(context.Background(), g, wc, by, []workdir.Tag{bad}); err == nil {
			t.Errorf("tag %+v was pushed", bad)
		}
	}
}
