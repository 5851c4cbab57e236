package qmailqueue

import (
	"strings"

	"github.com/qqmail/qq/control"
)

// Rewrite is what qmail-send needs to turn an envelope recipient into the
// address it stores in local/ (docs/queue.md §3.5, rewrite() in qmail-send.c): the
// domains of control/locals and the map of control/virtualdomains. qq uses
// it the other way round, to give a quarantined local recipient back the
// address it had on the envelope, so that re-injecting it does not get the
// virtual-domain prepend twice.
type Rewrite struct {
	// Locals are the domains of control/locals.
	Locals *control.Map
	// VirtualDomains maps a key (an address, a domain, a ".suffix" or "")
	// to its prepend; an empty prepend makes the address remote. Both maps
	// are qmail's constmap: ASCII case-insensitive, and of duplicate keys
	// the last line wins (constmap_init puts each entry at the head of its
	// hash chain).
	VirtualDomains *control.Map
}

// ReadRewrite reads control/locals (control/me when locals is missing, as
// qmail-send does) and control/virtualdomains from controlDir, through
// [control.Read]. Missing files give empty maps.
func ReadRewrite(controlDir string) (*Rewrite, error) {
	locals, err := control.Read(controlDir, "locals")
	if err != nil {
		return nil, err
	}
	vdoms, err := control.Read(controlDir, "virtualdomains")
	if err != nil {
		return nil, err
	}
	return &Rewrite{Locals: control.NewMap(locals.Entries, false), VirtualDomains: control.NewMap(vdoms.Entries, true)}, nil
}

// lookup finds the prepend for addr as rewrite() in qmail-send.c does: the
// whole address, then the domain, then each ".suffix" of the domain, then
// the empty key.
func (rw *Rewrite) lookup(addr string) (string, bool) {
	if e, ok := rw.VirtualDomains.Lookup(addr); ok {
		return e.Value, true
	}
	at := strings.LastIndexByte(addr, '@')
	domain := addr[at+1:]
	for i := 0; i <= len(domain); i++ {
		if i == 0 || i == len(domain) || domain[i] == '.' {
			if e, ok := rw.VirtualDomains.Lookup(domain[i:]); ok {
				return e.Value, true
			}
		}
	}
	return "", false
}

// Rewritten returns the address qmail-send stores for an envelope recipient
// that has an @ (rewrite() without the percent hack and envnoathost), and
// whether it goes to the local channel.
func (rw *Rewrite) Rewritten(addr string) (string, bool) {
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return addr, false
	}
	if _, local := rw.Locals.Lookup(addr[at+1:]); local {
		return addr, true
	}
	if p, ok := rw.lookup(addr); ok && p != "" {
		return p + "-" + addr, true
	}
	return addr, false
}

// Envelope returns the envelope recipient that qmail-send rewrote into the
// local address stored: the address without its virtual-domain prepend when
// one was added, else the address as it is. The answer is checked by
// rewriting it again, so an address that merely contains a hyphen is left
// alone.
func (rw *Rewrite) Envelope(stored string) string {
	if rw == nil {
		return stored
	}
	at := strings.LastIndexByte(stored, '@')
	if at < 0 {
		return stored
	}
	for i := 0; i < at; i++ {
		if stored[i] != '-' {
			continue
		}
		orig := stored[i+1:]
		if again, local := rw.Rewritten(orig); local && again == stored {
			return orig
		}
	}
	return stored
}
