package workflow

import (
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-github/v60/github"

	"github.com/paved-road/paved/bot/command"
	"github.com/paved-road/paved/bot/render"
	"github.com/paved-road/paved/bot/repocfg"
	"github.com/paved-road/paved/bot/store"
)

func pullEvent(action string, draft bool, headRepo string) *github.PullRequestEvent {
	return &github.PullRequestEvent{
		Action: github.String(action), Number: github.Int(7),
		Repo:   &github.Repository{FullName: github.String("acme/infra"), CloneURL: github.String("https://github.com/acme/infra.git"), DefaultBranch: github.String("main")},
		Sender: &github.User{Login: github.String("alice")},
		PullRequest: &github.PullRequest{
			Draft: github.Bool(draft), Merged: github.Bool(action == "closed"), HTMLURL: github.String("https://github.com/acme/infra/pull/7"),
			Head: &github.PullRequestBranch{SHA: github.String("abc"), Repo: &github.Repository{FullName: github.String(headRepo)}},
			Base: &github.PullRequestBranch{Ref: github.String("main"), Repo: &github.Repository{FullName: github.String("acme/infra")}},
		},
	}
}

func commentEvent(body, userType string) *github.IssueCommentEvent {
	return &github.IssueCommentEvent{
		Action: github.String("created"),
		Repo:   &github.Repository{FullName: github.String("acme/infra")},
		Issue:  &github.Issue{Number: github.Int(7), PullRequestLinks: &github.PullRequestLinks{URL: github.String("u")}},
		Comment: &github.IssueComment{ID: github.Int64(42), Body: github.String(body),
			User: &github.User{Login: github.String("bob"), Type: github.String(userType)}},
	}
}

func TestJobForEvents(t *testing.T) {
	b := &Bot{}
	for name, tc := range map[string]struct {
		payload any
		want    func(*job) bool
		note    string
	}{
		"opened":                    {pullEvent("opened", false, "acme/infra"), func(j *job) bool { return j.Kind == kindAutoplan && j.Head == "abc" && j.Trunk == "main" && !j.Fork }, ""},
		"draft":                     {pullEvent("opened", true, "acme/infra"), nil, "ignored: draft pull request"},
		"fork opened is refused":    {pullEvent("opened", false, "mallory/infra"), func(j *job) bool { return j.Fork }, ""},
		"fork pushes are ignored":   {pullEvent("synchronize", false, "mallory/infra"), nil, "ignored: pull request from a fork"},
		"merged":                    {pullEvent("closed", false, "acme/infra"), func(j *job) bool { return j.Kind == kindClosed && j.Merged }, ""},
		"labeled":                   {pullEvent("labeled", false, "acme/infra"), nil, "ignored: action labeled"},
		"a bot's comment":           {commentEvent("paved apply", "Bot"), nil, "ignored: not a new comment on a pull request"},
		"not for paved":             {commentEvent("looks good", "User"), nil, "ignored: not a paved command"},
		"a usage error is answered": {commentEvent("paved destroy", "User"), func(j *job) bool { return j.UsageError != "" && j.CommentID == 42 }, ""},
		"a command": {commentEvent("paved apply -p app", "User"), func(j *job) bool {
			return j.Command.Name == command.Apply && j.Command.Project == "app" && j.User == "bob" && j.isApply()
		}, ""},
	} {
		j, note := b.jobFor(tc.payload)
		switch {
		case tc.want == nil && (j != nil || note != tc.note):
			t.Errorf("%s: job %+v, note %q, want none with %q", name, j, note, tc.note)
		case tc.want != nil && (j == nil || !tc.want(j)):
			t.Errorf("%s: job %+v", name, j)
		}
	}
}

// TestASecondApplyIsRefusedAtOnce: an apply recorded while another apply
// of the pull request waits or runs is not queued behind it (it would only
// find the plans gone) but answered at once; a plan still queues.
func TestASecondApplyIsRefusedAtOnce(t *testing.T) {
	db, err := store.Open(filepath.Join(t.TempDir(), "paved.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	b := &Bot{Store: db, Log: slog.New(slog.DiscardHandler)}
	newJob := func(name command.Name) *job {
		return &job{Kind: kindComment, Repo: "acme/infra", PR: 7, User: "bob", Command: &command.Command{Name: name}}
	}
	first, second, plan := newJob(command.Apply), newJob(command.Apply), newJob(command.Plan)
	for i, j := range []*job{first, second, plan} {
		if ok, err := b.record(j, []string{"delivery:" + strconv.Itoa(i)}); err != nil || !ok {
			t.Fatalf("record %d: %v %v", i, ok, err)
		}
	}
	if first.Busy != "" || plan.Busy != "" {
		t.Fatalf("the first apply or the plan was refused: %q %q", first.Busy, plan.Busy)
	}
	if !strings.Contains(second.Busy, "an apply by `bob`") {
		t.Fatalf("the second apply: %q", second.Busy)
	}
	queued, err := db.Group("acme/infra#7")
	if err != nil || len(queued) != 2 || queued[0].ID != first.id || queued[1].ID != plan.id {
		t.Fatalf("the pull request's queue: %+v %v", queued, err)
	}

	// Once the first apply has replied, the next queues behind it instead.
	c, ok, err := db.Claim("r1", time.Now(), time.Minute)
	if err != nil || !ok || c.ID != first.id {
		t.Fatalf("claim: %+v %v %v", c, ok, err)
	}
	first.id, first.token, first.Replied = c.ID, c.Token, true
	b.update(b.Log, first, func() {})
	third := newJob(command.Apply)
	if ok, err := b.record(third, []string{"delivery:3"}); err != nil || !ok || third.Busy != "" {
		t.Fatalf("an apply after the first replied: %v %v, busy %q", ok, err, third.Busy)
	}
}

func TestDescribeGates(t *testing.T) {
	if got := describeGates(repocfg.Gates{}); got != "only write access" {
		t.Fatalf("no gates: %q", got)
	}
	got := describeGates(repocfg.Gates{Requirements: []repocfg.Requirement{repocfg.Approved, repocfg.Undiverged}, Appliers: []string{"alice"}, Teams: []string{"acme/sre"}})
	if !strings.Contains(got, "apply_requirements [approved, undiverged]") || !strings.Contains(got, "allowed_appliers [alice]") || !strings.Contains(got, "allowed_teams [acme/sre]") {
		t.Fatalf("gates: %q", got)
	}
}

func TestLoginIsNoMention(t *testing.T) {
	if got := login("alice"); got != "`alice`" {
		t.Fatalf("login: %q", got)
	}
}

// TestLiveLogAddsTerraformOutputByLine: terraform's output reaches the
// job's log whole lines at a time, behind the project, masked, and what is
// left at the end is not lost.
func TestLiveLogAddsTerraformOutputByLine(t *testing.T) {
	db, err := store.Open(filepath.Join(t.TempDir(), "paved.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	b := &Bot{Store: db, Log: slog.New(slog.DiscardHandler), Secrets: []string{"hunter2-secret"}}
	j := &job{id: "0000000000000007"}
	l := b.liveLog(b.Log, j, "app", "ghs_token123")
	for _, piece := range []string{"terraform_data.app: Creat", "ing...\nsecret is hunter2-secret\n", "token ghs_token123\nApply complete!"} {
		if _, err := l.Write([]byte(piece)); err != nil {
			t.Fatal(err)
		}
	}
	// A line followed by silence is not held back until the next write.
	deadline := time.Now().Add(5 * time.Second)
	for {
		got, _, _ := db.Log(j.id)
		if strings.Contains(string(got), "app: token ***\n") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the lines before a pause never reached the log: %q", got)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	// The rest reaches the log with the job's next write, even if the job never finishes.
	want := "app: terraform_data.app: Creating...\napp: secret is ***\napp: token ***\napp: Apply complete!\n"
	for {
		got, ok, err := db.Log(j.id)
		if err == nil && ok && string(got) == want {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("log %q (%v %v), want %q", got, ok, err, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// countingStore counts the writes of logs to the real store it wraps.
type countingStore struct {
	*store.Bolt
	appends atomic.Int64
}

func (c *countingStore) AppendLog(id string, chunk []byte, now time.Time) error {
	c.appends.Add(1)
	return c.Bolt.AppendLog(id, chunk, now)
}

// TestJobLogBatchesProjects: the output of many projects running at once costs a log write per
// liveLogEvery, not per project, and once the job is finished its log holds every line, each
// project's in its order.
func TestJobLogBatchesProjects(t *testing.T) {
	db, err := store.Open(filepath.Join(t.TempDir(), "paved.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	counted := &countingStore{Bolt: db}
	b := &Bot{Store: counted, Log: slog.New(slog.DiscardHandler)}
	j := &job{id: "0000000000000009"}
	const projects = 50
	started := time.Now()
	b.progress(b.Log, j, "planning 50 projects")
	var wg sync.WaitGroup
	for i := range projects {
		wg.Go(func() {
			l := b.liveLog(b.Log, j, fmt.Sprintf("p%02d", i), "")
			for _, line := range []string{"Refreshing...\n", "No changes.\n", "done"} {
				_, _ = l.Write([]byte(line))
			}
			_ = l.Close()
		})
	}
	wg.Wait()
	b.finish(b.Log, j)
	elapsed := time.Since(started)

	got, _, err := db.Log(j.id)
	if err != nil {
		t.Fatal(err)
	}
	text := string(got)
	if !strings.Contains(text, " planning 50 projects\n") {
		t.Errorf("the progress line is missing: %q", text)
	}
	for i := range projects {
		p := fmt.Sprintf("p%02d: ", i)
		if want := p + "Refreshing...\n" + p + "No changes.\n" + p + "done\n"; !strings.Contains(text, want) {
			t.Errorf("the log lacks %q in order", want)
		}
	}
	// The first write at once, one per interval since, the last when the job is finished.
	if most := 2 + int64(elapsed/liveLogEvery); counted.appends.Load() > most {
		t.Errorf("%d log writes for %d projects in %v, want at most %d", counted.appends.Load(), projects, elapsed, most)
	}
}

// TestLiveLogMasksAPrivateKeyAcrossFlushes: a private key whose BEGIN line reached one flush is
// masked to its END line in the flushes that follow.
func TestLiveLogMasksAPrivateKeyAcrossFlushes(t *testing.T) {
	db, err := store.Open(filepath.Join(t.TempDir(), "paved.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	b := &Bot{Store: db, Log: slog.New(slog.DiscardHandler)}
	j := &job{id: "0000000000000011"}
	l := b.liveLog(b.Log, j, "app", "")
	_, _ = l.Write([]byte("key = <<EOT\n-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo\n"))
	l.mu.Lock()
	l.flush()
	l.mu.Unlock()
	_, _ = l.Write([]byte("4lgOEePzNm0tRgeLezV6ffAt0gunVTLw7onL\n-----END RSA PRIVATE KEY-----\nEOT\nApply complete!\n"))
	_ = l.Close()
	b.finish(b.Log, j)
	got, _, err := db.Log(j.id)
	if err != nil {
		t.Fatal(err)
	}
	if text := string(got); strings.Contains(text, "MIIE") || strings.Contains(text, "4lgO") || !strings.Contains(text, "app: key = <<EOT\n") || !strings.Contains(text, "app: Apply complete!\n") {
		t.Fatalf("log %q: want the key masked whole and the lines around it kept", text)
	}
}

// TestAnApplyOnMergeIsAnApply: once a merge's job has started applying, a
// takeover reports it rather than running it again, as for `paved apply`.
func TestAnApplyOnMergeIsAnApply(t *testing.T) {
	if (&job{Kind: kindClosed, Merged: true}).isApply() {
		t.Fatal("a merge that applies nothing is no apply")
	}
	if !(&job{Kind: kindClosed, Merged: true, OnMerge: true}).isApply() {
		t.Fatal("a merge that applies is an apply")
	}
}

// TestAppliedLabelsAreBounded: a label per project applied, one label
// however many past ten, none for what was not applied.
func TestAppliedLabelsAreBounded(t *testing.T) {
	results := []render.Result{{Project: "app", Status: render.Applied}, {Project: "db", Status: render.Failed}, {Project: "app", Workspace: "prod", Status: render.Applied}}
	if got := appliedLabels(results); !slices.Equal(got, []string{"applied:app"}) {
		t.Fatalf("labels: %v", got)
	}
	results = nil
	for i := range 150 {
		results = append(results, render.Result{Project: "p" + strconv.Itoa(i), Status: render.Applied})
	}
	if got := appliedLabels(results); !slices.Equal(got, []string{"applied:many-projects"}) {
		t.Fatalf("labels of 150 projects: %v", got)
	}
}
