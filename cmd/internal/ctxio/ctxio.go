// Package ctxio reads standard input so that an interrupt ends the read at
// once: a command blocked on a pipe (qq tai64nlocal behind tail -f, qq log
// -) must not wait for input to notice ^C.
package ctxio

import (
	"context"
	"io"
	"os"
)

// Reader returns a reader of r whose reads end with ctx.Err() once ctx is
// done. qq catches SIGINT and SIGTERM to cancel ctx, so a filter blocked
// reading a pipe (qq tai64nlocal behind tail -f) must not wait for input
// to notice. Input that cannot block for long (a regular file, an
// in-memory reader) is checked between reads; anything else is read by a
// goroutine ahead of the caller.
func Reader(ctx context.Context, r io.Reader) io.Reader {
	if f, ok := r.(*os.File); ok {
		if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
			return newPumpReader(ctx, f)
		}
	}
	return &ctxReader{ctx: ctx, r: r}
}

// ctxReader checks ctx before each read.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// pumpReader reads its source in a goroutine into two alternating buffers,
// so that Read can give up as soon as ctx is done. A goroutine blocked in
// a read when ctx ends stays blocked until the process exits.
type pumpReader struct {
	ctx    context.Context
	chunks chan pumpChunk
	free   chan []byte
	cur    []byte // unread part of the current chunk
	buf    []byte // the current chunk's buffer, returned to free when read
	err    error
}

type pumpChunk struct {
	buf []byte
	n   int
	err error
}

func newPumpReader(ctx context.Context, r io.Reader) *pumpReader {
	p := &pumpReader{ctx: ctx, chunks: make(chan pumpChunk, 1), free: make(chan []byte, 2)}
	p.free <- make([]byte, 64<<10)
	p.free <- make([]byte, 64<<10)
	go func() {
		for {
			var buf []byte
			select {
			case buf = <-p.free:
			case <-ctx.Done():
				return
			}
			n, err := r.Read(buf)
			select {
			case p.chunks <- pumpChunk{buf: buf, n: n, err: err}:
			case <-ctx.Done():
				return
			}
			if err != nil {
				return
			}
		}
	}()
	return p
}

func (p *pumpReader) Read(b []byte) (int, error) {
	for len(p.cur) == 0 {
		if p.buf != nil {
			p.free <- p.buf
			p.buf = nil
		}
		if p.err != nil {
			return 0, p.err
		}
		select {
		case c := <-p.chunks:
			p.buf, p.cur, p.err = c.buf, c.buf[:c.n], c.err
		case <-p.ctx.Done():
			return 0, p.ctx.Err()
		}
	}
	n := copy(b, p.cur)
	p.cur = p.cur[n:]
	return n, nil
}
