package steps

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func TestRunNamesTheFailedStepAndStops(t *testing.T) {
	var ran []string
	step := func(name string, err error) Step {
		return Step{Name: name, Run: func(context.Context) error { ran = append(ran, name); return err }}
	}
	err := Run(context.Background(), []Step{step("one", nil), step("two", errors.New("boom")), step("three", nil)})
	if err == nil || err.Error() != `step "two" failed: boom` {
		t.Fatalf("err = %v", err)
	}
	if strings.Join(ran, ",") != "one,two" {
		t.Fatalf("ran %v, want one,two", ran)
	}
}

func TestRollbackUndoesNewestFirstEvenWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var undone []string
	undo := func(name string, err error) func(context.Context) error {
		return func(ctx context.Context) error {
			if ctx.Err() != nil {
				t.Errorf("undo %s ran with a cancelled context", name)
			}
			undone = append(undone, name)
			return err
		}
	}
	err := Rollback(ctx, errors.New("create failed"), []func(context.Context) error{undo("a", nil), undo("b", nil)})
	if strings.Join(undone, ",") != "b,a" || !strings.Contains(err.Error(), "everything created before it was removed again") {
		t.Fatalf("undone %v, err %v", undone, err)
	}
	err = Rollback(ctx, errors.New("create failed"), []func(context.Context) error{undo("c", errors.New("stuck"))})
	if !strings.Contains(err.Error(), "remove it by hand: stuck") {
		t.Fatalf("err = %v", err)
	}
}

func TestFailureNamesActionTypeAndID(t *testing.T) {
	got := Failure("creating", "paved_redis", "dev/cache", errors.New(`step "x" failed: boom`))
	if got != `creating paved_redis dev/cache: step "x" failed: boom` {
		t.Fatalf("got %q", got)
	}
}
