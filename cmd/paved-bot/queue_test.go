package main

import (
	"strings"
	"testing"
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
