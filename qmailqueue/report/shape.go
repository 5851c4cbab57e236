package report

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/qqmail/qq/qmailqueue"
)

// ShapeOptions configures a [Shape].
type ShapeOptions struct {
	// Key is KeyRecipientDomain (count pending recipients per domain, as
	// qshape does by default) or KeySenderDomain (count messages, qshape
	// -s).
	Key Key
	// First is the upper age limit of the first bucket (qshape -t).
	First time.Duration
	// Buckets is the number of buckets, the last one open-ended (qshape
	// -b); at least 2.
	Buckets int
	// Linear makes the limits First, 2·First, 3·First, … instead of
	// doubling (qshape -l).
	Linear bool
	// Now is the clock ages are measured from.
	Now time.Time
}

// DefaultShapeOptions are qshape's defaults: recipient domains, ten buckets
// doubling from five minutes.
func DefaultShapeOptions(now time.Time) ShapeOptions {
	return ShapeOptions{Key: KeyRecipientDomain, First: 5 * time.Minute, Buckets: 10, Now: now}
}

// Shape counts messages (sender domains) or pending recipients (recipient
// domains) per domain and age bucket, the table Postfix's qshape prints.
type Shape struct {
	opts   ShapeOptions
	limits []time.Duration
	rows   map[string][]int
	total  []int
}

// ShapeRow is one line of a shape: a domain (or, with parents, ".parent"
// standing for its subdomains) and its count in each age bucket.
type ShapeRow struct {
	Domain string
	// Parent is true for a parent-domain row, whose Domain starts with a
	// dot and which sums the rows of every subdomain.
	Parent bool
	Total  int
	Counts []int
}

// NewShape returns an empty shape.
func NewShape(opts ShapeOptions) (*Shape, error) {
	if opts.Key != KeyRecipientDomain && opts.Key != KeySenderDomain {
		return nil, errors.New("a shape groups by rcpt-domain or sender-domain")
	}
	if opts.Buckets < 2 {
		return nil, errors.New("a shape needs at least 2 buckets")
	}
	if opts.First <= 0 {
		return nil, errors.New("the first bucket must be longer than 0")
	}
	s := &Shape{opts: opts, rows: map[string][]int{}, total: make([]int, opts.Buckets)}
	limit := opts.First
	for i := 0; i < opts.Buckets-1; i++ {
		s.limits = append(s.limits, limit)
		next := limit * 2
		if opts.Linear {
			next = limit + opts.First
		}
		if next < limit { // overflow: keep the last limit
			next = limit
		}
		limit = next
	}
	return s, nil
}

// Limits returns the upper age limits of every bucket but the last, which
// holds everything older.
func (s *Shape) Limits() []time.Duration { return s.limits }

// Fields returns what a scan must read.
func (s *Shape) Fields() qmailqueue.Fields {
	return s.opts.Key.Fields() | qmailqueue.FieldBirth
}

// bucket returns the bucket of a message born at birth: the first whose
// limit its age does not exceed.
func (s *Shape) bucket(birth time.Time) int {
	age := s.opts.Now.Sub(birth)
	i, _ := slices.BinarySearch(s.limits, age)
	return i
}

// Add counts m.
func (s *Shape) Add(m *qmailqueue.Message) {
	b := s.bucket(m.Birth)
	if s.opts.Key == KeySenderDomain {
		s.count(Domain(m.Sender), b, 1)
		return
	}
	for _, r := range m.Recipients {
		if !r.Done {
			s.count(Domain(r.Address), b, 1)
		}
	}
}

func (s *Shape) count(domain string, bucket, n int) {
	row := s.rows[domain]
	if row == nil {
		row = make([]int, len(s.total))
		s.rows[domain] = row
	}
	row[bucket] += n
	s.total[bucket] += n
}

// Total returns the TOTAL row: the sum of every domain's row.
func (s *Shape) Total() ShapeRow {
	return ShapeRow{Domain: "TOTAL", Total: sum(s.total), Counts: slices.Clone(s.total)}
}

// Len returns the number of domains counted.
func (s *Shape) Len() int { return len(s.rows) }

// RowOptions selects the rows of a shape.
type RowOptions struct {
	// Top limits the rows to the largest Top (0 means all).
	Top int
	// Parents adds parent-domain rows (qshape -p): ".example.com" sums
	// every subdomain of example.com, and is shown when it has at least
	// MinSubdomains of them; top-level domains get none.
	Parents       bool
	MinSubdomains int
}

// Rows returns the domain rows, largest total first (ties by name).
func (s *Shape) Rows(opts RowOptions) []ShapeRow {
	rows := make([]ShapeRow, 0, len(s.rows))
	for d, counts := range s.rows {
		rows = append(rows, ShapeRow{Domain: d, Total: sum(counts), Counts: slices.Clone(counts)})
	}
	if opts.Parents {
		rows = append(rows, s.parents(opts.MinSubdomains)...)
	}
	slices.SortFunc(rows, func(a, b ShapeRow) int {
		return cmp.Or(cmp.Compare(b.Total, a.Total), cmp.Compare(a.Domain, b.Domain))
	})
	if opts.Top > 0 && len(rows) > opts.Top {
		rows = rows[:opts.Top]
	}
	return rows
}

// parents sums every domain into each of its parent domains below the top
// level, and keeps the parents with at least min subdomains.
func (s *Shape) parents(min int) []ShapeRow {
	type parent struct {
		counts []int
		subs   int
	}
	ps := map[string]*parent{}
	for d, counts := range s.rows {
		for rest := d; ; {
			i := strings.IndexByte(rest, '.')
			if i < 0 {
				break
			}
			rest = rest[i+1:]
			if !strings.Contains(rest, ".") {
				break // a top-level domain gets no row
			}
			p := ps[rest]
			if p == nil {
				p = &parent{counts: make([]int, len(s.total))}
				ps[rest] = p
			}
			p.subs++
			for i, n := range counts {
				p.counts[i] += n
			}
		}
	}
	var rows []ShapeRow
	for name, p := range ps {
		if p.subs >= min {
			rows = append(rows, ShapeRow{Domain: "." + name, Parent: true, Total: sum(p.counts), Counts: p.counts})
		}
	}
	return rows
}

func sum(counts []int) int {
	t := 0
	for _, n := range counts {
		t += n
	}
	return t
}

// ShapeArgs are a shape's options as qq shape's command line gives them
// (qshape's -t, -b, -l, -n, -p, -m).
type ShapeArgs struct {
	By            string // rcpt-domain or sender-domain
	First         string // the first bucket's upper age limit, such as 5m ([qmailqueue.ParseAge])
	Buckets       int    // 2 to 100
	Linear        bool
	Top           int // 0: all domains
	Parents       bool
	MinSubdomains int
}

// Parse returns the [ShapeOptions] and [RowOptions] args describe, ages
// counted from now. An error names the option as qq shape spells it.
func (args ShapeArgs) Parse(now time.Time) (ShapeOptions, RowOptions, error) {
	key, err := ParseKey(args.By)
	if err != nil || (key != KeyRecipientDomain && key != KeySenderDomain) {
		return ShapeOptions{}, RowOptions{}, fmt.Errorf("--by %q: choose rcpt-domain or sender-domain", args.By)
	}
	first, err := qmailqueue.ParseAge(args.First)
	if err != nil || first <= 0 {
		return ShapeOptions{}, RowOptions{}, fmt.Errorf("-t/--bucket-time: want a positive age such as 5m, 1h or 1d, not %q", args.First)
	}
	if args.Buckets < 2 || args.Buckets > 100 {
		return ShapeOptions{}, RowOptions{}, errors.New("-b/--buckets must be between 2 and 100")
	}
	if args.Top < 0 || args.MinSubdomains < 0 {
		return ShapeOptions{}, RowOptions{}, errors.New("--top and --min-subdomains must not be negative")
	}
	return ShapeOptions{Key: key, First: first, Buckets: args.Buckets, Linear: args.Linear, Now: now},
		RowOptions{Top: args.Top, Parents: args.Parents, MinSubdomains: args.MinSubdomains}, nil
}
