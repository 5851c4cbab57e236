// Package cmdutil holds the cobra and pflag conventions of the qq command
// that are not one command's. It knows nothing of queues, control files
// or services.
package cmdutil

import (
	"time"

	"github.com/qqmail/qq/qmailqueue"
	"github.com/spf13/pflag"
)

// DurationFlag defines a duration flag on fs read by qq's one duration
// parser, qmailqueue.ParseAge, so that --timeout 1m and --older 1d12h
// take the same units. Its type name and default show as for pflag's own
// duration flags.
func DurationFlag(fs *pflag.FlagSet, p *time.Duration, name string, value time.Duration, usage string) {
	*p = value
	fs.Var(durationValue{p}, name, usage)
}

// durationValue is the pflag.Value of DurationFlag.
type durationValue struct{ d *time.Duration }

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

// HiddenAlias registers alias as a hidden second name of the flag name
// already on fs: one name per concept across commands in help, while the
// other spelling keeps working. Both names set the one value, in order.
func HiddenAlias(fs *pflag.FlagSet, alias, name string) {
	target := fs.Lookup(name)
	fs.Var(aliasValue{fs: fs, name: name, target: target.Value}, alias, "same as --"+name)
	a := fs.Lookup(alias)
	a.NoOptDefVal = target.NoOptDefVal
	a.Hidden = true
}

// aliasValue forwards to the flag it is an alias of, through the flag set
// so that the flag is marked as given.
type aliasValue struct {
	fs     *pflag.FlagSet
	name   string
	target pflag.Value
}

func (v aliasValue) String() string     { return v.target.String() }
func (v aliasValue) Type() string       { return v.target.Type() }
func (v aliasValue) Set(s string) error { return v.fs.Set(v.name, s) }
