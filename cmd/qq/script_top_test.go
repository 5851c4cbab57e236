package main

import (
	"encoding/binary"
	"errors"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	"golang.org/x/sys/unix"
)

// topScriptCmds are the script commands of the qq check and qq metrics
// scripts:
//
//	mksupervise [-since TIME] [-paused] [-want u|d] [-down-file] SERVICEDIR up|down|dead
//	    Makes SERVICEDIR a service that a daemontools supervise looks
//	    after: supervise/status (the 18-byte layout) saying the service is
//	    up (pid 4242) or down since TIME (RFC 3339, default
//	    2026-11-22T11:00:00Z), and the ok and control FIFOs, which this
//	    test process holds open for reading until the script ends, so that
//	    svok's probe finds a supervisor. "dead" leaves the FIFOs without a
//	    reader and a down status: supervise not running. -down-file adds
//	    SERVICEDIR/down (normally down).
//	exitcode N COMMAND [ARGS…]
//	    Runs COMMAND as exec does and succeeds if it exits with status N
//	    (qq check's plugin codes); stdout and stderr are kept for the next
//	    stdout and stderr commands.
func topScriptCmds() map[string]func(ts *testscript.TestScript, neg bool, args []string) {
	return map[string]func(ts *testscript.TestScript, neg bool, args []string){
		"mksupervise": cmdMksupervise,
		"exitcode":    cmdExitcode,
	}
}

func cmdExitcode(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exitcode N COMMAND [ARGS…]")
	}
	want, err := strconv.Atoi(args[0])
	ts.Check(err)
	got := 0
	if err := ts.Exec(args[1], args[2:]...); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			ts.Fatalf("exitcode: %v", err)
		}
		got = ee.ExitCode()
	}
	if got != want {
		ts.Fatalf("%s exited with %d, want %d", args[1], got, want)
	}
}

func cmdMksupervise(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! mksupervise")
	}
	flags := flag.NewFlagSet("mksupervise", flag.ContinueOnError)
	since := flags.String("since", "2026-11-22T11:00:00Z", "time of the last state change")
	paused := flags.Bool("paused", false, "paused (svc -p)")
	want := flags.String("want", "", "wanted state: u or d (default: the state)")
	downFile := flags.Bool("down-file", false, "create the down file")
	args = parseArgs(ts, "mksupervise", flags, args, 2, 2)
	dir, state := ts.MkAbs(args[0]), args[1]
	t, err := time.Parse(time.RFC3339, *since)
	ts.Check(err)
	sup := filepath.Join(dir, "supervise")
	ts.Check(os.MkdirAll(sup, 0o755))
	if *downFile {
		ts.Check(os.WriteFile(filepath.Join(dir, "down"), nil, 0o644))
	}
	// supervise.c: tai64n stamp, pid (little-endian), paused, want.
	status := make([]byte, 18)
	binary.BigEndian.PutUint64(status[0:8], uint64(t.Unix())+1<<62+10)
	w := byte('d')
	switch state {
	case "up":
		binary.LittleEndian.PutUint32(status[12:16], 4242)
		w = 'u'
	case "down", "dead":
	default:
		ts.Fatalf("mksupervise: state %q: want up, down or dead", state)
	}
	if *want != "" {
		w = (*want)[0]
	}
	if *paused {
		status[16] = 1
	}
	status[17] = w
	ts.Check(os.WriteFile(filepath.Join(sup, "status"), status, 0o644))
	for _, fifo := range []string{"ok", "control"} {
		path := filepath.Join(sup, fifo)
		if err := unix.Mkfifo(path, 0o600); err != nil && err != unix.EEXIST {
			ts.Fatalf("mksupervise: %v", err)
		}
		if state == "dead" {
			continue
		}
		fd, err := unix.Open(path, unix.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
		ts.Check(err)
		ts.Defer(func() { unix.Close(fd) })
	}
}
