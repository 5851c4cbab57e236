package fsck

import (
	"fmt"
	"os/user"
	"strconv"
	"strings"
)

// Set overrides one owner from an argument ROLE=ID: ROLE is qmailq,
// qmails, qmailr (users) or qmail (the group); ID is a number or a name
// looked up in the system's user or group database. The error starts with
// the argument, for a caller to prefix with the flag's name.
func (o *Owners) Set(arg string) error {
	role, id, ok := strings.Cut(arg, "=")
	if !ok || id == "" {
		return fmt.Errorf("%q: want ROLE=ID, e.g. qmailq=1001", arg)
	}
	n, err := strconv.Atoi(id)
	if err != nil || n < 0 {
		if n, err = lookupID(role, id); err != nil {
			return fmt.Errorf("%s: %v", arg, err)
		}
	}
	switch role {
	case "qmailq":
		o.Qmailq = n
	case "qmails":
		o.Qmails = n
	case "qmailr":
		o.Qmailr = n
	case "qmail":
		o.Qmail = n
	default:
		return fmt.Errorf("%s: the role is one of qmailq, qmails, qmailr (users) and qmail (the group)", arg)
	}
	return nil
}

// lookupID resolves a user name, or for the role qmail a group name.
func lookupID(role, name string) (int, error) {
	if role == "qmail" {
		g, err := user.LookupGroup(name)
		if err != nil {
			return 0, err
		}
		return strconv.Atoi(g.Gid)
	}
	u, err := user.Lookup(name)
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(u.Uid)
}

// ParseOwners reads ROLE=ID arguments ([Owners.Set]); roles not given are
// -1. The error is the first argument's that is wrong.
func ParseOwners(args []string) (Owners, error) {
	o := UnknownOwners
	for _, arg := range args {
		if err := o.Set(arg); err != nil {
			return o, err
		}
	}
	return o, nil
}

// OwnerReference returns the ids of qmail's users and group that qq fsck
// checks against and creates with: args (--owner ROLE=ID, repeatable)
// first, then env ($QQ_OWNERS: the same ROLE=ID, comma-separated) when it
// is not empty, else the users qmailq, qmails, qmailr and the group qmail
// of this machine ([LookupOwners]). Roles still unknown are -1 (a check
// takes them from the queue's own directories). The error names where
// the wrong argument came from, "--owner" or "QQ_OWNERS", then the
// argument ([Owners.Set]).
func OwnerReference(args []string, env string) (Owners, error) {
	given, err := ParseOwners(args)
	if err != nil {
		return UnknownOwners, fmt.Errorf("--owner %v", err)
	}
	if env != "" {
		base, err := ParseOwners(strings.Split(env, ","))
		if err != nil {
			return UnknownOwners, fmt.Errorf("QQ_OWNERS %v", err)
		}
		return given.Or(base), nil
	}
	return given.Or(LookupOwners()), nil
}
