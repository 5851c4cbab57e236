package main

import (
	"os"
	"strconv"
	"strings"
	"syscall"

	"github.com/rogpeppe/go-internal/testscript"
)

// controlScriptCmds are the script commands of the control-file scripts:
//
//	ctl-chown UID GID FILE       give FILE an owner (needs root)
//	ctl-perm FILE MODE [UID GID] assert FILE's permission bits (octal) and owner
//	ctl-mkfifo FILE              make a FIFO (git cannot store one)
//	ctl-cr FILE                  replace each "<CR>" in FILE by a carriage return
//
// The conditions [root] and [!root] are testscript's own.
func controlScriptCmds() map[string]func(ts *testscript.TestScript, neg bool, args []string) {
	return map[string]func(ts *testscript.TestScript, neg bool, args []string){
		"ctl-chown": func(ts *testscript.TestScript, neg bool, args []string) {
			if neg || len(args) != 3 {
				ts.Fatalf("usage: ctl-chown UID GID FILE")
			}
			uid, err1 := strconv.Atoi(args[0])
			gid, err2 := strconv.Atoi(args[1])
			if err1 != nil || err2 != nil {
				ts.Fatalf("ctl-chown: bad uid or gid")
			}
			ts.Check(os.Chown(ts.MkAbs(args[2]), uid, gid))
		},
		"ctl-perm": func(ts *testscript.TestScript, neg bool, args []string) {
			if len(args) != 2 && len(args) != 4 {
				ts.Fatalf("usage: ctl-perm FILE MODE [UID GID]")
			}
			fi, err := os.Lstat(ts.MkAbs(args[0]))
			ts.Check(err)
			mode, err := strconv.ParseUint(args[1], 8, 32)
			ts.Check(err)
			ok := uint64(fi.Mode().Perm()) == mode
			got := fi.Mode().Perm().String()
			if len(args) == 4 {
				st := fi.Sys().(*syscall.Stat_t)
				got += " " + strconv.Itoa(int(st.Uid)) + ":" + strconv.Itoa(int(st.Gid))
				ok = ok && strconv.Itoa(int(st.Uid)) == args[2] && strconv.Itoa(int(st.Gid)) == args[3]
			}
			if ok == neg {
				ts.Fatalf("%s: mode/owner %s", args[0], got)
			}
		},
		"ctl-cr": func(ts *testscript.TestScript, neg bool, args []string) {
			if neg || len(args) != 1 {
				ts.Fatalf("usage: ctl-cr FILE")
			}
			path := ts.MkAbs(args[0])
			ts.Check(os.WriteFile(path, []byte(strings.ReplaceAll(ts.ReadFile(args[0]), "<CR>", "\r")), 0o644))
		},
		"ctl-mkfifo": func(ts *testscript.TestScript, neg bool, args []string) {
			if neg || len(args) != 1 {
				ts.Fatalf("usage: ctl-mkfifo FILE")
			}
			ts.Check(syscall.Mkfifo(ts.MkAbs(args[0]), 0o644))
		},
	}
}
