package svc

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// These tests run the real daemontools supervise over a service whose ./run
// is a stand-in for qmail-send that takes lock/sendmutex the way qmail-send
// does (standin_test.go). They skip without daemontools.

// recorder collects the cycle's progress lines.
type recorder struct{ lines []string }

func (r *recorder) progress(s string) { r.lines = append(r.lines, s) }

func (r *recorder) has(t *testing.T, part string) {
	t.Helper()
	for _, l := range r.lines {
		if strings.Contains(l, part) {
			return
		}
	}
	t.Errorf("no progress line contains %q; got:\n%s", part, strings.Join(r.lines, "\n"))
}

func (q *fakeQmail) maintenance(r *recorder, services ...*Service) *Maintenance {
	return &Maintenance{
		Services:  services,
		SendMutex: q.sendmutex,
		OwnLock:   filepath.Join(q.root, ".qq.lock"),
		Timeout:   5 * time.Second,
		Progress:  r.progress,
	}
}

// runHoldingLock runs the cycle with a change that checks that qq holds
// sendmutex (and runs extra, if any), and fails the test unless the cycle
// succeeds and the change ran.
func (q *fakeQmail) runHoldingLock(t *testing.T, m *Maintenance, extra func()) {
	t.Helper()
	ran := false
	err := m.Run(context.Background(), func(ctx context.Context) error {
		ran = true
		if !holdsSendMutex(t, q.sendmutex) {
			t.Error("during the change nobody holds sendmutex; qq should")
		}
		if extra != nil {
			extra()
		}
		return nil
	})
	if err != nil || !ran {
		t.Fatalf("Run: %v (change ran: %v)", err, ran)
	}
}

func readStatus(t *testing.T, svc *Service) Status {
	t.Helper()
	st, err := svc.ReadStatus()
	must(t, err)
	return st
}

// checkRestored checks that the service is up again with a new process and
// wants to stay up, and that the new qmail-send holds sendmutex.
func (q *fakeQmail) checkRestored(t *testing.T, before Status) {
	t.Helper()
	st := readStatus(t, q.svc)
	if !st.Up || st.Want != WantUp {
		t.Errorf("after the cycle: %+v, want up and wanting up", st)
	}
	if st.Pid == before.Pid {
		t.Errorf("after the cycle: pid %d, the same as before: the service was not restarted", st.Pid)
	}
	q.waitSendRunning(t, true)
}

func TestMaintenanceStopsChangesRestarts(t *testing.T) {
	t.Parallel()
	q := newFakeQmail(t, false)
	q.supervise(t)
	smtpd := q.addService(t, "qmail-smtpd", "exec sleep 100000\n")
	startSupervise(t, smtpd)
	if _, err := smtpd.WaitUp(context.Background(), 5*time.Second); err != nil {
		t.Fatal(err)
	}
	before := readStatus(t, q.svc)
	smtpdBefore := readStatus(t, smtpd)
	locks := q.lockFiles(t)

	var r recorder
	m := q.maintenance(&r, q.svc, smtpd)
	ran := false
	err := m.Run(context.Background(), func(ctx context.Context) error {
		ran = true
		for _, svc := range []*Service{q.svc, smtpd} {
			if st := readStatus(t, svc); !st.Down() || st.Want != WantDown {
				t.Errorf("during the change %s is %+v, want down", svc.Dir, st)
			}
			if ok, err := svc.Running(); !ok || err != nil {
				t.Errorf("during the change supervise of %s runs=%v (%v), want it running", svc.Dir, ok, err)
			}
		}
		if !holdsSendMutex(t, q.sendmutex) {
			t.Error("during the change nobody holds sendmutex; qq should")
		}
		// A qmail-send started now must refuse to run, as the real one does.
		cmd := exec.Command(mustExecutable(t))
		cmd.Dir = q.svc.Dir
		cmd.Env = append(os.Environ(), standinEnv+"=qmail-send", "QQ_TEST_SENDMUTEX="+q.sendmutex)
		out, err := cmd.CombinedOutput()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 111 || !strings.Contains(string(out), "already running") {
			t.Errorf("a qmail-send started during the change: %v, %q; want exit 111 and \"already running\"", err, out)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if !ran {
		t.Fatal("the change did not run")
	}
	q.checkRestored(t, before)
	if st := readStatus(t, smtpd); !st.Up || st.Pid == smtpdBefore.Pid {
		t.Errorf("smtpd after the cycle: %+v, want up with a new pid", st)
	}
	q.checkLockFilesUnchanged(t, locks)
	var own unix.Stat_t
	must(t, unix.Stat(m.OwnLock, &own))
	if own.Mode&0o777 != 0o600 {
		t.Errorf("own lock mode %o, want 600", own.Mode&0o777)
	}
	r.has(t, "stopping "+q.svc.Dir)
	r.has(t, "stopping "+smtpd.Dir)
	r.has(t, "is held by qq")
	r.has(t, q.svc.Dir+" is up (pid ")
}

func TestMaintenanceLeavesDownServiceDown(t *testing.T) {
	t.Parallel()
	q := newFakeQmail(t, true)
	q.supervise(t)
	locks := q.lockFiles(t)
	var r recorder
	q.runHoldingLock(t, q.maintenance(&r, q.svc), nil)
	// Give a wrongly sent "u" time to show.
	time.Sleep(300 * time.Millisecond)
	if st := readStatus(t, q.svc); st.Pid != 0 || st.Want != WantDown {
		t.Errorf("after the cycle: %+v, want still down", st)
	}
	if holdsSendMutex(t, q.sendmutex) {
		t.Error("sendmutex is still held after the cycle")
	}
	q.checkLockFilesUnchanged(t, locks)
}

// TestMaintenanceRestores checks that the services come back whatever ends
// the change: an error, a cancelled context (SIGINT, SIGTERM, SIGHUP in
// qq), a panic.
func TestMaintenanceRestores(t *testing.T) {
	t.Parallel()
	errChange := errors.New("change failed")
	tests := []struct {
		name   string
		change func(ctx context.Context, cancel func()) error
		check  func(t *testing.T, err error, panicked any)
	}{
		{"change error",
			func(ctx context.Context, cancel func()) error { return errChange },
			func(t *testing.T, err error, panicked any) {
				if !errors.Is(err, errChange) {
					t.Errorf("Run: %v, want the change's error", err)
				}
			}},
		{"cancelled",
			func(ctx context.Context, cancel func()) error {
				cancel() // as SIGINT would, through signal.NotifyContext
				<-ctx.Done()
				return ctx.Err()
			},
			func(t *testing.T, err error, panicked any) {
				if !errors.Is(err, context.Canceled) {
					t.Errorf("Run: %v, want context.Canceled", err)
				}
			}},
		{"panic",
			func(ctx context.Context, cancel func()) error { panic("boom") },
			func(t *testing.T, err error, panicked any) {
				if panicked != "boom" {
					t.Errorf("recovered %v, want the change's panic re-raised", panicked)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			q := newFakeQmail(t, false)
			q.supervise(t)
			before := readStatus(t, q.svc)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var r recorder
			var err error
			var panicked any
			func() {
				defer func() { panicked = recover() }()
				err = q.maintenance(&r, q.svc).Run(ctx, func(ctx context.Context) error {
					return tt.change(ctx, cancel)
				})
			}()
			tt.check(t, err, panicked)
			q.checkRestored(t, before)
		})
	}
}

func TestMaintenanceStopTimeout(t *testing.T) {
	t.Parallel()
	q := newFakeQmail(t, false)
	q.supervise(t)
	q.setTermDelay(t, 4*time.Second) // deliveries that outlast the timeout
	before := readStatus(t, q.svc)
	locks := q.lockFiles(t)
	var r recorder
	m := q.maintenance(&r, q.svc)
	m.Timeout = 700 * time.Millisecond
	ran := false
	err := m.Run(context.Background(), func(ctx context.Context) error {
		ran = true
		return nil
	})
	if ran {
		t.Error("the change ran although qmail-send did not stop")
	}
	if !errors.Is(err, ErrTimeout) || !IsTemporary(err) {
		t.Fatalf("Run: %v, want a temporary timeout", err)
	}
	if !strings.Contains(err.Error(), "is still locked") {
		t.Errorf("error %q does not say what was still pending", err)
	}
	// Restored: the service wants up again; the old stand-in still finishes
	// its "deliveries", supervise restarts it when it exits.
	if st := readStatus(t, q.svc); st.Want != WantUp || st.Pid == 0 {
		t.Errorf("after the timeout: %+v, want the service wanting up", st)
	}
	if st := readStatus(t, q.svc); st.Pid != before.Pid {
		t.Logf("note: pid changed from %d to %d", before.Pid, st.Pid)
	}
	q.checkLockFilesUnchanged(t, locks)
}

func TestMaintenanceRefusesUnsupervisedQmailSend(t *testing.T) {
	t.Parallel()
	q := newFakeQmail(t, false)
	q.startUnsupervised(t)
	locks := q.lockFiles(t)
	for _, tc := range []struct {
		name     string
		services []*Service
	}{
		{"no service", nil},
		{"service never supervised", []*Service{q.svc}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var r recorder
			ran := false
			err := q.maintenance(&r, tc.services...).Run(context.Background(), func(ctx context.Context) error {
				ran = true
				return nil
			})
			if ran {
				t.Error("the change ran while an unsupervised qmail-send holds sendmutex")
			}
			if !errors.Is(err, ErrCannotStop) || !IsTemporary(err) {
				t.Errorf("Run: %v, want ErrCannotStop", err)
			}
		})
	}
	q.waitSendRunning(t, true)
	q.checkLockFilesUnchanged(t, locks)
}

func TestMaintenanceRefusesWhenSupervisedServiceIsDown(t *testing.T) {
	t.Parallel()
	// qmail-send runs outside supervise while its service is down: stopping
	// the service cannot stop it.
	q := newFakeQmail(t, true)
	q.supervise(t)
	q.startUnsupervised(t)
	var r recorder
	err := q.maintenance(&r, q.svc).Run(context.Background(), func(ctx context.Context) error {
		t.Error("the change ran")
		return nil
	})
	if !errors.Is(err, ErrCannotStop) {
		t.Errorf("Run: %v, want ErrCannotStop", err)
	}
}

func TestMaintenanceWithoutServiceWhenQmailIsDown(t *testing.T) {
	t.Parallel()
	q := newFakeQmail(t, false)
	var r recorder
	q.runHoldingLock(t, q.maintenance(&r), nil)
}

func TestMaintenanceOwnLockBusy(t *testing.T) {
	t.Parallel()
	q := newFakeQmail(t, false)
	var r recorder
	m := q.maintenance(&r)
	other, err := lockOwn(m.OwnLock)
	must(t, err)
	defer other.Close()
	err = m.Run(context.Background(), func(ctx context.Context) error {
		t.Error("the change ran while another qq holds the lock")
		return nil
	})
	if !errors.Is(err, ErrBusy) || !IsTemporary(err) {
		t.Errorf("Run: %v, want ErrBusy", err)
	}
}

func TestMaintenanceMissingSendMutex(t *testing.T) {
	t.Parallel()
	q := newFakeQmail(t, false)
	must(t, os.Remove(q.sendmutex))
	var r recorder
	err := q.maintenance(&r).Run(context.Background(), func(ctx context.Context) error {
		t.Error("the change ran without a sendmutex")
		return nil
	})
	if !errors.Is(err, ErrNoSendMutex) || IsTemporary(err) {
		t.Errorf("Run: %v, want ErrNoSendMutex (not temporary)", err)
	}
	if _, err := os.Lstat(q.sendmutex); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("sendmutex was created: %v", err)
	}
}

func TestMaintenanceKeepDown(t *testing.T) {
	t.Parallel()
	q := newFakeQmail(t, false)
	q.supervise(t)
	var r recorder
	m := q.maintenance(&r, q.svc)
	m.KeepDown = true
	for run := 1; run <= 2; run++ {
		err := m.Run(context.Background(), func(ctx context.Context) error { return nil })
		if err != nil {
			t.Fatalf("run %d: %v", run, err)
		}
		time.Sleep(300 * time.Millisecond)
		if st := readStatus(t, q.svc); !st.Down() || st.Want != WantDown {
			t.Errorf("after run %d with keep-down: %+v, want down", run, st)
		}
		if holdsSendMutex(t, q.sendmutex) {
			t.Errorf("after run %d sendmutex is still held", run)
		}
	}
	r.has(t, "leaving "+q.svc.Dir+" down")
	// The batch ends with an explicit start.
	must(t, q.svc.Send("u"))
	if _, err := q.svc.WaitUp(context.Background(), 5*time.Second); err != nil {
		t.Fatal(err)
	}
	q.waitSendRunning(t, true)
}

func TestMaintenanceStopAndStartCommands(t *testing.T) {
	t.Parallel()
	// qmail run by an init script: no supervisor, a stop and a start command.
	q := newFakeQmail(t, false)
	pidfile := filepath.Join(q.root, "qmail-send.pid")
	q.startUnsupervised(t, "QQ_TEST_PIDFILE="+pidfile)
	firstPid := readPid(t, pidfile)
	t.Cleanup(func() {
		if pid := readPid(t, pidfile); pid != firstPid {
			unix.Kill(pid, unix.SIGKILL)
		}
	})
	var r recorder
	m := q.maintenance(&r)
	m.StopCommand = []string{"sh", "-c", "kill -TERM $(cat " + pidfile + ")"}
	m.StartCommand = []string{"sh", "-c", fmt.Sprintf("export QQ_TEST_PIDFILE=%s; cd %s && ./run </dev/null >/dev/null 2>&1 &", pidfile, q.svc.Dir)}
	q.runHoldingLock(t, m, nil)
	q.waitSendRunning(t, true)
	err := poll(context.Background(), 5*time.Second, func() (bool, error) {
		return readPid(t, pidfile) != firstPid, nil
	})
	if err != nil {
		t.Errorf("qmail-send pid %d unchanged: the start command did not start a new one", firstPid)
	}
	r.has(t, "running stop command")
	r.has(t, "running start command")
}

func TestMaintenanceStopCommandFails(t *testing.T) {
	t.Parallel()
	q := newFakeQmail(t, false)
	q.startUnsupervised(t)
	var r recorder
	m := q.maintenance(&r)
	m.StopCommand = []string{"sh", "-c", "echo qmail: unit not found >&2; exit 5"}
	m.StartCommand = []string{"true"}
	err := m.Run(context.Background(), func(ctx context.Context) error {
		t.Error("the change ran although the stop command failed")
		return nil
	})
	if err == nil || !strings.Contains(err.Error(), "unit not found") {
		t.Errorf("Run: %v, want the stop command's failure with its output", err)
	}
}

func readPid(t *testing.T, path string) int {
	t.Helper()
	var pid int
	err := poll(context.Background(), 5*time.Second, func() (bool, error) {
		b, err := os.ReadFile(path)
		if err != nil {
			return false, nil
		}
		pid, err = strconv.Atoi(strings.TrimSpace(string(b)))
		return err == nil, nil
	})
	must(t, err)
	return pid
}

func mustExecutable(t *testing.T) string {
	t.Helper()
	exe, err := os.Executable()
	must(t, err)
	return exe
}

func TestMaintenanceReportsFailedRestore(t *testing.T) {
	t.Parallel()
	q := newFakeQmail(t, false)
	q.supervise(t)
	var r recorder
	errChange := errors.New("change failed")
	err := q.maintenance(&r, q.svc).Run(context.Background(), func(ctx context.Context) error {
		// supervise exits once the service is down: nothing can start it.
		must(t, q.svc.Send("x"))
		must(t, poll(ctx, 5*time.Second, func() (bool, error) {
			ok, err := q.svc.Running()
			return !ok, err
		}))
		return errChange
	})
	if !errors.Is(err, errChange) || !errors.Is(err, ErrRestore) || !errors.Is(err, ErrNotRunning) || !IsTemporary(err) {
		t.Fatalf("Run: %v, want the change's error joined with a temporary restore failure", err)
	}
	want := "change failed; could not restore services: control " + q.svc.Dir + ": supervise not running"
	if err.Error() != want {
		t.Errorf("error:\n got %s\nwant %s", err, want)
	}
}

func TestMaintenanceRestoresPausedAndOnce(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		letter string
		check  func(Status) bool
	}{
		{"p", func(st Status) bool { return st.Up && st.Paused && st.Want == WantUp }},
		{"o", func(st Status) bool { return st.Up && !st.Paused && st.Want == WantOnce }},
	} {
		t.Run(tc.letter, func(t *testing.T) {
			t.Parallel()
			q := newFakeQmail(t, false)
			q.supervise(t)
			must(t, q.svc.Send(tc.letter))
			must(t, poll(context.Background(), 5*time.Second, func() (bool, error) {
				st, err := q.svc.ReadStatus()
				return tc.check(st), err
			}))
			var r recorder
			q.runHoldingLock(t, q.maintenance(&r, q.svc), nil)
			// supervise sleeps a second after starting ./run before it
			// reads the next letter ("p").
			err := poll(context.Background(), 5*time.Second, func() (bool, error) {
				st, err := q.svc.ReadStatus()
				return tc.check(st), err
			})
			if err != nil {
				t.Errorf("after the cycle: %+v, want it as before svc -%s", readStatus(t, q.svc), tc.letter)
			}
		})
	}
}
