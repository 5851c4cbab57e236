package qmailqueue

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestReadIDList(t *testing.T) {
	in := "# from qq list --format plain\n\n9995400\t2026-11-22T10:00:00Z\talice@example.com\n  #42\n#comment\n17 trailing words\n"
	ids, err := ReadIDList(strings.NewReader(in))
	if want := []uint64{9995400, 17}; err != nil || !slices.Equal(ids, want) {
		t.Errorf("ReadIDList = %v, %v; want %v", ids, err, want)
	}
	_, err = ReadIDList(strings.NewReader("1\n\nx12\n"))
	var le *IDListError
	if !errors.As(err, &le) || le.Line != 3 || !strings.Contains(err.Error(), `bad message ID "x12"`) {
		t.Errorf("ReadIDList with a bad line 3: %v", err)
	}
	if ids, err := ReadIDList(strings.NewReader("")); err != nil || len(ids) != 0 {
		t.Errorf("ReadIDList of nothing = %v, %v", ids, err)
	}
}

// FuzzReadIDList checks that every ID read back is the first field of a
// line written as a decimal number.
func FuzzReadIDList(f *testing.F) {
	f.Add("9995400\n# c\n\n17 x\n")
	f.Add("+1\n")
	f.Fuzz(func(t *testing.T, s string) {
		ids, err := ReadIDList(strings.NewReader(s))
		if err != nil {
			return
		}
		var firsts []string
		for _, line := range strings.Split(s, "\n") {
			if fs := strings.Fields(line); len(fs) > 0 && !strings.HasPrefix(fs[0], "#") {
				firsts = append(firsts, fs[0])
			}
		}
		if len(ids) > len(firsts) {
			t.Fatalf("%d IDs from %d non-comment lines", len(ids), len(firsts))
		}
		for i, id := range ids {
			if n, err := strconv.ParseUint(firsts[i], 10, 64); err != nil || n != id {
				t.Fatalf("ID %d is %d, but the line's first field is %q", i, id, firsts[i])
			}
		}
	})
}
