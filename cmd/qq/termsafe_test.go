package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/qqmail/qq/qmailqueue/queuetest"
)

// Hostile bytes a sender controls: OSC 0 sets the window title, OSC 52
// writes the clipboard, CSI 2J clears the screen, 0x9b is the one-byte C1
// CSI, and \xeb\xeb\xeb is not UTF-8.
const (
	evilSubject = "\x1b]0;pwned\x07 Invoice \u009b2J"
	evilBody    = "Dear user,\n\x1b]52;c;cm0gLXJmIH4=\x07\tpay\x1b[2J now\x7f\n"
)

// hostileQueue builds a queue with one message carrying evilSubject and
// evilBody, and a Received line that once panicked qq top --by helo.
func hostileQueue(t *testing.T) (queueDir string, id string) {
	t.Helper()
	b := queuetest.NewT(t, queuetest.Options{Split: 3})
	n, err := b.Add(queuetest.Message{
		Sender:     "spam@evil.example",
		Recipients: []queuetest.Recipient{{Addr: "victim@example.net", Remote: true}},
		Header:     "Received: from (\xeb\xeb\xebhelo=\nSubject: " + evilSubject + "\nX-Bytes: a\xeb\xebb\n",
		Body:       []byte(evilBody),
		Birth:      time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC),
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.Dir(), strconv.FormatUint(n, 10)
}

// onTerminal and piped run qq with standard output a terminal (the
// QQ_FORCE_TTY switch) or not; colour is off in both.
func onTerminal(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	return runQQEnv(t, context.Background(), map[string]string{"TZ": "UTC", "NO_COLOR": "1", "QQ_FORCE_TTY": "1", "QQ_NOW": "2026-11-22T12:00:00Z"}, args...)
}

func piped(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	return runQQEnv(t, context.Background(), map[string]string{"TZ": "UTC", "NO_COLOR": "1", "QQ_NOW": "2026-11-22T12:00:00Z"}, args...)
}

// noControls fails if out holds a byte a terminal would act on (tab and
// newline aside) or invalid UTF-8.
func noControls(t *testing.T, what, out string) {
	t.Helper()
	for i, r := range out {
		if r == '\t' || r == '\n' {
			continue
		}
		if r < 0x20 || r == 0x7f || r >= 0x80 && r <= 0x9f || r == 0xfffd && !strings.HasPrefix(out[i:], "\ufffd") {
			t.Fatalf("%s: byte %q at %d reaches the terminal:\n%s", what, out[i:i+1], i, out)
		}
	}
}

func TestHostileTextOnTerminal(t *testing.T) {
	dir, id := hostileQueue(t)

	code, out, errOut := onTerminal(t, "--queue", dir, "show", "--body", id)
	if code != 0 {
		t.Fatalf("show: exit %d: %s", code, errOut)
	}
	noControls(t, "show --body", out)
	for _, want := range []string{
		"  Subject: " + `\x1b]0;pwned\x07 Invoice \u009b2J` + "\n",
		"  X-Bytes: " + `a\xeb\xebb` + "\n",
		"Body (decoded text parts):\nDear user,\n" + `\x1b]52;c;cm0gLXJmIH4=\x07` + "\tpay" + `\x1b[2J now\x7f` + "\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("show --body on a terminal: no %q in\n%s", want, out)
		}
	}

	// Piped, the body is byte for byte the message's.
	code, out, _ = piped(t, "--queue", dir, "show", "--body", id)
	if code != 0 || !strings.Contains(out, "Body (decoded text parts):\n"+evilBody) {
		t.Errorf("show --body piped: exit %d, body not verbatim:\n%q", code, out)
	}
	// --raw is the file, terminal or not.
	mess, err := os.ReadFile(filepath.Join(dir, "mess", "0", id))
	if err != nil {
		matches, _ := filepath.Glob(filepath.Join(dir, "mess", "*", id))
		if len(matches) != 1 {
			t.Fatal(err)
		}
		mess, _ = os.ReadFile(matches[0])
	}
	if _, out, _ := onTerminal(t, "--queue", dir, "show", "--raw", id); out != string(mess) {
		t.Errorf("show --raw on a terminal is not the file:\n%q\n%q", out, mess)
	}
	// JSON escapes as encoding/json does (C0 controls as \u00XX; C1
	// characters stay UTF-8), and decodes to the exact bytes.
	_, out, _ = onTerminal(t, "--queue", dir, "show", "--format", "json", id)
	if strings.ContainsAny(out, "\x1b\x07") {
		t.Errorf("show --format json holds raw controls:\n%q", out)
	}
	var v struct{ Headers struct{ Subject string } }
	if err := json.Unmarshal([]byte(out), &v); err != nil || v.Headers.Subject != evilSubject {
		t.Errorf("JSON subject %q, %v; want %q", v.Headers.Subject, err, evilSubject)
	}

	// Listings on a terminal: the table and the plain lines.
	for _, format := range []string{"table", "plain"} {
		code, out, errOut = onTerminal(t, "--queue", dir, "list", "--headers", "--format", format)
		if code != 0 {
			t.Fatalf("list --format %s: exit %d: %s", format, code, errOut)
		}
		noControls(t, "list --format "+format, out)
		if !strings.Contains(out, `\x1b]0;pwned\x07 Invoice \u009b2J`) {
			t.Errorf("list --format %s: subject not shown escaped:\n%s", format, out)
		}
	}

	// top: the subject escaped; the Received line that panicked heloIn
	// gives a HELO group, and exit 0.
	code, out, errOut = onTerminal(t, "--queue", dir, "top", "--by", "subject")
	noControls(t, "top --by subject", out)
	if code != 0 || !strings.Contains(out, `\x1b]0;pwned\x07 Invoice \u009b2J`) {
		t.Errorf("top --by subject: exit %d, %s\n%s", code, errOut, out)
	}
	for _, by := range []string{"helo", "ip"} {
		code, out, errOut = onTerminal(t, "--queue", dir, "top", "--by", by)
		noControls(t, "top --by "+by, out)
		if code != 0 {
			t.Errorf("top --by %s: exit %d, %s\n%s", by, code, errOut, out)
		}
	}
}

func TestHostileLogOnTerminal(t *testing.T) {
	log := filepath.Join(t.TempDir(), "current")
	lines := "@400000006b0187cf00000000 new msg 1001\n" +
		"@400000006b0187cf00000000 info msg 1001: bytes 185 from <\x1b]0;x\x07@evil.example> qp 4243 uid 0\n" +
		"@400000006b018a22000001f4 starting delivery 7: msg 1001 to remote v@example.net\n" +
		"@400000006b018a22000001f4 delivery 7: failure: 550_\x1b[2J\x9bgone/\n" +
		"@400000006b018a22000001f4 end msg 1001\n"
	if err := os.WriteFile(log, []byte(lines), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"log", log}, {"log", "summary", log}, {"log", "trace", "1001", log}} {
		code, out, errOut := onTerminal(t, args...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errOut)
		}
		noControls(t, strings.Join(args, " "), out)
		if !strings.Contains(out, `\x1b[2J\x9bgone`) {
			t.Errorf("%v: the failure text is not shown escaped:\n%s", args, out)
		}
	}
	// Piped, qq log keeps the log's bytes after the readable stamp.
	_, out, _ := piped(t, "log", log)
	if !strings.Contains(out, "delivery 7: failure: 550_\x1b[2J\x9bgone/\n") {
		t.Errorf("qq log piped changed the line:\n%q", out)
	}
}

func TestHostileControlOnTerminal(t *testing.T) {
	qmail := t.TempDir()
	if err := os.Mkdir(filepath.Join(qmail, "control"), 0o755); err != nil {
		t.Fatal(err)
	}
	entry := "@evil\x1b]0;x\x07.example"
	if err := os.WriteFile(filepath.Join(qmail, "control", "badmailfrom"), []byte(entry+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"control", "get", "badmailfrom"}, {"badmailfrom", "list"}, {"control", "show"}} {
		_, out, errOut := onTerminal(t, append([]string{"--qmail-dir", qmail}, args...)...)
		noControls(t, strings.Join(args, " "), out+errOut)
		if !strings.Contains(out, `@evil\x1b]0;x\x07.example`) {
			t.Errorf("%v: the entry is not shown escaped:\n%s", args, out)
		}
	}
	// A script reading the value through a pipe gets the bytes.
	if _, out, _ := piped(t, "--qmail-dir", qmail, "control", "get", "badmailfrom"); out != entry+"\n" {
		t.Errorf("control get piped = %q, want %q", out, entry+"\n")
	}
}

// Error messages quote paths and values; on a terminal their control bytes
// are escaped too.
func TestErrorsEscapedOnTerminal(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "q\x1b[2J")
	code, _, errOut := onTerminal(t, "--queue", dir, "list")
	if code == 0 || !strings.HasPrefix(errOut, "qq: ") || !strings.Contains(errOut, `q\x1b[2J`) {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
	noControls(t, "stderr", errOut)
	if _, _, errOut := piped(t, "--queue", dir, "list"); !strings.Contains(errOut, "q\x1b[2J") {
		t.Errorf("piped stderr %q: the path is not verbatim", errOut)
	}
}
