package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/paved-road/paved/bot/history"
)

// gitIn runs git in dir, away from the user's configuration.
func gitIn(t *testing.T, dir string, stdin string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Stdin = strings.NewReader(stdin)
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "HOME="+dir, "XDG_CONFIG_HOME="+dir,
		"GIT_AUTHOR_NAME=a", "GIT_AUTHOR_EMAIL=a@example.com", "GIT_COMMITTER_NAME=paved-bot", "GIT_COMMITTER_EMAIL=bot@example.com")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

func TestHistoryMarksUnverifiedTags(t *testing.T) {
	const secret = "history test secret"
	for _, k := range []string{"PAVED_TAG_KEY", "PAVED_WEBHOOK_SECRET"} {
		t.Setenv(k, "")
		_ = os.Unsetenv(k)
	}
	repo := t.TempDir()
	gitIn(t, repo, "", "init", "--quiet")
	gitIn(t, repo, "", "commit", "--quiet", "--allow-empty", "-m", "one")
	commit := gitIn(t, repo, "", "rev-parse", "HEAD")
	at := time.Date(2024, 5, 1, 9, 0, 0, 0, time.UTC)
	r := history.Record{Project: "app", Workspace: "default", Commit: commit, PR: 1, AppliedBy: "dave", Time: at}
	good := history.TagName(r.Project, r.Workspace, at)
	gitIn(t, repo, r.Message(good, history.KeyFromSecret([]byte(secret))), "tag", "-a", "-F", "-", good, commit)
	// Pushed with plain git: a bot message with the applier changed.
	forged := history.TagName(r.Project, r.Workspace, at.Add(time.Hour))
	r.AppliedBy, r.Time = "mallory", at.Add(time.Hour)
	gitIn(t, repo, r.Message(forged, history.KeyFromSecret([]byte("a guess"))), "tag", "-a", "-F", "-", forged, commit)

	history := func(args ...string) (stdout, stderr string) {
		t.Helper()
		var out, errOut bytes.Buffer
		args = append([]string{"history", "--repo", "acme/infra", "--git-url", repo, "--data-dir", t.TempDir()}, args...)
		if code := run(context.Background(), args, &out, &errOut); code != 0 {
			t.Fatalf("paved-bot %s exited %d: %s", strings.Join(args, " "), code, errOut.String())
		}
		return out.String(), errOut.String()
	}
	verified := func(stdout, tag string) string {
		for _, line := range strings.Split(stdout, "\n") {
			if strings.Contains(line, tag) {
				f := strings.Fields(line)
				return f[len(f)-1]
			}
		}
		t.Fatalf("no row for %s in:\n%s", tag, stdout)
		return ""
	}

	t.Setenv("PAVED_WEBHOOK_SECRET", secret)
	out, errOut := history()
	if !strings.Contains(out, "VERIFIED") || verified(out, good) != "yes" || verified(out, forged) != "NO" {
		t.Errorf("with the webhook secret:\n%s", out)
	}
	if !strings.Contains(errOut, "1 deploy tag(s) are not signed with this key") {
		t.Errorf("stderr does not warn of the unsigned tag: %q", errOut)
	}

	// An explicit key wins over the webhook secret.
	out, _ = history("--tag-key", "a guess")
	if verified(out, good) != "NO" {
		t.Errorf("with another --tag-key:\n%s", out)
	}

	_ = os.Unsetenv("PAVED_WEBHOOK_SECRET")
	out, errOut = history()
	if verified(out, good) != "NO" || verified(out, forged) != "NO" {
		t.Errorf("without a key:\n%s", out)
	}
	if !strings.Contains(errOut, "neither --tag-key (PAVED_TAG_KEY) nor --webhook-secret (PAVED_WEBHOOK_SECRET) is set") {
		t.Errorf("stderr does not say why nothing verifies: %q", errOut)
	}
}

func TestHistoryHelpExitsZero(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"history", "-h"}, &out, &errOut); code != 0 {
		t.Fatalf("paved-bot history -h exited %d", code)
	}
	if !strings.Contains(errOut.String(), "-tag-key") {
		t.Errorf("help does not list --tag-key:\n%s", errOut.String())
	}
}
