package tai64n

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"testing/iotest"
	"time"

	"github.com/google/go-cmp/cmp"
)

func localizeString(t *testing.T, in string, format Formatter) string {
	t.Helper()
	var out bytes.Buffer
	if err := Localize(&out, strings.NewReader(in), format); err != nil {
		t.Fatalf("Localize: %v", err)
	}
	return out.String()
}

func TestLocalize(t *testing.T) {
	long := strings.Repeat("x", 300<<10)
	longHex := "@" + strings.Repeat("0", MaxLabelDigits) + "4000000037c219bf2ef02e94 too long\n"
	tests := []struct {
		name, in, want string
	}{
		{"label", "@4000000037c219bf2ef02e94 hello\n", "1999-08-24 04:04:05.787492500 hello\n"},
		{"no label", "hello\n\n", "hello\n\n"},
		{"label alone", "@4000000037c219bf2ef02e94\n", "1999-08-24 04:04:05.787492500\n"},
		{"upper case after digits", "@4000000037c219bf2ef02e94ABC\n", "1999-08-24 04:04:05.787492500ABC\n"},
		{"crlf", "@4000000037c219bf2ef02e94 a\r\nb\r\n", "1999-08-24 04:04:05.787492500 a\r\nb\r\n"},
		{"binary", "@4000000037c219bf2ef02e94\x00\xff\n\x00@\n", "1999-08-24 04:04:05.787492500\x00\xff\n\x00@\n"},
		{"last line without newline", "a\n@4000000037c219bf2ef02e94 end", "a\n1999-08-24 04:04:05.787492500 end"},
		// tai64nlocal prints nothing here; qq prints the time.
		{"bare label at end of input", "@4000000037c219bf2ef02e94", "1999-08-24 04:04:05.787492500"},
		{"extra leading digits", "@ff4000000037c219bf2ef02e94 x\n", "1999-08-24 04:04:05.787492500 x\n"},
		{"nanoseconds over 1e9", "@4000000037c219bfffffffff x\n", "1999-08-24 04:04:05.4294967295 x\n"},
		{"label later in the line", "x @4000000037c219bf2ef02e94\n", "x @4000000037c219bf2ef02e94\n"},
		// Lines on which daemontools' tai64nlocal crashes pass unchanged.
		{"not hex", "@zzzz\n", "@zzzz\n"},
		{"at sign alone", "@\n@", "@\n@"},
		{"short", "@37c219bf x\n", "@37c219bf x\n"},
		{"upper case label", "@4000000037C219BF2EF02E94 x\n", "@4000000037C219BF2EF02E94 x\n"},
		{"overflow", "@7fffffffffffffff00000000 x\n", "@7fffffffffffffff00000000 x\n"},
		{"too long a run", longHex, longHex},
		{"long line", "@4000000037c219bf2ef02e94 " + long + "\n" + long, "1999-08-24 04:04:05.787492500 " + long + "\n" + long},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := localizeString(t, tt.in, LocalFormatter(time.UTC))
			if got != tt.want {
				if len(got) > 200 || len(tt.want) > 200 {
					t.Fatalf("Localize: got %d bytes, want %d", len(got), len(tt.want))
				}
				t.Fatalf("Localize(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestLocalizeEpoch(t *testing.T) {
	in := "@4000000037c219bf2ef02e94 new msg 1\n@4000000037c219bfffffffff bad\n"
	want := "935467445.787492500 new msg 1\n@4000000037c219bfffffffff bad\n"
	if got := localizeString(t, in, Epoch); got != want {
		t.Errorf("Localize epoch:\n got %q\nwant %q", got, want)
	}
}

// TestLocalizeSmallReads feeds the filter one byte at a time, so labels and
// lines straddle every read boundary.
func TestLocalizeSmallReads(t *testing.T) {
	in := "@4000000037c219bf2ef02e94 a\n@zz\nplain\n@4000000037c219bf2ef02e94"
	want := localizeString(t, in, LocalFormatter(time.UTC))
	var out bytes.Buffer
	if err := Localize(&out, iotest.OneByteReader(strings.NewReader(in)), LocalFormatter(time.UTC)); err != nil {
		t.Fatal(err)
	}
	if out.String() != want {
		t.Errorf("one-byte reads: got %q, want %q", out.String(), want)
	}
}

// TestLocalizeFlushesBeforeRead checks that output is written before the
// filter waits for more input, as tai64nlocal does behind `tail -f`.
func TestLocalizeFlushesBeforeRead(t *testing.T) {
	pr, pw := io.Pipe()
	var out syncBuffer
	done := make(chan error, 1)
	go func() { done <- Localize(&out, pr, LocalFormatter(time.UTC)) }()
	if _, err := pw.Write([]byte("@4000000037c219bf2ef02e94 first\n")); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), "first") {
		if time.Now().After(deadline) {
			t.Fatal("first line not written while the filter waits for input")
		}
		time.Sleep(time.Millisecond)
	}
	pw.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestFilterErrors(t *testing.T) {
	boom := errors.New("boom")
	err := Localize(io.Discard, iotest.ErrReader(boom), LocalFormatter(time.UTC))
	if !errors.Is(err, boom) || !strings.HasPrefix(err.Error(), "read: ") {
		t.Errorf("read error = %v", err)
	}
	err = Localize(errWriter{boom}, strings.NewReader("a\n"), LocalFormatter(time.UTC))
	if !errors.Is(err, boom) || !strings.HasPrefix(err.Error(), "write: ") {
		t.Errorf("write error = %v", err)
	}
	err = Stamp(errWriter{boom}, strings.NewReader("a\nb\n"), time.Now)
	if !errors.Is(err, boom) || !strings.HasPrefix(err.Error(), "write: ") {
		t.Errorf("stamp write error = %v", err)
	}
}

func TestStamp(t *testing.T) {
	clock := time.Unix(935467445, 787492999)
	now := func() time.Time {
		clock = clock.Add(time.Second)
		return clock
	}
	var out bytes.Buffer
	if err := Stamp(&out, strings.NewReader("a\n\nlast"), now); err != nil {
		t.Fatal(err)
	}
	want := "@4000000037c219c02ef02e94 a\n@4000000037c219c12ef02e94 \n@4000000037c219c22ef02e94 last"
	if diff := cmp.Diff(want, out.String()); diff != "" {
		t.Errorf("Stamp (-want +got):\n%s", diff)
	}
}

// FuzzLocalize checks the filter's promises on any input: it never fails,
// every line gives a line, and a line is either unchanged or has its label
// replaced.
func FuzzLocalize(f *testing.F) {
	for _, s := range []string{
		"@4000000037c219bf2ef02e94 hello\n",
		"@zzzz\n",
		"@\n@4000000037c219bf2ef02e94",
		"plain\r\n\x00\xff\n",
		"@ffffffffffffffffffffffffffff x\n",
		"@4000000037c219bfffffffff\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got := localizeString(t, in, LocalFormatter(time.UTC))
		inLines := strings.SplitAfter(in, "\n")
		outLines := strings.SplitAfter(got, "\n")
		if len(inLines) != len(outLines) {
			t.Fatalf("%d lines in, %d lines out: %q -> %q", len(inLines), len(outLines), in, got)
		}
		for i, line := range inLines {
			out := outLines[i]
			if out == line {
				continue
			}
			if line == "" || line[0] != '@' {
				t.Fatalf("line %q without a label changed to %q", line, out)
			}
			n := 1
			for n < len(line) && (line[n] >= '0' && line[n] <= '9' || line[n] >= 'a' && line[n] <= 'f') {
				n++
			}
			rest := line[n:]
			if !strings.HasSuffix(out, rest) {
				t.Fatalf("line %q became %q, which does not end with %q", line, out, rest)
			}
			stamp, ok := DecodeHex([]byte(line[1:n])).AppendLocal(nil, time.UTC)
			if !ok || string(stamp)+rest != out {
				t.Fatalf("line %q became %q, want %q", line, out, string(stamp)+rest)
			}
		}
	})
}

type errWriter struct{ err error }

func (w errWriter) Write([]byte) (int, error) { return 0, w.err }

// syncBuffer is a bytes.Buffer safe for one writer and one reader goroutine.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
