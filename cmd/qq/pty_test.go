//go:build linux

package main

// These tests run qq (this test binary, started as "qq" like the scripts
// do) on a pseudo-terminal, as a person at 80 or 160 columns sees it: the
// tables' widths, the pager, colour, and ^C at a prompt and during a
// change. The pseudo-terminal is opened with x/sys/unix (a dozen lines,
// see openPTY) rather than a new dependency.

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/qqmail/qq/cmd/internal/cmdutil"
	"github.com/qqmail/qq/cmd/internal/columns"
	"github.com/qqmail/qq/qmailqueue/queuetest"
	"golang.org/x/sys/unix"
)

// openPTY opens a pseudo-terminal pair of the given size.
func openPTY(t *testing.T, cols, rows int) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY|syscall.O_CLOEXEC, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	if err := unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatalf("unlockpt: %v", err)
	}
	n, err := unix.IoctlGetInt(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatalf("ptsname: %v", err)
	}
	s, err := os.OpenFile("/dev/pts/"+strconv.Itoa(n), os.O_RDWR|syscall.O_NOCTTY|syscall.O_CLOEXEC, 0)
	if err != nil {
		t.Fatalf("open slave: %v", err)
	}
	if err := unix.IoctlSetWinsize(int(s.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Col: uint16(cols), Row: uint16(rows)}); err != nil {
		t.Fatalf("set size: %v", err)
	}
	return m, s
}

// ptyRun is qq running on a pseudo-terminal.
type ptyRun struct {
	cmd    *exec.Cmd
	master *os.File
	mu     sync.Mutex
	out    bytes.Buffer
	read   chan struct{} // closed when the terminal has no more output
}

// startPTY starts qq with args on a new terminal of cols columns, as the
// session leader with the terminal as its controlling terminal (so ^C
// reaches it as SIGINT). env is added to a minimal environment.
func startPTY(t *testing.T, cols int, env []string, args ...string) *ptyRun {
	t.Helper()
	master, slave := openPTY(t, cols, 40)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := &exec.Cmd{Path: exe, Args: append([]string{"qq"}, args...), Stdin: slave, Stdout: slave, Stderr: slave,
		Env: append([]string{"PATH=" + os.Getenv("PATH"), "TERM=xterm", "TZ=UTC", "LANG=C.UTF-8",
			"QQ_NOW=2026-11-22T12:00:00Z", "GORACE=atexit_sleep_ms=0"}, env...),
		SysProcAttr: &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	slave.Close()
	r := &ptyRun{cmd: cmd, master: master, read: make(chan struct{})}
	go func() {
		defer close(r.read)
		buf := make([]byte, 32<<10)
		for {
			n, err := master.Read(buf)
			r.mu.Lock()
			r.out.Write(buf[:n])
			r.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		master.Close()
	})
	return r
}

// output is what the terminal showed so far, with the terminal's \r\n
// turned into \n.
func (r *ptyRun) output() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.ReplaceAll(r.out.String(), "\r\n", "\n")
}

// waitFor waits until the terminal shows s.
func (r *ptyRun) waitFor(t *testing.T, s string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(r.output(), s) {
		if time.Now().After(deadline) {
			t.Fatalf("the terminal never showed %q; it shows:\n%s", s, r.output())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// wait waits for qq to exit and returns its exit code and all it showed.
func (r *ptyRun) wait(t *testing.T) (int, string) {
	t.Helper()
	err := r.cmd.Wait()
	select {
	case <-r.read:
	case <-time.After(5 * time.Second):
	}
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return code, r.output()
}

// runPTY runs qq on a terminal of cols columns to the end.
func runPTY(t *testing.T, cols int, env []string, args ...string) (int, string) {
	t.Helper()
	return startPTY(t, cols, env, args...).wait(t)
}

// ptyQueue builds a queue whose table needs cutting: long addresses and
// subjects in Japanese, with emoji, and a bouncing message.
func ptyQueue(t *testing.T) string {
	t.Helper()
	b := queuetest.NewT(t, queuetest.Options{})
	birth := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	for _, m := range []queuetest.Message{
		{Sender: "newsletter-bounces+very-long-tag@lists.marketing.example.org",
			Recipients: []queuetest.Recipient{{Addr: "someone.with.a.long.name@customer.example.com", Remote: true}},
			Header:     "Subject: 日本語の件名がとても長いのでここで切られるはずです\n"},
		{Sender: "alice@example.com", Recipients: []queuetest.Recipient{{Addr: "bob@example.net", Remote: true}},
			Header: "Subject: Party 🎉🎉🎉 this weekend, and a subject long enough to be cut at any width\n"},
		{Sender: "alice@example.com", Recipients: []queuetest.Recipient{{Addr: "carol@example.org", Remote: true}},
			Header: "Subject: bounced\n", Bounce: "carol@example.org: 550 no such user\n"},
	} {
		m.Birth = birth
		if _, err := b.Add(m); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Dir(b.Dir())
}

// checkFits fails if a line of out is wider than cols.
func checkFits(t *testing.T, out string, cols int) {
	t.Helper()
	for _, line := range strings.Split(ansiRE.ReplaceAllString(out, ""), "\n") {
		if w := columns.Width(line); w > cols {
			t.Errorf("line is %d cells wide on a %d-column terminal: %q", w, cols, line)
		}
	}
}

func TestPTYListFits(t *testing.T) {
	qmail := ptyQueue(t)
	for _, cols := range []int{80, 160} {
		t.Run(strconv.Itoa(cols), func(t *testing.T) {
			code, out := runPTY(t, cols, []string{"NO_COLOR=1"}, "--qmail-dir", qmail, "list", "--headers", "--no-pager")
			if code != 0 {
				t.Fatalf("exit %d:\n%s", code, out)
			}
			checkFits(t, out, cols)
			if !strings.Contains(out, "…") {
				t.Errorf("no cell was cut with …:\n%s", out)
			}
			if !strings.HasSuffix(out, "3 messages\n") {
				t.Errorf("no footer line:\n%s", out)
			}
			header := strings.Split(out, "\n")[1]
			switch cols {
			case 80:
				// QUEUED, then SUBJECT go first; sender and recipients share the rest.
				if strings.Contains(header, "QUEUED") || strings.Contains(header, "SUBJECT") {
					t.Errorf("at 80 columns QUEUED and SUBJECT should be hidden: %q", header)
				}
				if !strings.Contains(out, "│ <newsletter-bo… │ someone.with.a… │") {
					t.Errorf("the long sender is not cut to its column:\n%s", out)
				}
			case 160:
				if !strings.Contains(header, "QUEUED") || !strings.Contains(header, "SUBJECT") {
					t.Errorf("at 160 columns every column fits: %q", header)
				}
				// SUBJECT gets 33 cells: 16 wide characters and the ellipsis.
				if !strings.Contains(out, "│ 日本語の件名がとても長いのでここ… │") {
					t.Errorf("the Japanese subject is not cut by display width:\n%s", out)
				}
				if !strings.Contains(out, "│ Party 🎉🎉🎉 this weekend, and a… │") {
					t.Errorf("the emoji subject is not cut by display width:\n%s", out)
				}
			}
			if strings.Contains(out, "\x1b[") {
				t.Errorf("NO_COLOR is set, yet the output has escape codes:\n%q", out)
			}
		})
	}
}

func TestPTYWideAndPipes(t *testing.T) {
	qmail := ptyQueue(t)
	code, out := runPTY(t, 80, []string{"NO_COLOR=1"}, "--qmail-dir", qmail, "list", "--headers", "--no-pager", "--wide")
	if code != 0 || strings.Contains(out, "…") || !strings.Contains(out, "QUEUED") {
		t.Errorf("--wide cut or hid something (exit %d):\n%s", code, out)
	}
	// A pipe gets the tab-separated lines, no table, no colour, no pager,
	// whatever the terminal settings say.
	cmd := exec.Command(mustExecutable(t), "--qmail-dir", qmail, "list", "--color", "always")
	cmd.Args[0] = "qq"
	cmd.Env = []string{"QQ_PAGER=echo PAGER", "COLUMNS=40", "TZ=UTC"}
	pipe, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	if bytes.ContainsAny(pipe, "│…\x1b") || bytes.Contains(pipe, []byte("PAGER")) || bytes.Count(pipe, []byte("\t")) < 6*3 {
		t.Errorf("piped output is not plain tab-separated lines:\n%s", pipe)
	}
}

func mustExecutable(t *testing.T) string {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return exe
}

func TestPTYColour(t *testing.T) {
	qmail := ptyQueue(t)
	for _, c := range []struct {
		name   string
		env    []string
		args   []string
		colour bool
	}{
		{"auto on a terminal", nil, nil, true},
		{"NO_COLOR", []string{"NO_COLOR=1"}, nil, false},
		{"NO_COLOR=0 still means no colour", []string{"NO_COLOR=0"}, nil, false},
		{"--color never", nil, []string{"--color", "never"}, false},
		{"--color always beats NO_COLOR", []string{"NO_COLOR=1"}, []string{"--color", "always"}, true},
		{"TERM=dumb", []string{"TERM=dumb"}, nil, false},
		{"JSON never", nil, []string{"--format", "json", "--color", "always"}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			args := append([]string{"--qmail-dir", qmail, "list", "--no-pager"}, c.args...)
			code, out := runPTY(t, 120, c.env, args...)
			if code != 0 {
				t.Fatalf("exit %d:\n%s", code, out)
			}
			// The bouncing message's flags are yellow.
			yellowB := regexp.MustCompile(`\x1b\[33mR?B\x1b\[0m`)
			if got := strings.Contains(out, "\x1b["); got != c.colour {
				t.Errorf("escape codes present = %v, want %v:\n%q", got, c.colour, out)
			}
			if c.colour && !yellowB.MatchString(out) {
				t.Errorf("the bouncing flag is not yellow:\n%q", out)
			}
		})
	}
	// Services: up green, down red.
	code, out := runPTY(t, 120, nil, "--qmail-dir", qmail, "svc", "status", "--color", "always", t.TempDir())
	if !strings.Contains(out, "\x1b[") {
		t.Errorf("svc status has no colour (exit %d):\n%q", code, out)
	}
}

func TestPTYPager(t *testing.T) {
	qmail := ptyQueue(t)
	pager := []string{"QQ_PAGER=echo PAGER-START; cat", "NO_COLOR=1"}
	code, out := runPTY(t, 80, pager, "--qmail-dir", qmail, "list")
	if code != 0 || !strings.HasPrefix(out, "PAGER-START\n┌") || !strings.Contains(out, "3 messages") {
		t.Errorf("the listing did not go through $QQ_PAGER (exit %d):\n%s", code, out)
	}
	if _, out := runPTY(t, 80, pager, "--qmail-dir", qmail, "list", "--no-pager"); strings.Contains(out, "PAGER-START") {
		t.Errorf("--no-pager still paged:\n%s", out)
	}
	if _, out := runPTY(t, 80, append(pager[1:], "PAGER=echo PAGER-START; cat"), "--qmail-dir", qmail, "list"); !strings.HasPrefix(out, "PAGER-START") {
		t.Errorf("$PAGER is not used:\n%s", out)
	}
}

// TestPTYPagerQuits: a pager that quits before reading everything ends qq
// quietly with exit 0, as git does.
func TestPTYPagerQuits(t *testing.T) {
	dir := t.TempDir()
	if _, err := queuetest.Sample(filepath.Join(dir, "queue"), queuetest.SampleOptions{Count: 2000, NoLargeMessage: true, Now: time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	code, out := runPTY(t, 160, []string{"QQ_PAGER=head -n 3", "NO_COLOR=1"}, "--qmail-dir", dir, "list", "--headers")
	if code != 0 || strings.Contains(out, "qq:") || strings.Count(out, "\n") != 3 {
		t.Errorf("exit %d, want 0 and the pager's 3 lines only:\n%s", code, out)
	}
}

// queueFiles lists every file under the queue, for "nothing changed".
func queueFiles(t *testing.T, queue string) string {
	var b strings.Builder
	filepath.Walk(queue, func(path string, fi os.FileInfo, err error) error {
		if err == nil {
			fmt.Fprintf(&b, "%s %v %d\n", path, fi.Mode(), fi.Size())
		}
		return nil
	})
	return b.String()
}

func TestPTYPromptInterrupt(t *testing.T) {
	qmail := ptyQueue(t)
	before := queueFiles(t, filepath.Join(qmail, "queue"))
	r := startPTY(t, 80, []string{"NO_COLOR=1"}, "--qmail-dir", qmail, "rm", "--sender", "alice@example.com", "--no-svc")
	r.waitFor(t, "Remove these 2 messages? [y/N] ")
	r.master.Write([]byte{3}) // ^C, as the terminal's intr character
	code, out := r.wait(t)
	if code != cmdutil.ExitInterrupted {
		t.Errorf("exit %d, want %d:\n%s", code, cmdutil.ExitInterrupted, out)
	}
	if !strings.HasSuffix(out, "qq: interrupted; nothing changed\n") {
		t.Errorf("no word that nothing changed:\n%s", out)
	}
	if after := queueFiles(t, filepath.Join(qmail, "queue")); after != before {
		t.Errorf("the queue changed:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	if _, err := os.Stat(filepath.Join(qmail, "qq-quarantine")); err == nil {
		t.Errorf("a quarantine was made")
	}
}

// TestPTYChangeInterrupt presses ^C while qq rm removes messages: qq ends
// with one line saying how far it got, exit 130, the progress bar never
// says done, and exactly the messages it counts are gone.
func TestPTYChangeInterrupt(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a queue of 3000 messages")
	}
	dir := t.TempDir()
	const total = 3000
	if _, err := queuetest.Sample(filepath.Join(dir, "queue"), queuetest.SampleOptions{Count: total, NoLargeMessage: true, Now: time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	r := startPTY(t, 120, []string{"NO_COLOR=1"}, "--qmail-dir", dir, "rm", "ALL", "--yes", "--no-svc", "--no-quarantine")
	r.waitFor(t, "removing")
	r.master.Write([]byte{3})
	code, out := r.wait(t)
	if strings.Contains(out, "removed 3000 of 3000") {
		t.Skip("the removal ended before ^C arrived")
	}
	if code != cmdutil.ExitInterrupted {
		t.Errorf("exit %d, want %d:\n%s", code, cmdutil.ExitInterrupted, out)
	}
	if strings.Contains(out, "done!") || strings.Contains(out, "context canceled") {
		t.Errorf("an interrupted change must not say done! or context canceled:\n%s", out)
	}
	m := regexp.MustCompile(`(?m)^qq rm: interrupted after (\d+) of 3000 messages; the rest untouched\n\z`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no interruption line at the end:\n%s", out)
	}
	removed, _ := strconv.Atoi(m[1])
	infos, _ := filepath.Glob(filepath.Join(dir, "queue", "info", "*", "*"))
	todos, _ := filepath.Glob(filepath.Join(dir, "queue", "todo", "*"))
	if left := len(infos) + len(todos); left != total-removed {
		t.Errorf("%d messages left, want %d - %d", left, total, removed)
	}
}

// TestPTYWarningsAfterPager: a warning given while the pager shows the
// output (here an interrupted quarantine run found while listing) is said
// once the pager is closed, not drawn into its screen.
func TestPTYWarningsAfterPager(t *testing.T) {
	qmail := ptyQueue(t)
	run := filepath.Join(qmail, "qq-quarantine", "20261122T120000Z-1")
	if err := os.MkdirAll(run, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(run, "4242"), []byte("Subject: kept\n\nbody\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	pager := []string{"QQ_PAGER=echo PAGER-START; cat; echo PAGER-END", "NO_COLOR=1"}
	code, out := runPTY(t, 120, pager, "--qmail-dir", qmail, "quarantine", "list")
	end, warning := strings.Index(out, "PAGER-END"), strings.Index(out, "qq: warning: quarantine ")
	if code != 0 || !strings.HasPrefix(out, "PAGER-START") || end < 0 || warning < end || !strings.Contains(out, "20261122T120000Z-1/4242") {
		t.Errorf("exit %d; want the listing through the pager, then the warning:\n%s", code, out)
	}
}
