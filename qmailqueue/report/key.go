package report

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/qqmail/qq/qmailqueue"
)

// Key is what messages are grouped by.
type Key int

// The groupings. Names are those of qq's filter flags where one exists.
const (
	// KeySender groups by envelope sender ("" is the null sender of
	// bounces).
	KeySender Key = iota + 1
	// KeySenderDomain groups by the envelope sender's domain, the part
	// after the last @ ("" for the null sender and addresses without @).
	KeySenderDomain
	// KeyRecipient groups by envelope recipient: a message belongs to the
	// group of each of its recipients, delivered ones included, which is
	// what qq's --rcpt filter matches.
	KeyRecipient
	// KeyRecipientDomain groups by the domains of the recipients, the same
	// way.
	KeyRecipientDomain
	// KeySubject groups by the decoded Subject ("" when there is none).
	KeySubject
	// KeyIP groups by the sending IP address of a Received hop.
	KeyIP
	// KeyHelo groups by the HELO name of a Received hop.
	KeyHelo
	// KeySize groups by message size, in buckets that grow fourfold
	// ([SizeBuckets]).
	KeySize
	// KeyAttachment groups by attachment: media type and file name
	// extension ("application/zip .zip"); a message belongs to the group
	// of each distinct kind of attachment it carries, and to "" when it
	// carries none. It walks every message's MIME structure (slow).
	KeyAttachment
)

var keyNames = []struct {
	key   Key
	names []string
}{
	{KeySender, []string{"sender", "from"}},
	{KeySenderDomain, []string{"sender-domain"}},
	{KeyRecipient, []string{"rcpt", "recipient"}},
	{KeyRecipientDomain, []string{"rcpt-domain", "recipient-domain", "domain"}},
	{KeySubject, []string{"subject"}},
	{KeyIP, []string{"ip"}},
	{KeyHelo, []string{"helo"}},
	{KeySize, []string{"size"}},
	{KeyAttachment, []string{"attachment"}},
}

// Keys returns every grouping, in declaration order.
func Keys() []Key {
	keys := make([]Key, len(keyNames))
	for i, k := range keyNames {
		keys[i] = k.key
	}
	return keys
}

// ParseKey returns the grouping named s: one of the names [Key.String]
// returns, or an alias (from, recipient, recipient-domain, domain).
func ParseKey(s string) (Key, error) {
	for _, k := range keyNames {
		for _, n := range k.names {
			if strings.EqualFold(s, n) {
				return k.key, nil
			}
		}
	}
	var names []string
	for _, k := range keyNames {
		names = append(names, k.names[0])
	}
	return 0, fmt.Errorf("unknown grouping %q: choose %s", s, strings.Join(names, ", "))
}

// String returns the grouping's name: sender, sender-domain, rcpt,
// rcpt-domain, subject, ip, helo, size or attachment.
func (k Key) String() string {
	for _, n := range keyNames {
		if n.key == k {
			return n.names[0]
		}
	}
	return fmt.Sprintf("Key(%d)", int(k))
}

// Fields returns what a scan must read for the grouping alone.
func (k Key) Fields() qmailqueue.Fields {
	switch k {
	case KeySender, KeySenderDomain:
		return qmailqueue.FieldEnvelope
	case KeyRecipient, KeyRecipientDomain:
		return qmailqueue.FieldRecipients
	case KeySubject, KeyIP, KeyHelo:
		return qmailqueue.FieldHeader
	case KeySize:
		return qmailqueue.FieldSize
	case KeyAttachment:
		return qmailqueue.FieldParts
	}
	return 0
}

// PerRecipient reports whether a message can belong to several groups, one
// per recipient (the recipient groupings).
func (k Key) PerRecipient() bool { return k == KeyRecipient || k == KeyRecipientDomain }

// Normalize returns the group name a user-given value stands for: addresses
// and domains lower-cased, HELO names case-folded (foldCase), "<>" for the
// null sender, an IP address in canonical form; subjects and size buckets
// are kept as given.
func (k Key) Normalize(v string) string {
	switch k {
	case KeySender, KeyRecipient:
		return strings.ToLower(qmailqueue.AddressArg(v))
	case KeySenderDomain, KeyRecipientDomain, KeyAttachment:
		return strings.ToLower(v)
	case KeyHelo:
		return foldCase(v)
	case KeyIP:
		if a, ok := qmailqueue.CanonicalIP(v); ok {
			return a
		}
	}
	return v
}

// Domain returns the lower-cased part of addr after its last @, or "" when
// it has none, as qq's domain filters read it.
func Domain(addr string) string {
	i := strings.LastIndexByte(addr, '@')
	if i < 0 {
		return ""
	}
	return strings.ToLower(addr[i+1:])
}

// Namer computes the group names of messages for one grouping. It keeps a
// little scratch space, so one Namer serves one goroutine.
type Namer struct {
	key     Key
	hop     int
	scratch []string
}

// NewNamer returns a Namer for key; hop (1 = the nearest) picks the
// Received hop for KeyIP and KeyHelo, and is ignored otherwise.
func NewNamer(key Key, hop int) *Namer {
	if hop < 1 {
		hop = 1
	}
	return &Namer{key: key, hop: hop}
}

// Key returns the grouping.
func (n *Namer) Key() Key { return n.key }

// Names returns the groups m belongs to: one name, or for the recipient
// groupings one per distinct recipient or recipient domain (none when the
// message has no recipient, as in states S2 and S3). The slice is reused by
// the next call.
func (n *Namer) Names(m *qmailqueue.Message) []string {
	n.scratch = n.scratch[:0]
	switch n.key {
	case KeySender:
		n.scratch = append(n.scratch, strings.ToLower(m.Sender))
	case KeySenderDomain:
		n.scratch = append(n.scratch, Domain(m.Sender))
	case KeyRecipient, KeyRecipientDomain:
		// A set beyond a few recipients: a message may have 100,000, and
		// a search of the list for each would be quadratic.
		var seen map[string]bool
		if len(m.Recipients) > 16 {
			seen = make(map[string]bool, len(m.Recipients))
		}
		for _, r := range m.Recipients {
			name := Domain(r.Address)
			if n.key == KeyRecipient {
				name = strings.ToLower(r.Address)
			}
			if seen != nil {
				if !seen[name] {
					seen[name] = true
					n.scratch = append(n.scratch, name)
				}
			} else if !slices.Contains(n.scratch, name) {
				n.scratch = append(n.scratch, name)
			}
		}
	case KeySubject:
		s := ""
		if m.Header != nil {
			s = m.Header.Subject()
		}
		n.scratch = append(n.scratch, s)
	case KeyIP, KeyHelo:
		hop, _ := qmailqueue.NthHop(m.Header, n.hop)
		if n.key == KeyIP {
			n.scratch = append(n.scratch, hop.IP)
		} else {
			n.scratch = append(n.scratch, foldCase(hop.Helo))
		}
	case KeySize:
		n.scratch = append(n.scratch, SizeBucketOf(m.Size).Name)
	case KeyAttachment:
		if m.MIME != nil {
			for _, p := range m.MIME.Attachments() {
				if name := AttachmentKind(p); !slices.Contains(n.scratch, name) {
					n.scratch = append(n.scratch, name)
				}
			}
		}
		if len(n.scratch) == 0 {
			n.scratch = append(n.scratch, "")
		}
	}
	return n.scratch
}

// AttachmentKind names the attachment group of part p: its media type and,
// when its file name has one, the extension, lower-cased:
// "application/zip .zip", "image/png".
func AttachmentKind(p qmailqueue.Part) string {
	kind := strings.ToLower(p.Type)
	if ext := p.Extension(); ext != "" {
		kind += " " + ext
	}
	return kind
}

// pendingByName counts m's pending recipients per group name under a
// recipient grouping, in one pass over them: a message may have 100,000
// recipients, and one pass per group would be quadratic.
func (n *Namer) pendingByName(m *qmailqueue.Message) map[string]int {
	counts := map[string]int{}
	for _, r := range m.Recipients {
		if r.Done {
			continue
		}
		if n.key == KeyRecipient {
			counts[strings.ToLower(r.Address)]++
		} else {
			counts[Domain(r.Address)]++
		}
	}
	return counts
}

// ParseSenderKey returns the grouping a per-sender count goes by (qq
// check's flood detector, qq metrics' per-sender series): sender or
// sender-domain, or an alias of one ([ParseKey]).
func ParseSenderKey(s string) (Key, error) {
	k, err := ParseKey(s)
	if err != nil || (k != KeySender && k != KeySenderDomain) {
		return 0, fmt.Errorf("%q: choose sender or sender-domain", s)
	}
	return k, nil
}

// foldCase is s with every letter replaced by one representative of the
// letters the (?i) flag of a regular expression takes for it (its Unicode
// simple case-folding orbit): the lower-case form of the orbit's first
// letter when that belongs to the orbit, else that first letter. It is
// strings.ToLower where the two agree, and so for ASCII, but ſ (U+017F)
// groups with s, as (?i)s matches it, and İ (U+0130) stays itself, as
// (?i)i does not match it. HELO groups are named so, so that the
// expression qq top --format rm prints for a group, (?i)^NAME$, selects
// exactly its messages.
func foldCase(s string) string {
	ascii := true
	for i := 0; i < len(s) && ascii; i++ {
		ascii = s[i] < utf8.RuneSelf
	}
	if ascii {
		return strings.ToLower(s)
	}
	return strings.Map(func(r rune) rune {
		first := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			first = min(first, f)
		}
		lower := unicode.ToLower(first)
		for f := unicode.SimpleFold(first); ; f = unicode.SimpleFold(f) {
			if f == lower {
				return lower
			}
			if f == first {
				return first
			}
		}
	}, s)
}
