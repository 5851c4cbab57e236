package qmailqueue

import (
	"cmp"
	"fmt"
	"strings"
)

// MessageOrder returns the comparison of a listing's sort key and the
// fields a scan must read for it: "age" (oldest first), "size" (largest
// first), "sender" (case-insensitive) or "id"; ties go by ID. The empty key
// is no order (nil).
func MessageOrder(key string) (func(a, b *Message) int, Fields, error) {
	switch key {
	case "":
		return nil, 0, nil
	case "age":
		return func(a, b *Message) int {
			return cmp.Or(a.Birth.Compare(b.Birth), cmp.Compare(a.ID, b.ID))
		}, FieldBirth, nil
	case "size":
		return func(a, b *Message) int {
			return cmp.Or(cmp.Compare(b.Size, a.Size), cmp.Compare(a.ID, b.ID))
		}, FieldSize, nil
	case "sender":
		return func(a, b *Message) int {
			return cmp.Or(strings.Compare(strings.ToLower(a.Sender), strings.ToLower(b.Sender)), cmp.Compare(a.ID, b.ID))
		}, FieldEnvelope, nil
	case "id":
		return func(a, b *Message) int { return cmp.Compare(a.ID, b.ID) }, 0, nil
	}
	return nil, 0, fmt.Errorf("%q: choose age, size, sender or id", key)
}
