package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/qqmail/qq/qmailqueue/queuetest"
	"github.com/rogpeppe/go-internal/testscript"
)

// queueScriptCmds are the script commands that build and check qmail queues
// (see qmailqueue/queuetest):
//
//	mkqueue [-split N] [-big-todo] QMAILDIR SPECFILE
//	    Adds the messages of SPECFILE to QMAILDIR/queue, creating the queue
//	    (default split 23) if it does not exist. For each message NAME it
//	    sets $ID_NAME to the message ID and $SUB_NAME to ID % split. The
//	    script must set QQ_NOW first: it is the "now" of the spec's times,
//	    so the queue and qq share one fixed clock and the output is the
//	    same on any day.
//	mksample [-split N] [-big-todo] [-no-large] QMAILDIR COUNT
//	    Writes queuetest.Sample (seed 1, now 2026-11-22T12:00:00Z) into
//	    QMAILDIR/queue and control/me, control/locals. Sets $SAMPLE_MESSAGES,
//	    $SAMPLE_PREPROCESSED, $SAMPLE_TODO, $SAMPLE_FLOOD, $SAMPLE_BOUNCING,
//	    $SAMPLE_BYTES and $SAMPLE_LARGE_ID.
//	queuefile [-mode PERM] [-mtime TIME] [-links N] QMAILDIR KIND ID [WANTFILE]
//	    Succeeds if the file of KIND (mess, intd, todo, info, local, remote,
//	    bounce) for ID exists where qmail looks for it, with the given mode,
//	    mtime and link count, and, with WANTFILE, the content of WANTFILE
//	    read with the escapes \0 \n \t \\ and without its final newline.
//	    "! queuefile QMAILDIR KIND ID" succeeds if the file is absent.
//
// The SPECFILE format, one keyword per line ("KEYWORD" or "KEYWORD VALUE",
// the value being the rest of the line after one space, taken verbatim);
// lines starting with # and blank lines are skipped:
//
//	message NAME            starts a message; NAME is letters, digits, _
//	sender [ADDR]           envelope sender, required; "sender" alone is <>
//	local ADDR              pending local recipient (T record)
//	local-done ADDR         done local recipient (D record)
//	remote ADDR             pending remote recipient
//	remote-done ADDR        done remote recipient
//	header LINE             one header line, e.g. "header Subject: hi"
//	body [LINE]             one body line ("body" alone: an empty line)
//	body-bytes N            appends N bytes of filler lines to the body
//	bounce [LINE]           one line of bounce/ID; a paragraph ends with
//	                        a "bounce" line alone (docs/queue.md §3.6)
//	birth TIME              RFC 3339, "now", or a duration from now
//	                        such as -37h (default: now); now is $QQ_NOW
//	next-retry TIME         mtime of local/remote, same syntax (default:
//	                        birth + 100 s local, + 400 s remote)
//	mess-time real[±DUR]    sets atime and mtime of mess after it is built
//	                        to the real clock ± DUR: for qq rm's 36 h
//	                        age rule, which judges the real atime by the
//	                        real clock (QQ_NOW does not move it); only file
//	                        times, never content, follow the real clock
//	uid N, pid N            the u and p records and the Received line
//	invoked TEXT            Received line wording, e.g. "from network"
//	state STATE             preprocessed (default), queued, queued-no-intd
//	broken KIND             a broken state instead, e.g. wrong-split,
//	                        pid-orphan (queuetest.Broken names)
func queueScriptCmds() map[string]func(ts *testscript.TestScript, neg bool, args []string) {
	return map[string]func(ts *testscript.TestScript, neg bool, args []string){
		"mkqueue":   cmdMkqueue,
		"mksample":  cmdMksample,
		"queuefile": cmdQueuefile,
	}
}

// layoutFlags are the queue layout options of mkqueue and mksample.
type layoutFlags struct {
	split   int
	bigTodo bool
}

// newLayoutFlags starts the flags of a queue-building command, which has no
// negated form.
func newLayoutFlags(ts *testscript.TestScript, name string, neg bool) (*flag.FlagSet, *layoutFlags) {
	if neg {
		ts.Fatalf("unsupported: ! %s", name)
	}
	var l layoutFlags
	flags := flag.NewFlagSet(name, flag.ContinueOnError)
	flags.IntVar(&l.split, "split", 0, "split subdirectories")
	flags.BoolVar(&l.bigTodo, "big-todo", false, "split todo and intd")
	return flags, &l
}

// parseArgs parses a script command's flags and wants between min and max
// positional arguments.
func parseArgs(ts *testscript.TestScript, name string, flags *flag.FlagSet, args []string, min, max int) []string {
	flags.SetOutput(io.Discard)
	if err := flags.Parse(args); err != nil {
		ts.Fatalf("%s: %v", name, err)
	}
	if flags.NArg() < min || flags.NArg() > max {
		ts.Fatalf("%s: want %d to %d arguments, got %q", name, min, max, flags.Args())
	}
	return flags.Args()
}

// linkCount returns the number of hard links of a file.
func linkCount(fi fs.FileInfo) uint64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return uint64(st.Nlink)
	}
	return 0
}

func cmdMkqueue(ts *testscript.TestScript, neg bool, args []string) {
	flags, layout := newLayoutFlags(ts, "mkqueue", neg)
	args = parseArgs(ts, "mkqueue", flags, args, 2, 2)
	now := scriptNow(ts, "mkqueue")
	specs, err := parseQueueSpec(args[1], strings.NewReader(ts.ReadFile(args[1])), now)
	ts.Check(err)
	b := openOrCreateQueue(ts, ts.MkAbs(args[0]), *layout, now)
	for _, s := range specs {
		var id uint64
		if s.broken != 0 {
			id, err = b.AddBroken(s.broken, s.msg)
		} else {
			id, err = b.Add(s.msg)
		}
		if err == nil && !s.messTime.IsZero() {
			err = os.Chtimes(b.Path("mess", id), s.messTime, s.messTime)
		}
		if err != nil {
			ts.Fatalf("mkqueue: message %s: %v", s.name, err)
		}
		ts.Setenv("ID_"+s.name, strconv.FormatUint(id, 10))
		ts.Setenv("SUB_"+s.name, strconv.FormatUint(id%uint64(b.Split()), 10))
	}
}

// openOrCreateQueue opens QMAILDIR/queue, or creates it with QMAILDIR. The
// builder stays open until the script ends, so that the inodes of removed
// mess files are not reused while stale files carry their numbers.
func openOrCreateQueue(ts *testscript.TestScript, qmailDir string, layout layoutFlags, now time.Time) *queuetest.Builder {
	queueDir := filepath.Join(qmailDir, "queue")
	opts := queuetest.Options{Split: layout.split, BigTodo: layout.bigTodo, Now: now}
	var b *queuetest.Builder
	var err error
	if _, serr := os.Stat(queueDir); serr == nil {
		b, err = queuetest.Open(queueDir, opts)
	} else {
		ts.Check(os.MkdirAll(qmailDir, 0o755))
		b, err = queuetest.New(queueDir, opts)
	}
	ts.Check(err)
	ts.Defer(func() { ts.Check(b.Close()) })
	return b
}

func cmdMksample(ts *testscript.TestScript, neg bool, args []string) {
	flags, layout := newLayoutFlags(ts, "mksample", neg)
	noLarge := flags.Bool("no-large", false, "leave out the 34 MiB message")
	args = parseArgs(ts, "mksample", flags, args, 2, 2)
	count, err := strconv.Atoi(args[1])
	if err != nil {
		ts.Fatalf("mksample: count %q: %v", args[1], err)
	}
	qmailDir := ts.MkAbs(args[0])
	ts.Check(os.MkdirAll(qmailDir, 0o755))
	rep, err := queuetest.Sample(filepath.Join(qmailDir, "queue"), queuetest.SampleOptions{
		Count: count, Seed: 1, Now: time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC),
		Split: layout.split, BigTodo: layout.bigTodo, NoLargeMessage: *noLarge,
	})
	ts.Check(err)
	ts.Check(queuetest.WriteSampleControl(filepath.Join(qmailDir, "control")))
	for k, v := range map[string]int64{
		"MESSAGES": int64(rep.Messages), "PREPROCESSED": int64(rep.Preprocessed), "TODO": int64(rep.TodoOnly),
		"FLOOD": int64(rep.Flood), "BOUNCING": int64(rep.Bouncing), "BYTES": rep.Bytes, "LARGE_ID": int64(rep.LargeID),
	} {
		ts.Setenv("SAMPLE_"+k, strconv.FormatInt(v, 10))
	}
}

func cmdQueuefile(ts *testscript.TestScript, neg bool, args []string) {
	flags := flag.NewFlagSet("queuefile", flag.ContinueOnError)
	mode := flags.String("mode", "", "permission bits, octal")
	mtime := flags.String("mtime", "", "modification time, RFC 3339")
	links := flags.Int("links", 0, "link count")
	args = parseArgs(ts, "queuefile", flags, args, 3, 4)
	if neg && (len(args) == 4 || *mode != "" || *mtime != "" || *links != 0) {
		ts.Fatalf("unsupported: ! queuefile with a content, -mode, -mtime or -links check")
	}
	if !slices.Contains(queuetest.Kinds(), args[1]) {
		ts.Fatalf("queuefile: unknown kind %q (want one of %v)", args[1], queuetest.Kinds())
	}
	id, err := strconv.ParseUint(args[2], 10, 64)
	if err != nil {
		ts.Fatalf("queuefile: ID %q: %v", args[2], err)
	}
	b, err := queuetest.Open(filepath.Join(ts.MkAbs(args[0]), "queue"), queuetest.Options{})
	ts.Check(err)
	path := b.Path(args[1], id)
	fi, err := os.Lstat(path)
	switch {
	case neg && err == nil:
		ts.Fatalf("queuefile: %s exists", path)
	case neg && errors.Is(err, fs.ErrNotExist):
		return
	case err != nil:
		ts.Fatalf("queuefile: %v", err)
	}
	if *mode != "" {
		want, err := strconv.ParseUint(*mode, 8, 32)
		if err != nil {
			ts.Fatalf("queuefile: -mode %q: %v", *mode, err)
		}
		if got := fi.Mode().Perm(); uint64(got) != want || !fi.Mode().IsRegular() {
			ts.Fatalf("queuefile: %s has mode %v, want regular %04o", path, fi.Mode(), want)
		}
	}
	if *mtime != "" {
		want, err := time.Parse(time.RFC3339, *mtime)
		if err != nil {
			ts.Fatalf("queuefile: -mtime %q: %v", *mtime, err)
		}
		if !fi.ModTime().Equal(want) {
			ts.Fatalf("queuefile: %s has mtime %s, want %s", path, fi.ModTime().UTC().Format(time.RFC3339), *mtime)
		}
	}
	if *links != 0 {
		if got := linkCount(fi); got != uint64(*links) {
			ts.Fatalf("queuefile: %s has %d links, want %d", path, got, *links)
		}
	}
	if len(args) == 4 {
		want, err := unescapeWant(strings.TrimSuffix(ts.ReadFile(args[3]), "\n"))
		if err != nil {
			ts.Fatalf("queuefile: %s: %v", args[3], err)
		}
		got, err := os.ReadFile(path)
		ts.Check(err)
		if string(got) != want {
			ts.Fatalf("queuefile: %s holds\n%q\nwant\n%q", path, got, want)
		}
	}
}

// unescapeWant turns \0, \n, \t and \\ into their bytes.
func unescapeWant(s string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' {
			b.WriteByte(s[i])
			continue
		}
		i++
		if i == len(s) {
			return "", errors.New("trailing backslash")
		}
		switch s[i] {
		case '0':
			b.WriteByte(0)
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case '\\':
			b.WriteByte('\\')
		default:
			return "", fmt.Errorf("unknown escape \\%c", s[i])
		}
	}
	return b.String(), nil
}

// specMessage is one message of a mkqueue SPECFILE.
type specMessage struct {
	name      string
	broken    queuetest.Broken
	msg       queuetest.Message
	hasSender bool
	messTime  time.Time // zero: as the builder sets it
}

var specNameRE = regexp.MustCompile(`^[A-Za-z0-9_]+$`)

// parseQueueSpec reads a mkqueue SPECFILE (format in queueScriptCmds);
// relative times are relative to now. Errors name the file and line.
func parseQueueSpec(file string, r io.Reader, now time.Time) ([]specMessage, error) {
	var specs []specMessage
	names := map[string]bool{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	line := 0
	errorf := func(format string, a ...any) error {
		return fmt.Errorf("%s:%d: %s", file, line, fmt.Sprintf(format, a...))
	}
	finish := func() error {
		if n := len(specs); n > 0 && !specs[n-1].hasSender {
			return errorf("message %s has no sender line", specs[n-1].name)
		}
		return nil
	}
	for sc.Scan() {
		line++
		text := sc.Text()
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		key, value, hasValue := strings.Cut(text, " ")
		if key == "message" {
			if err := finish(); err != nil {
				return nil, err
			}
			if !specNameRE.MatchString(value) {
				return nil, errorf("message name %q: want letters, digits and _", value)
			}
			if names[value] {
				return nil, errorf("message %s is defined twice", value)
			}
			names[value] = true
			specs = append(specs, specMessage{name: value})
			continue
		}
		if len(specs) == 0 {
			return nil, errorf("%q before the first message line", key)
		}
		s := &specs[len(specs)-1]
		m := &s.msg
		needValue := func() error {
			if !hasValue || value == "" {
				return errorf("%s needs a value", key)
			}
			return nil
		}
		var err error
		switch key {
		case "sender":
			m.Sender, s.hasSender = value, true
		case "local", "local-done", "remote", "remote-done":
			if err = needValue(); err == nil {
				m.Recipients = append(m.Recipients, queuetest.Recipient{
					Addr: value, Remote: strings.HasPrefix(key, "remote"), Done: strings.HasSuffix(key, "-done"),
				})
			}
		case "header":
			if err = needValue(); err == nil {
				m.Header += value + "\n"
			}
		case "body":
			m.Body = append(append(m.Body, value...), '\n')
		case "body-bytes":
			var n int
			if n, err = strconv.Atoi(value); err != nil || n < 0 {
				err = errorf("body-bytes %q: want a byte count", value)
			} else {
				m.Body = append(m.Body, filler(n)...)
			}
		case "bounce":
			m.Bounce += value + "\n"
		case "birth":
			m.Birth, err = specTime(value, now)
		case "next-retry":
			m.NextRetry, err = specTime(value, now)
		case "mess-time":
			s.messTime, err = realTime(value)
		case "uid", "pid":
			var n int
			if n, err = strconv.Atoi(value); err != nil || n < 0 {
				err = errorf("%s %q: want a number", key, value)
			} else if key == "uid" {
				m.UID = n
			} else {
				m.PID = n
			}
		case "invoked":
			if err = needValue(); err == nil {
				m.Invoked = value
			}
		case "state":
			switch value {
			case "preprocessed":
				m.State = queuetest.Preprocessed
			case "queued":
				m.State = queuetest.Queued
			case "queued-no-intd":
				m.State = queuetest.QueuedNoIntd
			default:
				err = errorf("state %q: want preprocessed, queued or queued-no-intd", value)
			}
		case "broken":
			s.broken, err = queuetest.ParseBroken(value)
		default:
			err = errorf("unknown keyword %q", key)
		}
		if err != nil {
			if !strings.HasPrefix(err.Error(), file+":") {
				err = errorf("%v", err)
			}
			return nil, err
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if err := finish(); err != nil {
		return nil, err
	}
	return specs, nil
}

// scriptNow returns the script's fixed clock, $QQ_NOW (RFC 3339), the one
// qq itself reads; cmd is named in the error when it is missing.
func scriptNow(ts *testscript.TestScript, cmd string) time.Time {
	v := ts.Getenv("QQ_NOW")
	if v == "" {
		ts.Fatalf("%s: set QQ_NOW (RFC 3339) first, so that the queue's times and qq's clock are one fixed clock", cmd)
	}
	now, err := time.Parse(time.RFC3339, v)
	if err != nil {
		ts.Fatalf("%s: QQ_NOW %q: %v", cmd, v, err)
	}
	return now
}

// realTime parses "real", "real-37h" or "real+1h": the real clock, moved.
func realTime(v string) (time.Time, error) {
	rest, ok := strings.CutPrefix(v, "real")
	if !ok {
		return time.Time{}, fmt.Errorf("time %q: want real, real-DURATION or real+DURATION", v)
	}
	var d time.Duration
	if rest != "" {
		var err error
		if d, err = time.ParseDuration(rest); err != nil || (rest[0] != '-' && rest[0] != '+') {
			return time.Time{}, fmt.Errorf("time %q: want real, real-DURATION or real+DURATION", v)
		}
	}
	return time.Now().Add(d).Truncate(time.Second), nil
}

// specTime parses RFC 3339, "now" or a signed duration from now.
func specTime(v string, now time.Time) (time.Time, error) {
	if v == "now" {
		return now.Truncate(time.Second), nil
	}
	if strings.HasPrefix(v, "-") || strings.HasPrefix(v, "+") {
		d, err := time.ParseDuration(v)
		if err != nil {
			return time.Time{}, fmt.Errorf("time %q: %w", v, err)
		}
		return now.Add(d).Truncate(time.Second), nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, fmt.Errorf("time %q: want RFC 3339, now or a duration such as -37h", v)
	}
	return t, nil
}

// filler returns n bytes of 72-character lines.
func filler(n int) []byte {
	line := strings.Repeat("0123456789abcdef", 5)[:71] + "\n"
	b := make([]byte, 0, n)
	for len(b) < n {
		b = append(b, line[:min(len(line), n-len(b))]...)
	}
	return b
}

func TestParseQueueSpec(t *testing.T) {
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	spec := `# a comment
message flood1
sender spam@bad.example
birth 2026-11-20T10:00:00Z
remote a@x.example
remote-done b@y.example
local c@local.example
header Subject: =?UTF-8?B?R3LDvMOfZQ==?=
body Hello
body
body-bytes 3
bounce <x@y>:
bounce Sorry, no mailbox here by that name. (#5.1.1)
bounce
state queued
uid 7
pid 8
invoked from network

message old
sender
birth -37h
next-retry +1h
broken wrong-split
`
	got, err := parseQueueSpec("spec", strings.NewReader(spec), now)
	if err != nil {
		t.Fatal(err)
	}
	want := []specMessage{{
		name: "flood1", hasSender: true,
		msg: queuetest.Message{
			Sender: "spam@bad.example",
			Recipients: []queuetest.Recipient{
				{Addr: "a@x.example", Remote: true}, {Addr: "b@y.example", Remote: true, Done: true}, {Addr: "c@local.example"},
			},
			Header:  "Subject: =?UTF-8?B?R3LDvMOfZQ==?=\n",
			Body:    []byte("Hello\n\n012"),
			Birth:   time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC),
			State:   queuetest.Queued,
			Bounce:  "<x@y>:\nSorry, no mailbox here by that name. (#5.1.1)\n\n",
			UID:     7,
			PID:     8,
			Invoked: "from network",
		},
	}, {
		name: "old", hasSender: true, broken: queuetest.WrongSplit,
		msg: queuetest.Message{Birth: now.Add(-37 * time.Hour), NextRetry: now.Add(time.Hour)},
	}}
	if len(got) != len(want) {
		t.Fatalf("got %d messages, want %d", len(got), len(want))
	}
	for i := range want {
		if fmt.Sprintf("%+v", got[i]) != fmt.Sprintf("%+v", want[i]) {
			t.Errorf("message %d:\ngot  %+v\nwant %+v", i, got[i], want[i])
		}
	}

	for _, bad := range []struct{ spec, err string }{
		{"sender x", "spec:1: \"sender\" before the first message line"},
		{"message a\nfoo bar", "spec:2: unknown keyword \"foo\""},
		{"message a\nlocal x", "spec:2: message a has no sender line"},
		{"message a\nsender\nmessage a", "spec:3: message a is defined twice"},
		{"message a-b", "spec:1: message name \"a-b\": want letters, digits and _"},
		{"message a\nsender\nbirth yesterday", "spec:3: time \"yesterday\": want RFC 3339, now or a duration such as -37h"},
		{"message a\nsender\nmess-time -1h", "spec:3: time \"-1h\": want real, real-DURATION or real+DURATION"},
		{"message a\nsender\nmess-time real1h", "spec:3: time \"real1h\": want real, real-DURATION or real+DURATION"},
		{"message a\nsender\nbroken nope", "spec:3: unknown broken state \"nope\""},
		{"message a\nsender\nstate done", "spec:3: state \"done\": want preprocessed, queued or queued-no-intd"},
		{"message a\nsender\nlocal", "spec:3: local needs a value"},
		{"message a\nsender\nbody-bytes -1", "spec:3: body-bytes \"-1\": want a byte count"},
	} {
		_, err := parseQueueSpec("spec", strings.NewReader(bad.spec), now)
		if err == nil || err.Error() != bad.err {
			t.Errorf("parse %q: err = %v, want %s", bad.spec, err, bad.err)
		}
	}
}

func FuzzParseQueueSpec(f *testing.F) {
	f.Add("message a\nsender x@y\nremote r@z\nbody hi\nbounce <r@z>:\nbounce\nbirth -1h\nbroken pid-orphan\n")
	f.Add("message b\nsender\nstate queued\nbody-bytes 100\nnext-retry 2026-11-22T12:00:00Z\n")
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, spec string) {
		specs, err := parseQueueSpec("spec", strings.NewReader(spec), now)
		if err != nil {
			return
		}
		for _, s := range specs {
			if !specNameRE.MatchString(s.name) || !s.hasSender {
				t.Errorf("accepted message %+v", s)
			}
		}
	})
}

func TestUnescapeWant(t *testing.T) {
	got, err := unescapeWant(`Fa@b\0T\\x\n\t`)
	if err != nil || got != "Fa@b\x00T\\x\n\t" {
		t.Errorf("unescapeWant = %q, %v", got, err)
	}
	for _, bad := range []string{`x\`, `\q`} {
		if _, err := unescapeWant(bad); err == nil {
			t.Errorf("unescapeWant(%q) succeeded", bad)
		}
	}
}
