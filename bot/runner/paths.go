package runner

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/gohcl"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	hcljson "github.com/hashicorp/hcl/v2/json"
)

// CheckPaths refuses a project that would read files from outside the working copy root: the
// project dir, its var files (relative to dir) and the local module sources ("./x", "../x") of its
// configuration, followed through the local modules they call, must resolve inside root, symlinks
// included. Module sources that are not literal strings (OpenTofu evaluates some) are left to the
// sandbox.
func CheckPaths(root, dir string, varFiles []string) error {
	r, err := os.OpenRoot(root)
	if err != nil {
		return fmt.Errorf("open working copy: %w", err)
	}
	defer func() { _ = r.Close() }()
	relDir, err := relativeTo(root, dir)
	if err != nil {
		return fmt.Errorf("project dir %s: %w", dir, err)
	}
	if err := wantKind(r, relDir, true); err != nil {
		return fmt.Errorf("project dir %s must be a directory inside the working copy: %w", relDir, err)
	}
	for _, name := range varFiles {
		p := name
		if !filepath.IsAbs(p) {
			p = filepath.Join(dir, p)
		}
		rel, err := relativeTo(root, p)
		if err == nil {
			err = wantKind(r, rel, false)
		}
		if err != nil {
			return fmt.Errorf("var file %s must be a file inside the working copy: %w", name, err)
		}
	}
	var seen []fs.FileInfo
	return checkModules(r, filepath.ToSlash(relDir), &seen)
}

// relativeTo is path relative to root, refusing one that leaves root by name.
func relativeTo(root, p string) (string, error) {
	rel, err := filepath.Rel(root, p)
	if err != nil {
		return "", fmt.Errorf("relative to the working copy: %w", err)
	}
	if rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", errors.New("it is outside the working copy")
	}
	return rel, nil
}

// wantKind checks, through r, that name resolves inside it to a directory or a regular file.
func wantKind(r *os.Root, name string, dir bool) error {
	info, err := r.Stat(name)
	switch {
	case err != nil:
		return err
	case dir && !info.IsDir():
		return errors.New("it is not a directory")
	case !dir && !info.Mode().IsRegular():
		return errors.New("it is not a regular file")
	}
	return nil
}

var (
	moduleSchema = &hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{{Type: "module", LabelNames: []string{"name"}}}}
	sourceSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{{Name: "source"}}}
)

// checkModules checks the local module sources of the configuration in dir (slash-separated,
// relative to r) and of the modules they call. seen holds the dirs already checked, by identity,
// so that a module symlinked into itself ends the walk.
func checkModules(r *os.Root, dir string, seen *[]fs.FileInfo) error {
	info, err := r.Stat(dir)
	if err != nil {
		return fmt.Errorf("module dir %s: %w", dir, err)
	}
	for _, s := range *seen {
		if os.SameFile(s, info) {
			return nil
		}
	}
	*seen = append(*seen, info)

	entries, err := fs.ReadDir(r.FS(), dir)
	if err != nil {
		return fmt.Errorf("list configuration in %s: %w", dir, err)
	}
	for _, e := range entries {
		name := e.Name()
		configFile := strings.HasSuffix(name, ".tf") || strings.HasSuffix(name, ".tf.json")
		if e.IsDir() || ignoredFile(name) || !configFile {
			continue
		}
		file := path.Join(dir, name)
		src, err := r.ReadFile(file)
		if err != nil {
			return fmt.Errorf("configuration file %s must be a file inside the working copy: %w", file, err)
		}
		for _, m := range localModules(file, src) {
			target := path.Join(dir, m.path)
			err := wantKind(r, target, true)
			if target == ".." || strings.HasPrefix(target, "../") {
				err = errors.New("it is outside the working copy")
			}
			if err != nil {
				return fmt.Errorf("module %q in %s: source %q must be a directory inside the working copy: %w", m.name, file, m.source, err)
			}
			if err := checkModules(r, target, seen); err != nil {
				return err
			}
		}
	}
	return nil
}

// ignoredFile is what terraform skips when it loads a directory: editor backups and hidden files.
func ignoredFile(name string) bool {
	return strings.HasPrefix(name, ".") || strings.HasSuffix(name, "~") || (strings.HasPrefix(name, "#") && strings.HasSuffix(name, "#"))
}

// moduleCall is a module block: its name, its source as written, and that as a slash path.
type moduleCall struct{ name, source, path string }

// localModules lists the module calls of one configuration file whose source is a local path.
// A file that does not parse yields what parsed: terraform reports the rest in its own words.
func localModules(name string, src []byte) []moduleCall {
	var file *hcl.File
	if strings.HasSuffix(name, ".json") {
		file, _ = hcljson.Parse(src, name)
	} else {
		file, _ = hclsyntax.ParseConfig(src, name, hcl.InitialPos)
	}
	if file == nil || file.Body == nil {
		return nil
	}
	content, _, _ := file.Body.PartialContent(moduleSchema)
	var calls []moduleCall
	for _, block := range content.Blocks {
		attrs, _, _ := block.Body.PartialContent(sourceSchema)
		attr, ok := attrs.Attributes["source"]
		if !ok {
			continue
		}
		var source string
		if diags := gohcl.DecodeExpression(attr.Expr, nil, &source); diags.HasErrors() {
			continue
		}
		// Terraform takes either slash in a local source.
		p := strings.ReplaceAll(source, `\`, "/")
		if strings.HasPrefix(p, "./") || strings.HasPrefix(p, "../") {
			calls = append(calls, moduleCall{name: block.Labels[0], source: source, path: p})
		}
	}
	return calls
}
