package workflow

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"

	"github.com/paved-road/paved/bot/command"
	"github.com/paved-road/paved/bot/history"
	"github.com/paved-road/paved/bot/workdir"
)

// history answers `paved history`: the deploy tags this bot signed, read from git.
func (b *Bot) history(ctx context.Context, log *slog.Logger, p pull, cmd *command.Command) {
	reply := func(msg string) { b.comment(log, p, "**paved history:** "+msg) }
	git, err := b.git(ctx, p)
	if err != nil {
		reply(err.Error())
		return
	}
	mirror, err := b.deployTags(ctx, p, git)
	if err != nil {
		reply(err.Error())
		return
	}
	all, err := history.Read(ctx, mirror, cmd.Project, 0, b.TagKey)
	if err != nil {
		reply(err.Error())
		return
	}
	records, unverified := history.OnlyVerified(all, cmd.Limit)
	what := "all projects"
	if cmd.Project != "" {
		what = "project `" + cmd.Project + "`"
	}
	reply(fmt.Sprintf("deploys of %s, newest first.\n\n%s", what, history.Markdown(records, unverified)))
}

// deployTags brings the repository's deploy tags into its mirror under the
// data dir, shared by its pull requests, and returns the mirror.
func (b *Bot) deployTags(ctx context.Context, p pull, git workdir.Git) (string, error) {
	b.mirrors.Lock()
	defer b.mirrors.Unlock()
	mirror := filepath.Join(b.DataDir, "history", filepath.FromSlash(p.repo)+".git")
	if err := history.Sync(ctx, git.CloneURL, mirror, git.Env()); err != nil {
		return "", fmt.Errorf("%s", b.mask(err.Error(), git.Token))
	}
	return mirror, nil
}
