package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/rogpeppe/go-internal/testscript"
	"golang.org/x/sys/unix"
)

// fsckScriptCmds are the script commands of the fsck scripts:
//
//	holdsendmutex QUEUEDIR
//	    Takes an exclusive flock on QUEUEDIR/lock/sendmutex, as a running
//	    qmail-send does, until releasesendmutex or the end of the script.
//	releasesendmutex QUEUEDIR
//	    Releases it.
//	jsonwithout IN OUT KEY...
//	    Writes the JSON Lines of IN to OUT without the top-level KEYs,
//	    sorted, so that listings can be compared with IDs aside.
func fsckScriptCmds() map[string]func(ts *testscript.TestScript, neg bool, args []string) {
	// held is shared by the scripts, which run in parallel.
	var mu sync.Mutex
	held := map[string]int{}
	release := func(path string) {
		mu.Lock()
		defer mu.Unlock()
		if fd, ok := held[path]; ok {
			unix.Close(fd)
			delete(held, path)
		}
	}
	return map[string]func(ts *testscript.TestScript, neg bool, args []string){
		"holdsendmutex": func(ts *testscript.TestScript, neg bool, args []string) {
			if neg || len(args) != 1 {
				ts.Fatalf("usage: holdsendmutex QUEUEDIR")
			}
			path := filepath.Join(ts.MkAbs(args[0]), "lock", "sendmutex")
			fd, err := unix.Open(path, unix.O_WRONLY|unix.O_CLOEXEC, 0)
			ts.Check(err)
			ts.Check(unix.Flock(fd, unix.LOCK_EX|unix.LOCK_NB))
			mu.Lock()
			held[path] = fd
			mu.Unlock()
			ts.Defer(func() { release(path) })
		},
		"releasesendmutex": func(ts *testscript.TestScript, neg bool, args []string) {
			if neg || len(args) != 1 {
				ts.Fatalf("usage: releasesendmutex QUEUEDIR")
			}
			release(filepath.Join(ts.MkAbs(args[0]), "lock", "sendmutex"))
		},
		"jsonwithout": func(ts *testscript.TestScript, neg bool, args []string) {
			if neg || len(args) < 2 {
				ts.Fatalf("usage: jsonwithout IN OUT KEY...")
			}
			var lines []string
			for _, line := range strings.Split(strings.TrimSpace(ts.ReadFile(args[0])), "\n") {
				if line == "" {
					continue
				}
				var v map[string]any
				ts.Check(json.Unmarshal([]byte(line), &v))
				for _, k := range args[2:] {
					delete(v, k)
				}
				b, err := json.Marshal(v)
				ts.Check(err)
				lines = append(lines, string(b))
			}
			slices.Sort(lines)
			ts.Check(os.WriteFile(ts.MkAbs(args[1]), []byte(strings.Join(lines, "\n")+"\n"), 0o644))
		},
	}
}
