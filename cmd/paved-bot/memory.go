package main

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// terraformMemoryLimit is the soft memory limit (GOMEMLIMIT) of each terraform and provider
// process: none at Go's own GOGC or lower, else an equal share, among a terraform and a provider
// for each of the --parallelism projects a command runs at once, of the memory the bot may use.
// It is 0 when that memory cannot be read.
func (c *serveConfig) terraformMemoryLimit() int64 {
	if c.terraformGOGC <= 100 {
		return 0
	}
	return memoryAvailable("/") / int64(2*c.parallelism)
}

// memoryAvailable reads, below root ("/" but in tests), the memory limits that apply to this
// process: the cgroup v2 memory.max, the cgroup v1 memory.limit_in_bytes (at the process's own
// cgroup, and at the hierarchy's root as a container sees it), and MemTotal; the smallest wins.
// An unlimited cgroup writes "max" or a number larger than the machine, which MemTotal then
// undercuts.
func memoryAvailable(root string) int64 {
	var limit int64
	take := func(n int64) {
		if n > 0 && (limit == 0 || n < limit) {
			limit = n
		}
	}
	readNumber := func(path string) {
		b, err := os.ReadFile(filepath.Join(root, path))
		if err != nil {
			return
		}
		if n, err := strconv.ParseInt(string(bytes.TrimSpace(b)), 10, 64); err == nil {
			take(n)
		}
	}
	if cgroups, err := os.ReadFile(filepath.Join(root, "proc/self/cgroup")); err == nil {
		for line := range strings.Lines(string(cgroups)) {
			// hierarchy-ID:controllers:path; v2 is 0 with no controllers.
			parts := strings.SplitN(strings.TrimSpace(line), ":", 3)
			switch {
			case len(parts) != 3:
			case parts[0] == "0" && parts[1] == "":
				readNumber(filepath.Join("sys/fs/cgroup", parts[2], "memory.max"))
			case slices.Contains(strings.Split(parts[1], ","), "memory"):
				readNumber(filepath.Join("sys/fs/cgroup/memory", parts[2], "memory.limit_in_bytes"))
				readNumber("sys/fs/cgroup/memory/memory.limit_in_bytes")
			}
		}
	}
	if f, err := os.Open(filepath.Join(root, "proc/meminfo")); err == nil {
		defer func() { _ = f.Close() }()
		lines := bufio.NewScanner(f)
		for lines.Scan() {
			if rest, ok := strings.CutPrefix(lines.Text(), "MemTotal:"); ok {
				if kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64); err == nil {
					take(kb << 10)
				}
				break
			}
		}
	}
	return limit
}
