package workflow

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"

	"github.com/paved-road/paved/bot/command"
	"github.com/paved-road/paved/bot/history"
)

// history answers `paved history`: the deploy tags, read from git.
func (b *Bot) history(ctx context.Context, log *slog.Logger, p pull, cmd *command.Command) {
	git, err := b.git(ctx, p)
	if err != nil {
		b.comment(ctx, log, p, "**paved history:** "+err.Error())
		return
	}
	// One mirror per repository, shared by its pull requests.
	unlock := b.lockPR(pull{repo: p.repo})
	mirror := filepath.Join(b.DataDir, "history", filepath.FromSlash(p.repo)+".git")
	err = history.Sync(ctx, git.CloneURL, mirror, git.Env())
	var records []history.Record
	if err == nil {
		records, err = history.Read(ctx, mirror, cmd.Project, cmd.Limit)
	}
	unlock()
	if err != nil {
		b.comment(ctx, log, p, "**paved history:** "+err.Error())
		return
	}
	what := "all projects"
	if cmd.Project != "" {
		what = "project `" + cmd.Project + "`"
	}
	if len(records) == 0 {
		b.comment(ctx, log, p, fmt.Sprintf("**paved history:** no deploys recorded for %s yet.", what))
		return
	}
	b.comment(ctx, log, p, fmt.Sprintf("**paved history:** last %d deploy(s) of %s, newest first.\n\n%s", len(records), what, history.Markdown(records)))
}
