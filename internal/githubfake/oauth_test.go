package githubfake_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/paved-road/paved/internal/githubfake"
)

// TestOAuthWebFlowGivesAUserToken walks the flow as a browser and a web
// page do: the consent page, the redirect back with code and state, the
// exchange; then the token reads who it is and, through Prism, what it may
// do in a repository.
func TestOAuthWebFlowGivesAUserToken(t *testing.T) {
	f, _, _ := setup(t, githubfake.Options{})
	f.SetOAuthApp("Iv1.client", "client-secret")
	web := httptest.NewServer(f) // /login/oauth is not in the API description
	defer web.Close()
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	callback := "http://127.0.0.1:1/login/callback"

	page, err := http.Get(web.URL + "/login/oauth/authorize?" + url.Values{"client_id": {"Iv1.client"}, "redirect_uri": {callback}, "state": {"s1"}}.Encode())
	if err != nil {
		t.Fatal(err)
	}
	page.Body.Close()
	if page.StatusCode != http.StatusOK {
		t.Fatalf("consent page: %d", page.StatusCode)
	}
	other, err := http.Get(web.URL + "/login/oauth/authorize?client_id=other&redirect_uri=" + url.QueryEscape(callback))
	if err != nil {
		t.Fatal(err)
	}
	other.Body.Close()
	if other.StatusCode != http.StatusNotFound {
		t.Errorf("consent page of an unknown client: %d, want 404", other.StatusCode)
	}

	consent := func(form url.Values) *url.URL {
		t.Helper()
		form.Set("client_id", "Iv1.client")
		form.Set("redirect_uri", callback)
		form.Set("state", "s1")
		resp, err := noFollow.PostForm(web.URL+"/login/oauth/authorize", form)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		back, err := url.Parse(resp.Header.Get("Location"))
		if resp.StatusCode != http.StatusFound || err != nil || !strings.HasPrefix(back.String(), callback+"?") {
			t.Fatalf("consent: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		return back
	}
	if back := consent(url.Values{"deny": {"1"}}); back.Query().Get("error") != "access_denied" || back.Query().Get("state") != "s1" {
		t.Errorf("denied: back to %s", back)
	}
	back := consent(url.Values{"login": {"carol"}})
	code := back.Query().Get("code")
	if code == "" || back.Query().Get("state") != "s1" {
		t.Fatalf("back to %s, want a code and the state", back)
	}

	exchange := func(secret, code string) map[string]string {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, web.URL+"/login/oauth/access_token", strings.NewReader(url.Values{
			"client_id": {"Iv1.client"}, "client_secret": {secret}, "code": {code}, "redirect_uri": {callback},
		}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Accept", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]string
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("exchange: %d %v", resp.StatusCode, err)
		}
		return out
	}
	if got := exchange("wrong", code); got["error"] != "incorrect_client_credentials" {
		t.Errorf("wrong secret: %v", got)
	}
	got := exchange("client-secret", code)
	userToken := got["access_token"]
	if !strings.HasPrefix(userToken, "ghu_") || got["token_type"] != "bearer" {
		t.Fatalf("exchange: %v", got)
	}
	if again := exchange("client-secret", code); again["error"] != "bad_verification_code" {
		t.Errorf("a code used twice: %v", again)
	}

	ctx := context.Background()
	carol := newClient(t, http.DefaultClient).WithAuthToken(userToken)
	me, _, err := carol.Users.Get(ctx, "")
	if err != nil || me.GetLogin() != "carol" {
		t.Fatalf("GET /user: %v %v", me.GetLogin(), err)
	}
	repo, _, err := carol.Repositories.Get(ctx, owner, name)
	if err != nil {
		t.Fatal(err)
	}
	if p := repo.GetPermissions(); !p["pull"] || !p["push"] || p["admin"] || repo.GetFullName() != "acme/infra" {
		t.Errorf("carol's permissions %v on %s, want write", p, repo.GetFullName())
	}
	f.SetPermission(owner, name, "carol", "read")
	repo, _, err = carol.Repositories.Get(ctx, owner, name)
	if p := repo.GetPermissions(); err != nil || !p["pull"] || p["push"] {
		t.Errorf("carol's permissions %v (%v), want read", p, err)
	}
	f.SetPermission(owner, name, "carol", "none")
	_, _, err = carol.Repositories.Get(ctx, owner, name)
	wantStatus(t, err, http.StatusNotFound, "Not Found")
	_, _, err = carol.Repositories.Get(ctx, owner, "elsewhere")
	wantStatus(t, err, http.StatusNotFound, "Not Found")

	// A user token is no key to the bot's endpoints, and dies with revocation.
	_, _, err = carol.PullRequests.Get(ctx, owner, name, 1)
	wantStatus(t, err, http.StatusUnauthorized, "Bad credentials")
	expectViolation(t, "-> 401") // GitHub's description lists no 401 for it
	f.RevokeUserTokens()
	_, _, err = carol.Users.Get(ctx, "")
	wantStatus(t, err, http.StatusUnauthorized, "Bad credentials")
}
