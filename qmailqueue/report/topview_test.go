package report

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/qqmail/qq/qmailqueue"
)

func TestDisplayName(t *testing.T) {
	for _, tc := range []struct {
		key        Key
		name, want string
	}{
		{KeySender, "", "<>"},
		{KeySender, "a@b", "a@b"},
		{KeySenderDomain, "", "(none: <> or no @)"},
		{KeyRecipientDomain, "", "(no domain)"},
		{KeySubject, "", "(no subject)"},
		{KeyHelo, "", "(no hop 2)"},
		{KeyAttachment, "", "(no attachment)"},
	} {
		if got := tc.key.DisplayName(tc.name, 2); got != tc.want {
			t.Errorf("%v.DisplayName(%q) = %q, want %q", tc.key, tc.name, got, tc.want)
		}
	}
}

func TestSelectArgs(t *testing.T) {
	base := []string{"--older", "1h"}
	args, ok := KeySender.SelectArgs("a@b", qmailqueue.NewFilter(), base)
	if !ok || !slices.Equal(args, []string{"--older", "1h", "--sender", "a@b"}) {
		t.Errorf("SelectArgs = %q, %v", args, ok)
	}
	not := qmailqueue.NewFilter()
	not.Not = true
	if _, ok := KeySender.SelectArgs("a@b", not, base); ok {
		t.Error("a selection negated with --not has rm arguments")
	}
	if _, ok := KeyIP.SelectArgs("192.0.2.1", nil, base); ok {
		t.Error("an IP group has rm arguments")
	}
}

func TestListArgs(t *testing.T) {
	base := []string{"--older", "1h"}
	if got, want := KeyHelo.ListArgs("mx.example", 2, base), []string{"--older", "1h", "--by", "helo", "--hop", "2", "--group", "mx.example", "--format", "ids"}; !slices.Equal(got, want) {
		t.Errorf("ListArgs = %q, want %q", got, want)
	}
	if got, want := KeySender.ListArgs("", 1, nil), []string{"--by", "sender", "--group", "", "--format", "ids"}; !slices.Equal(got, want) {
		t.Errorf("ListArgs = %q, want %q (no --hop for a grouping without hops)", got, want)
	}
	if len(base) != 2 {
		t.Errorf("ListArgs changed its base: %q", base)
	}
}

func TestGroupSummary(t *testing.T) {
	for _, tc := range []struct {
		g    Group
		want string
	}{
		{Group{Messages: 1, Recipients: 1, Bytes: 100}, "1 message, 1 recipient pending, 100 B"},
		{Group{Messages: 3, Recipients: 0, Bytes: 12 << 10}, "3 messages, 0 recipients pending, 12.0 KiB"},
	} {
		if got := tc.g.Summary(); got != tc.want {
			t.Errorf("Summary() = %q, want %q", got, tc.want)
		}
	}
}

func TestNewTopJSON(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	g := Group{Name: "a@b", Messages: 2, Recipients: 3, Bytes: 100, Oldest: now.Add(-time.Hour), Newest: now.Add(-time.Minute)}
	v := NewTopJSON(KeyHelo, 1, []Group{g}, Group{}, 5, now, func(Group) ([]string, bool) { return nil, false })
	got, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"by":"helo","hop":1,"groups":[{"name":"a@b","messages":2,"recipients_pending":3,"bytes":100,"oldest":"2026-05-01T11:00:00Z",` +
		`"newest":"2026-05-01T11:59:00Z","oldest_age_seconds":3600,"rm_args":null}],"group_count":5,` +
		`"total":{"messages":0,"recipients_pending":0,"bytes":0,"oldest":null,"newest":null,"oldest_age_seconds":null}}`
	if string(got) != want {
		t.Errorf("json\n%s\nwant\n%s", got, want)
	}
}

func TestParseGroup(t *testing.T) {
	if g, err := KeySenderDomain.ParseGroup("Spam.Example"); err != nil || g != KeySenderDomain.Normalize("Spam.Example") {
		t.Errorf("sender-domain group: %q, %v", g, err)
	}
	names := SizeBucketNames()
	if g, err := KeySize.ParseGroup(names[0]); err != nil || g != names[0] {
		t.Errorf("size group %q: %q, %v", names[0], g, err)
	}
	if _, err := KeySize.ParseGroup("huge"); err == nil {
		t.Error("size group huge: no error")
	}
}
