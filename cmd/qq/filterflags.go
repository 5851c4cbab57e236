package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/qqmail/qq/qmailqueue"
	"github.com/spf13/pflag"
)

// filterFlags are the message filters every selecting command shares (list
// now; rm, expire and top use the same flags). They build one
// qmailqueue.Filter.
type filterFlags struct {
	senders, rcpts             []string
	senderDomains, rcptDomains []string
	match, headers             []string
	subject, body, attachment  string
	bodyLimit                  string
	older, newer               string
	larger, smaller            string
	local, remote              bool
	todo, bouncing             bool
	not, caseSensitive         bool
	idsFrom                    string
}

// addFlags registers the filter flags on fs.
func (ff *filterFlags) addFlags(fs *pflag.FlagSet) {
	fs.StringArrayVar(&ff.senders, "sender", nil, "envelope sender `ADDR` (<> or \"\" for the null sender)")
	fs.StringArrayVar(&ff.rcpts, "rcpt", nil, "a recipient `ADDR`")
	fs.StringArrayVar(&ff.senderDomains, "sender-domain", nil, "sender `DOMAIN` (.example.com: it and its subdomains)")
	fs.StringArrayVar(&ff.rcptDomains, "rcpt-domain", nil, "a recipient's `DOMAIN` (.example.com: it and its subdomains)")
	fs.StringArrayVar(&ff.match, "match", nil, "`REGEX` over the decoded header block, one \"Name: value\" per line (^ and $ anchor at lines)")
	fs.StringArrayVar(&ff.headers, "header", nil, "`NAME=REGEX` over the decoded values of one header")
	fs.StringVar(&ff.subject, "subject", "", "`REGEX` over the decoded Subject")
	fs.StringVar(&ff.body, "body", "", "`REGEX` over the decoded text of the body (reads bodies: slow)")
	fs.StringVar(&ff.bodyLimit, "body-limit", "1M", "read at most `SIZE` of each body for --body")
	fs.StringVar(&ff.attachment, "attachment", "", "`REGEX` over attachments' file names and media types (\\.(exe|scr|js)$, zip; reads bodies: slow)")
	fs.StringVar(&ff.older, "older", "", "queued longer ago than `AGE` (90s, 30m, 2h, 3d, 1w)")
	fs.StringVar(&ff.newer, "newer", "", "queued less long ago than `AGE`")
	fs.StringVar(&ff.larger, "larger", "", "message larger than `SIZE` (500, 10k, 1M)")
	fs.StringVar(&ff.smaller, "smaller", "", "message smaller than `SIZE`")
	fs.BoolVar(&ff.local, "local", false, "with local recipients pending")
	fs.BoolVar(&ff.remote, "remote", false, "with remote recipients pending")
	fs.BoolVar(&ff.todo, "todo", false, "not yet preprocessed by qmail-send (only in todo/)")
	fs.BoolVar(&ff.bouncing, "bouncing", false, "with a bounce report waiting (bounce/ID exists)")
	fs.BoolVar(&ff.not, "not", false, "select the messages the other filters do not")
	fs.BoolVar(&ff.caseSensitive, "case", false, "regular expressions are case-sensitive")
	fs.StringVar(&ff.idsFrom, "ids-from", "", "read message IDs from `FILE`, one per line (- for stdin)")
}

// build makes the filter from the flags and the ID arguments, through the
// library's FilterSpec (the code path the browse filter queries share).
// Every mistake is a usage error naming the flag.
func (ff *filterFlags) build(now time.Time, args []string, stdin io.Reader) (*qmailqueue.Filter, error) {
	ids, err := ff.ids(args, stdin)
	if err != nil {
		return nil, err
	}
	f, err := ff.spec(ids).Build(now)
	if err != nil {
		return nil, usageErrorf("%v", err)
	}
	return f, nil
}

// spec is the flags as a FilterSpec.
func (ff *filterFlags) spec(ids []uint64) *qmailqueue.FilterSpec {
	return &qmailqueue.FilterSpec{
		Senders: ff.senders, Recipients: ff.rcpts,
		SenderDomains: ff.senderDomains, RecipientDomains: ff.rcptDomains,
		Match: ff.match, Headers: ff.headers,
		Subject: ff.subject, Body: ff.body, Attachment: ff.attachment, BodyLimit: ff.bodyLimit,
		Older: ff.older, Newer: ff.newer, Larger: ff.larger, Smaller: ff.smaller,
		Local: ff.local, Remote: ff.remote, Todo: ff.todo, Bouncing: ff.bouncing,
		Not: ff.not, CaseSensitive: ff.caseSensitive, IDs: ids,
	}
}

// ids parses the ID arguments and the --ids-from list.
func (ff *filterFlags) ids(args []string, stdin io.Reader) ([]uint64, error) {
	var ids []uint64
	for _, a := range args {
		id, err := qmailqueue.ParseID(a)
		if err != nil {
			return nil, usageErrorf("%v", err)
		}
		ids = append(ids, id)
	}
	if ff.idsFrom == "" {
		return ids, nil
	}
	var r io.Reader = stdin
	if ff.idsFrom != "-" {
		f, err := os.Open(ff.idsFrom)
		if err != nil {
			return nil, usageErrorf("--ids-from: %v", err)
		}
		defer f.Close()
		r = f
	}
	listed, err := qmailqueue.ReadIDList(r)
	var le *qmailqueue.IDListError
	switch {
	case errors.As(err, &le):
		return nil, usageErrorf("--ids-from %s line %d: %v", ff.idsFrom, le.Line, le.Err)
	case err != nil:
		return nil, fmt.Errorf("--ids-from %s: %w", ff.idsFrom, err)
	}
	ids = append(ids, listed...)
	if len(ids) == 0 {
		return nil, usageErrorf("--ids-from %s: no message IDs", ff.idsFrom)
	}
	return ids, nil
}

// hiddenAlias registers alias as a hidden second name of the flag name
// already on fs: one name per concept across commands in help, while the
// other spelling keeps working. Both names set the one value, in order.
func hiddenAlias(fs *pflag.FlagSet, alias, name string) {
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
