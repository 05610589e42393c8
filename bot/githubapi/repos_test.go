package githubapi_test

import (
	"context"
	"fmt"
	"net/url"
	"testing"

	"github.com/paved-road/paved/bot/githubapi"
	"github.com/paved-road/paved/internal/githubfake"
)

// addRepos adds n repositories after acme/infra, sharing its git
// repository, so that the lists take two pages, and returns every name.
func addRepos(f *githubfake.Fake, h history, n int) []string {
	names := []string{"acme/infra"}
	for i := range n {
		f.AddRepo("acme", fmt.Sprintf("svc-%03d", i), h.dir)
		names = append(names, fmt.Sprintf("acme/svc-%03d", i))
	}
	return names
}

func checkRepositories(t *testing.T, got []githubapi.Repository, names []string, h history, installation int64) {
	t.Helper()
	if len(got) != len(names) {
		t.Fatalf("%d repositories, want %d", len(got), len(names))
	}
	cloneURL := (&url.URL{Scheme: "file", Path: h.dir}).String()
	for i, r := range got {
		want := githubapi.Repository{FullName: names[i], CloneURL: cloneURL, DefaultBranch: "main", Installation: installation}
		if r != want {
			t.Errorf("repository %d: %+v, want %+v", i, r, want)
		}
	}
}

func TestRepositoriesOfTheApp(t *testing.T) {
	f, clients, h := appSetup(t)
	names := addRepos(f, h, 110)
	got, err := clients.Repositories(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	checkRepositories(t, got, names, h, installation)
}

func TestRepositoriesOfTheToken(t *testing.T) {
	f, h := serve(t, githubfake.Options{Token: token})
	names := addRepos(f, h, 110)
	got, err := newClients(t).Repositories(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	checkRepositories(t, got, names, h, 0)
}
