// Package steps runs the AWS calls of a create, update or delete one after
// another, so that an error names the call that failed, and undoes what a
// failed create made.
package steps

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/resource"
)

// Step is one named AWS call or wait.
type Step struct {
	Name string
	Run  func(context.Context) error
}

// Run runs steps in order and stops at the first failure, with an error
// that names the step.
func Run(ctx context.Context, steps []Step) error {
	for _, s := range steps {
		if err := s.Run(ctx); err != nil {
			return fmt.Errorf("step %q failed: %w", s.Name, err)
		}
	}
	return nil
}

// RollbackTimeout bounds a rollback, which runs after the apply's own
// deadline or Ctrl-C.
const RollbackTimeout = 40 * time.Minute

// Rollback undoes, newest first, what a failed create made. It runs even
// when ctx was cancelled (Ctrl-C), with its own bound, so that an
// interrupted apply leaves nothing behind either.
func Rollback(ctx context.Context, cause error, undo []func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), RollbackTimeout)
	defer cancel()
	var failed []error
	for i := len(undo) - 1; i >= 0; i-- {
		if err := undo[i](ctx); err != nil {
			failed = append(failed, err)
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("%w; removing what was created also failed, remove it by hand: %w", cause, errors.Join(failed...))
	}
	return fmt.Errorf("%w; everything created before it was removed again", cause)
}

// Failure is how every resource words what went wrong in a diagnostic's
// detail: the action, the resource type and its id, then the error, as in
// "creating paved_redis dev/cache: step "create cache subnet group"
// failed: …".
func Failure(action, resourceType, id string, err error) string {
	return fmt.Sprintf("%s %s %s: %v", action, resourceType, id, err)
}

// Gone is how every Read answers a resource deleted outside Terraform, as
// find reported it in err: a warning, and the resource leaves the state,
// so that the next plan creates it again.
func Gone(ctx context.Context, resp *resource.ReadResponse, resourceType, id string, err error) {
	resp.Diagnostics.AddWarning(resourceType+" no longer exists",
		fmt.Sprintf("%s %s no longer exists (%v); removing it from the state so the next plan creates it again", resourceType, id, err))
	resp.State.RemoveResource(ctx)
}
