// Package suggest finds the name a mistyped one most likely meant, for
// "did you mean" hints in error messages.
package suggest

// maxEdits is how far a typo may be from what was meant; further than that
// a suggestion is more often wrong than helpful.
const maxEdits = 2

// Closest returns the candidate within two edits of s, or "" when none is
// or when several are equally close, since then there is no obvious choice.
func Closest(s string, candidates []string) string {
	best, bestDist, ties := "", maxEdits+1, 0
	for _, c := range candidates {
		switch d := distance(s, c); {
		case d < bestDist:
			best, bestDist, ties = c, d, 0
		case d == bestDist:
			ties++
		}
	}
	if ties > 0 {
		return ""
	}
	return best
}

// distance is the Levenshtein edit distance between a and b.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
