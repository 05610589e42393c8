package githubfake

import (
	"crypto/rand"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v4"
)

const tokenExchange = "POST /app/installations/{installation_id}/access_tokens"

// installationTokenTTL is GitHub's: an installation token lives one hour.
const installationTokenTTL = time.Hour

// credential is the token of an "Authorization: token T" or "Bearer T" header.
func credential(r *http.Request) string {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || (!strings.EqualFold(scheme, "token") && !strings.EqualFold(scheme, "bearer")) {
		return ""
	}
	return strings.TrimSpace(token)
}

func (f *Fake) authorized(r *http.Request) bool {
	token := credential(r)
	if token == "" {
		return false
	}
	if token == f.opts.Token {
		return true
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	expiry, ok := f.tokens[token]
	return ok && time.Now().Before(expiry)
}

// exchangeToken is how a GitHub App logs in: a short-lived JWT signed with
// the App's private key buys an installation token.
func (f *Fake) exchangeToken(w http.ResponseWriter, r *http.Request) {
	if err := f.verifyAppJWT(credential(r)); err != nil {
		writeError(w, http.StatusUnauthorized, "A JSON web token could not be decoded: "+err.Error(),
			"https://docs.github.com/rest/apps/apps#create-an-installation-access-token-for-an-app")
		return
	}
	id, err := strconv.ParseInt(r.PathValue("installation_id"), 10, 64)
	if err != nil || id != f.opts.InstallationID {
		writeError(w, http.StatusNotFound, "Not Found", docsRoot)
		return
	}
	token := "ghs_" + rand.Text()
	expiry := now().Add(installationTokenTTL)
	f.mu.Lock()
	f.tokens[token] = expiry
	f.mu.Unlock()

	obj := f.examples.object("installation-token")
	obj["token"] = token
	obj["expires_at"] = expiry.Format(time.RFC3339)
	obj["repository_selection"] = "all"
	delete(obj, "repositories") // only sent for a selection
	writeJSON(w, http.StatusCreated, obj)
}

func (f *Fake) verifyAppJWT(raw string) error {
	if f.opts.AppPublicKey == nil {
		return errors.New("no GitHub App is configured")
	}
	if raw == "" {
		return errors.New("no bearer token")
	}
	var claims jwt.RegisteredClaims
	_, err := jwt.ParseWithClaims(raw, &claims, func(*jwt.Token) (any, error) { return f.opts.AppPublicKey, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodRS256.Alg()}))
	if err != nil {
		return err
	}
	// ParseWithClaims checks exp only when present; GitHub requires it.
	if claims.ExpiresAt == nil {
		return errors.New("'exp' claim missing")
	}
	if claims.Issuer != strconv.FormatInt(f.opts.AppID, 10) {
		return errors.New("'iss' is not the App's id")
	}
	return nil
}
