package githubfake_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/bradleyfalzon/ghinstallation/v2"
	"github.com/google/go-github/v60/github"

	"github.com/paved-road/paved/internal/githubfake"
)

const (
	testAppID          = 4242
	testInstallationID = 31
)

// app is a GitHub App the fake knows, with clients for its installation
// and for the App itself.
type app struct {
	installation *github.Client // with installation tokens
	jwt          *github.Client // with the App's JWT
	transport    *ghinstallation.Transport
}

// appSetup is setup with a GitHub App installed on the repository.
func appSetup(t *testing.T) (*githubfake.Fake, app, *github.Client, gitRepo) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	f, gh, repo := setup(t, githubfake.Options{AppID: testAppID, AppPublicKey: &key.PublicKey, InstallationID: testInstallationID})
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	tr, err := ghinstallation.New(http.DefaultTransport, testAppID, testInstallationID, pemKey)
	if err != nil {
		t.Fatal(err)
	}
	tr.BaseURL = gateway.URL
	apps, err := ghinstallation.NewAppsTransport(http.DefaultTransport, testAppID, pemKey)
	if err != nil {
		t.Fatal(err)
	}
	apps.BaseURL = gateway.URL
	return f, app{
		installation: newClient(t, &http.Client{Transport: tr}),
		jwt:          newClient(t, &http.Client{Transport: apps}),
		transport:    tr,
	}, gh, repo
}

func TestCheckRunsNeedAnApp(t *testing.T) {
	f, gh, repo := setup(t, githubfake.Options{})
	ctx := context.Background()
	_, _, err := gh.Checks.CreateCheckRun(ctx, owner, name, github.CreateCheckRunOptions{Name: "paved/plan", HeadSHA: repo.head})
	wantStatus(t, err, http.StatusForbidden, "You must authenticate via a GitHub App.")
	expectViolation(t, "Unable to match the returned status code") // GitHub documents only 201 here
	_, _, err = gh.Checks.UpdateCheckRun(ctx, owner, name, 1, github.UpdateCheckRunOptions{Name: "paved/plan"})
	wantStatus(t, err, http.StatusForbidden, "You must authenticate via a GitHub App.")
	expectViolation(t, "Unable to match the returned status code")
	if runs := f.CheckRuns(owner, name, repo.head); len(runs) != 0 {
		t.Errorf("check runs %+v after refusals", runs)
	}
	// Reading them takes any token.
	list, _, err := gh.Checks.ListCheckRunsForRef(ctx, owner, name, repo.head, nil)
	if err != nil || list.GetTotal() != 0 {
		t.Errorf("list with a token: %+v %v", list, err)
	}
}

func TestCheckRunLifecycle(t *testing.T) {
	f, a, gh, repo := appSetup(t)
	ctx := context.Background()
	openFeature(f, repo)
	started := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)

	created, resp, err := a.installation.Checks.CreateCheckRun(ctx, owner, name, github.CreateCheckRunOptions{
		Name: "paved/plan dev", HeadSHA: repo.head, ExternalID: github.String("job-1"),
		DetailsURL: github.String("https://paved.example.com/jobs/1"), StartedAt: &github.Timestamp{Time: started},
	})
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusCreated || created.GetStatus() != "queued" || created.Conclusion != nil ||
		created.GetHeadSHA() != repo.head || created.GetExternalID() != "job-1" || !created.GetStartedAt().Time.Equal(started) ||
		created.GetApp().GetID() != testAppID || created.GetApp().GetSlug() != "paved" {
		t.Errorf("created %d %+v", resp.StatusCode, created)
	}
	if prs := created.PullRequests; len(prs) != 1 || prs[0].GetNumber() != 7 || prs[0].GetHead().GetSHA() != repo.head ||
		prs[0].GetBase().GetRef() != "main" {
		t.Errorf("pull requests %+v, want #7 whose head the run is on", prs)
	}
	id := created.GetID()
	if _, _, err := a.installation.Checks.UpdateCheckRun(ctx, owner, name, id, github.UpdateCheckRunOptions{
		Name: "paved/plan dev", Status: github.String("in_progress"),
	}); err != nil {
		t.Fatal(err)
	}
	done, _, err := a.installation.Checks.UpdateCheckRun(ctx, owner, name, id, github.UpdateCheckRunOptions{
		Name: "paved/plan dev", Conclusion: github.String("success"),
		Output: &github.CheckRunOutput{Title: github.String("1 to add"), Summary: github.String("Plan: 1 to add"), Text: github.String("+ aws_s3_bucket.logs")},
	})
	if err != nil {
		t.Fatal(err)
	}
	if done.GetStatus() != "completed" || done.GetConclusion() != "success" || done.CompletedAt == nil ||
		done.GetOutput().GetSummary() != "Plan: 1 to add" || done.GetOutput().GetText() != "+ aws_s3_bucket.logs" {
		t.Errorf("completed %+v", done)
	}
	got, _, err := gh.Checks.GetCheckRun(ctx, owner, name, id)
	if err != nil {
		t.Fatal(err)
	}
	if got.GetConclusion() != "success" || got.GetName() != "paved/plan dev" || got.GetDetailsURL() != "https://paved.example.com/jobs/1" {
		t.Errorf("read back %+v", got)
	}
	runs := f.CheckRuns(owner, name, repo.head)
	if len(runs) != 1 {
		t.Fatalf("CheckRuns() = %+v, want one", runs)
	}
	if r := runs[0]; r.ID != id || r.Name != "paved/plan dev" || r.Status != "completed" || r.Conclusion != "success" ||
		r.Title != "1 to add" || r.Summary != "Plan: 1 to add" || r.Text != "+ aws_s3_bucket.logs" || r.ExternalID != "job-1" ||
		r.DetailsURL != "https://paved.example.com/jobs/1" || !r.StartedAt.Equal(started) || r.CompletedAt.IsZero() || r.Updates != 2 {
		t.Errorf("CheckRuns()[0] = %+v", r)
	}

	// A second run of the name hides the first unless filter=all asks.
	again, _, err := a.installation.Checks.CreateCheckRun(ctx, owner, name, github.CreateCheckRunOptions{
		Name: "paved/plan dev", HeadSHA: repo.head, Status: github.String("in_progress"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.installation.Checks.CreateCheckRun(ctx, owner, name, github.CreateCheckRunOptions{
		Name: "paved/plan prod", HeadSHA: repo.head, Conclusion: github.String("neutral"),
	}); err != nil {
		t.Fatal(err)
	}
	ids := func(ref string, opts *github.ListCheckRunsOptions) []int64 {
		t.Helper()
		list, _, err := gh.Checks.ListCheckRunsForRef(ctx, owner, name, ref, opts)
		if err != nil {
			t.Fatal(err)
		}
		var out []int64
		for _, r := range list.CheckRuns {
			out = append(out, r.GetID())
		}
		if list.GetTotal() != len(out) {
			t.Errorf("total %d for %d runs", list.GetTotal(), len(out))
		}
		return out
	}
	if got := ids(repo.head, &github.ListCheckRunsOptions{CheckName: github.String("paved/plan dev")}); len(got) != 1 || got[0] != again.GetID() {
		t.Errorf("latest runs named paved/plan dev: %v, want [%d]", got, again.GetID())
	}
	if got := ids("feature", &github.ListCheckRunsOptions{CheckName: github.String("paved/plan dev"), Filter: github.String("all")}); len(got) != 2 {
		t.Errorf("all runs named paved/plan dev on the branch: %v, want 2", got)
	}
	if got := ids(repo.head, &github.ListCheckRunsOptions{Status: github.String("completed")}); len(got) != 1 {
		t.Errorf("completed latest runs: %v, want paved/plan prod's", got)
	}
	if got := ids(repo.base, nil); len(got) != 0 {
		t.Errorf("runs on main's commit: %v", got)
	}

	missing := strings.Repeat("0", 40)
	_, _, err = a.installation.Checks.CreateCheckRun(ctx, owner, name, github.CreateCheckRunOptions{Name: "x", HeadSHA: missing})
	wantStatus(t, err, http.StatusUnprocessableEntity, "No commit found for SHA: "+missing)
	expectViolation(t, "Unable to match the returned status code") // GitHub documents only 201 here
	_, _, err = a.installation.Checks.CreateCheckRun(ctx, owner, name, github.CreateCheckRunOptions{
		Name: "x", HeadSHA: repo.head, Status: github.String("completed"),
	})
	wantStatus(t, err, http.StatusUnprocessableEntity, `"conclusion" wasn't supplied`)
	expectViolation(t, "Unable to match the returned status code")
	_, _, err = a.installation.Checks.UpdateCheckRun(ctx, owner, name, id, github.UpdateCheckRunOptions{
		Name: "paved/plan dev", Output: &github.CheckRunOutput{Summary: github.String("no title")},
	})
	wantStatus(t, err, http.StatusUnprocessableEntity, `"title" wasn't supplied`)
	expectViolation(t, "Unable to match the returned status code")
	if r := f.CheckRuns(owner, name, repo.head)[0]; r.Updates != 2 || r.Summary != "Plan: 1 to add" {
		t.Errorf("after a refused update: %+v", r)
	}
	_, _, err = gh.Checks.GetCheckRun(ctx, owner, name, 424242)
	wantStatus(t, err, http.StatusNotFound, "Not Found")
	expectViolation(t, "Unable to match the returned status code")
}

func TestCheckRunOutputLimits(t *testing.T) {
	f, a, _, repo := appSetup(t)
	ctx := context.Background()
	create := func(gh *github.Client, summary string) error {
		t.Helper()
		_, _, err := gh.Checks.CreateCheckRun(ctx, owner, name, github.CreateCheckRunOptions{
			Name: "paved/plan", HeadSHA: repo.head,
			Output: &github.CheckRunOutput{Title: github.String("Plan"), Summary: github.String(summary)},
		})
		return err
	}
	if err := create(a.installation, strings.Repeat("a", 65535)); err != nil {
		t.Errorf("65535 characters: %v", err)
	}

	// One character more: GitHub's description says so, and Prism refuses
	// the request itself; the fake, asked directly, answers as GitHub.
	err := create(a.installation, strings.Repeat("a", 65536))
	wantStatus(t, err, http.StatusUnprocessableEntity, "")
	expectViolation(t, "must NOT have more than 65535 characters")
	direct := httptest.NewServer(f)
	defer direct.Close()
	tr := *a.transport
	tr.BaseURL = direct.URL
	c := github.NewClient(&http.Client{Transport: &tr})
	c.BaseURL, _ = url.Parse(direct.URL + "/")
	err = create(c, strings.Repeat("a", 65536))
	wantStatus(t, err, http.StatusUnprocessableEntity, "Only 65535 characters are allowed; 65536 were supplied.")

	// Within the characters and over the bytes: GitHub's own validation.
	err = create(a.installation, strings.Repeat("é", 40000))
	wantStatus(t, err, http.StatusUnprocessableEntity, "Validation Failed")
	expectViolation(t, "Unable to match the returned status code")
	var ghErr *github.ErrorResponse
	if errors.As(err, &ghErr); len(ghErr.Errors) != 1 || ghErr.Errors[0].Field != "summary" ||
		ghErr.Errors[0].Message != "summary exceeds a maximum bytesize of 65535" {
		t.Errorf("errors %+v", ghErr.Errors)
	}
	if runs := f.CheckRuns(owner, name, repo.head); len(runs) != 1 {
		t.Errorf("%d check runs, want only the one within the limit", len(runs))
	}
}

func TestCheckRunEvent(t *testing.T) {
	f, a, _, repo := appSetup(t)
	openFeature(f, repo)
	cloneURL := (&url.URL{Scheme: "file", Path: repo.dir}).String()
	created, _, err := a.installation.Checks.CreateCheckRun(context.Background(), owner, name, github.CreateCheckRunOptions{
		Name: "paved/plan dev", HeadSHA: repo.head, ExternalID: github.String("job-1"), Conclusion: github.String("failure"),
	})
	if err != nil {
		t.Fatal(err)
	}
	for action, sender := range map[string]string{"rerequested": "alice", "created": "paved[bot]", "completed": "paved[bot]"} {
		payload := f.CheckRunEvent(owner, name, created.GetID(), action)
		if err := github.ValidateSignature(githubfake.Sign("s3cret", payload), payload, []byte("s3cret")); err != nil {
			t.Fatal(err)
		}
		parsed, err := github.ParseWebHook("check_run", payload)
		if err != nil {
			t.Fatal(err)
		}
		ev, ok := parsed.(*github.CheckRunEvent)
		if !ok {
			t.Fatalf("parsed a %T", parsed)
		}
		run := ev.GetCheckRun()
		if ev.GetAction() != action || ev.GetInstallation().GetID() != testInstallationID || ev.GetSender().GetLogin() != sender ||
			ev.GetRepo().GetFullName() != "acme/infra" || ev.GetRepo().GetCloneURL() != cloneURL {
			t.Errorf("%s: action %q installation %d sender %s repository %s", action, ev.GetAction(),
				ev.GetInstallation().GetID(), ev.GetSender().GetLogin(), ev.GetRepo().GetFullName())
		}
		if run.GetID() != created.GetID() || run.GetName() != "paved/plan dev" || run.GetHeadSHA() != repo.head ||
			run.GetExternalID() != "job-1" || run.GetConclusion() != "failure" || run.GetApp().GetID() != testAppID ||
			run.GetCheckSuite().GetHeadSHA() != repo.head || run.GetCheckSuite().GetHeadBranch() != "feature" {
			t.Errorf("%s: check run %+v", action, run)
		}
		if prs := run.PullRequests; len(prs) != 1 || prs[0].GetNumber() != 7 || prs[0].GetHead().GetRef() != "feature" ||
			prs[0].GetHead().GetSHA() != repo.head {
			t.Errorf("%s: pull requests %+v, want #7", action, prs)
		}
	}
}
