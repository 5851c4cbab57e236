package sendlog

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/qqmail/qq/qmailqueue"
	"github.com/qqmail/qq/tai64n"
)

// SelectionArgs is a [Selection] as a command line writes it: message IDs
// and qmail-queue pids in decimal, addresses as qq reads them
// ([qmailqueue.AddressArg]: <addr> is addr, <> the null sender), outcomes
// by name, "bounce" keeping bounce lines.
type SelectionArgs struct {
	IDs, QPs, Senders, Recipients, Outcomes []string
}

// ArgError is a value [ParseSelection] cannot read. Field names the
// SelectionArgs field in lower case ("id", "qp", "outcome").
type ArgError struct {
	Field, Value, Reason string
}

func (e *ArgError) Error() string { return fmt.Sprintf("%s %q: %s", e.Field, e.Value, e.Reason) }

// ParseSelection builds the Selection args describe. An unreadable value
// is an *ArgError.
func ParseSelection(args SelectionArgs) (*Selection, error) {
	f := &Selection{}
	var err error
	if f.IDs, err = numberSet("id", args.IDs); err != nil {
		return nil, err
	}
	if f.QPs, err = numberSet("qp", args.QPs); err != nil {
		return nil, err
	}
	f.Senders = AddressSet(addressArgs(args.Senders))
	f.Recipients = AddressSet(addressArgs(args.Recipients))
	for _, o := range args.Outcomes {
		if o == "bounce" {
			f.Bounce = true
			continue
		}
		out, ok := ParseOutcome(o)
		if !ok {
			return nil, &ArgError{"outcome", o, "choose among success, deferral, failure, bounce"}
		}
		if f.Outcomes == nil {
			f.Outcomes = map[Outcome]bool{}
		}
		f.Outcomes[out] = true
	}
	return f, nil
}

// numberSet parses the values of a numeric filter: positive decimal
// numbers (message IDs and pids are never 0).
func numberSet(field string, values []string) (map[uint64]bool, error) {
	if len(values) == 0 {
		return nil, nil
	}
	set := map[uint64]bool{}
	for _, v := range values {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil || n == 0 {
			return nil, &ArgError{field, v, "not a positive number"}
		}
		set[n] = true
	}
	return set, nil
}

// addressArgs reads addresses as the queue filters do
// ([qmailqueue.AddressArg]).
func addressArgs(addrs []string) []string {
	out := make([]string, len(addrs))
	for i, a := range addrs {
		out[i] = qmailqueue.AddressArg(a)
	}
	return out
}

// ParseTime parses a point in time that selects log lines (qq log
// --since and --until): a date and time in loc, RFC 3339, a duration
// before now in [qmailqueue.ParseAge]'s units, or a TAI64N label.
func ParseTime(s string, now time.Time, loc *time.Location) (time.Time, error) {
	if strings.HasPrefix(s, "@") {
		l, err := tai64n.Parse(s)
		if err != nil {
			return time.Time{}, err
		}
		return l.Time(), nil
	}
	// A duration needs its unit here: a bare number such as 20240601 is
	// more likely a date written without dashes than seconds.
	if d, err := qmailqueue.ParseAge(s); err == nil && strings.Trim(s, "0123456789") != "" {
		return now.Add(-d), nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999", "2006-01-02 15:04", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	for _, layout := range []string{"15:04:05.999999999", "15:04"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			// A time of day: today's, in loc.
			y, m, d := now.In(loc).Date()
			return time.Date(y, m, d, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), loc), nil
		}
	}
	return time.Time{}, fmt.Errorf("cannot read %q as a time: give a date and time (2024-06-01 09:30), a time today (09:30), an RFC 3339 time, a duration before now (90m, 2h, 7d) or a TAI64N label", s)
}

// ParseRange reads the limits of qq log's --since and --until ([ParseTime];
// "" leaves that end open). An error names the option: "--since: …", or
// "--until A is before --since B".
func ParseRange(since, until string, now time.Time, loc *time.Location) (Range, error) {
	var r Range
	var err error
	if since != "" {
		if r.Since, err = ParseTime(since, now, loc); err != nil {
			return r, fmt.Errorf("--since: %w", err)
		}
	}
	if until != "" {
		if r.Until, err = ParseTime(until, now, loc); err != nil {
			return r, fmt.Errorf("--until: %w", err)
		}
	}
	if !r.Since.IsZero() && !r.Until.IsZero() && r.Until.Before(r.Since) {
		return r, fmt.Errorf("--until %s is before --since %s", until, since)
	}
	return r, nil
}
