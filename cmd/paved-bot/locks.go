package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/paved-road/paved/bot/admin"
	"github.com/paved-road/paved/bot/locks"
	"github.com/paved-road/paved/bot/store"
)

const locksUsage = `Usage:
  paved-bot locks list [--data-dir DIR | --store redis://…] [--json]
  paved-bot locks release --repo owner/name --dir DIR [--workspace default] [--data-dir DIR | --store redis://…]

list prints every lock and who is queued for it; release frees one lock,
whichever pull request holds it. Both talk to the running bot through its
socket in the data dir; with the bot stopped, or with --store, they use the
store directly (a lock released so is handed to the first queued pull request
at the bot's next lock check).
`

// locksCommand is `paved-bot locks`.
func locksCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		_, _ = fmt.Fprint(stdout, locksUsage)
		if len(args) == 0 {
			return errUsage
		}
		return nil
	}
	fs := flag.NewFlagSet("paved-bot locks "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	dataDir := fs.String("data-dir", "paved-data", "the bot's --data-dir")
	storeURL := fs.String("store", "", "the bot's --store, when it is Redis (prefer PAVED_STORE)")
	asJSON := fs.Bool("json", false, "list as JSON")
	repo := fs.String("repo", "", "repository of the lock to release, owner/name")
	dir := fs.String("dir", "", "dir of the lock to release")
	workspace := fs.String("workspace", "default", "workspace of the lock to release")
	if help, err := parseArgs(fs, args[1:]); help || err != nil {
		return err
	}
	switch args[0] {
	case "list":
		listing, err := listLocks(ctx, *dataDir, *storeURL)
		if err != nil {
			return err
		}
		if *asJSON {
			enc := json.NewEncoder(stdout)
			enc.SetIndent("", "  ")
			return enc.Encode(listing)
		}
		return printLocks(stdout, listing)
	case "release":
		if !repoName.MatchString(*repo) || *dir == "" {
			return errors.New("locks release: give --repo owner/name and --dir")
		}
		k := locks.Key{Repo: *repo, Dir: *dir, Workspace: *workspace}
		l, how, err := releaseLock(ctx, *dataDir, *storeURL, k)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(stdout, "released %s %s (workspace %s), held by #%d since %s; %s\n",
			k.Repo, k.Dir, k.Workspace, l.PR, l.Time.Format(time.RFC3339), how)
		return err
	}
	return fmt.Errorf("locks: unknown subcommand %q\n\n%s", args[0], locksUsage)
}

func listLocks(ctx context.Context, dataDir, storeURL string) (admin.Listing, error) {
	if c, err := admin.Dial(dataDir); err == nil && storeURL == "" {
		return c.List(ctx)
	}
	db, err := openDirect(ctx, dataDir, storeURL)
	if err != nil {
		return admin.Listing{}, err
	}
	defer func() { _ = db.Close() }()
	held, err := db.Locks()
	if err != nil {
		return admin.Listing{}, err
	}
	queues, err := db.Queues()
	return admin.Listing{Locks: held, Queues: queues}, err
}

func releaseLock(ctx context.Context, dataDir, storeURL string, k locks.Key) (locks.Lock, string, error) {
	if c, err := admin.Dial(dataDir); err == nil && storeURL == "" {
		l, err := c.Release(ctx, k)
		return l, "the running bot told the pull request and handed the lock to the first queued", err
	}
	db, err := openDirect(ctx, dataDir, storeURL)
	if err != nil {
		return locks.Lock{}, "", err
	}
	defer func() { _ = db.Close() }()
	held, err := db.Locks()
	if err != nil {
		return locks.Lock{}, "", err
	}
	for _, l := range held {
		if l.Key == k {
			if _, err := db.Unlock(store.Fence{}, k.Repo, l.PR, func(o locks.Lock) bool { return o.Key == k }); err != nil {
				return locks.Lock{}, "", err
			}
			return l, "released in the store: the bot hands the lock to the first queued pull request at its next lock check", nil
		}
	}
	return locks.Lock{}, "", fmt.Errorf("%s %s (workspace %s) is not locked", k.Repo, k.Dir, k.Workspace)
}

// directStore is what the command needs of a store it opens itself.
type directStore interface {
	Locks() ([]locks.Lock, error)
	Queues() ([]locks.Queue, error)
	Unlock(f store.Fence, repo string, pr int, only func(locks.Lock) bool) ([]locks.Lock, error)
	Audit(since time.Time) ([][]byte, error)
	Close() error
}

// openDirect opens the Redis store, or the bbolt file of a bot that is not
// running (a running one holds it exclusively).
func openDirect(ctx context.Context, dataDir, storeURL string) (directStore, error) {
	if storeURL != "" {
		s, err := store.OpenRedis(ctx, storeURL)
		if err != nil {
			return nil, fmt.Errorf("--store: %w", err)
		}
		return s, nil
	}
	path := filepath.Join(dataDir, "paved.db")
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("--data-dir %s: no paved-bot store there: %w", dataDir, err)
	}
	db, err := store.Open(path)
	if err != nil {
		return nil, err
	}
	return db, nil
}

func printLocks(w io.Writer, l admin.Listing) error {
	if len(l.Locks) == 0 && len(l.Queues) == 0 {
		_, err := fmt.Fprintln(w, "No locks.")
		return err
	}
	waiting := map[locks.Key]string{}
	for _, q := range l.Queues {
		var prs []string
		for _, wt := range q.Waiters {
			prs = append(prs, fmt.Sprintf("#%d", wt.PR))
		}
		waiting[q.Key] = strings.Join(prs, ",")
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	_, _ = fmt.Fprintln(tw, "REPO\tDIR\tWORKSPACE\tPROJECT\tHELD BY\tUSER\tSINCE\tQUEUED")
	shown := map[locks.Key]bool{}
	for _, lk := range l.Locks {
		shown[lk.Key] = true
		_, _ = fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t#%d\t%s\t%s\t%s\n", lk.Key.Repo, lk.Key.Dir, lk.Key.Workspace, lk.Project,
			lk.PR, lk.User, lk.Time.Format(time.RFC3339), orNone(waiting[lk.Key]))
	}
	for _, q := range l.Queues {
		if !shown[q.Key] {
			_, _ = fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t-\t-\t-\t%s\n", q.Key.Repo, q.Key.Dir, q.Key.Workspace, q.Waiters[0].Project, waiting[q.Key])
		}
	}
	return tw.Flush()
}

func orNone(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
