package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"regexp/syntax"
	"strings"
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

const filterHelp = `FILTERS
  Filters combine with AND; a flag given several times matches any of its
  values. --not negates the whole selection. Address and domain matches are
  case-insensitive, as qmail's; regular expressions are too unless --case.
  Header regular expressions run over the decoded header block (RFC 2047
  words decoded); only those filters open the message file, and only --body
  and --attachment read bodies.`

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

// build makes the filter from the flags and the ID arguments. Every mistake
// is a usage error naming the flag.
func (ff *filterFlags) build(now time.Time, args []string, stdin io.Reader) (*qmailqueue.Filter, error) {
	f := qmailqueue.NewFilter()
	f.Now = now
	for _, a := range ff.senders {
		f.Senders = append(f.Senders, qmailqueue.AddressArg(a))
	}
	for _, a := range ff.rcpts {
		f.Recipients = append(f.Recipients, qmailqueue.AddressArg(a))
	}
	f.SenderDomains, f.RecipientDomains = ff.senderDomains, ff.rcptDomains
	ids, err := ff.ids(args, stdin)
	if err != nil {
		return nil, err
	}
	if len(ids) > 0 {
		f.IDs = map[uint64]bool{}
		for _, id := range ids {
			f.IDs[id] = true
		}
	}
	compile := func(flag, expr string) (*regexp.Regexp, error) {
		full := expr
		if !ff.caseSensitive {
			full = "(?i)" + expr
		}
		re, err := regexp.Compile(full)
		if err != nil {
			var se *syntax.Error
			if errors.As(err, &se) {
				return nil, usageErrorf("--%s: bad regular expression %q: %s", flag, expr, se.Code)
			}
			return nil, usageErrorf("--%s: bad regular expression %q: %v", flag, expr, err)
		}
		return re, nil
	}
	for _, m := range ff.match {
		// The header block has one field per line: ^ and $ anchor at lines.
		re, err := compile("match", "(?m)"+m)
		if err != nil {
			return nil, err
		}
		f.Match = append(f.Match, re)
	}
	for _, h := range ff.headers {
		name, expr, ok := strings.Cut(h, "=")
		if !ok || name == "" || strings.ContainsAny(name, " :\t") {
			return nil, usageErrorf("--header %q: want NAME=REGEX, e.g. --header 'X-Mailer=^PHPMailer'", h)
		}
		re, err := compile("header", expr)
		if err != nil {
			return nil, err
		}
		f.Headers = append(f.Headers, qmailqueue.HeaderMatch{Name: name, Re: re})
	}
	if ff.subject != "" {
		re, err := compile("subject", ff.subject)
		if err != nil {
			return nil, err
		}
		f.Headers = append(f.Headers, qmailqueue.HeaderMatch{Name: "Subject", Re: re})
	}
	if ff.body != "" {
		if f.Body, err = compile("body", ff.body); err != nil {
			return nil, err
		}
		if f.BodyLimit, err = parseSize(ff.bodyLimit); err != nil {
			return nil, usageErrorf("--body-limit: %v", err)
		}
	}
	if ff.attachment != "" {
		if f.Attachment, err = compile("attachment", ff.attachment); err != nil {
			return nil, err
		}
	}
	for _, a := range []struct {
		flag, val string
		dst       *time.Duration
	}{{"older", ff.older, &f.OlderThan}, {"newer", ff.newer, &f.NewerThan}} {
		if a.val == "" {
			continue
		}
		d, err := parseAge(a.val)
		if err != nil {
			return nil, usageErrorf("--%s: %v", a.flag, err)
		}
		*a.dst = d
	}
	for _, s := range []struct {
		flag, val string
		dst       *int64
	}{{"larger", ff.larger, &f.LargerThan}, {"smaller", ff.smaller, &f.SmallerThan}} {
		if s.val == "" {
			continue
		}
		n, err := parseSize(s.val)
		if err != nil {
			return nil, usageErrorf("--%s: %v", s.flag, err)
		}
		*s.dst = n
	}
	switch {
	case ff.local && ff.remote:
		return nil, usageErrorf("--local and --remote exclude each other; run twice, or use neither")
	case ff.local:
		f.Channel = qmailqueue.ChannelLocal
	case ff.remote:
		f.Channel = qmailqueue.ChannelRemote
	}
	f.TodoOnly, f.Bouncing, f.Not = ff.todo, ff.bouncing, ff.not
	return f, nil
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
