// Package cdb reads and writes D. J. Bernstein's constant databases, the
// format of qmail's control/morercpthosts.cdb (and of users/cdb).
//
// The format (https://cr.yp.to/cdb/cdb.txt): a 2048-byte header of 256
// (position, slot count) pairs, then the records, each a little-endian
// uint32 key length, a uint32 data length, the key and the data, then 256
// hash tables of 8-byte slots (hash, record position). Every number is a
// little-endian uint32, so a file cannot exceed 4 GiB. The hash starts at
// 5381 and is h = ((h << 5) + h) ^ c for every byte c. A key's table is
// h & 255; its first slot is (h >> 8) % slots, probing linearly; an empty
// slot (position 0) ends the search.
//
// [Writer] lays the file out exactly as qmail's cdbmake code (cdbmss.c,
// cdbmake_split, cdbmake_throw) and freecdb's cdbmake do, so equal input
// gives a byte-identical file. [Reader] checks every offset against the
// file size and never loops forever, so a truncated or hostile file gives
// [ErrFormat], not a panic.
package cdb

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"iter"

	"github.com/qqmail/qq/internal/regularfile"
)

// headerSize is the size of the table of 256 (position, length) pairs.
const headerSize = 2048

// ErrFormat reports a file that is not a well-formed cdb: too short, or an
// offset or length that points outside the file.
var ErrFormat = errors.New("malformed cdb")

// Hash is the cdb hash of key.
func Hash(key []byte) uint32 {
	h := uint32(5381)
	for _, c := range key {
		h = ((h << 5) + h) ^ uint32(c)
	}
	return h
}

// Reader looks keys up in a cdb. It is safe for concurrent use when the
// underlying io.ReaderAt is.
type Reader struct {
	r      io.ReaderAt
	size   int64
	header [headerSize]byte
	closer io.Closer
}

// NewReader reads the header of the cdb of the given size held by r.
func NewReader(r io.ReaderAt, size int64) (*Reader, error) {
	if size < headerSize {
		return nil, fmt.Errorf("%w: %d bytes, shorter than the %d-byte header", ErrFormat, size, headerSize)
	}
	if size > 1<<32 {
		return nil, fmt.Errorf("%w: %d bytes, larger than 4 GiB", ErrFormat, size)
	}
	rd := &Reader{r: r, size: size}
	if _, err := r.ReadAt(rd.header[:], 0); err != nil {
		return nil, fmt.Errorf("read cdb header: %w", err)
	}
	return rd, nil
}

// Open opens the cdb file at path. Close releases it.
// It refuses anything but a regular file (a FIFO would block).
func Open(path string) (*Reader, error) {
	f, fi, err := regularfile.Open(path, 0)
	if errors.Is(err, regularfile.ErrNotRegular) {
		return nil, fmt.Errorf("%s: %w: not a regular file", path, ErrFormat)
	}
	if err != nil {
		return nil, err
	}
	rd, err := NewReader(f, fi.Size())
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	rd.closer = f
	return rd, nil
}

// Close closes the file opened by [Open]; for a Reader made by [NewReader]
// it does nothing.
func (rd *Reader) Close() error {
	if rd.closer == nil {
		return nil
	}
	return rd.closer.Close()
}

// readAt reads exactly len(buf) bytes at off, or reports ErrFormat when
// they lie outside the file.
func (rd *Reader) readAt(buf []byte, off uint64) error {
	if off > uint64(rd.size) || uint64(len(buf)) > uint64(rd.size)-off {
		return fmt.Errorf("%w: %d bytes at offset %d lie beyond the end (%d bytes)", ErrFormat, len(buf), off, rd.size)
	}
	_, err := rd.r.ReadAt(buf, int64(off))
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return err
}

// Get returns the data of the first record whose key is key, as qmail's
// cdb_seek finds it. ok is false when there is none.
func (rd *Reader) Get(key []byte) (data []byte, ok bool, err error) {
	for d, err := range rd.Values(key) {
		return d, err == nil, err
	}
	return nil, false, nil
}

// Values yields the data of every record whose key is key, in the order
// they were added (cdb_findnext). A read error or a malformed table ends
// the sequence with a non-nil error.
func (rd *Reader) Values(key []byte) iter.Seq2[[]byte, error] {
	return func(yield func([]byte, error) bool) {
		h := Hash(key)
		tpos := uint64(binary.LittleEndian.Uint32(rd.header[(h&255)*8:]))
		slots := uint64(binary.LittleEndian.Uint32(rd.header[(h&255)*8+4:]))
		if slots == 0 {
			return
		}
		if slots > (uint64(rd.size)-min(tpos, uint64(rd.size)))/8 {
			yield(nil, fmt.Errorf("%w: hash table %d has %d slots at offset %d, beyond the end", ErrFormat, h&255, slots, tpos))
			return
		}
		start := uint64(h>>8) % slots
		var slot [8]byte
		for i := range slots {
			off := tpos + ((start+i)%slots)*8
			if err := rd.readAt(slot[:], off); err != nil {
				yield(nil, err)
				return
			}
			sh := binary.LittleEndian.Uint32(slot[:4])
			rpos := uint64(binary.LittleEndian.Uint32(slot[4:]))
			if rpos == 0 {
				return
			}
			if sh != h {
				continue
			}
			k, d, err := rd.recordAt(rpos, len(key))
			if err != nil {
				yield(nil, err)
				return
			}
			if k == nil || !bytes.Equal(k, key) {
				continue
			}
			if !yield(d, nil) {
				return
			}
		}
	}
}

// recordAt reads the record at pos. When wantKeyLen is not negative and the
// record's key has another length, it returns nil key and data without
// reading them.
func (rd *Reader) recordAt(pos uint64, wantKeyLen int) (key, data []byte, err error) {
	var lens [8]byte
	if err := rd.readAt(lens[:], pos); err != nil {
		return nil, nil, err
	}
	klen := uint64(binary.LittleEndian.Uint32(lens[:4]))
	dlen := uint64(binary.LittleEndian.Uint32(lens[4:]))
	if wantKeyLen >= 0 && klen != uint64(wantKeyLen) {
		return nil, nil, nil
	}
	if pos+8+klen+dlen > uint64(rd.size) {
		return nil, nil, fmt.Errorf("%w: record at offset %d (key %d, data %d bytes) runs past the end (%d bytes)", ErrFormat, pos, klen, dlen, rd.size)
	}
	buf := make([]byte, klen+dlen)
	if err := rd.readAt(buf, pos+8); err != nil {
		return nil, nil, err
	}
	return buf[:klen:klen], buf[klen:], nil
}

// Record is one key and its data.
type Record struct {
	Key, Data []byte
}

// All yields every record in file order, as cdbdump prints them: from the
// end of the header up to the first hash table.
func (rd *Reader) All() iter.Seq2[Record, error] {
	return func(yield func(Record, error) bool) {
		end := uint64(binary.LittleEndian.Uint32(rd.header[0:4]))
		if end < headerSize || end > uint64(rd.size) {
			yield(Record{}, fmt.Errorf("%w: end of records %d outside the file (%d bytes)", ErrFormat, end, rd.size))
			return
		}
		pos := uint64(headerSize)
		for pos < end {
			if end-pos < 8 {
				yield(Record{}, fmt.Errorf("%w: partial record header at offset %d", ErrFormat, pos))
				return
			}
			k, d, err := rd.recordAt(pos, -1)
			if err == nil && pos+8+uint64(len(k))+uint64(len(d)) > end {
				err = fmt.Errorf("%w: record at offset %d runs into the hash tables", ErrFormat, pos)
			}
			if err != nil {
				yield(Record{}, err)
				return
			}
			if !yield(Record{Key: k, Data: d}, nil) {
				return
			}
			pos += 8 + uint64(len(k)) + uint64(len(d))
		}
	}
}
