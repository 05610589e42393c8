package convert

import (
	"testing"
	"time"
)

func TestShortDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		time.Hour: "1h", 4 * time.Hour: "4h", 90 * time.Minute: "1h30m", 12 * time.Hour: "12h", 3661 * time.Second: "1h1m1s",
	} {
		if got := ShortDuration(d); got != want {
			t.Errorf("ShortDuration(%s) = %q, want %q", d, got, want)
		}
	}
}
