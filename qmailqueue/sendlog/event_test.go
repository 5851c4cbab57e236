package sendlog

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/qqmail/qq/tai64n"
)

const label = "@4000000037c219bf2ef02e94 "

var labelStamp = tai64n.Label{Sec: 935467445, Nano: 787492500}

func TestParseKinds(t *testing.T) {
	tests := []struct {
		line string
		want Event
	}{
		{"new msg 9995400", Event{Kind: KindNewMsg, Msg: 9995400}},
		{"info msg 9995400: bytes 2840 from <alice@example.com> qp 31337 uid 89",
			Event{Kind: KindInfoMsg, Msg: 9995400, Bytes: 2840, Sender: "alice@example.com", QP: 31337, UID: 89}},
		{"info msg 5: bytes 10 from <> qp 1 uid 0", Event{Kind: KindInfoMsg, Msg: 5, Bytes: 10, QP: 1}},
		// logsafe leaves '>' and "qp" in a sender: the last "> qp " ends it.
		{"info msg 5: bytes 10 from <a>_qp_2@x> qp 3 uid 4", Event{Kind: KindInfoMsg, Msg: 5, Bytes: 10, Sender: "a>_qp_2@x", QP: 3, UID: 4}},
		{"info msg 5: bytes 10 from <a> qp 2@x> qp 3 uid 4", Event{Kind: KindInfoMsg, Msg: 5, Bytes: 10, Sender: "a> qp 2@x", QP: 3, UID: 4}},
		{"starting delivery 17: msg 9995400 to remote bob@example.net",
			Event{Kind: KindStartDelivery, Delivery: 17, Msg: 9995400, Channel: "remote", Recipient: "bob@example.net"}},
		{"starting delivery 1: msg 2 to local example.com-alice@example.com",
			Event{Kind: KindStartDelivery, Delivery: 1, Msg: 2, Channel: "local", Recipient: "example.com-alice@example.com"}},
		{"delivery 17: success: did_0+0+1/", Event{Kind: KindDelivery, Delivery: 17, Outcome: OutcomeSuccess, Text: "did_0+0+1/"}},
		{"delivery 18: deferral: Connected_to_192.0.2.7_but_greeting_failed./",
			Event{Kind: KindDelivery, Delivery: 18, Outcome: OutcomeDeferral, Text: "Connected_to_192.0.2.7_but_greeting_failed./"}},
		{"delivery 19: failure: Sorry,_no_mailbox_here_by_that_name._(#5.1.1)/",
			Event{Kind: KindDelivery, Delivery: 19, Outcome: OutcomeFailure, Text: "Sorry,_no_mailbox_here_by_that_name._(#5.1.1)/"}},
		{"delivery 20: success: ", Event{Kind: KindDelivery, Delivery: 20, Outcome: OutcomeSuccess}},
		{"delivery 20: success:", Event{Kind: KindDelivery, Delivery: 20, Outcome: OutcomeSuccess}},
		{"delivery 21: report mangled, will defer",
			Event{Kind: KindDelivery, Delivery: 21, Outcome: OutcomeDeferral, Mangled: true, Text: "report mangled, will defer"}},
		{"bounce msg 9995400 qp 31340", Event{Kind: KindBounceMsg, Msg: 9995400, QP: 31340}},
		{"triple bounce: discarding bounce/9995402", Event{Kind: KindTripleBounce, Msg: 9995402}},
		{"end msg 9995400", Event{Kind: KindEndMsg, Msg: 9995400}},
		{"status: local 1/10 remote 3/20", Event{Kind: KindStatus, LocalBusy: 1, LocalMax: 10, RemoteBusy: 3, RemoteMax: 20, Text: "local 1/10 remote 3/20"}},
		{"status: local 0/10 remote 0/20 exitasap", Event{Kind: KindStatus, LocalMax: 10, RemoteMax: 20, ExitASAP: true, Text: "local 0/10 remote 0/20 exitasap"}},
		{"status: exiting", Event{Kind: KindStatus, Exiting: true, Text: "exiting"}},
		{"warning: unable to stat mess/14/9995400", Event{Kind: KindWarning, Msg: 9995400, Text: "unable to stat mess/14/9995400"}},
		{"warning: unable to stat mess/14/9995400; will try again later", Event{Kind: KindWarning, Msg: 9995400, Text: "unable to stat mess/14/9995400; will try again later"}},
		{"warning: unknown record type in todo/77", Event{Kind: KindWarning, Msg: 77, Text: "unknown record type in todo/77"}},
		{"warning: trouble injecting bounce message, will try later", Event{Kind: KindWarning, Text: "trouble injecting bounce message, will try later"}},
		{"alert: unable to opendir info/7, sleeping...", Event{Kind: KindAlert, Text: "unable to opendir info/7, sleeping..."}},
		// Malformed lines are "other".
		{"new msg", Event{Kind: KindOther}},
		{"new msg 0", Event{Kind: KindOther}},
		{"new msg 12x", Event{Kind: KindOther}},
		{"new msg 99999999999999999999999", Event{Kind: KindOther}},
		{"info msg 5: bytes 10 from alice qp 3 uid 4", Event{Kind: KindOther}},
		{"starting delivery 1: msg 2 to elsewhere x", Event{Kind: KindOther}},
		{"delivery x: success: y", Event{Kind: KindOther}},
		{"delivery 4: maybe: y", Event{Kind: KindOther}},
		{"bounce msg 5", Event{Kind: KindOther}},
		{"status: local 1/10", Event{Kind: KindOther}},
		{"tcpserver: status: 1/40", Event{Kind: KindOther}},
		{"", Event{Kind: KindOther}},
	}
	for _, tt := range tests {
		for _, prefix := range []string{"", label} {
			got := Parse([]byte(prefix + tt.line + "\n"))
			want := tt.want
			want.Line = tt.line
			if prefix != "" {
				want.Stamp, want.HasStamp = labelStamp, true
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Parse(%q) (-want +got):\n%s", prefix+tt.line, diff)
			}
		}
	}
}

func TestParseStamps(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skipf("no zone data: %v", err)
	}
	tests := []struct {
		line     string
		loc      *time.Location
		stamp    tai64n.Label
		hasStamp bool
		rest     string
	}{
		{"@4000000037c219bf2ef02e94 new msg 1", nil, labelStamp, true, "new msg 1"},
		{"1999-08-24 04:04:05.787492500 new msg 1", nil, labelStamp, true, "new msg 1"},
		{"1999-08-24 06:04:05.787492500 new msg 1", berlin, labelStamp, true, "new msg 1"},
		{"935467445.787492500 new msg 1", nil, labelStamp, true, "new msg 1"},
		{"935467445.787492 new msg 1", nil, tai64n.Label{Sec: 935467445, Nano: 787492000}, true, "new msg 1"},
		{"935467445.7874925001234 new msg 1", nil, labelStamp, true, "new msg 1"},
		// Not stamps: kept in the line.
		{"@4000000037C219BF2EF02E94 new msg 1", nil, tai64n.Label{}, false, "@4000000037C219BF2EF02E94 new msg 1"},
		{"@4000000037c219bf2ef02e94new msg 1", nil, tai64n.Label{}, false, "@4000000037c219bf2ef02e94new msg 1"},
		{"@4000000037c219bfffffffff new msg 1", nil, tai64n.Label{}, false, "@4000000037c219bfffffffff new msg 1"},
		{"1999-13-24 04:04:05.787492500 x", nil, tai64n.Label{}, false, "1999-13-24 04:04:05.787492500 x"},
		{"12345 new msg 1", nil, tai64n.Label{}, false, "12345 new msg 1"},
		{"12345. new msg 1", nil, tai64n.Label{}, false, "12345. new msg 1"},
	}
	for _, tt := range tests {
		p := Parser{Location: tt.loc}
		got := p.Parse([]byte(tt.line))
		if got.Stamp != tt.stamp || got.HasStamp != tt.hasStamp || got.Line != tt.rest {
			t.Errorf("Parse(%q) = stamp %v %v, line %q; want %v %v, %q", tt.line, got.Stamp, got.HasStamp, got.Line, tt.stamp, tt.hasStamp, tt.rest)
		}
	}
	if e := Parse([]byte(label + "x")); !e.Time().Equal(labelStamp.Time()) {
		t.Errorf("Time() = %v", e.Time())
	}
	if e := Parse([]byte("x")); !e.Time().IsZero() {
		t.Errorf("Time() without stamp = %v", e.Time())
	}
}

func TestNames(t *testing.T) {
	if KindStartDelivery.String() != "starting_delivery" || Kind(200).String() != "kind(200)" {
		t.Error("Kind.String is wrong")
	}
	for _, o := range []Outcome{OutcomeSuccess, OutcomeDeferral, OutcomeFailure} {
		if got, ok := ParseOutcome(o.String()); !ok || got != o {
			t.Errorf("ParseOutcome(%q) = %v, %v", o, got, ok)
		}
	}
	if _, ok := ParseOutcome("bounce"); ok {
		t.Error("ParseOutcome accepted bounce")
	}
	if Outcome(9).String() != "outcome(9)" || OutcomeNone.String() != "" {
		t.Error("Outcome.String is wrong")
	}
}

func FuzzParseLine(f *testing.F) {
	for _, s := range []string{
		label + "new msg 1",
		label + "info msg 9995400: bytes 2840 from <alice@example.com> qp 31337 uid 89",
		label + "starting delivery 17: msg 9995400 to remote bob@example.net",
		label + "delivery 17: deferral: x/",
		"1999-08-24 04:04:05.787492500 bounce msg 1 qp 2",
		"935467445.787492500 triple bounce: discarding bounce/5",
		"status: local 1/10 remote 3/20 exitasap",
		"warning: unable to stat mess/14/9995400",
		"@zzzz",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		e := Parse(line)
		if !strings.HasSuffix(strings.TrimSuffix(string(line), "\n"), e.Line) {
			t.Fatalf("Line %q is not the end of %q", e.Line, line)
		}
		for _, field := range []string{e.Sender, e.Recipient, e.Text, e.Channel} {
			if !strings.Contains(e.Line, field) {
				t.Fatalf("field %q is not in the line %q", field, e.Line)
			}
		}
		switch e.Kind {
		case KindNewMsg, KindInfoMsg, KindBounceMsg, KindTripleBounce, KindEndMsg:
			if e.Msg == 0 {
				t.Fatalf("%v without a message ID: %q", e.Kind, line)
			}
		case KindStartDelivery:
			if e.Msg == 0 || e.Delivery == 0 || e.Channel == "" {
				t.Fatalf("incomplete starting delivery: %+v", e)
			}
		case KindDelivery:
			if e.Delivery == 0 || e.Outcome == OutcomeNone {
				t.Fatalf("incomplete delivery: %+v", e)
			}
		case KindOther:
			if diff := cmp.Diff(Event{Kind: KindOther, Line: e.Line, Stamp: e.Stamp, HasStamp: e.HasStamp}, e, cmpopts.EquateEmpty()); diff != "" {
				t.Fatalf("other line with fields set: %s", diff)
			}
		}
	})
}
