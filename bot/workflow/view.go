package workflow

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/paved-road/paved/bot/audit"
	"github.com/paved-road/paved/bot/history"
	"github.com/paved-road/paved/bot/locks"
	"github.com/paved-road/paved/bot/store"
)

// What the operator page reads. Every replica answers the same: it all
// comes from the shared store, or from GitHub.

// CommandView is a command that runs or waits.
type CommandView struct {
	ID, Repo string
	PR       int
	URL      string // the pull request's
	User     string
	Kind     string // autoplan, plan, apply, unlock, help, history, closed, queued, usage
	Accepted time.Time
	Running  bool   // a replica holds its lease
	Replica  string // which one
}

// RepoView is a repository the bot has worked on.
type RepoView struct {
	Name     string   // owner/name
	URL      string   // its web page, when known
	Projects []string // projects seen in locks, queues and the audit log
}

// auditWindow is how far back the page looks for repositories and recent
// commands.
const auditWindow = 90 * 24 * time.Hour

// pageTagsAge is how stale the deploy tags the page shows may be: a burst
// of views costs one fetch.
const pageTagsAge = 10 * time.Second

// Commands lists the commands that run or wait, oldest first.
func (b *Bot) Commands() ([]CommandView, error) {
	cmds, err := b.Store.Commands()
	if err != nil {
		return nil, err
	}
	now := time.Now()
	out := make([]CommandView, 0, len(cmds))
	for _, c := range cmds {
		j := &job{}
		if json.Unmarshal(c.Record, j) != nil {
			continue
		}
		out = append(out, CommandView{ID: c.ID, Repo: j.Repo, PR: j.PR, URL: j.URL, User: j.User, Kind: j.kindName(),
			Accepted: j.Accepted, Running: c.Owner != "" && c.Expires.After(now), Replica: c.Owner})
	}
	return out, nil
}

// JobPath is where the operator page serves a command's log, relative to
// the page's address: the page links to it, and an apply reply points at it
// for the output it cut.
func JobPath(repo, id string) string {
	return "/repos/" + repo + "/jobs/" + url.PathEscape(id)
}

// JobLog is a command's log, masked as its replies are, and whether the
// command still runs or waits (its log then grows).
func (b *Bot) JobLog(id string) (text []byte, running bool, err error) {
	text, _, err = b.Store.Log(id)
	if err != nil {
		return nil, false, err
	}
	cmds, err := b.Store.Commands()
	if err != nil {
		return nil, false, err
	}
	running = slices.ContainsFunc(cmds, func(c store.Command) bool { return c.ID == id })
	return text, running, nil
}

// Repos lists the repositories the bot has locks, queues or audit entries
// for, by name.
func (b *Bot) Repos() ([]RepoView, error) {
	entries, err := b.recentAudit()
	if err != nil {
		return nil, err
	}
	held, err := b.Store.Locks()
	if err != nil {
		return nil, err
	}
	queues, err := b.Store.Queues()
	if err != nil {
		return nil, err
	}
	byName := map[string]*RepoView{}
	see := func(repo, prURL, project string) {
		r := byName[repo]
		if r == nil {
			r = &RepoView{Name: repo}
			byName[repo] = r
		}
		if r.URL == "" && prURL != "" {
			if i := strings.LastIndex(prURL, "/pull/"); i > 0 {
				r.URL = prURL[:i]
			}
		}
		if project != "" && !slices.Contains(r.Projects, project) {
			r.Projects = append(r.Projects, project)
		}
	}
	for _, e := range entries {
		see(e.Repo, e.PRURL, e.Project)
	}
	for _, l := range held {
		see(l.Key.Repo, l.PRURL, l.Project)
	}
	for _, q := range queues {
		for _, w := range q.Waiters {
			see(q.Key.Repo, w.PRURL, w.Project)
		}
	}
	out := make([]RepoView, 0, len(byName))
	for _, r := range byName {
		slices.Sort(r.Projects)
		out = append(out, *r)
	}
	slices.SortFunc(out, func(a, b RepoView) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// Recent is the repository's newest n audit entries, newest first.
func (b *Bot) Recent(repo string, n int) ([]audit.Entry, error) {
	entries, err := b.recentAudit()
	if err != nil {
		return nil, err
	}
	entries = audit.Filter(entries, repo)
	slices.Reverse(entries)
	return entries[:min(n, len(entries))], nil
}

func (b *Bot) recentAudit() ([]audit.Entry, error) {
	raw, err := b.Store.Audit(time.Now().Add(-auditWindow))
	if err != nil {
		return nil, err
	}
	return audit.Decode(raw)
}

// History is the project's verified deploys, newest first, read from the
// deploy tags of the repository (fetched into this replica's mirror).
func (b *Bot) History(ctx context.Context, repo, project string) ([]history.Record, error) {
	entries, err := b.recentAudit()
	if err != nil {
		return nil, err
	}
	// The repository's clone URL and installation come from the newest
	// command on it.
	var where *audit.Entry
	for i := len(entries) - 1; i >= 0; i-- {
		if strings.EqualFold(entries[i].Repo, repo) && entries[i].CloneURL != "" {
			where = &entries[i]
			break
		}
	}
	if where == nil {
		return nil, fmt.Errorf("%s: the bot has not worked on this repository lately", repo)
	}
	p := pull{repo: where.Repo, cloneURL: where.CloneURL, installation: where.Installation, gh: b.GitHub(where.Installation)}
	git, err := b.git(ctx, p)
	if err != nil {
		return nil, err
	}
	mirror, err := b.syncedTags(ctx, p, git, pageTagsAge)
	if err != nil {
		return nil, err
	}
	all, err := history.Read(ctx, mirror, project, 0, b.TagKey)
	if err != nil {
		return nil, err
	}
	records, _ := history.OnlyVerified(all, 0)
	return records, nil
}

// ReleaseLockBy releases the lock on k for who, from the operator page:
// as ReleaseLock, and the pull request is told who did it.
func (b *Bot) ReleaseLockBy(k locks.Key, who string) (locks.Lock, error) {
	return b.releaseLock(k, "the lock on %s was released by "+login(who)+" from paved-bot's page")
}
