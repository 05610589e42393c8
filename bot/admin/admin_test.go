package admin

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/paved-road/paved/bot/drift"
	"github.com/paved-road/paved/bot/locks"
)

// oneLock is a bot holding one lock.
type oneLock struct{ held []locks.Lock }

func (b *oneLock) Locks() ([]locks.Lock, error)   { return b.held, nil }
func (b *oneLock) Queues() ([]locks.Queue, error) { return nil, nil }
func (b *oneLock) Audit(since time.Time) ([][]byte, error) {
	return [][]byte{[]byte(`{"since":"` + since.UTC().Format(time.RFC3339) + `"}`)}, nil
}
func (b *oneLock) ReleaseLock(k locks.Key) (locks.Lock, error) {
	for i, l := range b.held {
		if l.Key == k {
			b.held = append(b.held[:i], b.held[i+1:]...)
			return l, nil
		}
	}
	return locks.Lock{}, ErrNotLocked
}

func (b *oneLock) CheckDrift(_ context.Context, repo string, _ []string) ([]drift.Result, error) {
	return nil, errors.New("no drift checks of " + repo + " here")
}

func TestSocketListsAndReleases(t *testing.T) {
	dir := t.TempDir()
	app := locks.Key{Repo: "acme/infra", Dir: "app", Workspace: "default"}
	ln, err := Listen(dir)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: Handler(&oneLock{held: []locks.Lock{{Key: app, PR: 3}}})}
	go func() { _ = srv.Serve(ln) }()
	defer func() { _ = srv.Close() }()
	if fi, err := os.Stat(filepath.Join(dir, SocketName)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("socket mode: %v %v", fi.Mode(), err)
	}

	c, err := Dial(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if l, err := c.List(ctx); err != nil || len(l.Locks) != 1 || l.Locks[0].PR != 3 {
		t.Fatalf("list: %+v %v", l, err)
	}
	if l, err := c.Release(ctx, app); err != nil || l.PR != 3 {
		t.Fatalf("release: %+v %v", l, err)
	}
	if _, err := c.Release(ctx, app); err == nil || !strings.Contains(err.Error(), "not locked") {
		t.Fatalf("release of a free key: %v", err)
	}
	if _, err := c.Release(ctx, locks.Key{Repo: "acme/infra"}); err == nil || !strings.Contains(err.Error(), "want a JSON object with repo, dir and workspace") {
		t.Fatalf("release without a dir: %v", err)
	}
	since := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	if got, err := c.Audit(ctx, since); err != nil || len(got) != 1 || string(got[0]) != `{"since":"2026-11-01T00:00:00Z"}` {
		t.Fatalf("audit: %q %v", got, err)
	}
	if _, err := Dial(t.TempDir()); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("dial where no bot serves: %v", err)
	}
}
