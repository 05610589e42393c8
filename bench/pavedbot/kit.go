package pavedbot

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/paved-road/paved/bench/cli"
	"github.com/paved-road/paved/bench/gomod"
	"github.com/paved-road/paved/bench/proc"
)

// Kit is what a benchmark of paved-bot starts from: the module it builds
// from, a scratch directory of its own, the terraform the bot is given, and
// the bot's binary once built.
type Kit struct {
	prog      cli.Program
	Started   time.Time // when the benchmark began, for the time it took
	Root      string    // the module root, where everything is built from
	Scratch   string
	Terraform string // the real CLI, absolute
	TFVersion string // as the CLI reports itself, e.g. 1.8.5
	Commit    string // what the bot is built from
	Binary    string // the paved-bot binary, once built
}

// Open checks that the bot can sandbox terraform, finds terraform and the
// module, and makes the scratch directory, named for the program; then it
// runs setUp, the benchmark's own preparation, when there is one. When
// anything fails the scratch directory is removed; otherwise Close does.
func (k *Kit) Open(ctx context.Context, prog cli.Program, terraform string, setUp func() error) (err error) {
	if err := RequireSandbox(); err != nil {
		return err
	}
	k.prog, k.Started = prog, time.Now()
	if k.Terraform, err = filepath.Abs(terraform); err != nil {
		return err
	}
	out, err := proc.Output(ctx, "", nil, k.Terraform, "version")
	if err != nil {
		return err
	}
	// "Terraform v1.8.5\non linux_amd64"
	k.TFVersion = strings.TrimPrefix(proc.LastField(proc.FirstLine(out)), "v")
	if k.Root, err = gomod.Root(ctx, prog.Name); err != nil {
		return err
	}
	if k.Scratch, err = os.MkdirTemp("", prog.Name+"-"); err != nil {
		return err
	}
	k.Commit = DescribeCommit(ctx, k.Root)
	if setUp == nil {
		return nil
	}
	if err := setUp(); err != nil {
		k.Close(false)
		return err
	}
	return nil
}

// BuildBot builds paved-bot into the scratch directory.
func (k *Kit) BuildBot(ctx context.Context) error {
	k.prog.Progress("building paved-bot in %s", k.Scratch)
	k.Binary = filepath.Join(k.Scratch, "paved-bot")
	return Build(ctx, k.Root, k.Binary)
}

// Close removes the scratch directory, or with keep leaves it, with the
// bots' logs, for a look and says where.
func (k *Kit) Close(keep bool) {
	if keep {
		k.prog.Progress("kept %s", k.Scratch)
		return
	}
	if err := os.RemoveAll(k.Scratch); err != nil {
		k.prog.Progress("removing %s: %v", k.Scratch, err)
	}
}
