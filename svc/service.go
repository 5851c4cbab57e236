package svc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// Service is a supervised service: its service directory (run, down, log/)
// and the directory where its supervisor keeps control, ok, lock and status.
type Service struct {
	// Dir is the service directory, e.g. /service/qmail-send.
	Dir string
	// SuperviseDir is the supervisor's directory. Empty means Dir/supervise,
	// where daemontools, runit and s6 keep it; daemontools-encore's
	// $SUPERVISEDIR ([EncoreSuperviseDir]) and indimail's /run/svscan put it
	// elsewhere.
	SuperviseDir string
}

// NewService returns the service in dir with its supervise directory in the
// usual place, dir/supervise.
func NewService(dir string) *Service { return &Service{Dir: dir} }

// String returns the service directory.
func (s *Service) String() string { return s.Dir }

// Supervise returns the supervise directory: SuperviseDir, or Dir/supervise.
func (s *Service) Supervise() string {
	if s.SuperviseDir != "" {
		return s.SuperviseDir
	}
	return filepath.Join(s.Dir, "supervise")
}

// Errors of the supervisor protocol.
var (
	// ErrNotRunning means that no supervisor reads the service's control
	// FIFO: opening it for writing gave ENXIO (svc: "supervise not running").
	ErrNotRunning = errors.New("supervise not running")
	// ErrTimeout means that a service did not reach the awaited state in
	// time.
	ErrTimeout = errors.New("timed out")
	// ErrBadCommand is a control letter svc does not know.
	ErrBadCommand = errors.New("unknown control letter")
)

// openFIFOWrite opens path the way svc and svok do (open_write in djb's
// libraries): O_WRONLY|O_NONBLOCK, so that a FIFO nobody reads gives ENXIO
// at once instead of blocking.
func openFIFOWrite(path string) (int, error) {
	fd, err := unix.Open(path, unix.O_WRONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, err
	}
	return fd, nil
}

// Running reports whether the service's supervisor runs, the way svok does:
// supervise/ok can be opened for writing when supervise holds it open for
// reading, and gives ENXIO when nobody does. s6-supervise has no ok FIFO, so
// when it is missing the control FIFO is probed the same way (s6_svc_ok).
// Neither probe takes a lock or writes a byte. A service directory that was
// never supervised gives false and an error wrapping [fs.ErrNotExist].
func (s *Service) Running() (bool, error) {
	var firstErr error
	for _, name := range []string{"ok", "control"} {
		path := filepath.Join(s.Supervise(), name)
		fd, err := openFIFOWrite(path)
		switch {
		case err == nil:
			unix.Close(fd)
			return true, nil
		case errors.Is(err, unix.ENXIO):
			return false, nil
		case errors.Is(err, unix.ENOENT):
			if firstErr == nil {
				firstErr = &fs.PathError{Op: "open", Path: path, Err: err}
			}
			continue
		default:
			return false, &fs.PathError{Op: "open", Path: path, Err: err}
		}
	}
	return false, firstErr
}

// Letters are the control letters of daemontools' svc, in its order:
// up, down, once, pause, cont, hup, alarm, interrupt, term, kill, exit.
const Letters = "udopchaitkx"

// Send writes control letters to the service's supervise/control FIFO, all
// in one write, as svc does. If no supervisor reads the FIFO the error wraps
// [ErrNotRunning]; a letter outside [Letters] wraps [ErrBadCommand] and
// nothing is sent.
func (s *Service) Send(letters string) error {
	if letters == "" {
		return fmt.Errorf("control %s: %w: no letter given", s.Dir, ErrBadCommand)
	}
	for _, c := range letters {
		if !strings.ContainsRune(Letters, c) {
			return fmt.Errorf("control %s: %w %q (svc knows %s)", s.Dir, ErrBadCommand, c, Letters)
		}
	}
	path := filepath.Join(s.Supervise(), "control")
	fd, err := openFIFOWrite(path)
	if errors.Is(err, unix.ENXIO) {
		return fmt.Errorf("control %s: %w", s.Dir, ErrNotRunning)
	}
	if err != nil {
		return fmt.Errorf("control %s: %w", s.Dir, &fs.PathError{Op: "open", Path: path, Err: err})
	}
	defer unix.Close(fd)
	n, err := unix.Write(fd, []byte(letters))
	if err != nil {
		return fmt.Errorf("control %s: %w", s.Dir, &fs.PathError{Op: "write", Path: path, Err: err})
	}
	if n != len(letters) {
		return fmt.Errorf("control %s: short write to %s (%d of %d bytes)", s.Dir, path, n, len(letters))
	}
	return nil
}

// maxStatusSize bounds how much of a status file is read: the largest layout
// is s6's 43 bytes; anything longer is reported as an unknown size.
const maxStatusSize = 64

// ReadStatus reads and decodes the service's supervise/status
// ([ParseStatus]) and fills in NormallyUp from the absence of a "down" file
// in the service directory. It does not check whether the supervisor runs
// ([Service.Running]): a supervisor that died leaves its last status behind.
func (s *Service) ReadStatus() (Status, error) {
	path := filepath.Join(s.Supervise(), "status")
	b, err := readSmall(path, maxStatusSize+1)
	if err != nil {
		return Status{}, fmt.Errorf("read status of %s: %w", s.Dir, err)
	}
	hint := FlavorEncore
	// runsv writes supervise/stat next to status; encore never does.
	if _, err := os.Stat(filepath.Join(s.Supervise(), "stat")); err == nil {
		hint = FlavorRunit
	}
	st, err := parseStatus(b, hint)
	if err != nil {
		return Status{}, fmt.Errorf("read %s: %w", path, err)
	}
	st.NormallyUp, err = s.normallyUp()
	if err != nil {
		return Status{}, err
	}
	return st, nil
}

// normallyUp reports whether the service directory has no "down" file.
func (s *Service) normallyUp() (bool, error) {
	_, err := os.Stat(filepath.Join(s.Dir, "down"))
	switch {
	case err == nil:
		return false, nil
	case errors.Is(err, fs.ErrNotExist):
		return true, nil
	}
	return false, err
}

func readSmall(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, limit))
}

// pollInterval is how often WaitDown, WaitUp and the maintenance cycle look
// at status files and locks. Supervisors write the status file at every
// change, so polling is as exact as a notification, only later by at most
// this much.
var pollInterval = 50 * time.Millisecond

// poll calls check until it reports done, fails, ctx ends or timeout passes;
// then it returns context.DeadlineExceeded (for the timeout) or ctx's error.
func poll(ctx context.Context, timeout time.Duration, check func() (bool, error)) error {
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	for {
		done, err := check()
		if err != nil || done {
			return err
		}
		if !time.Now().Before(deadline) {
			return context.DeadlineExceeded
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}

// WaitDown waits until no process of the service runs ([Status.Down]: pid 0
// and no finish script) and the supervisor no longer wants it up, checking
// the status file every few milliseconds. The second condition makes sure
// the supervisor has read a "d" sent just before: a status with pid 0 and
// want up is a service about to be restarted. WaitDown sends nothing: send
// "d" first. A status file that does not exist yet (a supervisor just
// starting) counts as "not yet". After timeout the error wraps
// [ErrTimeout]; when ctx ends first, ctx's error. The last status read is
// returned either way.
func (s *Service) WaitDown(ctx context.Context, timeout time.Duration) (Status, error) {
	return s.wait(ctx, timeout, "down", func(st Status) bool { return st.Down() && st.Want != WantUp })
}

// WaitUp waits until the service's ./run process runs ([Status.Up]) and the
// supervisor does not want it down, like [Service.WaitDown]: a status with a
// pid and want down is a service on its way down, or one whose supervisor
// has not read the "u" sent just before.
func (s *Service) WaitUp(ctx context.Context, timeout time.Duration) (Status, error) {
	return s.wait(ctx, timeout, "up", func(st Status) bool { return st.Up && st.Want != WantDown })
}

func (s *Service) wait(ctx context.Context, timeout time.Duration, what string, ok func(Status) bool) (Status, error) {
	var last Status
	err := poll(ctx, timeout, func() (bool, error) {
		st, err := s.ReadStatus()
		if errors.Is(err, fs.ErrNotExist) {
			return false, nil // a supervisor that just started writes it soon
		}
		if err != nil {
			return false, err
		}
		last = st
		return ok(st), nil
	})
	if errors.Is(err, context.DeadlineExceeded) {
		return last, fmt.Errorf("%s: not %s after %s (%s): %w", s.Dir, what, timeout, describe(last), ErrTimeout)
	}
	return last, err
}

// describe sums up a status for error messages: "up (pid 123), want
// down", "down".
func describe(st Status) string {
	var d string
	switch {
	case st.Pid == 0:
		d = "down"
	case !st.Up:
		d = fmt.Sprintf("pid %d running, %s", st.Pid, st.State)
	default:
		d = fmt.Sprintf("up (pid %d)", st.Pid)
	}
	return d + ", want " + st.Want.String()
}

// DefaultSearchDirs are the directories where supervisors look for services,
// in the order qq searches them: daemontools' /service, then /etc/service
// (runit on Debian) and /var/service (runit on Void).
func DefaultSearchDirs() []string {
	return []string{"/service", "/etc/service", "/var/service"}
}

// QmailSendNames are the names a qmail-send service directory goes by, in
// the order qq tries them: /service/qmail-send (Life with qmail), then
// /service/qmail.
func QmailSendNames() []string { return []string{"qmail-send", "qmail"} }

// FindQmailSend returns the first directory root/name that exists, for root
// in roots and name in names (usually [DefaultSearchDirs] and
// [QmailSendNames]), or nil if none does.
func FindQmailSend(roots, names []string) *Service {
	for _, root := range roots {
		for _, name := range names {
			dir := filepath.Join(root, name)
			if fi, err := os.Stat(dir); err == nil && fi.IsDir() {
				return NewService(dir)
			}
		}
	}
	return nil
}

// FindServices returns the service directories under roots whose names
// start with prefix (such as "qmail", for qmail-send, qmail-smtpd and
// friends), root by root, each root's in name order. A directory reached
// twice (a root that is a symbolic link to another) is listed once.
func FindServices(roots []string, prefix string) []*Service {
	var out []*Service
	seen := map[string]bool{}
	for _, root := range roots {
		entries, err := os.ReadDir(root)
		if err != nil {
			continue
		}
		for _, e := range entries {
			if !strings.HasPrefix(e.Name(), prefix) {
				continue
			}
			dir := filepath.Join(root, e.Name())
			fi, err := os.Stat(dir)
			if err != nil || !fi.IsDir() {
				continue
			}
			key := dir
			if real, err := filepath.EvalSymlinks(dir); err == nil {
				key = real
			}
			if !seen[key] {
				seen[key] = true
				out = append(out, NewService(dir))
			}
		}
	}
	return out
}

// Lookup turns a service argument into a service directory. An argument with
// a slash in it, ".", or ".." is a directory and is returned as given.
// Otherwise it is a name, looked up in roots (usually [DefaultSearchDirs]);
// if no root has it, it is taken as a directory relative to the current one
// and returned as given.
func Lookup(arg string, roots []string) string {
	if strings.Contains(arg, "/") || arg == "." || arg == ".." || arg == "" {
		return arg
	}
	for _, root := range roots {
		dir := filepath.Join(root, arg)
		if fi, err := os.Stat(dir); err == nil && fi.IsDir() {
			return dir
		}
	}
	return arg
}

// EncoreSuperviseDir returns where daemontools-encore keeps the supervise
// directory of serviceDir when $SUPERVISEDIR is base (svpath.c
// svpath_init): a relative base is taken inside the service directory; an
// absolute one gets the service directory's physical path (as getcwd gives
// it after chdir, so with symbolic links resolved) appended, with every "/"
// after the first turned into ":". So base /run/supervise and service
// /service/qmail-send give /run/supervise/service:qmail-send.
func EncoreSuperviseDir(base, serviceDir string) (string, error) {
	if base == "" {
		return filepath.Join(serviceDir, "supervise"), nil
	}
	if !filepath.IsAbs(base) {
		return filepath.Join(serviceDir, base), nil
	}
	abs, err := filepath.Abs(serviceDir)
	if err != nil {
		return "", err
	}
	phys, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return "", err
	}
	return base + "/" + strings.ReplaceAll(phys[1:], "/", ":"), nil
}
