package history

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Record is one deploy: a successful apply of one project and workspace.
type Record struct {
	Tag                     string // the tag's name; filled when read back
	Project, Workspace, Dir string
	Commit                  string // applied commit sha
	PR                      int
	PRURL                   string
	Author                  string // the pull request's author
	Approvers               []string
	PlannedBy               string // who commented the "paved plan" that was applied; "" in older tags
	AppliedBy               string // who commented "paved apply"
	Add, Change, Destroy    int
	PlanSHA256              string
	Tool, ToolVersion       string    // "terraform", "1.8.5"
	Time                    time.Time // apply time; Message keeps it in UTC to the millisecond
	// For deploy stats; zero in tags written before them.
	Team     string        // the project's team in paved.yaml
	PROpened time.Time     // when the pull request was opened
	Took     time.Duration // how long Terraform's apply ran
	// Policies is the policy sets' verdicts on the plan and who approved a
	// failure: "prod-safety passed; team-tag failed, approved by alice";
	// "" when no set checked it.
	Policies string
	// Verified is set by Read and Verify when the tag proves that the bot
	// wrote this record for this tag on this commit (see the package
	// comment); anything else in an unverified record may be forged.
	Verified bool
}

// tagRoot is the namespace of deploy tags under refs/tags/.
const tagRoot = "paved/"

// tagTime is the layout of a tag name's time: basic ISO 8601, which has no
// characters git forbids in ref names and sorts chronologically.
const tagTime = "20060102T150405Z"

// TagName is the tag for a deploy of project and workspace at t:
// "paved/<project>/<workspace>/<YYYYMMDDTHHMMSSZ>". Project and workspace
// must already be valid names.
func TagName(project, workspace string, t time.Time) string {
	return tagRoot + project + "/" + workspace + "/" + t.UTC().Format(tagTime)
}

// Retry is the name to try for a deploy whose name the repository already
// has, from another deploy of the same project and workspace within that
// second: TagName's with "-2", "-3", … appended, which still sorts after it.
func Retry(name string, n int) string {
	return name + "-" + strconv.Itoa(n)
}

// Prefix is the tag name prefix of all deploys, or of one project's when
// project is not empty.
func Prefix(project string) string {
	if project == "" {
		return tagRoot
	}
	return tagRoot + project + "/"
}

// The trailer keys of a tag message, in the order Message writes them.
const (
	keyProject    = "Project"
	keyWorkspace  = "Workspace"
	keyDir        = "Dir"
	keyCommit     = "Commit"
	keyPR         = "PR"
	keyPRURL      = "PR-URL"
	keyAuthor     = "Author"
	keyApprovers  = "Approvers"
	keyPlannedBy  = "Planned-By"
	keyAppliedBy  = "Applied-By"
	keySummary    = "Summary"
	keyPlanSHA256 = "Plan-SHA256"
	keyTool       = "Tool"
	keyAppliedAt  = "Applied-At"
	keyTeam       = "Team"
	keyPROpened   = "PR-Opened"
	keyApplyTook  = "Apply-Seconds"
	keyPolicies   = "Policies"
	// appliedAtLayout is RFC 3339 with milliseconds when there are any, so
	// that two deploys within one second still list in the order they ran.
	appliedAtLayout = "2006-01-02T15:04:05.999Z07:00"
)

var trailerKeys = []string{
	keyProject, keyWorkspace, keyDir, keyCommit, keyPR, keyPRURL, keyAuthor,
	keyApprovers, keyPlannedBy, keyAppliedBy, keySummary, keyPlanSHA256, keyTool, keyAppliedAt,
	keyTeam, keyPROpened, keyApplyTook, keyPolicies,
}

// required are the trailers without which a record means nothing; the
// others must be present but may be empty.
var required = map[string]bool{
	keyProject: true, keyWorkspace: true, keyCommit: true, keySummary: true, keyAppliedAt: true,
}

// optional are the trailers that tags written before them lack.
var optional = map[string]bool{keyPlannedBy: true, keyTeam: true, keyPROpened: true, keyApplyTook: true, keyPolicies: true}

// noApprovers stands for an empty approver list.
const noApprovers = "none"

// summary formats change counts as "+1 ~2 -0".
func summary(add, change, destroy int) string {
	return fmt.Sprintf("+%d ~%d -%d", add, change, destroy)
}

// Message renders the annotated tag message for the tag named tag: a
// subject line "deploy <project>/<workspace>: +1 ~0 -0 (PR #12)", a blank
// line, one git-trailer "Key: value" line per field, then the signature
// line under key that the package comment describes. Without a key the
// message is unsigned, and its tag never verifies.
func (r Record) Message(tag string, key []byte) string {
	approvers := noApprovers
	if len(r.Approvers) > 0 {
		approvers = strings.Join(r.Approvers, ", ")
	}
	values := map[string]string{
		keyProject:    r.Project,
		keyWorkspace:  r.Workspace,
		keyDir:        r.Dir,
		keyCommit:     r.Commit,
		keyPR:         strconv.Itoa(r.PR),
		keyPRURL:      r.PRURL,
		keyAuthor:     r.Author,
		keyApprovers:  approvers,
		keyPlannedBy:  r.PlannedBy,
		keyAppliedBy:  r.AppliedBy,
		keySummary:    summary(r.Add, r.Change, r.Destroy),
		keyPlanSHA256: r.PlanSHA256,
		keyTool:       strings.TrimSpace(r.Tool + " " + r.ToolVersion),
		keyAppliedAt:  r.Time.UTC().Truncate(time.Millisecond).Format(appliedAtLayout),
		keyTeam:       r.Team,
		keyPolicies:   r.Policies,
	}
	if !r.PROpened.IsZero() {
		values[keyPROpened] = r.PROpened.UTC().Format(time.RFC3339)
	}
	if r.Took > 0 {
		values[keyApplyTook] = strconv.FormatFloat(r.Took.Seconds(), 'f', 1, 64)
	}
	for key, value := range values {
		// A newline in a value would forge the next trailer.
		values[key] = strings.Join(strings.Fields(value), " ")
	}
	var b strings.Builder
	fmt.Fprintf(&b, "deploy %s/%s: %s (PR #%s)\n\n", values[keyProject], values[keyWorkspace], values[keySummary], values[keyPR])
	for _, key := range trailerKeys {
		if key == keyPolicies && values[key] == "" {
			continue // a plan no policy set checked
		}
		// No trailing space after an empty value: git strips trailing
		// whitespace from tag messages, which would break the signature of
		// a tag made or copied with git rather than through the API.
		fmt.Fprintf(&b, "%s:%s\n", key, strings.TrimRight(" "+values[key], " "))
	}
	if len(key) == 0 {
		return b.String()
	}
	return sign(tag, r.Commit, b.String(), key)
}

// ParseMessage reads a tag message written by Message. It ignores lines
// that are not trailers it knows, the Paved-Signature line among them, and
// stops at a PGP or SSH signature block, so a signed, hand-annotated or
// older tag still parses. It does not check the signature: Read and Verify
// do, since it covers the tag's name and commit too. The error names the
// first trailer that is missing or malformed.
func ParseMessage(msg string) (Record, error) {
	known := make(map[string]bool, len(trailerKeys))
	for _, key := range trailerKeys {
		known[key] = true
	}
	values := map[string]string{}
	for _, line := range strings.Split(msg, "\n") {
		if strings.HasPrefix(line, "-----BEGIN ") && strings.HasSuffix(strings.TrimSpace(line), "SIGNATURE-----") {
			break
		}
		key, value, ok := strings.Cut(line, ":")
		if !ok || !known[key] {
			continue
		}
		if _, seen := values[key]; !seen {
			values[key] = strings.TrimSpace(value)
		}
	}
	for _, key := range trailerKeys {
		value, ok := values[key]
		if !ok && !optional[key] {
			return Record{}, fmt.Errorf("trailer %s missing", key)
		}
		if required[key] && value == "" {
			return Record{}, fmt.Errorf("trailer %s empty", key)
		}
	}

	r := Record{
		Project:    values[keyProject],
		Workspace:  values[keyWorkspace],
		Dir:        values[keyDir],
		Commit:     values[keyCommit],
		PRURL:      values[keyPRURL],
		Author:     values[keyAuthor],
		PlannedBy:  values[keyPlannedBy],
		AppliedBy:  values[keyAppliedBy],
		PlanSHA256: values[keyPlanSHA256],
	}
	var err error
	if r.PR, err = strconv.Atoi(values[keyPR]); err != nil {
		return Record{}, fmt.Errorf("trailer %s: %q is not a number", keyPR, values[keyPR])
	}
	if r.Add, r.Change, r.Destroy, err = parseSummary(values[keySummary]); err != nil {
		return Record{}, fmt.Errorf("trailer %s: %w", keySummary, err)
	}
	if r.Time, err = time.Parse(time.RFC3339, values[keyAppliedAt]); err != nil {
		return Record{}, fmt.Errorf("trailer %s: %q is not an RFC 3339 time", keyAppliedAt, values[keyAppliedAt])
	}
	r.Time = r.Time.UTC()
	if approvers := values[keyApprovers]; approvers != noApprovers && approvers != "" {
		for _, name := range strings.Split(approvers, ",") {
			if name = strings.TrimSpace(name); name != "" {
				r.Approvers = append(r.Approvers, name)
			}
		}
	}
	r.Tool, r.ToolVersion, _ = strings.Cut(values[keyTool], " ")
	r.Team, r.Policies = values[keyTeam], values[keyPolicies]
	if v := values[keyPROpened]; v != "" {
		if r.PROpened, err = time.Parse(time.RFC3339, v); err != nil {
			return Record{}, fmt.Errorf("trailer %s: %q is not an RFC 3339 time", keyPROpened, v)
		}
	}
	if v := values[keyApplyTook]; v != "" {
		seconds, err := strconv.ParseFloat(v, 64)
		if err != nil || seconds < 0 {
			return Record{}, fmt.Errorf("trailer %s: %q is not a number of seconds", keyApplyTook, v)
		}
		r.Took = time.Duration(seconds * float64(time.Second))
	}
	return r, nil
}

var summaryRE = regexp.MustCompile(`^\+(\d+) ~(\d+) -(\d+)$`)

// parseSummary reads "+1 ~2 -0".
func parseSummary(s string) (add, change, destroy int, err error) {
	m := summaryRE.FindStringSubmatch(s)
	if m == nil {
		return 0, 0, 0, fmt.Errorf("%q is not of the form \"+1 ~2 -0\"", s)
	}
	counts := make([]int, 3)
	for i := range counts {
		if counts[i], err = strconv.Atoi(m[i+1]); err != nil {
			return 0, 0, 0, fmt.Errorf("%q: %w", s, err)
		}
	}
	return counts[0], counts[1], counts[2], nil
}
