package main

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// runQQControl runs the command tree in-process with the given control
// directory (and its parent as the qmail home).
func runQQControl(t *testing.T, controlDir string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	return runQQ(t, context.Background(), append([]string{"--qmail-dir", filepath.Dir(controlDir), "--control-dir", controlDir}, args...)...)
}

// TestControlKeepsOwner checks, as root, that edits keep a control file's
// owner, group and mode, and those of morercpthosts.cdb.
func TestControlKeepsOwner(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to give files another owner")
	}
	dir := filepath.Join(t.TempDir(), "control")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, content := range map[string]string{
		"badmailfrom":   "a@example.com\n",
		"rcpthosts":     "example.com\n",
		"morercpthosts": "more.example\n",
	} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(p, 1234, 5678); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, 0o640); err != nil {
			t.Fatal(err)
		}
	}
	if code, _, stderr := runQQControl(t, dir, "rcpthosts", "rebuild"); code != 0 {
		t.Fatalf("rebuild: %d %s", code, stderr)
	}
	cdbPath := filepath.Join(dir, "morercpthosts.cdb")
	os.Chown(cdbPath, 4321, 8765)
	os.Chmod(cdbPath, 0o604)

	for _, args := range [][]string{
		{"badmailfrom", "add", "b@example.com"},
		{"control", "set", "rcpthosts", "example.org"},
		{"rcpthosts", "add", "--more", "more2.example"},
	} {
		if code, _, stderr := runQQControl(t, dir, args...); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, stderr)
		}
	}
	for name, want := range map[string][3]uint32{
		"badmailfrom":       {1234, 5678, 0o640},
		"rcpthosts":         {1234, 5678, 0o640},
		"morercpthosts":     {1234, 5678, 0o640},
		"morercpthosts.cdb": {4321, 8765, 0o604},
	} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		st := fi.Sys().(*syscall.Stat_t)
		if got := [3]uint32{st.Uid, st.Gid, uint32(fi.Mode().Perm())}; got != want {
			t.Errorf("%s: owner/mode %d:%d %o, want %d:%d %o", name, got[0], got[1], got[2], want[0], want[1], want[2])
		}
	}
}

func TestVisible(t *testing.T) {
	for in, want := range map[string]string{
		"plain@example.com": "plain@example.com",
		"crlf\r":            `crlf\r`,
		"a\tb":              `a\tb`,
		"nul\x00":           `nul\x00`,
		"ünïcode":           "ünïcode",
	} {
		if got := visible(in); got != want {
			t.Errorf("visible(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestCheckExitCodes pins the documented exit codes of the check
// commands: 0 when every address matched, 1 otherwise.
func TestCheckExitCodes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "control")
	os.Mkdir(dir, 0o755)
	os.WriteFile(filepath.Join(dir, "badmailfrom"), []byte("@spam.example\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "rcpthosts"), []byte("example.com\n"), 0o644)
	for _, tt := range []struct {
		args []string
		code int
	}{
		{[]string{"badmailfrom", "check", "a@spam.example"}, 0},
		{[]string{"badmailfrom", "check", "a@spam.example", "a@ham.example"}, 1},
		{[]string{"rcpthosts", "check", "example.com"}, 0},
		{[]string{"rcpthosts", "check", "example.com", "example.org"}, 1},
		{[]string{"badmailfrom", "check"}, 2},
	} {
		if code, _, stderr := runQQControl(t, dir, tt.args...); code != tt.code {
			t.Errorf("%v: exit %d, want %d (%s)", tt.args, code, tt.code, stderr)
		}
	}
}
