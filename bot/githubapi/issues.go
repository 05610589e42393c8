package githubapi

import (
	"context"
	"fmt"

	"github.com/google/go-github/v60/github"
)

// Issue is what the bot needs to know about an issue.
type Issue struct {
	Number int
	Title  string
	Body   string
	State  string // "open" or "closed"
	Labels []string
}

// IssueEdit is a change to an issue; nil fields are left as they are.
type IssueEdit struct {
	Title, Body *string
	State       *string // "open" or "closed"
	// StateReason says why the state changes: "completed" or
	// "not_planned" when closing, "reopened" when reopening.
	StateReason *string
}

// Issues lists a repository's issues with label ("" for any) in state
// ("open", "closed" or "all"; "" is open), newest first. GitHub lists pull
// requests as issues too; they are left out.
func (c *Client) Issues(ctx context.Context, repo string, label, state string) ([]Issue, error) {
	owner, name := split(repo)
	opts := &github.IssueListByRepoOptions{State: state}
	if label != "" {
		opts.Labels = []string{label}
	}
	issues, err := all(func(page *github.ListOptions) ([]*github.Issue, *github.Response, error) {
		opts.ListOptions = *page
		return c.gh.Issues.ListByRepo(ctx, owner, name, opts)
	})
	if err != nil {
		return nil, fmt.Errorf("list issues of %s: %w", repo, err)
	}
	var out []Issue
	for _, is := range issues {
		if is.IsPullRequest() {
			continue
		}
		labels := make([]string, len(is.Labels))
		for i, l := range is.Labels {
			labels[i] = l.GetName()
		}
		out = append(out, Issue{Number: is.GetNumber(), Title: is.GetTitle(), Body: is.GetBody(), State: is.GetState(), Labels: labels})
	}
	return out, nil
}

// CreateIssue opens an issue and returns its number. Labels the repository
// lacks are created.
func (c *Client) CreateIssue(ctx context.Context, repo, title, body string, labels []string) (int, error) {
	owner, name := split(repo)
	req := &github.IssueRequest{Title: &title, Body: &body}
	if len(labels) > 0 {
		req.Labels = &labels
	}
	is, _, err := c.gh.Issues.Create(ctx, owner, name, req)
	if err != nil {
		return 0, fmt.Errorf("create issue %q in %s: %w", title, repo, err)
	}
	return is.GetNumber(), nil
}

// EditIssue changes issue n.
func (c *Client) EditIssue(ctx context.Context, repo string, n int, edit IssueEdit) error {
	owner, name := split(repo)
	req := &github.IssueRequest{Title: edit.Title, Body: edit.Body, State: edit.State, StateReason: edit.StateReason}
	if _, _, err := c.gh.Issues.Edit(ctx, owner, name, n, req); err != nil {
		return fmt.Errorf("edit issue %s#%d: %w", repo, n, err)
	}
	return nil
}
