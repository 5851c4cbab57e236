package control

import (
	"fmt"
	"strings"
)

// CreateRisk says why creating a list file changes what qmail does beyond
// the entries written: its absence has a meaning of its own.
type CreateRisk struct {
	// File is rcpthosts (absent: qmail-smtpd accepts mail for every
	// domain) or locals (absent: control/me is the one local domain).
	File string
	// Me is control/me, for locals: the domain a new locals without it
	// stops delivering locally.
	Me string
}

// CheckCreate reports the risk of writing entries to the list file name
// of the control directory dir when the file does not exist: creating
// rcpthosts makes qmail-smtpd reject every domain not listed, and creating
// locals without control/me's domain stops qmail-send delivering it
// locally. It returns nil when the file exists or nothing changes beyond
// the entries.
func CheckCreate(dir, name string, entries []string) (*CreateRisk, error) {
	switch name {
	case "rcpthosts":
		_, exists, err := ReadFile(dir, "rcpthosts")
		if err != nil || exists {
			return nil, err
		}
		return &CreateRisk{File: name}, nil
	case "locals":
		s, err := Read(dir, "locals")
		if err != nil || s.Source != SourceMe {
			return nil, err
		}
		me := s.Entries[0].Value
		for _, e := range entries {
			if strings.EqualFold(e, me) {
				return nil, nil
			}
		}
		return &CreateRisk{File: name, Me: me}, nil
	}
	return nil, nil
}

// GuardCreate is [CheckCreate] as a refusal: unless force is set, a risk
// is an error saying what to list and that force overrides it (--force).
func GuardCreate(dir, name string, entries []string, force bool) error {
	risk, err := CheckCreate(dir, name, entries)
	switch {
	case err != nil || risk == nil || force:
		return err
	case risk.File == "locals":
		return fmt.Errorf("%w, or pass --force", risk)
	}
	return fmt.Errorf("%w, and pass --force", risk)
}

// Error says what creating the file changes and what to list in it
// instead, in one line.
func (r *CreateRisk) Error() string {
	if r.File == "locals" {
		return fmt.Sprintf("locals does not exist, so qmail-send delivers mail for %s (control/me) locally; a new locals without it stops that: add %s too", r.Me, r.Me)
	}
	return "rcpthosts does not exist, so qmail-smtpd accepts mail for every domain; creating it makes qmail-smtpd reject every domain not listed (locals and virtualdomains included): list them all"
}

// RcptHostsEmpty reports whether rcpthosts exists without entries: then
// qmail-smtpd accepts no recipient at all from clients without
// RELAYCLIENT. An unreadable rcpthosts is not reported empty.
func RcptHostsEmpty(dir string) bool {
	s, err := Read(dir, "rcpthosts")
	return err == nil && s.Exists && len(s.Entries) == 0
}

// emptyNotices warns when name is rcpthosts and an edit left it without
// entries ([RcptHostsEmpty]).
func emptyNotices(dir, name string) []Notice {
	if name != "rcpthosts" || !RcptHostsEmpty(dir) {
		return nil
	}
	return []Notice{warning("rcpthosts is now empty: qmail-smtpd rejects every recipient from clients without RELAYCLIENT")}
}

// RemoveRisk says why removing the named file stops qmail, "" when it
// does not: without control/me, qmail-send and qmail-smtpd cannot start.
func RemoveRisk(name string) string {
	if name == "me" {
		return "without control/me qmail-send and qmail-smtpd cannot start"
	}
	return ""
}
