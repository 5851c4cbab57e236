package control

import (
	"fmt"
	"strings"
)

// Problem is something wrong, or worth knowing, about a line of a list
// file.
type Problem struct {
	Code  string `json:"code"`          // short stable name: "leading-whitespace", "trailing-cr", …
	Text  string `json:"text"`          // what it means, in words
	Never bool   `json:"never_matches"` // the line can never match a normal address or domain
}

// Line is a line of a list file that holds an entry (blank lines and
// comments are left out), with what qmail reads from it and its problems.
type Line struct {
	Number   int    // 1-based
	Text     string // the line as in the file, without "\n"
	Entry    string // what qmail reads: the line without trailing spaces and tabs
	Regex    bool   // the entry looks like a regular expression (qregex)
	Problems []Problem
}

// NeverMatches reports whether one of the line's problems makes it
// useless to stock qmail.
func (l Line) NeverMatches() bool {
	for _, p := range l.Problems {
		if p.Never {
			return true
		}
	}
	return false
}

// commonProblems are the problems of any list entry: whitespace and bytes
// qmail keeps but no address or domain contains.
func commonProblems(e string) []Problem {
	var ps []Problem
	if e[0] == ' ' || e[0] == '\t' {
		ps = append(ps, Problem{"leading-whitespace", "leading whitespace: qmail keeps it, so the line never matches", true})
	}
	if strings.HasSuffix(e, "\r") {
		ps = append(ps, Problem{"trailing-cr", "ends in CR (a CRLF file?): qmail keeps the CR, so the line never matches", true})
	}
	if strings.ContainsRune(e, 0) {
		ps = append(ps, Problem{"nul", "NUL byte inside: qmail splits the line into several entries", false})
	}
	if t := strings.Trim(e, " \t\r"); strings.ContainsAny(t, " \t") {
		ps = append(ps, Problem{"whitespace-inside", "whitespace inside: never matches", true})
	}
	return ps
}

// addrProblems are the problems of a badmailfrom or badrcptto entry.
func addrProblems(e string) []Problem {
	ps := commonProblems(e)
	t := strings.Trim(e, " \t\r")
	at := strings.LastIndexByte(t, '@')
	switch {
	case LooksLikeRegex(t):
		ps = append(ps, Problem{"regex", "looks like a regular expression or wildcard: stock qmail-smtpd matches it literally (qregex patch?)", true})
	case at < 0:
		ps = append(ps, Problem{"bare-local-part", "bare local part: matches only a sender with no @domain at all, never user@domain", true})
	case at == len(t)-1:
		ps = append(ps, Problem{"empty-domain", "nothing after '@': matches only addresses ending in '@'", false})
	case strings.HasPrefix(t[at:], "@."):
		ps = append(ps, Problem{"dot-domain", "@.domain: stock qmail-smtpd has no subdomain matching, so it never matches", true})
	}
	return ps
}

// hostProblems are the problems of an rcpthosts or morercpthosts entry.
func hostProblems(e string) []Problem {
	ps := commonProblems(e)
	t := strings.Trim(e, " \t\r")
	switch {
	case strings.ContainsAny(t, "*?"):
		ps = append(ps, Problem{"wildcard", "wildcards are not supported: write .example.com for every subdomain", true})
	case strings.Contains(t, "@"):
		ps = append(ps, Problem{"address", "an address: only the domain after the last '@' is looked up, so it never matches", true})
	}
	return ps
}

// analyzeList returns the entry lines of a list file with their problems,
// duplicates (same key) included.
func analyzeList(data []byte, problems func(string) []Problem, key func(string) string) []Line {
	lines := splitLines(data)
	out := make([]Line, 0, len(lines))
	first := make(map[string]int, len(lines))
	for i, text := range lines {
		if lineEntries(text) == nil {
			continue
		}
		e := stripTrailing(text)
		l := Line{Number: i + 1, Text: text, Entry: e, Problems: problems(e)}
		k := key(strings.Trim(e, " \t\r"))
		if n, dup := first[k]; dup {
			l.Problems = append(l.Problems, Problem{"duplicate", fmt.Sprintf("duplicate of line %d (harmless)", n), false})
		} else {
			first[k] = l.Number
		}
		out = append(out, l)
	}
	return out
}

// AnalyzeAddrList returns the entries of a badmailfrom or badrcptto file
// with their problems: lines that can never match (leading whitespace, a
// trailing CR, a bare local part, a wildcard or regular expression in a
// stock file, …) and duplicates. Regex is set on lines that look like the
// qregex patch's regular expressions.
func AnalyzeAddrList(data []byte) []Line {
	lines := analyzeList(data, addrProblems, LowerOutsideEscapes)
	for i := range lines {
		lines[i].Regex = LooksLikeRegex(strings.Trim(lines[i].Entry, " \t\r"))
	}
	return lines
}

// AnalyzeHostList returns the entries of an rcpthosts or morercpthosts
// file with their problems.
func AnalyzeHostList(data []byte) []Line {
	return analyzeList(data, hostProblems, asciiLower)
}

// ProblemText joins the texts of the line's problems for one cell: "a;
// b"; "" when it has none.
func (l Line) ProblemText() string { return problemText(l.Problems) }

// ProblemText is [Line.ProblemText] of the JSON form.
func (v LineView) ProblemText() string { return problemText(v.Problems) }

// problemText joins the texts of problems with "; ".
func problemText(problems []Problem) string {
	ps := make([]string, len(problems))
	for i, p := range problems {
		ps[i] = p.Text
	}
	return strings.Join(ps, "; ")
}

// RegexLines counts the lines that look like qregex regular expressions
// ([Line.Regex]) and gives the number of the first; 0, 0 when none does.
func RegexLines(lines []Line) (n, first int) {
	for _, l := range lines {
		if l.Regex {
			if n == 0 {
				first = l.Number
			}
			n++
		}
	}
	return n, first
}
