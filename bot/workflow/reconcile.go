package workflow

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/paved-road/paved/bot/locks"
)

// Reconcile releases what pull requests that GitHub reports merged or closed
// still hold: their locks and their places in lock queues. It covers a
// closed webhook that never arrived or that the bot could not act on, so
// that no lock stays stuck. The release runs as the closed event's job would,
// recorded first, and hands the locks over to whoever is queued.
func (b *Bot) Reconcile(ctx context.Context) error {
	held, err := b.Store.Locks()
	if err != nil {
		return err
	}
	queues, err := b.Store.Queues()
	if err != nil {
		return err
	}
	type holder struct {
		repo, url, cloneURL string
		pr                  int
		installation        int64
		since               time.Time // its earliest lock or place in line
	}
	byKey := map[string]*holder{}
	var holders []*holder
	add := func(h holder) {
		key := fmt.Sprintf("%s#%d", h.repo, h.pr)
		if seen := byKey[key]; seen != nil {
			if h.since.Before(seen.since) {
				seen.since = h.since
			}
			return
		}
		byKey[key] = &h
		holders = append(holders, &h)
	}
	for _, l := range held {
		add(holder{repo: l.Key.Repo, pr: l.PR, url: l.PRURL, cloneURL: l.CloneURL, installation: l.Installation, since: l.Time})
	}
	for _, q := range queues {
		for _, w := range q.Waiters {
			add(holder{repo: w.Repo, pr: w.PR, url: w.PRURL, cloneURL: w.CloneURL, installation: w.Installation, since: w.Time})
		}
	}
	// A lock released while the bot was not running (paved-bot locks
	// release) leaves a queue with nobody holding its key: hand it over.
	var free []locks.Lock
	for _, q := range queues {
		if !slices.ContainsFunc(held, func(l locks.Lock) bool { return l.Key == q.Key }) {
			free = append(free, locks.Lock{Key: q.Key})
		}
	}
	b.handOver(b.Log, pull{}, free)
	for _, h := range holders {
		log := b.Log.With("pr", fmt.Sprintf("%s#%d", h.repo, h.pr))
		pr, err := b.GitHub(h.installation).PullRequest(ctx, h.repo, h.pr)
		if err != nil {
			log.Warn("cannot tell whether a lock holder is still open", "err", b.mask(err.Error()))
			continue
		}
		if pr.Open {
			continue
		}
		log.Warn("releasing the locks of a pull request that is no longer open", "merged", pr.Merged)
		j := &job{Kind: kindClosed, Repo: h.repo, CloneURL: h.cloneURL, PR: h.pr, URL: h.url,
			Installation: h.installation, Merged: pr.Merged}
		// Every replica reconciles: the key lets one release of a holding be
		// recorded per ten minutes (a second would release nothing).
		key := fmt.Sprintf("reconcile:%s#%d:%d:%d", h.repo, h.pr, h.since.UnixNano(), time.Now().Truncate(10*time.Minute).Unix())
		if _, err := b.record(j, []string{key}); err != nil {
			return fmt.Errorf("record the release of %s#%d: %w", h.repo, h.pr, err)
		}
	}
	return nil
}

// idleCopy is how long a pull request's working copy on this replica stays
// unused before it may be removed.
const idleCopy = time.Hour

// pruneWorkingCopies removes this replica's working copies of pull requests
// that hold nothing (no lock, no place in a queue, no plan, no command):
// with several replicas, the one that handles a pull request's close is
// not the only one with a copy of it. A later command checks it out again.
func (b *Bot) pruneWorkingCopies(holding func(pr string) bool) {
	repos, _ := filepath.Glob(filepath.Join(b.DataDir, "work", "*", "*", "*"))
	for _, dir := range repos {
		rel, err := filepath.Rel(filepath.Join(b.DataDir, "work"), dir)
		if err != nil {
			continue
		}
		parts := strings.Split(filepath.ToSlash(rel), "/")
		n, err := strconv.Atoi(parts[2])
		info, statErr := os.Stat(dir)
		if err != nil || statErr != nil || time.Since(info.ModTime()) < idleCopy {
			continue
		}
		p := pull{repo: parts[0] + "/" + parts[1], number: n}
		if holding(p.String()) {
			continue
		}
		plans, perr := b.Store.Plans(p.String())
		cmds, cerr := b.Store.Group(p.String())
		if perr != nil || cerr != nil || len(plans) > 0 || len(cmds) > 0 {
			continue
		}
		if err := os.RemoveAll(dir); err != nil {
			b.Log.Warn("removing an idle working copy failed", "pr", p.String(), "err", err)
			continue
		}
		b.Log.Info("idle working copy removed", "pr", p.String())
	}
}

// ReconcileEvery runs Reconcile now and then every interval until ctx ends.
// Of the replicas sharing a store, one reconciles in each interval, so that
// the GitHub calls it makes do not grow with the number of replicas; every
// replica prunes its own working copies.
func (b *Bot) ReconcileEvery(ctx context.Context, interval time.Duration) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		now := time.Now()
		// The interval's pass is claimed as a delivery key is: once.
		pass := "reconcile-pass:" + strconv.FormatInt(now.Truncate(interval).UnixNano(), 10)
		_, mine, err := b.Store.Accept([]string{pass}, now, "", nil)
		switch {
		case err != nil:
			b.Log.Error("reconciling locks failed", "err", err)
		case mine:
			if err := b.Reconcile(ctx); err != nil {
				b.Log.Error("reconciling locks failed", "err", err)
			}
			b.pruneAudit()
		}
		b.pruneWorkingCopies(b.lockHolders())
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// lockHolders tells the pull requests ("owner/name#N") that hold a lock or
// wait for one; on a store error, every pull request.
func (b *Bot) lockHolders() func(pr string) bool {
	held, err := b.Store.Locks()
	queues, qerr := b.Store.Queues()
	if err != nil || qerr != nil {
		return func(string) bool { return true }
	}
	holding := map[string]bool{}
	for _, l := range held {
		holding[fmt.Sprintf("%s#%d", l.Key.Repo, l.PR)] = true
	}
	for _, q := range queues {
		for _, w := range q.Waiters {
			holding[fmt.Sprintf("%s#%d", w.Repo, w.PR)] = true
		}
	}
	return func(pr string) bool { return holding[pr] }
}

// pruneAudit drops audit entries past the retention.
func (b *Bot) pruneAudit() {
	if b.AuditRetention <= 0 {
		return
	}
	n, err := b.Store.PruneAudit(time.Now().Add(-b.AuditRetention))
	switch {
	case err != nil:
		b.Log.Error("pruning the audit log failed", "err", err)
	case n > 0:
		b.Log.Info("audit entries past the retention removed", "count", n)
	}
}

// Audit returns the audit log from since on, for the operator.
func (b *Bot) Audit(since time.Time) ([][]byte, error) { return b.Store.Audit(since) }
