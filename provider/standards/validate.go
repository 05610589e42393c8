package standards

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Checks on single values. Each returns an error whose text becomes the
// message of an *Error at the value.

// matches returns a check that s matches re; what describes the expected form.
func matches(re, what string) func(string) error {
	r := regexp.MustCompile(re)
	return func(s string) error {
		if !r.MatchString(s) {
			return fmt.Errorf("%q is not %s", s, what)
		}
		return nil
	}
}

const nameForm = "(a lowercase letter, then up to 62 of a-z, 0-9 and -)"

var (
	checkAccountID       = matches(`^[0-9]{12}$`, "a 12-digit AWS account id")
	checkOrganization    = matches(`^[a-z0-9-]{1,63}$`, "a valid organization name (1 to 63 of a-z, 0-9 and -)")
	checkTeamName        = matches(`^[a-z][a-z0-9-]{0,62}$`, "a valid team name "+nameForm)
	checkEnvironmentName = matches(`^[a-z][a-z0-9-]{0,62}$`, "a valid environment name "+nameForm)
	checkRoleName        = matches(`^[\w+=,.@-]{1,64}$`, "a valid IAM role name (1 to 64 letters, digits and +=,.@_-)")
	checkVPCID           = matches(`^vpc-[0-9a-f]{8,17}$`, "a VPC id (vpc- and 8 to 17 hex digits)")
	checkSubnetID        = matches(`^subnet-[0-9a-f]{8,17}$`, "a subnet id (subnet- and 8 to 17 hex digits)")
	checkSecurityGroupID = matches(`^sg-[0-9a-f]{8,17}$`, "a security group id (sg- and 8 to 17 hex digits)")
	checkNodeType        = matches(`^cache\.[a-z0-9]+\.[a-z0-9]+$`, "an ElastiCache node type such as cache.t4g.small")
)

func checkVersion(v int) error {
	if v != 1 {
		return fmt.Errorf("unsupported version %d; supported versions: 1", v)
	}
	return nil
}

// between returns a check that an integer is within [lo, hi].
func between(lo, hi int) func(int) error {
	return func(v int) error {
		if v < lo || v > hi {
			return fmt.Errorf("%d is out of range; must be between %d and %d", v, lo, hi)
		}
		return nil
	}
}

var tagKeyChars = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`)

// checkTagKey applies AWS's rules for tag keys.
func checkTagKey(s string) error {
	switch {
	case s == "":
		return errors.New("tag key must not be empty")
	case utf8.RuneCountInString(s) > 128:
		return fmt.Errorf("tag key %q is longer than 128 characters", s)
	case !tagKeyChars.MatchString(s):
		return fmt.Errorf("tag key %q may only contain letters, digits, spaces and _.:/=+-@", s)
	case strings.HasPrefix(strings.ToLower(s), "aws:"):
		return fmt.Errorf("tag key %q uses the prefix aws:, which AWS reserves", s)
	}
	return nil
}

// Maintenance windows are positioned on a week of minutes starting Monday 00:00 UTC.
const (
	day       = 24 * 60
	week      = 7 * day
	minWindow = 60 // minutes; ElastiCache rejects shorter windows
)

var weekdays = []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}

// span is a stretch of minutes on the week, possibly wrapping past its end.
type span struct{ start, length int }

var (
	dailyWindowForm  = regexp.MustCompile(`^(\d\d):(\d\d)-(\d\d):(\d\d)$`)
	weeklyWindowForm = regexp.MustCompile(`^([a-z]{3}):(\d\d):(\d\d)-([a-z]{3}):(\d\d):(\d\d)$`)
)

// dailyWindow parses a snapshot window "HH:MM-HH:MM", placing it on Monday.
// It may run past midnight.
func dailyWindow(s string) (span, error) {
	m := dailyWindowForm.FindStringSubmatch(s)
	if m == nil {
		return span{}, fmt.Errorf("%q is not a daily window of the form HH:MM-HH:MM", s)
	}
	start, ok1 := clock(m[1], m[2])
	end, ok2 := clock(m[3], m[4])
	if !ok1 || !ok2 {
		return span{}, fmt.Errorf("%q has an invalid time of day", s)
	}
	return window(s, start, end, day)
}

// weeklyWindow parses a maintenance window "ddd:HH:MM-ddd:HH:MM". It may run
// past the end of the week.
func weeklyWindow(s string) (span, error) {
	m := weeklyWindowForm.FindStringSubmatch(s)
	if m == nil {
		return span{}, fmt.Errorf("%q is not a weekly window of the form ddd:HH:MM-ddd:HH:MM", s)
	}
	startDay, endDay := slices.Index(weekdays, m[1]), slices.Index(weekdays, m[4])
	if startDay < 0 || endDay < 0 {
		return span{}, fmt.Errorf("%q has an invalid day; days are %s", s, strings.Join(weekdays, ", "))
	}
	start, ok1 := clock(m[2], m[3])
	end, ok2 := clock(m[5], m[6])
	if !ok1 || !ok2 {
		return span{}, fmt.Errorf("%q has an invalid time of day", s)
	}
	return window(s, startDay*day+start, endDay*day+end, week)
}

// clock converts a two-digit hour and minute to minutes after midnight.
func clock(hh, mm string) (int, bool) {
	h, _ := strconv.Atoi(hh) // the patterns guarantee two digits
	m, _ := strconv.Atoi(mm)
	return h*60 + m, h < 24 && m < 60
}

// window makes the span from start to end on a cycle of the given length,
// wrapping if end comes before start, and enforces the minimum length.
func window(s string, start, end, cycle int) (span, error) {
	length := mod(end-start, cycle)
	if length < minWindow {
		return span{}, fmt.Errorf("%q is %d minutes long; windows must be at least %d minutes", s, length, minWindow)
	}
	return span{start, length}, nil
}

// CheckSnapshotWindow validates a daily snapshot window, HH:MM-HH:MM (UTC).
func CheckSnapshotWindow(s string) error {
	_, err := dailyWindow(s)
	return err
}

// CheckMaintenanceWindow validates a weekly maintenance window,
// ddd:HH:MM-ddd:HH:MM (UTC).
func CheckMaintenanceWindow(s string) error {
	_, err := weeklyWindow(s)
	return err
}

// WindowsOverlap reports whether a valid maintenance window shares a minute
// with a valid snapshot window on any day of the week.
func WindowsOverlap(snapshot, maintenance string) bool {
	daily, err1 := dailyWindow(snapshot)
	weekly, err2 := weeklyWindow(maintenance)
	return err1 == nil && err2 == nil && overlaps(daily, weekly)
}

// overlaps reports whether the daily window, repeated on every day of the
// week, shares a minute with the weekly one.
func overlaps(daily, weekly span) bool {
	for d := range 7 {
		if intersect(span{d*day + daily.start, daily.length}, weekly) {
			return true
		}
	}
	return false
}

// intersect reports whether two spans on the week share a minute, which is
// when either starts inside the other.
func intersect(a, b span) bool {
	return mod(b.start-a.start, week) < a.length || mod(a.start-b.start, week) < b.length
}

// mod is the remainder of x/m in [0, m), also for negative x.
func mod(x, m int) int {
	return (x%m + m) % m
}
