package main

import (
	"context"
	"path/filepath"

	"github.com/qqmail/qq/cmd/internal/cmdutil"
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
		Use:         "expire [ID… | ALL] [filters]",
		GroupID:     groupQueue,
		Short:       "make qmail-send give up on messages now, bouncing them to their senders",
		Long:        longHelp("expire"),
		Annotations: cmdutil.Formats(cmdutil.FormatPlain, plainFormats...),
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
	return runChange(ctx, a, &changeCommand{name: "expire", op: qmailqueue.OpExpire, flags: &opts.plan, args: opts.args,
		what: "to expire", question: "Expire these %d messages and bounce them to their senders?",
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
				return "", cmdutil.WithCode(cmdutil.ExitTempFail, err)
			}
			return note, nil
		},
	})
}

// alarmQmailSend sends qmail-send ALRM (svc.Alarm) through the service
// --service names, or the one found in the usual places when it is empty.
func (a *app) alarmQmailSend(service string, q *qmailqueue.Queue) (note string, running bool, err error) {
	var s *svc.Service
	if service == "" {
		s = a.finder().QmailSend()
	} else if s, err = a.existingService(service); err != nil {
		return "", false, err
	}
	return svc.Alarm(s, filepath.Join(q.Dir, "lock", "sendmutex"))
}
