// Package machine describes the machine the benchmarks run on, for their
// reports: what it is, its load average, and how its CPU time went.
package machine

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/paved-road/paved/bench/proc"
)

// Describe is "8 CPUs, <model>, 15.6 GiB RAM, Linux <release>", with what
// /proc tells of them.
func Describe() string {
	return DescribeWith(func(b int64) string { return fmt.Sprintf("%.1f GiB", float64(b)/(1<<30)) })
}

// DescribeWith is Describe with the RAM, in bytes, formatted by mem.
func DescribeWith(mem func(int64) string) string {
	model := "unknown CPU"
	if raw, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.SplitSeq(string(raw), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
	}
	desc := fmt.Sprintf("%d CPUs, %s", runtime.NumCPU(), model)
	if total, ok := Meminfo("MemTotal"); ok {
		desc += ", " + mem(total) + " RAM"
	}
	if raw, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		desc += ", Linux " + strings.TrimSpace(string(raw))
	}
	return desc
}

// Meminfo reads a field of /proc/meminfo (MemTotal, MemAvailable), in
// bytes.
func Meminfo(field string) (int64, bool) {
	raw, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0, false
	}
	return proc.KBField(string(raw), field)
}

// LoadAverage is the 1-minute load average, "unknown" when unreadable.
func LoadAverage() string {
	raw, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	return strings.Fields(string(raw))[0]
}

// Ticks are the machine's CPU time so far, from /proc/stat, in ticks: all
// of it; the part this machine's processes and kernel used (not idle, not
// waiting for I/O); and steal, the time a virtual machine's CPUs were ready
// but the hypervisor ran something else.
type Ticks struct{ Total, Busy, Steal int64 }

// ReadTicks reads /proc/stat; zero when it cannot.
func ReadTicks() Ticks {
	raw, err := os.ReadFile("/proc/stat")
	if err != nil {
		return Ticks{}
	}
	return ParseTicks(proc.FirstLine(string(raw)))
}

// ParseTicks reads /proc/stat's first line: "cpu  user nice system idle
// iowait irq softirq steal guest guest_nice"; guest time is inside user.
func ParseTicks(line string) Ticks {
	var c Ticks
	for i, f := range strings.Fields(line) {
		v, err := strconv.ParseInt(f, 10, 64)
		if err != nil || i < 1 || i > 8 {
			continue
		}
		c.Total += v
		switch i {
		case 4, 5: // idle, iowait
		case 8:
			c.Steal += v
		default:
			c.Busy += v
		}
	}
	return c
}

// BusySince is the share of the CPU time since before that was busy.
func (c Ticks) BusySince(before Ticks) float64 {
	if c.Total <= before.Total {
		return 0
	}
	return float64(c.Busy-before.Busy) / float64(c.Total-before.Total)
}

// Counters are the machine's busy CPU time, its steal time, and the CPU
// time of this process with every child it waited for, at one moment.
type Counters struct {
	At                   time.Time
	Machine, Steal, Ours time.Duration
}

// ReadCounters reads the Counters now.
func ReadCounters() Counters {
	ticks := ReadTicks()
	c := Counters{At: time.Now(), Machine: proc.Ticks(ticks.Busy), Steal: proc.Ticks(ticks.Steal)}
	for _, who := range []int{syscall.RUSAGE_SELF, syscall.RUSAGE_CHILDREN} {
		var ru syscall.Rusage
		if syscall.Getrusage(who, &ru) == nil {
			c.Ours += time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
		}
	}
	return c
}

// Share is how the machine's CPU time went between two Counters: the
// benchmark with everything it ran and waited for, and every other process.
type Share struct {
	Available, Ours, Others, Steal time.Duration
}

// Since is the Share from before to c.
func (c Counters) Since(before Counters) Share {
	s := Share{
		Available: time.Duration(float64(c.At.Sub(before.At)) * float64(runtime.NumCPU())),
		Ours:      c.Ours - before.Ours,
		Steal:     c.Steal - before.Steal,
	}
	s.Others = max(0, c.Machine-before.Machine-s.Ours)
	return s
}

// Of is d as a share of the machine's CPU time.
func (s Share) Of(d time.Duration) float64 {
	if s.Available <= 0 {
		return 0
	}
	return float64(d) / float64(s.Available)
}

// OthersShare is the share of the machine's CPU time other processes used.
func (s Share) OthersShare() float64 { return s.Of(s.Others) }
