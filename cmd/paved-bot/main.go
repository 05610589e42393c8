// Command paved-bot plans and applies Terraform from pull-request comments,
// locks projects meanwhile and records every apply as an annotated git tag.
//
//	paved-bot serve   --repo-allowlist 'github.com/acme/*' ...
//	paved-bot history --repo acme/infra [--project app]
//	paved-bot locks list|release [--data-dir DIR]
//	paved-bot drift --repo acme/infra [--project app]
//	paved-bot version
//
// Every flag can also come from the environment as PAVED_<FLAG> (for
// example PAVED_WEBHOOK_SECRET) or from a YAML file given by --config.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// version is set at release time by goreleaser.
var version = "dev"

const usage = `paved-bot plans and applies Terraform from pull-request comments.

Usage:
  paved-bot serve [flags]      run the webhook server
  paved-bot history [flags]    print the deploys recorded as git tags
  paved-bot locks list|release list the locks and queues, or release a lock
  paved-bot audit [flags]      print the audit log: every command and refusal
  paved-bot drift --repo R     check now whether a repository's infrastructure drifted
                               from its default branch (exit 3 if so, 1 if a check failed)
  paved-bot version            print the version

Run "paved-bot <command> -h" for the flags of a command. Every flag also reads
PAVED_<FLAG> from the environment (--webhook-secret is PAVED_WEBHOOK_SECRET).
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		_, _ = fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "serve":
		err = serve(ctx, args[1:], stderr)
	case "history":
		err = printHistory(ctx, args[1:], stdout, stderr)
	case "locks":
		err = locksCommand(ctx, args[1:], stdout, stderr)
	case "audit":
		err = auditCommand(ctx, args[1:], stdout, stderr)
	case "drift":
		err = driftCommand(ctx, args[1:], stdout, stderr)
	case "version", "--version", "-version":
		_, _ = fmt.Fprintln(stdout, "paved-bot", version)
		return 0
	case "help", "-h", "--help":
		_, _ = fmt.Fprint(stdout, usage)
		return 0
	default:
		_, _ = fmt.Fprintf(stderr, "paved-bot: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	var exit exitError
	if errors.As(err, &exit) {
		return exit.code
	}
	if err != nil {
		if !errors.Is(err, errUsage) {
			_, _ = fmt.Fprintln(stderr, "paved-bot:", err)
		}
		return 2
	}
	return 0
}
