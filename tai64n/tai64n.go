// Package tai64n parses and formats TAI64 and TAI64N labels, the timestamps
// that daemontools' multilog and tai64n put at the start of log lines
// (https://cr.yp.to/libtai/tai64.html, https://cr.yp.to/daemontools/tai64n.html).
//
// A TAI64 label is 2^62 + 10 + the Unix time in seconds, written as 16
// lower-case hex digits; a TAI64N label adds 8 hex digits of nanoseconds.
// Both are written after an '@' in logs: @4000000037c219bf2ef02e94. The
// "+ 10" is the daemontools convention shared by tai64nlocal and tai64nfrac
// (qlogtools' tai64n2tai does not apply it); leap seconds are ignored, as the
// Go time package and Debian's default zone files ignore them.
//
// The package never consults the local time zone: functions that print
// readable times take a *time.Location.
//
// Besides the strict parsers it offers the stream filters behind
// `qq tai64nlocal` and `qq tai64n`: [Localize] replaces the label at the start
// of each line the way daemontools' tai64nlocal does, and [Stamp] prefixes
// each line with the current time the way daemontools' tai64n does.
package tai64n

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// Offset is the TAI64 label of the Unix epoch in the daemontools convention:
// 2^62 + 10.
const Offset uint64 = 1<<62 + 10

// Label is a decoded TAI64N label. Sec counts seconds since the Unix epoch
// (the label's seconds minus [Offset]); Nano is the nanosecond field, below
// 1e9 in every well-formed label.
type Label struct {
	Sec  int64
	Nano uint32
}

// ErrSyntax is wrapped by the errors of [Parse], [ParseTAI64N] and
// [ParseTAI64] when the text is not a label.
var ErrSyntax = errors.New("not a tai64n label")

// FromTime returns the label of t, with nanosecond precision.
func FromTime(t time.Time) Label {
	return Label{Sec: t.Unix(), Nano: uint32(t.Nanosecond())}
}

// Time returns the instant l names. The result is in UTC; a Nano of 1e9 or
// more (possible only in malformed labels) carries into the seconds.
func (l Label) Time() time.Time {
	return time.Unix(l.Sec, int64(l.Nano)).UTC()
}

// TAI64 returns the 64-bit TAI64 value of l's seconds.
func (l Label) TAI64() uint64 { return uint64(l.Sec) + Offset }

// Before reports whether l is earlier than m.
func (l Label) Before(m Label) bool {
	return l.Sec < m.Sec || l.Sec == m.Sec && l.Nano < m.Nano
}

// IsZero reports whether l is the zero Label (the Unix epoch).
func (l Label) IsZero() bool { return l == Label{} }

const hexDigits = "0123456789abcdef"

// AppendTAI64N appends l as an external TAI64N label, '@' and 24 lower-case
// hex digits, the form multilog writes.
func (l Label) AppendTAI64N(dst []byte) []byte {
	dst = append(dst, '@')
	dst = appendHex(dst, l.TAI64(), 16)
	return appendHex(dst, uint64(l.Nano), 8)
}

// AppendTAI64 appends l's seconds as an external TAI64 label, '@' and 16
// lower-case hex digits.
func (l Label) AppendTAI64(dst []byte) []byte {
	dst = append(dst, '@')
	return appendHex(dst, l.TAI64(), 16)
}

// String returns l as an external TAI64N label, "@4000…".
func (l Label) String() string { return string(l.AppendTAI64N(nil)) }

// Local returns l as tai64nlocal prints it in loc ([Label.AppendLocal]),
// or as the label itself ([Label.String]) when it has no such time.
func (l Label) Local(loc *time.Location) string {
	b, ok := l.AppendLocal(nil, loc)
	if !ok {
		return l.String()
	}
	return string(b)
}

func appendHex(dst []byte, v uint64, digits int) []byte {
	for i := digits - 1; i >= 0; i-- {
		dst = append(dst, hexDigits[v>>(uint(i)*4)&0xf])
	}
	return dst
}

// Parse parses an external TAI64N label (24 hex digits) or TAI64 label (16
// hex digits), with or without the leading '@'. Digits must be lower case, as
// daemontools writes them, and the nanosecond field must be below 1e9.
func Parse(s string) (Label, error) {
	b := s
	if len(b) > 0 && b[0] == '@' {
		b = b[1:]
	}
	switch len(b) {
	case 24:
		return parseFixed(s, b, true)
	case 16:
		return parseFixed(s, b, false)
	}
	return Label{}, syntaxError(s)
}

// ParseTAI64N parses exactly '@' followed by 24 lower-case hex digits, the
// label at the start of a multilog line. It does not allocate unless it
// fails.
func ParseTAI64N(b []byte) (Label, error) {
	if len(b) != 25 || b[0] != '@' {
		return Label{}, syntaxError(string(b))
	}
	return parseFixed(b, b[1:], true)
}

// ParseTAI64 parses exactly '@' followed by 16 lower-case hex digits.
func ParseTAI64(b []byte) (Label, error) {
	if len(b) != 17 || b[0] != '@' {
		return Label{}, syntaxError(string(b))
	}
	return parseFixed(b, b[1:], false)
}

func parseFixed[T string | []byte](whole, digits T, withNano bool) (Label, error) {
	var sec uint64
	for i := range 16 {
		v, ok := hexValue(digits[i])
		if !ok {
			return Label{}, syntaxError(string(whole))
		}
		sec = sec<<4 | uint64(v)
	}
	var nano uint64
	if withNano {
		for i := 16; i < 24; i++ {
			v, ok := hexValue(digits[i])
			if !ok {
				return Label{}, syntaxError(string(whole))
			}
			nano = nano<<4 | uint64(v)
		}
		if nano >= 1e9 {
			return Label{}, fmt.Errorf("%w: nanoseconds %d out of range in %s", ErrSyntax, nano, quoteShort(string(whole)))
		}
	}
	return Label{Sec: int64(sec - Offset), Nano: uint32(nano)}, nil
}

// hexTable maps a byte to its value as a lower-case hex digit, or 0xff.
var hexTable = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	for i, c := range hexDigits {
		t[c] = byte(i)
	}
	return t
}()

func hexValue(c byte) (byte, bool) {
	v := hexTable[c]
	return v, v != 0xff
}

func syntaxError(s string) error {
	return fmt.Errorf("%w: %s", ErrSyntax, quoteShort(s))
}

// quoteShort quotes s for an error message, cut to a readable length.
func quoteShort(s string) string {
	const max = 40
	if len(s) > max {
		return strconv.Quote(s[:max]) + "…"
	}
	return strconv.Quote(s)
}

// DecodeHex decodes a run of lower-case hex digits the way daemontools'
// tai64nlocal does, whatever its length: the last 8 digits (or all of them,
// if there are fewer) are the nanoseconds, and the digits before them, cut to
// their last 16, are the TAI64 seconds. digits must hold only [0-9a-f]. The
// result is meaningful only for well-formed labels; [Label.AppendLocal]
// decides whether tai64nlocal would print it.
func DecodeHex(digits []byte) Label {
	var sec, nano uint64
	for _, c := range digits {
		v, _ := hexValue(c)
		// tai64nlocal.c: secs <<= 4; secs += nanosecs >> 28;
		// nanosecs &= 0xfffffff; nanosecs <<= 4; nanosecs += u;
		sec = sec<<4 + nano>>28
		nano = (nano&0xfffffff)<<4 + uint64(v)
	}
	return Label{Sec: int64(sec - Offset), Nano: uint32(nano)}
}

// PackedSize is the size of a TAI64N label in its packed, binary form.
const PackedSize = 12

// UnpackTAI64N decodes the first 12 bytes of b, a TAI64N label in its packed
// form (8 bytes of big-endian TAI64 seconds, then 4 of big-endian
// nanoseconds), as supervise writes it into supervise/status. It rejects
// seconds outside [2^62, 2^63) and nanoseconds of 1e9 or more, with an
// error wrapping [ErrSyntax]. b must hold at least [PackedSize] bytes.
func UnpackTAI64N(b []byte) (Label, error) {
	secs := binary.BigEndian.Uint64(b[0:8])
	nanos := binary.BigEndian.Uint32(b[8:12])
	if secs < 1<<62 || secs >= 1<<63 {
		return Label{}, packedError(fmt.Sprintf("timestamp %016x is not a TAI64 label", secs))
	}
	if nanos >= 1e9 {
		return Label{}, packedError(fmt.Sprintf("timestamp has %d nanoseconds", nanos))
	}
	return Label{Sec: int64(secs - Offset), Nano: nanos}, nil
}

// AppendPacked appends l in its packed form, as [UnpackTAI64N] reads it.
func (l Label) AppendPacked(dst []byte) []byte {
	dst = binary.BigEndian.AppendUint64(dst, l.TAI64())
	return binary.BigEndian.AppendUint32(dst, l.Nano)
}

// packedError is an error of UnpackTAI64N: its message says what is wrong
// without repeating ErrSyntax's text, and it wraps ErrSyntax.
type packedError string

func (e packedError) Error() string { return string(e) }
func (e packedError) Unwrap() error { return ErrSyntax }

// maxLocalSec bounds the seconds handed to the time package: beyond it the
// year cannot be printed by tai64nlocal anyway (see AppendLocal), and the
// time package's arithmetic could overflow.
const maxLocalSec = 1 << 57

// AppendLocal appends l in tai64nlocal's format, "YYYY-MM-DD HH:MM:SS." and
// the nanoseconds in at least 9 digits, in the zone loc. It reports false,
// appending nothing, when daemontools' tai64nlocal could not print l because
// the C library's localtime fails: the year minus 1900 must fit in a C int.
// Within that range the output is byte for byte what tai64nlocal prints in
// the same zone, including its quirks: a Nano of 1e9 or more prints as is, in
// ten digits; a year beyond 2^31-1 or below 0 prints as the C expression
// (unsigned long)(1900 + tm_year) does; and after the year 5,881,580 the
// daylight-saving rules are applied as glibc's overflowing arithmetic applies
// them (see glibcRulesOverflow).
func (l Label) AppendLocal(dst []byte, loc *time.Location) ([]byte, bool) {
	if l.Sec > maxLocalSec || l.Sec < -maxLocalSec {
		return dst, false
	}
	t := time.Unix(l.Sec, 0)
	if glibcRulesOverflow(int64(t.UTC().Year())) {
		t = t.In(time.FixedZone("", farOffset(loc)))
	} else {
		t = t.In(loc)
	}
	year, month, day := t.Date()
	if !yearFitsTm(year) {
		return dst, false
	}
	hour, min, sec := t.Clock()
	dst = appendYear(dst, year)
	dst = append(dst, '-')
	dst = append2(dst, int(month))
	dst = append(dst, '-')
	dst = append2(dst, day)
	dst = append(dst, ' ')
	dst = append2(dst, hour)
	dst = append(dst, ':')
	dst = append2(dst, min)
	dst = append(dst, ':')
	dst = append2(dst, sec)
	dst = append(dst, '.')
	return appendNano(dst, l.Nano), true
}

// glibcRulesOverflow reports whether glibc's compute_change (tzset.c)
// overflows a C int when it applies a zone's daylight-saving rule (the POSIX
// TZ string at the end of the zone file) to the UTC year year: the number of
// days from 1970 to the year is computed in an int, and 1900 + tm_year
// itself wraps past 2^31-1. Either way the rule's change times land far
// before the instant, so glibc stays in standard time in northern zones and
// in daylight-saving time in southern ones ([farOffset]) after the year
// 5,881,580.
func glibcRulesOverflow(year int64) bool {
	y := int64(int32(year)) // 1900 + tm->tm_year, an int
	if y != year {
		return true
	}
	if y <= 1970 {
		return false
	}
	days := (y-1970)*365 + ((y-1)/4 - 1970/4) - ((y-1)/100 - 1970/100) + ((y-1)/400 - 1970/400)
	return days > 1<<31-1
}

// farOffset is the UTC offset glibc's localtime uses in loc for the years
// where [glibcRulesOverflow]: that of January 1st in a year that zone files
// reach only through their daylight-saving rule, standard time in the north
// and summer time in the south.
func farOffset(loc *time.Location) int {
	_, offset := time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC).In(loc).Zone()
	return offset
}

// yearFitsTm reports whether glibc's localtime can represent year: it fails
// with EOVERFLOW unless year - 1900 fits in tm_year, a C int.
func yearFitsTm(year int) bool {
	y := int64(year) - 1900
	return y >= -1<<31 && y <= 1<<31-1
}

// appendYear prints the year as tai64nlocal does: fmt_ulong(1900 +
// t->tm_year), an int sum (wrapping past 2^31-1) converted to unsigned long.
func appendYear(dst []byte, year int) []byte {
	return strconv.AppendUint(dst, uint64(int64(int32(int64(year)))), 10)
}

func append2(dst []byte, v int) []byte {
	return append(dst, byte('0'+v/10), byte('0'+v%10))
}

// appendNano prints at least nine digits, zero-padded (fmt_uint0(…, 9)).
func appendNano(dst []byte, nano uint32) []byte {
	var buf [10]byte
	b := strconv.AppendUint(buf[:0], uint64(nano), 10)
	for i := len(b); i < 9; i++ {
		dst = append(dst, '0')
	}
	return append(dst, b...)
}

// AppendEpoch appends l as seconds since the Unix epoch, a dot and nine
// digits of nanoseconds, the fractional form qmailanalog reads (as produced
// by tai64nfrac, but always zero-padded so that it is a correct decimal
// fraction). It reports false, appending nothing, when Nano is 1e9 or more or
// when l is outside the range [Label.AppendLocal] accepts in UTC.
func (l Label) AppendEpoch(dst []byte) ([]byte, bool) {
	if l.Nano >= 1e9 || l.Sec > maxLocalSec || l.Sec < -maxLocalSec {
		return dst, false
	}
	if !yearFitsTm(time.Unix(l.Sec, 0).UTC().Year()) {
		return dst, false
	}
	sec, nano := l.Sec, l.Nano
	if sec < 0 && nano > 0 {
		// -1 s + 500 ns is -0.999999500 s.
		dst = append(dst, '-')
		sec, nano = -(sec + 1), 1e9-nano
	}
	dst = strconv.AppendInt(dst, sec, 10)
	dst = append(dst, '.')
	return appendNano(dst, nano), true
}
