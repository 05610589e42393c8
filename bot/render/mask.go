package render

import (
	"encoding/base64"
	"encoding/hex"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// masked replaces every secret value.
const masked = "***"

// A maskRule rewrites one kind of credential. The replacement keeps
// whatever the rule's leading group matched (a key, a scheme, a user) so the
// reader still sees what was hidden. Every match holds one of the rule's
// needles, lower-cased: text of ASCII alone that holds none of them is not
// searched (terraform's output, masked line by line as it comes, mostly has
// no credential in it).
type maskRule struct {
	re      *regexp.Regexp
	repl    string
	needles []string
}

// quotedValue is a double-quoted string that may contain escaped quotes.
const quotedValue = `"(?:[^"\\\n]|\\.)+"`

// keyWords name a value that is a credential.
var keyWords = []string{"password", "passwd", "secret", "token"}

// maskRules run in order: whole PEM blocks first, so that no later rule
// leaves a partial key behind; then rules that keep a prefix; then bare
// tokens.
var maskRules = []maskRule{
	// A private key, including one whose END line was cut off.
	{regexp.MustCompile(`(?s)` + privateKeyBeginLine + `(?:.*?` + privateKeyEndLine + `|.*)`), masked, []string{"private key-----"}},
	{regexp.MustCompile(`(?i)(authorization"?\s*[:=]\s*"?(?:bearer|basic|token)\s+)[^\s"',;]+`), "${1}" + masked, []string{"authorization"}},
	// scheme://user:password@host
	{regexp.MustCompile(`(\b[a-zA-Z][a-zA-Z0-9+.-]*://[^/\s:@]*:)[^/\s@]+@`), "${1}" + masked + "@", []string{"://"}},
	{regexp.MustCompile(`\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36,}\b`), masked, []string{"ghp_", "gho_", "ghu_", "ghs_", "ghr_"}},
	{regexp.MustCompile(`\bgithub_pat_[A-Za-z0-9_]{20,}\b`), masked, []string{"github_pat_"}},
	{regexp.MustCompile(`\b(?:AKIA|ASIA)[A-Z0-9]{16}\b`), masked, []string{"akia", "asia"}},
	{regexp.MustCompile(`(?i)((?:aws_)?secret_access_key|secretaccesskey)("?\s*[:=]\s*"?)[A-Za-z0-9/+=]{16,}`), "${1}${2}" + masked, []string{"secret_access_key", "secretaccesskey"}},
	// password = "x", "client_secret": "x", api_token: "x"
	{regexp.MustCompile(`(?i)("?[\w.-]*(?:password|passwd|secret|token)[\w.-]*"?\s*[:=]\s*)` + quotedValue), `${1}"` + masked + `"`, keyWords},
	// The new value of a changed secret in a plan: password = "***" -> "x"
	{regexp.MustCompile(`("\*\*\*"\s*->\s*)` + quotedValue), `${1}"` + masked + `"`, []string{`"***"`}},
	// Environment style, unquoted: DB_PASSWORD=hunter2
	{regexp.MustCompile(`\b([A-Z0-9_]*(?:PASSWORD|PASSWD|SECRET|TOKEN)[A-Z0-9_]*=)[^\s"'][^\s]*`), "${1}" + masked, keyWords},
}

// Mask replaces secrets in s with "***": each of the given literal secrets
// (such as the installation token), also when hex- or base64-encoded or
// reversed, as a plan that prints a secret to get it past masking would,
// and anything shaped like a credential:
// AWS access key ids and secret keys, GitHub tokens, private key PEM blocks,
// Authorization header values, passwords in URLs, and quoted values assigned
// to keys naming a password, secret or token. Keys stay visible; only values
// are hidden. Terraform's own "(sensitive value)" is left as it is.
func Mask(s string, secrets ...string) string {
	return maskWith(literalsOf(secrets), s)
}

// literalsOf are the given secrets and their encodings, longest first, so that a secret that
// contains another is hidden whole.
func literalsOf(secrets []string) []string {
	literals := make([]string, 0, len(secrets))
	for _, secret := range secrets {
		if secret != "" {
			literals = append(literals, secret)
			literals = append(literals, encodings(secret)...)
		}
	}
	sort.Slice(literals, func(i, j int) bool { return len(literals[i]) > len(literals[j]) })
	return literals
}

func maskWith(literals []string, s string) string {
	for _, secret := range literals {
		s = strings.ReplaceAll(s, secret, masked)
	}
	// Beyond ASCII, case folding reaches letters lower-casing does not
	// (ſ matches s in (?i)secret): every rule then searches.
	lower, ascii := strings.ToLower(s), isASCII(s)
	for _, rule := range maskRules {
		if ascii && !slices.ContainsFunc(rule.needles, func(n string) bool { return strings.Contains(lower, n) }) {
			continue
		}
		if replaced := rule.re.ReplaceAllString(s, rule.repl); replaced != s {
			s, lower = replaced, strings.ToLower(replaced)
		}
	}
	return s
}

// A Stream masks text that comes in chunks, as terraform's output does while it runs, as Mask
// does each chunk, and also across them: a private key whose BEGIN line is in one chunk is masked
// to its END line in the chunks that follow, where Mask alone would see only the key's middle.
// The zero value masks no literal secret.
type Stream struct {
	Secrets []string

	literals []string // of Secrets, made at the first chunk
	inKey    bool     // the last chunk ended inside a private key
}

// The lines that open and close a PEM private key, as the first mask rule and Stream find them.
const (
	privateKeyBeginLine = `-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----`
	privateKeyEndLine   = `-----END (?:[A-Z0-9]+ )*PRIVATE KEY-----`
)

var (
	privateKeyBegin = regexp.MustCompile(privateKeyBeginLine)
	privateKeyEnd   = regexp.MustCompile(privateKeyEndLine)
)

// Mask masks the next chunk; what is left of a private key begun in an earlier chunk is dropped.
func (m *Stream) Mask(chunk string) string {
	if m.literals == nil {
		m.literals = literalsOf(m.Secrets)
	}
	if m.inKey {
		end := privateKeyEnd.FindStringIndex(chunk)
		if end == nil {
			return ""
		}
		chunk = chunk[end[1]:]
	}
	begins, ends := privateKeyBegin.FindAllStringIndex(chunk, -1), privateKeyEnd.FindAllStringIndex(chunk, -1)
	m.inKey = len(begins) > 0 && (len(ends) == 0 || ends[len(ends)-1][0] < begins[len(begins)-1][0])
	return maskWith(m.literals, chunk)
}

func isASCII(s string) bool {
	for i := range len(s) {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// minEncoded is the shortest secret whose encodings are masked: shorter
// encodings would hide ordinary words.
const minEncoded = 8

// encodings are the forms a secret takes when text holding it is hex- or
// base64-encoded or reversed. Base64 of a longer text holds the secret's
// encoding at one of three alignments; for each, the characters that depend
// only on the secret are masked.
func encodings(secret string) []string {
	if len(secret) < minEncoded {
		return nil
	}
	out := []string{hex.EncodeToString([]byte(secret)), strings.ToUpper(hex.EncodeToString([]byte(secret))), reverse(secret)}
	for pad := range 3 {
		// pad bytes before the secret shift it within base64's 3-byte groups.
		prefixed := append(make([]byte, pad), secret...)
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding} {
			full := enc.EncodeToString(prefixed)
			start := (pad*8 + 5) / 6       // characters that also hold prefix bits
			end := (len(prefixed) * 8) / 6 // characters that also hold what follows
			if end-start >= minEncoded {
				out = append(out, full[start:end])
			}
		}
	}
	return out
}

func reverse(s string) string {
	r := []rune(s)
	slices.Reverse(r)
	return string(r)
}
