package report

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
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
	args, ok := KeySender.SelectArgs("a@b", 1, qmailqueue.NewFilter(), base)
	if !ok || !slices.Equal(args, []string{"--older", "1h", "--sender", "a@b"}) {
		t.Errorf("SelectArgs = %q, %v", args, ok)
	}
	not := qmailqueue.NewFilter()
	not.Not = true
	if _, ok := KeySender.SelectArgs("a@b", 1, not, base); ok {
		t.Error("a selection negated with --not has rm arguments")
	}
	if _, ok := KeyIP.SelectArgs("192.0.2.1", 1, nil, base); ok {
		t.Error("an IP group has rm arguments")
	}
	if args, ok := KeyHelo.SelectArgs("mx.example", 1, qmailqueue.NewFilter(), base); !ok || !slices.Equal(args, []string{"--older", "1h", "--helo", `(?i)^mx\.example$`}) {
		t.Errorf("HELO group: SelectArgs = %q, %v", args, ok)
	}
	// A selection with its own --helo: a second --helo would replace it.
	helo := qmailqueue.NewFilter()
	helo.Helo = regexp.MustCompile("^mx")
	if _, ok := KeyHelo.SelectArgs("mx.example", 1, helo, base); ok {
		t.Error("a HELO group in a --helo selection has rm arguments")
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

func TestTopArgsParse(t *testing.T) {
	top, err := TopArgs{By: "sender", Hop: 1, Sort: "bytes", Limit: 5, Group: "<Promo@Cheap-Meds.example>", GroupSet: true}.Parse()
	want := Top{Key: KeySender, Hop: 1, Order: ByBytes, Limit: 5, Group: "promo@cheap-meds.example", GroupSet: true}
	if err != nil || top != want {
		t.Errorf("Parse = %+v, %v; want %+v", top, err, want)
	}
	if top, err := (TopArgs{By: "helo", Hop: 2, Sort: "count", Group: "ignored"}).Parse(); err != nil || top.Group != "" || top.GroupSet {
		t.Errorf("Parse without --group = %+v, %v; want no group", top, err)
	}
	good := TopArgs{By: "sender", Hop: 1, Sort: "count"}
	for _, tc := range []struct {
		change func(*TopArgs)
		want   string
	}{
		{func(a *TopArgs) { a.By = "colour" }, "--by: "},
		{func(a *TopArgs) { a.Sort = "colour" }, "--sort: "},
		{func(a *TopArgs) { a.Limit = -1 }, "--limit must not be negative"},
		{func(a *TopArgs) { a.Hop = 0 }, "--hop must be 1 or more"},
		{func(a *TopArgs) { a.By, a.Group, a.GroupSet = "size", "huge", true }, `--group "huge" is not a size bucket`},
	} {
		args := good
		tc.change(&args)
		if _, err := args.Parse(); err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("Parse(%+v) = %v, want an error starting %q", args, err, tc.want)
		}
	}
}

func TestTopGroups(t *testing.T) {
	f := newFixture(t)
	g := f.group(t, KeySender, 1)
	var names []string
	for _, grp := range (Top{Order: ByCount, Limit: 2}).Groups(g) {
		names = append(names, grp.Name)
	}
	if want := []string{"promo@cheap-meds.example", "news@lists.example.org"}; !slices.Equal(names, want) {
		t.Errorf("Groups = %q, want %q", names, want)
	}
	if gs := (Top{Group: "", GroupSet: true}).Groups(g); len(gs) != 1 || gs[0].Name != "" || gs[0].Messages != 1 {
		t.Errorf("Groups of the none group = %+v, want the null sender's group", gs)
	}
	if gs := (Top{Group: "nobody@example", GroupSet: true}).Groups(g); gs != nil {
		t.Errorf("Groups of a missing group = %+v, want none", gs)
	}
}
