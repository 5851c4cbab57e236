package report

import (
	"time"

	"github.com/qqmail/qq/nagios"
	"github.com/qqmail/qq/qmailqueue"
	"github.com/qqmail/qq/termsafe"
)

// CheckArgs are [CheckLimits] as qq check's command line gives them: for
// each figure a warning and a critical limit as typed, "" when unset.
// Counts are read by [nagios.ParseCount], the age limits by
// [qmailqueue.ParseAge].
type CheckArgs struct {
	Warn, Crit                 string // messages
	WarnTodo, CritTodo         string // messages not yet preprocessed
	WarnAge, CritAge           string // the oldest message's age
	WarnBouncing, CritBouncing string // bouncing messages
	WarnSender, CritSender     string // messages of one sender
}

// ParseCheckLimits reads args. An error names the option as qq check
// spells it: "--warn-age: …", "--warn 10 is above --crit 5".
func ParseCheckLimits(args CheckArgs) (CheckLimits, error) {
	var limits CheckLimits
	for _, l := range []struct {
		name, warn, crit string
		parse            func(string) (float64, error)
		to               *nagios.Threshold
	}{
		{"", args.Warn, args.Crit, nagios.ParseCount, &limits.Messages},
		{"-todo", args.WarnTodo, args.CritTodo, nagios.ParseCount, &limits.Todo},
		{"-age", args.WarnAge, args.CritAge, parseAgeLimit, &limits.Age},
		{"-bouncing", args.WarnBouncing, args.CritBouncing, nagios.ParseCount, &limits.Bouncing},
		{"-sender", args.WarnSender, args.CritSender, nagios.ParseCount, &limits.Sender},
	} {
		var err error
		if *l.to, err = nagios.ParseThresholdFlags("--warn"+l.name, l.warn, "--crit"+l.name, l.crit, l.parse); err != nil {
			return limits, err
		}
	}
	return limits, nil
}

// parseAgeLimit reads an age limit, in seconds.
func parseAgeLimit(s string) (float64, error) {
	d, err := qmailqueue.ParseAge(s)
	return float64(d / time.Second), err
}

// DefaultCheckFormat is how qq check's status line writes ages ("6d00h",
// [qmailqueue.FormatAge]), age limits ("5d", [CompactAge]) and the names
// of the groups senders counts per (KeySender or KeySenderDomain): "<>"
// for the null sender, "(no domain)" for a sender without one, and any
// byte outside printable ASCII as _ (the status line is one ASCII line).
func DefaultCheckFormat(senders Key) CheckFormat {
	return CheckFormat{Age: qmailqueue.FormatAge, AgeLimit: CompactAge, Name: func(name string) string {
		if name == "" {
			if senders == KeySender {
				return "<>"
			}
			return "(no domain)"
		}
		return termsafe.ASCIIOnly(name)
	}}
}
