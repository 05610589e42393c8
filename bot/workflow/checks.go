package workflow

import (
	"context"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/go-github/v60/github"

	"github.com/paved-road/paved/bot/command"
	"github.com/paved-road/paved/bot/githubapi"
	"github.com/paved-road/paved/bot/render"
)

// checkReport is what a check run shows beyond a commit status: the
// reply's summary table and each project's output.
type checkReport struct{ summary, text string }

// reportOf is the check run's view of a command's results.
func reportOf(results []render.Result, footer string) *checkReport {
	summary, text := render.CheckOutput(results, footer)
	return &checkReport{summary: summary, text: text}
}

// checkRun creates or updates the check run of one status context on one
// commit. The job keeps the run's id, so that the status that ends it, even
// after a restart, updates the run the pending one created.
func (b *Bot) checkRun(ctx context.Context, log *slog.Logger, p pull, sha, name, state, desc string, rep *checkReport) error {
	now := time.Now().UTC()
	run := githubapi.CheckRun{Name: name, Title: desc, Summary: desc, DetailsURL: p.url}
	if rep != nil {
		link := p.url
		run.Summary = githubapi.TruncateCheckText(rep.summary, link)
		run.Text = githubapi.TruncateCheckText(rep.text, link)
	}
	if state == "pending" {
		run.Status, run.StartedAt = "in_progress", now
	} else {
		run.Status, run.Conclusion, run.CompletedAt = "completed", conclusion(state, desc), now
	}
	j := p.job
	key := name + "@" + sha
	var id int64
	if j != nil {
		run.ExternalID = j.id
		j.mu.Lock()
		id = j.Checks[key]
		j.mu.Unlock()
	}
	if id != 0 {
		return p.gh.UpdateCheckRun(ctx, p.repo, id, run)
	}
	run.HeadSHA = sha
	id, err := p.gh.CreateCheckRun(ctx, p.repo, run)
	if err != nil || j == nil {
		return err
	}
	b.update(log, j, func() {
		if j.Checks == nil {
			j.Checks = map[string]int64{}
		}
		j.Checks[key] = id
	})
	return nil
}

// conclusion is a check run's for a commit status's state.
func conclusion(state, desc string) string {
	switch {
	case state == "success":
		return "success"
	case strings.HasPrefix(desc, "timed out"):
		return "timed_out"
	case strings.HasPrefix(desc, "interrupted"):
		return "cancelled"
	}
	return "failure"
}

// checkRerun is the job of a check run someone re-ran from GitHub's page:
// `paved plan` of its pull request, as they had commented it. GitHub
// sends rerequested only to the App that made the run, and offers it only
// to people with write access.
func checkRerun(e *github.CheckRunEvent) (*job, string) {
	run := e.GetCheckRun()
	switch {
	case e.GetAction() != "rerequested":
		return nil, "ignored: check run " + e.GetAction()
	case !slices.Contains([]string{planStatus, applyStatus, policyStatus}, run.GetName()):
		return nil, "ignored: not a paved check run"
	case e.GetSender().GetType() == "Bot":
		return nil, "ignored: re-run by a bot"
	}
	repo := e.GetRepo()
	for _, pr := range run.PullRequests {
		// Only pull requests into this repository: a fork's run lists its own too.
		if pr.GetBase().GetRepo().GetID() != repo.GetID() || pr.GetHead().GetSHA() != run.GetHeadSHA() {
			continue
		}
		return &job{
			Kind: kindComment, Repo: repo.GetFullName(), CloneURL: repo.GetCloneURL(), PR: pr.GetNumber(),
			URL:          strings.TrimSuffix(repo.GetHTMLURL(), "/") + "/pull/" + strconv.Itoa(pr.GetNumber()),
			Installation: e.GetInstallation().GetID(), User: e.GetSender().GetLogin(),
			Command: &command.Command{Name: command.Plan},
		}, ""
	}
	return nil, "ignored: the check run is of no open pull request at its commit"
}
