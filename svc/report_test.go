package svc

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func TestProbeAllAndView(t *testing.T) {
	root := t.TempDir()
	up := fakeSupervised(t, filepath.Join(root, "up"), daemontoolsStatus(stamp, 322, 1, 'u'), true)
	missing := NewService(filepath.Join(root, "missing"))
	reports, errs := ProbeAll([]*Service{up, missing})
	if len(reports) != 2 || len(errs) != 1 || errs[0] != reports[1].Err {
		t.Fatalf("ProbeAll = %+v, %v; want two reports and the missing one's error", reports, errs)
	}
	now := stamp.Add(90 * time.Second)
	v := reports[0].View(now)
	want := StatusView{Service: up.Dir, SuperviseDir: up.Supervise(), State: "up", Supervised: true, Pid: 322,
		Since: "2024-06-01T12:00:00Z", Seconds: 90, Want: "up", Paused: true, Supervisor: "daemontools"}
	if v != want {
		t.Errorf("View of an up service =\n%+v, want\n%+v", v, want)
	}
	if v.Normally() != "down" {
		t.Errorf("Normally() of a service with a down file = %q", v.Normally())
	}
	e := reports[1].View(now)
	if e.State != "error" || e.Error == "" || e.Pid != 0 || e.Since != "" || e.Normally() != "-" {
		t.Errorf("View of a missing service = %+v", e)
	}
	if u := (Report{Service: missing}).View(now); u.State != "unsupervised" || u.Normally() != "-" {
		t.Errorf("View of an unsupervised service = %+v", u)
	}
}

func TestWriteSvstat(t *testing.T) {
	root := t.TempDir()
	up := fakeSupervised(t, filepath.Join(root, "up"), daemontoolsStatus(stamp, 322, 0, 'u'), false)
	missing := NewService(filepath.Join(root, "missing"))
	var b bytes.Buffer
	if err := WriteSvstat(&b, []*Service{up, missing}, stamp.Add(5*time.Second)); err != nil {
		t.Fatal(err)
	}
	want := up.Dir + ": up (pid 322) 5 seconds\n" + missing.Dir + ": unable to chdir: file does not exist\n"
	if b.String() != want {
		t.Errorf("WriteSvstat wrote %q, want %q", b.String(), want)
	}
}

func TestServicesFor(t *testing.T) {
	root := t.TempDir()
	for _, name := range []string{"qmail-send", "qmail-smtpd", "other"} {
		must(t, os.MkdirAll(filepath.Join(root, name), 0o755))
	}
	f := &Finder{Roots: []string{root}}
	got, err := f.ServicesFor(nil)
	if err != nil || len(got) != 2 || got[0].Dir != filepath.Join(root, "qmail-send") || got[1].Dir != filepath.Join(root, "qmail-smtpd") {
		t.Errorf("ServicesFor(nil) = %v, %v; want the two qmail services", got, err)
	}
	got, err = f.ServicesFor([]string{"other", "/x"})
	if err != nil || len(got) != 2 || got[0].Dir != filepath.Join(root, "other") || got[1].Dir != "/x" {
		t.Errorf("ServicesFor(other, /x) = %v, %v", got, err)
	}
	if _, err := f.ServicesFor([]string{"other", "=/sup"}); !errors.Is(err, ErrNoDir) {
		t.Errorf("ServicesFor with =/sup: %v, want ErrNoDir", err)
	}
	empty := &Finder{Roots: []string{t.TempDir()}}
	if _, err := empty.ServicesFor(nil); err == nil || !strings.Contains(err.Error(), "no qmail service found under") {
		t.Errorf("ServicesFor(nil) with no services: %v", err)
	}
	if _, err := f.ExistingService("nosuch"); err == nil || !strings.Contains(err.Error(), "service directory nosuch: file does not exist") {
		t.Errorf("ExistingService(nosuch): %v", err)
	}
	if s, err := f.ExistingService("other"); err != nil || s.Dir != filepath.Join(root, "other") {
		t.Errorf("ExistingService(other) = %v, %v", s, err)
	}
}

func TestControl(t *testing.T) {
	root := t.TempDir()
	up := fakeSupervised(t, filepath.Join(root, "up"), daemontoolsStatus(stamp, 322, 0, 'u'), false)
	missing := NewService(filepath.Join(root, "missing"))
	ctl, err := os.OpenFile(filepath.Join(up.Supervise(), "control"), os.O_RDONLY|unix.O_NONBLOCK, 0)
	must(t, err)
	defer ctl.Close()
	errs := Control(context.Background(), []*Service{missing, up}, "h", false, 0)
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "missing") {
		t.Errorf("Control: errors %v, want one for the missing service", errs)
	}
	// The letter reached the supervisor of the one that exists.
	buf := make([]byte, 16)
	if n, _ := ctl.Read(buf); string(buf[:n]) != "h" {
		t.Errorf("supervise/control got %q, want h", buf[:n])
	}
	// Waiting for down on a service that stays up times out.
	errs = Control(context.Background(), []*Service{up}, "d", true, 100*time.Millisecond)
	if len(errs) != 1 || !errors.Is(errs[0], ErrTimeout) {
		t.Errorf("Control(d, wait): %v, want a timeout", errs)
	}
}

func TestCommandWaitsUntil(t *testing.T) {
	for _, c := range Commands {
		if c.CanWait && !strings.Contains(c.WaitsUntil(), "supervise wants it "+c.Name) {
			t.Errorf("%s: WaitsUntil() = %q", c.Name, c.WaitsUntil())
		}
	}
}

func TestExec(t *testing.T) {
	var out bytes.Buffer
	if err := Exec(context.Background(), []string{"/bin/sh", "-c", "echo hi"}, nil, &out, &out); err != nil || out.String() != "hi\n" {
		t.Errorf("Exec(echo) = %v, output %q", err, out.String())
	}
	err := Exec(context.Background(), []string{"/bin/sh", "-c", "exit 7"}, nil, &out, &out)
	var ee *ExitError
	if !errors.As(err, &ee) || ee.Code != 7 || err.Error() != "/bin/sh exited with status 7" {
		t.Errorf("Exec(exit 7) = %v, want an ExitError with code 7", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := Exec(ctx, []string{"/bin/sh", "-c", "sleep 10"}, nil, &out, &out); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Exec cancelled: %v, want the context's error", err)
	}
	if err := Exec(context.Background(), []string{filepath.Join(t.TempDir(), "nosuch")}, nil, &out, &out); err == nil || errors.As(err, &ee) {
		t.Errorf("Exec(nosuch) = %v, want a start error", err)
	}
}

func TestQmailSendState(t *testing.T) {
	root := t.TempDir()
	send := fakeSupervised(t, filepath.Join(root, "qmail-send"), daemontoolsStatus(stamp, 322, 0, 'u'), false)
	f := &Finder{Roots: []string{root}}
	st := f.QmailSendState("")
	if !st.Checked || st.Dir != send.Dir || !st.Supervised || !st.Up() || st.Err != nil {
		t.Errorf("QmailSendState() = %+v, want up", st)
	}
	age := func(d time.Duration) string { return d.String() }
	if got := st.Describe(stamp.Add(time.Minute), age); got != "up 1m0s" {
		t.Errorf("Describe = %q", got)
	}
	if st := f.QmailSendState(filepath.Join(root, "nosuch")); !st.Checked || st.Err == nil || st.Up() ||
		!strings.HasPrefix(st.Describe(stamp, age), "unknown (service ") {
		t.Errorf("QmailSendState(nosuch) = %+v", st)
	}
	none := (&Finder{Roots: []string{t.TempDir()}}).QmailSendState("")
	if none.Checked || !strings.HasPrefix(none.NotFound, "no qmail-send or qmail service in ") || none.Describe(stamp, age) != "not checked" {
		t.Errorf("QmailSendState() with no service = %+v", none)
	}
	for _, tt := range []struct {
		st   Status
		want string
	}{
		{Status{Up: false, NormallyUp: true, Want: WantUp}, "down 1m0s, normally up, want up"},
		{Status{Up: true, Paused: true, Want: WantDown}, "up 1m0s, paused, normally down, want down"},
	} {
		tt.st.Since = stamp
		s := SendState{Checked: true, Supervised: true, Status: tt.st}
		if got := s.Describe(stamp.Add(time.Minute), age); got != tt.want {
			t.Errorf("Describe(%+v) = %q, want %q", tt.st, got, tt.want)
		}
	}
	if got := (SendState{Checked: true}).Describe(stamp, age); got != "supervise not running" {
		t.Errorf("Describe unsupervised = %q", got)
	}
}

func TestCycleServicesAndForQueue(t *testing.T) {
	root := t.TempDir()
	must(t, os.MkdirAll(filepath.Join(root, "qmail-send"), 0o755))
	must(t, os.MkdirAll(filepath.Join(root, "qmail-smtpd"), 0o755))
	f := &Finder{Roots: []string{root}}
	if got, searched, err := f.CycleServices(nil, true); err != nil || searched || len(got) != 1 || got[0].Dir != filepath.Join(root, "qmail-send") {
		t.Errorf("CycleServices(default) = %v, %v, %v", got, searched, err)
	}
	if got, searched, err := f.CycleServices(nil, false); err != nil || searched || got != nil {
		t.Errorf("CycleServices(none, no default) = %v, %v, %v", got, searched, err)
	}
	if got, _, err := f.CycleServices([]string{"qmail-smtpd", "qmail-send"}, true); err != nil || len(got) != 2 || got[0].Dir != filepath.Join(root, "qmail-smtpd") {
		t.Errorf("CycleServices(named) = %v, %v", got, err)
	}
	if _, _, err := f.CycleServices([]string{"nosuch"}, true); err == nil {
		t.Error("CycleServices(nosuch): no error")
	}
	if _, searched, _ := (&Finder{Roots: []string{t.TempDir()}}).CycleServices(nil, true); !searched {
		t.Error("CycleServices with no service to find: searched false")
	}
	m := ForQueue("/var/qmail/queue/")
	if m.SendMutex != "/var/qmail/queue/lock/sendmutex" || m.OwnLock != "/var/qmail/.qq.lock" {
		t.Errorf("ForQueue = %+v", m)
	}
	m.ShellCommands("stop it", "start it")
	if strings.Join(m.StopCommand, " ") != "/bin/sh -c stop it" || strings.Join(m.StartCommand, " ") != "/bin/sh -c start it" {
		t.Errorf("ShellCommands: %q, %q", m.StopCommand, m.StartCommand)
	}
}
