package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"github.com/rogpeppe/go-internal/testscript"
)

// hostileScriptCmds are the script commands that plant what a compromised
// qmail user could put where a message file belongs:
//
//	plant symlink|hardlink|fifo|dir|socket PATH [TARGET]
//	    Replaces PATH (a queue file) by a symbolic link or a hard link to
//	    TARGET, or by a FIFO, a directory or a socket.
//	bigrecords FILE KIND N
//	    Writes N records of KIND ("T" or "D") to FILE: T, the address
//	    "rcpt-<i>@big.example", NUL.
//	mounttmpfs DIR
//	    Mounts a tmpfs on DIR (created if needed) for the rest of the
//	    script, so that a quarantine there is on another file system than
//	    the queue. The condition [tmpfs] says whether this machine allows it
//	    (root with mount permission).
//	bigheader FILE FIELDS LINEBYTES
//	    Writes a message to FILE whose header has FIELDS fields
//	    "X-F<i>: v" and one field of LINEBYTES bytes on one line, then a
//	    body "the body".
func hostileScriptCmds() map[string]func(ts *testscript.TestScript, neg bool, args []string) {
	return map[string]func(ts *testscript.TestScript, neg bool, args []string){
		"plant":      cmdPlant,
		"bigrecords": cmdBigRecords,
		"bigheader":  cmdBigHeader,
		"mounttmpfs": cmdMountTmpfs,
	}
}

func cmdPlant(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: plant symlink|hardlink|fifo|dir|socket PATH [TARGET]")
	}
	path := ts.MkAbs(args[1])
	ts.Check(os.Remove(path))
	switch args[0] {
	case "symlink":
		ts.Check(os.Symlink(ts.MkAbs(args[2]), path))
	case "hardlink":
		ts.Check(os.Link(ts.MkAbs(args[2]), path))
	case "fifo":
		ts.Check(syscall.Mkfifo(path, 0o644))
	case "dir":
		ts.Check(os.Mkdir(path, 0o755))
	case "socket":
		fd, err := syscall.Socket(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
		ts.Check(err)
		defer syscall.Close(fd)
		ts.Check(syscall.Bind(fd, &syscall.SockaddrUnix{Name: path}))
	default:
		ts.Fatalf("plant: unknown kind %q", args[0])
	}
}

func cmdBigRecords(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: bigrecords FILE KIND N")
	}
	n := atoiScript(ts, args[2])
	var b strings.Builder
	for i := range n {
		b.WriteString(args[1])
		b.WriteString("rcpt-")
		b.WriteString(strconv.Itoa(i))
		b.WriteString("@big.example\x00")
	}
	ts.Check(os.WriteFile(ts.MkAbs(args[0]), []byte(b.String()), 0o600))
}

func cmdBigHeader(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: bigheader FILE FIELDS LINEBYTES")
	}
	fields, line := atoiScript(ts, args[1]), atoiScript(ts, args[2])
	var b strings.Builder
	b.WriteString("Received: (qmail 1 invoked by uid 0); 21 Nov 2026 12:00:00 -0000\n")
	for i := range fields {
		b.WriteString("X-F")
		b.WriteString(strconv.Itoa(i))
		b.WriteString(": v\n")
	}
	if line > 0 {
		b.WriteString("X-Long: ")
		b.WriteString(strings.Repeat("x", line))
		b.WriteString("\n")
	}
	b.WriteString("Subject: at the end\n\nthe body\n")
	path := ts.MkAbs(args[0])
	ts.Check(os.MkdirAll(filepath.Dir(path), 0o755))
	ts.Check(os.WriteFile(path, []byte(b.String()), 0o644))
}

func atoiScript(ts *testscript.TestScript, s string) int {
	n, err := strconv.Atoi(s)
	ts.Check(err)
	return n
}

func cmdMountTmpfs(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: mounttmpfs DIR")
	}
	dir := ts.MkAbs(args[0])
	ts.Check(os.MkdirAll(dir, 0o700))
	ts.Check(syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=64m"))
	ts.Defer(func() { syscall.Unmount(dir, syscall.MNT_DETACH) })
}

// canMountTmpfs reports whether a tmpfs can be mounted here, by mounting
// one on a temporary directory; the answer is computed once.
var canMountTmpfs = sync.OnceValue(func() bool {
	dir, err := os.MkdirTemp("", "qq-tmpfs-probe")
	if err != nil {
		return false
	}
	defer os.Remove(dir)
	if syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=1m") != nil {
		return false
	}
	syscall.Unmount(dir, syscall.MNT_DETACH)
	return true
})
