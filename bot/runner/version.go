package runner

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"syscall"
)

// probedVersion is what a binary said of its version when the runner asked it: the version as
// terraform-exec parsed it, and the answer to `version -json` a launcher may give in its stead.
type probedVersion struct {
	stamp   fileStamp
	version string
	json    string
}

// version is what the binary reports, asked once per binary and again only when the file at its
// path changed. terraform-exec asks `version -json` itself, once per handle, before the handle's
// first command, and there is a handle per directory, so every new working copy would ask again.
// Sandboxed, the launcher answers those from the JSON of this probe (sandbox.Spec.VersionJSON)
// instead of starting a sandbox for it. Unconfined, each new handle asks the binary: there is no
// launcher in between to answer, and such a probe is one short process per directory.
func (s *session) version(ctx context.Context) (string, error) {
	binary := s.job.Binary
	if s.program != "" {
		binary = s.program
	}
	stamp, err := stampOf(binary)
	if err != nil {
		return "", s.fail("version", err)
	}
	s.r.versionsMu.Lock()
	defer s.r.versionsMu.Unlock()
	if v, ok := s.r.versions[binary]; ok && v.stamp == stamp {
		s.versionJSON = v.json
		return v.version, nil
	}
	// The JSON is for terraform-exec, not for the live log.
	live := s.job.Output
	s.job.Output = nil
	defer func() { s.job.Output = live }()
	var version string
	out, err := s.run(ctx, "version", false, func(string) error {
		v, _, err := s.tf.Version(ctx, true)
		if err == nil {
			version = v.String()
		}
		return err
	})
	if err != nil {
		return "", err
	}
	probed := probedVersion{stamp: stamp, version: version, json: versionAnswer(out)}
	if s.r.versions == nil {
		s.r.versions = map[string]probedVersion{}
	}
	s.r.versions[binary] = probed
	s.versionJSON = probed.json
	return version, nil
}

var (
	versionNumber = regexp.MustCompile(`^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$`)
	platformName  = regexp.MustCompile(`^[a-z0-9]+_[a-z0-9]+$`)
)

// versionAnswer is what a launcher may answer to `version -json` for any directory, made from the
// probe's output: its version and platform, checked, and no provider selections, which are the
// probed directory's (a pull request's lock file) and which nothing the runner asks reads. ""
// when the output is not one such JSON document: the launchers then leave the question to the
// binary.
func versionAnswer(out string) string {
	var v struct {
		Version  string `json:"terraform_version"`
		Platform string `json:"platform"`
	}
	if err := json.Unmarshal([]byte(out), &v); err != nil || !versionNumber.MatchString(v.Version) || !platformName.MatchString(v.Platform) {
		return ""
	}
	answer, err := json.MarshalIndent(struct {
		Version    string            `json:"terraform_version"`
		Platform   string            `json:"platform"`
		Selections map[string]string `json:"provider_selections"`
	}{v.Version, v.Platform, map[string]string{}}, "", "  ")
	if err != nil {
		return ""
	}
	return string(answer) + "\n"
}

// fileStamp tells a file from one that replaced it at the same path.
type fileStamp struct {
	dev, ino    uint64
	size, mtime int64
}

func stampOf(path string) (fileStamp, error) {
	info, err := os.Stat(path)
	if err != nil {
		return fileStamp{}, fmt.Errorf("stat binary: %w", err)
	}
	st, ok := info.Sys().(*syscall.Stat_t)
	if !ok {
		return fileStamp{}, fmt.Errorf("stat binary %s: no device and inode", path)
	}
	return fileStamp{dev: st.Dev, ino: st.Ino, size: info.Size(), mtime: info.ModTime().UnixNano()}, nil
}
