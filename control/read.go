package control

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/qqmail/qq/control/cdb"
	"github.com/qqmail/qq/internal/regularfile"
)

// Where an effective value comes from.
const (
	SourceFile    = "file"    // the control file
	SourceDefault = "default" // qmail's built-in default
	SourceMe      = "me"      // control/me, the default of flagme files
	SourceNone    = "none"    // absent, no default: see File.Absent
)

// Setting is the effective value of a control file: what the qmail program
// reading it will use.
type Setting struct {
	File   File
	Exists bool   // the file exists
	Source string // SourceFile, SourceDefault, SourceMe or SourceNone
	// Value is the value of a line or number file. For a number it is the
	// decimal number qmail uses.
	Value string
	// Entries are the entries of a list or map file (for locals without a
	// file, control/me).
	Entries []ListEntry
	// Keys is the number of records of a cdb file.
	Keys int
	// Notes tell what is surprising about the file, e.g. an empty file that
	// overrides a default, or a number that does not start with a digit.
	Notes []string
}

// MaxFileSize bounds what qq reads of one control file (a morercpthosts of
// a million domains is about 20 MB): a larger one is an error, not
// unbounded memory.
const MaxFileSize = 64 << 20

// ReadFile reads the named file of the control directory as qmail opens
// it (following symlinks). exists is false when it is absent; any other
// failure is an error, as control.c's -1.
// A FIFO, device or directory is an error rather than a read that could
// block forever.
func ReadFile(dir, name string) (data []byte, exists bool, err error) {
	path := filepath.Join(dir, name)
	data, fi, err := regularfile.ReadAll(path, 0, MaxFileSize)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if errors.Is(err, regularfile.ErrNotRegular) {
		return nil, false, fmt.Errorf("%s is a %s: %w", path, typeName(fi.Mode()), ErrNotRegular)
	}
	if err != nil {
		return nil, false, err
	}
	return data, true, nil
}

// Read returns the effective value of the named control file, applying
// qmail's defaults (control/me for flagme files, then the built-in
// default). The name must be in [Files].
func Read(dir, name string) (Setting, error) {
	f, ok := Lookup(name)
	if !ok {
		return Setting{}, fmt.Errorf("%s: not a control file qq knows", name)
	}
	meData, meOK, err := ReadFile(dir, "me")
	if err != nil {
		return Setting{}, fmt.Errorf("read me: %w", err)
	}
	return readSetting(dir, f, ParseLine(meData), meOK)
}

// UnknownSetting is what qq shows for a file of the control directory that
// is not in [Files] ([ReadAll]'s unknown): it exists, and qq knows nothing
// of its value.
func UnknownSetting(name string) Setting {
	return Setting{File: File{Name: name}, Exists: true, Source: SourceFile, Notes: []string{"not a control file qq knows"}}
}

// ReadAll returns the effective value of every file in [Files], and the
// names of the other files in dir (which qmail-showctl reports as "I have
// no idea what this file does").
func ReadAll(dir string) (settings []Setting, unknown []string, err error) {
	meData, meOK, err := ReadFile(dir, "me")
	if err != nil {
		return nil, nil, fmt.Errorf("read me: %w", err)
	}
	me := ParseLine(meData)
	for _, f := range Files {
		s, err := readSetting(dir, f, me, meOK)
		if err != nil {
			return nil, nil, err
		}
		settings = append(settings, s)
	}
	des, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, err
	}
	for _, de := range des {
		if _, known := Lookup(de.Name()); !known {
			unknown = append(unknown, de.Name())
		}
	}
	return settings, unknown, nil
}

func readSetting(dir string, f File, me string, meOK bool) (Setting, error) {
	s := Setting{File: f, Source: SourceFile}
	if f.Kind == KindCDB {
		return readCDBSetting(dir, f)
	}
	data, exists, err := ReadFile(dir, f.Name)
	if err != nil {
		return s, fmt.Errorf("read %s: %w", f.Name, err)
	}
	s.Exists = exists
	switch f.Kind {
	case KindLine:
		if exists {
			s.Value = ParseLine(data)
			if s.Value == "" && (f.Default != "" || f.DefaultMe) {
				s.Notes = append(s.Notes, "empty file: qmail uses the empty value, not the default")
			}
			return s, nil
		}
		s.Value, s.Source = absentDefault(f, me, meOK)
	case KindInt:
		if exists {
			line := ParseLine(data)
			if n, ok := ParseInt(line); ok {
				s.Value = strconv.Itoa(n)
				if n < 0 {
					s.Notes = append(s.Notes, fmt.Sprintf("%q does not fit a C int: qmail reads %d", line, n))
				}
				return s, nil
			}
			s.Notes = append(s.Notes, fmt.Sprintf("%q does not start with a digit: qmail uses the default", line))
		}
		s.Value, s.Source = f.Default, SourceDefault
	case KindList, KindMap:
		if exists {
			s.Entries = ParseList(data)
			if f.Kind == KindMap {
				for _, e := range s.Entries {
					if !strings.Contains(e.Value, ":") {
						s.Notes = append(s.Notes, fmt.Sprintf("line %d has no ':': qmail ignores it", e.Line))
					}
				}
			}
			return s, nil
		}
		s.Source = SourceNone
		if f.DefaultMe && meOK {
			s.Entries, s.Source = []ListEntry{{Value: me}}, SourceMe
		}
	}
	return s, nil
}

// absentDefault is control_rldef's fallback: control/me for flagme files
// when it exists, else the built-in default.
func absentDefault(f File, me string, meOK bool) (string, string) {
	switch {
	case f.DefaultMe && meOK:
		return me, SourceMe
	case f.Default != "":
		return f.Default, SourceDefault
	}
	return "", SourceNone
}

func readCDBSetting(dir string, f File) (Setting, error) {
	s := Setting{File: f, Source: SourceFile}
	rd, err := cdb.Open(filepath.Join(dir, f.Name))
	if errors.Is(err, fs.ErrNotExist) {
		s.Source = SourceNone
		return s, nil
	}
	s.Exists = true
	if errors.Is(err, cdb.ErrFormat) {
		s.Notes = append(s.Notes, err.Error())
		return s, nil
	}
	if err != nil {
		return s, fmt.Errorf("read %s: %w", f.Name, err)
	}
	defer rd.Close()
	for _, err := range rd.All() {
		if err != nil {
			s.Notes = append(s.Notes, err.Error())
			break
		}
		s.Keys++
	}
	if f.Name == "morercpthosts.cdb" {
		st, err := MoreRcptHostsState(dir)
		if err != nil {
			return s, err
		}
		if st != "" {
			s.Notes = append(s.Notes, st)
		}
	}
	return s, nil
}

// CDBKeys returns the keys of the named cdb file of the control directory
// (morercpthosts.cdb), in file order.
func CDBKeys(dir, name string) ([]string, error) {
	path := filepath.Join(dir, name)
	rd, err := cdb.Open(path)
	if err != nil {
		return nil, err
	}
	defer rd.Close()
	var keys []string
	for r, err := range rd.All() {
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		keys = append(keys, string(r.Key))
	}
	return keys, nil
}

// Get is [Read] for `qq control get`: a cdb file's keys are added to its
// Entries (without line numbers), so that [Setting.Values] lists them.
func Get(dir, name string) (Setting, error) {
	s, err := Read(dir, name)
	if err != nil || s.File.Kind != KindCDB || !s.Exists {
		return s, err
	}
	keys, err := CDBKeys(dir, name)
	for _, k := range keys {
		s.Entries = append(s.Entries, ListEntry{Value: k})
	}
	return s, err
}

// Values are what the setting holds, one value a line: the entries of a
// list, map or cdb file ([Get]), or the value of a line or number file;
// none when the file is absent without a default.
func (s Setting) Values() []string {
	switch {
	case s.File.Kind == KindList || s.File.Kind == KindMap || s.File.Kind == KindCDB:
		out := make([]string, 0, len(s.Entries))
		for _, e := range s.Entries {
			out = append(out, e.Value)
		}
		return out
	case s.Source == SourceNone:
		return nil
	}
	return []string{s.Value}
}

// Notices are what is worth telling besides the value: a warning for each
// of the setting's notes, and a note on where the value of an absent file
// comes from.
func (s Setting) Notices() []Notice {
	var out []Notice
	for _, n := range s.Notes {
		out = append(out, warning("%s: %s", s.File.Name, n))
	}
	switch s.Source {
	case SourceNone:
		out = append(out, note("%s is absent: %s", s.File.Name, s.File.Absent))
	case SourceDefault:
		out = append(out, note("%s is absent: qmail's default", s.File.Name))
	case SourceMe:
		out = append(out, note("%s is absent: the value of control/me", s.File.Name))
	}
	return out
}
