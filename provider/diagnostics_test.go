package provider

import (
	"regexp"
	"strings"
)

// diagnosticPattern matches texts in order as Terraform prints them,
// where any space may have become a line break.
func diagnosticPattern(texts ...string) *regexp.Regexp {
	parts := make([]string, len(texts))
	for i, text := range texts {
		parts[i] = strings.ReplaceAll(regexp.QuoteMeta(text), " ", `\s+`)
	}
	return regexp.MustCompile(strings.Join(parts, `[\s\S]*`))
}
