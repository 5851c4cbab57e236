package main

import (
	"time"

	"github.com/qqmail/qq/qmailqueue"
	"github.com/spf13/pflag"
)

// durationValue is a pflag.Value for a duration flag read by qq's one
// duration parser, qmailqueue.ParseAge, so
// that --timeout 1m and --older 1d12h take the same units. Its type name
// and default are shown as for pflag's own duration flags.
type durationValue struct{ d *time.Duration }

// durationFlag defines a duration flag read by qmailqueue.ParseAge.
func durationFlag(fs *pflag.FlagSet, p *time.Duration, name string, value time.Duration, usage string) {
	*p = value
	fs.Var(durationValue{p}, name, usage)
}

func (v durationValue) String() string { return v.d.String() }
func (v durationValue) Type() string   { return "duration" }

func (v durationValue) Set(s string) error {
	d, err := qmailqueue.ParseAge(s)
	if err != nil {
		return err
	}
	*v.d = d
	return nil
}
