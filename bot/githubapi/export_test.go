package githubapi

import (
	"context"
	"time"
)

// SetClock replaces the clock the rate-limit waits run on, so tests wait
// without sleeping; call it before For.
func (c *Clients) SetClock(now func() time.Time, sleep func(context.Context, time.Duration) error) {
	c.backoff.now, c.backoff.sleep = now, sleep
}
