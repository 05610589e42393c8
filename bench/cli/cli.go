// Package cli is what the benchmark programs share around their
// measurements: the main skeleton (a context ended by a signal or
// -timeout), progress lines, the report's publication, the command line
// that repeats a run, and the fatal errors of the GitHub stand-in.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/paved-road/paved/bench/report"
)

// Program is one benchmark program, by the name its messages start with.
type Program struct{ Name string }

// Context ends on SIGINT or SIGTERM, or after timeout; cancel releases it.
func Context(timeout time.Duration) (ctx context.Context, cancel func()) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	ctx, cancelTimeout := context.WithTimeout(ctx, timeout)
	return ctx, func() {
		cancelTimeout()
		stop()
	}
}

// Main runs run within timeout and exits 1, with the error on stderr, when
// it fails. The GitHub stand-in reports misuse by panicking (see Fatal),
// which fails run too, once the cleanups it deferred have run.
func (p Program) Main(timeout time.Duration, run func(context.Context) error) {
	ctx, cancel := Context(timeout)
	err := recovered(ctx, run)
	cancel()
	if err != nil {
		fmt.Fprintln(os.Stderr, p.Name+":", err)
		os.Exit(1)
	}
}

// Usage prints the usage line and exits 2.
func Usage(line string) {
	fmt.Fprintln(os.Stderr, line)
	os.Exit(2)
}

// Progress writes a line of the program's progress to stderr.
func (p Program) Progress(format string, args ...any) {
	fmt.Fprintf(os.Stderr, p.Name+": "+format+"\n", args...)
}

// Publish prints the report md and, when out is not empty, writes it as the
// section of that markdown file.
func (p Program) Publish(out, section, md string) error {
	fmt.Print(md)
	if out == "" {
		return nil
	}
	if err := report.WriteSection(out, section, md); err != nil {
		return err
	}
	p.Progress("wrote the %q section of %s", section, out)
	return nil
}

// Stopped is how a wait ends when the context does.
func Stopped(ctx context.Context, what string) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("%s: -timeout reached", what)
	}
	return fmt.Errorf("%s: %w", what, ctx.Err())
}

// Sleep waits d, or until ctx ends.
func Sleep(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return Stopped(ctx, "waiting")
	case <-time.After(d):
		return nil
	}
}

// MakeCommandLine is how this run is repeated from the repository root:
// make target, with the flags set on the command line but those of skip in
// the make variable.
func MakeCommandLine(target, variable string, skip ...string) string {
	var flags []string
	flag.Visit(func(f *flag.Flag) {
		for _, s := range skip {
			if f.Name == s {
				return
			}
		}
		v := f.Value.String()
		if strings.ContainsAny(v, " \t'\"$\\") {
			v = strconv.Quote(v)
		}
		flags = append(flags, "-"+f.Name+"="+v)
	})
	if len(flags) == 0 {
		return "make " + target
	}
	return "make " + target + " " + variable + "='" + strings.Join(flags, " ") + "'"
}

// Fatal carries an error out of a githubfake.Fake through a panic, which
// Main turns back into an error: the fake reports misuse of its Go API,
// never a failed request, so this is a bug in the benchmark.
type Fatal struct{ Err error }

// FakeReporter is the githubfake.Reporter of a program rather than a test.
type FakeReporter struct{}

// Helper does nothing.
func (FakeReporter) Helper() {}

// Fatalf panics with a Fatal.
func (FakeReporter) Fatalf(format string, args ...any) {
	panic(Fatal{fmt.Errorf("githubfake: "+format, args...)})
}

// recovered is run's error, a Fatal panic's included.
func recovered(ctx context.Context, run func(context.Context) error) (err error) {
	defer recoverFatal(&err)
	return run(ctx)
}

// recoverFatal turns a Fatal panic into *err; any other panic goes on.
func recoverFatal(err *error) {
	if r := recover(); r != nil {
		f, ok := r.(Fatal)
		if !ok {
			panic(r)
		}
		*err = f.Err
	}
}
