package runner

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"syscall"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/gohcl"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/terraform-exec/tfexec"
	"golang.org/x/mod/sumdb/dirhash"
)

// Inits and the shared plugin cache.
//
// The plugin cache (TF_PLUGIN_CACHE_DIR) is not safe for concurrent writers: an init installs a
// provider into it, or replaces an entry whose package matches no checksum of the lock file, while
// other inits and plans may be reading or running that entry. An init that finds every provider
// cached as its lock file records it only links the entries into its .terraform/, reading the
// cache, so it can run beside plans and other such inits. The runner predicts those inits from the
// lock file (linksOnly) and runs them under the shared side of cacheMu with the cache bound
// read-only in their sandbox: a wrong prediction (a provider the lock file lacks, brought in by a
// remote module or by the state) fails on the read-only cache rather than writing it, and the init
// runs again alone. Without a sandbox nothing holds an init to the prediction, so every init runs
// alone. The lock is one for the whole cache rather than one per provider: which providers an init
// installs is known only once it has run, so per-provider locks would rest on the same prediction
// without the read-only cache to catch it.

// runInit runs one init process, shared or alone as the plugin cache allows.
func (s *session) runInit(ctx context.Context) error {
	if s.r.PluginCache == "" {
		// Without a shared cache an init installs into its own .terraform/ only.
		return s.initProcess(ctx, false)
	}
	if s.r.Sandbox == nil {
		return s.exclusiveInit(ctx)
	}
	if s.r.linksOnly(s.wc, s.dir) {
		return s.sharedInit(ctx)
	}
	// Inits that may install queue here rather than on cacheMu, so that those that waited behind an
	// init installing the same providers find them cached and go on together, shared.
	s.r.installMu.Lock()
	if s.r.linksOnly(s.wc, s.dir) {
		s.r.installMu.Unlock()
		return s.sharedInit(ctx)
	}
	defer s.r.installMu.Unlock()
	return s.exclusiveInit(ctx)
}

// sharedInit runs an init predicted to only link, beside plans and other such inits, with the
// cache read-only. One that needed to write the cache after all runs again alone.
func (s *session) sharedInit(ctx context.Context) error {
	s.r.cacheMu.RLock()
	err := s.initProcess(ctx, false)
	s.r.cacheMu.RUnlock()
	if err == nil || ctx.Err() != nil || !cacheWriteRefused(err, s.output) {
		return err
	}
	slog.InfoContext(ctx, "init had to write the plugin cache, which its lock file did not let the runner foresee; initialising again alone",
		"tool", s.tool, "dir", s.label)
	s.r.installMu.Lock()
	defer s.r.installMu.Unlock()
	return s.exclusiveInit(ctx)
}

// exclusiveInit runs an init that may write the cache, with no other init, plan or apply going.
func (s *session) exclusiveInit(ctx context.Context) error {
	s.r.cacheMu.Lock()
	defer s.r.cacheMu.Unlock()
	return s.initProcess(ctx, true)
}

// initProcess is one `init`. A backend change reconfigures rather than migrating state: a plan
// must never move state.
func (s *session) initProcess(ctx context.Context, cacheWritable bool) error {
	_, err := s.run(ctx, "init", cacheWritable, func(string) error { return s.tf.Init(ctx, tfexec.Reconfigure(true)) })
	return err
}

// cacheWriteRefused says whether a failed init tried to write the read-only plugin cache: the
// only read-only place a sandboxed init writes to. Terraform wraps its diagnostics, so the words
// may be split across lines.
func cacheWriteRefused(err error, output string) bool {
	text := strings.Join(strings.Fields(err.Error()+"\n"+output), " ")
	return strings.Contains(text, syscall.EROFS.Error())
}

// linksOnly predicts that an init of the project dir (relative to wc) installs nothing into the
// plugin cache: its dependency lock file locks every provider at a version whose package is cached
// for this platform with one of the lock file's h1: checksums. That is when Terraform and OpenTofu
// link the cached entry; without a lock file, or with only zh: checksums (which a cached package,
// unpacked, cannot be checked against), they install the package again.
func (r *Runner) linksOnly(wc *os.Root, dir string) bool {
	locked, err := lockedProviders(wc, dir)
	if err != nil {
		return false
	}
	platform := runtime.GOOS + "_" + runtime.GOARCH
	for _, p := range locked {
		sum, err := r.packageHash(filepath.Join(r.PluginCache, p.dir, platform))
		if err != nil || !slices.Contains(p.hashes, sum) {
			return false
		}
	}
	return true
}

// lockedProvider is a provider block of a dependency lock file.
type lockedProvider struct {
	dir    string // host/namespace/type/version, as the plugin cache lays it out
	hashes []string
}

var (
	lockFileSchema = &hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{{Type: "provider", LabelNames: []string{"source"}}}}
	lockSchema     = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
		{Name: "version", Required: true}, {Name: "constraints"}, {Name: "hashes"},
	}}
	// pathSegment keeps the names of the lock file, which a pull request writes, to single path
	// segments of the cache.
	pathSegment = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._+-]*$`)
)

// lockedProviders reads the lock file of dir (relative to wc). Anything Terraform would not have
// written there is an error.
func lockedProviders(wc *os.Root, dir string) ([]lockedProvider, error) {
	src, err := wc.ReadFile(filepath.Join(dir, ".terraform.lock.hcl"))
	if err != nil {
		return nil, fmt.Errorf("read dependency lock file: %w", err)
	}
	file, diags := hclsyntax.ParseConfig(src, ".terraform.lock.hcl", hcl.InitialPos)
	if diags.HasErrors() {
		return nil, fmt.Errorf("parse dependency lock file: %w", diags)
	}
	content, diags := file.Body.Content(lockFileSchema)
	if diags.HasErrors() {
		return nil, fmt.Errorf("parse dependency lock file: %w", diags)
	}
	var locked []lockedProvider
	for _, block := range content.Blocks {
		attrs, diags := block.Body.Content(lockSchema)
		if diags.HasErrors() {
			return nil, fmt.Errorf("parse dependency lock file: %w", diags)
		}
		var version string
		var hashes []string
		if diags := gohcl.DecodeExpression(attrs.Attributes["version"].Expr, nil, &version); diags.HasErrors() {
			return nil, fmt.Errorf("parse dependency lock file: %w", diags)
		}
		if attr, ok := attrs.Attributes["hashes"]; ok {
			if diags := gohcl.DecodeExpression(attr.Expr, nil, &hashes); diags.HasErrors() {
				return nil, fmt.Errorf("parse dependency lock file: %w", diags)
			}
		}
		segments := append(strings.Split(block.Labels[0], "/"), version)
		if len(segments) != 4 || slices.ContainsFunc(segments, func(s string) bool { return !pathSegment.MatchString(s) }) {
			return nil, fmt.Errorf("dependency lock file: provider %q version %q is not a full provider address and version", block.Labels[0], version)
		}
		locked = append(locked, lockedProvider{dir: filepath.Join(segments...), hashes: hashes})
	}
	return locked, nil
}

// packageHash is the h1: checksum of a cached provider package as Terraform computes it: dirhash's
// Hash1 over the package dir, its symlink resolved. It is kept per dir and computed again only when
// a file in the dir changed, so that a large provider is read once rather than for every init.
func (r *Runner) packageHash(dir string) (string, error) {
	dir, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return "", fmt.Errorf("cached provider package: %w", err)
	}
	files, stamp, err := packageFiles(dir)
	if err != nil {
		return "", err
	}
	r.hashesMu.Lock()
	defer r.hashesMu.Unlock()
	if h, ok := r.hashes[dir]; ok && h.stamp == stamp {
		return h.sum, nil
	}
	sum, err := dirhash.Hash1(files, func(name string) (io.ReadCloser, error) {
		return os.OpenFile(filepath.Join(dir, name), os.O_RDONLY|syscall.O_NOFOLLOW, 0)
	})
	if err != nil {
		return "", fmt.Errorf("hash cached provider package: %w", err)
	}
	if r.hashes == nil || len(r.hashes) >= maxHashes {
		r.hashes = map[string]packageSum{}
	}
	r.hashes[dir] = packageSum{stamp: stamp, sum: sum}
	return sum, nil
}

// packageSum is a package's h1: checksum and the stamp of the files it was computed from.
type packageSum struct {
	stamp [sha256.Size]byte
	sum   string
}

// maxHashes bounds the checksums kept; past it they are dropped and computed again as needed.
const maxHashes = 1024

// packageFiles lists the files of a package dir, slash-separated and relative to it, with a stamp
// of their names, sizes, modes and modification times. Anything but files and dirs is an error:
// nothing the runner would hash should block it or lead it elsewhere.
func packageFiles(dir string) (files []string, stamp [sha256.Size]byte, err error) {
	h := sha256.New()
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case path == dir && !d.IsDir():
			return errors.New("it is not a directory")
		case d.IsDir():
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if !info.Mode().IsRegular() {
			return fmt.Errorf("%s is a %s, not a file", path, info.Mode().Type())
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		files = append(files, rel)
		_, err = fmt.Fprintf(h, "%q %d %v %d\n", rel, info.Size(), info.Mode(), info.ModTime().UnixNano())
		return err
	})
	if err == nil && len(files) == 0 {
		err = errors.New("it is empty")
	}
	if err != nil {
		return nil, stamp, fmt.Errorf("cached provider package %s: %w", dir, err)
	}
	copy(stamp[:], h.Sum(nil))
	return files, stamp, nil
}
