// Command qq-sample writes a realistic sample qmail queue, for demos,
// benchmarks and trying qq without a mail server.
//
// Usage:
//
//	qq-sample [-count N] [-seed S] [-split N] [-big-todo] [-now RFC3339] QMAILDIR
//
// It creates QMAILDIR/queue (which must not exist or be empty) with the
// messages of queuetest.Sample, and QMAILDIR/control/me and control/locals
// unless they exist. Run as root on a host with qmail's users (qmailq,
// qmails, qmailr, group qmail), the files get qmail's owners. A one-line
// summary goes to stderr.
//
// Exit status: 0 success, 2 usage error, 3 error (for example a non-empty
// queue directory).
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"time"

	"github.com/qqmail/qq/qmailqueue/queuetest"
)

const (
	exitOK    = 0
	exitUsage = 2
	exitError = 3
)

func main() {
	os.Exit(run(os.Args[1:], os.Stderr))
}

// run is the whole command; it returns the exit status.
func run(args []string, stderr io.Writer) int {
	flags := flag.NewFlagSet("qq-sample", flag.ContinueOnError)
	flags.SetOutput(stderr)
	count := flags.Int("count", 1000, "number of `messages`")
	seed := flags.Uint64("seed", 1, "random seed: the same seed, count and -now give the same messages")
	split := flags.Int("split", queuetest.DefaultSplit, "conf-split: number of split subdirectories")
	bigTodo := flags.Bool("big-todo", false, "split todo and intd too (big-todo patch)")
	nowFlag := flags.String("now", "", "the clock, as RFC 3339 `time` (default: now)")
	flags.Usage = func() {
		fmt.Fprintf(stderr, "usage: qq-sample [-count N] [-seed S] [-split N] [-big-todo] [-now RFC3339] QMAILDIR\n\n")
		fmt.Fprintf(stderr, "Writes a sample qmail queue into QMAILDIR/queue and control/me, control/locals.\n\n")
		flags.PrintDefaults()
	}
	if err := flags.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	usage := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "qq-sample: "+format+"\n", a...)
		fmt.Fprintf(stderr, "qq-sample: hint: see 'qq-sample -help'\n")
		return exitUsage
	}
	if flags.NArg() != 1 {
		return usage("want exactly one argument, QMAILDIR; got %d", flags.NArg())
	}
	if *count < 0 {
		return usage("-count %d is negative", *count)
	}
	if *split < 1 {
		return usage("-split %d is not positive", *split)
	}
	now := time.Now()
	if *nowFlag != "" {
		t, err := time.Parse(time.RFC3339, *nowFlag)
		if err != nil {
			return usage("-now %q is not an RFC 3339 time such as 2026-11-22T12:00:00Z", *nowFlag)
		}
		now = t
	}

	qmailDir := flags.Arg(0)
	queueDir := filepath.Join(qmailDir, "queue")
	fail := func(err error) int {
		fmt.Fprintf(stderr, "qq-sample: %v\n", err)
		return exitError
	}
	if entries, err := os.ReadDir(queueDir); err == nil && len(entries) > 0 {
		return fail(fmt.Errorf("%s exists and is not empty; refusing to add a sample to it", queueDir))
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fail(err)
	}
	if err := os.MkdirAll(qmailDir, 0o755); err != nil {
		return fail(err)
	}
	start := time.Now()
	rep, err := queuetest.Sample(queueDir, queuetest.SampleOptions{
		Count: *count, Seed: *seed, Now: now, Split: *split, BigTodo: *bigTodo, Owners: qmailOwners(),
	})
	if err != nil {
		return fail(err)
	}
	if err := queuetest.WriteSampleControl(filepath.Join(qmailDir, "control")); err != nil {
		return fail(err)
	}
	fmt.Fprintf(stderr, "qq-sample: %d messages (%d flood, %d bouncing, %d not preprocessed), %.1f MB in %s (%.1fs)\n",
		rep.Messages, rep.Flood, rep.Bouncing, rep.TodoOnly, float64(rep.Bytes)/1e6, queueDir, time.Since(start).Seconds())
	return exitOK
}

// qmailOwners returns the ids of qmail's users and group when the process
// runs as root and all of them exist; otherwise nil (owners left alone).
func qmailOwners() *queuetest.Owners {
	if os.Geteuid() != 0 {
		return nil
	}
	var uids [3]int
	for i, name := range []string{"qmailq", "qmails", "qmailr"} {
		u, err := user.Lookup(name)
		if err != nil {
			return nil
		}
		if uids[i], err = strconv.Atoi(u.Uid); err != nil {
			return nil
		}
	}
	g, err := user.LookupGroup("qmail")
	if err != nil {
		return nil
	}
	gid, err := strconv.Atoi(g.Gid)
	if err != nil {
		return nil
	}
	return &queuetest.Owners{Qmailq: uids[0], Qmails: uids[1], Qmailr: uids[2], Qmail: gid}
}
