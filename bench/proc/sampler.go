package proc

import (
	"sync"
	"time"
)

// Sample is one VmRSS reading.
type Sample struct {
	At  time.Time
	RSS int64
}

// Sampler reads a process's VmRSS at a fixed interval and keeps every
// reading, the highest and the last.
type Sampler struct {
	pid        int
	stop, done chan struct{}
	once       sync.Once
	mu         sync.Mutex
	samples    []Sample
	peak, last int64
}

// StartSampler reads pid's VmRSS now and then every interval, until Finish.
func StartSampler(pid int, every time.Duration) *Sampler {
	s := &Sampler{pid: pid, stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			if rss, ok := Status(pid, "VmRSS"); ok {
				s.mu.Lock()
				s.samples = append(s.samples, Sample{time.Now(), rss})
				s.last = rss
				s.peak = max(s.peak, rss)
				s.mu.Unlock()
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

// Peak is the highest VmRSS read so far.
func (s *Sampler) Peak() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.peak
}

// Now is the process's VmRSS at this moment (the last reading once it is
// gone), and the highest so far (sampled, or VmHWM, the kernel's own peak,
// when higher).
func (s *Sampler) Now() (rss, peak int64) {
	s.mu.Lock()
	last, sampled := s.last, s.peak
	s.mu.Unlock()
	rss, ok := Status(s.pid, "VmRSS")
	if !ok {
		rss = last
	}
	peak = max(sampled, rss)
	if hwm, ok := Status(s.pid, "VmHWM"); ok {
		peak = max(peak, hwm)
	}
	return rss, peak
}

// Between are the readings taken from from to to.
func (s *Sampler) Between(from, to time.Time) []int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []int64
	for _, x := range s.samples {
		if !x.At.Before(from) && !x.At.After(to) {
			out = append(out, x.RSS)
		}
	}
	return out
}

// Finish stops the sampler; it may be called more than once.
func (s *Sampler) Finish() {
	s.once.Do(func() { close(s.stop) })
	<-s.done
}
