package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/qqmail/qq/metrics"
	"github.com/qqmail/qq/qmailqueue"
	"github.com/qqmail/qq/qmailqueue/queuetest"
	"github.com/qqmail/qq/qmailqueue/report"
)

// promFamily is one metric family read back from an exposition.
type promFamily struct {
	help, typ string
	samples   []promSample
}

type promSample struct {
	name   string // with _bucket, _sum, _count for histograms
	labels map[string]string
	value  float64
}

var (
	promNameRe  = regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*$`)
	promLabelRe = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)
)

// parseExposition reads the Prometheus text format (0.0.4) strictly, as
// Prometheus' own parser does where it matters here: metric and label
// names, label value escapes (only \\, \" and \n), UTF-8, a TYPE line
// before a family's samples and each family's lines together, no series
// twice, and histograms whose buckets are cumulative and end with +Inf
// equal to _count.
func parseExposition(r io.Reader) (map[string]*promFamily, error) {
	fams := map[string]*promFamily{}
	seen := map[string]bool{}
	closed := map[string]bool{}
	current := ""
	sc := bufio.NewScanner(r)
	for line := 1; sc.Scan(); line++ {
		text := sc.Text()
		fail := func(format string, args ...any) error {
			return fmt.Errorf("line %d %q: %s", line, text, fmt.Sprintf(format, args...))
		}
		if !utf8.ValidString(text) {
			return nil, fail("not UTF-8")
		}
		if text == "" {
			continue
		}
		enter := func(name string) error {
			if name != current {
				if closed[name] {
					return fail("family %s is split", name)
				}
				if current != "" {
					closed[current] = true
				}
				current = name
			}
			if fams[name] == nil {
				fams[name] = &promFamily{}
			}
			return nil
		}
		if strings.HasPrefix(text, "#") {
			f := strings.SplitN(text, " ", 4)
			if len(f) < 3 || (f[1] != "HELP" && f[1] != "TYPE") {
				continue // a plain comment
			}
			if !promNameRe.MatchString(f[2]) {
				return nil, fail("bad metric name")
			}
			if err := enter(f[2]); err != nil {
				return nil, err
			}
			fam := fams[f[2]]
			rest := ""
			if len(f) == 4 {
				rest = f[3]
			}
			if f[1] == "HELP" {
				if fam.help != "" {
					return nil, fail("second HELP")
				}
				h, err := unescapeProm(rest, false)
				if err != nil {
					return nil, fail("%v", err)
				}
				fam.help = h
				continue
			}
			if fam.typ != "" || len(fam.samples) > 0 {
				return nil, fail("TYPE after samples or twice")
			}
			switch rest {
			case "counter", "gauge", "histogram", "summary", "untyped":
			default:
				return nil, fail("unknown type")
			}
			fam.typ = rest
			continue
		}
		s, err := parseSampleLine(text)
		if err != nil {
			return nil, fail("%v", err)
		}
		family := s.name
		for _, suffix := range []string{"_bucket", "_sum", "_count"} {
			if base, ok := strings.CutSuffix(s.name, suffix); ok && fams[base] != nil && fams[base].typ == "histogram" {
				family = base
			}
		}
		if err := enter(family); err != nil {
			return nil, err
		}
		if fams[family].typ == "" {
			return nil, fail("sample without TYPE")
		}
		key := s.name
		names := make([]string, 0, len(s.labels))
		for n := range s.labels {
			names = append(names, n)
		}
		slices.Sort(names)
		for _, n := range names {
			key += "," + n + "=" + s.labels[n]
		}
		if seen[key] {
			return nil, fail("series twice")
		}
		seen[key] = true
		fams[family].samples = append(fams[family].samples, s)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	for name, fam := range fams {
		if fam.typ == "histogram" {
			if err := checkHistogram(name, fam); err != nil {
				return nil, err
			}
		}
	}
	return fams, nil
}

// parseSampleLine parses `name{label="value",…} value [timestamp]`.
func parseSampleLine(text string) (promSample, error) {
	s := promSample{labels: map[string]string{}}
	i := strings.IndexAny(text, "{ ")
	if i < 0 {
		return s, fmt.Errorf("no value")
	}
	s.name, text = text[:i], text[i:]
	if !promNameRe.MatchString(s.name) {
		return s, fmt.Errorf("bad metric name %q", s.name)
	}
	if text[0] == '{' {
		text = text[1:]
		for {
			if strings.HasPrefix(text, "}") {
				text = text[1:]
				break
			}
			eq := strings.Index(text, `="`)
			if eq < 0 {
				return s, fmt.Errorf("bad label")
			}
			name := text[:eq]
			if !promLabelRe.MatchString(name) {
				return s, fmt.Errorf("bad label name %q", name)
			}
			text = text[eq+2:]
			end := -1
			for j := 0; j < len(text); j++ {
				if text[j] == '\\' {
					j++
					continue
				}
				if text[j] == '"' {
					end = j
					break
				}
			}
			if end < 0 {
				return s, fmt.Errorf("unterminated label value")
			}
			v, err := unescapeProm(text[:end], true)
			if err != nil {
				return s, err
			}
			if _, dup := s.labels[name]; dup {
				return s, fmt.Errorf("label %s twice", name)
			}
			s.labels[name] = v
			text = strings.TrimPrefix(text[end+1:], ",")
		}
	}
	f := strings.Fields(text)
	if len(f) < 1 || len(f) > 2 || !strings.HasPrefix(text, " ") {
		return s, fmt.Errorf("want one value and an optional timestamp")
	}
	v, err := strconv.ParseFloat(f[0], 64)
	if err != nil {
		return s, fmt.Errorf("bad value %q", f[0])
	}
	s.value = v
	return s, nil
}

// unescapeProm undoes the escapes of a label value (\\, \", \n) or of help
// text (\\, \n).
func unescapeProm(s string, quoted bool) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' {
			if quoted && c == '\n' {
				return "", fmt.Errorf("raw newline")
			}
			b.WriteByte(c)
			continue
		}
		i++
		switch {
		case i < len(s) && s[i] == '\\':
			b.WriteByte('\\')
		case i < len(s) && s[i] == 'n':
			b.WriteByte('\n')
		case i < len(s) && s[i] == '"' && quoted:
			b.WriteByte('"')
		default:
			return "", fmt.Errorf("bad escape in %q", s)
		}
	}
	return b.String(), nil
}

func checkHistogram(name string, fam *promFamily) error {
	var last float64 = -1
	prevLe := math.Inf(-1)
	var inf, count float64
	var hasInf, hasSum, hasCount bool
	for _, s := range fam.samples {
		switch s.name {
		case name + "_bucket":
			le, err := strconv.ParseFloat(s.labels["le"], 64)
			if err != nil {
				return fmt.Errorf("%s: bucket le %q", name, s.labels["le"])
			}
			if le <= prevLe || s.value < last {
				return fmt.Errorf("%s: buckets not ascending and cumulative at le=%v", name, le)
			}
			prevLe, last = le, s.value
			if math.IsInf(le, 1) {
				inf, hasInf = s.value, true
			}
		case name + "_sum":
			hasSum = true
		case name + "_count":
			count, hasCount = s.value, true
		default:
			return fmt.Errorf("%s: stray sample %s", name, s.name)
		}
	}
	if !hasInf || !hasSum || !hasCount || inf != count {
		return fmt.Errorf("%s: want +Inf bucket (%v) = _count (%v) and _sum", name, inf, count)
	}
	return nil
}

func TestParseExpositionRejects(t *testing.T) {
	good := "# HELP a x\n# TYPE a gauge\na{l=\"v\"} 1\n"
	if _, err := parseExposition(strings.NewReader(good)); err != nil {
		t.Fatalf("good exposition: %v", err)
	}
	for name, bad := range map[string]string{
		"no type":         "a 1\n",
		"bad name":        "# TYPE 1a gauge\n1a 1\n",
		"bad escape":      "# TYPE a gauge\na{l=\"\\t\"} 1\n",
		"unterminated":    "# TYPE a gauge\na{l=\"v} 1\n",
		"twice":           "# TYPE a gauge\na 1\na 2\n",
		"split":           "# TYPE a gauge\na 1\n# TYPE b gauge\nb 1\na{x=\"y\"} 2\n",
		"bad value":       "# TYPE a gauge\na one\n",
		"not cumulative":  "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n",
		"no inf":          "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n",
		"count mismatch":  "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 2\n",
		"invalid utf8":    "# TYPE a gauge\na{l=\"\xff\"} 1\n",
		"type after data": "# TYPE a gauge\na 1\n# TYPE a counter\n",
	} {
		if _, err := parseExposition(strings.NewReader(bad)); err == nil {
			t.Errorf("%s: parsed without error", name)
		}
	}
}

// metricsQueue builds a queue whose sender needs every escape of the
// format: a quote, a backslash, a newline and a byte that is not UTF-8.
func metricsQueue(t *testing.T) (qmailDir, hostile string) {
	t.Helper()
	b := queuetest.NewT(t, queuetest.Options{Split: 3})
	hostile = "evil\"quote\\back\nline\xffbyte@example.com"
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	for i := range 4 {
		m := queuetest.Message{Sender: hostile, Recipients: []queuetest.Recipient{{Addr: "x@example.net", Remote: true}},
			Birth: now.Add(-time.Duration(i) * 30 * time.Hour)}
		if i == 3 {
			m.Sender = "other@example.org"
			m.State = queuetest.Queued
		}
		if _, err := b.Add(m); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Dir(b.Dir()), hostile
}

func TestMetricsExposition(t *testing.T) {
	qmailDir, hostile := metricsQueue(t)
	env := map[string]string{"QQ_NOW": "2026-11-22T12:00:00Z"}
	code, out, errOut := runQQEnv(t, context.Background(), env, "--qmail-dir", qmailDir, "metrics", "--no-service", "--sender-threshold", "2")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	fams, err := parseExposition(strings.NewReader(out))
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	want := map[string]string{
		"qmail_queue_messages":                   "gauge",
		"qmail_queue_messages_pending":           "gauge",
		"qmail_queue_bouncing_messages":          "gauge",
		"qmail_queue_lifetime_seconds":           "gauge",
		"qmail_queue_size_bytes":                 "gauge",
		"qmail_queue_oldest_message_age_seconds": "gauge",
		"qmail_queue_message_age_seconds":        "histogram",
		"qmail_queue_senders":                    "gauge",
		"qmail_queue_sender_messages":            "gauge",
		"qmail_queue_scan_duration_seconds":      "gauge",
	}
	got := map[string]string{}
	for name, f := range fams {
		got[name] = f.typ
		if f.help == "" {
			t.Errorf("%s has no HELP", name)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("families (-want +got):\n%s", diff)
	}
	senders := fams["qmail_queue_sender_messages"].samples
	wantLabel := strings.ToValidUTF8(strings.ToLower(hostile), "\uFFFD")
	if len(senders) != 1 || senders[0].labels["sender"] != wantLabel || senders[0].value != 3 {
		t.Errorf("sender series = %+v, want %q = 3", senders, wantLabel)
	}
	for _, s := range fams["qmail_queue_messages"].samples {
		if want := map[string]float64{"queued": 3, "todo": 1}[s.labels["state"]]; s.value != want {
			t.Errorf("state %s = %v, want %v", s.labels["state"], s.value, want)
		}
	}
	hist := fams["qmail_queue_message_age_seconds"].samples
	// Ages 0, 30h, 60h, 90h; the sum is 180h.
	last := hist[len(hist)-1]
	sum := hist[len(hist)-2]
	if last.name != "qmail_queue_message_age_seconds_count" || last.value != 4 || sum.value != 180*3600 {
		t.Errorf("histogram ends with %+v, %+v", sum, last)
	}
}

func TestPromFloat(t *testing.T) {
	for v, want := range map[float64]string{
		0: "0", 41282260: "41282260", 0.5: "0.5", math.Inf(1): "+Inf", math.Inf(-1): "-Inf", 1e300: "1e+300",
	} {
		if got := metrics.Float(v); got != want {
			t.Errorf("metrics.Float(%v) = %q, want %q", v, got, want)
		}
	}
	if got := metrics.Float(math.NaN()); got != "NaN" {
		t.Errorf("metrics.Float(NaN) = %q", got)
	}
}

// TestMetricsListen serves /metrics on a loopback port and stops the server
// by cancelling the context, as SIGTERM does.
func TestMetricsListen(t *testing.T) {
	qmailDir, _ := metricsQueue(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	var stdout bytes.Buffer
	go func() {
		done <- run(ctx, []string{"--qmail-dir", qmailDir, "metrics", "--no-service", "--listen", "127.0.0.1:0"},
			strings.NewReader(""), &stdout, pw, func(string) string { return "" })
		pw.Close()
	}()
	br := bufio.NewReader(pr)
	line, err := br.ReadString('\n')
	if err != nil {
		t.Fatalf("reading stderr: %v", err)
	}
	go io.Copy(io.Discard, br)
	m := regexp.MustCompile(`^qq: serving metrics on (http://127\.0\.0\.1:\d+/metrics)\n$`).FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("stderr line %q", line)
	}
	for range 2 { // every scrape reads the queue anew
		resp, err := http.Get(m[1])
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != metrics.ContentType {
			t.Fatalf("GET /metrics: %s, Content-Type %q", resp.Status, resp.Header.Get("Content-Type"))
		}
		fams, err := parseExposition(bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if fams["qmail_queue_messages"] == nil {
			t.Fatalf("no qmail_queue_messages in\n%s", body)
		}
	}
	resp, err := http.Get(strings.TrimSuffix(m[1], "metrics") + "nothing")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET /nothing: %s", resp.Status)
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("exit %d after cancellation, want 0", code)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the server did not stop on cancellation")
	}
	if _, err := net.DialTimeout("tcp", strings.TrimPrefix(strings.TrimSuffix(m[1], "/metrics"), "http://"), time.Second); err == nil {
		t.Error("still listening after cancellation")
	}
	if stdout.Len() != 0 {
		t.Errorf("stdout: %q", stdout.String())
	}
}

// TestMetricsNodeExporter hands qq metrics --output to the real consumer,
// node_exporter's textfile collector (Debian's prometheus-node-exporter),
// which parses it with Prometheus' own parser and reports a scrape error
// for a file it rejects.
func TestMetricsNodeExporter(t *testing.T) {
	bin, err := exec.LookPath("prometheus-node-exporter")
	if err != nil {
		t.Skip("prometheus-node-exporter is not installed (Debian package prometheus-node-exporter)")
	}
	qmailDir, hostile := metricsQueue(t)
	textDir := t.TempDir()
	code, _, errOut := runQQEnv(t, context.Background(), nil, "--qmail-dir", qmailDir, "metrics", "--no-service", "--sender-threshold", "1",
		"--output", filepath.Join(textDir, "qmail.prom"))
	if code != 0 {
		t.Fatalf("qq metrics: exit %d: %s", code, errOut)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(bin, "--collector.disable-defaults", "--collector.textfile",
		"--collector.textfile.directory="+textDir, "--web.listen-address="+addr)
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Kill()
		cmd.Wait()
	}()
	var body []byte
	for deadline := time.Now().Add(15 * time.Second); ; {
		resp, err := http.Get("http://" + addr + "/metrics")
		if err == nil {
			body, _ = io.ReadAll(resp.Body)
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("node_exporter did not answer: %v\n%s", err, logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	text := string(body)
	if !strings.Contains(text, "node_textfile_scrape_error 0") {
		t.Fatalf("node_exporter rejected the file:\n%s\n%s", logs.String(), grepLines(text, "textfile"))
	}
	label := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(strings.ToValidUTF8(strings.ToLower(hostile), "\uFFFD"))
	for _, want := range []string{
		`qmail_queue_messages{state="queued"} 3`,
		`qmail_queue_message_age_seconds_bucket{le="+Inf"} 4`,
		`qmail_queue_sender_messages{sender="` + label + `"} 3`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("node_exporter does not export %s:\n%s", want, grepLines(text, "qmail_"))
		}
	}
}

func grepLines(text, substr string) string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, substr) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// The age histogram's sum of a million messages a year old is positive and
// exact in the exposition (it was once kept in a time.Duration, which wraps
// after 292 years of total age and printed -6.74e+09 for 50,000 messages).
func TestMetricsAgeSumMillionMessages(t *testing.T) {
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	const n = 1_000_000
	snap := &report.Snapshot{Now: now, AgeBuckets: report.DefaultAgeBuckets, AgeCounts: make([]int, len(report.DefaultAgeBuckets)+1)}
	snap.ByState = map[qmailqueue.State]int{}
	m := &qmailqueue.Message{Birth: now.AddDate(-1, 0, 0), State: qmailqueue.StatePreprocessed}
	for range n {
		snap.Add(m)
	}
	var buf bytes.Buffer
	bw := bufio.NewWriter(&buf)
	metrics.NewWriter(bw).AgeHistogram(snap)
	bw.Flush()
	fams, err := parseExposition(&buf)
	if err != nil {
		t.Fatal(err)
	}
	hist := fams["qmail_queue_message_age_seconds"].samples
	sum, count := hist[len(hist)-2], hist[len(hist)-1]
	if want := float64(n) * 365 * 86400; sum.name != "qmail_queue_message_age_seconds_sum" || sum.value != want {
		t.Errorf("sum sample %+v, want %g", sum, want)
	}
	if count.value != n {
		t.Errorf("count sample %+v, want %d", count, n)
	}
}
