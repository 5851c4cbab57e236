// Package control reads and edits qmail's control files ($QMAIL/control)
// with the semantics of qmail's own readers, and knows which qmail program
// reads each file and when, so that a change can say what it takes to have
// effect.
//
// # Reading
//
// The parsers follow control.c and constmap.c of netqmail/notqmail byte for
// byte (docs/queue.md §7.1):
//
//   - [ParseLine] (control_readline): the first line only, trailing "\n",
//     spaces and tabs stripped, nothing else: no "\r" stripping, no
//     comments, leading whitespace kept.
//   - [ParseInt] (control_readint): scan_ulong of that line; a line that
//     does not start with a digit leaves the caller's default in place;
//     trailing junk is ignored; the result is truncated to a C int.
//   - [ParseList] (control_readfile): every line with trailing whitespace
//     stripped; empty lines and lines with "#" in column 1 are skipped;
//     leading whitespace is kept and becomes part of the entry.
//   - [Map] (constmap): whole-key lookups, ASCII case-insensitive; with
//     colon keys (smtproutes, virtualdomains) the key is the text before the
//     first ":" and lines without ":" are ignored; for duplicate keys the
//     last line wins.
//
// [Read] applies the defaults qmail uses for an absent file (control/me,
// "MAILER-DAEMON", 604800 …) as listed in the [Files] registry.
//
// # Writing
//
// Every change goes through [Update]: it takes qq's lock, reads the file,
// applies the edit, and replaces the file atomically: a temporary file in
// the same directory, fsync, rename over the old one, fsync of the
// directory. The owner, group and mode of the replaced file are kept; a new
// file is created 0644 like qmail's installer makes control files. Only
// regular files are replaced: a symlink, FIFO or directory is refused.
// Untouched lines, comments and blank lines are kept byte for byte and in
// order; lines qq writes end in LF.
//
// # Locking
//
// Concurrent writers (two cron jobs) serialise on an exclusive flock(2) of
// the control directory itself, so no lock file is left in the directory
// (qmail-showctl would list one as "I have no idea what this file does").
// Each writer reads the file only after it holds the lock, so both updates
// land. Before renaming, the writer checks that the file was not replaced
// or modified behind its back (by an editor, which takes no lock) and
// reports [ErrChanged] if it was. The lock does not protect against
// qmail-newmrh run by hand at the same time.
//
// # Address lists
//
// [ParseAddr] is qmail-smtpd's addrparse (angle brackets, source routes,
// quotes, backslash escapes, box@[ip-of-this-host]) and [AddrList] is its
// bmfcheck: whole address or "@domain", case-insensitive, nothing else.
// badrcptto, from a widespread patch, is matched the same way on the
// recipient.
//
// # rcpthosts
//
// [RcptHosts] is rcpthosts.c: exact and ".suffix" entries, then the same
// keys in morercpthosts.cdb; [BuildMoreRcptHosts] is qmail-newmrh, writing
// the cdb with the in-house [github.com/qqmail/qq/control/cdb] package.
//
// # What the commands decide
//
// qq's control-file commands call one function each and render its
// result: the values given are read and validated as a batch
// ([ReadInputs], [ValidateInputs]); list and check report what qmail-smtpd
// does, with [Notice]s for what is worth knowing ([ReadAddrList],
// [ReadRcptHostsList], [CheckAddrList], [CheckRcptHosts]); `qq control set`
// and `unset` are planned by the file's kind ([SetEntries], [UnsetEntries]),
// refusing what does not fit the file with a [RequestError]. Each result
// has its JSON form defined once, here ([ListChange.View], [Edit.View],
// [Setting.View], …), and a change its report for people, one line per
// entry and a summary with what it needs to take effect ([Edit.Lines],
// [ListChange.Lines], [RcptHostsAdd.Lines], …).
package control
