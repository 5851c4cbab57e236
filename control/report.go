package control

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"
)

// What the list files' commands (list, check, add) report besides their
// result, and the values they are given.

// Notice is something worth telling besides a result: a note, or a
// warning when qmail probably does not do what the admin expects.
type Notice struct {
	Warning bool
	Text    string
}

// note and warning make notices.
func note(format string, args ...any) Notice {
	return Notice{Text: fmt.Sprintf(format, args...)}
}

func warning(format string, args ...any) Notice {
	return Notice{Warning: true, Text: fmt.Sprintf(format, args...)}
}

// Warnings returns the warnings among ns.
func Warnings(ns []Notice) []Notice {
	var out []Notice
	for _, n := range ns {
		if n.Warning {
			out = append(out, n)
		}
	}
	return out
}

// ListReport is a list file as qq lists it: its entry lines analysed, and
// what is worth knowing about the file.
type ListReport struct {
	Lines []Line
	// Files is the file of each line when the report spans rcpthosts and
	// morercpthosts; nil for a single file.
	Files   []string
	Notices []Notice
}

// Views returns the JSON form of the lines, with their file if the report
// spans files.
func (r ListReport) Views() []LineView {
	out := make([]LineView, 0, len(r.Lines))
	for i, l := range r.Lines {
		file := ""
		if r.Files != nil {
			file = r.Files[i]
		}
		out = append(out, l.View(file))
	}
	return out
}

// ReadAddrList reads and analyses badmailfrom or badrcptto
// ([AnalyzeAddrList]), noting an absent file and warning about lines that
// look like qregex regular expressions.
func ReadAddrList(dir, name string) (ListReport, error) {
	r, _, err := readAddrList(dir, name)
	return r, err
}

// AddAddrEntries adds entries, validated already ([ValidateAddrEntry]), to
// badmailfrom or badrcptto ([AddToList]), with the warnings of
// [ReadAddrList] about lines that look like qregex regular expressions.
// The warnings are returned with an error too.
func AddAddrEntries(ctx context.Context, dir, name string, entries []string) (ListChange, []Notice, error) {
	r, err := ReadAddrList(dir, name)
	if err != nil {
		return ListChange{}, nil, err
	}
	ch, err := AddToList(ctx, dir, name, entries)
	return ch, Warnings(r.Notices), err
}

// readAddrList is [ReadAddrList], also returning the file's contents.
func readAddrList(dir, name string) (ListReport, []byte, error) {
	data, exists, err := ReadFile(dir, name)
	if err != nil {
		return ListReport{}, nil, fmt.Errorf("read %s: %w", name, err)
	}
	r := ListReport{Lines: AnalyzeAddrList(data)}
	if !exists {
		f, _ := Lookup(name)
		r.Notices = append(r.Notices, note("control/%s does not exist: %s", name, f.Absent))
	}
	if n, first := RegexLines(r.Lines); n > 0 {
		r.Notices = append(r.Notices, warning("%s has %d line(s) that look like regular expressions (first: line %d): the qregex patch? qq keeps them as written, and its checks follow stock qmail-smtpd, which matches them literally", name, n, first))
	}
	return r, data, nil
}

// ReadRcptHostsList reads and analyses rcpthosts and morercpthosts
// ([ReadHostLines]), warning when qmail-smtpd accepts every domain or
// none, and when morercpthosts.cdb does not match morercpthosts. On an
// error the notices found so far are returned with it.
func ReadRcptHostsList(dir string) (ListReport, error) {
	h, err := ReadHostLines(dir)
	if err != nil {
		return ListReport{}, err
	}
	r := ListReport{Lines: h.Lines, Files: h.Files}
	switch {
	case !h.RcptHosts:
		r.Notices = append(r.Notices, warning("control/rcpthosts does not exist: qmail-smtpd accepts mail for every domain (an open relay unless RELAYCLIENT is restricted)"))
		if h.More {
			r.Notices = append(r.Notices, warning("without rcpthosts, morercpthosts has no effect"))
		}
	case !h.Usable():
		r.Notices = append(r.Notices, warning("rcpthosts and morercpthosts list no usable domain: qmail-smtpd rejects every recipient from clients without RELAYCLIENT"))
	}
	more, err := moreStateNotices(dir)
	r.Notices = append(r.Notices, more...)
	return r, err
}

// moreStateNotices warns when morercpthosts.cdb does not match
// morercpthosts ([MoreRcptHostsState]).
func moreStateNotices(dir string) ([]Notice, error) {
	st, err := MoreRcptHostsState(dir)
	if err != nil || st == "" {
		return nil, err
	}
	return []Notice{warning("%s: run 'qq rcpthosts rebuild'", st)}, nil
}

// AddrCheckView is how qmail-smtpd treats one input checked against
// badmailfrom or badrcptto ([CheckAddrList]), in JSON form.
type AddrCheckView struct {
	Input   string `json:"input"`
	Address string `json:"address"` // as qmail-smtpd's addrparse leaves it
	Result  string `json:"result"`  // [AddrCheck.Result]
	Line    int    `json:"line"`    // the matching line, 0 when none
	Entry   string `json:"entry"`   // the matching entry
	Reply   string `json:"reply"`   // qmail-smtpd's answer
}

// addrListVerbs are the SMTP parameters the addresses of each address
// list come from.
var addrListVerbs = map[string]string{"badmailfrom": "FROM", "badrcptto": "TO"}

// AddrListVerb is the SMTP parameter ("FROM" or "TO") whose address the
// list file (badmailfrom or badrcptto) is matched against.
func AddrListVerb(file string) string { return addrListVerbs[file] }

// CheckAddrList checks each input, an address or a MAIL FROM / RCPT TO
// argument, against the list file name (badmailfrom or badrcptto) of dir
// as qmail-smtpd does ([AddrList.Check]), with the notices of
// [ReadAddrList]. On an error the notices are returned with it.
func CheckAddrList(dir, name string, inputs []string) ([]AddrCheckView, []Notice, error) {
	r, data, err := readAddrList(dir, name)
	if err != nil {
		return nil, nil, err
	}
	lip, err := ReadLocalIP(dir)
	if err != nil {
		return nil, r.Notices, err
	}
	list := NewAddrList(ParseList(data))
	var out []AddrCheckView
	for _, in := range inputs {
		c := list.Check(in, AddrListVerb(name), lip)
		v := AddrCheckView{Input: in, Address: c.Address, Result: c.Result(), Reply: c.Reply(name)}
		if c.Rejected && !c.SyntaxError {
			v.Line, v.Entry = c.Entry.Line, c.Entry.Key
		}
		out = append(out, v)
	}
	return out, r.Notices, nil
}

// RcptCheck is the outcome of one input checked by [CheckRcptHosts].
type RcptCheck struct {
	Input string `json:"input"`
	RcptResult
}

// CheckRcptHosts checks each input, a domain or an RCPT TO argument
// ([RcptHosts.CheckInput]), against rcpthosts and morercpthosts.cdb of
// dir, noting an absent rcpthosts and warning when morercpthosts.cdb does
// not match morercpthosts. On an error the results and notices so far are
// returned with it.
func CheckRcptHosts(dir string, inputs []string) ([]RcptCheck, []Notice, error) {
	rh, err := OpenRcptHosts(dir)
	if err != nil {
		return nil, nil, err
	}
	defer rh.Close()
	var notices []Notice
	if !rh.Exists {
		notices = append(notices, note("control/rcpthosts does not exist: qmail-smtpd accepts mail for every domain"))
	}
	more, err := moreStateNotices(dir)
	notices = append(notices, more...)
	if err != nil {
		return nil, notices, err
	}
	lip, err := ReadLocalIP(dir)
	if err != nil {
		return nil, notices, err
	}
	var out []RcptCheck
	for _, in := range inputs {
		res, err := rh.CheckInput(in, lip)
		if err != nil {
			return out, notices, err
		}
		out = append(out, RcptCheck{Input: in, RcptResult: res})
	}
	return out, notices, nil
}

// Input is a value given to a command, with where it came from for
// messages.
type Input struct {
	Value string
	Where string // "" for an argument, "stdin line N" for a line of stdin
}

// MaxInputLine bounds a line of values read from stdin.
const MaxInputLine = 1 << 20

// ReadInputs expands the values given on the command line: "-" stands for
// the lines of stdin, without surrounding whitespace; blank lines and
// lines starting with "#" are skipped.
func ReadInputs(args []string, stdin io.Reader) ([]Input, error) {
	var out []Input
	for _, arg := range args {
		if arg != "-" {
			out = append(out, Input{Value: arg})
			continue
		}
		sc := bufio.NewScanner(stdin)
		sc.Buffer(make([]byte, 64<<10), MaxInputLine)
		for n := 1; sc.Scan(); n++ {
			v := strings.TrimSpace(sc.Text())
			if v == "" || v[0] == '#' {
				continue
			}
			out = append(out, Input{Value: v, Where: fmt.Sprintf("stdin line %d", n)})
		}
		if err := sc.Err(); err != nil {
			return nil, fmt.Errorf("read stdin: %w", err)
		}
	}
	return out, nil
}

// InputValues returns the values of in as given.
func InputValues(in []Input) []string {
	out := make([]string, 0, len(in))
	for _, v := range in {
		out = append(out, v.Value)
	}
	return out
}

// ValidateInputs checks every input with validate (such as [Validate] or
// [ValidateAddrEntry] for a file) and returns the normalised values and
// their notes, each distinct note once. All inputs are checked: a rejected
// input's error is prefixed by where it came from, and with several the
// error is an [InputErrors] holding them all; values is nil on an error.
func ValidateInputs(in []Input, validate func(string) (string, []string, error)) (values []string, notes []Notice, err error) {
	seen := map[string]bool{}
	var errs InputErrors
	for _, v := range in {
		norm, ns, err := validate(v.Value)
		if err != nil {
			if v.Where != "" {
				err = fmt.Errorf("%s: %w", v.Where, err)
			}
			errs = append(errs, err)
			continue
		}
		values = append(values, norm)
		for _, n := range ns {
			if !seen[n] {
				seen[n] = true
				notes = append(notes, Notice{Text: n})
			}
		}
	}
	switch len(errs) {
	case 0:
		return values, notes, nil
	case 1:
		return nil, nil, errs[0]
	}
	return nil, nil, errs
}

// InputErrors are the rejections of several inputs by [ValidateInputs],
// one per input, in order. Its message only counts them: a caller reports
// each one first.
type InputErrors []error

// Error counts the rejected values: "N values rejected, nothing changed".
func (e InputErrors) Error() string {
	return fmt.Sprintf("%d values rejected, nothing changed", len(e))
}

// Unwrap returns the rejections.
func (e InputErrors) Unwrap() []error { return e }
