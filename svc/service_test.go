package svc

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func TestRunning(t *testing.T) {
	root := t.TempDir()

	running := fakeSupervised(t, filepath.Join(root, "running"), daemontoolsStatus(stamp, 1, 0, 'u'), false)
	if ok, err := running.Running(); !ok || err != nil {
		t.Errorf("with a reader on supervise/ok: Running() = %v, %v; want true", ok, err)
	}

	stopped := filepath.Join(root, "stopped", "supervise")
	must(t, os.MkdirAll(stopped, 0o700))
	must(t, unix.Mkfifo(filepath.Join(stopped, "ok"), 0o600))
	if ok, err := NewService(filepath.Dir(stopped)).Running(); ok || err != nil {
		t.Errorf("with nobody reading supervise/ok: Running() = %v, %v; want false, no error", ok, err)
	}

	never := filepath.Join(root, "never")
	must(t, os.Mkdir(never, 0o755))
	ok, err := NewService(never).Running()
	if ok || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("never supervised: Running() = %v, %v; want false and a not-exist error", ok, err)
	}

	// s6-supervise has no ok FIFO: the control FIFO is probed instead.
	s6 := filepath.Join(root, "s6", "supervise")
	must(t, os.MkdirAll(s6, 0o700))
	must(t, unix.Mkfifo(filepath.Join(s6, "control"), 0o600))
	fd, err := unix.Open(filepath.Join(s6, "control"), unix.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	must(t, err)
	defer unix.Close(fd)
	if ok, err := NewService(filepath.Dir(s6)).Running(); !ok || err != nil {
		t.Errorf("s6 layout: Running() = %v, %v; want true", ok, err)
	}
}

func TestSend(t *testing.T) {
	root := t.TempDir()
	svc := fakeSupervised(t, filepath.Join(root, "svc"), daemontoolsStatus(stamp, 1, 0, 'u'), false)
	ctl, err := os.OpenFile(filepath.Join(svc.Supervise(), "control"), os.O_RDONLY|unix.O_NONBLOCK, 0)
	must(t, err)
	defer ctl.Close()
	must(t, svc.Send("dx"))
	buf := make([]byte, 16)
	n, _ := ctl.Read(buf)
	if got := string(buf[:n]); got != "dx" {
		t.Errorf("control FIFO got %q, want %q", got, "dx")
	}

	for _, bad := range []string{"", "q", "uz"} {
		if err := svc.Send(bad); !errors.Is(err, ErrBadCommand) {
			t.Errorf("Send(%q) = %v, want ErrBadCommand", bad, err)
		}
	}

	stopped := filepath.Join(root, "stopped")
	must(t, os.MkdirAll(filepath.Join(stopped, "supervise"), 0o700))
	must(t, unix.Mkfifo(filepath.Join(stopped, "supervise", "control"), 0o600))
	err = NewService(stopped).Send("u")
	if !errors.Is(err, ErrNotRunning) || !IsTemporary(err) {
		t.Errorf("Send without supervise: %v, want ErrNotRunning", err)
	}
	if want := "control " + stopped + ": supervise not running"; err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
	if err := NewService(filepath.Join(root, "missing")).Send("u"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Send to a missing service: %v, want a not-exist error", err)
	}
}

func TestReadStatus(t *testing.T) {
	root := t.TempDir()
	svc := fakeSupervised(t, filepath.Join(root, "down"), daemontoolsStatus(stamp, 0, 0, 'd'), true)
	st, err := svc.ReadStatus()
	must(t, err)
	if st.NormallyUp || st.Up || st.Want != WantDown {
		t.Errorf("ReadStatus = %+v, want down, normally down", st)
	}

	// 20 ambiguous bytes: runit if supervise/stat is there, encore if not.
	amb := append(daemontoolsStatus(stamp, 0, 0, 'd'), 0, 0)
	enc := fakeSupervised(t, filepath.Join(root, "encore"), amb, false)
	if st, err := enc.ReadStatus(); err != nil || st.Flavor != FlavorEncore || !st.NormallyUp {
		t.Errorf("ReadStatus without supervise/stat = %+v, %v; want daemontools-encore, normally up", st, err)
	}
	runit := fakeSupervised(t, filepath.Join(root, "runit"), amb, false)
	must(t, os.WriteFile(filepath.Join(runit.Supervise(), "stat"), []byte("down\n"), 0o644))
	if st, err := runit.ReadStatus(); err != nil || st.Flavor != FlavorRunit {
		t.Errorf("ReadStatus with supervise/stat = %+v, %v; want runit", st, err)
	}

	bad := fakeSupervised(t, filepath.Join(root, "bad"), []byte("garbage"), false)
	_, err = bad.ReadStatus()
	want := "read " + filepath.Join(bad.Supervise(), "status") + ": bad supervise status: 7 bytes, too short (daemontools writes 18)"
	if !errors.Is(err, ErrBadStatus) || err.Error() != want {
		t.Errorf("ReadStatus of a garbled file: %v\nwant %s", err, want)
	}
	_, err = NewService(filepath.Join(root, "missing")).ReadStatus()
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("ReadStatus of a missing service: %v, want a not-exist error", err)
	}
}

func TestWaitTimeout(t *testing.T) {
	svc := fakeSupervised(t, filepath.Join(t.TempDir(), "up"), daemontoolsStatus(stamp, 321, 0, 'd'), false)
	st, err := svc.WaitDown(context.Background(), 120*time.Millisecond)
	if !errors.Is(err, ErrTimeout) || st.Pid != 321 {
		t.Fatalf("WaitDown = %+v, %v; want a timeout with the last status", st, err)
	}
	if !strings.Contains(err.Error(), "not down after 120ms (up (pid 321), want down)") {
		t.Errorf("error %q does not say what the service was doing", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := svc.WaitDown(ctx, time.Minute); !errors.Is(err, context.Canceled) {
		t.Errorf("WaitDown with a cancelled context: %v", err)
	}
	// Up, but on its way down (or its supervisor has not read a "u" yet).
	if _, err := svc.WaitUp(context.Background(), 120*time.Millisecond); !errors.Is(err, ErrTimeout) {
		t.Errorf("WaitUp of a service that wants down: %v, want a timeout", err)
	}
	up := fakeSupervised(t, filepath.Join(t.TempDir(), "up"), daemontoolsStatus(stamp, 322, 0, 'u'), false)
	if st, err := up.WaitUp(context.Background(), time.Minute); err != nil || st.Pid != 322 {
		t.Errorf("WaitUp of an up service = %+v, %v", st, err)
	}
	// Down, but about to be restarted.
	restarting := fakeSupervised(t, filepath.Join(t.TempDir(), "restarting"), daemontoolsStatus(stamp, 0, 0, 'u'), false)
	if _, err := restarting.WaitDown(context.Background(), 120*time.Millisecond); !errors.Is(err, ErrTimeout) {
		t.Errorf("WaitDown of a service that wants up: %v, want a timeout", err)
	}
}

func TestLookupAndFind(t *testing.T) {
	root := t.TempDir()
	first, second := filepath.Join(root, "service"), filepath.Join(root, "etc-service")
	must(t, os.MkdirAll(filepath.Join(first, "qmail-smtpd"), 0o755))
	must(t, os.MkdirAll(filepath.Join(second, "qmail-send"), 0o755))
	must(t, os.MkdirAll(filepath.Join(second, "qmail-smtpd"), 0o755))
	roots := []string{first, second}

	for arg, want := range map[string]string{
		"qmail-smtpd":         filepath.Join(first, "qmail-smtpd"),
		"qmail-send":          filepath.Join(second, "qmail-send"),
		"nowhere":             "nowhere",
		"./qmail-send":        "./qmail-send",
		"/service/qmail-send": "/service/qmail-send",
		".":                   ".",
	} {
		if got := Lookup(arg, roots); got != want {
			t.Errorf("Lookup(%q) = %q, want %q", arg, got, want)
		}
	}

	if got := FindQmailSend(roots, QmailSendNames()); got == nil || got.Dir != filepath.Join(second, "qmail-send") {
		t.Errorf("FindQmailSend = %v, want %s", got, filepath.Join(second, "qmail-send"))
	}
	if got := FindQmailSend([]string{first}, QmailSendNames()); got != nil {
		t.Errorf("FindQmailSend = %v, want nothing", got)
	}
	var found []string
	for _, s := range FindServices(append(roots, first), "qmail") {
		found = append(found, s.Dir)
	}
	want := []string{filepath.Join(first, "qmail-smtpd"), filepath.Join(second, "qmail-send"), filepath.Join(second, "qmail-smtpd")}
	if strings.Join(found, " ") != strings.Join(want, " ") {
		t.Errorf("FindServices = %v, want %v", found, want)
	}
	if got := DefaultSearchDirs(); strings.Join(got, " ") != "/service /etc/service /var/service" {
		t.Errorf("DefaultSearchDirs = %v", got)
	}
}

func TestEncoreSuperviseDir(t *testing.T) {
	root := t.TempDir()
	real := filepath.Join(root, "var", "svc", "qmail-send")
	must(t, os.MkdirAll(real, 0o755))
	link := filepath.Join(root, "service")
	must(t, os.Symlink(filepath.Join(root, "var", "svc"), link))
	physical, err := filepath.EvalSymlinks(real)
	must(t, err)

	got, err := EncoreSuperviseDir("/run/supervise", filepath.Join(link, "qmail-send"))
	must(t, err)
	if want := "/run/supervise/" + strings.ReplaceAll(physical[1:], "/", ":"); got != want {
		t.Errorf("absolute base: %q, want %q", got, want)
	}
	if got, _ := EncoreSuperviseDir("", real); got != filepath.Join(real, "supervise") {
		t.Errorf("no base: %q", got)
	}
	if got, _ := EncoreSuperviseDir("sv", real); got != filepath.Join(real, "sv") {
		t.Errorf("relative base: %q", got)
	}
	if _, err := EncoreSuperviseDir("/run/supervise", filepath.Join(root, "missing")); err == nil {
		t.Error("a missing service directory gave no error")
	}
}

// TestSuperviseDirElsewhere runs the real supervise with its supervise
// directory moved out of the service directory (a symbolic link, as runit
// and indimail setups do) and drives it through the other path.
func TestSuperviseDirElsewhere(t *testing.T) {
	t.Parallel()
	q := newFakeQmail(t, false)
	elsewhere := filepath.Join(q.root, "run", "qmail-send")
	must(t, os.MkdirAll(elsewhere, 0o700))
	must(t, os.Symlink(elsewhere, filepath.Join(q.svc.Dir, "supervise")))
	q.supervise(t)
	svc := &Service{Dir: q.svc.Dir, SuperviseDir: elsewhere}
	var r recorder
	q.runHoldingLock(t, q.maintenance(&r, svc), func() {
		if st := readStatus(t, svc); !st.Down() {
			t.Errorf("during the change: %+v, want down", st)
		}
	})
	if st := readStatus(t, svc); !st.Up {
		t.Errorf("after the cycle: %+v, want up", st)
	}
}
