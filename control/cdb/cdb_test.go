package cdb

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// records is a fixture with duplicates, empty keys and data, binary bytes
// and enough entries to make several tables collide.
func records() []Record {
	rs := []Record{
		{Key: []byte("example.com"), Data: []byte("")},
		{Key: []byte(""), Data: []byte("empty key")},
		{Key: []byte("dup"), Data: []byte("first")},
		{Key: []byte("bin\x00\n\xff"), Data: []byte("\x00\x01->:\n")},
		{Key: []byte("dup"), Data: []byte("second")},
	}
	for i := range 700 {
		rs = append(rs, Record{Key: fmt.Appendf(nil, "host%d.example.net", i), Data: fmt.Appendf(nil, "%d", i*i)})
	}
	return rs
}

// build writes rs with the Writer and returns the file's bytes.
func build(t testing.TB, rs []Record) []byte {
	t.Helper()
	path := filepath.Join(t.TempDir(), "t.cdb")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w, err := NewWriter(f)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		if err := w.Add(r.Key, r.Data); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// cdbmakeInput encodes rs in cdbmake's +klen,dlen:key->data format, which
// is also what cdbdump prints.
func cdbmakeInput(rs []Record) []byte {
	var b bytes.Buffer
	for _, r := range rs {
		fmt.Fprintf(&b, "+%d,%d:%s->%s\n", len(r.Key), len(r.Data), r.Key, r.Data)
	}
	b.WriteString("\n")
	return b.Bytes()
}

func TestRoundTrip(t *testing.T) {
	rs := records()
	data := build(t, rs)
	rd, err := NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var got []Record
	for r, err := range rd.All() {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, r)
	}
	if diff := cmp.Diff(rs, got); diff != "" {
		t.Errorf("All() differs (-want +got):\n%s", diff)
	}
	for _, r := range rs[5:] {
		d, ok, err := rd.Get(r.Key)
		if err != nil || !ok || !bytes.Equal(d, r.Data) {
			t.Errorf("Get(%q) = %q, %v, %v; want %q", r.Key, d, ok, err, r.Data)
		}
	}
	var dups []string
	for d, err := range rd.Values([]byte("dup")) {
		if err != nil {
			t.Fatal(err)
		}
		dups = append(dups, string(d))
	}
	if diff := cmp.Diff([]string{"first", "second"}, dups); diff != "" {
		t.Errorf("Values(dup) (-want +got):\n%s", diff)
	}
	for _, miss := range []string{"nope", "example.co", "EXAMPLE.COM", "dup "} {
		if _, ok, err := rd.Get([]byte(miss)); ok || err != nil {
			t.Errorf("Get(%q) = %v, %v; want a miss", miss, ok, err)
		}
	}
}

func TestEmpty(t *testing.T) {
	data := build(t, nil)
	if len(data) != headerSize {
		t.Fatalf("empty cdb is %d bytes, want %d", len(data), headerSize)
	}
	rd, err := NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok, err := rd.Get([]byte("x")); ok || err != nil {
		t.Errorf("Get on empty cdb = %v, %v", ok, err)
	}
}

func TestMalformed(t *testing.T) {
	good := build(t, records()[:5])
	tests := map[string][]byte{
		"short":         good[:100],
		"truncated":     good[:len(good)-9],
		"records cut":   good[:headerSize+10],
		"table outside": append(bytes.Repeat([]byte{0xff}, headerSize), 1, 2, 3),
	}
	for name, data := range tests {
		t.Run(name, func(t *testing.T) {
			rd, err := NewReader(bytes.NewReader(data), int64(len(data)))
			if err != nil {
				if !errors.Is(err, ErrFormat) {
					t.Fatalf("NewReader error %v is not ErrFormat", err)
				}
				return
			}
			var sawErr bool
			for _, k := range []string{"example.com", "", "dup", "bin\x00\n\xff"} {
				if _, _, err := rd.Get([]byte(k)); err != nil {
					sawErr = true
					if !errors.Is(err, ErrFormat) {
						t.Errorf("Get(%q) error %v is not ErrFormat", k, err)
					}
				}
			}
			for _, err := range rd.All() {
				if err != nil {
					sawErr = true
				}
			}
			if !sawErr {
				t.Errorf("no error reading a malformed cdb")
			}
		})
	}
}

// TestFreecdbOracle checks the Writer and Reader against Debian's freecdb:
// cdbmake must produce the very same bytes from the same records, cdbdump
// must print our file back as the input, and cdbget must find our keys.
func TestFreecdbOracle(t *testing.T) {
	for _, tool := range []string{"cdbmake", "cdbdump", "cdbget"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed (Debian package freecdb): %v", tool, err)
		}
	}
	rs := records()
	ours := build(t, rs)
	dir := t.TempDir()
	theirsPath := filepath.Join(dir, "theirs.cdb")
	cmd := exec.Command("cdbmake", theirsPath, theirsPath+".tmp")
	cmd.Stdin = bytes.NewReader(cdbmakeInput(rs))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("cdbmake: %v: %s", err, out)
	}
	theirs, err := os.ReadFile(theirsPath)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(ours, theirs) {
		t.Errorf("our cdb (%d bytes) differs from cdbmake's (%d bytes)", len(ours), len(theirs))
	}

	// Our reader reads cdbmake's file.
	rd, err := NewReader(bytes.NewReader(theirs), int64(len(theirs)))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs[5:] {
		if d, ok, err := rd.Get(r.Key); err != nil || !ok || !bytes.Equal(d, r.Data) {
			t.Errorf("Get(%q) in cdbmake's file = %q, %v, %v", r.Key, d, ok, err)
		}
	}

	// cdbdump reads ours.
	oursPath := filepath.Join(dir, "ours.cdb")
	if err := os.WriteFile(oursPath, ours, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(oursPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cmd = exec.Command("cdbdump")
	cmd.Stdin = f
	dump, err := cmd.Output()
	if err != nil {
		t.Fatalf("cdbdump: %v", err)
	}
	if diff := cmp.Diff(string(cdbmakeInput(rs)), string(dump)); diff != "" {
		t.Errorf("cdbdump of our file (-want +got):\n%s", diff)
	}
	for _, key := range []string{"host0.example.net", "host699.example.net", "dup"} {
		g, err := os.Open(oursPath)
		if err != nil {
			t.Fatal(err)
		}
		cmd = exec.Command("cdbget", key)
		cmd.Stdin = g
		out, err := cmd.Output()
		g.Close()
		if err != nil {
			t.Fatalf("cdbget %s: %v", key, err)
		}
		want, _, _ := NewReaderMust(t, ours).Get([]byte(key))
		if !bytes.Equal(out, want) {
			t.Errorf("cdbget %s = %q, want %q", key, out, want)
		}
	}
	// A key cdbget cannot find exits 100.
	g, _ := os.Open(oursPath)
	defer g.Close()
	cmd = exec.Command("cdbget", "absent.example")
	cmd.Stdin = g
	var ee *exec.ExitError
	if err := cmd.Run(); !errors.As(err, &ee) || ee.ExitCode() != 100 {
		t.Errorf("cdbget of a missing key: %v, want exit 100", err)
	}
}

// NewReaderMust is NewReader over a byte slice, failing the test on error.
func NewReaderMust(t testing.TB, data []byte) *Reader {
	t.Helper()
	rd, err := NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	return rd
}

func FuzzReader(f *testing.F) {
	f.Add(build(f, records()[:5]), "dup")
	f.Add(build(f, nil), "")
	f.Add(bytes.Repeat([]byte{0xff}, headerSize+16), "x")
	f.Fuzz(func(t *testing.T, data []byte, key string) {
		rd, err := NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return
		}
		if d, ok, err := rd.Get([]byte(key)); err == nil && ok && len(key)+len(d)+8 > len(data) {
			t.Fatalf("Get(%q) found %d bytes of data in a %d-byte file", key, len(d), len(data))
		}
		// The records a damaged file still lists are copied into a new
		// file by the writer, which must list them back in the same order
		// and find each one by its key.
		var good []Record
		for r, err := range rd.All() {
			if err != nil {
				break
			}
			if len(r.Key)+len(r.Data)+8 > len(data) {
				t.Fatalf("record %q of %d bytes in a %d-byte file", r.Key, len(r.Key)+len(r.Data), len(data))
			}
			if good = append(good, r); len(good) > 50 {
				break
			}
		}
		again := NewReaderMust(t, build(t, good))
		i := 0
		for r, err := range again.All() {
			if err != nil {
				t.Fatal(err)
			}
			if i >= len(good) || !bytes.Equal(r.Key, good[i].Key) || !bytes.Equal(r.Data, good[i].Data) {
				t.Fatalf("record %d read back as %q=%q", i, r.Key, r.Data)
			}
			if _, ok, err := again.Get(r.Key); err != nil || !ok {
				t.Fatalf("key %q not found in the rewritten file: %v", r.Key, err)
			}
			i++
		}
		if i != len(good) {
			t.Fatalf("%d records written, %d read back", len(good), i)
		}
	})
}

func FuzzRoundTrip(f *testing.F) {
	f.Add("a\nb\nc", "x")
	f.Add("dup\ndup\n\n", "")
	f.Fuzz(func(t *testing.T, keys, data string) {
		var rs []Record
		for k := range strings.SplitSeq(keys, "\n") {
			rs = append(rs, Record{Key: []byte(k), Data: []byte(data + k)})
		}
		rd := NewReaderMust(t, build(t, rs))
		for _, r := range rs {
			found := false
			for d, err := range rd.Values(r.Key) {
				if err != nil {
					t.Fatal(err)
				}
				if bytes.Equal(d, r.Data) {
					found = true
				}
			}
			if !found {
				t.Fatalf("key %q not found after writing", r.Key)
			}
		}
	})
}

func BenchmarkWrite(b *testing.B) {
	rs := records()
	path := filepath.Join(b.TempDir(), "b.cdb")
	b.ReportAllocs()
	for b.Loop() {
		f, err := os.Create(path)
		if err != nil {
			b.Fatal(err)
		}
		w, _ := NewWriter(f)
		for _, r := range rs {
			w.Add(r.Key, r.Data)
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
		f.Close()
	}
}

func BenchmarkGet(b *testing.B) {
	rs := records()
	rd := NewReaderMust(b, build(b, rs))
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, ok, _ := rd.Get(rs[i%len(rs)].Key); !ok {
			b.Fatal("miss")
		}
		i++
	}
}
