package control

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"github.com/qqmail/qq/control/cdb"
	"github.com/qqmail/qq/internal/durable"
)

// Why qmail-smtpd accepts or rejects a recipient domain ([RcptResult]).
const (
	RcptNoRcptHosts = "no-rcpthosts"      // rcpthosts is absent: every recipient is accepted
	RcptNoAt        = "no-at"             // an address without "@" is always accepted
	RcptListed      = "rcpthosts"         // an rcpthosts entry matched
	RcptMoreListed  = "morercpthosts.cdb" // a morercpthosts.cdb key matched
	RcptNotListed   = "not-listed"        // nothing matched: "553 sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)"
)

// RcptHosts is control/rcpthosts and control/morercpthosts.cdb as
// qmail-smtpd's rcpthosts.c reads them at the start of a connection.
type RcptHosts struct {
	Exists  bool        // rcpthosts exists; if not, every recipient is accepted
	Entries []ListEntry // the rcpthosts entries
	m       *Map
	more    *cdb.Reader // nil without morercpthosts.cdb
}

// OpenRcptHosts reads rcpthosts and opens morercpthosts.cdb (which qmail
// consults only when rcpthosts exists). Close releases the cdb.
func OpenRcptHosts(dir string) (*RcptHosts, error) {
	data, exists, err := ReadFile(dir, "rcpthosts")
	if err != nil {
		return nil, fmt.Errorf("read rcpthosts: %w", err)
	}
	r := &RcptHosts{Exists: exists}
	if !exists {
		return r, nil
	}
	r.Entries = ParseList(data)
	r.m = NewMap(r.Entries, false)
	more, err := cdb.Open(filepath.Join(dir, "morercpthosts.cdb"))
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, fmt.Errorf("open morercpthosts.cdb: %w", err)
	default:
		r.more = more
	}
	return r, nil
}

// Close closes morercpthosts.cdb.
func (r *RcptHosts) Close() error {
	if r.more == nil {
		return nil
	}
	return r.more.Close()
}

// RcptResult is the outcome of [RcptHosts.Check].
type RcptResult struct {
	Domain   string `json:"domain"` // the lower-cased domain that was looked up
	Accepted bool   `json:"accepted"`
	Reason   string `json:"reason"` // RcptNoRcptHosts, RcptNoAt, RcptListed, RcptMoreListed or RcptNotListed
	Key      string `json:"key"`    // the key that matched: the domain or a ".suffix" of it
	Line     int    `json:"line"`   // the rcpthosts line that matched
}

// Check decides, as rcpthosts() does, whether qmail-smtpd accepts mail for
// the recipient address addr (as parsed by [ParseAddr]) from a client
// without RELAYCLIENT: the domain after the last "@", lower-cased, and
// then each of its ".suffix"es, looked up in rcpthosts and then, exactly,
// in morercpthosts.cdb. docs/queue.md §7.4.
func (r *RcptHosts) Check(addr string) (RcptResult, error) {
	if !r.Exists {
		return RcptResult{Accepted: true, Reason: RcptNoRcptHosts}, nil
	}
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return RcptResult{Accepted: true, Reason: RcptNoAt}, nil
	}
	host := asciiLower(addr[at+1:])
	res := RcptResult{Reason: RcptNotListed, Domain: host}
	keys := suffixKeys(host)
	for _, k := range keys {
		if e, ok := r.m.Lookup(k); ok {
			res.Accepted, res.Reason, res.Key, res.Line = true, RcptListed, k, e.Line
			return res, nil
		}
	}
	if r.more != nil {
		for _, k := range keys {
			_, ok, err := r.more.Get([]byte(k))
			if err != nil {
				return res, fmt.Errorf("morercpthosts.cdb: %w", err)
			}
			if ok {
				res.Accepted, res.Reason, res.Key = true, RcptMoreListed, k
				return res, nil
			}
		}
	}
	return res, nil
}

// suffixKeys are the keys rcpthosts() tries for host: host itself, then
// every ".suffix" from each dot on. An empty host has none.
func suffixKeys(host string) []string {
	var keys []string
	for j := 0; j < len(host); j++ {
		if j == 0 || host[j] == '.' {
			keys = append(keys, host[j:])
		}
	}
	return keys
}

// MoreRcptHostsKeys returns the keys qmail-newmrh puts into
// morercpthosts.cdb for a morercpthosts file: each line lower-cased (A-Z
// only), trailing spaces, tabs and newline stripped, empty lines and lines
// starting with "#" skipped. Duplicates are kept, as qmail-newmrh keeps
// them.
func MoreRcptHostsKeys(data []byte) [][]byte {
	var keys [][]byte
	for _, line := range splitLines(data) {
		k := stripTrailing(asciiLower(line))
		if k == "" || k[0] == '#' {
			continue
		}
		keys = append(keys, []byte(k))
	}
	return keys
}

// BuildMoreRcptHosts rebuilds morercpthosts.cdb from morercpthosts, as
// qmail-newmrh does, under qq's lock. It returns the number of keys.
func BuildMoreRcptHosts(ctx context.Context, dir string) (int, error) {
	lock, err := LockDir(ctx, dir)
	if err != nil {
		return 0, err
	}
	defer lock.Unlock()
	return buildMoreRcptHosts(dir)
}

// buildMoreRcptHosts is qmail-newmrh: write morercpthosts.tmp, fsync,
// rename it to morercpthosts.cdb. The owner, group and mode of an existing
// cdb are kept; a new one is 0644 (qmail-newmrh's umask 033). The caller
// holds the lock.
func buildMoreRcptHosts(dir string) (int, error) {
	data, exists, err := ReadFile(dir, "morercpthosts")
	if err != nil {
		return 0, fmt.Errorf("read morercpthosts: %w", err)
	}
	if !exists {
		return 0, fmt.Errorf("read morercpthosts: %w", fs.ErrNotExist)
	}
	keys := MoreRcptHostsKeys(data)
	final := filepath.Join(dir, "morercpthosts.cdb")
	prev, err := readCurrentInfo(final)
	if err != nil {
		return 0, err
	}
	tmp := filepath.Join(dir, "morercpthosts.tmp")
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC|syscall.O_NOFOLLOW, newFileMode)
	if err != nil {
		return 0, fmt.Errorf("create morercpthosts.tmp: %w", err)
	}
	ok := false
	defer func() {
		if !ok {
			f.Close()
			os.Remove(tmp)
		}
	}()
	perm := newFileMode
	uid, gid := -1, -1
	if prev != nil {
		perm = prev.Mode().Perm()
		if st, ok := prev.Sys().(*syscall.Stat_t); ok {
			uid, gid = int(st.Uid), int(st.Gid)
		}
	}
	if err := f.Chmod(perm); err != nil {
		return 0, err
	}
	if err := keepOwner(f, uid, gid, perm); err != nil {
		return 0, fmt.Errorf("keep owner of morercpthosts.cdb: %w", err)
	}
	w, err := cdb.NewWriter(f)
	if err != nil {
		return 0, err
	}
	for _, k := range keys {
		if err := w.Add(k, nil); err != nil {
			return 0, fmt.Errorf("write morercpthosts.tmp: %w", err)
		}
	}
	if err := w.Close(); err != nil {
		return 0, fmt.Errorf("write morercpthosts.tmp: %w", err)
	}
	if err := f.Sync(); err != nil {
		return 0, fmt.Errorf("fsync morercpthosts.tmp: %w", err)
	}
	if err := f.Close(); err != nil {
		return 0, fmt.Errorf("close morercpthosts.tmp: %w", err)
	}
	if err := os.Rename(tmp, final); err != nil {
		return 0, fmt.Errorf("rename morercpthosts.tmp: %w", err)
	}
	ok = true
	return len(keys), durable.SyncDir(dir)
}

// readCurrentInfo returns the Lstat of path, nil when it is absent, and
// refuses a path that is not a regular file.
func readCurrentInfo(path string) (fs.FileInfo, error) {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is a %s: %w", path, typeName(fi.Mode()), ErrNotRegular)
	}
	return fi, nil
}

// MoreRcptHostsState compares morercpthosts.cdb with morercpthosts and
// says what is wrong in words, or "" when the cdb holds exactly the keys
// qmail-newmrh would make (or neither file exists).
func MoreRcptHostsState(dir string) (string, error) {
	data, srcOK, err := ReadFile(dir, "morercpthosts")
	if err != nil {
		return "", fmt.Errorf("read morercpthosts: %w", err)
	}
	rd, err := cdb.Open(filepath.Join(dir, "morercpthosts.cdb"))
	cdbOK := err == nil
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case errors.Is(err, cdb.ErrFormat):
		return "morercpthosts.cdb is damaged: " + err.Error(), nil
	case err != nil:
		return "", err
	default:
		defer rd.Close()
	}
	switch {
	case !srcOK && !cdbOK:
		return "", nil
	case !srcOK:
		return "morercpthosts.cdb exists but morercpthosts does not", nil
	case !cdbOK:
		return "morercpthosts exists but morercpthosts.cdb does not: it needs to be built (qmail-newmrh)", nil
	}
	want := MoreRcptHostsKeys(data)
	i := 0
	for rec, err := range rd.All() {
		if err != nil {
			return "morercpthosts.cdb is damaged: " + err.Error(), nil
		}
		if i >= len(want) || !bytes.Equal(rec.Key, want[i]) || len(rec.Data) != 0 {
			return "morercpthosts.cdb is out of date: it does not hold what morercpthosts lists (rebuild it)", nil
		}
		i++
	}
	if i != len(want) {
		return "morercpthosts.cdb is out of date: it does not hold what morercpthosts lists (rebuild it)", nil
	}
	return "", nil
}

// RcptHostsAdd is what [AddRcptHosts] did.
type RcptHostsAdd struct {
	// File is the file added to, rcpthosts or morercpthosts; Other is the
	// other one.
	File, Other string
	// Change is the change of File; zero when no domain was added.
	Change ListChange
	// Elsewhere are the entries of Other that already list a domain
	// given: qmail-smtpd accepts those domains, and they were not added.
	Elsewhere []ListEntry
	// Notices advise morercpthosts when rcpthosts grows beyond
	// [RcptHostsAdvisedMax] entries.
	Notices []Notice
}

// AddRcptHosts adds domains (already validated and lower-cased) to
// rcpthosts, or to morercpthosts when more is set, leaving out those the
// other file lists already, since qmail-smtpd reads both. It does not
// rebuild morercpthosts.cdb unless [AddToList] does. Without rcpthosts
// (every domain accepted) it refuses with a *[RequestError] unless force
// is set ([GuardCreate]): morercpthosts counts only beside rcpthosts.
func AddRcptHosts(ctx context.Context, dir string, more, force bool, domains []string) (RcptHostsAdd, error) {
	r := RcptHostsAdd{File: "rcpthosts", Other: "morercpthosts"}
	if more {
		r.File, r.Other = r.Other, r.File
	}
	if err := GuardCreate(dir, "rcpthosts", nil, force); err != nil {
		return r, &RequestError{Err: err}
	}
	data, _, err := ReadFile(dir, r.Other)
	if err != nil {
		return r, fmt.Errorf("read %s: %w", r.Other, err)
	}
	there := map[string]ListEntry{}
	for _, e := range ParseList(data) {
		there[strings.ToLower(e.Value)] = e
	}
	var todo []string
	for _, d := range domains {
		if e, ok := there[d]; ok {
			r.Elsewhere = append(r.Elsewhere, e)
			continue
		}
		todo = append(todo, d)
	}
	if len(todo) > 0 {
		if r.Change, err = AddToList(ctx, dir, r.File, todo); err != nil {
			return r, err
		}
	}
	if !more {
		if s, err := Read(dir, "rcpthosts"); err == nil && len(s.Entries) > RcptHostsAdvisedMax {
			r.Notices = append(r.Notices, note("rcpthosts has %d entries; qmail's documentation suggests morercpthosts beyond %d (qq rcpthosts add --more)", len(s.Entries), RcptHostsAdvisedMax))
		}
	}
	return r, nil
}

// RcptHostsFiles are the list files qmail-smtpd accepts recipients'
// domains from, in the order they are changed.
var RcptHostsFiles = []string{"rcpthosts", "morercpthosts"}

// RcptHostsRemove is what [RemoveRcptHosts] did.
type RcptHostsRemove struct {
	// Changes has one change per file of [RcptHostsFiles], in order; their
	// Missing is left empty.
	Changes []ListChange
	// NotFound lists, in the order given and once each, the domains
	// neither file held.
	NotFound []string
	// Notices warn when rcpthosts is left without entries.
	Notices []Notice
}

// Removed counts the lines removed from both files.
func (r RcptHostsRemove) Removed() int {
	n := 0
	for _, ch := range r.Changes {
		n += len(ch.Removed)
	}
	return n
}

// RemoveRcptHosts removes the entries equal to one of domains (ignoring
// case) from rcpthosts and from morercpthosts, in the order of
// [RcptHostsFiles].
func RemoveRcptHosts(ctx context.Context, dir string, domains []string) (RcptHostsRemove, error) {
	var r RcptHostsRemove
	missing := map[string]int{}
	for _, name := range RcptHostsFiles {
		ch, err := RemoveFromList(ctx, dir, name, domains)
		if err != nil {
			return r, err
		}
		for _, m := range ch.Missing {
			missing[m]++
		}
		ch.Missing = nil
		r.Changes = append(r.Changes, ch)
	}
	for _, d := range domains {
		if missing[d] == len(RcptHostsFiles) && !slices.Contains(r.NotFound, d) {
			r.NotFound = append(r.NotFound, d)
		}
	}
	r.Notices = emptyNotices(dir, "rcpthosts")
	return r, nil
}

// CheckInput is [RcptHosts.Check] for what a user types: a bare domain
// stands for "@domain"; anything with "@" or "<" is an RCPT TO argument,
// parsed as qmail-smtpd does ([CommandArg], [ParseAddr] with lip for
// address literals).
func (r *RcptHosts) CheckInput(input string, lip *LocalIP) (RcptResult, error) {
	addr := "@" + input
	if strings.ContainsAny(input, "@<") {
		addr, _ = ParseAddr(CommandArg(input, "TO"), lip)
	}
	return r.Check(addr)
}

// Why says in a few words what decided the result: the rcpthosts line or
// morercpthosts.cdb key that matched, or why none was needed or found.
func (res RcptResult) Why() string {
	switch res.Reason {
	case RcptListed:
		return fmt.Sprintf("rcpthosts line %d: %s", res.Line, res.Key)
	case RcptMoreListed:
		return "morercpthosts.cdb: " + res.Key
	case RcptNoRcptHosts:
		return "no rcpthosts: every domain is accepted"
	case RcptNoAt:
		return "no @domain: always accepted"
	case RcptNotListed:
		return "not listed"
	}
	return ""
}

// RcptHostsAdvisedMax is the number of rcpthosts entries beyond which
// qmail's documentation suggests morercpthosts ("rcpthosts ... should not
// be more than 50 lines").
const RcptHostsAdvisedMax = 50

// HostLines are the analysed entry lines of rcpthosts and morercpthosts
// ([AnalyzeHostList]), rcpthosts' first.
type HostLines struct {
	Lines []Line
	Files []string // the file of each line
	// RcptHosts and More say whether rcpthosts and morercpthosts exist.
	RcptHosts, More bool
}

// ReadHostLines reads and analyses rcpthosts and morercpthosts in dir.
func ReadHostLines(dir string) (HostLines, error) {
	var h HostLines
	for _, name := range RcptHostsFiles {
		data, exists, err := ReadFile(dir, name)
		if err != nil {
			return h, fmt.Errorf("read %s: %w", name, err)
		}
		if name == "rcpthosts" {
			h.RcptHosts = exists
		} else {
			h.More = exists
		}
		lines := AnalyzeHostList(data)
		h.Lines = append(h.Lines, lines...)
		for range lines {
			h.Files = append(h.Files, name)
		}
	}
	return h, nil
}

// Usable reports whether some line can match a domain: without one,
// qmail-smtpd rejects every recipient from clients without RELAYCLIENT.
func (h HostLines) Usable() bool {
	return slices.ContainsFunc(h.Lines, func(l Line) bool { return !l.NeverMatches() })
}
