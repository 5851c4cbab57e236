package main

import (
	"github.com/qqmail/qq/svc"
	"github.com/spf13/pflag"
)

// sendStateFlags say where qmail-send's supervised service is, for the
// commands that report whether it runs (check, metrics).
type sendStateFlags struct {
	service   string
	noService bool
}

func (sf *sendStateFlags) addFlags(fs *pflag.FlagSet) {
	fs.StringVar(&sf.service, "service", "", "qmail-send's service `DIR` or name (default: the first of qmail-send, qmail in /service, /etc/service, /var/service)")
	fs.BoolVar(&sf.noService, "no-service", false, "do not look at qmail-send's supervisor")
}

// read reads qmail-send's state as the flags say ([svc.Finder.QmailSendState]).
func (sf *sendStateFlags) read(a *app) svc.SendState {
	if sf.noService {
		return svc.SendState{NotFound: "--no-service"}
	}
	st := a.finder().QmailSendState(sf.service)
	if !st.Checked {
		st.NotFound += " (use --service DIR or --no-service)"
	}
	return st
}
