package main

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"
)

// fakeRun is a bot run of n projects whose commands took cold, warm and
// apply seconds, with the processes and calls a bot of today makes.
func fakeRun(n int, cold, warm, apply float64, rss int64) botRun {
	at := time.Unix(1000, 0)
	procs := func(ops ...string) []span {
		var out []span
		for range n {
			for _, op := range ops {
				out = append(out, span{start: at, end: at.Add(time.Millisecond), kind: "terraform", what: op})
			}
		}
		return append(out, span{start: at, end: at, kind: "git", what: "fetch"})
	}
	calls := []string{"POST /repos/{owner}/{repo}/statuses/{sha}", "POST /repos/{owner}/{repo}/issues/{number}/comments"}
	sec := func(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }
	coldProcs := append(procs("init", "plan"), span{start: at, end: at, kind: "terraform", what: "version -json"})
	return botRun{
		cold:    sample{wall: sec(cold), processes: coldProcs, started: coldProcs, launchers: 3*n + 1, calls: calls},
		warm:    sample{wall: sec(warm), processes: procs("plan"), started: procs("plan"), launchers: n, calls: calls},
		apply:   sample{wall: sec(apply), processes: procs("apply"), started: procs("apply"), launchers: n, calls: calls},
		peakRSS: rss,
	}
}

func TestMarkdownSaysMetAndMissed(t *testing.T) {
	direct := func(n float64) directRun {
		sec := func(f float64) phaseTime {
			wall := time.Duration(f * float64(time.Second))
			return phaseTime{wall: wall, cpu: wall * 11 / 10}
		}
		return directRun{cold: sec(n), planOnly: sec(n / 2), apply: sec(n / 2)}
	}
	r := &results{
		kit:     &kit{},
		started: time.Unix(0, 0).UTC(),
		took:    time.Minute,
		load:    []string{"0.1", "0.2", "0.3"},
		sizes: []size{
			{projects: 1, direct: []directRun{direct(1)}, bot: []botRun{fakeRun(1, 1, 1, 1, 40<<20)}},
			{projects: 10, direct: []directRun{direct(10), direct(10)}, bot: []botRun{fakeRun(10, 8, 1, 2, 50<<20), fakeRun(10, 9, 1, 2, 52<<20)},
				serial: []botRun{fakeRun(10, 12, 5, 5, 45<<20)}},
		},
	}
	o := options{projects: []int{1, 10}, runs: []int{1, 2}, parallelism: 4, serial: 10}
	md := r.markdown(o, "make bench-bot")
	for _, want := range []string{
		"**cold `paved plan` at most 1.0× the time by hand, at every size from 10 to 200 projects** (this run did not measure 50, 100, 200 projects",
		": met. Bot / by hand (median): 0.85 at 10.",
		"**warm `paved plan` at most 0.4× the time by hand, at every size from 10 to 200 projects** (this run did not measure 50, 100, 200 projects: the verdict covers only the sizes it measured): met. Bot / by hand (median): 0.20 at 10.",
		"**`paved apply` at most 0.6× the time by hand, at every size from 10 to 200 projects** (this run did not measure 50, 100, 200 projects: the verdict covers only the sizes it measured): met.",
		"constant in the number of projects**: met. Calls: 2 at 1, 2 at 10",
		"per project at 200 projects**: not measured at 200 projects (this run went up to 10): missed at that size.",
		"| cold `paved plan` | of which answering `terraform version -json` from the spec | 1 | 10 | 1.00 |",
		"`terraform version -json` 1 at 1 project and 1 at 10",
		"**This run covered 1 and 10 projects**",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("the report lacks %q:\n%s", want, md)
		}
	}
	// By hand used 1.1 CPUs: on n CPUs no scheduler gets below 1.1/n.
	floor := 1.1 / float64(runtime.NumCPU())
	if row := fmt.Sprintf("| 10 | warm `paved plan` | `plan -out` alone | 5.00 s | 1.10 | 1.00 s | 0.20 (0.20 – 0.20) | %.2f |", floor); !strings.Contains(md, row) {
		t.Errorf("the report lacks the row %q:\n%s", row, md)
	}
	below := fmt.Sprintf("The aim is below this machine's floor (by hand's CPU time over %d CPUs: %.2f at 10)", runtime.NumCPU(), floor)
	if strings.Contains(md, below) != (0.4 < floor) {
		t.Errorf("the floor's sentence %q should be there exactly when 0.4 < %.2f:\n%s", below, floor, md)
	}
}
