package main

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// clockTicks is USER_HZ, the unit of utime and stime in /proc/<pid>/stat;
// 100 on every Linux architecture Go supports.
const clockTicks = 100

// procStat is what /proc/<pid>/stat says about a process.
type procStat struct {
	ppid int
	comm string
	cpu  time.Duration // user + system
}

// readStat parses /proc/<pid>/stat. comm is in parentheses and may hold
// spaces, so the fields are counted from the last ')'.
func readStat(pid int) (procStat, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return procStat{}, false
	}
	open, end := bytes.IndexByte(b, '('), bytes.LastIndexByte(b, ')')
	if open < 0 || end < open {
		return procStat{}, false
	}
	// After comm: state(3) ppid(4) ... utime(14) stime(15).
	f := strings.Fields(string(b[end+1:]))
	if len(f) < 13 {
		return procStat{}, false
	}
	ppid, _ := strconv.Atoi(f[1])
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return procStat{
		ppid: ppid,
		comm: string(b[open+1 : end]),
		cpu:  time.Duration(utime+stime) * time.Second / clockTicks,
	}, true
}

// peakRSS returns VmHWM, the process's peak resident set so far, in bytes.
func peakRSS(pid int) (int64, bool) {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, false
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if rest, ok := strings.CutPrefix(s.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb * 1024, err == nil
		}
	}
	return 0, false
}

// openFDs counts a process's open file descriptors.
func openFDs(pid int) int {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/fd")
	if err != nil {
		return 0
	}
	defer f.Close()
	names, _ := f.Readdirnames(-1)
	return len(names)
}

// pids lists the processes in /proc.
func pids() []int {
	entries, _ := os.ReadDir("/proc")
	out := make([]int, 0, len(entries))
	for _, e := range entries {
		if pid, err := strconv.Atoi(e.Name()); err == nil {
			out = append(out, pid)
		}
	}
	return out
}

// findProcess returns the pid of the first process whose command line
// contains every one of parts, or 0.
func findProcess(parts ...string) int {
	for _, pid := range pids() {
		b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "cmdline"))
		if err != nil {
			continue
		}
		cmdline := string(bytes.ReplaceAll(b, []byte{0}, []byte{' '}))
		found := true
		for _, p := range parts {
			found = found && strings.Contains(cmdline, p)
		}
		if found {
			return pid
		}
	}
	return 0
}

// machineBusy returns the CPU time all processes have used since boot,
// from the first line of /proc/stat: everything but idle and iowait.
func machineBusy() time.Duration {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := bytes.Cut(b, []byte("\n"))
	f := strings.Fields(string(line))
	var busy int64
	for i, v := range f[1:] {
		n, _ := strconv.ParseInt(v, 10, 64)
		if i != 3 && i != 4 && i < 8 { // user nice system [idle iowait] irq softirq steal; guest is in user
			busy += n
		}
	}
	return time.Duration(busy) * time.Second / clockTicks
}

// cpuOf returns a process's CPU time so far, or 0 if it is gone.
func cpuOf(pid int) time.Duration {
	st, _ := readStat(pid)
	return st.cpu
}

// providerSample is what the sampler saw of the provider processes that one
// terraform process started.
type providerSample struct {
	Processes int           // provider processes seen
	PeakRSS   int64         // largest VmHWM among them, bytes
	CPU       time.Duration // their CPU time, summed, as last seen
	FDs       int           // most open file descriptors one of them had: mostly sockets
	Terraform int64         // terraform's own VmHWM, bytes
}

// sampler watches, every interval, the direct children of one terraform
// process whose name starts with the provider's (comm is cut to 15
// characters: "terraform-provi"). VmHWM is a lifetime peak, so a sample
// taken any time before a process exits already holds its peak up to then;
// only the last interval of a process's life can go unseen.
type sampler struct {
	stop chan struct{}
	done chan struct{}

	mu   sync.Mutex
	hwm  map[int]int64
	cpu  map[int]time.Duration
	fds  int
	self int64
}

const providerComm = "terraform-provi"

func startSampler(ctx context.Context, terraformPID int, interval time.Duration) *sampler {
	s := &sampler{
		stop: make(chan struct{}), done: make(chan struct{}),
		hwm: map[int]int64{}, cpu: map[int]time.Duration{},
	}
	go func() {
		defer close(s.done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			s.sample(terraformPID)
			select {
			case <-ctx.Done():
				return
			case <-s.stop:
				return
			case <-t.C:
			}
		}
	}()
	return s
}

func (s *sampler) sample(terraformPID int) {
	tf, _ := peakRSS(terraformPID)
	s.mu.Lock()
	s.self = max(s.self, tf)
	s.mu.Unlock()
	for _, pid := range pids() {
		st, ok := readStat(pid)
		if !ok || st.ppid != terraformPID || !strings.HasPrefix(st.comm, providerComm) {
			continue
		}
		hwm, ok := peakRSS(pid)
		if !ok {
			continue
		}
		fds := openFDs(pid)
		s.mu.Lock()
		s.fds = max(s.fds, fds)
		s.hwm[pid] = max(s.hwm[pid], hwm)
		s.cpu[pid] = max(s.cpu[pid], st.cpu)
		s.mu.Unlock()
	}
}

// finish stops the sampler and returns what it saw.
func (s *sampler) finish() providerSample {
	close(s.stop)
	<-s.done
	s.mu.Lock()
	defer s.mu.Unlock()
	out := providerSample{Processes: len(s.hwm), Terraform: s.self, FDs: s.fds}
	for pid, hwm := range s.hwm {
		out.PeakRSS = max(out.PeakRSS, hwm)
		out.CPU += s.cpu[pid]
	}
	return out
}
