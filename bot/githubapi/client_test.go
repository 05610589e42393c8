package githubapi_test

import (
	"context"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/paved-road/paved/bot/githubapi"
	"github.com/paved-road/paved/internal/githubfake"
	"github.com/paved-road/paved/internal/prism"
)

// The client talks to a fake GitHub through Prism, which checks every call
// against GitHub's description.
var (
	gateway  *prism.Server
	upstream prism.Switch
)

const token = "ghp_test"

func TestMain(m *testing.M) {
	os.Exit(prism.Main(m, &upstream, &gateway))
}

// history is a repository whose main has one commit and whose feature
// branch has one more.
type history struct {
	dir        string
	base, head string
}

// setup serves a fresh fake with acme/infra behind Prism and returns a
// client for it.
func setup(t *testing.T) (*githubfake.Fake, *githubapi.Client, history) {
	t.Helper()
	f, h := serve(t, githubfake.Options{Token: token})
	return f, newClients(t).For(0), h
}

// serve serves a fresh fake with acme/infra behind Prism.
func serve(t *testing.T, opts githubfake.Options) (*githubfake.Fake, history) {
	t.Helper()
	prism.Require(t, gateway)
	f := githubfake.New(t, opts)
	h := history{dir: t.TempDir()}
	git(t, h.dir, "init", "--quiet", "--initial-branch=main")
	git(t, h.dir, "commit", "--quiet", "--allow-empty", "-m", "base")
	h.base = git(t, h.dir, "rev-parse", "HEAD")
	git(t, h.dir, "checkout", "--quiet", "-b", "feature")
	git(t, h.dir, "commit", "--quiet", "--allow-empty", "-m", "feature")
	h.head = git(t, h.dir, "rev-parse", "HEAD")
	git(t, h.dir, "checkout", "--quiet", "main")
	f.AddRepo("acme", "infra", h.dir)
	f.OpenPR("acme", "infra", githubfake.PR{Number: 7, Author: "alice", HeadRef: "feature", HeadSHA: h.head, BaseRef: "main"})
	upstream.Set(f)
	t.Cleanup(func() {
		for _, v := range gateway.Violations() {
			t.Errorf("GitHub schema violation: %s", v)
		}
	})
	return f, h
}

// newClients authenticates with the token at Prism.
func newClients(t *testing.T) *githubapi.Clients {
	t.Helper()
	clients, err := githubapi.NewClients(githubapi.Auth{Token: token}, githubapi.Endpoint{APIURL: gateway.URL})
	if err != nil {
		t.Fatal(err)
	}
	return clients
}

// commit adds an empty commit on top of branch and returns it.
func (h history) commit(t *testing.T, branch string) string {
	t.Helper()
	git(t, h.dir, "checkout", "--quiet", branch)
	git(t, h.dir, "commit", "--quiet", "--allow-empty", "-m", "more")
	git(t, h.dir, "checkout", "--quiet", "main")
	return git(t, h.dir, "rev-parse", branch)
}

func git(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-C", dir, "-c", "user.name=Test", "-c", "user.email=test@example.com"}, args...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

func TestPullRequestBaseSHA(t *testing.T) {
	_, c, h := setup(t)
	pr, err := c.PullRequest(context.Background(), "acme/infra", 7)
	if err != nil {
		t.Fatal(err)
	}
	if pr.BaseSHA != h.base || pr.BaseRef != "main" || pr.HeadSHA != h.head {
		t.Errorf("pull request %+v, want main at %s", pr, h.base)
	}
}

func TestApproversCountOnlyTheHead(t *testing.T) {
	f, c, h := setup(t)
	ctx := context.Background()
	approvers := func(head string) []string {
		t.Helper()
		got, err := c.Approvers(ctx, "acme/infra", 7, "alice", head)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	f.Approve("acme", "infra", 7, "bob")
	f.Approve("acme", "infra", 7, "carol")
	f.RequestChanges("acme", "infra", 7, "carol")
	f.Approve("acme", "infra", 7, "alice") // the author's own review never counts
	f.RequestChanges("acme", "infra", 7, "dave")
	f.Approve("acme", "infra", 7, "dave")
	if got, want := approvers(h.head), []string{"bob", "dave"}; !slices.Equal(got, want) {
		t.Errorf("approvers %q, want %q", got, want)
	}

	next := h.commit(t, "feature")
	f.Push("acme", "infra", 7, next, nil)
	if got := approvers(next); len(got) != 0 {
		t.Errorf("approvers %q after a push, want none: approvals of the old head do not carry over", got)
	}
	f.Approve("acme", "infra", 7, "carol")
	if got, want := approvers(next), []string{"carol"}; !slices.Equal(got, want) {
		t.Errorf("approvers %q, want %q", got, want)
	}

	if _, err := c.Approvers(ctx, "acme/infra", 7, "alice", ""); err == nil {
		t.Error("no head commit: want an error")
	}
}

func TestCompare(t *testing.T) {
	_, c, h := setup(t)
	ctx := context.Background()
	for _, tc := range []struct {
		base, head string
		want       githubapi.Comparison
	}{
		{"main", "feature", githubapi.Comparison{Status: "ahead", AheadBy: 1}},
		{"main", h.base, githubapi.Comparison{Status: "identical"}},
		{"feature", "main", githubapi.Comparison{Status: "behind", BehindBy: 1}},
	} {
		got, err := c.Compare(ctx, "acme/infra", tc.base, tc.head)
		if err != nil || got != tc.want {
			t.Errorf("%s...%s: %+v %v, want %+v", tc.base, tc.head, got, err, tc.want)
		}
	}
	h.commit(t, "main")
	got, err := c.Compare(ctx, "acme/infra", "main", "feature")
	if want := (githubapi.Comparison{Status: "diverged", AheadBy: 1, BehindBy: 1}); err != nil || got != want {
		t.Errorf("after main moved on: %+v %v, want %+v", got, err, want)
	}
	if _, err := c.Compare(ctx, "acme/infra", "main", strings.Repeat("0", 40)); err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("unknown commit: %v, want GitHub's 404", err)
	}
}

func TestTeamMember(t *testing.T) {
	f, c, _ := setup(t)
	f.AddTeamMember("acme", "infra-admins", "bob")
	f.InviteTeamMember("acme", "infra-admins", "carol")
	for _, tc := range []struct {
		team, user string
		want       bool
	}{
		{"infra-admins", "bob", true},
		{"infra-admins", "carol", false}, // pending
		{"infra-admins", "dave", false},
		{"no-such-team", "bob", false},
	} {
		got, err := c.TeamMember(context.Background(), "acme", tc.team, tc.user)
		if err != nil || got != tc.want {
			t.Errorf("%s in %s: %v %v, want %v", tc.user, tc.team, got, err, tc.want)
		}
	}
}
