package sendlog

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"os"
	"path/filepath"
	"time"
)

// Follow yields the lines [Log.Lines] would, then keeps reading the log's
// last file as it grows until ctx is done, checking every interval for new
// lines and for rotation. In a multilog directory it follows current across
// rotations: when current is renamed (to @….s, or to previous for a
// processor) it reads the renamed file to its end, then opens the new
// current, waiting for it if multilog has not created it yet. A single file
// is followed by name, like tail -F, and read again from the start if it
// shrinks. A stream is read to its end. A last line without a newline is
// held until its newline arrives or the file is rotated.
//
// When ctx is done, Follow yields ctx.Err() with a zero Line and stops.
func (l *Log) Follow(ctx context.Context, opt ReadOptions, interval time.Duration) iter.Seq2[Line, error] {
	return func(yield func(Line, error) bool) {
		if l.stream != nil {
			if readAll(ctx, newLineReader(l.stream), "", true, yield) && opt.OnCaughtUp != nil {
				opt.OnCaughtUp()
			}
			return
		}
		tail := l.files[len(l.files)-1].Path
		if l.dir != "" {
			tail = filepath.Join(l.dir, "current")
		}
		for _, f := range selectFiles(l.files, opt) {
			if f.Path != tail && !readFile(ctx, f.Path, l.dir != "", yield) {
				return
			}
		}
		if l.dir != "" && !opt.CurrentOnly {
			for _, f := range l.rotatedAfter(l.lastListed()) {
				if !readFile(ctx, f.Path, l.dir != "", yield) {
					return
				}
			}
		}
		t := &tailer{path: tail, interval: interval, onCaughtUp: opt.OnCaughtUp, regularOnly: l.dir != ""}
		defer t.close()
		t.run(ctx, yield)
	}
}

// tailer follows one file by name.
type tailer struct {
	path       string
	interval   time.Duration
	onCaughtUp func() // called once, at the first wait
	// regularOnly refuses anything but a regular file (a multilog
	// directory's current), as openLogFile does.
	regularOnly bool
	f           *os.File
	info        fs.FileInfo
	lr          *lineReader
}

func (t *tailer) run(ctx context.Context, yield func(Line, error) bool) {
	timer := time.NewTimer(0)
	defer timer.Stop()
	<-timer.C
	wait := func() bool {
		if t.onCaughtUp != nil {
			t.onCaughtUp()
			t.onCaughtUp = nil
		}
		timer.Reset(t.interval)
		select {
		case <-ctx.Done():
			yield(Line{}, ctx.Err())
			return false
		case <-timer.C:
			return true
		}
	}
	for {
		if t.f == nil {
			opened, err := t.open()
			if err != nil {
				yield(Line{}, err)
				return
			}
			if !opened {
				if !wait() {
					return
				}
				continue
			}
		}
		if !readAll(ctx, t.lr, t.path, false, yield) {
			return
		}
		if !wait() {
			return
		}
		fi, err := os.Stat(t.path)
		switch {
		case err == nil && os.SameFile(fi, t.info):
			if fi.Size() < t.consumed() {
				// Truncated in place: start again from the top.
				if _, err := t.f.Seek(0, io.SeekStart); err != nil {
					yield(Line{}, fmt.Errorf("read log %s: %w", t.path, err))
					return
				}
				t.lr.reset(t.f)
			}
		case err == nil || errors.Is(err, fs.ErrNotExist):
			// Rotated: the renamed file is complete; read it to its end,
			// then move on to the new file.
			if !readAll(ctx, t.lr, t.path, true, yield) {
				return
			}
			t.close()
		default:
			yield(Line{}, fmt.Errorf("follow log: %w", err))
			return
		}
	}
}

// open opens the file; it reports false if it does not exist (yet).
func (t *tailer) open() (bool, error) {
	f, err := openLogFile(t.path, t.regularOnly)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("follow log: %w", err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return false, fmt.Errorf("follow log: %w", err)
	}
	t.f, t.info = f, fi
	if t.lr == nil {
		t.lr = newLineReader(f)
	} else {
		t.lr.reset(f)
	}
	return true, nil
}

// consumed returns how many bytes of the file have been read.
func (t *tailer) consumed() int64 {
	off, err := t.f.Seek(0, io.SeekCurrent)
	if err != nil {
		return 0
	}
	return off - int64(t.lr.r.Buffered())
}

func (t *tailer) close() {
	if t.f != nil {
		t.f.Close()
		t.f = nil
	}
}
