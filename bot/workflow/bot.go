// Package workflow is what the bot does on a pull request: webhook events
// become commands (autoplan on push, `paved …` comments), commands select
// projects from the repository's config, and projects are planned, locked,
// applied and tagged. HTTP, GitHub, git and Terraform sit behind the
// packages this one calls.
package workflow

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/go-github/v60/github"

	"github.com/paved-road/paved/bot/command"
	"github.com/paved-road/paved/bot/githubapi"
	"github.com/paved-road/paved/bot/locks"
	"github.com/paved-road/paved/bot/runner"
	"github.com/paved-road/paved/bot/workdir"
)

// GitHub is the part of the GitHub API a command uses.
type GitHub interface {
	Token(ctx context.Context) (string, error)
	PullRequest(ctx context.Context, repo string, n int) (githubapi.PullRequest, error)
	ChangedFiles(ctx context.Context, repo string, n int) ([]string, error)
	Approvers(ctx context.Context, repo string, n int, author string) ([]string, error)
	Permission(ctx context.Context, repo, user string) (string, error)
	Comment(ctx context.Context, repo string, n int, body string) error
	React(ctx context.Context, repo string, commentID int64, reaction string) error
	Status(ctx context.Context, repo, sha, statusContext, state, description, targetURL string) error
	CreateTag(ctx context.Context, repo, tag, message, commit string, by githubapi.Tagger) (string, error)
	AddLabels(ctx context.Context, repo string, n int, labels []string) error
}

// Bot runs commands. Its zero value is not usable; fill every field.
type Bot struct {
	// GitHub returns the API client for a webhook's installation.
	GitHub      func(installation int64) GitHub
	Locks       locks.Store
	Runner      *runner.Runner
	Tools       runner.Tools
	DataDir     string
	Parallelism int
	// Timeout bounds one command, from checkout to the last comment.
	Timeout time.Duration
	// AllowForks lets pull requests from forks be planned and applied: their
	// code would run with the bot's credentials, so it is off by default.
	AllowForks bool
	Log        *slog.Logger

	mu   sync.Mutex
	prs  map[string]*sync.Mutex // one working copy per pull request
	busy map[string]string      // project lock key → what is applying it
}

// pull is one pull request a command works on.
type pull struct {
	repo         string // owner/name
	number       int
	url          string
	cloneURL     string
	installation int64
	gh           GitHub
}

func (p pull) String() string { return p.repo + "#" + strconv.Itoa(p.number) }

// dir is where the bot keeps a pull request's working copy and plans.
func (b *Bot) dir(p pull, parts ...string) string {
	return filepath.Join(append([]string{b.DataDir, "work", filepath.FromSlash(p.repo), strconv.Itoa(p.number)}, parts...)...)
}

// lockPR serializes everything that touches a pull request's working copy.
func (b *Bot) lockPR(p pull) func() {
	b.mu.Lock()
	if b.prs == nil {
		b.prs = map[string]*sync.Mutex{}
	}
	m, ok := b.prs[p.String()]
	if !ok {
		m = &sync.Mutex{}
		b.prs[p.String()] = m
	}
	b.mu.Unlock()
	m.Lock()
	return m.Unlock
}

// claim marks projects as being applied; it fails, naming the holder,
// when one of them already is.
func (b *Bot) claim(keys []locks.Key, by string) (release func(), err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.busy == nil {
		b.busy = map[string]string{}
	}
	for _, k := range keys {
		if holder, ok := b.busy[k.String()]; ok {
			return nil, fmt.Errorf("%s %s (workspace %s) is busy: %s", k.Repo, k.Dir, k.Workspace, holder)
		}
	}
	for _, k := range keys {
		b.busy[k.String()] = by
	}
	return func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		for _, k := range keys {
			delete(b.busy, k.String())
		}
	}, nil
}

func (b *Bot) context() (context.Context, context.CancelFunc) {
	if b.Timeout > 0 {
		return context.WithTimeout(context.Background(), b.Timeout)
	}
	return context.WithCancel(context.Background())
}

// PullRequest handles pull_request events: autoplan on new commits,
// releasing locks and the working copy when the pull request closes.
func (b *Bot) PullRequest(e *github.PullRequestEvent) {
	ctx, cancel := b.context()
	defer cancel()
	p := b.pull(e.GetRepo(), e.GetNumber(), e.GetPullRequest().GetHTMLURL(), e.GetInstallation().GetID())
	log := b.Log.With("pr", p.String(), "action", e.GetAction())
	switch e.GetAction() {
	case "opened", "reopened", "synchronize", "ready_for_review":
		if e.GetPullRequest().GetDraft() {
			return
		}
		if !b.AllowForks && githubapi.IsFork(e.GetPullRequest()) {
			if e.GetAction() != "synchronize" {
				b.comment(ctx, log, p, forkRefusal)
			}
			return
		}
		head := e.GetPullRequest().GetHead().GetSHA()
		b.autoplan(ctx, log, p, head, e.GetSender().GetLogin())
	case "closed":
		b.closed(ctx, log, p, e.GetPullRequest().GetMerged())
	}
}

// IssueComment handles `paved …` comments on pull requests.
func (b *Bot) IssueComment(e *github.IssueCommentEvent) {
	if e.GetAction() != "created" || !e.GetIssue().IsPullRequest() {
		return
	}
	// Never answer bots, including ourselves.
	if e.GetComment().GetUser().GetType() == "Bot" {
		return
	}
	cmd, err := command.Parse(e.GetComment().GetBody())
	if cmd == nil && err == nil {
		return
	}
	ctx, cancel := b.context()
	defer cancel()
	p := b.pull(e.GetRepo(), e.GetIssue().GetNumber(), e.GetIssue().GetHTMLURL(), e.GetInstallation().GetID())
	user := e.GetComment().GetUser().GetLogin()
	log := b.Log.With("pr", p.String(), "user", user)
	commentID := e.GetComment().GetID()
	if err != nil {
		b.react(ctx, log, p, commentID, "confused")
		b.comment(ctx, log, p, "**paved:** "+err.Error())
		return
	}
	log = log.With("command", string(cmd.Name))
	log.Info("command received")
	b.react(ctx, log, p, commentID, "eyes")
	switch cmd.Name {
	case command.Help:
		b.comment(ctx, log, p, command.Usage)
	case command.Unlock:
		b.unlock(ctx, log, p)
	case command.History:
		b.history(ctx, log, p, cmd)
	case command.Plan:
		b.plan(ctx, log, p, cmd, user)
	case command.Apply:
		b.apply(ctx, log, p, cmd, user)
	}
}

func (b *Bot) pull(repo *github.Repository, n int, url string, installation int64) pull {
	return pull{
		repo:         repo.GetFullName(),
		number:       n,
		url:          url,
		cloneURL:     repo.GetCloneURL(),
		installation: installation,
		gh:           b.GitHub(installation),
	}
}

// git says how to fetch the pull request's repository.
func (b *Bot) git(ctx context.Context, p pull) (workdir.Git, error) {
	token, err := p.gh.Token(ctx)
	if err != nil {
		return workdir.Git{}, err
	}
	return workdir.Git{CloneURL: p.cloneURL, Token: token}, nil
}

func (b *Bot) react(ctx context.Context, log *slog.Logger, p pull, commentID int64, reaction string) {
	if err := p.gh.React(ctx, p.repo, commentID, reaction); err != nil {
		log.Warn("reaction failed", "err", err)
	}
}

func (b *Bot) comment(ctx context.Context, log *slog.Logger, p pull, body string) {
	if err := p.gh.Comment(ctx, p.repo, p.number, body); err != nil {
		log.Error("comment failed", "err", err)
	}
}

func (b *Bot) status(ctx context.Context, log *slog.Logger, p pull, sha, statusContext, state, description string) {
	if err := p.gh.Status(ctx, p.repo, sha, statusContext, state, description, p.url); err != nil {
		log.Warn("commit status failed", "context", statusContext, "err", err)
	}
}

// openPull reads the pull request a command is for, and refuses, replying
// after prefix, when it is closed or a fork the bot may not run.
func (b *Bot) openPull(ctx context.Context, log *slog.Logger, p pull, prefix string) (githubapi.PullRequest, bool) {
	pr, err := p.gh.PullRequest(ctx, p.repo, p.number)
	switch {
	case err != nil:
		b.comment(ctx, log, p, prefix+err.Error())
	case !pr.Open:
		b.comment(ctx, log, p, prefix+"refused: the pull request is closed.")
	case pr.Fork && !b.AllowForks:
		b.comment(ctx, log, p, forkRefusal)
	default:
		return pr, true
	}
	return pr, false
}

const forkRefusal = "**paved:** this pull request comes from a fork; it is not planned or applied, " +
	"because its code would run with this bot's credentials. The bot's operator can allow forks with `--allow-fork-prs`."

// closed releases what the pull request held.
func (b *Bot) closed(ctx context.Context, log *slog.Logger, p pull, merged bool) {
	defer b.lockPR(p)()
	released, err := b.Locks.Unlock(p.repo, p.number)
	if err != nil {
		log.Error("releasing locks failed", "err", err)
		b.comment(ctx, log, p, "**paved:** could not release this pull request's locks: "+err.Error())
		return
	}
	if err := os.RemoveAll(b.dir(p)); err != nil {
		log.Warn("removing working copy failed", "err", err)
	}
	if len(released) == 0 {
		return
	}
	how := "closed"
	if merged {
		how = "merged"
	}
	log.Info("locks released", "count", len(released), "how", how)
	b.comment(ctx, log, p, fmt.Sprintf("**paved:** pull request %s; released the locks on %s.", how, describeLocks(released)))
}

func (b *Bot) unlock(ctx context.Context, log *slog.Logger, p pull) {
	released, err := b.Locks.Unlock(p.repo, p.number)
	switch {
	case err != nil:
		b.comment(ctx, log, p, "**paved unlock:** "+err.Error())
	case len(released) == 0:
		b.comment(ctx, log, p, "**paved unlock:** this pull request holds no locks.")
	default:
		b.comment(ctx, log, p, "**paved unlock:** released "+describeLocks(released)+". Plans made before are discarded; run `paved plan` again to apply.")
		if err := os.RemoveAll(b.dir(p, "plans")); err != nil {
			log.Warn("removing plans failed", "err", err)
		}
	}
}

func describeLocks(ls []locks.Lock) string {
	var parts []string
	for _, l := range ls {
		parts = append(parts, fmt.Sprintf("`%s` (dir `%s`, workspace `%s`)", l.Project, l.Key.Dir, l.Key.Workspace))
	}
	return strings.Join(parts, ", ")
}
