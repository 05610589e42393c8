package command

import "fmt"

// Usage is the help text, in GitHub markdown, that `paved help` and every
// usage error show.
const Usage = "**Usage:** `paved <command> [flags] [-- terraform arguments]`\n" +
	"\n" +
	"Commands:\n" +
	"- `paved plan`: plan the projects this pull request changes, or those chosen with -p or -d\n" +
	"- `paved apply`: apply the plans made for this pull request\n" +
	"- `paved approve-policies`: as an owner of a policy set, let plans that failed it be applied\n" +
	"- `paved unlock`: release the locks this pull request holds\n" +
	"- `paved history`: list the latest applies and where they came from\n" +
	"- `paved help`: show this text\n" +
	"\n" +
	"Flags:\n" +
	"- `-p PROJECT`: only the project of that name in paved.yaml (plan, apply, approve-policies, unlock, history)\n" +
	"- `-d DIR`: only the projects in DIR, relative to the repository root; `.` is the root (plan, apply, approve-policies, unlock, history)\n" +
	"- `-w WORKSPACE`: only that terraform workspace (plan, apply, approve-policies, unlock, history)\n" +
	"- `--rev REV`: plan the project as it was at a deploy tag that `paved history` lists, or at a commit, to roll back to it (plan)\n" +
	"- `-n N`: how many applies to list, 1 to 100, default 10 (history)\n" +
	"\n" +
	"Terraform arguments, after `--` and for `paved plan` only: " +
	"`-target=ADDR` `-replace=ADDR` `-var=NAME=VALUE` `-var-file=PATH` `-refresh=true|false` " +
	"`-refresh-only` `-destroy` `-parallelism=N` (1 to 256) `-lock-timeout=DURATION` (such as 30s or 5m). " +
	"Arguments are not run through a shell: write them without quotes, and put maps, lists and other complex values in a -var-file.\n" +
	"\n" +
	"Example: `paved plan -d infra/app -- -target=terraform_data.web -var=replicas=3`\n"

// UsageError is a comment paved cannot act on. Its text is a reply for the
// pull request: the problem, then the usage text.
type UsageError struct {
	Problem string // what was wrong, naming the word or flag
}

func (e *UsageError) Error() string {
	return e.Problem + "\n\n" + Usage
}

func usageErrorf(format string, args ...any) *UsageError {
	return &UsageError{Problem: fmt.Sprintf(format, args...)}
}
