package control

import "strings"

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
