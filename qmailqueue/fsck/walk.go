package fsck

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strconv"
	"time"

	"golang.org/x/sys/unix"
)

// entry is one file that looks like a message file: a name of digits in
// one of mess, intd, todo, info, local, remote, bounce.
type entry struct {
	kind      Kind
	rel       string // path relative to the queue
	name      string
	value     uint64
	canonical bool        // the name has no leading zero
	typ       fs.FileMode // from readdir; typeUnknown if not known
	inSplit   bool        // in the split subdirectory the worker opened

	// Filled in when the message is checked.
	st     unix.Stat_t
	data   []byte // content of todo, info, local, remote, bounce
	err    error  // an error other than ENOENT
	gone   bool   // vanished since it was listed
	tooBig bool   // a record file over qmailqueue.MaxRecordFile, not read
}

// typeUnknown marks an entry whose type readdir did not give.
const typeUnknown fs.FileMode = 1 << 31

// pass1 walks every directory that holds message files, except the right
// split subdirectories' own files, which each worker lists itself. It
// collects, by the split they belong to, files outside their split
// subdirectory and the files of the unsplit directories (todo and intd
// without big-todo, bounce), and reports stray files.
func (c *checker) pass1() ([]*Finding, error) {
	var strays []*Finding
	stray := func(rel string, typ fs.FileMode) {
		what := "a file"
		if typ.IsDir() {
			what = "a directory"
		} else if typ&fs.ModeSymlink != 0 {
			what = "a symbolic link"
		}
		strays = append(strays, &Finding{Code: CodeStray, Severity: SeverityInfo, Files: []string{rel},
			Problem: fmt.Sprintf("%s is %s whose name is not a message ID", rel, what), Qmail: qmailStray,
			Repair: "none: look at it and remove it by hand"})
	}
	for k := range numKinds {
		top := k.String()
		entries, err := readDir(c.l.abs(top))
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, unix.ENOTDIR) {
			continue
		}
		if err != nil {
			return nil, err
		}
		for _, de := range entries {
			name := de.Name()
			rel := top + "/" + name
			v, canonical, digits := parseName(name)
			typ := de.Type()
			switch {
			case typ.IsDir() && digits && c.l.isSplit(k) && canonical && v < uint64(c.l.split):
				// A split subdirectory: only its misplaced files now.
				if err := c.listMisplaced(k, rel, int(v), &strays, stray); err != nil {
					return nil, err
				}
			case typ.IsDir() && digits:
				// Beyond the split, a non-canonical number, or a split
				// subdirectory of an unsplit directory (big-todo
				// leftovers): every file in it is misplaced.
				c.extraDirs = append(c.extraDirs, rel)
				if err := c.listMisplaced(k, rel, -1, &strays, stray); err != nil {
					return nil, err
				}
			case digits && !typ.IsDir():
				e := &entry{kind: k, rel: rel, name: name, value: v, canonical: canonical, typ: typ.Type()}
				c.out[int(v%uint64(c.l.split))] = append(c.out[int(v%uint64(c.l.split))], e)
			default:
				stray(rel, typ)
			}
		}
	}
	return strays, nil
}

// listMisplaced lists the subdirectory rel of kind k: files whose number
// does not belong in subdirectory n (-1: none does) go to c.out; names
// that are not numbers are strays.
func (c *checker) listMisplaced(k Kind, rel string, n int, strays *[]*Finding, stray func(string, fs.FileMode)) error {
	names, err := readDirNames(c.l.abs(rel))
	if err != nil {
		return err
	}
	for _, name := range names {
		v, canonical, digits := parseName(name)
		if !digits {
			var st unix.Stat_t
			typ := fs.FileMode(0)
			if unix.Lstat(c.l.abs(rel+"/"+name), &st) == nil {
				typ = modeType(st.Mode)
			}
			stray(rel+"/"+name, typ)
			continue
		}
		target := int(v % uint64(c.l.split))
		if target == n {
			continue
		}
		e := &entry{kind: k, rel: rel + "/" + name, name: name, value: v, canonical: canonical, typ: typeUnknown}
		c.out[target] = append(c.out[target], e)
	}
	return nil
}

// modeType converts a stat mode to the fs.FileMode type bits.
func modeType(mode uint32) fs.FileMode {
	switch mode & unix.S_IFMT {
	case unix.S_IFDIR:
		return fs.ModeDir
	case unix.S_IFLNK:
		return fs.ModeSymlink
	case unix.S_IFIFO:
		return fs.ModeNamedPipe
	case unix.S_IFSOCK:
		return fs.ModeSocket
	case unix.S_IFCHR:
		return fs.ModeDevice | fs.ModeCharDevice
	case unix.S_IFBLK:
		return fs.ModeDevice
	}
	return 0
}

// readDir lists a directory in its on-disk order with the types readdir
// gives.
func readDir(dir string) ([]fs.DirEntry, error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, fmt.Errorf("read queue directory: %w", err)
	}
	defer f.Close()
	entries, err := f.ReadDir(-1)
	if err != nil {
		return nil, fmt.Errorf("read queue directory %s: %w", dir, err)
	}
	return entries, nil
}

// readDirNames lists a directory's names in on-disk order, without types.
func readDirNames(dir string) ([]string, error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, fmt.Errorf("read queue directory: %w", err)
	}
	defer f.Close()
	names, err := f.Readdirnames(-1)
	if err != nil {
		return nil, fmt.Errorf("read queue directory %s: %w", dir, err)
	}
	return names, nil
}

// checkPid reports the files qmail-queue left in pid/ by qmail-clean's own
// rule (cleanuppid: now >= atime + 129600, docs/queue.md §4.6).
func (c *checker) checkPid() ([]*Finding, error) {
	names, err := readDirNames(c.l.abs("pid"))
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, unix.ENOTDIR) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []*Finding
	for _, name := range names {
		rel := "pid/" + name
		var st unix.Stat_t
		if err := unix.Lstat(c.l.abs(rel), &st); err != nil {
			if errors.Is(err, unix.ENOENT) {
				continue // qmail-queue linked it to mess and unlinked it
			}
			return nil, &os.PathError{Op: "lstat", Path: c.l.abs(rel), Err: err}
		}
		if st.Mode&unix.S_IFMT != unix.S_IFREG {
			out = append(out, &Finding{Code: CodeStray, Severity: SeverityInfo, Files: []string{rel},
				Problem: fmt.Sprintf("%s is a %s", rel, typeName(st.Mode)), Qmail: "qmail-clean tries to unlink it once it is 36 hours old",
				Repair: "none: look at it and remove it by hand"})
			continue
		}
		atime := timespec(st.Atim)
		if c.now.Before(atime.Add(ossified)) {
			out = append(out, &Finding{Code: CodePidYoung, Severity: SeverityInfo, Files: []string{rel},
				Problem: fmt.Sprintf("%s was last accessed %s ago", rel, ageString(c.now.Sub(atime))),
				Qmail:   qmailPidYoung, Transient: true})
			continue
		}
		f := &Finding{Code: CodePidOrphan, Severity: SeverityWarning, Files: []string{rel},
			Problem: fmt.Sprintf("%s was last accessed %s ago, more than 36 hours", rel, ageString(c.now.Sub(atime))),
			Qmail:   qmailPid, phase: phaseRemove, group: "pid:" + name}
		if st.Size > 0 && st.Nlink == 1 {
			// It holds data no other name keeps: a message body.
			f.Actions = append(f.Actions, Action{Op: OpSave, Path: rel, Ino: st.Ino})
		}
		f.Actions = append(f.Actions, Action{Op: OpRemove, Path: rel, Ino: st.Ino})
		out = append(out, f)
	}
	sortFindings(out)
	return out, nil
}

// sortFindings orders findings by their first file, for stable output.
func sortFindings(fs []*Finding) {
	slices.SortStableFunc(fs, func(a, b *Finding) int {
		switch {
		case a.Files[0] < b.Files[0]:
			return -1
		case a.Files[0] > b.Files[0]:
			return 1
		}
		return 0
	})
}

// ageString formats a duration as 3d04h, 5h12m or 40s.
func ageString(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	s := int64(d / time.Second)
	switch {
	case s < 60:
		return strconv.FormatInt(s, 10) + "s"
	case s < 3600:
		return fmt.Sprintf("%dm%02ds", s/60, s%60)
	case s < 86400:
		return fmt.Sprintf("%dh%02dm", s/3600, s%3600/60)
	}
	return fmt.Sprintf("%dd%02dh", s/86400, s%86400/3600)
}

func timespec(ts unix.Timespec) time.Time { return time.Unix(ts.Sec, ts.Nsec) }
