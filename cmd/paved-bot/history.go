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
	"time"

	"github.com/paved-road/paved/bot/audit"
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
	stats := fs.Bool("stats", false, "print deploy stats instead of the deploys: per week, lead time from pull request to apply, apply time, failure rate")
	by := fs.String("by", "project", "with --stats: group by project or team (paved.yaml's team)")
	since := fs.String("since", "2160h", "with --stats: the window, a duration back from now (2160h is 90 days) or a date")
	storeURL := fs.String("store", "", "with --stats: the bot's Redis store, for the failure rate from its audit log (prefer PAVED_STORE); without it the running bot's socket in --data-dir is asked")
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
	if *by != "project" && *by != "team" {
		return fmt.Errorf("--by %q: want project or team", *by)
	}
	from, err := parseSince(*since, time.Now())
	if err != nil {
		return fmt.Errorf("--since: %w", err)
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
	if *stats {
		*limit = 0
	}
	records, err := history.Read(ctx, mirror, *project, *limit, key)
	if err != nil {
		return err
	}
	if *stats {
		return printStats(ctx, stdout, stderr, records, *repo, *project, dir, *storeURL, *by == "team", from)
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

// printStats prints the deploy stats of the verified records; the failure
// rate comes from the bot's audit log when it can be read.
func printStats(ctx context.Context, stdout, stderr io.Writer, records []history.Record, repo, project, dataDir, storeURL string, byTeam bool, since time.Time) error {
	verified, _ := history.OnlyVerified(records, 0)
	var applies []history.Apply
	raw, err := readAudit(ctx, dataDir, storeURL, since)
	if err == nil {
		var entries []audit.Entry
		if entries, err = audit.Decode(raw); err == nil {
			for _, e := range audit.Filter(entries, repo) {
				if e.Command == "apply" && (e.Outcome == audit.Applied || e.Outcome == audit.Failed) && (project == "" || e.Project == project) {
					applies = append(applies, history.Apply{Project: e.Project, Failed: e.Outcome == audit.Failed, Time: e.Time})
				}
			}
		}
	}
	if err != nil {
		_, _ = fmt.Fprintf(stderr, "paved-bot history: no failure rates: the audit log cannot be read (give the bot's --data-dir while it runs, or --store): %v\n", err)
	}
	return history.PrintStats(stdout, history.Summarize(verified, applies, byTeam, since, time.Now()), time.Now())
}
