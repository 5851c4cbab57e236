package tai64n

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"time"
)

// bufferSize is the size of the read and write buffers of the filters. It
// also bounds the memory a filter uses, whatever the length of the lines.
const bufferSize = 64 << 10

// MaxLabelDigits is the longest run of hex digits after an '@' that
// [Localize] decodes. daemontools' tai64nlocal reads any number of digits
// (only the last 24 count); to stay in bounded memory Localize passes a line
// with a longer run through unchanged.
const MaxLabelDigits = bufferSize - 2

// A Formatter appends the readable form of a label to dst, or reports false
// to leave the line it starts unchanged.
type Formatter func(dst []byte, l Label) ([]byte, bool)

// LocalFormatter returns a Formatter that prints labels as daemontools'
// tai64nlocal does in the zone loc ([Label.AppendLocal]). It remembers the
// last second it formatted, so it is fast on log files, and it must not be
// used by two goroutines at once.
func LocalFormatter(loc *time.Location) Formatter {
	var (
		lastSec int64
		lastOK  bool
		prefix  []byte // "YYYY-MM-DD HH:MM:SS." of lastSec
		valid   bool
	)
	return func(dst []byte, l Label) ([]byte, bool) {
		if !valid || l.Sec != lastSec {
			var ok bool
			prefix, ok = Label{Sec: l.Sec}.AppendLocal(prefix[:0], loc)
			if ok {
				prefix = prefix[:len(prefix)-9] // drop the zero nanoseconds
			}
			lastSec, lastOK, valid = l.Sec, ok, true
		}
		if !lastOK {
			return dst, false
		}
		dst = append(dst, prefix...)
		return appendNano(dst, l.Nano), true
	}
}

// Epoch is a Formatter that prints labels as fractional Unix seconds
// ([Label.AppendEpoch]), the input qmailanalog expects.
func Epoch(dst []byte, l Label) ([]byte, bool) { return l.AppendEpoch(dst) }

// Localize copies r to w line by line, as daemontools' tai64nlocal does:
// when a line starts with '@' followed by a run of lower-case hex digits, the
// '@' and the digits are replaced by format's rendering of the label they
// spell ([DecodeHex]), and the rest of the line, from the first character
// that is not a digit, follows unchanged. Every other line is copied
// unchanged.
//
// Where tai64nlocal would crash (a run that spells no printable time: too
// short, upper case, overflowing, or any '@' line that is not a label), or
// where format declines, the line is copied unchanged instead. Where the
// input ends right after the digits, tai64nlocal prints nothing for that
// line; Localize prints the converted time without a newline. A run longer
// than [MaxLabelDigits] is copied unchanged. Every input line gives one
// output line; memory use does not depend on the length of lines.
//
// Like tai64nlocal, Localize flushes its output before each read of r, so it
// can sit in a pipe behind `tail -f`. It returns nil at the end of r.
func Localize(w io.Writer, r io.Reader, format Formatter) error {
	bw := bufio.NewWriterSize(w, bufferSize)
	fr := &flushingReader{r: r, w: bw}
	br := bufio.NewReaderSize(fr, bufferSize)
	var out []byte
	for {
		first, err := br.Peek(1)
		if err != nil {
			return finish(bw, err)
		}
		if first[0] == '@' {
			n, err := hexRun(br)
			if err != nil && !errors.Is(err, io.EOF) {
				return finish(bw, err)
			}
			if n > 0 && n <= MaxLabelDigits {
				b, _ := br.Peek(1 + n)
				var ok bool
				out, ok = format(out[:0], DecodeHex(b[1:]))
				if ok {
					if _, err := bw.Write(out); err != nil {
						return writeError(err)
					}
					if _, err := br.Discard(1 + n); err != nil {
						return finish(bw, err)
					}
				}
			}
		}
		if err := copyLine(bw, br); err != nil {
			return finish(bw, err)
		}
	}
}

// hexRun returns the number of lower-case hex digits that follow the '@' at
// the start of br's buffer, reading more input as needed. It returns
// MaxLabelDigits+1 when the run is longer than MaxLabelDigits, and io.EOF
// (with the count) when the input ends inside the run.
func hexRun(br *bufio.Reader) (int, error) {
	n := 0
	for {
		want := 1 + n + 1 // '@', the digits so far, and one more byte
		b, err := br.Peek(max(want, br.Buffered()))
		for 1+n < len(b) {
			if _, ok := hexValue(b[1+n]); !ok {
				return n, nil
			}
			n++
			if n > MaxLabelDigits {
				return n, nil
			}
		}
		if err != nil {
			if errors.Is(err, bufio.ErrBufferFull) {
				return MaxLabelDigits + 1, nil
			}
			return n, err
		}
	}
}

// copyLine copies the rest of the current line, newline included, from br to
// w, in pieces no larger than the buffer.
func copyLine(w *bufio.Writer, br *bufio.Reader) error {
	for {
		b, err := br.ReadSlice('\n')
		if _, werr := w.Write(b); werr != nil {
			return writeError(werr)
		}
		switch {
		case err == nil:
			return nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF):
			return nil
		default:
			return err
		}
	}
}

// Stamp copies r to w, putting before each line the TAI64N label of the
// moment its first byte was read, and a space, as daemontools' tai64n does.
// The labels have daemontools' resolution ([StampLabel]). A last line
// without a newline is stamped and copied without one. Output is flushed
// before each read of r. It returns nil at the end of r.
func Stamp(w io.Writer, r io.Reader, now func() time.Time) error {
	bw := bufio.NewWriterSize(w, bufferSize)
	fr := &flushingReader{r: r, w: bw}
	br := bufio.NewReaderSize(fr, bufferSize)
	var stamp []byte
	for {
		if _, err := br.Peek(1); err != nil {
			return finish(bw, err)
		}
		stamp = append(StampLabel(now()).AppendTAI64N(stamp[:0]), ' ')
		if _, err := bw.Write(stamp); err != nil {
			return writeError(err)
		}
		if err := copyLine(bw, br); err != nil {
			return finish(bw, err)
		}
	}
}

// StampLabel returns the label daemontools' tai64n and multilog write for t:
// they read the clock with gettimeofday, so the nanoseconds are the
// microseconds times 1000 plus 500 (libtai's taia_now).
func StampLabel(t time.Time) Label {
	return Label{Sec: t.Unix(), Nano: uint32(t.Nanosecond()/1000*1000 + 500)}
}

// flushingReader flushes the pending output before every read, so that a
// filter never holds output while it waits for input.
type flushingReader struct {
	r io.Reader
	w *bufio.Writer
}

func (f *flushingReader) Read(p []byte) (int, error) {
	if f.w.Buffered() > 0 {
		if err := f.w.Flush(); err != nil {
			return 0, writeError(err)
		}
	}
	return f.r.Read(p)
}

// errWrite marks errors from the output side.
type errWrite struct{ err error }

func (e *errWrite) Error() string { return "write: " + e.err.Error() }
func (e *errWrite) Unwrap() error { return e.err }

func writeError(err error) error {
	var we *errWrite
	if errors.As(err, &we) {
		return err
	}
	return &errWrite{err: err}
}

// finish ends a filter: at the end of the input it flushes the output and
// returns nil; any other error is returned, labelled read or write.
func finish(bw *bufio.Writer, err error) error {
	if errors.Is(err, io.EOF) {
		if ferr := bw.Flush(); ferr != nil {
			return writeError(ferr)
		}
		return nil
	}
	var we *errWrite
	if errors.As(err, &we) {
		return err
	}
	return fmt.Errorf("read: %w", err)
}
