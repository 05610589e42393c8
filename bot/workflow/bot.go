// Package workflow is what the bot does on a pull request: webhook events
// become jobs (autoplan on push, `paved …` comments), recorded before they
// are acknowledged and run one at a time per pull request; commands select
// projects from the repository's config, and projects are planned, locked,
// applied and tagged under the server's policy. HTTP, GitHub, git and
// Terraform sit behind the packages this one calls.
package workflow

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/paved-road/paved/bot/githubapi"
	"github.com/paved-road/paved/bot/locks"
	"github.com/paved-road/paved/bot/planpolicy"
	"github.com/paved-road/paved/bot/policy"
	"github.com/paved-road/paved/bot/render"
	"github.com/paved-road/paved/bot/runner"
	"github.com/paved-road/paved/bot/store"
	"github.com/paved-road/paved/bot/workdir"
)

// GitHub is the part of the GitHub API a command uses.
type GitHub interface {
	Token(ctx context.Context) (string, error)
	PullRequest(ctx context.Context, repo string, n int) (githubapi.PullRequest, error)
	ChangedFiles(ctx context.Context, repo string, n int) ([]string, error)
	Approvers(ctx context.Context, repo string, n int, author, headSHA string) ([]string, error)
	Permission(ctx context.Context, repo, user string) (string, error)
	TeamMember(ctx context.Context, org, team, user string) (bool, error)
	Compare(ctx context.Context, repo, base, head string) (githubapi.Comparison, error)
	Comment(ctx context.Context, repo string, n int, body string) error
	Comments(ctx context.Context, repo string, n int) ([]string, error)
	React(ctx context.Context, repo string, commentID int64, reaction string) error
	Status(ctx context.Context, repo, sha, statusContext, state, description, targetURL string) error
	AddLabels(ctx context.Context, repo string, n int, labels []string) error
	CreateCheckRun(ctx context.Context, repo string, run githubapi.CheckRun) (int64, error)
	UpdateCheckRun(ctx context.Context, repo string, id int64, run githubapi.CheckRun) error
	Issues(ctx context.Context, repo string, label, state string) ([]githubapi.Issue, error)
	CreateIssue(ctx context.Context, repo, title, body string, labels []string) (int, error)
	EditIssue(ctx context.Context, repo string, n int, edit githubapi.IssueEdit) error
}

// Store is what the replicas share: the queue of accepted commands and
// their leases, locks and lock queues, the deliveries acted on, saved
// plans and job logs. Writes made for a command carry its lease's fence,
// and are refused with store.ErrLeaseLost once another replica holds it.
type Store interface {
	Accept(keys []string, now time.Time, group string, record []byte) (id string, first bool, err error)
	Claim(owner string, now time.Time, ttl time.Duration) (store.Command, bool, error)
	Renew(f store.Fence, now time.Time, ttl time.Duration) error
	SaveCommand(f store.Fence, record []byte) error
	FinishCommand(f store.Fence) error
	Group(group string) ([]store.Command, error)
	Commands() ([]store.Command, error)

	TryLock(f store.Fence, l locks.Lock) (locks.Lock, bool, error)
	Unlock(f store.Fence, repo string, pr int, only func(locks.Lock) bool) ([]locks.Lock, error)
	Locks() ([]locks.Lock, error)
	Enqueue(f store.Fence, k locks.Key, w locks.Waiter) (int, error)
	Dequeue(f store.Fence, k locks.Key, pr int) error
	Queues() ([]locks.Queue, error)

	SavePlan(f store.Fence, group string, p store.Plan) error
	Plans(group string) ([]store.Plan, error)
	PlanFile(group, name string) ([]byte, error)
	DropPlans(f store.Fence, group string, names []string) error

	AppendLog(id string, chunk []byte, now time.Time) error
	Log(id string) ([]byte, bool, error)

	AppendAudit(now time.Time, entry []byte) error
	Audit(since time.Time) ([][]byte, error)
	PruneAudit(before time.Time) (int, error)
}

// Bot runs commands. Its zero value is not usable; fill every field but
// Policy, which may be nil, and those that have defaults.
type Bot struct {
	// GitHub returns the API client for a webhook's installation.
	GitHub      func(installation int64) GitHub
	Store       Store
	Runner      *runner.Runner
	Tools       runner.Tools
	DataDir     string
	Parallelism int
	// Timeout bounds one command, from checkout to its reply.
	Timeout time.Duration
	// AllowForks lets pull requests from forks be planned and applied: their
	// code would run with the bot's credentials, so it is off by default.
	AllowForks bool
	// Host is the GitHub host ("github.com"), which policy globs start with.
	Host   string
	Policy *policy.Policy
	// Policies are the server's policy sets, which rules name; nil for none.
	// PolicyTimeout bounds one set's evaluation of one plan
	// (DefaultPolicyTimeout).
	Policies      *planpolicy.Policies
	PolicyTimeout time.Duration
	// PolicyMaxPlanJSON bounds the bytes of a plan's JSON read for its policy checks
	// (runner.DefaultShowJSONLimit when 0); a larger plan is a policy error.
	PolicyMaxPlanJSON int64
	// Repositories lists the repositories the bot can see, and Allowed
	// says whether it serves one ("host/owner/name"): drift checks find
	// what to check through them. DriftParallelism is how many
	// repositories are checked at once (DefaultDriftParallelism).
	Repositories     func(ctx context.Context) ([]githubapi.Repository, error)
	Allowed          func(repo string) bool
	DriftParallelism int
	// CheckRuns reports commands as check runs rather than commit
	// statuses: GitHub lets only a GitHub App write them.
	CheckRuns bool
	// WebURL is the operator page's address (no trailing slash), where an
	// apply reply points for output it cut; "" when the page is off.
	WebURL string
	// TagKey signs and verifies deploy tags.
	TagKey []byte
	// Secrets are values no reply may show in any encoding: the bot's own
	// credentials and those it gives Terraform.
	Secrets []string
	Log     *slog.Logger

	// Owner names this replica in the leases it holds.
	Owner string
	// Workers is how many commands this replica runs at once (DefaultWorkers).
	Workers int
	// Lease is how long a command stays with a replica that stops renewing
	// it, killed or cut off, before another takes it over (DefaultLease).
	Lease time.Duration
	// Poll is how often idle workers look for commands other replicas
	// accepted (DefaultPoll).
	Poll time.Duration
	// StoreOutage is how long a command waits for an unreachable store
	// before it answers or ends anyway (DefaultStoreOutage).
	StoreOutage time.Duration
	// AuditRetention is how long audit entries are kept (0: for ever).
	AuditRetention time.Duration
	// Observe is told what the bot does, for metrics; nil for nothing.
	Observe Observer

	mu       sync.Mutex
	shutdown bool
	stopping chan struct{}        // closed by Shutdown
	wake     chan struct{}        // an idle worker takes one and claims
	workers  sync.WaitGroup       // the workers and their poller
	mirrors  sync.Mutex           // one deploy-tag mirror sync at a time
	synced   map[string]time.Time // by mirror: when it was last fetched; under mirrors
}

// pull is one pull request a command works on.
type pull struct {
	repo         string // owner/name
	number       int
	url          string
	cloneURL     string
	installation int64
	gh           GitHub
	job          *job
}

func (p pull) String() string { return p.repo + "#" + strconv.Itoa(p.number) }

// fence is the lease the command working on the pull request holds; none
// for what the operator or reconciliation does outside a command.
func (p pull) fence() store.Fence { return p.job.fence() }

func (p pull) owner() string {
	owner, _, _ := strings.Cut(p.repo, "/")
	return owner
}

// dir is where the bot keeps a pull request's working copy and plans.
func (b *Bot) dir(p pull, parts ...string) string {
	return filepath.Join(append([]string{b.DataDir, "work", filepath.FromSlash(p.repo), strconv.Itoa(p.number)}, parts...)...)
}

func (b *Bot) rule(p pull) policy.Rule {
	return b.Policy.For(b.Host + "/" + p.repo)
}

func (b *Bot) context() (context.Context, context.CancelFunc) {
	if b.Timeout > 0 {
		return context.WithTimeout(context.Background(), b.Timeout)
	}
	return context.WithCancel(context.Background())
}

// replyTimeout bounds one reply or status. Replies do not share the
// command's context: a command that ran out of time still says so.
const replyTimeout = time.Minute

func replyContext() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), replyTimeout)
}

// mask hides the bot's secrets and anything shaped like a credential.
func (b *Bot) mask(s string, more ...string) string {
	return render.Mask(s, append(slices.Clone(b.Secrets), more...)...)
}

// git says how to fetch the pull request's repository.
func (b *Bot) git(ctx context.Context, p pull) (workdir.Git, error) {
	token, err := p.gh.Token(ctx)
	if err != nil {
		return workdir.Git{}, err
	}
	return b.gitWith(p, token), nil
}

// gitWith is how to fetch the pull request's repository with token: through
// the repository's mirror beside its pull requests' working copies, which
// they all borrow objects from.
func (b *Bot) gitWith(p pull, token string) workdir.Git {
	mirror := filepath.Join(b.DataDir, "work", filepath.FromSlash(p.repo), "mirror.git")
	return workdir.Git{CloneURL: p.cloneURL, Token: token, Mirror: mirror}
}

func (b *Bot) react(ctx context.Context, log *slog.Logger, p pull, commentID int64, reaction string) {
	if err := p.gh.React(ctx, p.repo, commentID, reaction); err != nil {
		log.Warn("reaction failed", "err", b.mask(err.Error()))
	}
}

func (b *Bot) comment(log *slog.Logger, p pull, body string) {
	if !b.holding(log, p.job) {
		return
	}
	body = b.mask(body)
	if j := p.job; j != nil {
		j.mu.Lock()
		j.said.WriteString(body + "\n\n")
		if first := firstLine(body); j.refusal == "" && strings.Contains(first, "refused") {
			j.refusal = first
		}
		j.mu.Unlock()
		b.progress(log, j, "replied on the pull request:\n"+body)
	}
	ctx, cancel := replyContext()
	defer cancel()
	if err := p.gh.Comment(ctx, p.repo, p.number, body); err != nil {
		log.Error("comment failed", "err", b.mask(err.Error()))
	}
}

// status sets a commit status, or as a GitHub App a check run (checks.go).
// One set pending is recorded with the job first, so that a restart can
// end it.
func (b *Bot) status(log *slog.Logger, p pull, sha, statusContext, state, description string) {
	b.statusWith(log, p, sha, statusContext, state, description, nil)
}

// statusWith is status with what a check run shows beyond it.
func (b *Bot) statusWith(log *slog.Logger, p pull, sha, statusContext, state, description string, rep *checkReport) {
	j := p.job
	if !b.holding(log, j) {
		return
	}
	if j != nil && state == "pending" {
		b.update(log, j, func() { j.Pending = append(j.Pending, statusRef{SHA: sha, Context: statusContext}) })
	}
	ctx, cancel := replyContext()
	defer cancel()
	var err error
	if b.CheckRuns {
		err = b.checkRun(ctx, log, p, sha, statusContext, state, description, rep)
	} else {
		err = p.gh.Status(ctx, p.repo, sha, statusContext, state, description, p.url)
	}
	if err != nil {
		log.Warn("commit status failed", "context", statusContext, "err", b.mask(err.Error()))
		return
	}
	if j != nil && state != "pending" {
		b.update(log, j, func() {
			j.Pending = slices.DeleteFunc(j.Pending, func(s statusRef) bool { return s.SHA == sha && s.Context == statusContext })
		})
	}
}

// openPull reads the pull request a command is for, and refuses, replying
// after prefix, when it is closed or a fork the bot may not run.
func (b *Bot) openPull(ctx context.Context, log *slog.Logger, p pull, prefix string) (githubapi.PullRequest, bool) {
	pr, err := p.gh.PullRequest(ctx, p.repo, p.number)
	switch {
	case err != nil:
		b.comment(log, p, prefix+err.Error())
	case !pr.Open:
		b.comment(log, p, prefix+"refused: the pull request is closed.")
	case pr.Fork && !b.AllowForks:
		b.comment(log, p, forkRefusal)
	default:
		return pr, true
	}
	return pr, false
}

const forkRefusal = "**paved:** this pull request comes from a fork; it is not planned or applied, " +
	"because its code would run with this bot's credentials. The bot's operator can allow forks with `--allow-fork-prs`."

// canWrite asks GitHub whether user may push to the repository: what
// changing infrastructure, or what others will apply, takes.
func (b *Bot) canWrite(ctx context.Context, p pull, user string) (bool, string, error) {
	perm, err := p.gh.Permission(ctx, p.repo, user)
	if err != nil {
		return false, "", err
	}
	return perm == "admin" || perm == "write", perm, nil
}

// closed releases what the pull request held.
func (b *Bot) closed(log *slog.Logger, p pull, merged bool) {
	released, err := b.Store.Unlock(p.fence(), p.repo, p.number, nil)
	if err != nil {
		log.Error("releasing locks failed", "err", err)
		b.comment(log, p, "**paved:** could not release this pull request's locks: "+err.Error())
		return
	}
	if err := b.Store.DropPlans(p.fence(), p.String(), nil); err != nil {
		log.Warn("dropping the plans failed", "err", err)
	}
	if err := os.RemoveAll(b.dir(p)); err != nil {
		log.Warn("removing working copy failed", "err", err)
	}
	b.leaveQueues(log, p, nil)
	if len(released) == 0 {
		return
	}
	how := "closed"
	if merged {
		how = "merged"
	}
	log.Info("locks released", "count", len(released), "how", how)
	b.comment(log, p, fmt.Sprintf("**paved:** pull request %s; released the locks on %s.", how, describeLocks(released)))
	b.handOver(log, p, released)
}

// unlock answers `paved unlock`: it releases the locks the comment names
// (all of the pull request's without -p, -d or -w) and drops their plans.
func (b *Bot) unlock(ctx context.Context, log *slog.Logger, p pull, j *job) {
	reply := func(msg string) { b.comment(log, p, "**paved unlock:** "+msg) }
	// Unlocking drops plans others may be about to apply.
	ok, perm, err := b.canWrite(ctx, p, j.User)
	switch {
	case err != nil:
		reply(err.Error())
		return
	case !ok:
		reply(fmt.Sprintf("refused: %s has %s access to %s; unlocking needs write access.", login(j.User), perm, p.repo))
		return
	}
	cmd := j.Command
	named := func(project string, k locks.Key) bool {
		return (cmd.Project == "" || project == cmd.Project) && (cmd.Dir == "" || k.Dir == cmd.Dir) &&
			(cmd.Workspace == "" || k.Workspace == cmd.Workspace)
	}
	released, err := b.Store.Unlock(p.fence(), p.repo, p.number, func(l locks.Lock) bool { return named(l.Project, l.Key) })
	if err != nil {
		reply(err.Error())
		return
	}
	left := b.leaveQueues(log, p, func(w locks.Waiter, k locks.Key) bool { return named(w.Project, k) })
	var said []string
	if len(released) > 0 {
		for _, l := range released {
			if err := b.dropPlan(p, l.Project, l.Key.Workspace); err != nil {
				log.Error("dropping a plan failed", "project", l.Project, "err", err)
			}
		}
		said = append(said, "released "+describeLocks(released)+". Their plans are discarded; run `paved plan` again to apply.")
	}
	if len(left) > 0 {
		said = append(said, "Left the lock queue of `"+strings.Join(left, "`, `")+"`.")
	}
	if len(said) == 0 {
		reply("this pull request holds no locks and waits for none" + selection(cmd) + ".")
		return
	}
	reply(strings.Join(said, " "))
	b.handOver(log, p, released)
}

func describeLocks(ls []locks.Lock) string {
	var parts []string
	for _, l := range ls {
		parts = append(parts, fmt.Sprintf("`%s` (dir `%s`, workspace `%s`)", l.Project, l.Key.Dir, l.Key.Workspace))
	}
	return strings.Join(parts, ", ")
}
