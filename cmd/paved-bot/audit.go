package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/paved-road/paved/bot/admin"
	"github.com/paved-road/paved/bot/audit"
)

// auditCommand is `paved-bot audit`: the audit log from the running bot's
// socket, or from the store itself with --store or while the bot is stopped.
func auditCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("paved-bot audit", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dataDir := fs.String("data-dir", "paved-data", "the bot's --data-dir")
	storeURL := fs.String("store", "", "the bot's --store, when it is Redis (prefer PAVED_STORE)")
	repo := fs.String("repo", "", "only this repository, owner/name")
	sinceFlag := fs.String("since", "720h", "from this time on: a duration back from now (72h) or a date or time (2026-11-01, RFC 3339)")
	asJSON := fs.Bool("json", false, "print the entries as a JSON array")
	if help, err := parseArgs(fs, args); help || err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("audit: unexpected argument %q", fs.Arg(0))
	}
	if *repo != "" && !repoName.MatchString(*repo) {
		return fmt.Errorf("audit --repo %q: want owner/name", *repo)
	}
	since, err := parseSince(*sinceFlag, time.Now())
	if err != nil {
		return fmt.Errorf("audit --since: %w", err)
	}
	raw, err := readAudit(ctx, *dataDir, *storeURL, since)
	if err != nil {
		return err
	}
	entries, err := audit.Decode(raw)
	if err != nil {
		return err
	}
	entries = audit.Filter(entries, *repo)
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if entries == nil {
			entries = []audit.Entry{}
		}
		return enc.Encode(entries)
	}
	return audit.Print(stdout, entries)
}

// parseSince reads --since: a duration back from now, a date or an RFC 3339 time.
func parseSince(v string, now time.Time) (time.Time, error) {
	if d, err := time.ParseDuration(v); err == nil {
		if d < 0 {
			return time.Time{}, fmt.Errorf("%q: a duration back from now is positive", v)
		}
		return now.Add(-d), nil
	}
	for _, layout := range []string{time.RFC3339Nano, time.DateOnly} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q: want a duration (72h), a date (2026-11-01) or an RFC 3339 time", v)
}

func readAudit(ctx context.Context, dataDir, storeURL string, since time.Time) ([][]byte, error) {
	if c, err := admin.Dial(dataDir); err == nil && storeURL == "" {
		return c.Audit(ctx, since)
	}
	db, err := openDirect(ctx, dataDir, storeURL)
	if err != nil {
		return nil, err
	}
	defer func() { _ = db.Close() }()
	return db.Audit(since)
}
