package workflow

import (
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/paved-road/paved/bot/admin"
	"github.com/paved-road/paved/bot/locks"
	"github.com/paved-road/paved/bot/store"
)

// A plan of a project another pull request holds does not just fail: the
// pull request queues behind the holder, and when the lock frees (merge,
// close, unlock) the first in line is planned by itself. Queues live in the
// store, so they outlive restarts.

// queue puts the pull request behind the holder of the project's lock and
// says so for the plan's summary row.
func (b *Bot) queue(log *slog.Logger, p pull, key locks.Key, project, user string, held locks.Lock) string {
	place, err := b.Store.Enqueue(p.fence(), key, locks.Waiter{
		PR: p.number, PRURL: p.url, User: user, Project: project,
		Installation: p.installation, CloneURL: p.cloneURL, Repo: p.repo, Time: time.Now().UTC(),
	})
	holder := fmt.Sprintf("locked by [#%d](%s) (%s, since %s)", held.PR, held.PRURL, login(held.User), held.Time.Format(time.RFC3339))
	if err != nil {
		log.Error("queueing for a lock failed", "project", project, "err", err)
		return holder + "; it is released when that pull request is merged or closed, or by `paved unlock` there"
	}
	return fmt.Sprintf("%s; queued %s in line: this pull request is planned by itself when the lock is released "+
		"(that pull request merged or closed, or `paved unlock` there)", holder, ordinal(place))
}

func ordinal(n int) string {
	suffix := "th"
	switch {
	case n%100 >= 11 && n%100 <= 13:
	case n%10 == 1:
		suffix = "st"
	case n%10 == 2:
		suffix = "nd"
	case n%10 == 3:
		suffix = "rd"
	}
	return strconv.Itoa(n) + suffix
}

// leaveQueues takes a pull request out of the queues only selects, all
// when nil, and returns the projects it waited for.
func (b *Bot) leaveQueues(log *slog.Logger, p pull, only func(locks.Waiter, locks.Key) bool) []string {
	queues, err := b.Store.Queues()
	if err != nil {
		log.Error("reading lock queues failed", "err", err)
		return nil
	}
	var left []string
	for _, q := range queues {
		if q.Key.Repo != p.repo {
			continue
		}
		for _, w := range q.Waiters {
			if w.PR != p.number || (only != nil && !only(w, q.Key)) {
				continue
			}
			if err := b.Store.Dequeue(p.fence(), q.Key, p.number); err != nil {
				log.Error("leaving a lock queue failed", "project", w.Project, "err", err)
				continue
			}
			left = append(left, w.Project)
		}
	}
	return left
}

// handOver gives each lock by released to the first pull request queued
// for it: one queued plan per pull request, of all the projects it gets,
// recorded before it leaves the queue so that a crash in between loses
// nothing. Each place in a queue is handed over once, however many
// replicas try: the record's keys name it.
func (b *Bot) handOver(log *slog.Logger, by pull, released []locks.Lock) {
	if len(released) == 0 {
		return
	}
	queues, err := b.Store.Queues()
	if err != nil {
		log.Error("reading lock queues failed", "err", err)
		return
	}
	type handover struct {
		first    locks.Waiter
		projects []string
		keys     []locks.Key
		places   []string // record keys, one per place handed over
	}
	var order []int
	byPR := map[int]*handover{}
	for _, l := range released {
		i := slices.IndexFunc(queues, func(q locks.Queue) bool { return q.Key == l.Key })
		if i < 0 {
			continue
		}
		// The releasing pull request may still be in line from before it got the lock.
		waiters := slices.DeleteFunc(slices.Clone(queues[i].Waiters), func(w locks.Waiter) bool { return w.PR == by.number })
		if len(waiters) < len(queues[i].Waiters) {
			_ = b.Store.Dequeue(by.fence(), l.Key, by.number)
		}
		if len(waiters) == 0 {
			continue
		}
		w := waiters[0]
		h := byPR[w.PR]
		if h == nil {
			h = &handover{first: w}
			byPR[w.PR] = h
			order = append(order, w.PR)
		}
		h.projects = append(h.projects, w.Project)
		h.keys = append(h.keys, l.Key)
		h.places = append(h.places, fmt.Sprintf("handover:%s:%d:%d", l.Key, w.PR, w.Time.UnixNano()))
	}
	for _, pr := range order {
		h := byPR[pr]
		j := &job{
			Kind: kindQueued, Repo: h.first.Repo, CloneURL: h.first.CloneURL, PR: pr, URL: h.first.PRURL,
			Installation: h.first.Installation, User: h.first.User, Projects: h.projects, QueuedBehind: by.number,
		}
		first, err := b.record(j, h.places)
		if err != nil {
			log.Error("recording a queued plan failed; the pull request stays queued", "pr", pr, "err", err)
			continue
		}
		for _, k := range h.keys {
			if err := b.Store.Dequeue(by.fence(), k, pr); err != nil {
				log.Error("leaving a lock queue failed", "pr", pr, "err", err)
			}
		}
		if first {
			log.Info("lock handed over to a queued pull request", "pr", pr, "projects", strings.Join(h.projects, ","))
		}
	}
}

// describeQueues lists a repository's locks and who waits for them, for
// `paved help`.
func (b *Bot) describeQueues(repo string) string {
	held, err := b.Store.Locks()
	if err != nil {
		return "The locks cannot be read: " + err.Error()
	}
	queues, err := b.Store.Queues()
	if err != nil {
		return "The lock queues cannot be read: " + err.Error()
	}
	var rows []string
	for _, l := range held {
		if l.Key.Repo != repo {
			continue
		}
		waiting := "nobody"
		if i := slices.IndexFunc(queues, func(q locks.Queue) bool { return q.Key == l.Key }); i >= 0 {
			var prs []string
			for _, w := range queues[i].Waiters {
				prs = append(prs, fmt.Sprintf("[#%d](%s)", w.PR, w.PRURL))
			}
			waiting = strings.Join(prs, ", ")
		}
		rows = append(rows, fmt.Sprintf("| `%s` | `%s` | `%s` | [#%d](%s) | %s | %s |", l.Project, l.Key.Dir, l.Key.Workspace,
			l.PR, l.PRURL, l.Time.Format(time.RFC3339), waiting))
	}
	if len(rows) == 0 {
		return "No project of this repository is locked."
	}
	return "Locks of this repository:\n\n| Project | Dir | Workspace | Held by | Since | Queued |\n| --- | --- | --- | --- | --- | --- |\n" +
		strings.Join(rows, "\n")
}

// ReleaseLock releases the lock on k for an operator, whichever pull
// request holds it: it drops that pull request's plan of the project, says
// so on it, and hands the lock to the first queued.
func (b *Bot) ReleaseLock(k locks.Key) (locks.Lock, error) {
	return b.releaseLock(k, "the bot's operator released the lock on %s")
}

// releaseLock is ReleaseLock, telling the pull request how (a format
// taking the lock's description).
func (b *Bot) releaseLock(k locks.Key, how string) (locks.Lock, error) {
	held, err := b.Store.Locks()
	if err != nil {
		return locks.Lock{}, err
	}
	i := slices.IndexFunc(held, func(l locks.Lock) bool { return l.Key == k })
	if i < 0 {
		return locks.Lock{}, fmt.Errorf("%s %s (workspace %s): %w", k.Repo, k.Dir, k.Workspace, admin.ErrNotLocked)
	}
	l := held[i]
	released, err := b.Store.Unlock(store.Fence{}, k.Repo, l.PR, func(o locks.Lock) bool { return o.Key == k })
	if err != nil {
		return locks.Lock{}, err
	}
	p := pull{repo: k.Repo, number: l.PR, url: l.PRURL, cloneURL: l.CloneURL, installation: l.Installation, gh: b.GitHub(l.Installation)}
	log := b.Log.With("pr", p.String())
	log.Warn("lock released outside a command", "project", l.Project, "how", fmt.Sprintf(how, l.Project))
	if err := b.dropPlan(p, l.Project, k.Workspace); err != nil {
		log.Error("dropping the plan of a released lock failed", "project", l.Project, "err", err)
	}
	b.comment(log, p, "**paved:** "+fmt.Sprintf(how, describeLocks(released))+
		"; its plan is discarded. Comment `paved plan` to lock it again.")
	b.handOver(log, p, released)
	return l, nil
}

// Locks lists every lock, for the operator.
func (b *Bot) Locks() ([]locks.Lock, error) { return b.Store.Locks() }

// Queues lists every lock queue, for the operator.
func (b *Bot) Queues() ([]locks.Queue, error) { return b.Store.Queues() }
