package web

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// sessionLabel keeps the session key apart from every other key derived
// from the same secret (the deploy-tag key, the webhook signatures).
const sessionLabel = "paved-web-session-v1"

// SessionKey derives the key that seals the page's cookies from a secret
// every replica has: the operator's --session-key, or the webhook secret.
// Replicas that share the secret open each other's cookies, so a viewer
// stays logged in whichever one answers. An empty secret is an error.
func SessionKey(secret []byte) ([]byte, error) {
	if len(secret) == 0 {
		return nil, errors.New("no secret to derive the session key from")
	}
	return hkdf.Key(sha256.New, secret, nil, sessionLabel, 32)
}

// sessionTTL is how long a login lasts: a working day, as long as a GitHub
// App's user token.
const sessionTTL = 8 * time.Hour

// loginTTL is how long a login may stay at GitHub's consent page.
const loginTTL = 10 * time.Minute

// session is what the session cookie holds, sealed: who logged in, their
// GitHub token (the page asks GitHub what they may see with it), and the
// token every form of theirs must carry.
type session struct {
	Login   string `json:"l"`
	Token   string `json:"t"`
	CSRF    string `json:"c"`
	Expires int64  `json:"e"` // unix seconds
}

// pendingLogin is what the login cookie holds while the browser is at
// GitHub: the state it must bring back, and where to go after.
type pendingLogin struct {
	State   string `json:"s"`
	Next    string `json:"n"`
	Expires int64  `json:"e"`
}

// sealer seals and opens cookie values with AES-256-GCM; the cookie's name
// is authenticated with its value, so one cookie cannot stand for another.
type sealer struct{ aead cipher.AEAD }

func newSealer(key []byte) (*sealer, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &sealer{aead: aead}, nil
}

func (s *sealer) seal(name string, v any) (string, error) {
	plain, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	nonce := make([]byte, s.aead.NonceSize())
	_, _ = rand.Read(nonce)
	return base64.RawURLEncoding.EncodeToString(s.aead.Seal(nonce, nonce, plain, []byte(name))), nil
}

func (s *sealer) open(name, value string, v any) error {
	raw, err := base64.RawURLEncoding.DecodeString(value)
	if err != nil || len(raw) < s.aead.NonceSize() {
		return errors.New("malformed cookie")
	}
	n := s.aead.NonceSize()
	plain, err := s.aead.Open(nil, raw[:n], raw[n:], []byte(name))
	if err != nil {
		return errors.New("cookie not sealed with this key")
	}
	return json.Unmarshal(plain, v)
}

// cookies names and sets the page's cookies. With Secure, the names carry
// the __Host- prefix: the browser then keeps them only from HTTPS, for this
// host alone and for every path.
type cookies struct {
	insecure bool
	seal     *sealer
}

func (c cookies) name(base string) string {
	if c.insecure {
		return base
	}
	return "__Host-" + base
}

const (
	sessionCookie = "paved_session"
	loginCookie   = "paved_login"
)

func (c cookies) set(w http.ResponseWriter, base string, v any, ttl time.Duration) error {
	value, err := c.seal.seal(c.name(base), v)
	if err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{
		Name: c.name(base), Value: value, Path: "/", MaxAge: int(ttl / time.Second),
		HttpOnly: true, Secure: !c.insecure, SameSite: http.SameSiteLaxMode,
	})
	return nil
}

func (c cookies) clear(w http.ResponseWriter, base string) {
	http.SetCookie(w, &http.Cookie{
		Name: c.name(base), Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: !c.insecure, SameSite: http.SameSiteLaxMode,
	})
}

// get opens the cookie into v; false when it is missing, forged or sealed
// with another key.
func (c cookies) get(r *http.Request, base string, v any) bool {
	ck, err := r.Cookie(c.name(base))
	if err != nil {
		return false
	}
	return c.seal.open(c.name(base), ck.Value, v) == nil
}

// randomToken is 32 random bytes, URL-safe.
func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func sameToken(a, b string) bool {
	return a != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// safeNext is where a login may send the browser afterwards: a path on this
// site, never another site ("//evil.com", "/\evil.com", "https://…"), which
// would make the login page an open redirect. Anything else is "/".
func safeNext(next string) string {
	if next == "" || next[0] != '/' || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\x00\r\n\t") {
		return "/"
	}
	for _, r := range next {
		if r < 0x20 || r == 0x7f {
			return "/"
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || !strings.HasPrefix(u.Path, "/") || strings.HasPrefix(u.Path, "//") {
		return "/"
	}
	return next
}
