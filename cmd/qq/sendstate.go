package main

import (
	"time"

	"github.com/qqmail/qq/metrics"
	"github.com/qqmail/qq/qmailqueue"
	"github.com/qqmail/qq/qmailqueue/report"
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

// metricsSend reads qmail-send's state for qq metrics on every scrape: nil
// when not checked, the error when it could not be read.
func (sf *sendStateFlags) metricsSend(a *app) func() (*metrics.Send, error) {
	return func() (*metrics.Send, error) {
		st := sf.read(a)
		if !st.Checked || st.Err != nil {
			return nil, st.Err
		}
		return &metrics.Send{Supervised: st.Supervised, Up: st.Up(), Paused: st.Status.Paused, Since: st.Status.Since}, nil
	}
}

// checkSend is qmail-send's state as qq check judges it.
func checkSend(st svc.SendState, now time.Time) report.SendState {
	return report.SendState{Checked: st.Checked, Err: st.Err, Supervised: st.Supervised, Up: st.Status.Up,
		Paused: st.Status.Paused, Text: st.Describe(now, qmailqueue.FormatAge)}
}
