package report

import "strconv"

// SizeBucket is a range of message sizes, [Min, Max) bytes; Max is 0 for
// the last bucket, which has no upper bound.
type SizeBucket struct {
	Name     string // e.g. "4K-16K"; K, M are powers of 1024
	Min, Max int64
}

// sizeLimits are the bucket boundaries: 1 KiB, growing fourfold to 64 MiB.
var sizeLimits = []int64{1 << 10, 4 << 10, 16 << 10, 64 << 10, 256 << 10, 1 << 20, 4 << 20, 16 << 20, 64 << 20}

// SizeBuckets returns the buckets of [KeySize], smallest first: 0-1K,
// 1K-4K, 4K-16K, …, 16M-64M, 64M+.
func SizeBuckets() []SizeBucket {
	buckets := make([]SizeBucket, 0, len(sizeLimits)+1)
	lo := int64(0)
	for _, hi := range sizeLimits {
		buckets = append(buckets, SizeBucket{Name: sizeName(lo) + "-" + sizeName(hi), Min: lo, Max: hi})
		lo = hi
	}
	return append(buckets, SizeBucket{Name: sizeName(lo) + "+", Min: lo})
}

// SizeBucketOf returns the bucket a message of size bytes falls in.
func SizeBucketOf(size int64) SizeBucket {
	buckets := sizeBuckets
	for _, b := range buckets[:len(buckets)-1] {
		if size < b.Max {
			return b
		}
	}
	return buckets[len(buckets)-1]
}

// SizeBucketNamed returns the bucket called name, as [SizeBucket.Name]
// spells it.
func SizeBucketNamed(name string) (SizeBucket, bool) {
	for _, b := range sizeBuckets {
		if b.Name == name {
			return b, true
		}
	}
	return SizeBucket{}, false
}

var sizeBuckets = SizeBuckets()

// sizeName writes a power-of-two size compactly: 0, 4K, 16M.
func sizeName(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + "M"
	case n >= 1<<10 && n%(1<<10) == 0:
		return strconv.FormatInt(n>>10, 10) + "K"
	}
	return strconv.FormatInt(n, 10)
}

// SizeBucketNames returns the names of the buckets, smallest first.
func SizeBucketNames() []string {
	names := make([]string, len(sizeBuckets))
	for i, b := range sizeBuckets {
		names[i] = b.Name
	}
	return names
}
