package workflow

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/go-github/v60/github"

	"github.com/paved-road/paved/bot/audit"
	"github.com/paved-road/paved/bot/command"
	"github.com/paved-road/paved/bot/githubapi"
	"github.com/paved-road/paved/bot/render"
	"github.com/paved-road/paved/bot/store"
	"github.com/paved-road/paved/bot/webhook"
)

// An accepted command is written to the store before the webhook is
// answered, into the shared queue every replica takes commands from. The
// commands of one pull request form a group: one runs at a time, in the
// order accepted, whichever replica runs it. A replica holds a lease on the
// command it runs and renews it; every write it makes for the command
// carries the lease's fencing token, and it posts nothing once the lease is
// lost. When a replica dies its leases lapse and another takes the
// commands over: what was waiting runs, an interrupted plan is planned
// again, an interrupted apply is reported and never run again.

// kind is what a job does.
type kind string

const (
	kindAutoplan kind = "autoplan" // new commits on a pull request
	kindComment  kind = "comment"  // a `paved …` comment
	kindClosed   kind = "closed"   // the pull request was merged or closed
	kindQueued   kind = "queued"   // a plan queued for a lock that is now free
	kindDrift    kind = "drift"    // a drift check of a repository's default branch (drift.go)
)

// job is one accepted command, as the store keeps it.
type job struct {
	id    string
	token int64 // the fencing token of this replica's lease on it
	// lost is set once another replica holds the lease: this one then
	// stops the command and says nothing more for it.
	lost   atomic.Bool
	cancel context.CancelFunc
	// said is what the bot posted for it; refusal the first line of a
	// refusal it posted; audits its entries of the audit log.
	said    strings.Builder
	refusal string
	audits  []audit.Entry
	// log gathers what goes into its log in the store.
	log jobLog
	// mu guards the progress fields, which a command's goroutines change
	// (statuses, projects applying in parallel) while others save them.
	mu           sync.Mutex
	Kind         kind             `json:"kind"`
	Repo         string           `json:"repo"` // owner/name
	CloneURL     string           `json:"clone_url"`
	PR           int              `json:"pr"`
	URL          string           `json:"url"`
	Installation int64            `json:"installation"`
	User         string           `json:"user"` // who commented or pushed
	CommentID    int64            `json:"comment_id,omitempty"`
	CommentedAt  time.Time        `json:"commented_at,omitzero"` // when GitHub says the comment was written
	Command      *command.Command `json:"command,omitempty"`
	UsageError   string           `json:"usage_error,omitempty"`   // the reply to a comment paved cannot act on
	Head         string           `json:"head,omitempty"`          // autoplan: the commit pushed
	Trunk        string           `json:"trunk,omitempty"`         // autoplan: the repository's default branch
	Merged       bool             `json:"merged,omitempty"`        // closed: merged rather than closed
	OnMerge      bool             `json:"on_merge,omitempty"`      // closed: merging applies the saved plans (the rule's apply: on_merge)
	Fork         bool             `json:"fork,omitempty"`          // autoplan: the head lives in a fork
	Projects     []string         `json:"projects,omitempty"`      // queued: the projects whose locks it got
	QueuedBehind int              `json:"queued_behind,omitempty"` // queued: the pull request that released them
	Busy         string           `json:"busy,omitempty"`          // an apply refused at once: the apply that holds the pull request
	Group        string           `json:"group,omitempty"`         // drift: the group it runs in, instead of a pull request's
	Accepted     time.Time        `json:"accepted"`

	// Progress.
	Started bool        `json:"started,omitempty"`
	Retried bool        `json:"retried,omitempty"` // planned again after the bot restarted
	Pending []statusRef `json:"pending,omitempty"` // statuses sent as pending and not ended yet
	// Final is the status a plan ends with, kept from before its reply is
	// posted, so that a restart between reply and status only ends the status.
	Final   *statusRef      `json:"final,omitempty"`
	Replied bool            `json:"replied,omitempty"`
	Applies []applyProgress `json:"applies,omitempty"`
	// Checks are the check runs it created, by context@sha (checks.go).
	Checks map[string]int64 `json:"checks,omitempty"`
}

// statusRef is a commit status the bot set.
type statusRef struct {
	SHA         string `json:"sha"`
	Context     string `json:"context"`
	State       string `json:"state,omitempty"`
	Description string `json:"description,omitempty"`
}

// The steps of one project's apply, in order.
const (
	applyWaiting = "waiting"
	applyRunning = "applying"
	applyApplied = "applied" // Terraform finished; the tag may still be missing
	applyTagged  = "tagged"
	applyFailed  = "failed"
	applyRefused = "refused"
)

// applyProgress is one project of an apply: what the tag needs, and how far it got.
type applyProgress struct {
	Plan      savedPlan `json:"plan"`
	Step      string    `json:"step"`
	Tag       string    `json:"tag,omitempty"`
	Author    string    `json:"author,omitempty"`
	Approvers []string  `json:"approvers,omitempty"`
	AppliedBy string    `json:"applied_by,omitempty"`
	// For deploy stats: when the pull request was opened, how long the
	// apply ran.
	PROpened time.Time     `json:"pr_opened,omitzero"`
	Took     time.Duration `json:"took,omitempty"`
}

func (j *job) isApply() bool {
	return (j.Kind == kindComment && j.Command != nil && j.Command.Name == command.Apply) || (j.Kind == kindClosed && j.OnMerge)
}

func (j *job) isPlan() bool {
	return j.Kind == kindAutoplan || j.Kind == kindQueued || (j.Kind == kindComment && j.Command != nil && j.Command.Name == command.Plan)
}

// group is the pull request's key, by which its commands run in order and
// its plans are kept.
func (j *job) group() string {
	if j.Group != "" {
		return j.Group
	}
	return j.Repo + "#" + strconv.Itoa(j.PR)
}

// fence names this replica's lease on the job; a nil job has none.
func (j *job) fence() store.Fence {
	if j == nil {
		return store.Fence{}
	}
	return store.Fence{ID: j.id, Token: j.token}
}

// Accept turns a verified delivery into a job and records it, with the
// keys that identify the delivery, at the end of its pull request's queue.
func (b *Bot) Accept(d webhook.Delivery) (note string, err error) {
	j, note := b.jobFor(d.Payload)
	keys := []string{"body:" + d.BodySHA256}
	if d.ID != "" {
		keys = append(keys, "delivery:"+d.ID)
	}
	if j != nil && j.CommentID != 0 {
		// A comment acts once, however its delivery is repeated.
		keys = append(keys, "comment:"+j.Repo+":"+strconv.FormatInt(j.CommentID, 10))
	}
	first, err := b.record(j, keys)
	switch {
	case err != nil:
		return "", err
	case !first:
		b.Log.Info("repeated delivery ignored", "delivery", d.ID, "event", d.Event, "repo", d.Repo)
		return "duplicate delivery: ignored", nil
	case j == nil:
		return note, nil
	}
	return "accepted", nil
}

// record writes j, or for a nil j only keys, to the store and wakes a
// worker; first is false when one of keys was recorded before, and then
// nothing is. An apply that comes while another apply of the pull request
// runs or waits is refused at once rather than queued behind it, where it
// would only find the plans gone.
func (b *Bot) record(j *job, keys []string) (first bool, err error) {
	var record []byte
	group := ""
	if j != nil {
		j.Accepted = time.Now().UTC()
		group = j.group()
		if j.isApply() {
			if j.Busy = b.busyWith(j); j.Busy != "" {
				group = ""
			}
		}
		if record, err = json.Marshal(j); err != nil {
			return false, fmt.Errorf("encode command: %w", err)
		}
	}
	id, first, err := b.Store.Accept(keys, time.Now(), group, record)
	if err != nil || !first || j == nil {
		return first, err
	}
	j.id = id
	b.Log.Info("command recorded", "job", id, "pr", j.group(), "kind", string(j.Kind))
	b.signal()
	return true, nil
}

// busyWith describes the apply of j's pull request that runs or waits and
// has not answered yet, or "".
func (b *Bot) busyWith(j *job) string {
	cmds, err := b.Store.Group(j.group())
	if err != nil {
		return "" // queued, it is answered in its turn
	}
	for _, c := range cmds {
		other := &job{}
		// An apply that has replied is as good as done: the next one waits
		// the moment it takes to finish, and finds what it left.
		if json.Unmarshal(c.Record, other) == nil && other.isApply() && !other.Replied {
			return fmt.Sprintf("an apply by %s accepted at %s is running or about to", login(other.User), other.Accepted.Format(time.RFC3339))
		}
	}
	return ""
}

// jobFor is the job an event asks for, or nil with the reason there is none.
func (b *Bot) jobFor(payload any) (*job, string) {
	switch e := payload.(type) {
	case *github.PullRequestEvent:
		pr := e.GetPullRequest()
		j := &job{
			Repo: e.GetRepo().GetFullName(), CloneURL: e.GetRepo().GetCloneURL(), PR: e.GetNumber(),
			URL: pr.GetHTMLURL(), Installation: e.GetInstallation().GetID(), User: e.GetSender().GetLogin(),
		}
		switch e.GetAction() {
		case "opened", "reopened", "synchronize", "ready_for_review":
			if pr.GetDraft() {
				return nil, "ignored: draft pull request"
			}
			j.Fork = githubapi.IsFork(pr) && !b.AllowForks
			if j.Fork && e.GetAction() == "synchronize" {
				return nil, "ignored: pull request from a fork"
			}
			j.Kind, j.Head, j.Trunk = kindAutoplan, pr.GetHead().GetSHA(), e.GetRepo().GetDefaultBranch()
		case "closed":
			j.Kind, j.Merged = kindClosed, pr.GetMerged()
		default:
			return nil, "ignored: action " + e.GetAction()
		}
		return j, ""
	case *github.IssueCommentEvent:
		// Never answer bots, including ourselves.
		if e.GetAction() != "created" || !e.GetIssue().IsPullRequest() || e.GetComment().GetUser().GetType() == "Bot" {
			return nil, "ignored: not a new comment on a pull request"
		}
		cmd, err := command.Parse(e.GetComment().GetBody())
		if cmd == nil && err == nil {
			return nil, "ignored: not a paved command"
		}
		j := &job{
			Kind: kindComment, Repo: e.GetRepo().GetFullName(), CloneURL: e.GetRepo().GetCloneURL(),
			PR: e.GetIssue().GetNumber(), URL: e.GetIssue().GetHTMLURL(), Installation: e.GetInstallation().GetID(),
			User: e.GetComment().GetUser().GetLogin(), CommentID: e.GetComment().GetID(), Command: cmd,
			CommentedAt: e.GetComment().GetCreatedAt().UTC(),
		}
		if err != nil {
			j.UsageError = err.Error()
		}
		return j, ""
	case *github.CheckRunEvent:
		return checkRerun(e)
	}
	return nil, "ignored: event"
}

// Defaults of the fields that tune the workers.
const (
	DefaultWorkers     = 8
	DefaultLease       = 30 * time.Second
	DefaultPoll        = time.Second
	DefaultStoreOutage = 2 * time.Minute
	claimBackoff       = time.Second
)

// Start starts the workers that take commands from the store's queue:
// those other replicas or an earlier run of this one accepted, as well as
// this one's. It returns at once; Shutdown stops them.
func (b *Bot) Start() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.wake = make(chan struct{}, 1)
	b.stopping = make(chan struct{})
	for range cmp.Or(b.Workers, DefaultWorkers) {
		b.workers.Go(b.work)
	}
	// Commands accepted elsewhere are found by polling; those accepted
	// here, or next in line after one that ended here, wake a worker at once.
	b.workers.Go(func() {
		tick := time.NewTicker(cmp.Or(b.Poll, DefaultPoll))
		defer tick.Stop()
		for {
			select {
			case <-b.stopping:
				return
			case <-tick.C:
				b.signal()
			}
		}
	})
}

// signal wakes one idle worker, if one waits.
func (b *Bot) signal() {
	select {
	case b.wake <- struct{}{}:
	default:
	}
}

func (b *Bot) lease() time.Duration { return cmp.Or(b.Lease, DefaultLease) }

// work claims commands and runs them, one at a time, until Shutdown.
func (b *Bot) work() {
	for {
		select {
		case <-b.stopping:
			return
		default:
		}
		c, ok, err := b.Store.Claim(b.Owner, time.Now(), b.lease())
		switch {
		case err != nil:
			b.Log.Error("taking a command from the store failed", "err", err)
			select {
			case <-b.stopping:
				return
			case <-time.After(claimBackoff):
			}
		case !ok:
			select {
			case <-b.stopping:
				return
			case <-b.wake:
			}
		default:
			// There may be more: let another idle worker look.
			b.signal()
			b.run(c)
			b.signal()
		}
	}
}

// Shutdown stops taking commands and waits for those that run to finish;
// those that wait stay in the store for this bot's next start or another
// replica.
func (b *Bot) Shutdown() {
	b.mu.Lock()
	if b.shutdown {
		b.mu.Unlock()
		return
	}
	b.shutdown = true
	close(b.stopping)
	b.mu.Unlock()
	b.Log.Info("shutting down: finishing the commands that run; those that wait stay queued in the store")
	b.workers.Wait()
}

// run runs a claimed command under its lease. A command some replica had
// started is one it was interrupted in: see resume.
func (b *Bot) run(c store.Command) {
	j := &job{}
	if err := json.Unmarshal(c.Record, j); err != nil {
		b.Log.Error("unreadable command record dropped", "job", c.ID, "err", err)
		_ = b.Store.FinishCommand(c.Fence())
		return
	}
	j.id, j.token = c.ID, c.Token
	ctx, cancel := b.context()
	defer cancel()
	j.cancel = cancel
	log := b.Log.With("pr", j.group(), "user", j.User, "job", j.id, "kind", string(j.Kind))
	if j.Command != nil {
		log = log.With("command", string(j.Command.Name))
	}
	defer b.keepLease(log, j)()
	log.Info("command started")
	b.progress(log, j, "started on replica "+b.Owner)
	// Also when the command is interrupted or taken over, so that no line waits past it.
	defer b.flushLog(log, j)
	started := time.Now()
	defer log.Info("command finished")
	if j.Started {
		apply := j.isApply()
		if !b.resume(log, j) {
			b.ended(log, j, j.outcome(apply), time.Since(started))
			b.finish(log, j)
			return
		}
	}
	b.update(log, j, func() { j.Started = true })
	if j.lost.Load() {
		return
	}
	b.handler(j)(ctx, log, b.pullOf(j))
	b.ended(log, j, j.outcome(false), time.Since(started))
	b.finish(log, j)
}

// progress adds a line to the job's log in the store, which the operator
// page streams while the job runs; the bot's replies go there too.
func (b *Bot) progress(log *slog.Logger, j *job, line string) {
	if j == nil {
		return
	}
	b.addLog(log, j, time.Now().UTC().Format("15:04:05")+" "+b.mask(line)+"\n")
}

// jobLog is what a job adds to its log in the store (its progress lines and the output of every
// project it runs) while it waits to be written. A log is one value in the store, rewritten whole
// at each write, so the writes are batched per job, at most liveLogEvery apart, rather than per
// project: at 200 projects that is a few writes a second instead of several per project. The
// zero value is ready.
type jobLog struct {
	mu      sync.Mutex
	waiting strings.Builder
	written time.Time
	timer   *time.Timer // a write to come, when text waits
}

// liveLogEvery is how often a job's log is written while it runs; the operator page shows no
// later than that.
const liveLogEvery = 300 * time.Millisecond

// addLog adds text to j's log: now when the last write is liveLogEvery old, else with the write
// that follows then.
func (b *Bot) addLog(log *slog.Logger, j *job, text string) {
	l := &j.log
	l.mu.Lock()
	defer l.mu.Unlock()
	l.waiting.WriteString(text)
	switch wait := liveLogEvery - time.Since(l.written); {
	case wait <= 0:
		b.writeLog(log, j)
	case l.timer == nil:
		l.timer = time.AfterFunc(wait, func() {
			l.mu.Lock()
			defer l.mu.Unlock()
			l.timer = nil
			b.writeLog(log, j)
		})
	}
}

// flushLog writes what waits of j's log now, so that the log is whole once the job is done.
func (b *Bot) flushLog(log *slog.Logger, j *job) {
	l := &j.log
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.timer != nil {
		l.timer.Stop()
		l.timer = nil
	}
	b.writeLog(log, j)
}

// writeLog writes what waits of j's log; j.log.mu is held.
func (b *Bot) writeLog(log *slog.Logger, j *job) {
	l := &j.log
	l.written = time.Now()
	if l.waiting.Len() == 0 {
		return
	}
	text := l.waiting.String()
	l.waiting.Reset()
	if err := b.Store.AppendLog(j.id, []byte(text), l.written); err != nil {
		log.Warn("adding to the command's log failed", "err", err)
	}
}

// keepLease renews j's lease until the returned stop is called, and stops
// the command when another replica has taken it over.
func (b *Bot) keepLease(log *slog.Logger, j *job) (stop func()) {
	done := make(chan struct{})
	var renewing sync.WaitGroup
	renewing.Go(func() {
		tick := time.NewTicker(b.lease() / 3)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
			}
			err := b.Store.Renew(j.fence(), time.Now(), b.lease())
			switch {
			case errors.Is(err, store.ErrLeaseLost):
				b.lose(log, j)
				return
			case err != nil:
				log.Warn("renewing the command's lease failed; retrying", "err", err)
			}
		}
	})
	return func() {
		close(done)
		renewing.Wait()
	}
}

// lose stops a command whose lease another replica now holds.
func (b *Bot) lose(log *slog.Logger, j *job) {
	if j.lost.CompareAndSwap(false, true) {
		log.Warn("another replica took this command over; stopping it here")
		j.cancel()
	}
}

// holding reports whether this replica still holds j's lease, renewing it,
// before it speaks for j on GitHub: a replica that lost a command says
// nothing more for it, so each command gets one answer. While the store
// is unreachable it waits, up to StoreOutage, then answers anyway.
func (b *Bot) holding(log *slog.Logger, j *job) bool {
	if j == nil {
		return true
	}
	if j.lost.Load() {
		return false
	}
	err := b.retryStore(log, func() error { return b.Store.Renew(j.fence(), time.Now(), b.lease()) })
	switch {
	case errors.Is(err, store.ErrLeaseLost):
		b.lose(log, j)
		return false
	case err != nil:
		log.Error("the store stayed unreachable; answering without knowing whether another replica took the command over", "err", err)
	}
	return true
}

// retryStore runs call until it succeeds or fails for a reason other than
// an unreachable store, or StoreOutage has passed.
func (b *Bot) retryStore(log *slog.Logger, call func() error) error {
	deadline := time.Now().Add(cmp.Or(b.StoreOutage, DefaultStoreOutage))
	wait := 250 * time.Millisecond
	for {
		err := call()
		if err == nil || !store.Unavailable(err) || time.Now().After(deadline) {
			return err
		}
		log.Warn("the store is unreachable; retrying", "in", wait, "err", err)
		time.Sleep(wait)
		wait = min(2*wait, 5*time.Second)
	}
}

// finish forgets a command that has ended; its log stays.
func (b *Bot) finish(log *slog.Logger, j *job) {
	b.flushLog(log, j)
	err := b.retryStore(log, func() error { return b.Store.FinishCommand(j.fence()) })
	switch {
	case errors.Is(err, store.ErrLeaseLost):
		log.Warn("another replica took this command over before it was finished here")
	case err != nil:
		log.Error("forgetting a finished command failed", "err", err)
	}
}

// handler is what runs a job.
func (b *Bot) handler(j *job) func(context.Context, *slog.Logger, pull) {
	return func(ctx context.Context, log *slog.Logger, p pull) {
		switch {
		case j.Kind == kindAutoplan:
			b.autoplan(ctx, log, p, j)
		case j.Kind == kindClosed:
			if j.Merged && b.rule(p).ApplyOnMerge {
				// Recorded first: interrupted, it is reported, never run again.
				b.update(log, j, func() { j.OnMerge = true })
				b.apply(ctx, log, p, j, true)
			}
			b.closed(log, p, j.Merged)
		case j.Kind == kindQueued:
			b.queuedPlan(ctx, log, p, j)
		case j.Kind == kindDrift:
			b.drift(ctx, log, p, j)
		case j.UsageError != "":
			b.react(ctx, log, p, j.CommentID, "confused")
			b.comment(log, p, "**paved:** "+j.UsageError)
		case j.Busy != "":
			b.comment(log, p, "**paved apply:** refused: this pull request is busy: "+j.Busy+". Wait for it to finish.")
		default:
			if j.CommentID != 0 {
				b.react(ctx, log, p, j.CommentID, "eyes")
			}
			b.runCommand(ctx, log, p, j)
		}
	}
}

func (b *Bot) runCommand(ctx context.Context, log *slog.Logger, p pull, j *job) {
	switch j.Command.Name {
	case command.Help:
		b.comment(log, p, command.Usage+"\n"+b.describeQueues(p.repo))
	case command.Unlock:
		b.unlock(ctx, log, p, j)
	case command.History:
		b.history(ctx, log, p, j.Command)
	case command.Plan:
		b.plan(ctx, log, p, j)
	case command.Apply:
		b.apply(ctx, log, p, j, false)
	case command.ApprovePolicies:
		b.approvePolicies(ctx, log, p, j)
	}
}

// update changes the job's progress and writes it to the store. A failed
// write is logged: the command goes on, and at worst it is reported as
// interrupted if it has to be taken over.
func (b *Bot) update(log *slog.Logger, j *job, change func()) {
	j.mu.Lock()
	defer j.mu.Unlock()
	change()
	record, err := json.Marshal(j)
	if err == nil {
		err = b.Store.SaveCommand(j.fence(), record)
	}
	switch {
	case errors.Is(err, store.ErrLeaseLost):
		b.lose(log, j)
	case err != nil:
		log.Error("saving command progress failed", "err", err)
	}
}

func (b *Bot) pullOf(j *job) pull {
	return pull{repo: j.Repo, number: j.PR, url: j.URL, cloneURL: j.CloneURL, installation: j.Installation, gh: b.GitHub(j.Installation), job: j}
}

// resume deals with a command that a replica, this one before a restart
// or another, started and never finished, and reports whether it is to
// run again: a plan is planned again (saying so in its reply), an apply
// is reported and never run again, and a command whose reply is out only
// has its commit statuses ended.
func (b *Bot) resume(log *slog.Logger, j *job) bool {
	p := b.pullOf(j)
	switch {
	case j.Final != nil && b.replied(log, j):
		b.endPending(log, p, j, j.Final)
		return false
	case j.isApply():
		log.Warn("reporting an apply that was interrupted")
		b.reportInterruptedApply(log, p, j)
		return false
	}
	log.Warn("running again a command that was interrupted")
	b.endPending(log, p, j, &statusRef{State: "error", Description: "interrupted: the paved-bot running it stopped; running again"})
	b.update(log, j, func() { j.Started, j.Final, j.Replied, j.Applies, j.Retried = false, nil, false, nil, j.isPlan() })
	return true
}

// marker is an HTML comment, invisible on GitHub, naming the job a reply
// belongs to.
func (j *job) marker() string {
	return "<!-- paved-bot reply to job " + j.id + " -->"
}

// replied reports whether the job's reply was posted: the job says so, or
// the pull request has a comment with its marker.
func (b *Bot) replied(log *slog.Logger, j *job) bool {
	if j.Replied {
		return true
	}
	ctx, cancel := replyContext()
	defer cancel()
	bodies, err := b.GitHub(j.Installation).Comments(ctx, j.Repo, j.PR)
	if err != nil {
		log.Warn("cannot tell whether a reply was posted before the command was interrupted", "err", err)
		return false
	}
	return slices.ContainsFunc(bodies, func(body string) bool { return strings.Contains(body, j.marker()) })
}

// endPending sets every status the job left pending to end's state.
func (b *Bot) endPending(log *slog.Logger, p pull, j *job, end *statusRef) {
	// A copy: each status that ends is taken out of j.Pending.
	j.mu.Lock()
	pending := slices.Clone(j.Pending)
	j.mu.Unlock()
	for _, s := range pending {
		b.status(log, p, s.SHA, s.Context, end.State, end.Description)
	}
}

// login shows a GitHub login in a reply without mentioning, and so
// notifying, its owner.
func login(name string) string {
	return "`" + strings.ReplaceAll(name, "`", "") + "`"
}

// liveLog is an io.Writer that adds terraform's output to its job's log as it runs, a line at a
// time, each behind the project's name, masked in batches at most liveLogEvery apart, so that a
// chatty apply does not cost a mask per line and a quiet one still shows its last line.
type liveLog struct {
	b      *Bot
	log    *slog.Logger
	j      *job
	prefix string
	mask   render.Stream

	mu      sync.Mutex
	partial []byte
	lines   strings.Builder
	flushed time.Time
	timer   *time.Timer // a flush to come, when lines wait
}

func (b *Bot) liveLog(log *slog.Logger, j *job, project, token string) *liveLog {
	return &liveLog{b: b, log: log, j: j, prefix: project + ": ", flushed: time.Now(),
		mask: render.Stream{Secrets: append(slices.Clone(b.Secrets), token)}}
}

func (l *liveLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.partial = append(l.partial, p...)
	for {
		i := slices.Index(l.partial, '\n')
		if i < 0 {
			break
		}
		l.lines.WriteString(l.prefix)
		l.lines.Write(l.partial[:i+1])
		l.partial = l.partial[i+1:]
	}
	switch wait := liveLogEvery - time.Since(l.flushed); {
	case wait <= 0:
		l.flush()
	case l.timer == nil && l.lines.Len() > 0:
		l.timer = time.AfterFunc(wait, func() {
			l.mu.Lock()
			defer l.mu.Unlock()
			l.timer = nil
			l.flush()
		})
	}
	return len(p), nil
}

// Close adds what is left.
func (l *liveLog) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.timer != nil {
		l.timer.Stop()
		l.timer = nil
	}
	if len(l.partial) > 0 {
		l.lines.WriteString(l.prefix + string(l.partial) + "\n")
		l.partial = nil
	}
	l.flush()
	return nil
}

// flush hands the waiting lines, masked, to the job's log; l.mu is held.
func (l *liveLog) flush() {
	l.flushed = time.Now()
	if l.lines.Len() == 0 || l.j == nil {
		return
	}
	chunk := l.mask.Mask(l.lines.String())
	l.lines.Reset()
	if chunk != "" {
		l.b.addLog(l.log, l.j, chunk)
	}
}
