// Command testsum reads the output of "go test -json" on standard input and
// prints what a person wants from a test run: the output of every failed
// test, one "ok" line per package that passed, the skipped tests with their
// reason, and a last line "N passed, N failed, N skipped" counting test
// functions and subtests. It exits 1 if a test or a package failed
// (including a package that did not build), else 0.
//
//	go test -race -json ./... 2>&1 | go run ./tools/testsum
//
// Lines that are not JSON events (go command errors on a merged stderr) are
// copied through as they come. A package that fails outside any test (a
// build error, a panic in TestMain, a data race reported after the tests,
// a timeout) counts as one failure, so that the last line never says
// "0 failed" for a run that failed.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

func main() {
	os.Exit(run(os.Stdin, os.Stdout))
}

// event is one line of "go test -json": a test event (cmd/test2json) or a
// build event (go build -json), told apart by their fields.
type event struct {
	Action      string
	Package     string
	Test        string
	Output      string
	FailedBuild string
	ImportPath  string // build events only
}

// key names a test of a package; Test is "" for the package itself.
type key struct{ pkg, test string }

// summary accumulates a run.
type summary struct {
	out                     io.Writer
	output                  map[key][]string // output of tests and packages not finished yet
	failedTests             map[string]int   // failed tests per package
	passed, failed, skipped int
	skips                   []string
	buildOutput             map[string][]string
}

func run(in io.Reader, out io.Writer) int {
	s := &summary{out: out, output: map[key][]string{}, failedTests: map[string]int{}, buildOutput: map[string][]string{}}
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		line := sc.Bytes()
		var e event
		if len(line) == 0 || line[0] != '{' || json.Unmarshal(line, &e) != nil || e.Action == "" {
			fmt.Fprintf(out, "%s\n", line)
			continue
		}
		s.handle(e)
	}
	if err := sc.Err(); err != nil {
		fmt.Fprintf(out, "testsum: reading the test output: %v\n", err)
		s.failed++
	}
	s.finish()
	if s.failed > 0 {
		return 1
	}
	return 0
}

func (s *summary) handle(e event) {
	switch e.Action {
	case "build-output":
		s.buildOutput[e.ImportPath] = append(s.buildOutput[e.ImportPath], e.Output)
		return
	case "build-fail":
		s.print(s.buildOutput[e.ImportPath])
		delete(s.buildOutput, e.ImportPath)
		return
	}
	k := key{e.Package, e.Test}
	switch e.Action {
	case "output":
		s.output[k] = append(s.output[k], e.Output)
	case "pass":
		if e.Test == "" {
			s.endPackage(e, true)
			return
		}
		s.passed++
		if hasRace(s.output[k]) {
			// A race report lands in the output of whichever test ran
			// last; the tests that raced fail without it.
			fmt.Fprintf(s.out, "--- race report printed while %s (%s) ran:\n", e.Test, e.Package)
			s.print(testLines(s.output[k]))
		}
		delete(s.output, k)
	case "skip":
		if e.Test == "" {
			delete(s.output, k) // "no test files"
			return
		}
		s.skipped++
		s.skips = append(s.skips, fmt.Sprintf("skip %s %s: %s", e.Package, e.Test, skipReason(s.output[k])))
		delete(s.output, k)
	case "fail":
		if e.Test == "" {
			s.endPackage(e, false)
			return
		}
		s.failed++
		s.failedTests[e.Package]++
		s.print(failFirst(testLines(s.output[k])))
		delete(s.output, k)
	}
}

// endPackage prints a package's "ok" line, or for a failed package the
// output of tests that never finished and its own output.
func (s *summary) endPackage(e event, passed bool) {
	own := s.output[key{e.Package, ""}]
	delete(s.output, key{e.Package, ""})
	if passed {
		for _, l := range own {
			if strings.HasPrefix(l, "ok ") {
				fmt.Fprint(s.out, l)
			}
		}
		return
	}
	// Tests still running when the binary died (a panic, a timeout).
	var open []key
	for k := range s.output {
		if k.pkg == e.Package {
			open = append(open, k)
		}
	}
	sort.Slice(open, func(i, j int) bool { return open[i].test < open[j].test })
	for _, k := range open {
		fmt.Fprintf(s.out, "--- UNFINISHED: %s (%s)\n", k.test, k.pkg)
		s.print(testLines(s.output[k]))
		delete(s.output, k)
	}
	s.print(testLines(own))
	if s.failedTests[e.Package] == 0 {
		// Nothing else counted this failure.
		s.failed++
		if e.FailedBuild == "" { // go test said "[build failed]" already
			fmt.Fprintf(s.out, "FAIL\t%s: failed outside any test (see the output above)\n", e.Package)
		}
	}
}

func (s *summary) finish() {
	for _, l := range s.skips {
		fmt.Fprintln(s.out, l)
	}
	fmt.Fprintf(s.out, "%d passed, %d failed, %d skipped\n", s.passed, s.failed, s.skipped)
}

func (s *summary) print(lines []string) {
	for _, l := range lines {
		fmt.Fprint(s.out, l)
	}
}

// testLines drops the "=== RUN/PAUSE/CONT/NAME" progress lines that -json
// mode adds to every test's output.
func testLines(lines []string) []string {
	var out []string
	for _, l := range lines {
		if strings.HasPrefix(l, "=== ") {
			continue
		}
		out = append(out, l)
	}
	return out
}

// hasRace reports whether output holds a race detector report.
func hasRace(lines []string) bool {
	for _, l := range lines {
		if strings.Contains(l, "WARNING: DATA RACE") {
			return true
		}
	}
	return false
}

// failFirst moves a failed test's "--- FAIL" line before the output it
// logged, as go test prints it without -json.
func failFirst(lines []string) []string {
	var head, rest []string
	for _, l := range lines {
		if strings.HasPrefix(strings.TrimLeft(l, " "), "--- FAIL") {
			head = append(head, l)
		} else {
			rest = append(rest, l)
		}
	}
	return append(head, rest...)
}

// skipReason is the last line a skipped test printed: t.Skip's message, or
// the skip line of a testscript script.
func skipReason(lines []string) string {
	for i := len(lines) - 1; i >= 0; i-- {
		l := strings.TrimSpace(lines[i])
		if l != "" && !strings.HasPrefix(l, "--- SKIP") && !strings.HasPrefix(l, "=== ") {
			return l
		}
	}
	return "no reason given"
}
