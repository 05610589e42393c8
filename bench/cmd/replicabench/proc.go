package main

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// What replicabench reads of /proc: the replicas' and redis-server's
// resident sets, the machine's CPU time, and what the machine is.

// procStatus reads a "kB" field of /proc/<pid>/status (VmRSS, VmHWM), in
// bytes.
func procStatus(pid int, field string) (int64, bool) {
	raw, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, false
	}
	return kBField(string(raw), field)
}

// kBField reads "Field:   1234 kB" out of a /proc file's text, in bytes.
func kBField(text, field string) (int64, bool) {
	for line := range strings.SplitSeq(text, "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10, err == nil
		}
	}
	return 0, false
}

// sampler keeps the highest VmRSS of a process, read every sampleEvery,
// and the last one read.
type sampler struct {
	pid        int
	stop, done chan struct{}
	once       sync.Once
	peak, last atomic.Int64
}

func startSampler(pid int) *sampler {
	s := &sampler{pid: pid, stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		t := time.NewTicker(sampleEvery)
		defer t.Stop()
		for {
			if rss, ok := procStatus(pid, "VmRSS"); ok {
				s.last.Store(rss)
				if rss > s.peak.Load() {
					s.peak.Store(rss)
				}
			}
			select {
			case <-s.stop:
				return
			case <-t.C:
			}
		}
	}()
	return s
}

// now is the process's VmRSS at this moment, and the highest so far
// (sampled, or VmHWM, the kernel's own peak, when higher).
func (s *sampler) now() (rss, peak int64) {
	rss, ok := procStatus(s.pid, "VmRSS")
	if !ok {
		rss = s.last.Load()
	}
	peak = max(s.peak.Load(), rss)
	if hwm, ok := procStatus(s.pid, "VmHWM"); ok {
		peak = max(peak, hwm)
	}
	return rss, peak
}

// finish stops the sampler; it may be called more than once.
func (s *sampler) finish() {
	s.once.Do(func() { close(s.stop) })
	<-s.done
}

// cpuShare is how the machine's CPU time went during the measurements:
// replicabench with everything it ran and waited for (the replicas with
// their terraform, redis-server, git), and every other process.
type cpuShare struct {
	available, ours, others, steal time.Duration
}

// cpuCounters are the machine's busy CPU time, its steal time and ours, at
// one moment.
type cpuCounters struct {
	at                   time.Time
	machine, steal, ours time.Duration
}

func readCounters() cpuCounters {
	ticks := readCPU()
	c := cpuCounters{
		at:      time.Now(),
		machine: time.Duration(ticks.busy) * time.Second / clockTicks,
		steal:   time.Duration(ticks.steal) * time.Second / clockTicks,
	}
	for _, who := range []int{syscall.RUSAGE_SELF, syscall.RUSAGE_CHILDREN} {
		var ru syscall.Rusage
		if syscall.Getrusage(who, &ru) == nil {
			c.ours += time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
		}
	}
	return c
}

// clockTicks is USER_HZ, the unit of /proc/stat: 100 on every Linux
// architecture Go supports.
const clockTicks = 100

func (c cpuCounters) since(before cpuCounters) cpuShare {
	s := cpuShare{
		available: time.Duration(float64(c.at.Sub(before.at)) * float64(runtime.NumCPU())),
		ours:      c.ours - before.ours,
		steal:     c.steal - before.steal,
	}
	s.others = max(0, c.machine-before.machine-s.ours)
	return s
}

// share is d as a share of the machine's CPU time.
func (s cpuShare) share(d time.Duration) float64 {
	if s.available <= 0 {
		return 0
	}
	return float64(d) / float64(s.available)
}

// othersShare is the share of the machine's CPU time other processes used.
func (s cpuShare) othersShare() float64 { return s.share(s.others) }

// cpuTicks are the machine's CPU time so far, from /proc/stat, in ticks:
// all of it; the part this machine's processes and kernel used (not idle,
// not waiting for I/O); and steal, the time a virtual machine's CPUs were
// ready but the hypervisor ran something else.
type cpuTicks struct{ total, busy, steal int64 }

func readCPU() cpuTicks {
	raw, err := os.ReadFile("/proc/stat")
	if err != nil {
		return cpuTicks{}
	}
	return parseCPU(firstLine(string(raw)))
}

// parseCPU reads /proc/stat's first line: "cpu  user nice system idle
// iowait irq softirq steal guest guest_nice"; guest time is inside user.
func parseCPU(line string) cpuTicks {
	var c cpuTicks
	for i, f := range strings.Fields(line) {
		v, err := strconv.ParseInt(f, 10, 64)
		if err != nil || i < 1 || i > 8 {
			continue
		}
		c.total += v
		switch i {
		case 4, 5: // idle, iowait
		case 8:
			c.steal += v
		default:
			c.busy += v
		}
	}
	return c
}

// busySince is the share of the CPU time since before that was busy.
func (c cpuTicks) busySince(before cpuTicks) float64 {
	if c.total <= before.total {
		return 0
	}
	return float64(c.busy-before.busy) / float64(c.total-before.total)
}

func loadAverage() string {
	raw, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	return strings.Fields(string(raw))[0]
}

// machine describes where the figures were taken.
func machine() string {
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
	if raw, err := os.ReadFile("/proc/meminfo"); err == nil {
		if total, ok := kBField(string(raw), "MemTotal"); ok {
			desc += fmt.Sprintf(", %.1f GiB RAM", float64(total)/(1<<30))
		}
	}
	if raw, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		desc += ", Linux " + strings.TrimSpace(string(raw))
	}
	return desc
}
