package history

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// cleanGit keeps the user's and the system's git configuration away from
// the test and from the package's own git runs.
func cleanGit(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", home)
	t.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	for _, k := range []string{"GIT_DIR", "GIT_WORK_TREE", "GIT_CONFIG_COUNT", "GIT_CONFIG_GLOBAL"} {
		t.Setenv(k, "") // restores the variable after the test
		if err := os.Unsetenv(k); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("GIT_AUTHOR_NAME", "Test Author")
	t.Setenv("GIT_AUTHOR_EMAIL", "author@example.com")
	t.Setenv("GIT_COMMITTER_NAME", "paved-bot")
	t.Setenv("GIT_COMMITTER_EMAIL", "bot@example.com")
}

func run(t *testing.T, dir string, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// newRepo creates a repository with n commits and returns its directory
// and the commit shas, oldest first.
func newRepo(t *testing.T, n int) (string, []string) {
	t.Helper()
	dir := t.TempDir()
	run(t, dir, nil, "init", "--quiet", "--initial-branch=main")
	var shas []string
	for i := range n {
		run(t, dir, nil, "commit", "--quiet", "--allow-empty", "-m", "change "+string(rune('a'+i)))
		shas = append(shas, run(t, dir, nil, "rev-parse", "HEAD"))
	}
	return dir, shas
}

// tag creates an annotated tag with message msg on commit, as the bot's
// tagger at time at.
func tag(t *testing.T, dir, name, commit, msg string, at time.Time) {
	t.Helper()
	file := filepath.Join(t.TempDir(), "msg")
	if err := os.WriteFile(file, []byte(msg), 0o600); err != nil {
		t.Fatal(err)
	}
	run(t, dir, []string{"GIT_COMMITTER_DATE=" + at.Format(time.RFC3339)}, "tag", "-a", "-F", file, name, commit)
}

// deploy tags commit as a deploy of project and workspace at at, the way
// the bot does, and returns the record as Read should give it back.
func deploy(t *testing.T, dir, project, workspace, commit string, pr int, at time.Time) Record {
	t.Helper()
	r := sampleRecord()
	r.Project, r.Workspace, r.Commit, r.PR, r.Time = project, workspace, commit, pr, at
	r.Tag = TagName(project, workspace, at)
	tag(t, dir, r.Tag, commit, r.Message(), at)
	return r
}

func tags(records []Record) []string {
	var names []string
	for _, r := range records {
		names = append(names, r.Tag)
	}
	return names
}

func TestTagNameIsAValidRef(t *testing.T) {
	cleanGit(t)
	name := TagName("app", "prod", time.Now())
	run(t, t.TempDir(), nil, "check-ref-format", "refs/tags/"+name)
}

func TestRead(t *testing.T) {
	cleanGit(t)
	var logs bytes.Buffer
	defer slog.SetDefault(slog.Default())
	slog.SetDefault(slog.New(slog.NewTextHandler(&logs, nil)))

	dir, c := newRepo(t, 3)
	t0 := time.Date(2024, 5, 1, 9, 0, 0, 0, time.UTC)
	appDefault := deploy(t, dir, "app", "default", c[0], 1, t0)
	db := deploy(t, dir, "db", "default", c[1], 2, t0.Add(time.Hour))
	app2 := deploy(t, dir, "app2", "default", c[1], 3, t0.Add(time.Hour))
	appProd := deploy(t, dir, "app", "prod", c[2], 4, t0.Add(2*time.Hour))

	// A release tag with a deploy-shaped message lies outside paved/.
	tag(t, dir, "v1.0.0", c[2], sampleRecord().Message(), t0)
	tag(t, dir, "paved/app/default/20240502T000000Z", c[2], "deployed by hand\n", t0)
	run(t, dir, nil, "tag", "paved/app/default/20240503T000000Z", c[2])

	ctx := context.Background()
	all, err := Read(ctx, dir, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	// Newest first; db and app2 share a time and come by tag name.
	want := []Record{appProd, app2, db, appDefault}
	if !reflect.DeepEqual(all, want) {
		t.Errorf("Read all:\n got %q\nwant %q", tags(all), tags(want))
		for i := range min(len(all), len(want)) {
			if !reflect.DeepEqual(all[i], want[i]) {
				t.Errorf("record %d:\n got %+v\nwant %+v", i, all[i], want[i])
			}
		}
	}
	for _, skipped := range []string{"paved/app/default/20240502T000000Z", "paved/app/default/20240503T000000Z"} {
		if !strings.Contains(logs.String(), skipped) {
			t.Errorf("no warning names the skipped tag %s; logs:\n%s", skipped, logs.String())
		}
	}

	app, err := Read(ctx, dir, "app", 0)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := tags(app), tags([]Record{appProd, appDefault}); !reflect.DeepEqual(got, want) {
		t.Errorf("Read app = %q, want %q", got, want)
	}

	limited, err := Read(ctx, dir, "", 2)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := tags(limited), tags([]Record{appProd, app2}); !reflect.DeepEqual(got, want) {
		t.Errorf("Read limit 2 = %q, want %q", got, want)
	}
}

func TestReadBareAndEmpty(t *testing.T) {
	cleanGit(t)
	bare := filepath.Join(t.TempDir(), "empty.git")
	run(t, t.TempDir(), nil, "init", "--quiet", "--bare", bare)
	records, err := Read(context.Background(), bare, "", 0)
	if err != nil || len(records) != 0 {
		t.Errorf("Read of a repository without tags = %v, %v", records, err)
	}
	if _, err := Read(context.Background(), filepath.Join(t.TempDir(), "missing"), "", 0); err == nil {
		t.Errorf("Read of a missing directory succeeded")
	}
}

func TestSync(t *testing.T) {
	cleanGit(t)
	src, c := newRepo(t, 2)
	t0 := time.Date(2024, 5, 1, 9, 0, 0, 0, time.UTC)
	first := deploy(t, src, "app", "default", c[0], 1, t0)
	dropped := deploy(t, src, "db", "default", c[0], 2, t0.Add(time.Minute))
	tag(t, src, "v1.0.0", c[0], "release\n", t0)

	// The remote is reachable only under an alias that the extra
	// environment defines, so the fetch succeeds only if env reaches git.
	const alias = "paved-test-remote:"
	env := []string{
		"GIT_CONFIG_COUNT=1",
		"GIT_CONFIG_KEY_0=url." + src + ".insteadOf",
		"GIT_CONFIG_VALUE_0=" + alias,
	}
	mirror := filepath.Join(t.TempDir(), "mirrors", "acme", "infra.git")
	ctx := context.Background()
	if err := Sync(ctx, alias, mirror, env); err != nil {
		t.Fatal(err)
	}
	if got := run(t, mirror, nil, "rev-parse", "--is-bare-repository"); got != "true" {
		t.Errorf("mirror is not bare")
	}
	if got := run(t, mirror, nil, "tag", "--list"); strings.Contains(got, "v1.0.0") {
		t.Errorf("mirror has a tag outside paved/:\n%s", got)
	}
	records, err := Read(ctx, mirror, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	if want := []Record{dropped, first}; !reflect.DeepEqual(records, want) {
		t.Errorf("mirror holds %q, want %q", tags(records), tags(want))
	}

	// A later deploy arrives; a tag deleted at the remote goes away.
	run(t, src, nil, "tag", "--delete", dropped.Tag)
	second := deploy(t, src, "app", "default", c[1], 3, t0.Add(time.Hour))
	if err := Sync(ctx, alias, mirror, env); err != nil {
		t.Fatal(err)
	}
	records, err = Read(ctx, mirror, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	if want := []Record{second, first}; !reflect.DeepEqual(records, want) {
		t.Errorf("after a second sync the mirror holds %q, want %q", tags(records), tags(want))
	}

	if err := Sync(ctx, alias, mirror, nil); err == nil {
		t.Errorf("Sync from an unknown remote succeeded")
	}
}

func TestReadOrdersDeploysWithinOneSecond(t *testing.T) {
	cleanGit(t)
	dir, c := newRepo(t, 1)
	t0 := time.Date(2024, 5, 1, 9, 0, 0, 0, time.UTC)
	// db ran 800 ms after app, in the same second: newest first is db, app,
	// which is not the tags' name order.
	app := deploy(t, dir, "app", "default", c[0], 1, t0.Add(100*time.Millisecond))
	db := deploy(t, dir, "db", "default", c[0], 1, t0.Add(900*time.Millisecond))
	got, err := Read(context.Background(), dir, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{db.Tag, app.Tag}; !slices.Equal(tags(got), want) {
		t.Fatalf("order %q, want %q", tags(got), want)
	}
}
