package qmailqueue

import (
	"slices"
	"testing"
	"time"
)

func TestMessageOrder(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	msgs := []*Message{
		{ID: 3, Birth: t0.Add(time.Hour), Size: 10, Sender: "b@x"},
		{ID: 1, Birth: t0, Size: 30, Sender: "B@x"},
		{ID: 2, Birth: t0.Add(2 * time.Hour), Size: 30, Sender: "a@x"},
	}
	for key, want := range map[string][]uint64{"age": {1, 3, 2}, "size": {1, 2, 3}, "sender": {2, 1, 3}, "id": {1, 2, 3}} {
		less, _, err := MessageOrder(key)
		if err != nil {
			t.Fatal(err)
		}
		sorted := slices.Clone(msgs)
		slices.SortStableFunc(sorted, less)
		var got []uint64
		for _, m := range sorted {
			got = append(got, m.ID)
		}
		if !slices.Equal(got, want) {
			t.Errorf("order %s: %v, want %v", key, got, want)
		}
	}
	if less, fields, err := MessageOrder(""); less != nil || fields != 0 || err != nil {
		t.Errorf(`MessageOrder("") = %v, %v, %v; want no order`, less != nil, fields, err)
	}
	if _, _, err := MessageOrder("colour"); err == nil {
		t.Error("MessageOrder(colour): no error")
	}
}
