package main

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

// TestMixed reads the -json output of a run with a passing, a failing
// (with a failed subtest), a skipped test, a package that does not build
// and one whose TestMain exits 3 after its tests pass (testdata/mixed.json,
// go 1.26).
func TestMixed(t *testing.T) {
	in, err := os.Open("testdata/mixed.json")
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	var out bytes.Buffer
	if code := run(in, &out); code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	got := out.String()
	for _, want := range []string{
		"b/b_test.go:3:28: undefined: undefined\n",
		"--- FAIL: TestFail/sub (0.00s)\n    a_test.go:4: boom\n",
		"--- FAIL: TestFail (0.00s)\n    a_test.go:4: some context\n",
		"FAIL\ttsum/c: failed outside any test (see the output above)\n",
		"skip tsum/a TestSkip: a_test.go:5: needs root\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "=== RUN") || strings.Contains(got, "TestOK") {
		t.Errorf("output shows progress lines or passed tests:\n%s", got)
	}
	// TestOK, TestFail/good, TestY pass; TestFail, TestFail/sub and the
	// packages b and c fail.
	if last := lastLine(got); last != "3 passed, 4 failed, 1 skipped" {
		t.Errorf("last line %q", last)
	}
}

// TestPassing: only "ok" lines and the count; exit 0. Lines that are not
// JSON pass through.
func TestPassing(t *testing.T) {
	in := strings.Join([]string{
		`go: downloading example.com/m v1.0.0`,
		`{"Action":"start","Package":"p"}`,
		`{"Action":"run","Package":"p","Test":"TestA"}`,
		`{"Action":"output","Package":"p","Test":"TestA","Output":"=== RUN   TestA\n"}`,
		`{"Action":"output","Package":"p","Test":"TestA","Output":"--- PASS: TestA (0.00s)\n"}`,
		`{"Action":"pass","Package":"p","Test":"TestA"}`,
		`{"Action":"output","Package":"p","Output":"PASS\n"}`,
		`{"Action":"output","Package":"p","Output":"ok  \tp\t0.01s\n"}`,
		`{"Action":"pass","Package":"p"}`,
		`{"Action":"start","Package":"q"}`,
		`{"Action":"output","Package":"q","Output":"?   \tq\t[no test files]\n"}`,
		`{"Action":"skip","Package":"q"}`,
	}, "\n")
	var out bytes.Buffer
	if code := run(strings.NewReader(in), &out); code != 0 {
		t.Errorf("exit %d, want 0", code)
	}
	want := "go: downloading example.com/m v1.0.0\nok  \tp\t0.01s\n1 passed, 0 failed, 0 skipped\n"
	if out.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", out.String(), want)
	}
}

// TestUnfinished: a test still running when its package fails (a panic
// or a timeout) has its output shown.
func TestUnfinished(t *testing.T) {
	in := strings.Join([]string{
		`{"Action":"run","Package":"p","Test":"TestHang"}`,
		`{"Action":"output","Package":"p","Test":"TestHang","Output":"    hang_test.go:9: waiting\n"}`,
		`{"Action":"output","Package":"p","Output":"panic: test timed out after 1s\n"}`,
		`{"Action":"fail","Package":"p"}`,
	}, "\n")
	var out bytes.Buffer
	if code := run(strings.NewReader(in), &out); code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	for _, want := range []string{"--- UNFINISHED: TestHang (p)\n    hang_test.go:9: waiting\n", "panic: test timed out after 1s\n", "0 passed, 1 failed, 0 skipped\n"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

// TestRaceInPassedTest: a race report attributed to a test that passed is
// shown (the tests that raced fail with only "race detected").
func TestRaceInPassedTest(t *testing.T) {
	in := strings.Join([]string{
		`{"Action":"output","Package":"p","Test":"TestA","Output":"==================\n"}`,
		`{"Action":"output","Package":"p","Test":"TestA","Output":"WARNING: DATA RACE\n"}`,
		`{"Action":"output","Package":"p","Test":"TestA","Output":"Write at 0x00c000 by goroutine 7:\n"}`,
		`{"Action":"pass","Package":"p","Test":"TestA"}`,
		`{"Action":"output","Package":"p","Test":"TestB","Output":"    testing.go:1712: race detected during execution of test\n"}`,
		`{"Action":"fail","Package":"p","Test":"TestB"}`,
		`{"Action":"fail","Package":"p"}`,
	}, "\n")
	var out bytes.Buffer
	if code := run(strings.NewReader(in), &out); code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	for _, want := range []string{"--- race report printed while TestA (p) ran:\n==================\nWARNING: DATA RACE\nWrite at", "1 passed, 1 failed, 0 skipped\n"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	return lines[len(lines)-1]
}
