package sendlog

import (
	"bytes"
	"strconv"
	"strings"
	"time"

	"github.com/qqmail/qq/tai64n"
)

// Kind says what a log line reports.
type Kind uint8

// The kinds of qmail-send log lines (docs/queue.md §9; qmail-send.c).
const (
	KindOther         Kind = iota // a line qmail-send does not write, or a malformed one
	KindNewMsg                    // new msg ID
	KindInfoMsg                   // info msg ID: bytes N from <SENDER> qp PID uid UID
	KindStartDelivery             // starting delivery N: msg ID to local|remote RECIPIENT
	KindDelivery                  // delivery N: success|deferral|failure: TEXT
	KindBounceMsg                 // bounce msg ID qp PID
	KindTripleBounce              // triple bounce: discarding bounce/ID
	KindEndMsg                    // end msg ID
	KindStatus                    // status: local L/LMAX remote R/RMAX [exitasap], or status: exiting
	KindWarning                   // warning: TEXT
	KindAlert                     // alert: TEXT
)

var kindNames = [...]string{
	KindOther:         "other",
	KindNewMsg:        "new_msg",
	KindInfoMsg:       "info_msg",
	KindStartDelivery: "starting_delivery",
	KindDelivery:      "delivery",
	KindBounceMsg:     "bounce_msg",
	KindTripleBounce:  "triple_bounce",
	KindEndMsg:        "end_msg",
	KindStatus:        "status",
	KindWarning:       "warning",
	KindAlert:         "alert",
}

// String returns the kind's snake_case name ("new_msg", "delivery", …).
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// Outcome is the result of one delivery attempt.
type Outcome uint8

// Delivery outcomes, as qmail-send logs them. qmail-send turns a deferral
// into a failure in a message's last pass (docs/queue.md §5.3).
const (
	OutcomeNone     Outcome = iota // no result (yet)
	OutcomeSuccess                 // delivered; the recipient is done
	OutcomeDeferral                // temporary failure; retried later
	OutcomeFailure                 // permanent failure; the recipient goes into the bounce
)

var outcomeNames = [...]string{OutcomeNone: "", OutcomeSuccess: "success", OutcomeDeferral: "deferral", OutcomeFailure: "failure"}

// String returns "success", "deferral", "failure", or "" for OutcomeNone.
func (o Outcome) String() string {
	if int(o) < len(outcomeNames) {
		return outcomeNames[o]
	}
	return "outcome(" + strconv.Itoa(int(o)) + ")"
}

// ParseOutcome parses the name of an outcome.
func ParseOutcome(s string) (Outcome, bool) {
	for o, name := range outcomeNames {
		if name != "" && name == s {
			return Outcome(o), true
		}
	}
	return OutcomeNone, false
}

// Event is one parsed log line. Which fields are set depends on Kind; the
// others are zero. Message IDs and delivery numbers are never 0 in qmail's
// log, so 0 means "none".
type Event struct {
	Stamp    tai64n.Label // when the line was logged, if HasStamp
	HasStamp bool
	Kind     Kind

	Msg      uint64 // the message ID: new, info, starting, bounce, triple, end; warnings naming a queue file
	Delivery uint64 // the delivery number: starting, delivery

	Bytes  uint64 // info: size of the message file
	Sender string // info: envelope sender, without the angle brackets ("" for a bounce)
	QP     uint64 // info: pid of the qmail-queue that queued it; bounce: of the one that queued the bounce
	UID    uint64 // info: uid of the qmail-queue caller

	Channel   string // starting: "local" or "remote"
	Recipient string // starting: the recipient address as delivered

	Outcome Outcome // delivery
	Mangled bool    // delivery: "report mangled, will defer" (counted as a deferral, as matchup does)
	Text    string  // delivery: the report; warning, alert: the message; status: what follows "status: "

	LocalBusy, LocalMax   int  // status: deliveries running and allowed, local channel
	RemoteBusy, RemoteMax int  // status: the same for the remote channel
	ExitASAP              bool // status: qmail-send is stopping ("exitasap")
	Exiting               bool // status: exiting (qmail-send ended; delivery numbers restart)

	Line string // the whole line, without its time stamp and newline
}

// Time returns the event's time stamp as a time.Time, or the zero Time.
func (e *Event) Time() time.Time {
	if !e.HasStamp {
		return time.Time{}
	}
	return e.Stamp.Time()
}

// Parser parses log lines. Its zero value is ready to use and reads
// tai64nlocal-style times as UTC. A Parser must not be used by two
// goroutines at once.
type Parser struct {
	// Location is the zone of lines stamped with readable local times
	// ("2024-05-01 10:00:00.123456789 new msg 1", as tai64nlocal prints
	// them). Nil means UTC.
	Location *time.Location

	interned map[string]string // status lines seen
}

// Parse parses one line, with or without its newline. It never fails:
// a line it does not recognise is a KindOther event whose Line is the text
// after the time stamp. Recognised time stamps are a TAI64N label
// (multilog, tai64n), a tai64nlocal time (in p.Location) and fractional
// Unix seconds (tai64nfrac, accustamp).
func (p *Parser) Parse(line []byte) Event {
	line = bytes.TrimSuffix(line, []byte("\n"))
	var e Event
	rest := line
	if stamp, n, ok := p.parseStamp(line); ok {
		e.Stamp, e.HasStamp, rest = stamp, true, line[n:]
	}
	e.Line = p.text(rest)
	parseBody(&e, e.Line)
	return e
}

// maxInterned bounds the status lines a Parser keeps.
const maxInterned = 4096

// text returns b as a string. Status lines, half of a busy log, repeat a
// few texts; they are interned so that parsing them does not allocate.
func (p *Parser) text(b []byte) string {
	if !bytes.HasPrefix(b, []byte("status: ")) {
		return string(b)
	}
	if s, ok := p.interned[string(b)]; ok {
		return s
	}
	s := string(b)
	if p.interned == nil {
		p.interned = map[string]string{}
	}
	if len(p.interned) < maxInterned {
		p.interned[s] = s
	}
	return s
}

// Parse parses one line with a zero [Parser].
func Parse(line []byte) Event {
	var p Parser
	return p.Parse(line)
}

// parseStamp recognises the time stamp at the start of line and returns it
// and the length of the stamp and the space after it.
func (p *Parser) parseStamp(line []byte) (tai64n.Label, int, bool) {
	if len(line) == 0 {
		return tai64n.Label{}, 0, false
	}
	switch c := line[0]; {
	case c == '@':
		if len(line) >= 26 && line[25] == ' ' {
			if l, err := tai64n.ParseTAI64N(line[:25]); err == nil {
				return l, 26, true
			}
		}
	case c >= '0' && c <= '9':
		if l, n, ok := p.parseLocalStamp(line); ok {
			return l, n, true
		}
		return parseEpochStamp(line)
	}
	return tai64n.Label{}, 0, false
}

// parseLocalStamp recognises "YYYY-MM-DD HH:MM:SS.nnnnnnnnn ".
func (p *Parser) parseLocalStamp(line []byte) (tai64n.Label, int, bool) {
	const layout = "dddd-dd-dd dd:dd:dd.ddddddddd "
	if len(line) < len(layout) {
		return tai64n.Label{}, 0, false
	}
	for i := range len(layout) {
		c := line[i]
		if layout[i] == 'd' {
			if c < '0' || c > '9' {
				return tai64n.Label{}, 0, false
			}
		} else if c != layout[i] {
			return tai64n.Label{}, 0, false
		}
	}
	num := func(from, to int) int {
		n := 0
		for _, c := range line[from:to] {
			n = n*10 + int(c-'0')
		}
		return n
	}
	month, day, hour, min, sec := num(5, 7), num(8, 10), num(11, 13), num(14, 16), num(17, 19)
	if month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || min > 59 || sec > 60 {
		return tai64n.Label{}, 0, false
	}
	loc := p.Location
	if loc == nil {
		loc = time.UTC
	}
	t := time.Date(num(0, 4), time.Month(month), day, hour, min, sec, 0, loc)
	return tai64n.Label{Sec: t.Unix(), Nano: uint32(num(20, 29))}, len(layout), true
}

// parseEpochStamp recognises "SECONDS.FRACTION " (tai64nfrac, accustamp).
func parseEpochStamp(line []byte) (tai64n.Label, int, bool) {
	i := 0
	var sec int64
	for i < len(line) && line[i] >= '0' && line[i] <= '9' {
		if i >= 12 {
			return tai64n.Label{}, 0, false
		}
		sec = sec*10 + int64(line[i]-'0')
		i++
	}
	if i == 0 || i >= len(line) || line[i] != '.' {
		return tai64n.Label{}, 0, false
	}
	i++
	var nano uint32
	digits := 0
	for i < len(line) && line[i] >= '0' && line[i] <= '9' {
		if digits < 9 {
			nano = nano*10 + uint32(line[i]-'0')
		}
		digits++
		i++
	}
	if digits == 0 || i >= len(line) || line[i] != ' ' {
		return tai64n.Label{}, 0, false
	}
	for d := digits; d < 9; d++ {
		nano *= 10
	}
	return tai64n.Label{Sec: sec, Nano: nano}, i + 1, true
}

// idLines are the lines that carry nothing but a message ID.
var idLines = []struct {
	prefix string
	kind   Kind
}{
	{"new msg ", KindNewMsg},
	{"end msg ", KindEndMsg},
	{"triple bounce: discarding bounce/", KindTripleBounce},
}

// parseBody fills e from the text after the time stamp.
func parseBody(e *Event, s string) {
	e.Kind = KindOther
	for _, l := range idLines {
		if rest, ok := strings.CutPrefix(s, l.prefix); ok {
			if id, ok := parseID(rest); ok {
				e.Kind, e.Msg = l.kind, id
			}
			return
		}
	}
	if rest, ok := strings.CutPrefix(s, "info msg "); ok {
		parseInfo(e, rest)
	} else if rest, ok := strings.CutPrefix(s, "starting delivery "); ok {
		parseStarting(e, rest)
	} else if rest, ok := strings.CutPrefix(s, "delivery "); ok {
		parseDelivery(e, rest)
	} else if rest, ok := strings.CutPrefix(s, "bounce msg "); ok {
		// bounce msg ID qp PID
		id, rest, ok := cutNumber(rest)
		qp, isQP := uint64(0), false
		if after, hasQP := strings.CutPrefix(rest, " qp "); ok && hasQP {
			qp, isQP = parseNumber(after)
		}
		if isQP && id != 0 {
			e.Kind, e.Msg, e.QP = KindBounceMsg, id, qp
		}
	} else if rest, ok := strings.CutPrefix(s, "status: "); ok {
		parseStatus(e, rest)
	} else if rest, ok := strings.CutPrefix(s, "warning: "); ok {
		e.Kind, e.Text, e.Msg = KindWarning, rest, queueFileID(rest)
	} else if rest, ok := strings.CutPrefix(s, "alert: "); ok {
		e.Kind, e.Text, e.Msg = KindAlert, rest, queueFileID(rest)
	}
}

// parseInfo parses "ID: bytes N from <SENDER> qp PID uid UID". The sender
// went through logsafe, so it has no spaces, but it may hold '>' and "qp":
// the last "> qp " ends it.
func parseInfo(e *Event, s string) {
	id, rest, ok := cutNumber(s)
	if !ok || id == 0 || !strings.HasPrefix(rest, ": bytes ") {
		return
	}
	size, rest, ok := cutNumber(rest[len(": bytes "):])
	if !ok || !strings.HasPrefix(rest, " from <") {
		return
	}
	rest = rest[len(" from <"):]
	end := strings.LastIndex(rest, "> qp ")
	if end < 0 {
		return
	}
	sender := rest[:end]
	qp, rest, ok := cutNumber(rest[end+len("> qp "):])
	if !ok || !strings.HasPrefix(rest, " uid ") {
		return
	}
	uid, ok := parseNumber(rest[len(" uid "):])
	if !ok {
		return
	}
	e.Kind, e.Msg, e.Bytes, e.Sender, e.QP, e.UID = KindInfoMsg, id, size, sender, qp, uid
}

// parseStarting parses "N: msg ID to local|remote RECIPIENT".
func parseStarting(e *Event, s string) {
	d, rest, ok := cutNumber(s)
	if !ok || d == 0 || !strings.HasPrefix(rest, ": msg ") {
		return
	}
	id, rest, ok := cutNumber(rest[len(": msg "):])
	if !ok || id == 0 {
		return
	}
	var channel string
	switch {
	case strings.HasPrefix(rest, " to local "):
		channel, rest = "local", rest[len(" to local "):]
	case strings.HasPrefix(rest, " to remote "):
		channel, rest = "remote", rest[len(" to remote "):]
	default:
		return
	}
	e.Kind, e.Delivery, e.Msg, e.Channel, e.Recipient = KindStartDelivery, d, id, channel, rest
}

// results are the delivery results as qmail-send logs them.
var results = []struct {
	prefix  string
	outcome Outcome
}{
	{"success: ", OutcomeSuccess},
	{"deferral: ", OutcomeDeferral},
	{"failure: ", OutcomeFailure},
}

// parseDelivery parses "N: success|deferral|failure: TEXT" and
// "N: report mangled, will defer".
func parseDelivery(e *Event, s string) {
	d, rest, ok := cutNumber(s)
	if !ok || d == 0 || !strings.HasPrefix(rest, ": ") {
		return
	}
	rest = rest[len(": "):]
	for _, r := range results {
		if text, ok := strings.CutPrefix(rest, r.prefix); ok {
			e.Kind, e.Delivery, e.Outcome, e.Text = KindDelivery, d, r.outcome, text
			return
		}
		if rest == r.prefix[:len(r.prefix)-1] { // an empty report whose trailing space was trimmed
			e.Kind, e.Delivery, e.Outcome = KindDelivery, d, r.outcome
			return
		}
	}
	if rest == "report mangled, will defer" {
		e.Kind, e.Delivery, e.Outcome, e.Mangled, e.Text = KindDelivery, d, OutcomeDeferral, true, rest
	}
}

// parseStatus parses "local L/LMAX remote R/RMAX[ exitasap]" and "exiting".
func parseStatus(e *Event, s string) {
	if s == "exiting" {
		e.Kind, e.Exiting, e.Text = KindStatus, true, s
		return
	}
	var nums [4]int
	rest := s
	for i, prefix := range []string{"local ", "/", " remote ", "/"} {
		var ok bool
		var n uint64
		if !strings.HasPrefix(rest, prefix) {
			return
		}
		n, rest, ok = cutNumber(rest[len(prefix):])
		if !ok || n > 1<<31 {
			return
		}
		nums[i] = int(n)
	}
	switch rest {
	case "":
	case " exitasap":
		e.ExitASAP = true
	default:
		return
	}
	e.Kind, e.Text = KindStatus, s
	e.LocalBusy, e.LocalMax, e.RemoteBusy, e.RemoteMax = nums[0], nums[1], nums[2], nums[3]
}

// queueFileID finds a queue file name such as mess/12/4567, info/3/4567,
// todo/4567 or bounce/4567 in a warning and returns its message ID.
func queueFileID(text string) uint64 {
	for _, dir := range []string{"mess/", "info/", "local/", "remote/", "todo/", "intd/", "bounce/"} {
		i := strings.Index(text, dir)
		for i >= 0 {
			if i == 0 || text[i-1] == ' ' {
				rest := text[i+len(dir):]
				if dir == "mess/" || dir == "info/" || dir == "local/" || dir == "remote/" {
					_, after, ok := cutNumber(rest)
					if ok && strings.HasPrefix(after, "/") {
						rest = after[1:]
					} else {
						rest = ""
					}
				}
				if id, _, ok := cutNumber(rest); ok && id != 0 {
					return id
				}
			}
			next := strings.Index(text[i+1:], dir)
			if next < 0 {
				break
			}
			i += 1 + next
		}
	}
	return 0
}

// cutNumber parses the decimal number at the start of s and returns it and
// the rest. It rejects numbers that overflow 64 bits.
func cutNumber(s string) (uint64, string, bool) {
	i := 0
	var n uint64
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		d := uint64(s[i] - '0')
		if n > (1<<64-1-d)/10 {
			return 0, s, false
		}
		n = n*10 + d
		i++
	}
	if i == 0 {
		return 0, s, false
	}
	return n, s[i:], true
}

// parseNumber parses s, which must be all digits.
func parseNumber(s string) (uint64, bool) {
	n, rest, ok := cutNumber(s)
	return n, ok && rest == ""
}

// parseID parses a message ID: all digits, not 0.
func parseID(s string) (uint64, bool) {
	n, ok := parseNumber(s)
	return n, ok && n != 0
}
