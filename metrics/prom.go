package metrics

import (
	"bufio"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/qqmail/qq/qmailqueue/report"
)

// ContentType is the HTTP Content-Type of the exposition format.
const ContentType = "text/plain; version=0.0.4; charset=utf-8"

// Writer writes the text exposition format: for each metric family a
// "# HELP" and a "# TYPE" line, then its samples
// "name{label="value",…} value", label values and help text escaped as the
// format says (\\, \" and \n in label values; \\ and \n in help). The
// caller flushes the underlying writer.
type Writer struct {
	w *bufio.Writer
}

// NewWriter returns a Writer that writes to w.
func NewWriter(w *bufio.Writer) *Writer { return &Writer{w: w} }

var helpEscaper = strings.NewReplacer(`\`, `\\`, "\n", `\n`)

// Family starts a metric family of type typ (gauge, counter, histogram).
func (p *Writer) Family(name, typ, help string) {
	p.w.WriteString("# HELP " + name + " ")
	p.w.WriteString(helpEscaper.Replace(help))
	p.w.WriteString("\n# TYPE " + name + " " + typ + "\n")
}

// Sample writes one sample; labels are name, value pairs.
func (p *Writer) Sample(name string, value float64, labels ...string) {
	p.w.WriteString(name)
	if len(labels) > 0 {
		p.w.WriteByte('{')
		for i := 0; i+1 < len(labels); i += 2 {
			if i > 0 {
				p.w.WriteByte(',')
			}
			p.w.WriteString(labels[i] + `="` + EscapeLabel(labels[i+1]) + `"`)
		}
		p.w.WriteByte('}')
	}
	p.w.WriteByte(' ')
	p.w.WriteString(Float(value))
	p.w.WriteByte('\n')
}

// Gauge writes a family with one unlabelled sample.
func (p *Writer) Gauge(name, help string, value float64) {
	p.Family(name, "gauge", help)
	p.Sample(name, value)
}

// Histogram writes a histogram family: counts are per bucket, not
// cumulative, one more than bounds (the last is above every bound).
func (p *Writer) Histogram(name, help string, bounds []float64, counts []int, sum float64) {
	p.Family(name, "histogram", help)
	total := 0
	for i, b := range bounds {
		total += counts[i]
		p.Sample(name+"_bucket", float64(total), "le", Float(b))
	}
	total += counts[len(bounds)]
	p.Sample(name+"_bucket", float64(total), "le", "+Inf")
	p.Sample(name+"_sum", sum)
	p.Sample(name+"_count", float64(total))
}

// AgeHistogram writes qmail_queue_message_age_seconds from a snapshot; the
// sum is in float seconds, whatever the number and the ages of the messages.
func (p *Writer) AgeHistogram(snap *report.Snapshot) {
	bounds := make([]float64, len(snap.AgeBuckets))
	for i, b := range snap.AgeBuckets {
		bounds[i] = b.Seconds()
	}
	p.Histogram("qmail_queue_message_age_seconds", "Ages of the messages in the queue.", bounds, snap.AgeCounts, snap.AgeSumSeconds)
}

var labelEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)

// EscapeLabel escapes a label value; bytes that are not UTF-8 (addresses
// may hold any byte) become U+FFFD, since the format is UTF-8.
func EscapeLabel(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	return labelEscaper.Replace(s)
}

// Float formats a sample value as Go's strconv does, which the format
// accepts, with the format's spelling of the infinities and NaN.
func Float(v float64) string {
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
