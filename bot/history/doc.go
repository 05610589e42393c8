// Package history keeps the deploy history as annotated git tags: one tag
// per project and workspace on each applied commit, whose message records
// who deployed what from which pull request. It names the tags, writes and
// parses their messages, and reads them back from a local git repository.
//
// # Signed tags
//
// Anyone who may push tags can push a paved/ tag with any message, so the
// bot signs every message with a key of its own and readers trust only the
// tags whose signature holds. The last line of a signed message, after
// which nothing but a newline may follow, is
//
//	Paved-Signature: hmac-sha256=<64 lowercase hex digits>
//
// the HMAC-SHA256, under the tag key, of these bytes:
//
//	"paved-tag-v1\n"
//	"tag " + <tag name, such as paved/app/prod/20240501T143005Z> + "\n"
//	"object " + <sha of the commit the tag object points at> + "\n"
//	"\n"
//	<every line of the message before the signature line, each with its "\n">
//
// A deploy tag is verified when it is an annotated tag under paved/ whose
// object is a commit, its Commit trailer names that same commit and the
// signature matches for the tag's own name: a copied message, a moved or a
// renamed tag does not verify.
//
// The tag key is the bot's --tag-key (PAVED_TAG_KEY) as given; without one
// it is KeyFromSecret of the webhook secret: the 32 bytes of HMAC-SHA256,
// under the secret, of "paved-tag-key-v1". An operator can check a tag with
// git and openssl, comparing the printed digest with the signature line:
//
//	tag=paved/app/prod/20240501T143005Z
//	git cat-file tag "$tag" >tag.txt
//	{ printf 'paved-tag-v1\ntag %s\nobject %s\n\n' "$tag" "$(sed -n '1s/^object //p' tag.txt)"
//	  sed -e '1,/^$/d' -e '$d' tag.txt; } | openssl dgst -sha256 -mac HMAC -macopt key:"$PAVED_TAG_KEY"
//	tail -n 1 tag.txt
//	grep '^Commit: ' tag.txt; head -n 1 tag.txt   # the same commit
//
// With only the webhook secret, derive the key first and give it as hexkey:
//
//	key=$(printf paved-tag-key-v1 | openssl dgst -sha256 -mac HMAC -macopt key:"$PAVED_WEBHOOK_SECRET" | sed 's/.* //')
//	... | openssl dgst -sha256 -mac HMAC -macopt hexkey:"$key"
package history
