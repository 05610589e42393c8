package render

import (
	"fmt"
	"html"
	"strings"
)

// maxPolicyMessages is how many messages of one kind a project's policy
// block lists; a plan of hundreds of untagged resources would otherwise
// bury the reply.
const maxPolicyMessages = 20

// policyVerdict is a project's policy results in a few words, for its
// summary row: "" when no policy set checked it.
func policyVerdict(vs []Policy) string {
	if len(vs) == 0 {
		return ""
	}
	var failed, approved, warned []string
	for _, v := range vs {
		switch {
		case v.failed() && v.ApprovedBy != "":
			approved = append(approved, v.Set+" (approved by "+codeLogin(v.ApprovedBy)+")")
		case v.failed():
			failed = append(failed, v.Set)
		case len(v.Warnings) > 0:
			warned = append(warned, v.Set)
		}
	}
	var parts []string
	if len(failed) > 0 {
		parts = append(parts, "policy failed: "+strings.Join(failed, ", "))
	}
	if len(approved) > 0 {
		parts = append(parts, "policy failure approved: "+strings.Join(approved, ", "))
	}
	if len(warned) > 0 {
		parts = append(parts, "policy warnings: "+strings.Join(warned, ", "))
	}
	if len(parts) == 0 {
		return "policies passed"
	}
	return strings.Join(parts, "; ")
}

// policyBlocks lists, for each project a policy set failed or warned
// about, the set's messages. The messages quote the plan, which the pull
// request controls, so they are masked and fenced, where markdown and
// mentions do nothing.
func policyBlocks(results []Result, budget int) []string {
	var blocks []string
	for _, r := range results {
		for _, v := range r.Policies {
			if !v.failed() && len(v.Warnings) == 0 {
				continue
			}
			var lines []string
			if v.Error != "" {
				lines = append(lines, "error: "+oneLine(v.Error, maxLine))
			}
			lines = appendMessages(lines, "deny", v.Failures)
			lines = appendMessages(lines, "warn", v.Warnings)
			body := Mask(strings.Join(lines, "\n"))
			fence := fenceFor(body)
			head := fmt.Sprintf("**Policy %s on `%s`** (%s, %s): %s", html.EscapeString(oneLine(v.Set, maxCell)),
				strings.ReplaceAll(oneLine(r.Project, maxCell), "`", ""), html.EscapeString(oneLine(r.Dir, maxCell)),
				html.EscapeString(oneLine(r.Workspace, maxCell)), policyState(v))
			block := head + "\n\n" + fence + "\n" + body + "\n" + fence
			if len(block) > budget {
				block, _, _ = cut(block, budget-len(fence)-1)
				block += "\n" + fence
			}
			blocks = append(blocks, block)
		}
	}
	return blocks
}

func appendMessages(lines []string, kind string, msgs []string) []string {
	for i, m := range msgs {
		if i == maxPolicyMessages {
			return append(lines, fmt.Sprintf("… and %d more %s message(s)", len(msgs)-i, kind))
		}
		lines = append(lines, kind+": "+oneLine(m, maxLine))
	}
	return lines
}

// policyState says what a set's verdict means for the apply.
func policyState(v Policy) string {
	switch {
	case v.failed() && v.ApprovedBy != "":
		return "failed; approved by " + codeLogin(v.ApprovedBy) + ", so it may be applied"
	case v.Error != "":
		return "could not be checked; applying needs `paved approve-policies` from an owner of the set"
	case v.failed():
		return fmt.Sprintf("%d failure(s); applying needs `paved approve-policies` from an owner of the set", len(v.Failures))
	default:
		return fmt.Sprintf("passed with %d warning(s)", len(v.Warnings))
	}
}

// codeLogin shows a GitHub login as code, which mentions no one.
func codeLogin(name string) string {
	return "`" + strings.ReplaceAll(name, "`", "") + "`"
}
