package sendlog

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/qqmail/qq/internal/regularfile"
	"github.com/qqmail/qq/tai64n"
)

// MaxLineLength bounds the bytes of one line held in memory. The rest of a
// longer line is dropped and the line is marked Truncated. qmail-send's own
// lines stay far below it: a delivery report is cut at 10000 bytes
// (REPORTMAX in qmail-send.c).
const MaxLineLength = 1 << 20

// File is one file of a [Log].
type File struct {
	Path string
	// Rotated is when multilog rotated the file, from its @….s or @….u name;
	// it is set only if IsRotated. Every line of a rotated file was logged
	// at or before that time, and after the previous file's.
	Rotated   tai64n.Label
	IsRotated bool
	// Unsafe marks an @….u file: multilog was stopped while writing it, so
	// its last line may be cut.
	Unsafe bool
}

// Log is a source of log lines: a multilog directory, one file, or a stream
// read once.
type Log struct {
	name   string
	dir    string // a multilog directory, or ""
	files  []File // the files, oldest first; nil for a stream
	stream io.Reader
}

// Open opens path as a multilog directory if it is a directory, else as a
// single log file.
func Open(path string) (*Log, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("open log: %w", err)
	}
	if fi.IsDir() {
		return OpenDir(path)
	}
	return &Log{name: path, files: []File{{Path: path}}}, nil
}

// OpenDir opens a multilog directory: its rotated files @….s and @….u in the
// order of the time stamps in their names, then current. A directory with
// neither is an error wrapping fs.ErrNotExist.
func OpenDir(dir string) (*Log, error) {
	files, err := DirFiles(dir)
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("open log: %s: no current and no rotated @….s files: %w", dir, fs.ErrNotExist)
	}
	return &Log{name: dir, dir: dir, files: files}, nil
}

// FromReader returns a Log that reads r once, for example standard input.
// name is used in error messages.
func FromReader(name string, r io.Reader) *Log {
	return &Log{name: name, stream: r}
}

// Name returns the path or name the log was opened with.
func (l *Log) Name() string { return l.name }

// Files returns the files of the log, oldest first (nil for a stream).
func (l *Log) Files() []File { return slices.Clone(l.files) }

// Rereadable reports whether the log can be read more than once: true for
// files and directories, false for streams.
func (l *Log) Rereadable() bool { return l.stream == nil }

// DirFiles lists the log files of a multilog directory: the rotated files
// (named '@', a TAI64N label, and ".s", or ".u" when multilog was
// interrupted) oldest first, then current if it exists. Other files
// (state, lock, previous, processed, newstate) are not log files.
func DirFiles(dir string) ([]File, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("open log: %w", err)
	}
	var files []File
	hasCurrent := false
	for _, e := range entries {
		name := e.Name()
		if name == "current" {
			hasCurrent = e.Type().IsRegular() || e.Type()&fs.ModeSymlink != 0
			continue
		}
		if len(name) != 27 || !(strings.HasSuffix(name, ".s") || strings.HasSuffix(name, ".u")) {
			continue
		}
		label, err := tai64n.ParseTAI64N([]byte(name[:25]))
		if err != nil {
			continue
		}
		files = append(files, File{
			Path:      filepath.Join(dir, name),
			Rotated:   label,
			IsRotated: true,
			Unsafe:    strings.HasSuffix(name, ".u"),
		})
	}
	slices.SortFunc(files, func(a, b File) int { return strings.Compare(a.Path, b.Path) })
	if hasCurrent {
		files = append(files, File{Path: filepath.Join(dir, "current")})
	}
	return files, nil
}

// Line is one line read from a [Log].
type Line struct {
	// Bytes is the line without its newline. It is valid only until the
	// iteration continues.
	Bytes []byte
	// Path is the file it came from ("" for a stream).
	Path string
	// Truncated is set when the line was longer than MaxLineLength and its
	// end was dropped.
	Truncated bool
}

// ReadOptions select what [Log.Lines] and [Log.Follow] read.
type ReadOptions struct {
	// Since and Until, when not zero, let the reader skip the rotated files
	// that lie wholly before Since or after Until, judging by the times in
	// their names. Lines are not filtered one by one: that is the caller's
	// job, since a line may lack a time stamp.
	Since, Until time.Time
	// CurrentOnly reads only the last file (current) of a directory.
	CurrentOnly bool
	// OnCaughtUp, if set, is called once by Follow when it has read all
	// there is and starts waiting for new lines, from the goroutine that
	// iterates. A command following a log flushes its output there.
	OnCaughtUp func()
}

// selectFiles returns the files to read under opt.
func selectFiles(files []File, opt ReadOptions) []File {
	if opt.CurrentOnly && len(files) > 0 {
		return files[len(files)-1:]
	}
	var out []File
	for i, f := range files {
		if !opt.Until.IsZero() && i > 0 && files[i-1].IsRotated && files[i-1].Rotated.Time().After(opt.Until) {
			break // every later line was logged after Until
		}
		if !opt.Since.IsZero() && f.IsRotated && f.Rotated.Time().Before(opt.Since) {
			continue // every line of f was logged before Since
		}
		out = append(out, f)
	}
	return out
}

// Lines returns the lines of the log in order: a directory's files one
// after the other, then any file multilog rotated while they were read.
// A file that disappears before it is opened (multilog removed it) is
// skipped. Iteration stops at the first error, which is yielded with a
// zero Line, and when ctx is done.
func (l *Log) Lines(ctx context.Context, opt ReadOptions) iter.Seq2[Line, error] {
	return func(yield func(Line, error) bool) {
		if l.stream != nil {
			readAll(ctx, newLineReader(l.stream), "", true, yield)
			return
		}
		files := selectFiles(l.files, opt)
		seen := l.lastListed()
		for i := 0; i < len(files); i++ {
			f := files[i]
			if !f.IsRotated && l.dir != "" {
				// Before current: pick up the files multilog rotated
				// since the listing; current's old lines are in them.
				if newer := l.rotatedAfter(seen); len(newer) > 0 {
					files = slices.Insert(files, i, newer...)
					f = files[i]
				}
			}
			if f.IsRotated {
				seen = max(seen, f.Path)
			}
			if !readFile(ctx, f.Path, l.dir != "", yield) {
				return
			}
		}
	}
}

// lastListed returns the path of the newest rotated file of the listing
// made when the log was opened, or "".
func (l *Log) lastListed() string {
	last := ""
	for _, f := range l.files {
		if f.IsRotated {
			last = f.Path
		}
	}
	return last
}

// rotatedAfter lists the rotated files of the directory that sort after
// path (all of them if path is "").
func (l *Log) rotatedAfter(path string) []File {
	files, err := DirFiles(l.dir)
	if err != nil {
		return nil
	}
	var out []File
	for _, f := range files {
		if f.IsRotated && f.Path > path {
			out = append(out, f)
		}
	}
	return out
}

// readFile yields the lines of one file. It reports whether to go on.
func readFile(ctx context.Context, path string, regularOnly bool, yield func(Line, error) bool) bool {
	f, err := openLogFile(path, regularOnly)
	if errors.Is(err, fs.ErrNotExist) {
		return true
	}
	if err != nil {
		return yield(Line{}, fmt.Errorf("read log: %w", err))
	}
	defer f.Close()
	return readAll(ctx, newLineReader(f), path, true, yield)
}

// readAll yields every line of lr up to the end of its input, the last one
// even without a newline if final is set. It reports whether to go on.
func readAll(ctx context.Context, lr *lineReader, path string, final bool, yield func(Line, error) bool) bool {
	for n := 0; ; n++ {
		if n%1024 == 0 && ctx.Err() != nil {
			return yield(Line{}, ctx.Err())
		}
		b, err := lr.next()
		if err == nil {
			if !yield(Line{Bytes: b, Path: path, Truncated: lr.truncated}, nil) {
				return false
			}
			continue
		}
		if errors.Is(err, io.EOF) {
			if final {
				if b, ok := lr.partial(); ok {
					return yield(Line{Bytes: b, Path: path, Truncated: lr.truncated}, nil)
				}
			}
			return true
		}
		if path != "" {
			err = fmt.Errorf("read log %s: %w", path, err)
		} else {
			err = fmt.Errorf("read log: %w", err)
		}
		return yield(Line{}, err)
	}
}

// lineReader splits its input into lines in bounded memory. At the end of
// the input a partial line stays pending, so that a follower can complete
// it when more is written.
type lineReader struct {
	r         *bufio.Reader
	buf       []byte
	truncated bool
	taken     bool // buf was returned; reset it before reading on
}

func newLineReader(r io.Reader) *lineReader {
	return &lineReader{r: bufio.NewReaderSize(r, 64<<10)}
}

// next returns the next complete line, without its newline. At the end of
// the input it returns io.EOF and keeps any partial line pending.
func (lr *lineReader) next() ([]byte, error) {
	if lr.taken {
		lr.buf, lr.truncated, lr.taken = lr.buf[:0], false, false
	}
	for {
		chunk, err := lr.r.ReadSlice('\n')
		complete := err == nil
		if complete {
			chunk = chunk[:len(chunk)-1]
		}
		if room := MaxLineLength - len(lr.buf); len(chunk) > room {
			chunk, lr.truncated = chunk[:room], true
		}
		lr.buf = append(lr.buf, chunk...)
		switch {
		case complete:
			lr.taken = true
			return lr.buf, nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		default:
			return nil, err
		}
	}
}

// partial returns the pending partial line, if any, and clears it.
func (lr *lineReader) partial() ([]byte, bool) {
	if lr.taken || len(lr.buf) == 0 && !lr.truncated {
		return nil, false
	}
	lr.taken = true
	return lr.buf, true
}

// reset points the reader at a new input and drops any pending line.
func (lr *lineReader) reset(r io.Reader) {
	lr.r.Reset(r)
	lr.buf, lr.truncated, lr.taken = lr.buf[:0], false, false
}

// openLogFile opens a log file for reading. regularOnly is set for the
// files of a multilog directory, which come from the log user's directory
// and must be regular files: opened without waiting (a FIFO planted there
// must not hang qq) and refused unless regular. A file the user names
// (a pipe from process substitution, say) is opened as it is.
func openLogFile(path string, regularOnly bool) (*os.File, error) {
	if !regularOnly {
		return os.Open(path)
	}
	f, _, err := regularfile.Open(path, syscall.O_NOFOLLOW)
	return f, err
}
