package svc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// DefaultTimeout is how long [Maintenance] waits for services to stop and to
// come back when no timeout is given. It is long because qmail-send, on TERM,
// first waits for every delivery in progress (docs/queue.md §6.1;
// qmail-send.9 warns it can take more than a minute).
const DefaultTimeout = 120 * time.Second

// Errors of the maintenance cycle. [IsTemporary] tells which ones mean "try
// again later".
var (
	// ErrCannotStop means that qmail-send runs (its lock/sendmutex is locked)
	// and nothing qq was given can stop it: no configured service is
	// supervised and up, and there is no stop command. qq changes nothing.
	ErrCannotStop = errors.New("qmail-send is running and cannot be stopped")
	// ErrRestore means that services qq stopped could not be brought back,
	// or did not come up in time. The change itself may have succeeded.
	ErrRestore = errors.New("could not restore services")
)

// IsTemporary reports whether err is a temporary failure of the supervisor
// or lock protocol: a lock held by someone else, a service that would not
// stop or start in time, a supervisor that is not running, qmail-send
// running where it cannot be stopped. Such errors map to qmail's exit 111.
func IsTemporary(err error) bool {
	for _, target := range []error{ErrBusy, ErrCannotStop, ErrTimeout, ErrNotRunning, ErrRestore} {
		if errors.Is(err, target) {
			return true
		}
	}
	return false
}

// Maintenance is the stop → change → restart cycle around every change to
// queue files (docs/queue.md §10 rules 6–8): qmail-send must be
// verified stopped, by its supervisor and by its lock, for as long as the
// queue is changed.
//
// [Maintenance.Run] does, in order:
//
//  1. take qq's own lock (OwnLock), so that two qq runs never interleave;
//  2. open SendMutex as qmail-send does, and note whether it is locked
//     (qmail-send runs) and each service's state;
//  3. refuse, changing nothing, if qmail-send runs and no service that is up
//     and no StopCommand can stop it;
//  4. send "d" to every supervised service that is up or wants to be, and
//     run StopCommand if qmail-send runs;
//  5. wait, at most Timeout, until every one of them is down (pid 0) and a
//     non-blocking flock on SendMutex succeeds; the flock is then kept, so
//     that no qmail-send can start while the change runs;
//  6. run the change;
//  7. release the flock first (a qmail-send started while qq holds it would
//     exit "already running"), then send "u" to exactly the services that
//     were up ("o" to one that ran once, then "p" to one that was paused),
//     run StartCommand if StopCommand ran, and wait until those services
//     are up.
//
// Step 7 also runs when the stop times out, the change fails or panics, or
// ctx is cancelled (SIGINT, SIGTERM, SIGHUP in qq), with a fresh context so
// that the restore is not cancelled too. With KeepDown and a change that
// succeeded, step 7 only releases the locks and leaves the services down,
// so that a batch of runs shares one stop; bringing them back is then the
// caller's business.
type Maintenance struct {
	// Services are the supervised services to stop, e.g. /service/qmail-send
	// and the SMTP front end, so that no new mail arrives meanwhile. A
	// service whose supervisor is not running is noted and left alone.
	Services []*Service
	// StopCommand and StartCommand stop and start a qmail run by systemd or
	// an init script (argv, not a shell line). StopCommand runs only if
	// qmail-send runs; StartCommand only if StopCommand ran. Either both or
	// neither must be set.
	StopCommand, StartCommand []string
	// SendMutex is the path of the queue's lock/sendmutex. It must exist.
	SendMutex string
	// OwnLock is the path of qq's own lock file, created mode 0600 if
	// missing. Empty means no own lock.
	OwnLock string
	// Timeout bounds the wait for the services to stop, and again the wait
	// for them to come back. Zero means [DefaultTimeout].
	Timeout time.Duration
	// KeepDown leaves the stopped services down after a successful change.
	KeepDown bool
	// Progress, if set, is told what the cycle is doing, one line at a time.
	Progress func(string)
}

// serviceState is what the cycle knows about one service.
type serviceState struct {
	svc        *Service
	supervised bool
	before     Status
	stopped    bool // "d" was sent
}

// wasUp reports whether the service was up, or was meant to be (restarting
// after an exit), before the cycle; only such services are brought back.
func (s *serviceState) wasUp() bool {
	return s.supervised && (s.before.Up || s.before.Want == WantUp)
}

// cycle is one run of the maintenance cycle.
type cycle struct {
	m        *Maintenance
	timeout  time.Duration
	own      *os.File
	mutex    *sendMutex
	services []*serviceState
	ranStop  bool
	restored bool
}

func (c *cycle) progress(format string, args ...any) {
	if c.m.Progress != nil {
		c.m.Progress(fmt.Sprintf(format, args...))
	}
}

// Run runs change inside the stop → change → restart cycle described at
// [Maintenance]. change gets a context that is cancelled with ctx; it should
// return soon after. Errors wrap [ErrBusy], [ErrCannotStop], [ErrTimeout],
// [ErrNoSendMutex] or [ErrRestore] where they apply, joined with change's
// own error; a panic in change is re-raised after the services are restored.
func (m *Maintenance) Run(ctx context.Context, change func(context.Context) error) (err error) {
	if m.SendMutex == "" {
		return errors.New("maintenance: no sendmutex path given")
	}
	if (len(m.StopCommand) == 0) != (len(m.StartCommand) == 0) {
		return errors.New("maintenance: a stop command needs a start command, and the other way round")
	}
	c := &cycle{m: m, timeout: m.Timeout}
	if c.timeout <= 0 {
		c.timeout = DefaultTimeout
	}
	if m.OwnLock != "" {
		if c.own, err = lockOwn(m.OwnLock); err != nil {
			return err
		}
		defer c.own.Close()
	}
	if c.mutex, err = openSendMutex(m.SendMutex); err != nil {
		return err
	}
	defer c.mutex.release()

	defer func() {
		p := recover()
		// Release sendmutex before anything is started again.
		c.mutex.release()
		if p != nil || err != nil || ctx.Err() != nil || !m.KeepDown {
			if rerr := c.restore(ctx); rerr != nil {
				err = joinErrors(err, rerr)
			}
		} else {
			c.leaveDown()
		}
		if p != nil {
			panic(p)
		}
	}()

	if err := c.stop(ctx); err != nil {
		return err
	}
	return change(ctx)
}

// stop records the state of every service, stops what runs, and returns
// once qmail-send is verified stopped and sendmutex is held.
func (c *cycle) stop(ctx context.Context) error {
	if err := c.record(); err != nil {
		return err
	}
	locked, err := c.mutex.tryLock()
	if err != nil {
		return err
	}
	sendRunning := !locked

	var targets []*serviceState
	for _, s := range c.services {
		if s.supervised && (s.before.Pid != 0 || s.before.Want == WantUp) {
			targets = append(targets, s)
		}
	}
	stopCommand := sendRunning && len(c.m.StopCommand) > 0
	if sendRunning && len(targets) == 0 && !stopCommand {
		return fmt.Errorf("%w: %s is locked, no configured service is up under a running supervisor, and no stop command is given; nothing was changed",
			ErrCannotStop, c.m.SendMutex)
	}

	for _, s := range targets {
		c.progress("stopping %s", s.svc.Dir)
		if err := s.svc.Send("d"); err != nil {
			return err
		}
		s.stopped = true
	}
	if stopCommand {
		c.progress("running stop command: %s", strings.Join(c.m.StopCommand, " "))
		c.ranStop = true
		if err := runCommand(ctx, c.m.StopCommand); err != nil {
			return fmt.Errorf("stop command: %w", err)
		}
	}
	if len(targets) > 0 || stopCommand {
		c.progress("waiting up to %s for qmail-send to finish the deliveries in progress and exit", c.timeout)
	}

	var pending []string
	err = poll(ctx, c.timeout, func() (bool, error) {
		pending = pending[:0]
		locked, err := c.mutex.tryLock()
		if err != nil {
			return false, err
		}
		for _, s := range targets {
			st, err := s.svc.ReadStatus()
			if err != nil {
				return false, err
			}
			if !st.Down() || st.Want == WantUp {
				pending = append(pending, fmt.Sprintf("%s is still %s", s.svc.Dir, describe(st)))
			}
		}
		if !locked {
			pending = append(pending, c.m.SendMutex+" is still locked")
		}
		return len(pending) == 0, nil
	})
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%w: qmail-send did not stop within %s (%s); nothing was changed",
			ErrTimeout, c.timeout, strings.Join(pending, "; "))
	}
	if err != nil {
		return err
	}
	c.progress("qmail-send is stopped; %s is held by qq", c.m.SendMutex)
	return nil
}

// record notes the state of every configured service before anything is
// changed.
func (c *cycle) record() error {
	for _, svc := range c.m.Services {
		s := &serviceState{svc: svc}
		c.services = append(c.services, s)
		running, err := svc.Running()
		switch {
		case errors.Is(err, fs.ErrNotExist):
			c.progress("%s has never been supervised (%v); leaving it alone", svc.Dir, err)
			continue
		case err != nil:
			return fmt.Errorf("%s: %w", svc.Dir, err)
		case !running:
			c.progress("%s: supervise not running; leaving it alone", svc.Dir)
			continue
		}
		if s.before, err = svc.ReadStatus(); err != nil {
			return err
		}
		s.supervised = true
	}
	return nil
}

// restore brings back what the cycle stopped. It runs at most once, with a
// context of its own: ctx may be the one that was just cancelled.
func (c *cycle) restore(ctx context.Context) error {
	if c.restored {
		return nil
	}
	c.restored = true
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.timeout)
	defer cancel()

	var errs []error
	var started []*serviceState
	for _, s := range c.services {
		if !s.stopped || !s.wasUp() {
			continue
		}
		// Back to what it was: up, or run once (svc -o), paused if it was.
		letters := "u"
		if s.before.Want == WantOnce {
			letters = "o"
		}
		if s.before.Paused {
			letters += "p"
		}
		c.progress("starting %s", s.svc.Dir)
		if err := s.svc.Send(letters); err != nil {
			errs = append(errs, err)
			continue
		}
		started = append(started, s)
	}
	if c.ranStop {
		c.progress("running start command: %s", strings.Join(c.m.StartCommand, " "))
		if err := runCommand(rctx, c.m.StartCommand); err != nil {
			errs = append(errs, fmt.Errorf("start command: %w", err))
		}
	}
	for _, s := range started {
		st, err := s.svc.WaitUp(rctx, c.timeout)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		c.progress("%s is up (pid %d)", s.svc.Dir, st.Pid)
	}
	if len(errs) > 0 {
		return fmt.Errorf("%w: %w", ErrRestore, joinErrors(errs...))
	}
	return nil
}

// joinedError is errors.Join on one line: the messages are separated by
// "; ", since qq prints each error as a single "qq: …" line.
type joinedError []error

func (e joinedError) Error() string {
	msgs := make([]string, len(e))
	for i, err := range e {
		msgs[i] = err.Error()
	}
	return strings.Join(msgs, "; ")
}

func (e joinedError) Unwrap() []error { return e }

// joinErrors joins the non-nil errors; nil if there are none, the error
// itself if there is one.
func joinErrors(errs ...error) error {
	var out joinedError
	for _, err := range errs {
		if err != nil {
			out = append(out, err)
		}
	}
	switch len(out) {
	case 0:
		return nil
	case 1:
		return out[0]
	}
	return out
}

// leaveDown reports what KeepDown leaves down.
func (c *cycle) leaveDown() {
	for _, s := range c.services {
		if s.stopped {
			c.progress("leaving %s down (keep-down)", s.svc.Dir)
		}
	}
	if c.ranStop {
		c.progress("leaving qmail stopped (keep-down); the start command was not run")
	}
}

// runCommand runs argv and waits for it. Its output goes to a temporary
// file, kept for the error message only (the library prints nothing); a
// file rather than a pipe, so that a daemon the command leaves behind with
// our stdout cannot keep the wait open.
func runCommand(ctx context.Context, argv []string) error {
	out, err := os.CreateTemp("", "qq-command-*.out")
	if err != nil {
		return err
	}
	defer os.Remove(out.Name())
	defer out.Close()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Run(); err != nil {
		if msg := strings.TrimSpace(tail(out, 512)); msg != "" {
			return fmt.Errorf("%s: %w: %s", argv[0], err, msg)
		}
		return fmt.Errorf("%s: %w", argv[0], err)
	}
	return nil
}

// tail returns at most the last n bytes of f.
func tail(f *os.File, n int64) string {
	fi, err := f.Stat()
	if err != nil {
		return ""
	}
	off := max(fi.Size()-n, 0)
	b := make([]byte, fi.Size()-off)
	k, _ := f.ReadAt(b, off)
	return string(bytes.ToValidUTF8(b[:k], nil))
}

// ForQueue returns a cycle for the queue in queueDir: its lock/sendmutex,
// and qq's own lock .qq.lock next to the queue directory (so
// <qmail-dir>/.qq.lock for the default queue), the other fields unset.
func ForQueue(queueDir string) *Maintenance {
	return &Maintenance{
		SendMutex: filepath.Join(queueDir, "lock", "sendmutex"),
		OwnLock:   filepath.Join(filepath.Dir(filepath.Clean(queueDir)), ".qq.lock"),
	}
}

// ShellCommands sets StopCommand and StartCommand to run the shell lines
// stop and start with /bin/sh -c; empty lines leave them unset.
func (m *Maintenance) ShellCommands(stop, start string) {
	if stop != "" {
		m.StopCommand = []string{"/bin/sh", "-c", stop}
	}
	if start != "" {
		m.StartCommand = []string{"/bin/sh", "-c", start}
	}
}
