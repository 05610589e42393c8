package workflow

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/go-github/v60/github"

	"github.com/paved-road/paved/bot/command"
	"github.com/paved-road/paved/bot/githubapi"
	"github.com/paved-road/paved/bot/webhook"
)

// An accepted command is written to the store before the webhook is
// answered, saved again as it progresses, and removed when it has ended,
// so that after a crash the bot knows what never finished: what was
// waiting runs, an interrupted plan is planned again, an interrupted apply
// is reported and never run again.

// kind is what a job does.
type kind string

const (
	kindAutoplan kind = "autoplan" // new commits on a pull request
	kindComment  kind = "comment"  // a `paved …` comment
	kindClosed   kind = "closed"   // the pull request was merged or closed
	kindQueued   kind = "queued"   // a plan queued for a lock that is now free
)

// job is one accepted command, as the store keeps it.
type job struct {
	id   string
	done chan struct{}
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
	Command      *command.Command `json:"command,omitempty"`
	UsageError   string           `json:"usage_error,omitempty"`   // the reply to a comment paved cannot act on
	Head         string           `json:"head,omitempty"`          // autoplan: the commit pushed
	Trunk        string           `json:"trunk,omitempty"`         // autoplan: the repository's default branch
	Merged       bool             `json:"merged,omitempty"`        // closed: merged rather than closed
	Fork         bool             `json:"fork,omitempty"`          // autoplan: the head lives in a fork
	Projects     []string         `json:"projects,omitempty"`      // queued: the projects whose locks it got
	QueuedBehind int              `json:"queued_behind,omitempty"` // queued: the pull request that released them
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
}

func (j *job) isApply() bool {
	return j.Kind == kindComment && j.Command != nil && j.Command.Name == command.Apply
}

func (j *job) isPlan() bool {
	return j.Kind == kindAutoplan || j.Kind == kindQueued || (j.Kind == kindComment && j.Command != nil && j.Command.Name == command.Plan)
}

// Accept turns a verified delivery into a job, records it with the keys
// that identify the delivery, and queues it behind the pull request's
// earlier jobs. The returned run waits for the job to end.
func (b *Bot) Accept(d webhook.Delivery) (run func(), note string, err error) {
	j, note := b.jobFor(d.Payload)
	keys := []string{"body:" + d.BodySHA256}
	if d.ID != "" {
		keys = append(keys, "delivery:"+d.ID)
	}
	if j != nil && j.CommentID != 0 {
		// A comment acts once, however its delivery is repeated.
		keys = append(keys, "comment:"+j.Repo+":"+strconv.FormatInt(j.CommentID, 10))
	}
	var record []byte
	if j != nil {
		j.Accepted = time.Now().UTC()
		if record, err = json.Marshal(j); err != nil {
			return nil, "", fmt.Errorf("encode command: %w", err)
		}
	}
	id, first, err := b.Store.Accept(keys, time.Now(), record)
	switch {
	case err != nil:
		return nil, "", err
	case !first:
		b.Log.Info("repeated delivery ignored", "delivery", d.ID, "event", d.Event, "repo", d.Repo)
		return nil, "duplicate delivery: ignored", nil
	case j == nil:
		return nil, note, nil
	}
	j.id = id
	b.submit(j)
	return func() {
		// A job the bot stops before starting stays recorded for the next start.
		select {
		case <-j.done:
		case <-b.stopped():
		}
	}, "accepted", nil
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
		}
		if err != nil {
			j.UsageError = err.Error()
		}
		return j, ""
	}
	return nil, "ignored: event"
}

// prQueue holds a pull request's jobs: one runs at a time, in the order
// they were accepted.
type prQueue struct {
	waiting []*job
	running *job
}

// apply is the queue's apply that runs or waits, or nil.
func (q *prQueue) apply() *job {
	if q == nil {
		return nil
	}
	if q.running != nil && q.running.isApply() {
		return q.running
	}
	for _, j := range q.waiting {
		if j.isApply() {
			return j
		}
	}
	return nil
}

// submit queues j behind its pull request's other jobs. An apply that
// comes while another apply of the pull request runs is told so at once:
// queued, it would only find the plans gone.
func (b *Bot) submit(j *job) {
	if j.done == nil {
		j.done = make(chan struct{})
	}
	key := j.Repo + "#" + strconv.Itoa(j.PR)
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.queues == nil {
		b.queues = map[string]*prQueue{}
	}
	if b.shutdown {
		// Shutting down: the job stays recorded and runs at the next start.
		return
	}
	q := b.queues[key]
	if other := q.apply(); other != nil && j.isApply() {
		holder := fmt.Sprintf("an apply by %s accepted at %s is running or about to", login(other.User), other.Accepted.Format(time.RFC3339))
		go b.execute(j, func(ctx context.Context, log *slog.Logger, p pull) {
			b.comment(log, p, "**paved apply:** refused: this pull request is busy: "+holder+". Wait for it to finish.")
		})
		return
	}
	if q == nil {
		q = &prQueue{}
		b.queues[key] = q
		go b.drain(key, q)
	}
	q.waiting = append(q.waiting, j)
}

// drain runs a pull request's jobs until none is left.
func (b *Bot) drain(key string, q *prQueue) {
	for {
		b.mu.Lock()
		if len(q.waiting) == 0 || b.shutdown {
			delete(b.queues, key)
			b.mu.Unlock()
			return
		}
		j := q.waiting[0]
		q.waiting, q.running = q.waiting[1:], j
		b.mu.Unlock()
		b.execute(j, b.handler(j))
		b.mu.Lock()
		q.running = nil
		b.mu.Unlock()
	}
}

// Shutdown stops starting jobs and waits for those that run to finish;
// jobs that wait stay recorded in the store and run at the next start, on
// this bot or, with a shared store, another. A job started after Shutdown
// was called cannot exist: submit and drain check first.
func (b *Bot) Shutdown() {
	stopped := b.stopped()
	b.mu.Lock()
	if !b.shutdown {
		b.shutdown = true
		close(stopped)
	}
	waiting := 0
	for _, q := range b.queues {
		waiting += len(q.waiting)
	}
	b.mu.Unlock()
	b.Log.Info("shutting down: finishing the commands that run; those that wait are kept for the next start", "waiting", waiting)
	b.running.Wait()
}

// stopped is closed once Shutdown was called.
func (b *Bot) stopped() chan struct{} {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.stopping == nil {
		b.stopping = make(chan struct{})
	}
	return b.stopping
}

// handler is what runs a job.
func (b *Bot) handler(j *job) func(context.Context, *slog.Logger, pull) {
	return func(ctx context.Context, log *slog.Logger, p pull) {
		switch {
		case j.Kind == kindAutoplan:
			b.autoplan(ctx, log, p, j)
		case j.Kind == kindClosed:
			b.closed(log, p, j.Merged)
		case j.Kind == kindQueued:
			b.queuedPlan(ctx, log, p, j)
		case j.UsageError != "":
			b.react(ctx, log, p, j.CommentID, "confused")
			b.comment(log, p, "**paved:** "+j.UsageError)
		default:
			b.react(ctx, log, p, j.CommentID, "eyes")
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
		b.apply(ctx, log, p, j)
	}
}

// execute runs one job under the command timeout and forgets it after.
func (b *Bot) execute(j *job, run func(context.Context, *slog.Logger, pull)) {
	b.running.Add(1)
	defer b.running.Done()
	defer close(j.done)
	p := b.pullOf(j)
	log := b.Log.With("pr", p.String(), "user", j.User, "job", j.id, "kind", string(j.Kind))
	if j.Command != nil {
		log = log.With("command", string(j.Command.Name))
	}
	log.Info("command started")
	b.update(log, j, func() { j.Started = true })
	ctx, cancel := b.context()
	run(ctx, log, p)
	cancel()
	if err := b.Store.FinishCommand(j.id); err != nil {
		log.Error("forgetting a finished command failed", "err", err)
	}
	log.Info("command finished")
}

// update changes the job's progress and writes it to the store. A failed
// write is logged: the command goes on, and at worst a restart reports it
// as interrupted.
func (b *Bot) update(log *slog.Logger, j *job, change func()) {
	j.mu.Lock()
	defer j.mu.Unlock()
	change()
	record, err := json.Marshal(j)
	if err == nil {
		err = b.Store.SaveCommand(j.id, record)
	}
	if err != nil {
		log.Error("saving command progress failed", "err", err)
	}
}

func (b *Bot) pullOf(j *job) pull {
	return pull{repo: j.Repo, number: j.PR, url: j.URL, cloneURL: j.CloneURL, installation: j.Installation, gh: b.GitHub(j.Installation), job: j}
}

// Recover deals with the commands a previous run accepted and did not
// finish, oldest first: it runs those that never started, plans again
// those interrupted while planning (saying so in the reply), reports
// interrupted applies without running them again, and ends every commit
// status left pending. Call it once, before serving webhooks.
func (b *Bot) Recover() error {
	cmds, err := b.Store.Commands()
	if err != nil {
		return err
	}
	for _, c := range cmds {
		j := &job{}
		if err := json.Unmarshal(c.Record, j); err != nil {
			b.Log.Error("unreadable command record dropped", "job", c.ID, "err", err)
			_ = b.Store.FinishCommand(c.ID)
			continue
		}
		j.id = c.ID
		log := b.Log.With("pr", j.Repo+"#"+strconv.Itoa(j.PR), "job", j.id, "kind", string(j.Kind))
		switch {
		case !j.Started:
			log.Info("running a command accepted before the restart")
		case j.Final != nil && b.replied(log, j):
			// The reply is out; only the status may be missing.
			b.endPending(log, b.pullOf(j), j, j.Final)
			if err := b.Store.FinishCommand(j.id); err != nil {
				return err
			}
			continue
		case j.isApply():
			log.Warn("reporting an apply interrupted by the restart")
			b.reportInterruptedApply(log, b.pullOf(j), j)
			if err := b.Store.FinishCommand(j.id); err != nil {
				return err
			}
			continue
		default:
			log.Warn("running again a command interrupted by the restart")
			b.endPending(log, b.pullOf(j), j, &statusRef{State: "error", Description: "interrupted: paved-bot restarted; running again"})
			j.Retried = j.isPlan()
		}
		b.update(log, j, func() { j.Started, j.Final, j.Replied, j.Applies = false, nil, false, nil })
		b.submit(j)
	}
	return nil
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
		log.Warn("cannot tell whether a reply was posted before the restart", "err", err)
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
