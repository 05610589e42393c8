package githubapi

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/go-github/v60/github"
)

// CheckOutputLimit is GitHub's limit on a check run output's summary and on
// its text: 65535 characters, and 65535 bytes of UTF-8, which GitHub checks
// as well (github/docs#35252) and text outside ASCII reaches first.
const CheckOutputLimit = 65535

// ErrCheckRunsNeedApp is what writing a check run with token auth ends in:
// GitHub lets only a GitHub App create and update them.
var ErrCheckRunsNeedApp = errors.New("GitHub lets only a GitHub App write check runs, and the bot authenticates with a token")

// CheckRun is a check run as the bot writes it. Zero fields are not sent:
// an update leaves them as they were.
type CheckRun struct {
	Name    string
	HeadSHA string // at creation only: a run stays on its commit
	// Status is "queued", "in_progress" or "completed"; a Conclusion
	// ("success", "failure", "neutral", "cancelled", "action_required",
	// ...) completes the run.
	Status, Conclusion string
	// Title (default Name), Summary and Text are the output, Markdown;
	// Summary and Text must fit CheckOutputLimit (see TruncateCheckText).
	// GitHub wants a title with any output, so an update that sets one
	// needs Title or Name.
	Title, Summary, Text   string
	DetailsURL             string
	ExternalID             string
	StartedAt, CompletedAt time.Time
}

func (run CheckRun) output() *github.CheckRunOutput {
	if run.Title == "" && run.Summary == "" && run.Text == "" {
		return nil
	}
	// GitHub requires a title and a summary with any output.
	o := &github.CheckRunOutput{Title: github.String(cmp.Or(run.Title, run.Name)), Summary: &run.Summary}
	if run.Text != "" {
		o.Text = &run.Text
	}
	return o
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func timestamp(t time.Time) *github.Timestamp {
	if t.IsZero() {
		return nil
	}
	return &github.Timestamp{Time: t}
}

// CreateCheckRun creates a check run on run.HeadSHA and returns its id.
func (c *Client) CreateCheckRun(ctx context.Context, repo string, run CheckRun) (int64, error) {
	owner, name := split(repo)
	created, _, err := c.gh.Checks.CreateCheckRun(ctx, owner, name, github.CreateCheckRunOptions{
		Name: run.Name, HeadSHA: run.HeadSHA, DetailsURL: optional(run.DetailsURL), ExternalID: optional(run.ExternalID),
		Status: optional(run.Status), Conclusion: optional(run.Conclusion),
		StartedAt: timestamp(run.StartedAt), CompletedAt: timestamp(run.CompletedAt), Output: run.output(),
	})
	if err != nil {
		return 0, fmt.Errorf("create check run %s on %s@%.12s: %w", run.Name, repo, run.HeadSHA, needsApp(err))
	}
	return created.GetID(), nil
}

// checkRunUpdate is the body of an update. go-github v60's
// UpdateCheckRunOptions always sends a name, empty or not, and has no
// started_at.
type checkRunUpdate struct {
	Name        string                 `json:"name,omitempty"`
	DetailsURL  string                 `json:"details_url,omitempty"`
	ExternalID  string                 `json:"external_id,omitempty"`
	Status      string                 `json:"status,omitempty"`
	Conclusion  string                 `json:"conclusion,omitempty"`
	StartedAt   *github.Timestamp      `json:"started_at,omitempty"`
	CompletedAt *github.Timestamp      `json:"completed_at,omitempty"`
	Output      *github.CheckRunOutput `json:"output,omitempty"`
}

// UpdateCheckRun changes check run id; run.HeadSHA is ignored.
func (c *Client) UpdateCheckRun(ctx context.Context, repo string, id int64, run CheckRun) error {
	out := run.output()
	if out != nil && out.GetTitle() == "" {
		return fmt.Errorf("update check run %d in %s: an output needs a title: set Title or Name", id, repo)
	}
	req, err := c.gh.NewRequest(http.MethodPatch, fmt.Sprintf("repos/%s/check-runs/%d", repo, id), checkRunUpdate{
		Name: run.Name, DetailsURL: run.DetailsURL, ExternalID: run.ExternalID, Status: run.Status,
		Conclusion: run.Conclusion, StartedAt: timestamp(run.StartedAt), CompletedAt: timestamp(run.CompletedAt),
		Output: out,
	})
	if err == nil {
		_, err = c.gh.Do(ctx, req, nil)
	}
	if err != nil {
		return fmt.Errorf("update check run %d in %s: %w", id, repo, needsApp(err))
	}
	return nil
}

// needsApp marks GitHub's refusal of a token with ErrCheckRunsNeedApp.
func needsApp(err error) error {
	var ghErr *github.ErrorResponse
	if errors.As(err, &ghErr) && ghErr.Response != nil && ghErr.Response.StatusCode == http.StatusForbidden &&
		strings.Contains(ghErr.Message, "GitHub App") {
		return fmt.Errorf("%w: %w", ErrCheckRunsNeedApp, err)
	}
	return err
}

// codeFence opens and closes Markdown code blocks, such as a plan's.
const codeFence = "```"

// TruncateCheckText returns s if it fits CheckOutputLimit, else s cut to
// fit with a final line saying so and linking to link (none when link is
// "" or too long to fit). The cut falls at a line boundary unless that
// would drop more than half of what fits, never inside a character, and a
// code block it leaves open is closed so that the final line shows as
// text.
func TruncateCheckText(s, link string) string {
	// Bytes: a string within the limit in bytes is within it in characters.
	if len(s) <= CheckOutputLimit {
		return s
	}
	note := fmt.Sprintf("\n\n_Cut to fit GitHub's limit of %d characters._", CheckOutputLimit)
	if link != "" {
		linked := fmt.Sprintf("\n\n_Cut to fit GitHub's limit of %d characters: [the whole text](%s)._", CheckOutputLimit, link)
		if len(linked) <= CheckOutputLimit/2 {
			note = linked
		}
	}
	end := CheckOutputLimit - len(note) - len("\n"+codeFence)
	for !utf8.RuneStart(s[end]) {
		end--
	}
	if nl := strings.LastIndexByte(s[:end], '\n'); nl >= end/2 {
		end = nl
	}
	kept := s[:end]
	open := false
	for line := range strings.SplitSeq(kept, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), codeFence) {
			open = !open
		}
	}
	if open {
		kept += "\n" + codeFence
	}
	return kept + note
}
