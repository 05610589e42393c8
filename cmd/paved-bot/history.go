package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/paved-road/paved/bot/history"
	"github.com/paved-road/paved/bot/workdir"
)

var repoName = regexp.MustCompile(`^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$`)

// printHistory prints the deploys of a repository from its paved/ tags.
func printHistory(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("paved-bot history", flag.ContinueOnError)
	fs.SetOutput(stderr)
	configFile := fs.String("config", "", "YAML file of flag values (keys are flag names)")
	repo := fs.String("repo", "", "repository as owner/name (required)")
	project := fs.String("project", "", "only this project")
	limit := fs.Int("n", 20, "how many deploys, newest first (0 for all)")
	hostname := fs.String("github-hostname", "github.com", "GitHub host the repository lives on")
	gitURL := fs.String("git-url", "", "clone URL (default https://HOST/OWNER/NAME.git)")
	token := fs.String("github-token", "", "token for a private repository (prefer PAVED_GITHUB_TOKEN)")
	dataDir := fs.String("data-dir", "", "where the tag mirror is kept (default the user cache dir)")
	tagKey := fs.String("tag-key", "", "the key paved-bot signs deploy tags with (prefer PAVED_TAG_KEY; default derived from --webhook-secret)")
	webhookSecret := fs.String("webhook-secret", "", "paved-bot's webhook secret, to derive the tag key when --tag-key is not set (prefer PAVED_WEBHOOK_SECRET)")
	if err := fs.Parse(args); err != nil {
		// -h printed the flags, as asked: no failure.
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return errUsage
	}
	if _, err := resolve(fs, *configFile); err != nil {
		return err
	}
	if !repoName.MatchString(*repo) {
		return fmt.Errorf("--repo %q: want owner/name", *repo)
	}
	if *limit < 0 {
		return fmt.Errorf("-n %d: want 0 or more", *limit)
	}
	url := *gitURL
	if url == "" {
		url = "https://" + *hostname + "/" + *repo + ".git"
	}
	dir := *dataDir
	if dir == "" {
		cache, err := os.UserCacheDir()
		if err != nil {
			return fmt.Errorf("--data-dir: %w", err)
		}
		dir = filepath.Join(cache, "paved-bot")
	}
	mirror := filepath.Join(dir, "history", filepath.FromSlash(*repo)+".git")
	git := workdir.Git{CloneURL: url, Token: *token}
	if err := history.Sync(ctx, url, mirror, git.Env()); err != nil {
		return fmt.Errorf("read tags of %s: %w", *repo, err)
	}
	key := []byte(*tagKey)
	if len(key) == 0 {
		key = history.KeyFromSecret([]byte(*webhookSecret))
	}
	if len(key) == 0 {
		_, _ = fmt.Fprintln(stderr, "paved-bot history: neither --tag-key (PAVED_TAG_KEY) nor --webhook-secret (PAVED_WEBHOOK_SECRET) is set, so no deploy tag can be verified: all show VERIFIED NO")
	}
	records, err := history.Read(ctx, mirror, *project, *limit, key)
	if err != nil {
		return err
	}
	if _, unverified := history.OnlyVerified(records, 0); unverified > 0 && len(key) > 0 {
		_, _ = fmt.Fprintf(stderr, "paved-bot history: %d deploy tag(s) are not signed with this key (VERIFIED NO): not created by paved-bot, changed since, or signed with another key; do not trust what they say\n", unverified)
	}
	if len(records) == 0 {
		what := strings.TrimSpace("for " + *project)
		if *project == "" {
			what = "yet"
		}
		_, err := fmt.Fprintf(stdout, "no deploys recorded %s in %s\n", what, *repo)
		return err
	}
	return history.Text(stdout, records)
}
