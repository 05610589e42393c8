// Package command reads the paved commands people write in pull-request
// comments, such as "paved plan -d infra/app -- -target=terraform_data.web".
//
// A comment is split into words and checked word by word; nothing in it is
// ever handed to a shell, and only an allow-listed subset of terraform plan
// arguments gets through. Every refusal is a *UsageError whose text is meant
// to be posted back on the pull request as it is: the words of the comment
// it repeats are cut short and set as code, so that a reply can neither
// flood the thread nor notify anyone a comment names.
package command

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/paved-road/paved/internal/suggest"
)

// Name is what a command asks paved to do.
type Name string

// The commands, in the order the usage text lists them.
const (
	Plan    Name = "plan"
	Apply   Name = "apply"
	Unlock  Name = "unlock"
	History Name = "history"
	Help    Name = "help"
	// ApprovePolicies lets plans that failed a policy set be applied, when
	// an owner of the set says so.
	ApprovePolicies Name = "approve-policies"
)

var names = []Name{Plan, Apply, ApprovePolicies, Unlock, History, Help}

// Command is one parsed comment.
type Command struct {
	Name      Name
	Project   string      // -p
	Dir       string      // -d, cleaned, slash-separated, relative to the repo root; "" when unset
	Workspace string      // -w; "" when unset
	Rev       string      // --rev <tag or commit> (plan only): plan the project as it was at that tag
	Limit     int         // -n for history (default 10, 1..100); 0 for other commands
	Options   PlanOptions // from the args after `--` (plan only; apply takes none)
}

// DefaultLimit is how many history entries `paved history` shows without -n.
const DefaultLimit = 10

// flag is one of paved's own flags: the spelling a comment uses and the
// commands that accept it.
type flag struct {
	spelling string
	commands []Name
}

var (
	flagProject   = flag{"-p", []Name{Plan, Apply, ApprovePolicies, Unlock, History}}
	flagDir       = flag{"-d", []Name{Plan, Apply, ApprovePolicies, Unlock, History}}
	flagWorkspace = flag{"-w", []Name{Plan, Apply, ApprovePolicies, Unlock, History}}
	flagRev       = flag{"--rev", []Name{Plan}}
	flagLimit     = flag{"-n", []Name{History}}
	flags         = []flag{flagProject, flagDir, flagWorkspace, flagRev, flagLimit}
)

// argsSeparator starts the terraform arguments, which only plan accepts.
const argsSeparator = "--"

// maxWords is the most words a command may have: far more than any needs,
// and few enough that a line of thousands is refused before it is checked
// word by word.
const maxWords = 100

// Parse returns (nil, nil) when the comment is not addressed to paved: the first non-blank line
// must start with the word "paved" (case-sensitive). Only that first line is parsed; the rest of the
// comment is ignored. Errors are *UsageError whose Error() is a reply for the PR: what was wrong,
// naming the word/flag, then the usage text.
func Parse(comment string) (*Command, error) {
	words := firstLineWords(comment, maxWords+1)
	if len(words) == 0 || words[0] != "paved" {
		return nil, nil
	}
	if len(words) > maxWords {
		return nil, usageErrorf("the command is longer than %d words, more than paved reads; give variables in a -var-file rather than as many -var arguments.", maxWords)
	}
	for _, w := range words[1:] {
		if err := checkShellSafe(w); err != nil {
			return nil, err
		}
	}
	if len(words) == 1 {
		return nil, usageErrorf("`paved` needs a command: one of %s.", commandList())
	}
	cmd := &Command{Name: Name(words[1])}
	if !slices.Contains(names, cmd.Name) {
		return nil, usageErrorf("unknown command %s%s; the commands are %s.",
			quote(words[1]), didYouMean(words[1], commandNames()), commandList())
	}
	rest := words[2:]
	var extra []string
	if i := slices.Index(rest, argsSeparator); i >= 0 {
		rest, extra = rest[:i], rest[i+1:]
		if cmd.Name != Plan {
			return nil, usageErrorf("`paved %s` takes no terraform arguments after `--`; only `paved plan` does.", cmd.Name)
		}
	}
	if err := cmd.readFlags(rest); err != nil {
		return nil, err
	}
	if cmd.Name == History && cmd.Limit == 0 {
		cmd.Limit = DefaultLimit
	}
	opts, err := parsePlanOptions(extra)
	if err != nil {
		return nil, err
	}
	cmd.Options = opts
	return cmd, nil
}

// firstLineWords returns the words of the first line that has any, at
// most limit of them.
func firstLineWords(comment string, limit int) []string {
	var words []string
	for line := range strings.Lines(comment) {
		for word := range strings.FieldsSeq(line) {
			if words = append(words, word); len(words) == limit {
				return words
			}
		}
		if len(words) > 0 {
			return words
		}
	}
	return nil
}

// readFlags reads paved's own flags, each written "-f value" or "-f=value".
func (c *Command) readFlags(words []string) error {
	seen := map[string]bool{}
	for i := 0; i < len(words); i++ {
		word := words[i]
		if !strings.HasPrefix(word, "-") {
			return usageErrorf("unexpected argument %s: `paved %s` takes only flags; terraform arguments go after `--`.", quote(word), c.Name)
		}
		spelling, value, inline := strings.Cut(word, "=")
		f, ok := lookupFlag(spelling)
		if !ok {
			return usageErrorf("unknown flag %s%s for `paved %s`.", quote(spelling), didYouMean(spelling, flagSpellings()), c.Name)
		}
		if !slices.Contains(f.commands, c.Name) {
			return usageErrorf("flag %s cannot be used with `paved %s`; it works with %s.", f.spelling, c.Name, commandsOf(f))
		}
		if seen[f.spelling] {
			return usageErrorf("flag %s is given twice.", f.spelling)
		}
		seen[f.spelling] = true
		if !inline {
			// A following flag is never a value: no valid value starts with a dash.
			if i+1 == len(words) || strings.HasPrefix(words[i+1], "-") {
				return usageErrorf("flag %s needs a value.", f.spelling)
			}
			i++
			value = words[i]
		}
		if err := c.set(f, value); err != nil {
			return usageErrorf("flag %s: %v", f.spelling, err)
		}
	}
	if c.Project != "" && c.Dir != "" {
		return usageErrorf("flags -p and -d cannot be used together: a project already names its dir.")
	}
	return nil
}

func lookupFlag(spelling string) (flag, bool) {
	i := slices.IndexFunc(flags, func(f flag) bool { return f.spelling == spelling })
	if i < 0 {
		return flag{}, false
	}
	return flags[i], true
}

// set checks value and stores it in the field f fills.
func (c *Command) set(f flag, value string) error {
	var err error
	switch f.spelling {
	case flagProject.spelling:
		c.Project, err = value, checkName(value, quote)
	case flagDir.spelling:
		c.Dir, err = cleanDir(value, quote)
	case flagWorkspace.spelling:
		c.Workspace, err = value, checkName(value, quote)
	case flagRev.spelling:
		c.Rev, err = value, checkRev(value)
	case flagLimit.spelling:
		c.Limit, err = parseLimit(value)
	}
	return err
}

// namePattern is the form of project and workspace names.
var namePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)

// CheckName checks a project or workspace name: a letter or digit, then up
// to 63 letters, digits, '_', '.' and '-'. The error shows name quoted as
// Go does, for a paved.yaml value.
func CheckName(name string) error {
	return checkName(name, strconv.Quote)
}

// checkName is CheckName with the error showing name as show renders it.
func checkName(name string, show func(string) string) error {
	if !namePattern.MatchString(name) {
		return fmt.Errorf("%s is not a valid name: start with a letter or digit, then up to 63 letters, digits, '_', '.' and '-'", show(name))
	}
	return nil
}

// CleanDir checks that dir is a relative path that stays inside the
// repository and returns it cleaned, with "." for the repository root. The
// error shows dir quoted as Go does, for a paved.yaml value.
func CleanDir(dir string) (string, error) {
	return cleanDir(dir, strconv.Quote)
}

// cleanDir is CleanDir with the error showing dir as show renders it.
func cleanDir(dir string, show func(string) string) (string, error) {
	switch clean := path.Clean(dir); {
	case dir == "":
		return "", fmt.Errorf("the directory must not be empty; use . for the repository root")
	case strings.ContainsAny(dir, "\x00\\"):
		return "", fmt.Errorf("%s is not a directory: use forward slashes and no NUL characters", show(dir))
	case path.IsAbs(dir):
		return "", fmt.Errorf("%s is absolute; give the directory relative to the repository root", show(dir))
	case leavesRoot(clean):
		return "", fmt.Errorf("%s is outside the repository", show(dir))
	default:
		return clean, nil
	}
}

// leavesRoot reports whether a cleaned relative path climbs out of the
// directory it is relative to.
func leavesRoot(clean string) bool {
	return clean == ".." || strings.HasPrefix(clean, "../")
}

var revPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._/-]{0,199}$`)

// checkRev accepts tag, branch and commit names that git cannot mistake for
// an option or a range.
func checkRev(rev string) error {
	if !revPattern.MatchString(rev) || strings.Contains(rev, "..") {
		return fmt.Errorf("%s is not a tag or commit: start with a letter or digit, then up to 199 letters, digits, '.', '_', '/' and '-', with no '..'", quote(rev))
	}
	return nil
}

func parseLimit(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 100 {
		return 0, fmt.Errorf("%s is not a number from 1 to 100", quote(s))
	}
	return n, nil
}

// shellMeta are characters a shell would act on. No valid argument needs
// them, and refusing them keeps a comment from looking like it could do
// more than it can.
const shellMeta = ";&|$`<>\\(){}*?!~'\""

// checkShellSafe refuses a word holding shell metacharacters or control characters.
func checkShellSafe(word string) error {
	i := strings.IndexFunc(word, func(r rune) bool {
		return strings.ContainsRune(shellMeta, r) || r < 0x20 || r == 0x7f
	})
	if i < 0 {
		return nil
	}
	c := word[i : i+1]
	hint := "write -var=name=value without quotes"
	if c == "{" || c == "}" {
		hint = "for maps, lists and other complex values use -var-file"
	}
	return usageErrorf("%s contains %s, which is not allowed: arguments are not run through a shell; %s.", quote(word), quote(c), hint)
}

func commandNames() []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = string(n)
	}
	return out
}

func commandList() string {
	return strings.Join(commandNames(), ", ")
}

func flagSpellings() []string {
	out := make([]string, len(flags))
	for i, f := range flags {
		out[i] = f.spelling
	}
	return out
}

func commandsOf(f flag) string {
	out := make([]string, len(f.commands))
	for i, n := range f.commands {
		out[i] = "`paved " + string(n) + "`"
	}
	return strings.Join(out, ", ")
}

// didYouMean returns a " (did you mean X?)" hint when a candidate is close to word.
func didYouMean(word string, candidates []string) string {
	// Every candidate is short, and a long word is no typo of one: spare
	// the edit distance, which grows with the word's length.
	if len(word) > maxQuoted {
		return ""
	}
	if s := suggest.Closest(word, candidates); s != "" {
		return fmt.Sprintf(" (did you mean %s?)", s)
	}
	return ""
}
