package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "qmail")
	var stderr strings.Builder
	code := run([]string{"-count", "30", "-seed", "3", "-split", "5", "-now", "2026-11-22T12:00:00Z", dir}, &stderr)
	if code != exitOK {
		t.Fatalf("exit %d, stderr %q", code, stderr.String())
	}
	if !regexp.MustCompile(`^qq-sample: 30 messages \(6 flood, [0-9]+ bouncing, 1 not preprocessed\), [0-9.]+ MB in .*/queue \([0-9.]+s\)\n$`).MatchString(stderr.String()) {
		t.Errorf("summary %q", stderr.String())
	}
	for _, p := range []string{"queue/mess/4", "queue/lock/trigger", "control/me", "control/locals"} {
		if _, err := os.Lstat(filepath.Join(dir, p)); err != nil {
			t.Error(err)
		}
	}
	if _, err := os.Lstat(filepath.Join(dir, "queue/mess/5")); err == nil {
		t.Error("-split 5 made mess/5")
	}

	// A second run refuses the non-empty queue.
	stderr.Reset()
	if code := run([]string{"-count", "1", dir}, &stderr); code != exitError {
		t.Errorf("second run: exit %d", code)
	}
	if got := stderr.String(); !strings.HasSuffix(got, "queue exists and is not empty; refusing to add a sample to it\n") || strings.Count(got, "\n") != 1 {
		t.Errorf("second run: stderr %q", got)
	}
}

func TestRunUsage(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"a", "b"},
		{"-count", "-1", "x"},
		{"-split", "0", "x"},
		{"-now", "yesterday", "x"},
		{"-no-such-flag", "x"},
	} {
		var stderr strings.Builder
		if code := run(args, &stderr); code != exitUsage {
			t.Errorf("run(%q) = %d, want %d; stderr %q", args, code, exitUsage, stderr.String())
		}
		if !strings.Contains(stderr.String(), "qq-sample") {
			t.Errorf("run(%q): stderr %q", args, stderr.String())
		}
	}
	var stderr strings.Builder
	if code := run([]string{"-help"}, &stderr); code != exitOK || !strings.Contains(stderr.String(), "usage: qq-sample") {
		t.Errorf("-help: exit %d, stderr %q", code, stderr.String())
	}
}
