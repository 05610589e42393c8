package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/paved-road/paved/bot/admin"
	"github.com/paved-road/paved/bot/drift"
)

// Exit codes of `paved-bot drift` besides 0 (every project in sync) and 2
// (usage or the check could not run), as scripts and cron jobs read them.
const (
	exitCheckFailed = 1 // a project's check failed: whether it drifts is unknown
	exitDrifted     = 3 // a project drifted
)

// exitError ends paved-bot with code after printing nothing more.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit %d", e.code) }

// driftCommand is `paved-bot drift`: a drift check now, run by the bot
// whose socket is in --data-dir, which records it in the store like a
// scheduled one (issues, audit log, metrics).
func driftCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("paved-bot drift", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dataDir := fs.String("data-dir", "paved-data", "the running bot's --data-dir")
	repo := fs.String("repo", "", "the repository to check, owner/name (required)")
	var projects listFlag
	fs.Var(&projects, "project", "only this project of its paved.yaml; repeatable")
	wait := fs.Duration("wait", 30*time.Minute, "how long to wait for the check, queued behind others, to finish")
	asJSON := fs.Bool("json", false, "print the results as JSON")
	if help, err := parseArgs(fs, args); help || err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return fmt.Errorf("drift: unexpected argument %q", fs.Arg(0))
	case !repoName.MatchString(*repo):
		return fmt.Errorf("drift --repo %q: want owner/name", *repo)
	case *wait <= 0:
		return fmt.Errorf("drift --wait %s: want a positive duration", *wait)
	}
	client, err := admin.Dial(*dataDir)
	if err != nil {
		return fmt.Errorf("drift: %w; a drift check runs in the bot, which must be serving", err)
	}
	ctx, cancel := context.WithTimeout(ctx, *wait)
	defer cancel()
	results, err := client.Drift(ctx, admin.DriftRequest{Repo: *repo, Projects: projects})
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(results); err != nil {
			return err
		}
	} else if err := printDrift(stdout, results); err != nil {
		return err
	}
	code := 0
	for _, r := range results {
		switch {
		case r.State == drift.Drifted:
			code = exitDrifted
		case r.State == drift.Failed && code == 0:
			code = exitCheckFailed
		}
	}
	if code != 0 {
		return exitError{code}
	}
	return nil
}

func printDrift(w io.Writer, results []drift.Result) error {
	if len(results) == 0 {
		_, err := fmt.Fprintln(w, "no project was checked")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	_, _ = fmt.Fprintln(tw, "PROJECT\tDIR\tWORKSPACE\tCOMMIT\tRESULT\tISSUE")
	for _, r := range results {
		issue := ""
		if r.Issue != 0 {
			issue = fmt.Sprintf("#%d", r.Issue)
		}
		_, _ = fmt.Fprintf(tw, "%s\t%s\t%s\t%.7s\t%s\t%s\n", r.Project, r.Dir, r.Workspace, r.Commit, drift.Line(r), issue)
	}
	return tw.Flush()
}
