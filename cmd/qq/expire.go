package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/qqmail/qq/qmailqueue"
	"github.com/qqmail/qq/svc"
	"github.com/spf13/cobra"
)

type expireOptions struct {
	plan    planFlags
	service string
	noAlarm bool
	args    []string
}

func newExpireCmd(a *app) *cobra.Command {
	opts := &expireOptions{}
	cmd := &cobra.Command{
		Use:     "expire [ID… | ALL] [filters]",
		GroupID: groupQueue,
		Short:   "make qmail-send give up on messages now, bouncing them to their senders",
		Long:    longHelp("expire"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.args = args
			return runExpire(cmd.Context(), a, opts)
		},
	}
	opts.plan.addFlags(cmd.Flags())
	cmd.Flags().StringVar(&opts.service, "service", "", "the qmail-send service `DIR` to send ALRM to")
	cmd.Flags().BoolVar(&opts.noAlarm, "no-alarm", false, "do not send qmail-send ALRM")
	return cmd
}

func runExpire(ctx context.Context, a *app, opts *expireOptions) error {
	return runChange(ctx, a, &changeCommand{name: "expire", op: qmailqueue.OpExpire, verb: "expire", verbing: "expiring",
		flags: &opts.plan, args: opts.args, what: "to expire",
		question: "Expire these %d messages and bounce them to their senders?",
		warn: func(p *qmailqueue.Plan) {
			a.warnf("expiring bounces every pending recipient back to the sender: %d senders get a bounce; "+
				"to drop spam without bounces (its senders are forged), use qq rm", p.Senders.Distinct())
		},
		after: func(q *qmailqueue.Queue, res *qmailqueue.ChangeResult, err error) (string, error) {
			if err != nil || res.Done == 0 || opts.noAlarm {
				return "", nil
			}
			note, _, err := a.alarmQmailSend(opts.service, q)
			if err != nil {
				return "", withCode(exitTempFail, err)
			}
			return note, nil
		},
	})
}

// errNoAlarm means that qmail-send runs but qq found no running supervisor
// of it to send ALRM through.
var errNoAlarm = errors.New("qmail-send runs, but no supervised qmail-send service was found to send ALRM to")

// alarmQmailSend sends qmail-send ALRM through its supervisor (svc -a), so
// that it retries every message now (docs/queue.md §6.1). service is --service, or
// empty for the usual places. It returns a note for the summary line. If
// qmail-send is not running there is nobody to alarm, which is not an error;
// if it runs but no supervisor of it was found, the error says what to do.
// running tells whether qmail-send runs.
func (a *app) alarmQmailSend(service string, q *qmailqueue.Queue) (note string, running bool, err error) {
	var s *svc.Service
	if service == "" {
		s = a.finder().QmailSend()
	} else if s, err = a.existingService(service); err != nil {
		return "", false, err
	}
	sent, running, err := svc.AlarmQmailSend(s, filepath.Join(q.Dir, "lock", "sendmutex"))
	switch {
	case err != nil:
		return "", false, err
	case sent:
		return "sent ALRM to " + s.Dir, true, nil
	case !running:
		return "qmail-send is not running: nothing alarmed", false, nil
	}
	where := "give --service DIR"
	if s != nil {
		where = s.Dir + " is not up under a running supervisor"
	}
	return "", true, fmt.Errorf("%w (%s); send it yourself, e.g. svc -a /service/qmail-send", errNoAlarm, where)
}
