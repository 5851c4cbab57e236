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
