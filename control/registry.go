package control

import (
	"fmt"
	"slices"
)

// Kind is how qmail reads a control file.
type Kind int

// The kinds of control files.
const (
	KindLine Kind = iota + 1 // one line: control_readline / control_rldef
	KindInt                  // a number: control_readint
	KindList                 // one entry per line: control_readfile
	KindMap                  // key:value per line: control_readfile + constmap with colon keys
	KindCDB                  // a cdb built from another file
)

// String is the kind's name as qq prints it.
func (k Kind) String() string {
	switch k {
	case KindLine:
		return "line"
	case KindInt:
		return "int"
	case KindList:
		return "list"
	case KindMap:
		return "map"
	case KindCDB:
		return "cdb"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Effect is what has to happen for a change of a control file to reach the
// qmail program that reads it. docs/queue.md §6.1 and §10 rules 12, 13.
type Effect int

// The effects of a change.
const (
	// EffectNextUse: the reader opens the file anew for every SMTP
	// connection, delivery or injection, so nothing needs to be done.
	EffectNextUse Effect = iota + 1
	// EffectHUP: qmail-send rereads the file on SIGHUP (locals and
	// virtualdomains only).
	EffectHUP
	// EffectRestart: qmail-send reads the file only at start.
	EffectRestart
)

// String is the effect's short name, as used in JSON: "none", "hup",
// "restart".
func (e Effect) String() string {
	switch e {
	case EffectNextUse:
		return "none"
	case EffectHUP:
		return "hup"
	case EffectRestart:
		return "restart"
	}
	return fmt.Sprintf("Effect(%d)", int(e))
}

// File describes a control file qq knows: how it is read, its default,
// which program reads it and when.
type File struct {
	Name    string
	Kind    Kind
	Summary string // what the file is for, one line

	// Default is the value qmail uses when the file is absent ("" when
	// there is none); with DefaultMe, control/me's value comes first.
	Default   string
	DefaultMe bool
	// Absent says what an absent file means when there is no value to
	// show, e.g. "any MAIL FROM is allowed".
	Absent string

	ReadBy string // the qmail program(s) reading it
	When   string // when they read it
	Effect Effect
	// Next is what the change applies to with EffectNextUse: "SMTP
	// connection", "delivery", "injected message".
	Next string
	// Patch names the patch that adds the file; empty for stock qmail.
	Patch string

	// validate checks and normalises a value (a line, or one entry of a
	// list or map); nil for files qq does not write.
	validate func(string) (string, []string, error)
}

// EffectText says, in a sentence fragment, what a change of the file needs
// to take effect.
func (f File) EffectText() string {
	switch f.Effect {
	case EffectNextUse:
		return "takes effect on the next " + f.Next + ", no restart needed"
	case EffectHUP:
		return "takes effect once qmail-send rereads it: run 'qq svc hup' (qmail-send rereads locals and virtualdomains on HUP)"
	default:
		return "takes effect only when qmail-send restarts (it reads " + f.Name + " at start): restart qmail-send"
	}
}

// RequestError is a change qq refuses, before changing anything, for what
// was asked rather than for a value: a file it does not know or does not
// write, values that do not fit the file, or a change that needs force.
type RequestError struct{ Err error }

// Error is the reason the request was refused.
func (e *RequestError) Error() string { return e.Err.Error() }

// Unwrap returns the reason.
func (e *RequestError) Unwrap() error { return e.Err }

// refuse makes a *RequestError.
func refuse(format string, args ...any) error {
	return &RequestError{Err: fmt.Errorf(format, args...)}
}

// Find is [Lookup] for a name given by the user: a file qq does not know
// is a *[RequestError].
func Find(name string) (File, error) {
	f, ok := Lookup(name)
	if !ok {
		return f, refuse("%s is not a control file qq knows ('qq control list' shows them)", name)
	}
	return f, nil
}

// FindWritable is [Find] for a file qq is to change: one it does not
// write (morercpthosts.cdb, built from morercpthosts) is a *[RequestError].
func FindWritable(name string) (File, error) {
	f, err := Find(name)
	if err == nil && !f.Writable() {
		err = refuse("%s is built from morercpthosts: change morercpthosts with 'qq rcpthosts add --more' or 'qq rcpthosts rm', or run 'qq rcpthosts rebuild'", f.Name)
	}
	return f, err
}

// OneValue reports whether f holds one value, a line or a number, rather
// than entries.
func (f File) OneValue() bool { return f.Kind == KindLine || f.Kind == KindInt }

// Known reports whether f is a file qq knows, one of [Files]; the zero
// Kind marks another file ([UnknownSetting]).
func (f File) Known() bool { return f.Kind != 0 }

// Writable reports whether qq can set values of the file.
func (f File) Writable() bool { return f.validate != nil }

// The readers and their timing, shared by several files.
const (
	smtpdWhen  = "at the start of every SMTP connection"
	sendWhen   = "at start only"
	remoteWhen = "for every delivery"
	injectWhen = "for every message injected"
)

// Files is the registry of the control files qq knows, sorted by name:
// those qmail-showctl knows, plus badrcptto (a patch) and defaultdelivery
// (a convention of Life with qmail's rc script). docs/queue.md §7.2.
var Files = []File{
	{Name: "badmailfrom", Kind: KindList, Summary: "envelope senders (user@domain or @domain) qmail-smtpd rejects",
		Absent: "any MAIL FROM is allowed", ReadBy: "qmail-smtpd", When: smtpdWhen, Effect: EffectNextUse, Next: "SMTP connection",
		validate: addrEntryValidator(false)},
	{Name: "badrcptto", Kind: KindList, Summary: "recipients (user@domain or @domain) qmail-smtpd rejects",
		Absent: "any RCPT TO is allowed", ReadBy: "qmail-smtpd", When: smtpdWhen, Effect: EffectNextUse, Next: "SMTP connection",
		Patch: "the badrcptto patch, not stock qmail", validate: addrEntryValidator(false)},
	{Name: "bouncefrom", Kind: KindLine, Summary: "user name in the sender of bounces", Default: "MAILER-DAEMON",
		ReadBy: "qmail-send", When: sendWhen, Effect: EffectRestart, validate: validateLocalPart},
	{Name: "bouncehost", Kind: KindLine, Summary: "host name in the sender of bounces", Default: "bouncehost", DefaultMe: true,
		ReadBy: "qmail-send", When: sendWhen, Effect: EffectRestart, validate: hostValidator(false, true)},
	{Name: "concurrencylocal", Kind: KindInt, Summary: "maximum simultaneous local deliveries", Default: "10",
		ReadBy: "qmail-send", When: sendWhen, Effect: EffectRestart, validate: validateConcurrency},
	{Name: "concurrencyremote", Kind: KindInt, Summary: "maximum simultaneous remote deliveries", Default: "20",
		ReadBy: "qmail-send", When: sendWhen, Effect: EffectRestart, validate: validateConcurrency},
	{Name: "databytes", Kind: KindInt, Summary: "maximum message size accepted by SMTP, 0 = unlimited (DATABYTES overrides)", Default: "0",
		ReadBy: "qmail-smtpd", When: smtpdWhen, Effect: EffectNextUse, Next: "SMTP connection", validate: intValidator(0, nil)},
	{Name: "defaultdelivery", Kind: KindLine, Summary: "default delivery instruction given to qmail-start by the rc script",
		Absent: "the rc script's built-in default", ReadBy: "the qmail rc script (qmail-start)", When: sendWhen, Effect: EffectRestart,
		Patch: "a convention of Life with qmail's rc script, not stock qmail", validate: validateText},
	{Name: "defaultdomain", Kind: KindLine, Summary: "domain qmail-inject adds to host names without a dot", Default: "defaultdomain", DefaultMe: true,
		ReadBy: "qmail-inject", When: injectWhen, Effect: EffectNextUse, Next: "injected message", validate: hostValidator(false, false)},
	{Name: "defaulthost", Kind: KindLine, Summary: "host qmail-inject adds to addresses without a host", Default: "defaulthost", DefaultMe: true,
		ReadBy: "qmail-inject", When: injectWhen, Effect: EffectNextUse, Next: "injected message", validate: hostValidator(false, true)},
	{Name: "doublebouncehost", Kind: KindLine, Summary: "host of the double-bounce recipient", Default: "doublebouncehost", DefaultMe: true,
		ReadBy: "qmail-send", When: sendWhen, Effect: EffectRestart, validate: hostValidator(false, true)},
	{Name: "doublebounceto", Kind: KindLine, Summary: "user who receives double bounces", Default: "postmaster",
		ReadBy: "qmail-send", When: sendWhen, Effect: EffectRestart, validate: validateLocalPart},
	{Name: "envnoathost", Kind: KindLine, Summary: "host added to recipients without @", Default: "envnoathost", DefaultMe: true,
		ReadBy: "qmail-send", When: sendWhen, Effect: EffectRestart, validate: hostValidator(false, true)},
	{Name: "helohost", Kind: KindLine, Summary: "host name qmail-remote gives in HELO", DefaultMe: true,
		ReadBy: "qmail-remote", When: remoteWhen, Effect: EffectNextUse, Next: "delivery", validate: hostValidator(false, true)},
	{Name: "idhost", Kind: KindLine, Summary: "host name in Message-IDs made by qmail-inject", Default: "idhost", DefaultMe: true,
		ReadBy: "qmail-inject", When: injectWhen, Effect: EffectNextUse, Next: "injected message", validate: hostValidator(false, true)},
	{Name: "localiphost", Kind: KindLine, Summary: "name that replaces box@[local IP] in SMTP addresses", DefaultMe: true,
		ReadBy: "qmail-smtpd", When: smtpdWhen, Effect: EffectNextUse, Next: "SMTP connection", validate: hostValidator(false, true)},
	{Name: "locals", Kind: KindList, Summary: "domains delivered locally", DefaultMe: true,
		Absent: "qmail-send refuses to start (no me either)", ReadBy: "qmail-send", When: "at start and on HUP", Effect: EffectHUP,
		validate: hostValidator(false, true)},
	{Name: "me", Kind: KindLine, Summary: "this host's fully qualified name; the default of many other files",
		Absent: "qmail-send and qmail-smtpd cannot start", ReadBy: "every qmail program", When: "at start (qmail-send), per connection or delivery (the others)",
		Effect: EffectRestart, validate: hostValidator(false, false)},
	{Name: "morercpthosts", Kind: KindList, Summary: "more rcpthosts entries, compiled into morercpthosts.cdb (exact keys)",
		Absent: "no effect", ReadBy: "qmail-newmrh (qq rebuilds morercpthosts.cdb)", When: "when morercpthosts.cdb is rebuilt", Effect: EffectNextUse, Next: "SMTP connection",
		validate: hostValidator(true, true)},
	{Name: "morercpthosts.cdb", Kind: KindCDB, Summary: "compiled morercpthosts, consulted when rcpthosts exists",
		Absent: "no effect", ReadBy: "qmail-smtpd", When: smtpdWhen, Effect: EffectNextUse, Next: "SMTP connection"},
	{Name: "percenthack", Kind: KindList, Summary: "domains where user%host@domain is rewritten to user@host",
		Absent: "the percent hack is not allowed", ReadBy: "qmail-send", When: sendWhen, Effect: EffectRestart, validate: hostValidator(false, true)},
	{Name: "plusdomain", Kind: KindLine, Summary: "domain qmail-inject adds to host names ending in +", Default: "plusdomain", DefaultMe: true,
		ReadBy: "qmail-inject", When: injectWhen, Effect: EffectNextUse, Next: "injected message", validate: hostValidator(false, false)},
	{Name: "qmqpservers", Kind: KindList, Summary: "IP addresses of QMQP servers for qmail-qmqpc",
		Absent: "no QMQP servers", ReadBy: "qmail-qmqpc", When: injectWhen, Effect: EffectNextUse, Next: "injected message", validate: validateIPv4},
	{Name: "queuelifetime", Kind: KindInt, Summary: "seconds a message may stay in the queue before it bounces", Default: "604800",
		ReadBy: "qmail-send", When: sendWhen, Effect: EffectRestart, validate: intValidator(0, lifetimeNote)},
	{Name: "rcpthosts", Kind: KindList, Summary: "domains (exact, or .suffix) qmail-smtpd accepts mail for",
		Absent: "SMTP clients may send messages to any recipient: an open relay unless RELAYCLIENT is restricted", ReadBy: "qmail-smtpd", When: smtpdWhen,
		Effect: EffectNextUse, Next: "SMTP connection", validate: hostValidator(true, true)},
	{Name: "smtpgreeting", Kind: KindLine, Summary: "text after 220 in qmail-smtpd's greeting", DefaultMe: true,
		ReadBy: "qmail-smtpd", When: smtpdWhen, Effect: EffectNextUse, Next: "SMTP connection", validate: validateText},
	{Name: "smtproutes", Kind: KindMap, Summary: "artificial SMTP routes, domain:relay[:port]",
		Absent: "no artificial SMTP routes", ReadBy: "qmail-remote", When: remoteWhen, Effect: EffectNextUse, Next: "delivery", validate: validateSMTPRoute},
	{Name: "timeoutconnect", Kind: KindInt, Summary: "seconds qmail-remote waits for a connection", Default: "60",
		ReadBy: "qmail-remote", When: remoteWhen, Effect: EffectNextUse, Next: "delivery", validate: intValidator(1, nil)},
	{Name: "timeoutremote", Kind: KindInt, Summary: "seconds qmail-remote waits for the remote server", Default: "1200",
		ReadBy: "qmail-remote", When: remoteWhen, Effect: EffectNextUse, Next: "delivery", validate: intValidator(1, nil)},
	{Name: "timeoutsmtpd", Kind: KindInt, Summary: "seconds qmail-smtpd waits for the client", Default: "1200",
		ReadBy: "qmail-smtpd", When: smtpdWhen, Effect: EffectNextUse, Next: "SMTP connection", validate: intValidator(1, nil)},
	{Name: "virtualdomains", Kind: KindMap, Summary: "virtual domains and users, domain:prepend or user@domain:prepend",
		Absent: "no virtual domains", ReadBy: "qmail-send", When: "at start and on HUP", Effect: EffectHUP, validate: validateVirtualDomain},
}

// Lookup returns the registry entry of the named control file.
func Lookup(name string) (File, bool) {
	i, ok := slices.BinarySearchFunc(Files, name, func(f File, n string) int {
		switch {
		case f.Name < n:
			return -1
		case f.Name > n:
			return 1
		}
		return 0
	})
	if !ok {
		return File{}, false
	}
	return Files[i], true
}
