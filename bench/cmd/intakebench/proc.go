package main

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// procStatus reads a "kB" field of /proc/<pid>/status (VmRSS, VmHWM), in
// bytes.
func procStatus(pid int, field string) (int64, bool) {
	return kBField("/proc/"+strconv.Itoa(pid)+"/status", field)
}

// memAvailable is what the kernel estimates can be allocated without
// swapping.
func memAvailable() (int64, bool) { return kBField("/proc/meminfo", "MemAvailable") }

func kBField(path, field string) (int64, bool) {
	f, err := os.Open(path)
	if err != nil {
		return 0, false
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if rest, ok := strings.CutPrefix(s.Text(), field+":"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10, err == nil
		}
	}
	return 0, false
}

// sampler keeps the highest VmRSS of a process, read every sampleEvery.
type sampler struct {
	stop, done chan struct{}
	peak       atomic.Int64
}

func startSampler(pid int) *sampler {
	s := &sampler{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		t := time.NewTicker(sampleEvery)
		defer t.Stop()
		for {
			if rss, ok := procStatus(pid, "VmRSS"); ok && rss > s.peak.Load() {
				s.peak.Store(rss)
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

// finish stops the sampler and returns the highest VmRSS it saw.
func (s *sampler) finish() int64 {
	close(s.stop)
	<-s.done
	return s.peak.Load()
}

// machine describes where the figures were taken.
func machine() string {
	model := "unknown CPU"
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		s := bufio.NewScanner(f)
		for s.Scan() {
			if k, v, ok := strings.Cut(s.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
		f.Close()
	}
	desc := fmt.Sprintf("%d CPUs, %s", runtime.NumCPU(), model)
	if total, ok := kBField("/proc/meminfo", "MemTotal"); ok {
		desc += ", " + mib(total) + " RAM"
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		desc += ", Linux " + strings.TrimSpace(string(b))
	}
	return desc
}

// mib formats a size in bytes.
func mib(b int64) string {
	if b >= 1<<30 {
		return fmt.Sprintf("%.2f GiB", float64(b)/(1<<30))
	}
	return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20))
}
