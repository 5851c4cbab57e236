package report

import (
	"strings"
	"testing"
	"time"
)

func TestParseCheckLimits(t *testing.T) {
	l, err := ParseCheckLimits(CheckArgs{Warn: "10", Crit: "20", WarnAge: "1h", CritAge: "1d", CritSender: "50"})
	if err != nil {
		t.Fatal(err)
	}
	if l.Messages != limit(10, 20) {
		t.Errorf("Messages = %+v, want 10/20", l.Messages)
	}
	if l.Age != limit(3600, 86400) {
		t.Errorf("Age = %+v, want 3600/86400 seconds", l.Age)
	}
	if l.Todo.IsSet() || l.Bouncing.IsSet() || !l.Sender.IsSet() || l.Sender.HasWarn || l.Sender.Crit != 50 {
		t.Errorf("Todo %+v Bouncing %+v Sender %+v: want only a critical sender limit of 50", l.Todo, l.Bouncing, l.Sender)
	}
	for _, tc := range []struct {
		args CheckArgs
		want string
	}{
		{CheckArgs{Warn: "x"}, "--warn: "},
		{CheckArgs{CritTodo: "-1"}, "--crit-todo: "},
		{CheckArgs{WarnAge: "soon"}, "--warn-age: "},
		{CheckArgs{WarnBouncing: "10", CritBouncing: "5"}, "--warn-bouncing 10 is above --crit-bouncing 5"},
		{CheckArgs{WarnSender: "1.5"}, "--warn-sender: "},
	} {
		_, err := ParseCheckLimits(tc.args)
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("ParseCheckLimits(%+v) = %v, want an error starting %q", tc.args, err, tc.want)
		}
	}
}

func TestDefaultCheckFormat(t *testing.T) {
	f := DefaultCheckFormat(KeySender)
	if got := f.Name(""); got != "<>" {
		t.Errorf("null sender = %q, want <>", got)
	}
	if got := f.Name("a\x1b[31m@é"); got != "a_[31m@__" {
		t.Errorf("hostile sender = %q, want control and non-ASCII bytes as _", got)
	}
	if got := DefaultCheckFormat(KeySenderDomain).Name(""); got != "(no domain)" {
		t.Errorf("no sender domain = %q, want (no domain)", got)
	}
	if got, want := f.Age(6*24*time.Hour), "6d00h"; got != want {
		t.Errorf("Age = %q, want %q", got, want)
	}
	if got, want := f.AgeLimit(5*24*time.Hour), "5d"; got != want {
		t.Errorf("AgeLimit = %q, want %q", got, want)
	}
}
