package qmailqueue

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func TestQreadWriter(t *testing.T) {
	birth := time.Date(2026, 3, 7, 9, 5, 3, 0, time.UTC)
	var b bytes.Buffer
	w := NewQreadWriter(&b)
	msgs := []*Message{
		{ID: 12, Birth: birth, Size: 340, Sender: "a\x1b@x.example", Bouncing: true, Recipients: []Recipient{
			{Address: "r@remote.example", Channel: ChannelRemote},
			{Address: "l@local.example", Channel: ChannelLocal, Done: true},
		}, Problems: []Problem{{File: "remote/1/12", Msg: "access denied", Errno: unix.EACCES}}},
		{ID: 13, Problems: []Problem{{File: "info/1/13", Msg: "no such file", Errno: unix.ENOENT}}},
	}
	for _, m := range msgs {
		if err := w.Write(m); err != nil {
			t.Fatal(err)
		}
	}
	want := "7 Mar 2026 09:05:03 GMT  #12  340  <a_@x.example>  bouncing\n" +
		"  done\tlocal\tl@local.example\n" +
		"\tremote\tr@remote.example\n" +
		"warning: trouble with #12: access denied\n" +
		"warning: trouble with #13: no such file\n"
	if b.String() != want {
		t.Errorf("got\n%q\nwant\n%q", b.String(), want)
	}
}

func TestQreadFatal(t *testing.T) {
	dir := "/var/qmail/queue"
	var b bytes.Buffer
	w := NewQreadWriter(&b)
	err := fmt.Errorf("scan: %w", &os.PathError{Op: "open", Path: filepath.Join(dir, "info", "3"), Err: unix.EACCES})
	if err := w.Fatal(dir, err); err != nil {
		t.Fatal(err)
	}
	if err := w.Fatal(dir, fmt.Errorf("other")); err != nil {
		t.Fatal(err)
	}
	if want := "fatal: unable to opendir info/3: " + ErrorString(unix.EACCES) + "\n"; b.String() != want {
		t.Errorf("got %q, want %q", b.String(), want)
	}
}

func TestWriteQstat(t *testing.T) {
	var b bytes.Buffer
	if err := WriteQstat(&b, 7, 2); err != nil {
		t.Fatal(err)
	}
	if want := "messages in queue: 7\nmessages in queue but not yet preprocessed: 2\n"; b.String() != want {
		t.Errorf("got %q, want %q", b.String(), want)
	}
}
