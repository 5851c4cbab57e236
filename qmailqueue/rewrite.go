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
	// Locals are the lower-cased domains of control/locals.
	Locals map[string]bool
	// VirtualDomains maps a lower-cased key (an address, a domain, a
	// ".suffix" or "") to its prepend; an empty prepend makes the address
	// remote.
	VirtualDomains map[string]string
}

// ReadRewrite reads control/locals (control/me when locals is missing, as
// qmail-send does) and control/virtualdomains from controlDir, through
// [control.Read]. Missing files give empty maps.
func ReadRewrite(controlDir string) (*Rewrite, error) {
	rw := &Rewrite{Locals: map[string]bool{}, VirtualDomains: map[string]string{}}
	locals, err := control.Read(controlDir, "locals")
	if err != nil {
		return nil, err
	}
	for _, e := range locals.Entries {
		rw.Locals[strings.ToLower(e.Value)] = true
	}
	vdoms, err := control.Read(controlDir, "virtualdomains")
	if err != nil {
		return nil, err
	}
	rw.VirtualDomains = ParseVirtualDomains(entryValues(vdoms.Entries))
	return rw, nil
}

// ParseControlLines splits a list control file into its entries as qmail's
// control_readfile does ([control.ParseList]).
func ParseControlLines(b []byte) []string {
	return entryValues(control.ParseList(b))
}

func entryValues(entries []control.ListEntry) []string {
	out := make([]string, len(entries))
	for i, e := range entries {
		out[i] = e.Value
	}
	return out
}

// ParseVirtualDomains turns the lines of control/virtualdomains into the map
// qmail-send builds with constmap: "key:prepend", split at the first colon,
// keys compared without regard to case. Lines without a colon are ignored.
func ParseVirtualDomains(lines []string) map[string]string {
	m := map[string]string{}
	for _, l := range lines {
		k, v, ok := strings.Cut(l, ":")
		if !ok {
			continue
		}
		k = strings.ToLower(k)
		if _, dup := m[k]; !dup {
			m[k] = v // constmap finds the first entry
		}
	}
	return m
}

// lookup finds the prepend for addr as rewrite() in qmail-send.c does: the
// whole address, then the domain, then each ".suffix" of the domain, then
// the empty key.
func (rw *Rewrite) lookup(addr string) (string, bool) {
	if p, ok := rw.VirtualDomains[strings.ToLower(addr)]; ok {
		return p, true
	}
	at := strings.LastIndexByte(addr, '@')
	domain := strings.ToLower(addr[at+1:])
	for i := 0; i <= len(domain); i++ {
		if i == 0 || i == len(domain) || domain[i] == '.' {
			if p, ok := rw.VirtualDomains[domain[i:]]; ok {
				return p, true
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
	if rw.Locals[strings.ToLower(addr[at+1:])] {
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
