package cdb

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// ErrTooBig reports a database that would not fit the format's 32-bit
// offsets.
var ErrTooBig = errors.New("cdb would exceed 4 GiB")

// slot is a hash table entry: the key's hash and its record's position.
type slot struct {
	hash, pos uint32
}

// Writer builds a cdb. Records are streamed to the underlying file; only
// 8 bytes per record stay in memory until [Writer.Close] writes the hash
// tables and the header. Duplicate keys are kept, in order.
type Writer struct {
	w     io.WriteSeeker
	bw    *bufio.Writer
	pos   uint64
	slots []slot
	err   error
}

// NewWriter starts a cdb at the current beginning of w (offset 0): it
// reserves the header, which Close fills in.
func NewWriter(w io.WriteSeeker) (*Writer, error) {
	if _, err := w.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("seek to start: %w", err)
	}
	cw := &Writer{w: w, bw: bufio.NewWriterSize(w, 64<<10), pos: headerSize}
	if _, err := cw.bw.Write(make([]byte, headerSize)); err != nil {
		return nil, err
	}
	return cw, nil
}

// Add appends a record.
func (cw *Writer) Add(key, data []byte) error {
	if cw.err != nil {
		return cw.err
	}
	n := 8 + uint64(len(key)) + uint64(len(data))
	// Leave room for this record's two table slots, as cdbmake does.
	if cw.pos+n+16*uint64(len(cw.slots)+1) > 1<<32-1 {
		cw.err = ErrTooBig
		return cw.err
	}
	var lens [8]byte
	binary.LittleEndian.PutUint32(lens[:4], uint32(len(key)))
	binary.LittleEndian.PutUint32(lens[4:], uint32(len(data)))
	cw.bw.Write(lens[:])
	cw.bw.Write(key)
	if _, err := cw.bw.Write(data); err != nil {
		cw.err = err
		return err
	}
	cw.slots = append(cw.slots, slot{hash: Hash(key), pos: uint32(cw.pos)})
	cw.pos += n
	return nil
}

// Close writes the hash tables and the header and flushes everything. It
// does not close the underlying writer (the caller fsyncs and renames it).
func (cw *Writer) Close() error {
	if cw.err != nil {
		return cw.err
	}
	// Group the slots by table, keeping the order they were added in
	// (cdbmake_split), then place each table's slots by linear probing
	// (cdbmake_throw).
	var count [256]int
	for _, s := range cw.slots {
		count[s.hash&255]++
	}
	var start [256]int
	for i, u := 1, 0; i < 256; i++ {
		u += count[i-1]
		start[i] = u
	}
	split := make([]slot, len(cw.slots))
	next := start
	for _, s := range cw.slots {
		b := s.hash & 255
		split[next[b]] = s
		next[b]++
	}
	var header [headerSize]byte
	var table []slot
	var buf [8]byte
	for b := range 256 {
		n := uint32(count[b]) * 2
		binary.LittleEndian.PutUint32(header[b*8:], uint32(cw.pos))
		binary.LittleEndian.PutUint32(header[b*8+4:], n)
		table = append(table[:0], make([]slot, n)...)
		for _, s := range split[start[b] : start[b]+count[b]] {
			where := (s.hash >> 8) % n
			for table[where].pos != 0 {
				if where++; where == n {
					where = 0
				}
			}
			table[where] = s
		}
		for _, s := range table {
			binary.LittleEndian.PutUint32(buf[:4], s.hash)
			binary.LittleEndian.PutUint32(buf[4:], s.pos)
			cw.bw.Write(buf[:])
		}
		cw.pos += 8 * uint64(n)
		if cw.pos > 1<<32-1 {
			return ErrTooBig
		}
	}
	if err := cw.bw.Flush(); err != nil {
		return err
	}
	if _, err := cw.w.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("seek to header: %w", err)
	}
	if _, err := cw.w.Write(header[:]); err != nil {
		return fmt.Errorf("write header: %w", err)
	}
	cw.err = errors.New("cdb writer is closed")
	return nil
}
