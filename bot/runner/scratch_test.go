package runner

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestReadPlanFileRefusesPlantedFiles: code in the sandbox may replace the plan file in its
// scratch dir with a symlink to a file of the bot's, or with a FIFO that would block the read.
func TestReadPlanFileRefusesPlantedFiles(t *testing.T) {
	secret := filepath.Join(t.TempDir(), "app.pem")
	if err := os.WriteFile(secret, []byte("key"), 0o600); err != nil {
		t.Fatal(err)
	}
	for name, plant := range map[string]func(path string) error{
		"absolute symlink": func(path string) error { return os.Symlink(secret, path) },
		"relative symlink": func(path string) error { return os.Symlink("../../"+filepath.Base(secret), path) },
		"fifo":             func(path string) error { return syscall.Mkfifo(path, 0o600) },
		"directory":        func(path string) error { return os.Mkdir(path, 0o700) },
	} {
		scratch := t.TempDir()
		if err := plant(filepath.Join(scratch, planName)); err != nil {
			t.Fatal(err)
		}
		if b, err := readPlanFile(scratch); err == nil {
			t.Errorf("%s: read %q", name, b)
		}
	}

	scratch := t.TempDir()
	if err := os.WriteFile(filepath.Join(scratch, planName), []byte("plan"), 0o600); err != nil {
		t.Fatal(err)
	}
	if b, err := readPlanFile(scratch); err != nil || string(b) != "plan" {
		t.Errorf("a plan file: %q, %v", b, err)
	}
}
