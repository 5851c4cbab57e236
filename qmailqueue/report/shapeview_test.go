package report

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/qqmail/qq/qmailqueue"
)

func TestCompactAge(t *testing.T) {
	for d, want := range map[time.Duration]string{0: "0s", 90 * time.Second: "90s", 5 * time.Minute: "5m", 80 * time.Minute: "80m",
		2 * time.Hour: "2h", 72 * time.Hour: "3d"} {
		if got := CompactAge(d); got != want {
			t.Errorf("CompactAge(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestShapeLabelsAndJSON(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	s, err := NewShape(ShapeOptions{Key: KeyRecipientDomain, First: 5 * time.Minute, Buckets: 3, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	s.Add(&qmailqueue.Message{Birth: now.Add(-time.Minute), Recipients: []qmailqueue.Recipient{{Address: "a@x.example"}, {Address: "nodomain"}}})
	if got, want := s.Labels(), []string{"5m", "10m", "10m+"}; !slices.Equal(got, want) {
		t.Errorf("labels %v, want %v", got, want)
	}
	rows := s.Rows(RowOptions{})
	got, err := json.Marshal(s.JSON(rows))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"by":"rcpt-domain","buckets":[{"label":"5m","max_age_seconds":300},{"label":"10m","max_age_seconds":600},{"label":"10m+","max_age_seconds":null}],` +
		`"total":{"domain":"TOTAL","parent":false,"total":2,"counts":[2,0,0]},` +
		`"rows":[{"domain":"","parent":false,"total":1,"counts":[1,0,0]},{"domain":"x.example","parent":false,"total":1,"counts":[1,0,0]}]}`
	if string(got) != want {
		t.Errorf("json\n%s\nwant\n%s", got, want)
	}
	if rows[0].Name() != "(none)" || rows[1].Name() != "x.example" {
		t.Errorf("names %q, %q", rows[0].Name(), rows[1].Name())
	}
}

func TestShapeArgsParse(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	so, ro, err := ShapeArgs{By: "sender-domain", First: "1h", Buckets: 4, Linear: true, Top: 3, Parents: true, MinSubdomains: 2}.Parse(now)
	if err != nil {
		t.Fatal(err)
	}
	if want := (ShapeOptions{Key: KeySenderDomain, First: time.Hour, Buckets: 4, Linear: true, Now: now}); so != want {
		t.Errorf("ShapeOptions = %+v, want %+v", so, want)
	}
	if want := (RowOptions{Top: 3, Parents: true, MinSubdomains: 2}); ro != want {
		t.Errorf("RowOptions = %+v, want %+v", ro, want)
	}
	good := ShapeArgs{By: "rcpt-domain", First: "5m", Buckets: 10}
	for _, tc := range []struct {
		change func(*ShapeArgs)
		want   string
	}{
		{func(a *ShapeArgs) { a.By = "sender" }, `--by "sender": choose rcpt-domain or sender-domain`},
		{func(a *ShapeArgs) { a.By = "nonsense" }, `--by "nonsense": choose rcpt-domain or sender-domain`},
		{func(a *ShapeArgs) { a.First = "0s" }, `-t/--bucket-time: want a positive age such as 5m, 1h or 1d, not "0s"`},
		{func(a *ShapeArgs) { a.First = "soon" }, `-t/--bucket-time: want a positive age such as 5m, 1h or 1d, not "soon"`},
		{func(a *ShapeArgs) { a.Buckets = 1 }, "-b/--buckets must be between 2 and 100"},
		{func(a *ShapeArgs) { a.Buckets = 101 }, "-b/--buckets must be between 2 and 100"},
		{func(a *ShapeArgs) { a.Top = -1 }, "--top and --min-subdomains must not be negative"},
		{func(a *ShapeArgs) { a.MinSubdomains = -1 }, "--top and --min-subdomains must not be negative"},
	} {
		args := good
		tc.change(&args)
		if _, _, err := args.Parse(now); err == nil || err.Error() != tc.want {
			t.Errorf("Parse(%+v) = %v, want %q", args, err, tc.want)
		}
	}
	if _, _, err := good.Parse(now); err != nil {
		t.Errorf("Parse(%+v) = %v", good, err)
	}
}
