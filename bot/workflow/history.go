package workflow

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

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
	return b.syncedTags(ctx, p, git, 0)
}

// syncedTags is deployTags, but a mirror fetched less than maxAge ago is
// used as it is: the operator page may show a deploy a few seconds late,
// and spares GitHub a fetch per view.
func (b *Bot) syncedTags(ctx context.Context, p pull, git workdir.Git, maxAge time.Duration) (string, error) {
	b.mirrors.Lock()
	defer b.mirrors.Unlock()
	mirror := b.mirror(p.repo)
	if at, ok := b.synced[mirror]; ok && time.Since(at) < maxAge {
		return mirror, nil
	}
	if err := history.Sync(ctx, git.CloneURL, mirror, git.Env()); err != nil {
		return "", fmt.Errorf("%s", b.mask(err.Error(), git.Token))
	}
	if b.synced == nil {
		b.synced = map[string]time.Time{}
	}
	b.synced[mirror] = time.Now()
	return mirror, nil
}

func (b *Bot) mirror(repo string) string {
	return filepath.Join(b.DataDir, "history", filepath.FromSlash(repo)+".git")
}

// tagsChanged makes the next read of repo's deploy tags fetch them: this
// replica has just made one.
func (b *Bot) tagsChanged(repo string) {
	b.mirrors.Lock()
	defer b.mirrors.Unlock()
	delete(b.synced, b.mirror(repo))
}
