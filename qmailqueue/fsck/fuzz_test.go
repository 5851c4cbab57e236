package fsck

import (
	"bytes"
	"fmt"
	"strconv"
	"testing"

	"github.com/qqmail/qq/qmailqueue"
)

// FuzzRecords: splitting into records and joining them again gives the
// input back; keepRecords keeps exactly the records of the given types,
// each NUL-terminated, and drops a trailing partial record.
func FuzzRecords(f *testing.F) {
	for _, s := range []string{"", "\x00", "Ta@b\x00Dc@d\x00", "Ta@b\x00Xjunk\x00Tpartial", "u0\x00p1\x00F\x00Tx\x00", "\x00\x00T"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		recs, partial := records(b)
		var joined []byte
		for _, r := range recs {
			joined = append(append(joined, r...), 0)
		}
		joined = append(joined, b[len(b)-partial:]...)
		if !bytes.Equal(joined, b) {
			t.Fatalf("records(%q) = %q, %d: does not join back", b, recs, partial)
		}
		kept := keepRecords(recs, "TD")
		again, p := records(kept)
		if p != 0 {
			t.Fatalf("keepRecords left a partial record: %q", kept)
		}
		n := 0
		for _, r := range recs {
			if len(r) > 0 && (r[0] == 'T' || r[0] == 'D') {
				if !bytes.Equal(again[n], r) {
					t.Fatalf("record %d: %q, want %q", n, again[n], r)
				}
				n++
			}
		}
		if n != len(again) {
			t.Fatalf("kept %d records, want %d", len(again), n)
		}
		if rcpts, problems := qmailqueue.ParseRecipients(kept, qmailqueue.ChannelRemote); len(problems) != 0 || len(rcpts) != n {
			t.Fatalf("the rewritten file does not parse cleanly: %v", problems)
		}
	})
}

// FuzzRecoverSender: a recovered sender makes an info file that qmail-send
// (and the reader) accept with that sender.
func FuzzRecoverSender(f *testing.F) {
	for _, s := range []string{"a@b.example\x00", "\x00", "Fa@b\x00", "a@b", "a\x00b\x00", "#@[]\x00", " x\x00"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		sender, ok := recoverSender(b)
		if !ok {
			return
		}
		info := append(append([]byte{'F'}, sender...), 0)
		got, err := qmailqueue.ParseInfo(info)
		if err != nil || got != sender {
			t.Fatalf("recovered %q from %q, info parses as %q, %v", sender, b, got, err)
		}
		if !bytes.Equal(append([]byte(sender), 0), b) {
			t.Fatalf("recovered %q is not the content of %q", sender, b)
		}
	})
}

// FuzzLockTable: any content parses without panic, and a line naming the
// inode is found.
func FuzzLockTable(f *testing.F) {
	f.Add([]byte("1: FLOCK  ADVISORY  WRITE 4711 08:02:1234567 0 EOF\n"), uint64(1234567))
	f.Add([]byte("2: -> FLOCK  ADVISORY  WRITE 12 fd:00:99 0 EOF\n"), uint64(99))
	f.Add([]byte("1: POSIX  ADVISORY  READ 1 00:1f:5 0 EOF\n"), uint64(6))
	f.Fuzz(func(t *testing.T, data []byte, ino uint64) {
		lockTableHas(data, ino)
		line := fmt.Sprintf("%s\n9: FLOCK  ADVISORY  WRITE 1 08:02:%d 0 EOF\n", data, ino)
		if !lockTableHas([]byte(line), ino) {
			t.Fatalf("inode %d not found in %q", ino, line)
		}
	})
}

// FuzzParseName: canonical names are exactly the decimal forms of uint64.
func FuzzParseName(f *testing.F) {
	for _, s := range []string{"0", "00", "123", "0123", "18446744073709551615", "18446744073709551616", "-1", "+1", "1a", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		v, canonical, ok := parseName(name)
		if !ok {
			return
		}
		if canonical != (strconv.FormatUint(v, 10) == name) {
			t.Fatalf("parseName(%q) = %d, canonical %v", name, v, canonical)
		}
		if u, err := strconv.ParseUint(name, 10, 64); err != nil || u != v {
			t.Fatalf("parseName(%q) = %d, ParseUint says %d, %v", name, v, u, err)
		}
	})
}
