package githubfake

import (
	"bufio"
	"bytes"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
)

// git runs git in a repository and returns its trimmed stdout; the error
// carries git's stderr.
func git(dir, stdin string, args ...string) (string, error) {
	cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("git %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSpace(stdout.String()), nil
}

// blobs maps each of paths that exists in commit to its blob id.
func blobs(dir, commit string, paths []string) (map[string]string, error) {
	out, err := git(dir, "", append([]string{"ls-tree", "-r", "-z", commit, "--"}, paths...)...)
	if err != nil {
		return nil, err
	}
	found := map[string]string{}
	for entry := range strings.SplitSeq(out, "\x00") {
		// "<mode> blob <id>\t<path>"
		meta, path, ok := strings.Cut(entry, "\t")
		if fields := strings.Fields(meta); ok && len(fields) == 3 {
			found[path] = fields[2]
		}
	}
	return found, nil
}

// lineCounts maps each of paths that differs between two commits to its
// added and deleted line counts (zero for binary files).
func lineCounts(dir, from, to string, paths []string) (map[string][2]int, error) {
	out, err := git(dir, "", append([]string{"diff", "--numstat", "--no-renames", from, to, "--"}, paths...)...)
	if err != nil {
		return nil, err
	}
	counts := map[string][2]int{}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		// "<added>\t<deleted>\t<path>", with "-" for binary files
		fields := strings.SplitN(sc.Text(), "\t", 3)
		if len(fields) != 3 {
			continue
		}
		added, _ := strconv.Atoi(fields[0])
		deleted, _ := strconv.Atoi(fields[1])
		counts[fields[2]] = [2]int{added, deleted}
	}
	return counts, nil
}
