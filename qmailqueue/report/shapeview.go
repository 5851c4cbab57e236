package report

import (
	"strconv"
	"time"
)

// Name names a row for people; "" is the row of addresses without a
// domain (and, for sender domains, the null sender): "(none)".
func (r ShapeRow) Name() string {
	if r.Domain == "" {
		return "(none)"
	}
	return r.Domain
}

// Labels labels each bucket with its upper limit, the last one with the
// last limit and "+", as qshape does.
func (s *Shape) Labels() []string {
	labels := make([]string, 0, len(s.limits)+1)
	for _, l := range s.limits {
		labels = append(labels, CompactAge(l))
	}
	return append(labels, CompactAge(s.limits[len(s.limits)-1])+"+")
}

// CompactAge writes a duration in the largest unit that divides it: 5m,
// 80m, 2h, 3d, 90s.
func CompactAge(d time.Duration) string {
	s := int64(d / time.Second)
	switch {
	case s == 0:
		return "0s"
	case s%86400 == 0:
		return strconv.FormatInt(s/86400, 10) + "d"
	case s%3600 == 0:
		return strconv.FormatInt(s/3600, 10) + "h"
	case s%60 == 0:
		return strconv.FormatInt(s/60, 10) + "m"
	}
	return strconv.FormatInt(s, 10) + "s"
}

// ShapeJSON is the JSON schema of `qq shape`.
type ShapeJSON struct {
	By      string            `json:"by"`
	Buckets []ShapeBucketJSON `json:"buckets"`
	Total   ShapeRowJSON      `json:"total"`
	Rows    []ShapeRowJSON    `json:"rows"`
}

// ShapeBucketJSON is one age bucket: messages up to MaxAge seconds old
// (and older than the previous bucket's); null for the last, open bucket.
type ShapeBucketJSON struct {
	Label  string `json:"label"`
	MaxAge *int64 `json:"max_age_seconds"`
}

// ShapeRowJSON is one row of a shape.
type ShapeRowJSON struct {
	Domain string `json:"domain"`
	Parent bool   `json:"parent"`
	Total  int    `json:"total"`
	Counts []int  `json:"counts"`
}

// JSON returns the JSON view of the shape with the given rows (Rows).
func (s *Shape) JSON(rows []ShapeRow) ShapeJSON {
	v := ShapeJSON{By: s.opts.Key.String(), Rows: []ShapeRowJSON{}}
	for i, l := range s.Labels() {
		b := ShapeBucketJSON{Label: l}
		if i < len(s.limits) {
			sec := int64(s.limits[i] / time.Second)
			b.MaxAge = &sec
		}
		v.Buckets = append(v.Buckets, b)
	}
	v.Total = ShapeRowJSON(s.Total())
	for _, r := range rows {
		v.Rows = append(v.Rows, ShapeRowJSON(r))
	}
	return v
}
