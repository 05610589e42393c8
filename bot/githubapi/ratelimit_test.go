package githubapi_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-github/v60/github"

	"github.com/paved-road/paved/bot/githubapi"
	"github.com/paved-road/paved/internal/githubfake"
)

// clock is time that passes only when the client waits, shared by the
// client and the fake.
type clock struct {
	mu    sync.Mutex
	now   time.Time
	waits []time.Duration
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Sleep(_ context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	c.waits = append(c.waits, d)
	return nil
}

// limitedSetup is setup with the client and the fake on a clock.
func limitedSetup(t *testing.T) (*githubfake.Fake, *githubapi.Client, *clock) {
	t.Helper()
	clk := &clock{now: time.Now()}
	f, _ := serve(t, githubfake.Options{Token: token, Now: clk.Now})
	clients := newClients(t)
	clients.SetClock(clk.Now, clk.Sleep)
	return f, clients.For(0), clk
}

// commentStatuses are the statuses of the fake's answers to comment creation.
func commentStatuses(f *githubfake.Fake) []int {
	var got []int
	for _, c := range f.Calls() {
		if c.Method == http.MethodPost && c.Path == "/repos/acme/infra/issues/7/comments" {
			got = append(got, c.Status)
		}
	}
	return got
}

// inRange reports whether each wait is its want plus less than the jitter.
func inRange(waits []time.Duration, want ...time.Duration) bool {
	if len(waits) != len(want) {
		return false
	}
	for i, w := range want {
		if waits[i] < w || waits[i] >= w+500*time.Millisecond {
			return false
		}
	}
	return true
}

func TestSecondaryRateLimitIsWaitedOut(t *testing.T) {
	f, c, clk := limitedSetup(t)
	f.LimitWrites(1, 2*time.Second)
	ctx := context.Background()
	for _, body := range []string{"one", "two"} {
		if err := c.Comment(ctx, "acme/infra", 7, body); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := commentStatuses(f), []int{201, 403, 201}; !slices.Equal(got, want) {
		t.Errorf("answers %v, want %v: the second comment retried once", got, want)
	}
	if !inRange(clk.waits, 2*time.Second) {
		t.Errorf("waits %v, want Retry-After's 2s plus jitter", clk.waits)
	}
	if got := len(f.Comments("acme", "infra", 7)); got != 2 {
		t.Errorf("%d comments, want 2", got)
	}
}

func TestPrimaryRateLimitWaitsForTheReset(t *testing.T) {
	f, c, clk := limitedSetup(t)
	start := clk.Now()
	reset := start.Add(30 * time.Second).Truncate(time.Second)
	f.LimitRequests(0, reset)
	if err := c.Comment(context.Background(), "acme/infra", 7, "hello"); err != nil {
		t.Fatal(err)
	}
	if got, want := commentStatuses(f), []int{403, 201}; !slices.Equal(got, want) {
		t.Errorf("answers %v, want %v", got, want)
	}
	if want := reset.Sub(start); !inRange(clk.waits, want) {
		t.Errorf("waits %v, want until the reset, %v away, plus jitter", clk.waits, want)
	}
}

func TestRateLimitWaitStopsAtTheDeadline(t *testing.T) {
	f, c, clk := limitedSetup(t)
	f.LimitWrites(0, 30*time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := c.Comment(ctx, "acme/infra", 7, "hello")
	if abuse := new(github.AbuseRateLimitError); !errors.As(err, &abuse) {
		t.Errorf("error %v, want GitHub's secondary-limit answer", err)
	}
	if got := commentStatuses(f); !slices.Equal(got, []int{403}) || len(clk.waits) != 0 {
		t.Errorf("answers %v after waits %v, want one 403 and no wait past the deadline", got, clk.waits)
	}
}
