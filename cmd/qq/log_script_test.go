package main

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strconv"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/qqmail/qq/tai64n/tai64ntest"
)

// logSampleDir is the realistic multilog directory the log scripts read.
const logSampleDir = "../../testdata/log/qmail-send"

// logScriptCmds are the script commands of the log and tai64n scripts:
//
//	logsample DIR                copy the sample multilog directory to DIR
//	gentai64n FILE LINES SEED    write generated multilog-style input
//	cmpstamped FILE1 FILE2       compare two outputs of tai64n: the same
//	                             lines after well-formed stamps
func logScriptCmds() map[string]func(ts *testscript.TestScript, neg bool, args []string) {
	return map[string]func(ts *testscript.TestScript, neg bool, args []string){
		"logsample":  cmdLogSample,
		"gentai64n":  cmdGenTai64n,
		"cmpstamped": cmdCmpStamped,
	}
}

func cmdLogSample(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: logsample DIR")
	}
	dst := ts.MkAbs(args[0])
	ts.Check(os.MkdirAll(dst, 0o755))
	entries, err := os.ReadDir(logSampleDir)
	ts.Check(err)
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(logSampleDir, e.Name()))
		ts.Check(err)
		ts.Check(os.WriteFile(filepath.Join(dst, e.Name()), data, 0o644))
	}
}

func cmdGenTai64n(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: gentai64n FILE LINES SEED")
	}
	lines, err := strconv.Atoi(args[1])
	ts.Check(err)
	seed, err := strconv.ParseUint(args[2], 10, 64)
	ts.Check(err)
	f, err := os.Create(ts.MkAbs(args[0]))
	ts.Check(err)
	ts.Check(tai64ntest.Write(f, lines, seed, true))
	ts.Check(f.Close())
}

var stampRE = regexp.MustCompile(`^@[0-9a-f]{24} `)

func cmdCmpStamped(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: cmpstamped FILE1 FILE2")
	}
	read := func(name string) [][]byte {
		data, err := os.ReadFile(ts.MkAbs(name))
		ts.Check(err)
		var lines [][]byte
		sc := bufio.NewScanner(bytes.NewReader(data))
		sc.Buffer(nil, 1<<24)
		for sc.Scan() {
			line := sc.Bytes()
			if !stampRE.Match(line) {
				ts.Fatalf("%s: line %d has no stamp: %.60q", name, len(lines)+1, line)
			}
			nano, _ := strconv.ParseUint(string(line[17:25]), 16, 32)
			if nano%1000 != 500 {
				ts.Fatalf("%s: line %d: stamp nanoseconds %d are not microseconds*1000+500", name, len(lines)+1, nano)
			}
			lines = append(lines, bytes.Clone(line[26:]))
		}
		ts.Check(sc.Err())
		return lines
	}
	a, b := read(args[0]), read(args[1])
	if len(a) != len(b) {
		ts.Fatalf("%s has %d lines, %s has %d", args[0], len(a), args[1], len(b))
	}
	for i := range a {
		if !bytes.Equal(a[i], b[i]) {
			ts.Fatalf("line %d differs after the stamp: %.60q vs %.60q", i+1, a[i], b[i])
		}
	}
}
