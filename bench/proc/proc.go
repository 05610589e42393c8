// Package proc runs the commands the benchmarks need, keeps what they
// print, and reads what /proc says of the processes they start.
package proc

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Output runs a command and returns its stdout; the error carries its
// output. env, when not nil, is added to the benchmark's own environment.
func Output(ctx context.Context, dir string, env []string, name string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	if env != nil {
		cmd.Env = append(os.Environ(), env...)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("%s %s: %w\n%s%s", name, strings.Join(args, " "), err, Tail(stdout.String()), Tail(stderr.String()))
	}
	return stdout.String(), nil
}

// Tail keeps the last 30 lines of a command's output or a log, for errors,
// ending in a newline; "" when there are none.
func Tail(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > 30 {
		lines = lines[len(lines)-30:]
	}
	if len(lines) == 1 && lines[0] == "" {
		return ""
	}
	return strings.Join(lines, "\n") + "\n"
}

// FirstLine is s up to its first newline.
func FirstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// LastField is the last whitespace-separated field of s, or "".
func LastField(s string) string {
	f := strings.Fields(s)
	if len(f) == 0 {
		return ""
	}
	return f[len(f)-1]
}

// WriteFiles writes files, by slash-separated path under dir, creating the
// directories they need.
func WriteFiles(dir string, files map[string]string) error {
	for name, content := range files {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// GitEnv is the environment of the git commands that build a benchmark's
// repositories: no system configuration, HOME at home, a fixed author.
func GitEnv(home string) []string {
	return []string{
		"GIT_CONFIG_NOSYSTEM=1", "HOME=" + home,
		"GIT_AUTHOR_NAME=dev", "GIT_AUTHOR_EMAIL=dev@example.com",
		"GIT_COMMITTER_NAME=dev", "GIT_COMMITTER_EMAIL=dev@example.com",
	}
}

// Status reads a "kB" field of /proc/<pid>/status (VmRSS, VmHWM), in
// bytes.
func Status(pid int, field string) (int64, bool) {
	raw, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, false
	}
	return KBField(string(raw), field)
}

// KBField reads "Field:   1234 kB" out of a /proc file's text, in bytes.
func KBField(text, field string) (int64, bool) {
	for line := range strings.SplitSeq(text, "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10, err == nil
		}
	}
	return 0, false
}

// ClockTicks is USER_HZ, the unit of /proc/stat and /proc/<pid>/stat: 100
// on every Linux architecture Go supports.
const ClockTicks = 100

// Ticks is a count of ClockTicks as a duration.
func Ticks(n int64) time.Duration { return time.Duration(n) * time.Second / ClockTicks }

// Threads is the number of threads of a process, 0 when it is gone.
func Threads(pid int) int {
	raw, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(raw), "\n") {
		if rest, ok := strings.CutPrefix(line, "Threads:"); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(rest))
			return n
		}
	}
	return 0
}

// OpenFiles is the number of open file descriptors of a process, 0 when it
// is gone.
func OpenFiles(pid int) int {
	entries, err := os.ReadDir("/proc/" + strconv.Itoa(pid) + "/fd")
	if err != nil {
		return 0
	}
	return len(entries)
}

// CPU is the CPU time of a process and of the children it waited for, from
// /proc/<pid>/stat.
func CPU(pid int) (time.Duration, bool) {
	own, children, ok := CPUTimes(pid)
	return own + children, ok
}

// CPUTimes is the CPU time (user and system) of a process itself and that of
// the children it waited for, theirs included, from /proc/<pid>/stat.
func CPUTimes(pid int) (own, children time.Duration, ok bool) {
	raw, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, 0, false
	}
	// The command name, in parentheses, may hold spaces: fields count
	// from after its closing parenthesis, which is field 2.
	i := bytes.LastIndexByte(raw, ')')
	if i < 0 {
		return 0, 0, false
	}
	f := strings.Fields(string(raw[i+1:]))
	// utime, stime, cutime, cstime are fields 14 to 17: 11 to 14 here.
	if len(f) < 15 {
		return 0, 0, false
	}
	var ticks [4]int64
	for j, s := range f[11:15] {
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, 0, false
		}
		ticks[j] = v
	}
	return Ticks(ticks[0] + ticks[1]), Ticks(ticks[2] + ticks[3]), true
}
