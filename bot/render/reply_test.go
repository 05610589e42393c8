package render

import (
	"fmt"
	"strings"
	"testing"
)

const jobPage = "https://bot.example/repos/acme/infra/jobs/j42"

// applyResults is n applied projects with long logs and one failed
// project, in the middle, whose error is at the end of its log.
func applyResults(n int) []Result {
	var log strings.Builder
	for i := range 400 {
		fmt.Fprintf(&log, "terraform_data.r%d: Creating...\nterraform_data.r%d: Creation complete after 0s [id=%08d]\n", i, i, i)
	}
	log.WriteString("\nApply complete! Resources: 400 added, 0 changed, 0 destroyed.\n")
	results := make([]Result, n)
	for i := range results {
		results[i] = Result{Project: fmt.Sprintf("app-%04d", i), Dir: fmt.Sprintf("stacks/app-%04d", i), Workspace: "default",
			Status: Applied, Add: 400, Output: log.String(), Message: fmt.Sprintf("tagged paved/app-%04d/1", i)}
	}
	failed := &results[n/2]
	failed.Status, failed.Message = Failed, "Error: creating bucket"
	failed.Output = log.String() + "\nError: creating bucket: BucketAlreadyExists token=ghp_abcdefghijklmnopqrstuvwxyz0123456789\n"
	return results
}

func TestCommentOneCommentWhateverN(t *testing.T) {
	for _, n := range []int{1, 200, 1000} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			results := applyResults(n)
			failed := results[n/2].Project
			c := Comment("### paved apply at 3a4b5c6", results, "Applied by @alice.", jobPage)
			if len(c)+markerReserve > MaxComment {
				t.Fatalf("comment is %d bytes, more than %d with the marker", len(c), MaxComment-markerReserve)
			}
			if !strings.HasPrefix(c, "### paved apply at 3a4b5c6\n\n") || !strings.Contains(c, "Applied by @alice.") {
				t.Errorf("title or footer missing:\n%.2000s", c)
			}
			if !strings.Contains(c, "BucketAlreadyExists") {
				t.Errorf("the failed project's error is not shown:\n%.3000s", c)
			}
			if strings.Contains(c, "ghp_abcdefghijklmnopqrstuvwxyz0123456789") {
				t.Error("a token shows unmasked")
			}
			if !strings.Contains(c, "| "+failed+" | stacks/"+failed+" | default | error: Error: creating bucket |") {
				t.Errorf("the summary does not list the failed project %s", failed)
			}
			if n == 1 {
				return
			}
			if !strings.Contains(c, "lines cut; full output: "+jobPage) {
				t.Errorf("no cut output points at the job page:\n%.3000s", c)
			}
			if !strings.Contains(c, "Apply complete! Resources: 400 added") {
				t.Error("cut outputs lost their last lines")
			}
			if !strings.Contains(c, "not shown here") || !strings.Contains(c, "full output: "+jobPage) {
				t.Errorf("left-out projects are not pointed at the job page")
			}
		})
	}
}

func TestCommentSummaryRows(t *testing.T) {
	c := Comment("### paved apply", applyResults(200), "", jobPage)
	for _, p := range []string{"app-0000", "app-0199"} {
		if !strings.Contains(c, "| "+p+" | stacks/"+p+" | default | applied `+400 ~0 -0`, tagged paved/"+p+"/1 |") {
			t.Errorf("summary of 200 lacks the row of %s", p)
		}
	}
	c = Comment("### paved apply", applyResults(1000), "", jobPage)
	if !strings.Contains(c, "1000 projects, too many for one row each: 999 applied; 1 error.") {
		t.Errorf("summary of 1000 is not grouped by result:\n%.2000s", c)
	}
}

func TestCommentWholeOutputs(t *testing.T) {
	results := []Result{{Project: "web", Dir: "web", Workspace: "default", Status: Applied, Output: "Apply complete! Resources: 1 added, 0 changed, 0 destroyed.\n"}}
	c := Comment("### paved apply", results, "", jobPage)
	if strings.Contains(c, "cut") || strings.Contains(c, jobPage) || !strings.Contains(c, "Apply complete! Resources: 1 added") {
		t.Errorf("a short output is not shown whole:\n%s", c)
	}
}
