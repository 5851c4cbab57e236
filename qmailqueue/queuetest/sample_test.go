package queuetest

import (
	"bytes"
	"io"
	"io/fs"
	"mime"
	"net/mail"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var sampleNow = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

// queueFiles maps each kind to its files: name → content, for a queue
// without broken states.
type queueFiles map[string]map[uint64][]byte

func readQueue(t *testing.T, dir string) queueFiles {
	t.Helper()
	q := queueFiles{}
	for _, kind := range Kinds() {
		q[kind] = map[uint64][]byte{}
		err := filepath.WalkDir(filepath.Join(dir, kind), func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			id, err := strconv.ParseUint(d.Name(), 10, 64)
			if err != nil {
				t.Errorf("%s: not a message file", path)
				return nil
			}
			if kind != "mess" {
				b, err := os.ReadFile(path)
				q[kind][id] = b
				return err
			}
			// Only headers of mess: the large message is 34 MiB.
			f, err := os.Open(path)
			if err != nil {
				return err
			}
			defer f.Close()
			b, err := io.ReadAll(io.LimitReader(f, 64<<10))
			q[kind][id] = b
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return q
}

func TestSample(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "queue")
	rep, err := Sample(dir, SampleOptions{Count: 400, Seed: 7, Now: sampleNow, Split: 11, NoLargeMessage: true})
	if err != nil {
		t.Fatal(err)
	}
	want := SampleReport{Messages: 400, TodoOnly: 6, Flood: 80, NullSender: 12, DoubleBounce: 2}
	got := SampleReport{Messages: rep.Messages, TodoOnly: rep.TodoOnly, Flood: rep.Flood, NullSender: rep.NullSender, DoubleBounce: rep.DoubleBounce}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("report (-want +got):\n%s", diff)
	}
	if rep.Bouncing < 20 || rep.Preprocessed != 394 || rep.LargeID != 0 {
		t.Errorf("report: %+v", rep)
	}
	if entries, _ := os.ReadDir(parent); len(entries) != 1 {
		t.Errorf("Sample wrote outside the queue: %v", entries)
	}

	q := readQueue(t, dir)
	counts := map[string]int{}
	for kind, files := range q {
		counts[kind] = len(files)
	}
	wantCounts := map[string]int{
		"mess": 400, "info": rep.Preprocessed, "todo": rep.TodoOnly, "bounce": rep.Bouncing,
		"local": rep.Local, "remote": rep.Remote,
	}
	delete(counts, "intd")
	if diff := cmp.Diff(wantCounts, counts); diff != "" {
		t.Errorf("file counts (-want +got):\n%s", diff)
	}
	if n := len(q["intd"]); n == 0 || n >= rep.TodoOnly {
		t.Errorf("%d intd files for %d todo: want some todo without intd", n, rep.TodoOnly)
	}

	var size int64
	var pending, done int
	seen := map[string]bool{}
	dec := mime.WordDecoder{}
	for id, head := range q["mess"] {
		fi, st := stat(t, filepath.Join(dir, "mess", strconv.FormatUint(id%11, 10), strconv.FormatUint(id, 10)))
		size += fi.Size()
		if st.Ino != id {
			t.Errorf("mess %d has inode %d", id, st.Ino)
		}
		msg, err := mail.ReadMessage(bytes.NewReader(head))
		if err != nil {
			t.Errorf("mess %d: %v", id, err)
			continue
		}
		subject, err := dec.DecodeHeader(msg.Header.Get("Subject"))
		if err != nil {
			t.Errorf("mess %d: subject %q: %v", id, msg.Header.Get("Subject"), err)
		}
		raw := msg.Header.Get("Subject")
		switch {
		case strings.HasPrefix(raw, "=?UTF-8?B?"):
			seen["utf8"] = true
		case strings.HasPrefix(raw, "=?ISO-8859-1?Q?"):
			seen["latin1"] = true
		}
		if strings.Contains(msg.Header.Get("Content-Type"), "multipart/mixed") {
			seen["multipart"] = true
		}
		for _, r := range msg.Header["Received"] {
			if strings.HasPrefix(r, "from unknown (HELO ") {
				seen["smtp"] = true
			}
		}
		info, ok := q["info"][id]
		if string(info) == "F"+SampleFloodSender+"\x00" && subject != SampleFloodSubject {
			t.Errorf("flood message %d has subject %q", id, subject)
		}
		if !ok {
			if _, ok := q["todo"][id]; !ok {
				t.Errorf("mess %d has neither info nor todo", id)
			}
			continue
		}
		fi, _ = stat(t, filepath.Join(dir, "info", strconv.FormatUint(id%11, 10), strconv.FormatUint(id, 10)))
		birth := fi.ModTime()
		if birth.After(sampleNow) || birth.Before(sampleNow.Add(-sampleLifetime)) {
			t.Errorf("message %d born %v", id, birth)
		}
		var channels int
		for _, kind := range []string{"local", "remote"} {
			records, ok := q[kind][id]
			if !ok {
				continue
			}
			channels++
			if !bytes.Contains(records, []byte("\x00T")) && records[0] != 'T' {
				t.Errorf("%s/%d has nothing pending: %q", kind, id, records)
			}
			pending += bytes.Count(records, []byte("\x00T"))
			done += bytes.Count(records, []byte("\x00D"))
			if records[0] == 'T' {
				pending++
			} else {
				done++
			}
			fi, _ := stat(t, filepath.Join(dir, kind, strconv.FormatUint(id%11, 10), strconv.FormatUint(id, 10)))
			if want := NextRetry(birth, sampleNow, kind == "remote"); !fi.ModTime().Equal(want) {
				t.Errorf("%s/%d: mtime %v, want %v", kind, id, fi.ModTime(), want)
			}
		}
		if channels == 0 {
			t.Errorf("message %d has no local or remote file", id)
		}
		if b, ok := q["bounce"][id]; ok {
			if !bytes.HasPrefix(b, []byte("<")) || !bytes.HasSuffix(b, []byte("\n\n")) || !bytes.Contains(b, []byte(">:\n")) {
				t.Errorf("bounce/%d = %q", id, b)
			}
		}
	}
	for _, s := range []string{"utf8", "latin1", "multipart", "smtp"} {
		if !seen[s] {
			t.Errorf("no %s message in the sample", s)
		}
	}
	if size != rep.Bytes || pending != rep.Pending || done != rep.Done {
		t.Errorf("bytes %d pending %d done %d on disk; report %+v", size, pending, done, rep)
	}
	for _, sender := range []string{"F\x00", "F#@[]\x00"} {
		if !slices.ContainsFunc(slices.Collect(mapValues(q["info"])), func(b []byte) bool { return string(b) == sender }) {
			t.Errorf("no info %q", sender)
		}
	}
}

func mapValues[K comparable, V any](m map[K]V) func(func(V) bool) {
	return func(yield func(V) bool) {
		for _, v := range m {
			if !yield(v) {
				return
			}
		}
	}
}

// sortedContents returns the sorted contents of the files of kind, which
// do not depend on the inode numbers.
func sortedContents(q queueFiles, kind string) []string {
	var out []string
	for _, b := range q[kind] {
		out = append(out, string(b))
	}
	slices.Sort(out)
	return out
}

func TestSampleDeterministic(t *testing.T) {
	opts := SampleOptions{Count: 120, Seed: 42, Now: sampleNow, Split: 5, NoLargeMessage: true}
	var queues []queueFiles
	var reports []SampleReport
	for range 2 {
		dir := filepath.Join(t.TempDir(), "queue")
		rep, err := Sample(dir, opts)
		if err != nil {
			t.Fatal(err)
		}
		rep.LargeID = 0
		reports = append(reports, rep)
		queues = append(queues, readQueue(t, dir))
	}
	if diff := cmp.Diff(reports[0], reports[1]); diff != "" {
		t.Errorf("reports differ:\n%s", diff)
	}
	for _, kind := range Kinds() {
		if diff := cmp.Diff(sortedContents(queues[0], kind), sortedContents(queues[1], kind)); diff != "" {
			t.Errorf("%s contents differ:\n%s", kind, diff)
		}
	}
	opts.Seed = 43
	rep, err := Sample(filepath.Join(t.TempDir(), "queue"), opts)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Bytes == reports[0].Bytes {
		t.Errorf("seeds 42 and 43 gave the same %d bytes", rep.Bytes)
	}
}

func TestSampleLargeMessage(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "queue")
	rep, err := Sample(dir, SampleOptions{Count: SampleLargeMin, Seed: 1, Now: sampleNow, BigTodo: true})
	if err != nil {
		t.Fatal(err)
	}
	if rep.LargeID == 0 {
		t.Fatal("no large message")
	}
	mess := filepath.Join(dir, "mess", strconv.FormatUint(rep.LargeID%23, 10), strconv.FormatUint(rep.LargeID, 10))
	content, err := os.ReadFile(mess)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := mail.ReadMessage(bytes.NewReader(content))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(msg.Body)
	if len(body) != SampleLargeBody {
		t.Errorf("large body is %d bytes, want %d", len(body), SampleLargeBody)
	}
	if got := readFile(t, filepath.Join(dir, "info", strconv.FormatUint(rep.LargeID%23, 10), strconv.FormatUint(rep.LargeID, 10))); got != "F"+SampleLargeSender+"\x00" {
		t.Errorf("large message info = %q", got)
	}
	if !bytes.HasSuffix(bytes.TrimRight(body, "\n"), []byte("--=_newsletter_catalogue--")) {
		t.Errorf("large body ends %q", body[len(body)-60:])
	}
	// Big-todo: the not yet preprocessed message is under todo/N/.
	todos, _ := filepath.Glob(filepath.Join(dir, "todo", "*", "*"))
	if len(todos) != rep.TodoOnly || rep.TodoOnly == 0 {
		t.Errorf("%d split todo files, report %d", len(todos), rep.TodoOnly)
	}
	if _, err := Sample(dir, SampleOptions{Count: 1}); err == nil {
		t.Error("Sample into a non-empty queue succeeded")
	}
	if _, err := Sample(filepath.Join(t.TempDir(), "q"), SampleOptions{Count: -1}); err == nil {
		t.Error("Sample with a negative count succeeded")
	}
}

func TestWriteSampleControl(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "control")
	if err := WriteSampleControl(dir); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, filepath.Join(dir, "me")); got != "mail.example.com\n" {
		t.Errorf("me = %q", got)
	}
	if got := readFile(t, filepath.Join(dir, "locals")); got != "mail.example.com\nexample.com\nlocalhost\n" {
		t.Errorf("locals = %q", got)
	}
	wantAbsent(t, filepath.Join(dir, "queuelifetime"))
	if err := os.WriteFile(filepath.Join(dir, "me"), []byte("real.example\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteSampleControl(dir); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, filepath.Join(dir, "me")); got != "real.example\n" {
		t.Errorf("an existing me was replaced: %q", got)
	}
}

func TestEncodings(t *testing.T) {
	dec := mime.WordDecoder{}
	for _, s := range append(append([]string{}, sampleUTF8Subjects...), "ein sehr langer Betreff mit Umlauten äöü und noch viel mehr Text dahinter, damit er umbricht") {
		enc := encodeB(s)
		got, err := dec.DecodeHeader(enc)
		if err != nil || got != s {
			t.Errorf("encodeB(%q) = %q decodes to %q, %v", s, enc, got, err)
		}
	}
	for _, s := range sampleLatin1Subjects {
		enc := encodeQLatin1(s)
		got, err := dec.DecodeHeader(enc)
		if err != nil || got != s {
			t.Errorf("encodeQLatin1(%q) = %q decodes to %q, %v", s, enc, got, err)
		}
	}
	if got := encodeQLatin1("Grüße aus Köln"); got != "=?ISO-8859-1?Q?Gr=FC=DFe_aus_K=F6ln?=" {
		t.Errorf("encodeQLatin1 = %q", got)
	}
}
