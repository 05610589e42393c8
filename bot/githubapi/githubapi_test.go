package githubapi

import "testing"

func TestEndpointBaseURL(t *testing.T) {
	cases := []struct {
		ep   Endpoint
		want string
	}{
		{Endpoint{}, "https://api.github.com/"},
		{Endpoint{Hostname: "github.com"}, "https://api.github.com/"},
		{Endpoint{Hostname: "ghe.example.com"}, "https://ghe.example.com/api/v3/"},
		{Endpoint{Hostname: "ghe.example.com", APIURL: "http://127.0.0.1:9000"}, "http://127.0.0.1:9000/"},
	}
	for _, tc := range cases {
		got, err := tc.ep.BaseURL()
		if err != nil || got.String() != tc.want {
			t.Errorf("%+v: got %v %v, want %s", tc.ep, got, err, tc.want)
		}
	}
	for _, bad := range []string{"ftp://x/", "not a url", "https://"} {
		if _, err := (Endpoint{APIURL: bad}).BaseURL(); err == nil {
			t.Errorf("%q: want an error", bad)
		}
	}
}

func TestNewClientsNeedsOneCredential(t *testing.T) {
	if _, err := NewClients(Auth{}, Endpoint{}); err == nil {
		t.Error("no credentials: want an error")
	}
	if _, err := NewClients(Auth{Token: "t", AppID: 1}, Endpoint{}); err == nil {
		t.Error("token and App: want an error")
	}
	if _, err := NewClients(Auth{AppID: 1, AppKey: []byte("not a key")}, Endpoint{}); err == nil {
		t.Error("bad App key: want an error")
	}
	c, err := NewClients(Auth{Token: "t"}, Endpoint{Hostname: "ghe.example.com"})
	if err != nil {
		t.Fatal(err)
	}
	// Token auth has one client whatever the installation.
	if c.For(1) != c.For(2) {
		t.Error("token auth must share one client")
	}
	if got := c.For(1).gh.BaseURL.String(); got != "https://ghe.example.com/api/v3/" {
		t.Errorf("GHES base URL: %s", got)
	}
}
