package main

import (
	"os"
	"path/filepath"
	"testing"
)

// TestMemoryAvailable reads the limits of a cgroup v2 and a cgroup v1 container, of a host, and
// of a machine where nothing is readable.
func TestMemoryAvailable(t *testing.T) {
	const meminfo = "MemTotal:       24683584 kB\nMemFree:        1000 kB\n"
	const machine = 24683584 << 10
	for name, tc := range map[string]struct {
		files map[string]string
		want  int64
	}{
		"cgroup v2 limit": {map[string]string{
			"proc/self/cgroup": "0::/\n", "sys/fs/cgroup/memory.max": "2147483648\n", "proc/meminfo": meminfo,
		}, 2 << 30},
		"cgroup v2 nested, unlimited": {map[string]string{
			"proc/self/cgroup": "0::/system.slice/paved.service\n", "sys/fs/cgroup/system.slice/paved.service/memory.max": "max\n", "proc/meminfo": meminfo,
		}, machine},
		"cgroup v1 limit at the container's root": {map[string]string{
			"proc/self/cgroup":                           "4:memory:/kubepods/pod1\n1:cpu,cpuacct:/kubepods/pod1\n0::/\n",
			"sys/fs/cgroup/memory/memory.limit_in_bytes": "1073741824\n", "proc/meminfo": meminfo,
		}, 1 << 30},
		"cgroup v1 unlimited": {map[string]string{
			"proc/self/cgroup":                           "4:memory:/\n",
			"sys/fs/cgroup/memory/memory.limit_in_bytes": "9223372036854771712\n", "proc/meminfo": meminfo,
		}, machine},
		"no cgroup": {map[string]string{"proc/meminfo": meminfo}, machine},
		"nothing readable": {map[string]string{
			"proc/self/cgroup": "garbage\n", "sys/fs/cgroup/memory.max": "lots\n", "proc/meminfo": "MemTotal: many\n",
		}, 0},
	} {
		t.Run(name, func(t *testing.T) {
			root := t.TempDir()
			for path, content := range tc.files {
				path = filepath.Join(root, path)
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if got := memoryAvailable(root); got != tc.want {
				t.Errorf("memoryAvailable = %d, want %d", got, tc.want)
			}
		})
	}
}

// TestTerraformMemoryLimit shares the bot's memory among a terraform and a provider per project
// of --parallelism, and sets no limit at Go's default GOGC.
func TestTerraformMemoryLimit(t *testing.T) {
	machine := memoryAvailable("/")
	if machine <= 0 {
		t.Fatal("this machine's memory is unreadable")
	}
	if got, want := (&serveConfig{terraformGOGC: 400, parallelism: 4}).terraformMemoryLimit(), machine/8; got != want {
		t.Errorf("limit at GOGC 400, --parallelism 4: %d, want %d", got, want)
	}
	if got := (&serveConfig{terraformGOGC: 100, parallelism: 4}).terraformMemoryLimit(); got != 0 {
		t.Errorf("limit at GOGC 100: %d, want none", got)
	}
}
