package main

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paved-road/paved/bot/locks"
	"github.com/paved-road/paved/bot/store"
)

// TestAccBotLockQueue: a pull request planning a project another holds
// queues behind it, is planned by itself when the lock frees, and leaves
// the queue on `paved unlock`; `paved help` shows locks and queues.
func TestAccBotLockQueue(t *testing.T) {
	e := newEnv(t, map[string]string{"paved.yaml": "version: 1\nprojects:\n  - name: app\n    dir: app\n"})
	e.openPR(1, "alice", map[string]string{"app/main.tf": project("app", "v1")})
	e.replies(1, 0)
	e.openPR(2, "carol", map[string]string{"app/main.tf": project("app", "v2")})
	mustContain(t, "PR 2 queued", e.replies(2, 0)[0], "locked by [#1]", "queued 1st in line", "planned by itself")
	e.openPR(3, "dave", map[string]string{"app/main.tf": project("app", "v3")})
	mustContain(t, "PR 3 queued", e.replies(3, 0)[0], "locked by [#1]", "queued 2nd in line")

	help := e.say(1, "alice", "paved help")[0]
	mustContain(t, "help lists locks and queues", help, "Locks of this repository", "| `app` | `app` | `default` | [#1]", "[#2](", "[#3](")

	// #3 leaves the line; #1 merges; #2 is planned by itself and told why.
	mustContain(t, "unlock of a queued PR", e.say(3, "dave", "paved unlock")[0], "Left the lock queue of `app`")
	seen2 := len(e.fake.Comments("acme", "infra", 2))
	seen3 := len(e.fake.Comments("acme", "infra", 3))
	e.merge(1)
	var queued string
	e.waitFor("#2's plan once #1 released app", func() bool {
		for _, c := range e.fake.Comments("acme", "infra", 2)[seen2:] {
			if c.User == "paved[bot]" && strings.Contains(c.Body, "queued for a lock #1 released") {
				queued = c.Body
				return e.idle()
			}
		}
		return false
	})
	mustContain(t, "queued plan", queued, "#1 released the lock, so it was planned by itself", "+1 ~0 -0", `"v2"`)
	for _, c := range e.fake.Comments("acme", "infra", 3)[seen3:] {
		if c.User == "paved[bot]" {
			t.Fatalf("#3 left the queue but was planned:\n%s", c.Body)
		}
	}
	mustContain(t, "#2 holds app", e.say(1, "alice", "paved help")[0], "| `app` | `app` | `default` | [#2]", "| nobody |")
}

// TestAccBotStuckLocksAreReleased: a pull request merged without the bot
// hearing of it does not keep its locks: the periodic check asks GitHub,
// releases them and hands them to the pull request queued behind.
func TestAccBotStuckLocksAreReleased(t *testing.T) {
	e := newEnv(t, map[string]string{"paved.yaml": "version: 1\nprojects:\n  - name: app\n    dir: app\n"}, "--reconcile-interval", "1s")
	e.openPR(1, "alice", map[string]string{"app/main.tf": project("app", "v1")})
	e.replies(1, 0)
	e.openPR(2, "carol", map[string]string{"app/main.tf": project("app", "v2")})
	mustContain(t, "PR 2 queued", e.replies(2, 0)[0], "locked by [#1]", "queued 1st in line")

	// Merged on GitHub; the closed webhook is lost.
	seen1, seen2 := len(e.fake.Comments("acme", "infra", 1)), len(e.fake.Comments("acme", "infra", 2))
	e.git("-C", e.origin, "merge", "-q", "--no-ff", "-m", "merge", "pr-1")
	e.fake.Merge("acme", "infra", 1, "maintainer")
	mustContain(t, "release of a missed merge", e.replies(1, seen1)[0], "merged", "released the locks on `app`")
	mustContain(t, "PR 2 planned by itself", e.replies(2, seen2)[0], "queued for a lock #1 released", "+1 ~0 -0")
}

// TestAccBotLocksCommand: the operator lists locks and queues and releases
// a lock through the running bot's socket.
func TestAccBotLocksCommand(t *testing.T) {
	e := newEnv(t, map[string]string{"paved.yaml": "version: 1\nprojects:\n  - name: app\n    dir: app\n"})
	e.openPR(1, "alice", map[string]string{"app/main.tf": project("app", "v1")})
	e.replies(1, 0)
	e.openPR(2, "carol", map[string]string{"app/main.tf": project("app", "v2")})
	e.replies(2, 0)

	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"locks", "list", "--data-dir", e.data}, &out, &errOut); code != 0 {
		t.Fatalf("locks list exited %d: %s", code, errOut.String())
	}
	mustContain(t, "locks list", out.String(), "acme/infra", "app", "#1", "alice", "#2")

	seen1, seen2 := len(e.fake.Comments("acme", "infra", 1)), len(e.fake.Comments("acme", "infra", 2))
	out.Reset()
	if code := run(context.Background(), []string{"locks", "release", "--repo", "acme/infra", "--dir", "app", "--data-dir", e.data}, &out, &errOut); code != 0 {
		t.Fatalf("locks release exited %d: %s", code, errOut.String())
	}
	mustContain(t, "locks release", out.String(), "released acme/infra app (workspace default), held by #1")
	mustContain(t, "PR 1 told", e.replies(1, seen1)[0], "operator released the lock on `app`")
	mustContain(t, "PR 2 planned", e.replies(2, seen2)[0], "queued for a lock #1 released")

	if code := run(context.Background(), []string{"locks", "release", "--repo", "acme/infra", "--dir", "nope", "--data-dir", e.data}, &out, &errOut); code == 0 ||
		!strings.Contains(errOut.String(), "not locked") {
		t.Fatalf("release of a free key: exit %d, %s", code, errOut.String())
	}
}

// TestLocksCommandWithTheBotStopped uses the store directly.
func TestLocksCommandWithTheBotStopped(t *testing.T) {
	dir := t.TempDir()
	db, err := store.Open(filepath.Join(dir, "paved.db"))
	if err != nil {
		t.Fatal(err)
	}
	app := locks.Key{Repo: "acme/infra", Dir: "app", Workspace: "default"}
	if _, _, err := db.TryLock(store.Fence{}, locks.Lock{Key: app, Project: "app", PR: 4, User: "alice"}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Enqueue(store.Fence{}, app, locks.Waiter{PR: 5, Project: "app", Repo: "acme/infra"}); err != nil {
		t.Fatal(err)
	}
	_ = db.Close()
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"locks", "list", "--data-dir", dir}, &out, &errOut); code != 0 {
		t.Fatalf("locks list: %d %s", code, errOut.String())
	}
	mustContain(t, "offline list", out.String(), "acme/infra", "#4", "#5")
	out.Reset()
	if code := run(context.Background(), []string{"locks", "release", "--repo", "acme/infra", "--dir", "app", "--data-dir", dir}, &out, &errOut); code != 0 {
		t.Fatalf("locks release: %d %s", code, errOut.String())
	}
	mustContain(t, "offline release", out.String(), "held by #4", "released in the store")
	for _, args := range [][]string{{"locks"}, {"locks", "list", "--data-dir", t.TempDir()}, {"locks", "release", "--data-dir", dir}} {
		if code := run(context.Background(), args, io.Discard, io.Discard); code == 0 {
			t.Errorf("paved-bot %s exited 0", strings.Join(args, " "))
		}
	}
	if code := run(context.Background(), []string{"locks", "--help"}, io.Discard, io.Discard); code != 0 {
		t.Errorf("locks --help exited %d", code)
	}
}
