package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/qqmail/qq/cmd/internal/cmdutil"
	"github.com/qqmail/qq/qmailqueue"
	"github.com/spf13/pflag"
)

// filterFlags are the message filters every selecting command shares
// (list, rm, expire, top, …): one flag per entry of qmailqueue.Filters,
// read into one FilterSpec, and --ids-from.
type filterFlags struct {
	spec    qmailqueue.FilterSpec
	idsFrom string
}

// addFlags registers the filter flags on fs.
func (ff *filterFlags) addFlags(fs *pflag.FlagSet) {
	for i := range qmailqueue.Filters {
		d := &qmailqueue.Filters[i]
		switch p := d.Field(&ff.spec).(type) {
		case *[]string:
			fs.StringArrayVar(p, d.Name, nil, d.Usage)
		case *string:
			fs.StringVar(p, d.Name, d.Default, d.Usage)
		case *bool:
			fs.BoolVar(p, d.Name, false, d.Usage)
		}
	}
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
	spec := ff.spec
	spec.IDs = ids
	f, err := spec.Build(now)
	if err != nil {
		return nil, cmdutil.UsageErrorf("%v", err)
	}
	return f, nil
}

// ids parses the ID arguments and the --ids-from list.
func (ff *filterFlags) ids(args []string, stdin io.Reader) ([]uint64, error) {
	var ids []uint64
	for _, a := range args {
		id, err := qmailqueue.ParseID(a)
		if err != nil {
			return nil, cmdutil.UsageErrorf("%v", err)
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
			return nil, cmdutil.UsageErrorf("--ids-from: %v", err)
		}
		defer f.Close()
		r = f
	}
	listed, err := qmailqueue.ReadIDList(r)
	var le *qmailqueue.IDListError
	switch {
	case errors.As(err, &le):
		return nil, cmdutil.UsageErrorf("--ids-from %s line %d: %v", ff.idsFrom, le.Line, le.Err)
	case err != nil:
		return nil, fmt.Errorf("--ids-from %s: %w", ff.idsFrom, err)
	}
	ids = append(ids, listed...)
	if len(ids) == 0 {
		return nil, cmdutil.UsageErrorf("--ids-from %s: no message IDs", ff.idsFrom)
	}
	return ids, nil
}
