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
//	ctl-perm FILE MODE  assert FILE's permission bits (octal)
//	ctl-mkfifo FILE     make a FIFO (git cannot store one)
//	ctl-cr FILE         replace each "<CR>" in FILE by a carriage return
//
// Owner preservation as root is tested in control_test.go (testscript
// has no condition for root).
func controlScriptCmds() map[string]func(ts *testscript.TestScript, neg bool, args []string) {
	return map[string]func(ts *testscript.TestScript, neg bool, args []string){
		"ctl-perm": func(ts *testscript.TestScript, neg bool, args []string) {
			if len(args) != 2 {
				ts.Fatalf("usage: ctl-perm FILE MODE")
			}
			fi, err := os.Lstat(ts.MkAbs(args[0]))
			ts.Check(err)
			mode, err := strconv.ParseUint(args[1], 8, 32)
			ts.Check(err)
			if (uint64(fi.Mode().Perm()) == mode) == neg {
				ts.Fatalf("%s: mode %v", args[0], fi.Mode().Perm())
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
