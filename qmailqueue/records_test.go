package qmailqueue

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestParseTodo(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		want     Envelope
		problems []string
	}{
		{
			name: "spec example",
			in:   "u65534\x00p18709\x00Fsender@remote.test\x00Tuser@remote.test\x00Ttest@local.test\x00",
			want: Envelope{UID: "65534", HasUID: true, QP: "18709", HasQP: true, Sender: "sender@remote.test", HasSender: true,
				Recipients: []string{"user@remote.test", "test@local.test"}},
		},
		{
			name: "null sender",
			in:   "u0\x00p1\x00F\x00Ta@b\x00",
			want: Envelope{UID: "0", HasUID: true, QP: "1", HasQP: true, HasSender: true, Recipients: []string{"a@b"}},
		},
		{
			name:     "partial trailing record ignored",
			in:       "u0\x00p1\x00Fs@x\x00Ta@b\x00Tc@",
			want:     Envelope{UID: "0", HasUID: true, QP: "1", HasQP: true, Sender: "s@x", HasSender: true, Recipients: []string{"a@b"}},
			problems: []string{"trailing partial record of 3 bytes ignored"},
		},
		{
			name:     "unknown record type",
			in:       "u0\x00Fs@x\x00Xjunk\x00Ta@b\x00",
			want:     Envelope{UID: "0", HasUID: true, Sender: "s@x", HasSender: true, Recipients: []string{"a@b"}},
			problems: []string{`unknown record type 'X'`},
		},
		{
			name:     "empty",
			in:       "",
			problems: []string{"no F (sender) record"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, problems := ParseTodo([]byte(tt.in))
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("envelope (-want +got):\n%s", d)
			}
			if d := cmp.Diff(tt.problems, problems); d != "" {
				t.Errorf("problems (-want +got):\n%s", d)
			}
		})
	}
}

func TestParseInfo(t *testing.T) {
	tests := []struct {
		in, want string
		wantErr  bool
	}{
		{in: "Fsender@remote.test\x00", want: "sender@remote.test"},
		{in: "F\x00", want: ""},
		{in: "F#@[]\x00", want: "#@[]"},
		{in: "", wantErr: true},
		{in: "Fno-nul", wantErr: true},
		{in: "Tx@y\x00", wantErr: true},
	}
	for _, tt := range tests {
		got, err := ParseInfo([]byte(tt.in))
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ParseInfo(%q) = %q, %v; want %q, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestParseRecipients(t *testing.T) {
	// The example of docs/queue.md §3.5: 2 of 3 deliveries succeeded.
	in := "Dgood@remote.test\x00Tdefer1@remote.test\x00Dgood2@remote.test\x00"
	got, problems := ParseRecipients([]byte(in), ChannelRemote)
	want := []Recipient{
		{Address: "good@remote.test", Channel: ChannelRemote, Done: true},
		{Address: "defer1@remote.test", Channel: ChannelRemote},
		{Address: "good2@remote.test", Channel: ChannelRemote, Done: true},
	}
	if d := cmp.Diff(want, got); d != "" || problems != nil {
		t.Errorf("(-want +got):\n%s\nproblems %q", d, problems)
	}

	got, problems = ParseRecipients([]byte("Ta@b\x00Qzz\x00\x00Dc@d\x00Te"), ChannelLocal)
	want = []Recipient{{Address: "a@b", Channel: ChannelLocal}, {Address: "c@d", Channel: ChannelLocal, Done: true}}
	wantProblems := []string{`unknown record type 'Q'`, "empty record", "trailing partial record of 2 bytes ignored"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	if d := cmp.Diff(wantProblems, problems); d != "" {
		t.Errorf("problems (-want +got):\n%s", d)
	}
}

func TestParseBounce(t *testing.T) {
	in := "<nosuchbox@local.test>:\nSorry, no mailbox here by that name. (#5.1.1)\n\n<test@local.test>:\nSorry, no mailbox here by that name. (#5.1.1)\n/second line\n\n"
	got, problems := ParseBounce([]byte(in))
	want := []BounceReport{
		{Recipient: "nosuchbox@local.test", Text: "Sorry, no mailbox here by that name. (#5.1.1)"},
		{Recipient: "test@local.test", Text: "Sorry, no mailbox here by that name. (#5.1.1)\n/second line"},
	}
	if d := cmp.Diff(want, got); d != "" || problems != nil {
		t.Errorf("(-want +got):\n%s\nproblems %q", d, problems)
	}
	_, problems = ParseBounce([]byte("garbage\n\n<a@b>:\ntext\n"))
	if len(problems) != 2 {
		t.Errorf("problems = %q, want a bad paragraph and an unterminated one", problems)
	}
}

// The parsers must never panic, whatever the bytes.
func FuzzParseTodo(f *testing.F) {
	f.Add([]byte("u65534\x00p18709\x00Fsender@remote.test\x00Tuser@remote.test\x00"))
	f.Add([]byte("F\x00T"))
	f.Fuzz(func(t *testing.T, b []byte) {
		env, _ := ParseTodo(b)
		for _, r := range env.Recipients {
			if !bytes.Contains(b, append(append([]byte{'T'}, r...), 0)) {
				t.Fatalf("recipient %q is not a T record of the input", r)
			}
		}
		if env.HasSender && !bytes.Contains(b, append(append([]byte{'F'}, env.Sender...), 0)) {
			t.Fatalf("sender %q is not an F record of the input", env.Sender)
		}
		// Round trip: the envelope written back as records parses the same.
		var w []byte
		if env.HasUID {
			w = append(append(append(w, 'u'), env.UID...), 0)
		}
		if env.HasQP {
			w = append(append(append(w, 'p'), env.QP...), 0)
		}
		if env.HasSender {
			w = append(append(append(w, 'F'), env.Sender...), 0)
		}
		for _, r := range env.Recipients {
			w = append(append(append(w, 'T'), r...), 0)
		}
		if again, _ := ParseTodo(w); !cmp.Equal(again, env) {
			t.Fatalf("%q parsed as %+v, written back as %q, parsed again as %+v", b, env, w, again)
		}
	})
}

func FuzzParseInfo(f *testing.F) {
	f.Add([]byte("Fsender@remote.test\x00"))
	f.Add([]byte("F"))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := ParseInfo(b)
		if err != nil {
			return
		}
		rec := append(append([]byte{'F'}, s...), 0)
		if !bytes.HasPrefix(b, rec) || strings.IndexByte(s, 0) >= 0 {
			t.Fatalf("sender %q is not the first F record of %q", s, b)
		}
		if again, err := ParseInfo(rec); err != nil || again != s {
			t.Fatalf("info written back as %q parses as %q, %v", rec, again, err)
		}
	})
}

func FuzzParseRecipients(f *testing.F) {
	f.Add([]byte("Dgood@remote.test\x00Tdefer1@remote.test\x00"))
	f.Add([]byte("\x00\x00X"))
	f.Fuzz(func(t *testing.T, b []byte) {
		rcpts, _ := ParseRecipients(b, ChannelRemote)
		n := 0
		for _, r := range rcpts {
			n += len(r.Address) + 2
		}
		if n > len(b) {
			t.Fatalf("recipients take %d bytes of %d", n, len(b))
		}
		// Round trip: the recipients written back as T and D records, as
		// qmail-send writes them, parse the same and cleanly.
		var w []byte
		for _, r := range rcpts {
			typ := byte('T')
			if r.Done {
				typ = 'D'
			}
			w = append(append(append(w, typ), r.Address...), 0)
		}
		again, problems := ParseRecipients(w, ChannelRemote)
		if len(problems) != 0 || !cmp.Equal(again, rcpts, cmpopts.EquateEmpty()) {
			t.Fatalf("%q parsed as %+v, written back as %q, parsed again as %+v %v", b, rcpts, w, again, problems)
		}
	})
}

func FuzzParseBounce(f *testing.F) {
	f.Add([]byte("<a@b>:\nSorry. (#5.1.1)\n\n"))
	f.Add([]byte("<>:\n\n\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		reports, _ := ParseBounce(b)
		for _, r := range reports {
			if len(r.Recipient)+len(r.Text) > len(b) {
				t.Fatalf("report larger than input")
			}
		}
		// Round trip: the reports written back as qmail-send writes a
		// bounce file parse the same, without problems.
		var w strings.Builder
		for _, r := range reports {
			w.WriteString("<" + r.Recipient + ">:\n")
			if r.Text != "" {
				w.WriteString(r.Text + "\n")
			}
			w.WriteString("\n")
		}
		again, problems := ParseBounce([]byte(w.String()))
		if len(problems) != 0 || !cmp.Equal(again, reports, cmpopts.EquateEmpty()) {
			t.Fatalf("%q parsed as %+v, written back as %q, parsed again as %+v %v", b, reports, w.String(), again, problems)
		}
	})
}
