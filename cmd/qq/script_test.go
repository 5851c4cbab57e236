package main

import (
	"fmt"
	"maps"
	"os"
	"testing"

	"github.com/qqmail/qq/cmd/internal/cmdutil"
	"github.com/rogpeppe/go-internal/testscript"
)

// TestMain lets testscript run this test binary as the qq command, so the
// scripts exercise the real command tree, flags, streams and exit codes.
func TestMain(m *testing.M) {
	cmds := map[string]func(){
		"qq": func() {
			ctx, stop := signalContext()
			code := cmdutil.Guard(os.Stderr, func() int { return run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv) })
			stop()
			os.Exit(code)
		},
	}
	maps.Copy(cmds, standinCmds()) // script_mutate_test.go
	testscript.Main(m, cmds)
}

// TestScripts runs every testdata/script/*.txtar end to end.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "../../testdata/script",
		RequireExplicitExec: true,
		Cmds:                scriptCmds(),
		Condition: func(cond string) (bool, error) {
			if cond == "root" {
				return os.Geteuid() == 0, nil
			}
			if cond == "tmpfs" {
				return canMountTmpfs(), nil // script_hostile_test.go
			}
			return false, fmt.Errorf("unknown condition %q", cond)
		},
		Setup: func(env *testscript.Env) error {
			// Pin what varies between machines.
			env.Setenv("TZ", "UTC")
			// Under -race every exec'd qq would otherwise sleep 1 s at exit.
			env.Setenv("GORACE", "atexit_sleep_ms=0")
			env.Setenv("NO_COLOR", "")
			// qq fsck checks owners against these ids, never against the
			// machine's qmail users (run_test.go).
			env.Setenv("QQ_OWNERS", testOwners())
			return nil
		},
	})
}

// scriptCmds are the custom commands the scripts may use to build fixtures
// git cannot store (inode-named queue files, FIFOs, modes).
func scriptCmds() map[string]func(ts *testscript.TestScript, neg bool, args []string) {
	cmds := map[string]func(ts *testscript.TestScript, neg bool, args []string){
		"mksvc": scriptMksvc, // svc_test.go
	}
	maps.Copy(cmds, queueScriptCmds())
	maps.Copy(cmds, userScriptCmds())
	maps.Copy(cmds, controlScriptCmds())
	maps.Copy(cmds, topScriptCmds())
	maps.Copy(cmds, logScriptCmds())
	maps.Copy(cmds, fsckScriptCmds())
	maps.Copy(cmds, mutateScriptCmds())
	maps.Copy(cmds, hostileScriptCmds())
	return cmds
}
