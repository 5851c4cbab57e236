package main

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/rogpeppe/go-internal/testscript"
)

// userScriptCmds has the script command that runs qq as an unprivileged
// user, so that permission errors can be tested when the tests run as root
// (root reads every file regardless of its mode):
//
//	asnobody qq ARGS…
//
// It runs this test binary as qq under setpriv with uid and gid 65534 and
// no supplementary groups. Its stdout and stderr are the script's; it fails
// (or, negated, succeeds) on the command's exit status. Scripts guard it
// with [exec:setpriv] and a root check.
func userScriptCmds() map[string]func(ts *testscript.TestScript, neg bool, args []string) {
	return map[string]func(ts *testscript.TestScript, neg bool, args []string){
		"asnobody": func(ts *testscript.TestScript, neg bool, args []string) {
			if len(args) < 1 || args[0] != "qq" {
				ts.Fatalf("usage: asnobody qq ARGS…")
			}
			exe, err := os.Executable()
			ts.Check(err)
			// The binary must be reachable by uid 65534: a fresh 0755
			// directory in /tmp rather than the test's 0700 work tree.
			dir, err := os.MkdirTemp("", "qq-asnobody")
			ts.Check(err)
			defer os.RemoveAll(dir)
			ts.Check(os.Chmod(dir, 0o755))
			bin := filepath.Join(dir, "qq")
			ts.Check(copyExecutable(exe, bin))
			cmd := exec.Command("setpriv", append([]string{"--reuid=65534", "--regid=65534", "--clear-groups", bin}, args[1:]...)...)
			cmd.Dir = ts.Getenv("WORK")
			cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "TZ=UTC", "HOME=/"}
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err = cmd.Run()
			ts.Stdout().Write(stdout.Bytes())
			ts.Stderr().Write(stderr.Bytes())
			if _, ok := err.(*exec.ExitError); err != nil && !ok {
				ts.Fatalf("asnobody: %v", err)
			}
			if (err != nil) != neg {
				ts.Fatalf("asnobody qq: unexpected exit status (%v)", err)
			}
		},
	}
}

func copyExecutable(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o755)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
