package realqmail

import (
	"bufio"
	"net"
	"strings"
	"sync"
	"testing"
)

// Delivery is one message the sink accepted: the envelope qmail-remote
// gave and the data after DATA (dot-unstuffed, CRLF kept as qmail-remote
// sent it).
type Delivery struct {
	Sender     string
	Recipients []string
	Data       string
}

// Sink is an SMTP server on 127.0.0.1 that every remote delivery of the
// test qmail goes to (control/smtproutes). It answers RCPT by the
// recipient's local part: 250 for ok*, 553 for bad* (a permanent failure),
// 451 for everything else (a deferral).
type Sink struct {
	ln net.Listener

	mu         sync.Mutex
	deliveries []Delivery
	attempts   map[string]int  // RCPT commands per recipient
	accept     map[string]bool // recipients accepted whatever their name
	wg         sync.WaitGroup
}

// StartSink listens on a free port of 127.0.0.1 until the test ends.
func StartSink(t testing.TB) *Sink {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("sink: %v", err)
	}
	s := &Sink{ln: ln, attempts: map[string]int{}, accept: map[string]bool{}}
	s.wg.Add(1)
	go s.serve()
	t.Cleanup(func() {
		ln.Close()
		s.wg.Wait()
	})
	return s
}

// Port is the TCP port the sink listens on.
func (s *Sink) Port() int { return s.ln.Addr().(*net.TCPAddr).Port }

// Accept makes the sink accept addr from now on (250), whatever its name.
func (s *Sink) Accept(addr string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.accept[strings.ToLower(addr)] = true
}

// Deliveries returns the messages accepted so far.
func (s *Sink) Deliveries() []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Delivery(nil), s.deliveries...)
}

// Attempts returns how many times RCPT was given for addr.
func (s *Sink) Attempts(addr string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.attempts[strings.ToLower(addr)]
}

// DeliveredTo returns the accepted messages with recipient addr.
func (s *Sink) DeliveredTo(addr string) []Delivery {
	var out []Delivery
	for _, d := range s.Deliveries() {
		for _, r := range d.Recipients {
			if strings.EqualFold(r, addr) {
				out = append(out, d)
			}
		}
	}
	return out
}

func (s *Sink) serve() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer c.Close()
			s.session(c)
		}()
	}
}

// session speaks just enough SMTP for qmail-remote.
func (s *Sink) session(c net.Conn) {
	r := bufio.NewReader(c)
	w := bufio.NewWriter(c)
	reply := func(line string) bool {
		w.WriteString(line + "\r\n")
		return w.Flush() == nil
	}
	if !reply("220 sink.qqtest.invalid ESMTP") {
		return
	}
	var cur Delivery
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		verb := strings.ToUpper(line)
		if i := strings.IndexByte(verb, ' '); i >= 0 {
			verb = verb[:i]
		}
		switch verb {
		case "HELO", "EHLO", "NOOP":
			reply("250 sink")
		case "RSET":
			cur = Delivery{}
			reply("250 ok")
		case "MAIL":
			cur = Delivery{Sender: pathArg(line)}
			reply("250 ok")
		case "RCPT":
			addr := pathArg(line)
			local := strings.ToLower(addr)
			s.mu.Lock()
			s.attempts[local]++
			accept := s.accept[local]
			s.mu.Unlock()
			if i := strings.LastIndexByte(local, '@'); i >= 0 {
				local = local[:i]
			}
			switch {
			case accept || strings.HasPrefix(local, "ok"):
				cur.Recipients = append(cur.Recipients, addr)
				reply("250 ok")
			case strings.HasPrefix(local, "bad"):
				reply("553 sorry, bad mailbox (sink)")
			default:
				reply("451 try again later (sink)")
			}
		case "DATA":
			if len(cur.Recipients) == 0 {
				reply("503 no valid recipients")
				continue
			}
			if !reply("354 go ahead") {
				return
			}
			var data strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				data.WriteString(strings.TrimPrefix(l, "."))
			}
			cur.Data = data.String()
			s.mu.Lock()
			s.deliveries = append(s.deliveries, cur)
			s.mu.Unlock()
			cur = Delivery{}
			reply("250 accepted (sink)")
		case "QUIT":
			reply("221 bye")
			return
		default:
			reply("502 unimplemented")
		}
	}
}

// pathArg returns the address between < and > of MAIL FROM / RCPT TO.
func pathArg(line string) string {
	i := strings.IndexByte(line, '<')
	j := strings.LastIndexByte(line, '>')
	if i < 0 || j < i {
		return ""
	}
	return line[i+1 : j]
}
