package tai64n_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/qqmail/qq/tai64n"
	"github.com/qqmail/qq/tai64n/tai64ntest"
)

// daemontools looks up one of daemontools' programs, skipping the test when
// it is not installed (Debian package daemontools).
func daemontools(t *testing.T, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("daemontools %s not installed: %v", name, err)
	}
	return path
}

// runTool runs a daemontools filter on in, with TZ set to zone. Input and
// output are files: the tools flush before every read, which makes them slow
// on pipes.
func runTool(t *testing.T, path, zone string, in []byte) ([]byte, error) {
	t.Helper()
	dir := t.TempDir()
	inPath, outPath := filepath.Join(dir, "in"), filepath.Join(dir, "out")
	if err := os.WriteFile(inPath, in, 0o600); err != nil {
		t.Fatal(err)
	}
	inFile, err := os.Open(inPath)
	if err != nil {
		t.Fatal(err)
	}
	defer inFile.Close()
	outFile, err := os.Create(outPath)
	if err != nil {
		t.Fatal(err)
	}
	defer outFile.Close()
	cmd := exec.Command(path)
	cmd.Env = append(os.Environ(), "TZ="+zone)
	cmd.Stdin, cmd.Stdout = inFile, outFile
	runErr := cmd.Run()
	out, err := os.ReadFile(outPath)
	if err != nil {
		t.Fatal(err)
	}
	return out, runErr
}

// TestLocalizeMatchesTai64nlocal compares Localize with daemontools'
// tai64nlocal, byte for byte, on a large generated input in several zones.
func TestLocalizeMatchesTai64nlocal(t *testing.T) {
	path := daemontools(t, "tai64nlocal")
	var in bytes.Buffer
	lines := 200_000
	if testing.Short() || raceEnabled {
		lines = 20_000
	}
	if err := tai64ntest.Write(&in, lines, 1, true); err != nil {
		t.Fatal(err)
	}
	for _, zone := range []string{"UTC", "America/New_York", "Europe/Berlin", "Europe/Dublin", "Australia/Lord_Howe", "Asia/Kathmandu"} {
		t.Run(zone, func(t *testing.T) {
			loc, err := time.LoadLocation(zone)
			if err != nil {
				t.Skipf("no zone data for %s: %v", zone, err)
			}
			want, err := runTool(t, path, zone, in.Bytes())
			if err != nil {
				t.Fatalf("tai64nlocal: %v", err)
			}
			var got bytes.Buffer
			if err := tai64n.Localize(&got, bytes.NewReader(in.Bytes()), tai64n.LocalFormatter(loc)); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.Bytes(), want) {
				t.Fatalf("output differs from tai64nlocal: %s", firstDiff(got.Bytes(), want))
			}
		})
	}
}

// TestLocalizeWhereTai64nlocalCrashes runs daemontools' tai64nlocal on one
// line at a time: where it gives output, Localize must give the same; where
// it crashes (SIGSEGV on labels that spell no printable time), Localize must
// copy the line unchanged.
func TestLocalizeWhereTai64nlocalCrashes(t *testing.T) {
	path := daemontools(t, "tai64nlocal")
	labels := []string{
		"@zzzz", "@", "@1a", "@37c219bf2ef02e94", "@4000000037C219BF2EF02E94",
		"@4000000037c219bf", "@4000000037c219bf2ef02e9", "@7fffffffffffffff00000000",
		"@800000000000000000000000", "@ffffffffffffffffffffffff", "@000000000000000000000000",
		"@c000000000000000000000000", "@3fffffffffffffff00000000",
	}
	// The edges of the C library's range, in seconds since the epoch.
	for _, sec := range []int64{67767976233532799, 67767976233532800, 67768036191676799, 67768036191676800,
		-67768040609740800, -67768040609740801, -62167219200, -62167219201} {
		for _, d := range []int64{-86400, -1, 0, 1, 86400} {
			labels = append(labels, tai64n.Label{Sec: sec + d, Nano: 7}.String())
		}
	}
	for _, zone := range []string{"UTC", "America/New_York", "Asia/Kathmandu"} {
		loc, err := time.LoadLocation(zone)
		if err != nil {
			t.Skipf("no zone data for %s: %v", zone, err)
		}
		for _, label := range labels {
			in := []byte(label + " tail\n")
			want, err := runTool(t, path, zone, in)
			if err != nil {
				// tai64nlocal died: qq passes the line through.
				want = in
			}
			var got bytes.Buffer
			if err := tai64n.Localize(&got, bytes.NewReader(in), tai64n.LocalFormatter(loc)); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.Bytes(), want) {
				t.Errorf("TZ=%s %q: got %q, want %q (tai64nlocal error %v)", zone, in, got.Bytes(), want, err)
			}
		}
	}
}

var stampRE = regexp.MustCompile(`^@([0-9a-f]{16})([0-9a-f]{8}) `)

// TestStampMatchesTai64n compares Stamp with daemontools' tai64n: the same
// lines after the stamps, stamps of the same form and resolution, taken
// within the time of the test.
func TestStampMatchesTai64n(t *testing.T) {
	path := daemontools(t, "tai64n")
	var in bytes.Buffer
	if err := tai64ntest.Write(&in, 20_000, 2, true); err != nil {
		t.Fatal(err)
	}
	start := time.Now().Add(-time.Second)
	want, err := runTool(t, path, "UTC", in.Bytes())
	if err != nil {
		t.Fatalf("tai64n: %v", err)
	}
	var got bytes.Buffer
	if err := tai64n.Stamp(&got, bytes.NewReader(in.Bytes()), time.Now); err != nil {
		t.Fatal(err)
	}
	end := time.Now().Add(time.Second)
	gotLines, wantLines := splitLines(got.Bytes()), splitLines(want)
	if len(gotLines) != len(wantLines) {
		t.Fatalf("%d lines, tai64n gives %d", len(gotLines), len(wantLines))
	}
	for i := range gotLines {
		g, w := checkStamp(t, gotLines[i], start, end), checkStamp(t, wantLines[i], start, end)
		if !bytes.Equal(g, w) {
			t.Fatalf("line %d after the stamp: got %q, tai64n gives %q", i+1, g, w)
		}
	}
}

// checkStamp checks the stamp at the start of line and returns the rest.
func checkStamp(t *testing.T, line []byte, start, end time.Time) []byte {
	t.Helper()
	m := stampRE.FindSubmatch(line)
	if m == nil {
		t.Fatalf("line without a stamp: %q", line)
	}
	l, err := tai64n.Parse(string(line[:25]))
	if err != nil {
		t.Fatal(err)
	}
	if l.Time().Before(start) || l.Time().After(end) {
		t.Fatalf("stamp %s (%v) outside the test's run", line[:25], l.Time())
	}
	if nano, _ := strconv.ParseUint(string(m[2]), 16, 32); nano%1000 != 500 {
		t.Fatalf("stamp %s: nanoseconds %d are not microseconds*1000+500", line[:25], nano)
	}
	return line[26:]
}

func splitLines(b []byte) [][]byte {
	lines := bytes.SplitAfter(b, []byte("\n"))
	if len(lines[len(lines)-1]) == 0 {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// firstDiff describes where two outputs first differ.
func firstDiff(got, want []byte) string {
	g, w := splitLines(got), splitLines(want)
	for i := range min(len(g), len(w)) {
		if !bytes.Equal(g[i], w[i]) {
			return fmt.Sprintf("line %d: got %q, want %q", i+1, clip(g[i]), clip(w[i]))
		}
	}
	return fmt.Sprintf("got %d lines, want %d", len(g), len(w))
}

func clip(b []byte) string {
	if len(b) > 120 {
		return string(b[:120]) + "…"
	}
	return strings.TrimSuffix(string(b), "\n")
}
