package provider

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// step is one named AWS call or wait of a create, update or delete, so
// that an error can say which one failed.
type step struct {
	name string
	run  func(context.Context) error
}

// runSteps runs steps in order and stops at the first failure, with an
// error that names the step.
func runSteps(ctx context.Context, steps []step) error {
	for _, s := range steps {
		if err := s.run(ctx); err != nil {
			return fmt.Errorf("step %q failed: %w", s.name, err)
		}
	}
	return nil
}

// rollbackTimeout bounds a rollback, which runs after the apply's own
// deadline or Ctrl-C.
const rollbackTimeout = 40 * time.Minute

// rollback undoes, newest first, what a failed create made. It runs even
// when ctx was cancelled (Ctrl-C), with its own bound, so that an
// interrupted apply leaves nothing behind either.
func rollback(ctx context.Context, cause error, undo []func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), rollbackTimeout)
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
