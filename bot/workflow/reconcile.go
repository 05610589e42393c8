package workflow

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
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
	}
	seen := map[string]bool{}
	var holders []holder
	add := func(h holder) {
		key := fmt.Sprintf("%s#%d", h.repo, h.pr)
		if !seen[key] {
			seen[key] = true
			holders = append(holders, h)
		}
	}
	for _, l := range held {
		add(holder{repo: l.Key.Repo, pr: l.PR, url: l.PRURL, cloneURL: l.CloneURL, installation: l.Installation})
	}
	for _, q := range queues {
		for _, w := range q.Waiters {
			add(holder{repo: w.Repo, pr: w.PR, url: w.PRURL, cloneURL: w.CloneURL, installation: w.Installation})
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
	b.handOver(b.Log, free, 0)
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
			Installation: h.installation, Merged: pr.Merged, Accepted: time.Now().UTC()}
		record, err := json.Marshal(j)
		if err == nil {
			j.id, _, err = b.Store.Accept(nil, time.Now(), record)
		}
		if err != nil {
			return fmt.Errorf("record the release of %s#%d: %w", h.repo, h.pr, err)
		}
		b.submit(j)
	}
	return nil
}

// ReconcileEvery runs Reconcile now and then every interval until ctx ends.
func (b *Bot) ReconcileEvery(ctx context.Context, interval time.Duration) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		if err := b.Reconcile(ctx); err != nil {
			b.Log.Error("reconciling locks failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
