// Package tai64ntest generates multilog-style input for tests that compare
// qq's timestamp filters with daemontools' tai64nlocal and tai64n.
package tai64ntest

import (
	"bufio"
	"io"
	"math/rand/v2"

	"github.com/qqmail/qq/tai64n"
)

// safeSec bounds the seconds of generated labels: every zone prints them
// (the year stays far inside what the C library's localtime accepts).
const safeSec = 60_000_000_000_000_000

// Write writes lines lines of test input to w, drawn from seed. Every line
// is one on which daemontools' tai64nlocal gives output (it crashes on
// malformed labels, so none are generated): labels of every era (negative
// years, years past 2^31), nanosecond fields of 1e9 and more, labels longer
// than 24 digits, labels ended by a tab, an upper-case letter, a binary byte
// or the newline, lines without a label, empty lines, CRLF, NUL and high
// bytes, and one line in 10000 of 64 to 320 kilobytes. If noFinalNewline is
// set the last line has no newline (it always carries text after its label,
// since tai64nlocal prints nothing for a bare label at the end of input).
func Write(w io.Writer, lines int, seed uint64, noFinalNewline bool) error {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	bw := bufio.NewWriterSize(w, 64<<10)
	var line []byte
	for i := range lines {
		line = appendLine(line[:0], r)
		last := i == lines-1
		if last && noFinalNewline {
			if len(line) > 0 && line[0] == '@' {
				line = appendLabel(line[:0], r)
				line = append(line, " final line without newline"...)
			}
			line = append(line, "no newline"...)
		} else {
			line = append(line, '\n')
		}
		if _, err := bw.Write(line); err != nil {
			return err
		}
	}
	return bw.Flush()
}

var texts = []string{
	"status: local 0/10 remote 3/20",
	"new msg 9995400",
	"info msg 9995400: bytes 2840 from <alice@example.com> qp 31337 uid 89",
	"starting delivery 17: msg 9995400 to remote bob@example.net",
	"delivery 17: deferral: Connected_to_192.0.2.7_but_greeting_failed./Remote_host_said:_421_busy/",
	"delivery 18: success: did_0+0+1/",
	"delivery 19: failure: Sorry,_no_mailbox_here_by_that_name._(#5.1.1)/",
	"end msg 9995400",
	"tcpserver: status: 3/40",
	"multiple   spaces\tand\ttabs",
	"unicode: h\u00e9llo w\u00f6rld \u2603",
	"",
}

func appendLine(dst []byte, r *rand.Rand) []byte {
	if r.IntN(10000) == 0 { // a very long line, with or without a label
		if r.IntN(2) == 0 {
			dst = appendLabel(dst, r)
			dst = append(dst, ' ')
		}
		n := 64<<10 + r.IntN(256<<10)
		for range n {
			dst = append(dst, byte('a'+r.IntN(26)))
		}
		return dst
	}
	switch k := r.IntN(100); {
	case k < 55: // an ordinary multilog line
		dst = appendLabel(dst, r)
		dst = append(dst, ' ')
		return append(dst, texts[r.IntN(len(texts))]...)
	case k < 65: // a label ended by something other than a space
		dst = appendLabel(dst, r)
		switch r.IntN(6) {
		case 0:
			return append(dst, '\t', 'x')
		case 1:
			return append(dst, "ABC upper case ends the digits"...)
		case 2:
			return append(dst, 0xff, 0x00, 0x80, ' ', 'b', 'i', 'n')
		case 3:
			return append(dst, '\r') // CRLF line
		case 4:
			return append(dst, "@4000000037c219bf2ef02e94 second label"...)
		default:
			return dst // the label alone
		}
	case k < 75: // a line without a label
		switch r.IntN(6) {
		case 0:
			return dst
		case 1:
			return append(dst, "plain line\r"...)
		case 2:
			return append(dst, 0x00, 0x01, 0xfe, 0xff, 'z')
		case 3:
			return append(dst, " @4000000037c219bf2ef02e94 label not at the start"...)
		default:
			return append(dst, texts[r.IntN(len(texts))]...)
		}
	default: // labels of every era and shape
		dst = appendOddLabel(dst, r)
		return append(dst, " era"...)
	}
}

// appendLabel appends a well-formed label between 1990 and 2040.
func appendLabel(dst []byte, r *rand.Rand) []byte {
	l := tai64n.Label{Sec: 631152000 + r.Int64N(1577836800), Nano: uint32(r.IntN(1e9))}
	return l.AppendTAI64N(dst)
}

// appendOddLabel appends a label that tai64nlocal still prints: any era,
// nanoseconds beyond 1e9, extra leading digits.
func appendOddLabel(dst []byte, r *rand.Rand) []byte {
	var l tai64n.Label
	switch r.IntN(5) {
	case 0:
		l.Sec = r.Int64N(2*safeSec) - safeSec
	case 1:
		l.Sec = r.Int64N(1<<33) - 1<<32 // around 1970 and 2038/2106
	case 2:
		l.Sec = -62167219200 + r.Int64N(1<<40) // from year 0
	default:
		l.Sec = r.Int64N(1 << 34)
	}
	if r.IntN(4) == 0 {
		l.Nano = uint32(1e9 + r.Int64N(1<<32-1e9))
	} else {
		l.Nano = uint32(r.IntN(1e9))
	}
	if r.IntN(3) == 0 {
		// Extra leading digits: tai64nlocal shifts them out.
		dst = append(dst, '@')
		for range 1 + r.IntN(40) {
			dst = append(dst, "0123456789abcdef"[r.IntN(16)])
		}
		return append(dst, l.AppendTAI64N(nil)[1:]...)
	}
	return l.AppendTAI64N(dst)
}
