package fsck

import (
	"context"

	"github.com/qqmail/qq/qmailqueue"
)

// RepairResult is what [Repair] did and what is left.
type RepairResult struct {
	// Steps counts the steps; nil when the repair did not start.
	Steps *Result
	// ExecErr joins the steps that failed (see [Plan.Execute]).
	ExecErr error
	// After is the check made once the repair was done, Remaining its
	// findings.
	After     *Report
	Remaining []*Finding
	// CheckErr is set when a check could not read the queue.
	CheckErr error
}

// Repair repairs the queue in dir inside cycle, the stop → change →
// restart cycle of the change engine (qmailqueue.Cycle): with qmail-send
// stopped, it checks the queue again, plans, executes the plan (saving to
// the quarantine of exec) and checks once more for what is left. The error
// is the cycle's (qmail-send could not be stopped, or restarted), a
// check's, a busy quarantine's or ctx's; failed steps are in the result.
// The result is never nil.
func Repair(ctx context.Context, dir string, check Options, cycle qmailqueue.Cycle, exec ExecOptions) (*RepairResult, error) {
	res := &RepairResult{}
	check.QmailSend = RunningNo
	err := cycle(ctx, func(ctx context.Context) error {
		r, findings, err := CheckAll(ctx, dir, check)
		if err != nil {
			res.CheckErr = err
			return err
		}
		res.Steps, res.ExecErr = NewPlan(r, findings).Execute(ctx, exec)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if res.Steps.Done == 0 && res.Steps.Failed == 0 && res.ExecErr != nil {
			// Nothing was done: the quarantine is busy, or such.
			return res.ExecErr
		}
		res.After, res.Remaining, err = CheckAll(ctx, dir, check)
		res.CheckErr = err
		return err
	})
	return res, err
}

// Resplit moves the queue in dir to split subdirectories inside cycle,
// as qmail-upq does ([PlanResplit], planned again once qmail-send is
// stopped). The error is the cycle's, the plan's or ctx's; failed steps
// are in ExecErr and Steps.
func Resplit(ctx context.Context, dir string, split int, cycle qmailqueue.Cycle, exec ExecOptions) (*RepairResult, error) {
	res := &RepairResult{}
	err := cycle(ctx, func(ctx context.Context) error {
		plan, err := PlanResplit(dir, split)
		if err != nil {
			res.CheckErr = err
			return err
		}
		res.Steps, res.ExecErr = plan.Execute(ctx, exec)
		return ctx.Err()
	})
	return res, err
}

// CheckLive is [Check] on a queue qmail-send may be working on: whether
// it runs is probed first ([ProbeQmailSend]) and overrides opts.QmailSend.
func CheckLive(ctx context.Context, dir string, opts Options, fn func(*Finding) error) (*Report, error) {
	running, err := ProbeQmailSend(dir)
	if err != nil {
		return nil, err
	}
	opts.QmailSend = running
	return Check(ctx, dir, opts, fn)
}

// PlanLive checks the queue as [CheckLive] does and plans its repair
// ([NewPlan]), changing nothing: the repair as things stand (qq fsck
// --repair --dry-run). [Repair] plans again once qmail-send is stopped.
func PlanLive(ctx context.Context, dir string, opts Options) (*Report, []*Finding, *Plan, error) {
	var findings []*Finding
	r, err := CheckLive(ctx, dir, opts, func(f *Finding) error {
		findings = append(findings, f)
		return nil
	})
	if err != nil {
		return r, findings, nil, err
	}
	return r, findings, NewPlan(r, findings), nil
}
