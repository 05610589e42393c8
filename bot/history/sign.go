package history

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

const (
	// keySignature is the trailer that signs a tag message; it is always
	// the message's last line.
	keySignature = "Paved-Signature"
	// signaturePrefix starts the signature line; the hex digest follows.
	signaturePrefix = keySignature + ": hmac-sha256="
	// signedVersion starts the signed bytes, so that a later format can
	// never be mistaken for this one.
	signedVersion = "paved-tag-v1\n"
	// keyLabel is what KeyFromSecret signs.
	keyLabel = "paved-tag-key-v1"
)

// KeyFromSecret derives the tag key from the webhook secret, for a bot
// given no key of its own. The label keeps the two keys apart: no tag
// signature is ever a webhook signature, nor the reverse. An empty secret
// gives no key.
func KeyFromSecret(secret []byte) []byte {
	if len(secret) == 0 {
		return nil
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(keyLabel))
	return mac.Sum(nil)
}

// digest is the HMAC of the signed bytes the package comment defines:
// body is the message of tag, whose object is commit, up to its signature
// line.
func digest(tag, commit, body string, key []byte) []byte {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(signedVersion + "tag " + tag + "\nobject " + commit + "\n\n" + body))
	return mac.Sum(nil)
}

// sign appends the signature line to body, the message of tag on commit.
func sign(tag, commit, body string, key []byte) string {
	return body + signaturePrefix + hex.EncodeToString(digest(tag, commit, body, key)) + "\n"
}

// signed reports whether msg, the message of tag whose object is commit,
// ends with a signature line that key made. No key signs nothing: anyone
// could compute an HMAC under an empty key.
func signed(tag, commit, msg string, key []byte) bool {
	if len(key) == 0 {
		return false
	}
	// The final newline is optional, as it is to sed, which an operator
	// checking by hand uses to drop the last line.
	msg = strings.TrimSuffix(msg, "\n")
	i := strings.LastIndexByte(msg, '\n')
	hexSig, ok := strings.CutPrefix(msg[i+1:], signaturePrefix)
	if !ok {
		return false
	}
	sig, err := hex.DecodeString(hexSig)
	return err == nil && hmac.Equal(sig, digest(tag, commit, msg[:i+1], key))
}
