package main

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// launches sees every execution of a program through fanotify's
// FAN_OPEN_EXEC on its file. botbench watches paved-sandbox, installed beside
// paved-bot as a release does, which the bot executes as its sandbox
// launcher (bot/sandbox): once in front
// of every sandboxed terraform process, and once for each `terraform version
// -json` that terraform-exec asks and the launcher answers from the sandbox
// spec without starting a sandbox. The stand-ins run inside the sandbox, so
// those answers are in no trace but this one. (inotify's IN_OPEN would not
// do: a package the bot links, protobuf's detrand, opens the binary to read
// it at start-up, in some processes and not others: paved-bot, when it was
// its own launcher.)
type launches struct {
	f    *os.File
	done chan struct{}
	mu   sync.Mutex
	at   []time.Time
}

// watchLaunches starts watching binary; fanotify needs CAP_SYS_ADMIN.
func watchLaunches(binary string) (*launches, error) {
	fd, err := unix.FanotifyInit(unix.FAN_CLASS_NOTIF|unix.FAN_CLOEXEC|unix.FAN_NONBLOCK, unix.O_RDONLY|unix.O_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("fanotify, which counts the bot's launcher processes, needs CAP_SYS_ADMIN (run botbench as root): %w", err)
	}
	if err := unix.FanotifyMark(fd, unix.FAN_MARK_ADD, unix.FAN_OPEN_EXEC, unix.AT_FDCWD, binary); err != nil {
		_ = unix.Close(fd)
		return nil, fmt.Errorf("fanotify on %s: %w", binary, err)
	}
	// Non-blocking, the file is read through Go's poller, and closing it
	// ends a read under way.
	l := &launches{f: os.NewFile(uintptr(fd), "fanotify"), done: make(chan struct{})}
	go l.read()
	return l, nil
}

// metadataSize is the size of one event without its extra information.
const metadataSize = int(unsafe.Sizeof(unix.FanotifyEventMetadata{}))

func (l *launches) read() {
	defer close(l.done)
	buf := make([]byte, 64*metadataSize)
	for {
		n, err := l.f.Read(buf)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil || n <= 0 {
			return
		}
		now := time.Now()
		l.mu.Lock()
		for off := 0; off+metadataSize <= n; {
			ev := (*unix.FanotifyEventMetadata)(unsafe.Pointer(&buf[off]))
			if ev.Fd >= 0 {
				_ = unix.Close(int(ev.Fd))
			}
			if ev.Mask&unix.FAN_OPEN_EXEC != 0 {
				l.at = append(l.at, now)
			}
			if ev.Event_len == 0 {
				break
			}
			off += int(ev.Event_len)
		}
		l.mu.Unlock()
	}
}

// between counts the executions seen from from to to.
func (l *launches) between(from, to time.Time) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, t := range l.at {
		if !t.Before(from) && !t.After(to) {
			n++
		}
	}
	return n
}

// close stops watching.
func (l *launches) close() {
	_ = l.f.Close()
	<-l.done
}
