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
	r.Tag, r.Verified = TagName(project, workspace, at), true
	tag(t, dir, r.Tag, commit, r.Message(r.Tag, testKey), at)
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
	tag(t, dir, "v1.0.0", c[2], sampleRecord().Message("v1.0.0", testKey), t0)
	tag(t, dir, "paved/app/default/20240502T000000Z", c[2], "deployed by hand\n", t0)
	run(t, dir, nil, "tag", "paved/app/default/20240503T000000Z", c[2])
	// A tag pushed with plain git: the message of a real one, edited.
	forged := appDefault
	forged.Tag, forged.AppliedBy, forged.Verified = "paved/app/default/20240501T100000Z", "mallory", false
	tag(t, dir, forged.Tag, c[0], strings.Replace(appDefault.Message(appDefault.Tag, testKey), "Applied-By: dave", "Applied-By: mallory", 1), t0)

	ctx := context.Background()
	all, err := Read(ctx, dir, "", 0, testKey)
	if err != nil {
		t.Fatal(err)
	}
	// Newest first; db and app2 share a time and come by tag name.
	want := []Record{appProd, app2, db, appDefault, forged}
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

	app, err := Read(ctx, dir, "app", 0, testKey)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := tags(app), tags([]Record{appProd, appDefault, forged}); !reflect.DeepEqual(got, want) {
		t.Errorf("Read app = %q, want %q", got, want)
	}

	// Without the key, or with another, nothing verifies.
	for name, key := range map[string][]byte{"no key": nil, "another key": KeyFromSecret([]byte("another secret"))} {
		records, err := Read(ctx, dir, "", 0, key)
		if err != nil {
			t.Fatal(err)
		}
		if len(records) != len(want) {
			t.Errorf("%s: Read = %q, want %q", name, tags(records), tags(want))
		}
		for _, r := range records {
			if r.Verified {
				t.Errorf("%s: %s verified", name, r.Tag)
			}
		}
	}

	limited, err := Read(ctx, dir, "", 2, testKey)
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
	records, err := Read(context.Background(), bare, "", 0, testKey)
	if err != nil || len(records) != 0 {
		t.Errorf("Read of a repository without tags = %v, %v", records, err)
	}
	if _, err := Read(context.Background(), filepath.Join(t.TempDir(), "missing"), "", 0, testKey); err == nil {
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
	records, err := Read(ctx, mirror, "", 0, testKey)
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
	records, err = Read(ctx, mirror, "", 0, testKey)
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
	got, err := Read(context.Background(), dir, "", 0, testKey)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{db.Tag, app.Tag}; !slices.Equal(tags(got), want) {
		t.Fatalf("order %q, want %q", tags(got), want)
	}
}

func TestVerify(t *testing.T) {
	cleanGit(t)
	dir, c := newRepo(t, 2)
	t0 := time.Date(2024, 5, 1, 9, 0, 0, 0, time.UTC)
	good := deploy(t, dir, "app", "prod", c[0], 1, t0)
	msg := good.Message(good.Tag, testKey)

	// What someone who can push tags could make with plain git.
	forged := strings.Replace(msg, "Applied-By: dave", "Applied-By: mallory", 1)
	tag(t, dir, "paved/app/prod/20240502T000000Z", c[0], forged, t0)
	tag(t, dir, "paved/app/prod/20240503T000000Z", c[1], msg, t0)
	tag(t, dir, "paved/app/prod/20240504T000000Z", c[0], msg, t0)
	run(t, dir, nil, "tag", "paved/app/prod/20240505T000000Z", good.Tag)
	run(t, dir, nil, "tag", "paved/app/prod/20240506T000000Z", c[0])
	tag(t, dir, "paved/app/prod/20240507T000000Z", c[0], "deployed by hand\n", t0)
	tag(t, dir, "release/app", c[0], msg, t0)
	moved := good
	moved.Commit = c[1]
	tag(t, dir, "paved/app/prod/20240508T000000Z", c[0], moved.Message("paved/app/prod/20240508T000000Z", testKey), t0)
	// The errors go to a pull request: they must not repeat a forged
	// message, which could mention people.
	tag(t, dir, "paved/app/prod/20240509T000000Z", c[0], strings.Replace(msg, "PR: 1\n", "PR: @org/team\n", 1), t0)
	tag(t, dir, "paved/app/prod/20240510T000000Z", c[0], strings.Replace(msg, "Commit: "+c[0], "Commit: @org/team", 1), t0)

	ctx := context.Background()
	got, err := Verify(ctx, dir, good.Tag, testKey)
	if err != nil {
		t.Fatalf("Verify of a tag the bot made: %v", err)
	}
	if !reflect.DeepEqual(got, good) {
		t.Errorf("Verify:\n got %+v\nwant %+v", got, good)
	}

	for _, tc := range []struct {
		name, tag string
		key       []byte
		wantErr   string
	}{
		{"forged Applied-By", "paved/app/prod/20240502T000000Z", testKey,
			"tag paved/app/prod/20240502T000000Z is not signed by this paved-bot: it was not created by the bot, or the message was edited"},
		{"moved to another commit", "paved/app/prod/20240503T000000Z", testKey,
			"tag paved/app/prod/20240503T000000Z does not point at the commit its message records: it was moved"},
		{"copied under another name", "paved/app/prod/20240504T000000Z", testKey, "is not signed by this paved-bot"},
		{"renamed", "paved/app/prod/20240505T000000Z", testKey, "is not signed by this paved-bot"},
		{"lightweight", "paved/app/prod/20240506T000000Z", testKey, "is a lightweight tag"},
		{"not a deploy record", "paved/app/prod/20240507T000000Z", testKey, "is not a deploy record"},
		{"commit trailer not the tag's", "paved/app/prod/20240508T000000Z", testKey, "does not point at the commit its message records"},
		{"wrong key", good.Tag, KeyFromSecret([]byte("another secret")), "is not signed by this paved-bot"},
		{"no key", good.Tag, nil, "this paved-bot has no tag key"},
		{"outside paved/", "release/app", testKey, "tag release/app is not a deploy tag"},
		{"missing", "paved/app/prod/20990101T000000Z", testKey, "tag paved/app/prod/20990101T000000Z does not exist"},
		{"a prefix of tags", "paved/app/prod", testKey, "does not exist"},
		{"a mention in a bad value", "paved/app/prod/20240509T000000Z", testKey, "is not a deploy record"},
		{"a mention as the commit", "paved/app/prod/20240510T000000Z", testKey, "does not point at the commit"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := Verify(ctx, dir, tc.tag, tc.key)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("Verify(%s) = %+v, %v; want an error saying %q", tc.tag, r, err, tc.wantErr)
			}
			if strings.Contains(err.Error(), "@") {
				t.Errorf("the error repeats the forged message: %v", err)
			}
		})
	}

	// Read says the same of every tag it lists.
	records, err := Read(ctx, dir, "", 0, testKey)
	if err != nil {
		t.Fatal(err)
	}
	var verified []string
	for _, r := range records {
		if r.Verified {
			verified = append(verified, r.Tag)
		}
	}
	if want := []string{good.Tag}; !slices.Equal(verified, want) {
		t.Errorf("Read verified %q, want only %q", verified, want)
	}
}

// TestOperatorCheck runs the check by hand that the package comment shows.
func TestOperatorCheck(t *testing.T) {
	cleanGit(t)
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("no openssl")
	}
	dir, c := newRepo(t, 1)
	secret := "test webhook secret"
	r := deploy(t, dir, "app", "prod", c[0], 1, time.Date(2024, 5, 1, 9, 0, 0, 0, time.UTC))
	_, doc, _ := strings.Cut(packageDoc(t), "git and openssl, comparing the printed digest with the signature line:\n//\n")
	var lines []string
	for _, line := range strings.Split(doc, "\n") {
		code, ok := strings.CutPrefix(line, "//\t")
		if !ok {
			break
		}
		lines = append(lines, code)
	}
	script := strings.Join(lines[1:], "\n") // all but the tag= line
	key := "$(printf paved-tag-key-v1 | openssl dgst -sha256 -mac HMAC -macopt key:\"$PAVED_WEBHOOK_SECRET\" | sed 's/.* //')"
	script = strings.Replace(script, `-macopt key:"$PAVED_TAG_KEY"`, `-macopt hexkey:"`+key+`"`, 1)
	cmd := exec.Command("sh", "-c", script)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "tag="+r.Tag, "PAVED_WEBHOOK_SECRET="+secret)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s\n%v\n%s", script, err, out)
	}
	got := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(got) != 4 {
		t.Fatalf("want 4 lines:\n%s", out)
	}
	digest := got[0][strings.LastIndex(got[0], " ")+1:]
	if want := "Paved-Signature: hmac-sha256=" + digest; got[1] != want {
		t.Errorf("openssl computed %s, the tag holds %s", digest, got[1])
	}
	if got[2] != "Commit: "+c[0] || got[3] != "object "+c[0] {
		t.Errorf("commit lines: %q", got[2:])
	}
}

// packageDoc returns the package comment, the specification an operator reads.
func packageDoc(t *testing.T) string {
	t.Helper()
	src, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	return string(src)
}

func TestEmptyValuesSurviveGitCleanup(t *testing.T) {
	cleanGit(t)
	dir, c := newRepo(t, 1)
	r := sampleRecord()
	r.Commit, r.Dir, r.PRURL, r.PlannedBy, r.Tag = c[0], "", "", "", "paved/app/prod/20240501T143005Z"
	msg := r.Message(r.Tag, testKey)
	if strings.Contains(msg, " \n") {
		t.Errorf("message has trailing spaces, which git strips:\n%s", msg)
	}
	// git tag cleans the message up as git does by default.
	tag(t, dir, r.Tag, c[0], msg, r.Time)
	if _, err := Verify(context.Background(), dir, r.Tag, testKey); err != nil {
		t.Error(err)
	}
}
