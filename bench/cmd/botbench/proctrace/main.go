// Command proctrace stands in for another program so that botbench can see
// when paved-bot runs terraform and git: it runs the program it was built
// for with the same arguments, directory, environment and standard streams,
// exits as it did, and appends one line to a trace file:
//
//	START_NS <TAB> END_NS <TAB> LABEL <TAB> DIR <TAB> ARGS
//
// (wall-clock Unix nanoseconds). The program, the label and the trace file
// are set when it is built, because paved-bot passes terraform only a few
// environment variables:
//
//	go build -ldflags "-X main.target=/usr/bin/git -X main.label=git -X main.trace=/tmp/t" -o bin/git ./bench/cmd/botbench/proctrace
package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

var target, label, trace string

func main() {
	if target == "" || trace == "" {
		fmt.Fprintln(os.Stderr, "proctrace: built without -X main.target and -X main.trace")
		os.Exit(2)
	}
	start := time.Now()
	code := run(os.Args[1:])
	end := time.Now()
	record(start, end)
	os.Exit(code)
}

// run runs the target and returns its exit code, passing on the signals a
// caller uses to stop it.
func run(args []string) int {
	cmd := exec.Command(target, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "proctrace:", err)
		return 127
	}
	go func() {
		for s := range signals {
			_ = cmd.Process.Signal(s)
		}
	}()
	err := cmd.Wait()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &exit):
		return exit.ExitCode()
	default:
		fmt.Fprintln(os.Stderr, "proctrace:", err)
		return 1
	}
}

// record appends the line in one write: O_APPEND keeps concurrent writers'
// lines whole.
func record(start, end time.Time) {
	dir, _ := os.Getwd()
	clean := strings.NewReplacer("\t", " ", "\n", " ")
	line := fmt.Sprintf("%d\t%d\t%s\t%s\t%s\n", start.UnixNano(), end.UnixNano(), label,
		clean.Replace(dir), clean.Replace(strings.Join(os.Args[1:], " ")))
	f, err := os.OpenFile(trace, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		fmt.Fprintln(os.Stderr, "proctrace:", err)
		return
	}
	_, _ = f.WriteString(line)
	_ = f.Close()
}
