package queuetest

import (
	"encoding/base64"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// sampleLocalDomain is the second local domain of the sample (control/locals).
const sampleLocalDomain = "example.com"

// Sample uids: qmail-queue's callers (docs/queue.md §3.2).
const (
	sampleUIDQmaild = 64011 // qmail-smtpd: "invoked from network"
	sampleUIDQmails = 64015 // qmail-send's bounces: "invoked for bounce"
	sampleUIDUsers  = 1000  // local users through qmail-inject
)

var (
	sampleUsers = []string{
		"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy",
		"mallory", "niaj", "olivia", "peggy", "rupert", "sybil", "trent", "victor", "walter", "yuki",
		"info", "sales", "support", "billing", "jobs", "hr", "noreply", "office", "admin", "webmaster",
	}
	sampleRealNames = []string{
		"Alice Martin", "Bob Schmidt", "Carol Dubois", "Dave Miller", "Erin O'Neil",
		"Frank Weber", "Grace Tanaka", "Heidi Müller", "Ivan Petrov", "Judy Lefèvre",
		"Jürgen Groß", "Élodie Bérard", "山田 太郎", "Søren Ågård", "Zoë Brontë",
	}
	sampleRemoteDomains = []string{
		"example.net", "example.org", "mail.example.de", "example.fr", "example.co.jp",
		"web.example", "customer.example", "partner.example.net", "isp.example", "uni.example.edu",
		"shop.example", "bank.example", "news.example.org", "travel.example", "clinic.example",
	}
	sampleHelos = []string{
		"mx.example", "mail.example.net", "smtp.example.org", "mx1.example.de", "[192.0.2.33]",
		"localhost", "WIN-4J5K2M8Q", "out.isp.example", "relay.example.fr", "smtp.example.co.jp",
	}
	sampleNetworks = []string{"192.0.2.", "198.51.100.", "203.0.113."}
	sampleZones    = []int{0, 1, 2, -5, -8, 9, 5}
	sampleSubjects = []string{
		"Meeting tomorrow", "Re: Quarterly report", "Invoice 2026-1187", "Your order has shipped",
		"Fwd: holiday photos", "Re: Re: server migration plan", "Lunch on Friday?", "Password reset request",
		"Weekly status", "Contract draft v3", "Re: question about the API", "Welcome to the team",
	}
	// sampleUTF8Subjects are encoded as =?UTF-8?B?...?=.
	sampleUTF8Subjects = []string{
		"Grüße aus München", "Réunion de l'équipe à Paris", "会議のお知らせ",
		"Ihre Bestellung wurde versandt – Lieferung morgen", "お支払いの確認をお願いします", "Ça va? Déjà vu!",
	}
	// sampleLatin1Subjects are encoded as =?ISO-8859-1?Q?...?=.
	sampleLatin1Subjects = []string{
		"Grüße aus Köln", "Données à vérifier", "Café à 15h", "Überweisung für März",
	}
	sampleWords = strings.Fields(`the a of to and in is it that for on with as was at by this be from or
		have an are not but were which all can had one their there been if more when will would who so no
		queue mail server message delivery report please find attached thanks regards meeting project
		invoice order customer account update schedule review draft budget team office week tomorrow
		today monday friday question answer issue fix release plan migration backup network storage
		Grüße schön Straße für naïve café déjà über Ärger voilà`)
	sampleRemoteFailures = []string{
		"%s does not like recipient.\nRemote host said: 550 5.1.1 <%s>: Recipient address rejected: User unknown in virtual mailbox table\nGiving up on %s.\n",
		"%s does not like recipient.\nRemote host said: 550 5.7.1 Message rejected as spam by Content Filtering (<%s>)\nGiving up on %s.\n",
		"%s failed after I sent the message.\nRemote host said: 552 5.2.2 Mailbox full <%s>\nGiving up on %s.\n",
	}
	sampleNoHost = "Sorry, I couldn't find any host named %s. (#5.1.2)\n"
	sampleNoBox  = "Sorry, no mailbox here by that name. (#5.1.1)\n"
)

// pick returns a random element of s.
func pick[T any](g *sampleGen, s []T) T { return s[g.rng.IntN(len(s))] }

// between returns a random integer in [lo, hi].
func (g *sampleGen) between(lo, hi int) int { return lo + g.rng.IntN(hi-lo+1) }

// chance is true with probability p.
func (g *sampleGen) chance(p float64) bool { return g.rng.Float64() < p }

// birthAged returns Now minus a random age in [lo, hi).
func (g *sampleGen) birthAged(lo, hi time.Duration) time.Time {
	age := lo + time.Duration(g.rng.Int64N(int64(hi-lo)/int64(time.Second)))*time.Second
	return g.now.Add(-age)
}

func (g *sampleGen) remoteAddr() string {
	return pick(g, sampleUsers) + "@" + pick(g, sampleRemoteDomains)
}

func (g *sampleGen) localAddr() string {
	domain := sampleLocalDomain
	if g.chance(0.3) {
		domain = SampleHost
	}
	return pick(g, sampleUsers) + "@" + domain
}

func (g *sampleGen) ip() string {
	return fmt.Sprintf("%s%d", pick(g, sampleNetworks), g.between(1, 254))
}

// subject returns a Subject value: plain ASCII, or RFC 2047 encoded.
func (g *sampleGen) subject() string {
	switch r := g.rng.IntN(8); {
	case r < 2:
		return encodeB(pick(g, sampleUTF8Subjects))
	case r < 3:
		return encodeQLatin1(pick(g, sampleLatin1Subjects))
	}
	return pick(g, sampleSubjects)
}

// encodeB is the RFC 2047 B encoding in UTF-8, folded into encoded words
// of at most 45 bytes of text each.
func encodeB(s string) string {
	var words []string
	for len(s) > 0 {
		n := min(len(s), 45)
		for n < len(s) && !utf8.RuneStart(s[n]) {
			n--
		}
		words = append(words, "=?UTF-8?B?"+base64.StdEncoding.EncodeToString([]byte(s[:n]))+"?=")
		s = s[n:]
	}
	return strings.Join(words, "\n ")
}

// encodeQLatin1 is the RFC 2047 Q encoding of s in ISO-8859-1 (s must only
// hold runes below U+0100).
func encodeQLatin1(s string) string {
	var b strings.Builder
	b.WriteString("=?ISO-8859-1?Q?")
	for _, r := range s {
		switch {
		case r == ' ':
			b.WriteByte('_')
		case r > ' ' && r < 0x7f && r != '=' && r != '?' && r != '_':
			b.WriteRune(r)
		default:
			fmt.Fprintf(&b, "=%02X", r)
		}
	}
	b.WriteString("?=")
	return b.String()
}

// displayName returns a From/To display name, encoded when not ASCII.
func (g *sampleGen) mailbox(addr string) string {
	if g.chance(0.4) {
		return addr
	}
	name := pick(g, sampleRealNames)
	for _, r := range name {
		if r >= 0x80 {
			return encodeB(name) + " <" + addr + ">"
		}
	}
	return `"` + name + `" <` + addr + ">"
}

// smtpReceived is the line qmail-smtpd adds for a message it accepts.
func (g *sampleGen) smtpReceived(birth time.Time, helo string) string {
	return fmt.Sprintf("Received: from unknown (HELO %s) (%s)\n  by %s with SMTP; %s\n",
		helo, g.ip(), SampleHost, date822(birth.Add(-time.Duration(g.between(0, 2))*time.Second)))
}

// headers writes the usual header lines after any Received lines.
func (g *sampleGen) headers(h *strings.Builder, from string, to []string, subject string, birth time.Time) {
	zone := time.FixedZone("", pick(g, sampleZones)*3600)
	sent := birth.Add(-time.Duration(g.between(1, 90)) * time.Second).In(zone)
	tos := make([]string, len(to))
	for i, a := range to {
		tos[i] = g.mailbox(a)
	}
	fmt.Fprintf(h, "From: %s\nTo: %s\nDate: %s\nMessage-ID: <%s.%d.%x@%s>\nSubject: %s\n",
		g.mailbox(from), strings.Join(tos, ",\n  "), sent.Format(time.RFC1123Z),
		sent.UTC().Format("20060102150405"), g.between(1000, 99999), g.rng.Uint32(), domainOf(from), subject)
}

// domainOf returns the part after the last @ (or the host name).
func domainOf(addr string) string {
	if i := strings.LastIndexByte(addr, '@'); i >= 0 && i+1 < len(addr) {
		return addr[i+1:]
	}
	return SampleHost
}

// text returns about n bytes of lines of words.
func (g *sampleGen) text(n int) string {
	var b strings.Builder
	b.Grow(n + 80)
	line := 0
	for b.Len() < n {
		w := pick(g, sampleWords)
		if line > 0 && line+1+len(w) > 72 {
			b.WriteByte('\n')
			line = 0
			if g.chance(0.15) {
				b.WriteByte('\n')
			}
		} else if line > 0 {
			b.WriteByte(' ')
			line++
		}
		b.WriteString(w)
		line += len(w)
	}
	b.WriteByte('\n')
	return b.String()
}

// content writes the MIME headers and returns the body: text/plain, or in
// one message of five multipart/mixed with a text part and a base64
// attachment. The body is 1–4 KB.
func (g *sampleGen) content(h *strings.Builder) []byte {
	h.WriteString("MIME-Version: 1.0\n")
	if !g.chance(0.2) {
		h.WriteString("Content-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: 8bit\n")
		return []byte(g.text(g.between(1000, 4000)))
	}
	boundary := fmt.Sprintf("=_qq_%016x", g.rng.Uint64())
	fmt.Fprintf(h, "Content-Type: multipart/mixed; boundary=\"%s\"\n", boundary)
	raw := make([]byte, g.between(500, 2000))
	for i := range raw {
		raw[i] = byte(g.rng.Uint32())
	}
	name := fmt.Sprintf("invoice-%d.pdf", g.between(1000, 9999))
	var b strings.Builder
	fmt.Fprintf(&b, "This is a multi-part message in MIME format.\n\n--%s\n", boundary)
	b.WriteString("Content-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: 8bit\n\n")
	b.WriteString(g.text(g.between(300, 1000)))
	fmt.Fprintf(&b, "\n--%s\nContent-Type: application/pdf; name=\"%s\"\n", boundary, name)
	fmt.Fprintf(&b, "Content-Disposition: attachment; filename=\"%s\"\nContent-Transfer-Encoding: base64\n\n", name)
	writeBase64Lines(&b, raw)
	fmt.Fprintf(&b, "--%s--\n", boundary)
	return []byte(b.String())
}

// writeBase64Lines writes raw as base64 in lines of 76 characters.
func writeBase64Lines(b *strings.Builder, raw []byte) {
	enc := base64.StdEncoding.EncodeToString(raw)
	for len(enc) > 76 {
		b.WriteString(enc[:76])
		b.WriteByte('\n')
		enc = enc[76:]
	}
	b.WriteString(enc)
	b.WriteByte('\n')
}

// recipients returns n recipients made by addr, each done with probability
// pDone when there are several.
func (g *sampleGen) recipients(n int, remote bool, pDone float64, addr func() string) []Recipient {
	rs := make([]Recipient, n)
	for i := range rs {
		rs[i] = Recipient{Addr: addr(), Remote: remote, Done: n > 1 && g.chance(pDone)}
	}
	return rs
}

// addrs returns the addresses of rs.
func addrs(rs []Recipient) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Addr
	}
	return out
}

// ensurePending makes the first recipient pending if all are done.
func ensurePending(rs []Recipient) {
	for _, r := range rs {
		if !r.Done {
			return
		}
	}
	rs[0].Done = false
}

func (g *sampleGen) incoming(sm *sampleMsg) {
	sm.Birth = g.birthAged(time.Minute, sampleLifetime-time.Hour)
	sm.Sender = g.remoteAddr()
	n := 1
	if g.chance(0.3) {
		n = g.between(2, 4)
	}
	sm.Recipients = g.recipients(n, false, 0.4, g.localAddr)
	ensurePending(sm.Recipients)
	sm.UID, sm.PID, sm.Invoked = sampleUIDQmaild, g.between(300, 65000), "from network"
	var h strings.Builder
	h.WriteString(g.smtpReceived(sm.Birth, pick(g, sampleHelos)))
	g.headers(&h, sm.Sender, addrs(sm.Recipients), g.subject(), sm.Birth)
	sm.Body = g.content(&h)
	sm.Header = h.String()
}

func (g *sampleGen) outgoing(sm *sampleMsg, mixed bool) {
	sm.Birth = g.birthAged(time.Minute, sampleLifetime-time.Hour)
	user := g.between(0, 20)
	sm.Sender = sampleUsers[user] + "@" + sampleLocalDomain
	n := 1
	if g.chance(0.4) {
		n = g.between(2, 6)
	}
	sm.Recipients = g.recipients(n, true, 0.3, g.remoteAddr)
	if mixed {
		sm.Recipients = append(sm.Recipients, g.recipients(g.between(1, 2), false, 0.3, g.localAddr)...)
	}
	ensurePending(sm.Recipients)
	sm.UID, sm.PID = sampleUIDUsers+user, g.between(300, 65000)
	var h strings.Builder
	g.headers(&h, sm.Sender, addrs(sm.Recipients), g.subject(), sm.Birth)
	sm.Body = g.content(&h)
	sm.Header = h.String()
}

// bouncing is an outgoing message some of whose recipients failed: they are
// done and have a paragraph in the bounce file; the others are pending or
// delivered.
func (g *sampleGen) bouncing(sm *sampleMsg) {
	g.outgoing(sm, g.chance(0.3))
	for len(sm.Recipients) < 2 {
		sm.Recipients = append(sm.Recipients, Recipient{Addr: g.remoteAddr(), Remote: true})
	}
	for i := range sm.Recipients {
		sm.Recipients[i].Done = g.chance(0.3)
	}
	failed := g.between(1, len(sm.Recipients)-1)
	var bounce strings.Builder
	for i := range failed {
		r := &sm.Recipients[i]
		r.Done = true
		bounce.WriteString(g.failure(*r))
	}
	sm.Recipients[len(sm.Recipients)-1].Done = false
	sm.Bounce = bounce.String()
}

// failure is one bounce paragraph for r (docs/queue.md §3.6).
func (g *sampleGen) failure(r Recipient) string {
	var report string
	switch {
	case !r.Remote:
		report = sampleNoBox
	case g.chance(0.2):
		report = fmt.Sprintf(sampleNoHost, domainOf(r.Addr))
	default:
		ip := g.ip()
		report = fmt.Sprintf(pick(g, sampleRemoteFailures), ip, r.Addr, ip)
	}
	return "<" + r.Addr + ">:\n" + report + "\n"
}

// flood is one message of the spam run: one sender, one subject, remote
// recipients, all within three hours two days ago.
func (g *sampleGen) flood(sm *sampleMsg) {
	sm.Birth = g.birthAged(48*time.Hour, 51*time.Hour)
	sm.Sender = SampleFloodSender
	sm.Recipients = g.recipients(g.between(1, 3), true, 0.2, g.remoteAddr)
	ensurePending(sm.Recipients)
	if n := len(sm.Recipients); n > 1 && g.chance(0.25) {
		sm.Recipients[0].Done = true
		sm.Recipients[n-1].Done = false
		sm.Bounce = g.failure(sm.Recipients[0])
	}
	sm.UID, sm.PID, sm.Invoked = sampleUIDQmaild, g.between(300, 65000), "from network"
	var h strings.Builder
	h.WriteString(g.smtpReceived(sm.Birth, pick(g, []string{"WIN-4J5K2M8Q", "localhost", "[203.0.113.66]", "user-pc"})))
	g.headers(&h, sm.Sender, addrs(sm.Recipients), SampleFloodSubject, sm.Birth)
	h.WriteString("MIME-Version: 1.0\nContent-Type: text/html; charset=UTF-8\n")
	sm.Header = h.String()
	sm.Body = []byte("<html><body><h1>" + SampleFloodSubject + "</h1>\n<p>Doctors hate this trick! Order now at " +
		"<a href=\"http://cheap-meds.example/p?id=" + fmt.Sprint(g.between(100000, 999999)) + "\">our shop</a>.</p>\n" +
		g.text(g.between(1000, 2500)) + "</body></html>\n")
}

// todo is a message qmail-send has not preprocessed yet (born in the last
// ten minutes): mostly intd+todo, sometimes todo alone.
func (g *sampleGen) todo(sm *sampleMsg) {
	if g.chance(0.5) {
		g.incoming(sm)
	} else {
		g.outgoing(sm, false)
	}
	sm.Birth = g.birthAged(0, 10*time.Minute)
	sm.State = Queued
	if g.chance(1.0 / 3) {
		sm.State = QueuedNoIntd
	}
}

// nullBounce is a bounce qmail-send sent for a failed message: sender "",
// one remote recipient (often the flood's sender: backscatter).
func (g *sampleGen) nullBounce(sm *sampleMsg) {
	sm.Birth = g.birthAged(time.Minute, sampleLifetime-time.Hour)
	to := g.remoteAddr()
	if g.chance(0.5) {
		to = SampleFloodSender
	}
	sm.Sender = ""
	sm.Recipients = []Recipient{{Addr: to, Remote: true}}
	sm.UID, sm.PID, sm.Invoked = sampleUIDQmails, g.between(300, 65000), "for bounce"
	failed := Recipient{Addr: g.localAddr()}
	sm.Header = fmt.Sprintf("Date: %s\nFrom: MAILER-DAEMON@%s\nTo: %s\nSubject: failure notice\n",
		date822(sm.Birth), SampleHost, to)
	sm.Body = []byte("Hi. This is the qmail-send program at " + SampleHost + ".\n" +
		"I'm afraid I wasn't able to deliver your message to the following addresses.\n" +
		"This is a permanent error; I've given up. Sorry it didn't work out.\n\n" +
		g.failure(failed) + "--- Below this line is a copy of the message.\n\n" +
		"Return-Path: <" + to + ">\n" + g.smtpReceived(sm.Birth, pick(g, sampleHelos)) +
		"From: " + to + "\nTo: " + failed.Addr + "\nSubject: " + g.subject() + "\n\n" + g.text(g.between(500, 1500)))
}

// doubleBounce is a bounce that bounced: sender "#@[]", to the local
// postmaster.
func (g *sampleGen) doubleBounce(sm *sampleMsg) {
	sm.Birth = g.birthAged(time.Minute, sampleLifetime-time.Hour)
	sm.Sender = "#@[]"
	sm.Recipients = []Recipient{{Addr: "postmaster@" + SampleHost}}
	sm.UID, sm.PID, sm.Invoked = sampleUIDQmails, g.between(300, 65000), "for bounce"
	orig := g.remoteAddr()
	sm.Header = fmt.Sprintf("Date: %s\nFrom: MAILER-DAEMON@%s\nTo: postmaster@%s\nSubject: failure notice\n",
		date822(sm.Birth), SampleHost, SampleHost)
	sm.Body = []byte("Hi. This is the qmail-send program at " + SampleHost + ".\n" +
		"I tried to deliver a bounce message to this address, but the bounce bounced!\n\n" +
		g.failure(Recipient{Addr: orig, Remote: true}) + "--- Below this line is the original bounce.\n\n" +
		"Return-Path: <>\nFrom: MAILER-DAEMON@" + SampleHost + "\nTo: " + orig + "\nSubject: failure notice\n\n" +
		g.text(g.between(300, 800)))
}

// largeMessage is the newsletter that was re-sent with a big attachment:
// its body is exactly SampleLargeBody bytes.
func (g *sampleGen) largeMessage(sm *sampleMsg) {
	sm.large = true
	sm.Birth = g.birthAged(72*time.Hour, 73*time.Hour)
	sm.Sender = SampleLargeSender
	sm.Recipients = g.recipients(5, true, 0, g.remoteAddr)
	sm.Recipients[1].Done, sm.Recipients[3].Done = true, true
	sm.UID, sm.PID, sm.Invoked = sampleUIDQmaild, g.between(300, 65000), "from network"
	var h strings.Builder
	h.WriteString(g.smtpReceived(sm.Birth, "lists.example.org"))
	g.headers(&h, sm.Sender, []string{"undisclosed-recipients:;"}, encodeB("Newsletter November – re-sent with the full catalogue"), sm.Birth)
	boundary := "=_newsletter_catalogue"
	fmt.Fprintf(&h, "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"%s\"\n", boundary)
	sm.Header = h.String()
	sm.Body = largeBody(boundary, g.text(2000))
}

// largeBody builds a multipart body of exactly SampleLargeBody bytes: a text
// part and a base64 attachment in 76-character lines, padded with newlines
// in the epilogue.
func largeBody(boundary, text string) []byte {
	head := "--" + boundary + "\nContent-Type: text/plain; charset=UTF-8\n\n" + text +
		"\n--" + boundary + "\nContent-Type: application/pdf; name=\"catalogue.pdf\"\n" +
		"Content-Disposition: attachment; filename=\"catalogue.pdf\"\nContent-Transfer-Encoding: base64\n\n"
	tail := "--" + boundary + "--\n"
	body := make([]byte, 0, SampleLargeBody)
	body = append(body, head...)
	line := []byte(base64.StdEncoding.EncodeToString([]byte("qq sample catalogue page; nothing to see here, only bytes.")[:57]))
	line = append(line, '\n')
	for len(body)+len(line)+len(tail) <= SampleLargeBody {
		body = append(body, line...)
	}
	body = append(body, tail...)
	for len(body) < SampleLargeBody {
		body = append(body, '\n')
	}
	return body
}
