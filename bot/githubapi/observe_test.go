package githubapi_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paved-road/paved/bot/githubapi"
	"github.com/paved-road/paved/internal/githubfake"
)

// requests collects what Clients.Observe is told, as
// "METHOD path status remaining".
type requests struct {
	mu  sync.Mutex
	got []string
}

func (r *requests) observe(method, path string, status, remaining int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, fmt.Sprintf("%s %s %d %d", method, path, status, remaining))
}

func (r *requests) String() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.got, "\n")
}

func TestObserveSeesEachRetry(t *testing.T) {
	clk := &clock{now: time.Now()}
	f, _ := serve(t, githubfake.Options{Token: token, Now: clk.Now})
	clients := newClients(t)
	clients.SetClock(clk.Now, clk.Sleep)
	seen := &requests{}
	clients.Observe = seen.observe
	c := clients.For(0)
	ctx := context.Background()
	if _, err := c.PullRequest(ctx, "acme/infra", 7); err != nil {
		t.Fatal(err)
	}
	// GitHub gives the reset in whole seconds.
	f.LimitRequests(0, clk.Now().Add(10*time.Second).Truncate(time.Second))
	if err := c.Comment(ctx, "acme/infra", 7, "hello"); err != nil {
		t.Fatal(err)
	}
	// The stand-in sends X-RateLimit-Remaining only with its refusal.
	want := strings.Join([]string{
		"GET /repos/acme/infra/pulls/7 200 -1",
		"POST /repos/acme/infra/issues/7/comments 403 0",
		"POST /repos/acme/infra/issues/7/comments 201 -1",
	}, "\n")
	if got := seen.String(); got != want {
		t.Errorf("observed:\n%s\nwant:\n%s", got, want)
	}
}

func TestObservePathBelowTheAPIRoot(t *testing.T) {
	// GitHub Enterprise Server's API lives under /api/v3.
	gh := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/api/v3/") {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("X-RateLimit-Remaining", "4321")
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"number":7,"state":"open"}`))
	}))
	defer gh.Close()
	clients, err := githubapi.NewClients(githubapi.Auth{Token: token}, githubapi.Endpoint{APIURL: gh.URL + "/api/v3"})
	if err != nil {
		t.Fatal(err)
	}
	seen := &requests{}
	clients.Observe = seen.observe
	if _, err := clients.For(0).PullRequest(context.Background(), "acme/infra", 7); err != nil {
		t.Fatal(err)
	}
	gh.Close()
	if _, err := clients.For(0).PullRequest(context.Background(), "acme/infra", 8); err == nil {
		t.Fatal("GitHub gone: want an error")
	}
	want := "GET /repos/acme/infra/pulls/7 200 4321\nGET /repos/acme/infra/pulls/8 0 -1"
	if got := seen.String(); got != want {
		t.Errorf("observed:\n%s\nwant:\n%s", got, want)
	}
}

func TestObserveSeesInstallationTokens(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	serve(t, githubfake.Options{AppID: 42, AppPublicKey: &key.PublicKey, InstallationID: 5})
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	clients, err := githubapi.NewClients(githubapi.Auth{AppID: 42, AppKey: keyPEM}, githubapi.Endpoint{APIURL: gateway.URL})
	if err != nil {
		t.Fatal(err)
	}
	seen := &requests{}
	clients.Observe = seen.observe
	if _, err := clients.For(5).PullRequest(context.Background(), "acme/infra", 7); err != nil {
		t.Fatal(err)
	}
	want := "POST /app/installations/5/access_tokens 201 -1\nGET /repos/acme/infra/pulls/7 200 -1"
	if got := seen.String(); got != want {
		t.Errorf("observed:\n%s\nwant:\n%s", got, want)
	}
}
