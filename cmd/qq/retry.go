package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/qqmail/qq/cmd/internal/cmdutil"
	"github.com/qqmail/qq/qmailqueue"
	"github.com/spf13/cobra"
)

type retryOptions struct {
	tcpok   bool
	service string
}

func newRetryCmd(a *app) *cobra.Command {
	opts := &retryOptions{}
	cmd := &cobra.Command{
		Use:     "retry",
		GroupID: groupQueue,
		Short:   "make qmail-send retry every queued message now (ALRM)",
		Long:    longHelp("retry"),
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runRetry(cmd.Context(), a, opts)
		},
	}
	cmd.Flags().BoolVar(&opts.tcpok, "tcpok", false, "also clear lock/tcpto as qmail-tcpok does")
	cmd.Flags().StringVar(&opts.service, "service", "", "the qmail-send service `DIR` to send ALRM to")
	return cmd
}

func runRetry(ctx context.Context, a *app, opts *retryOptions) error {
	q, err := a.openQueue()
	if err != nil {
		return err
	}
	if opts.tcpok {
		path, before, err := q.TCPOK(ctx)
		if err != nil {
			return err
		}
		if !a.quiet {
			now := a.now()
			for _, t := range before {
				fmt.Fprintf(a.stdout, "cleared %s: %d recent timeouts, the last %s ago\n", t.IP, t.Count, qmailqueue.FormatAge(now.Sub(t.Last)))
			}
			fmt.Fprintf(a.stdout, "qq retry: cleared %s (%d remote hosts were being skipped)\n", path, len(before))
		}
	}
	note, running, err := a.alarmQmailSend(opts.service, q)
	if err != nil {
		return cmdutil.WithCode(cmdutil.ExitTempFail, err)
	}
	if !running {
		return cmdutil.WithCode(cmdutil.ExitTempFail, errors.New("qmail-send is not running; nothing to retry (start it with qq svc up)"))
	}
	if !a.quiet {
		fmt.Fprintf(a.stdout, "qq retry: %s\n", note)
	}
	return nil
}
