package main

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// span is a stretch of time during which something outside the bot ran: a
// terraform or git process (from the trace) or a GitHub API call (seen at
// the stand-in).
type span struct {
	start, end time.Time
	kind       string // "terraform", "git" or "github"
	what       string // e.g. "plan", "show -json", "fetch", "POST /repos/{owner}/{repo}/statuses/{sha}"
}

// readTrace reads the lines the proctrace stand-ins appended.
func readTrace(path string) ([]span, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var spans []span
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		// START_NS END_NS LABEL DIR ARGS
		fields := strings.SplitN(sc.Text(), "\t", 5)
		if len(fields) != 5 {
			return nil, fmt.Errorf("%s: malformed line %q", path, sc.Text())
		}
		start, err1 := strconv.ParseInt(fields[0], 10, 64)
		end, err2 := strconv.ParseInt(fields[1], 10, 64)
		if err := errors.Join(err1, err2); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		spans = append(spans, span{
			start: time.Unix(0, start), end: time.Unix(0, end),
			kind: fields[2], what: operation(fields[2], strings.Fields(fields[4])),
		})
	}
	return spans, sc.Err()
}

// operation names a process by what it did: the subcommand, and for
// terraform whether it printed JSON (`show -json` and `show` are different
// costs) and which workspace subcommand it was.
func operation(kind string, args []string) string {
	if len(args) == 0 {
		return kind
	}
	op := args[0]
	if kind != "terraform" {
		return op
	}
	if op == "workspace" && len(args) > 1 {
		op += " " + args[1]
	}
	if slices.Contains(args[1:], "-json") {
		op += " -json"
	}
	return op
}

// within returns the spans that overlap [from, to], cut to it.
func within(spans []span, from, to time.Time) []span {
	var out []span
	for _, s := range spans {
		if s.end.Before(from) || s.start.After(to) {
			continue
		}
		if s.start.Before(from) {
			s.start = from
		}
		if s.end.After(to) {
			s.end = to
		}
		out = append(out, s)
	}
	return out
}

// startedWithin returns the spans that started from from to to, whole.
func startedWithin(spans []span, from, to time.Time) []span {
	var out []span
	for _, s := range spans {
		if !s.start.Before(from) && !s.start.After(to) {
			out = append(out, s)
		}
	}
	return out
}

// covered is the time during which at least one of spans ran: with
// processes in parallel, the wall time they account for, not their sum.
func covered(spans []span) time.Duration {
	sorted := slices.Clone(spans)
	slices.SortFunc(sorted, func(a, b span) int { return a.start.Compare(b.start) })
	var total time.Duration
	var end time.Time
	for _, s := range sorted {
		switch {
		case s.end.Before(end) || s.end.Equal(end):
		case s.start.After(end):
			total += s.end.Sub(s.start)
			end = s.end
		default:
			total += s.end.Sub(end)
			end = s.end
		}
	}
	return total
}

func ofKind(spans []span, kinds ...string) []span {
	var out []span
	for _, s := range spans {
		if slices.Contains(kinds, s.kind) {
			out = append(out, s)
		}
	}
	return out
}

// stat is one figure over the runs.
type stat struct{ median, min float64 }

func summarize(values []float64) stat {
	if len(values) == 0 {
		return stat{}
	}
	sorted := slices.Clone(values)
	slices.Sort(sorted)
	n := len(sorted)
	median := sorted[n/2]
	if n%2 == 0 {
		median = (sorted[n/2-1] + sorted[n/2]) / 2
	}
	return stat{median: median, min: sorted[0]}
}

// each collects one figure from every run.
func each[T any](runs []T, figure func(T) float64) []float64 {
	out := make([]float64, len(runs))
	for i, r := range runs {
		out[i] = figure(r)
	}
	return out
}
