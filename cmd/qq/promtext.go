package main

import (
	"bufio"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/qqmail/qq/qmailqueue/report"
)

// promWriter writes the Prometheus text exposition format, version 0.0.4,
// which Prometheus and node_exporter's textfile collector read: for each
// metric family a "# HELP" and a "# TYPE" line, then its samples
// "name{label="value",…} value", label values and help text escaped as the
// format says (\\, \" and \n in label values; \\ and \n in help).
type promWriter struct {
	w *bufio.Writer
}

// promContentType is the HTTP Content-Type of the format.
const promContentType = "text/plain; version=0.0.4; charset=utf-8"

// family starts a metric family of type typ (gauge, counter, histogram).
func (p *promWriter) family(name, typ, help string) {
	p.w.WriteString("# HELP " + name + " ")
	p.w.WriteString(strings.NewReplacer(`\`, `\\`, "\n", `\n`).Replace(help))
	p.w.WriteString("\n# TYPE " + name + " " + typ + "\n")
}

// sample writes one sample; labels are name, value pairs.
func (p *promWriter) sample(name string, value float64, labels ...string) {
	p.w.WriteString(name)
	if len(labels) > 0 {
		p.w.WriteByte('{')
		for i := 0; i+1 < len(labels); i += 2 {
			if i > 0 {
				p.w.WriteByte(',')
			}
			p.w.WriteString(labels[i] + `="` + promEscape(labels[i+1]) + `"`)
		}
		p.w.WriteByte('}')
	}
	p.w.WriteByte(' ')
	p.w.WriteString(promFloat(value))
	p.w.WriteByte('\n')
}

// gauge writes a family with one unlabelled sample.
func (p *promWriter) gauge(name, help string, value float64) {
	p.family(name, "gauge", help)
	p.sample(name, value)
}

// histogram writes a histogram family: counts are per bucket, not
// cumulative, one more than bounds (the last is above every bound).
func (p *promWriter) histogram(name, help string, bounds []float64, counts []int, sum float64) {
	p.family(name, "histogram", help)
	total := 0
	for i, b := range bounds {
		total += counts[i]
		p.sample(name+"_bucket", float64(total), "le", promFloat(b))
	}
	total += counts[len(bounds)]
	p.sample(name+"_bucket", float64(total), "le", "+Inf")
	p.sample(name+"_sum", sum)
	p.sample(name+"_count", float64(total))
}

// ageHistogram writes qmail_queue_message_age_seconds from a snapshot; the
// sum is in float seconds, whatever the number and the ages of the messages.
func (p *promWriter) ageHistogram(snap *report.Snapshot) {
	bounds := make([]float64, len(snap.AgeBuckets))
	for i, b := range snap.AgeBuckets {
		bounds[i] = b.Seconds()
	}
	p.histogram("qmail_queue_message_age_seconds", "Ages of the messages in the queue.", bounds, snap.AgeCounts, snap.AgeSumSeconds)
}

// promEscape escapes a label value; bytes that are not UTF-8 (addresses
// may hold any byte) become U+FFFD, since the format is UTF-8.
func promEscape(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s)
}

// promFloat formats a sample value as Go's strconv does, which the format
// accepts, with the format's spelling of the infinities and NaN.
func promFloat(v float64) string {
	switch {
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	case math.IsNaN(v):
		return "NaN"
	case v == math.Trunc(v) && math.Abs(v) < 1<<53:
		return strconv.FormatInt(int64(v), 10)
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}
