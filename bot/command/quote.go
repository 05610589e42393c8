package command

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxQuoted is how many runes of a word a reply repeats: enough to
// recognise it, too few for a long word to flood the thread.
const maxQuoted = 40

// quote renders a word from a comment for a reply; every reply that
// repeats what someone wrote goes through it. The word is cut to maxQuoted
// runes and "…", its non-printing characters are escaped as Go escapes
// them, and it becomes a markdown code span, in which GitHub notifies no
// @user or @org/team, links no #123 or URL, and shows HTML as text.
func quote(word string) string {
	var b strings.Builder
	for i, n := 0, 0; i < len(word); n++ {
		if n == maxQuoted {
			b.WriteString("…")
			break
		}
		r, size := utf8.DecodeRuneInString(word[i:])
		if r == utf8.RuneError || !unicode.IsPrint(r) {
			// Invalid bytes, control, format and bidi characters would
			// hide what the word really is.
			q := strconv.Quote(word[i : i+size])
			b.WriteString(q[1 : len(q)-1])
		} else {
			b.WriteString(word[i : i+size])
		}
		i += size
	}
	return codeSpan(b.String())
}

// codeSpan wraps s in a markdown code span. The grammar refuses backticks,
// but the refusal quotes the word that holds them, so s may: the fence is
// one backtick longer than the longest run of them in s, with a space
// inside each end when s starts or ends with one, which CommonMark drops.
func codeSpan(s string) string {
	longest, run := 0, 0
	for _, r := range s {
		if r == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	fence := strings.Repeat("`", longest+1)
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		s = " " + s + " "
	}
	return fence + s + fence
}
