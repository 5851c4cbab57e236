package svc

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Finder finds services the way every qq command does: a bare name is
// looked up in Roots, and the supervise directory is placed where the
// supervisor in use keeps it. It is the one place that turns a service
// argument into a [Service].
type Finder struct {
	// Roots are the directories names are looked up in; nil means
	// [DefaultSearchDirs].
	Roots []string
	// SuperviseDir is the value of daemontools-encore's $SUPERVISEDIR, as
	// the caller read it from the environment; empty means the usual
	// DIR/supervise ([EncoreSuperviseDir]).
	SuperviseDir string
}

// ErrNoDir means that a service argument names no directory ("=SUP").
var ErrNoDir = errors.New("no directory given")

func (f *Finder) roots() []string {
	if f.Roots == nil {
		return DefaultSearchDirs()
	}
	return f.Roots
}

// Service turns a service argument into a Service. The argument is a
// directory or a name looked up in Roots ([Lookup]), optionally followed by
// =SUPERVISEDIR for a supervise directory kept elsewhere; without it,
// Finder.SuperviseDir moves the supervise directory as daemontools-encore
// does. An argument with no directory gives an error wrapping [ErrNoDir].
// Service does not check that the directory exists ([Service.CheckDir]).
func (f *Finder) Service(arg string) (*Service, error) {
	dir, sup, _ := strings.Cut(arg, "=")
	if dir == "" {
		return nil, fmt.Errorf("service %q: %w", arg, ErrNoDir)
	}
	return f.place(NewService(Lookup(dir, f.roots())), sup), nil
}

// place sets s's supervise directory: sup if given, else where
// $SUPERVISEDIR puts it.
func (f *Finder) place(s *Service, sup string) *Service {
	switch {
	case sup != "":
		s.SuperviseDir = sup
	case f.SuperviseDir != "":
		if d, err := EncoreSuperviseDir(f.SuperviseDir, s.Dir); err == nil {
			s.SuperviseDir = d
		}
	}
	return s
}

// QmailSend returns qmail-send's service: the first directory root/name
// that exists for root in Roots and name in [QmailSendNames], or nil if
// none does.
func (f *Finder) QmailSend() *Service {
	s := FindQmailSend(f.roots(), QmailSendNames())
	if s == nil {
		return nil
	}
	return f.place(s, "")
}

// QmailSendPlaces lists the directories [Finder.QmailSend] looks at, in
// order, for a message saying where no service was found.
func (f *Finder) QmailSendPlaces() []string {
	var places []string
	for _, root := range f.roots() {
		for _, name := range QmailSendNames() {
			places = append(places, filepath.Join(root, name))
		}
	}
	return places
}

// Services returns the services under Roots whose names start with prefix
// ([FindServices]), each with its supervise directory placed.
func (f *Finder) Services(prefix string) []*Service {
	found := FindServices(f.roots(), prefix)
	for _, s := range found {
		f.place(s, "")
	}
	return found
}

// SearchDirs returns the roots the Finder looks in.
func (f *Finder) SearchDirs() []string { return f.roots() }

// CheckDir makes sure the service directory exists; the error names the
// directory once ("service directory /service/x: file does not exist").
func (s *Service) CheckDir() error {
	fi, err := os.Stat(s.Dir)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
			if errors.Is(err, fs.ErrNotExist) {
				err = fs.ErrNotExist
			}
		}
		return fmt.Errorf("service directory %s: %w", s.Dir, err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("service directory %s: not a directory", s.Dir)
	}
	return nil
}

// Probe is what a look at a service found, without a lock or a write.
type Probe struct {
	// Supervised is true when the supervisor runs (svok).
	Supervised bool
	// Status is supervise/status; valid when Supervised and Err is nil.
	Status Status
	// Err is why the state could not be read.
	Err error
}

// State is the one word for a probed service: "error" when it could not
// be read, "unsupervised" when no supervisor runs, else "up", "stopping"
// (down is wanted but the process has not exited yet) or "down".
func (p Probe) State() string {
	switch {
	case p.Err != nil:
		return "error"
	case !p.Supervised:
		return "unsupervised"
	case p.Status.Up:
		return "up"
	case p.Status.Pid != 0:
		return "stopping"
	}
	return "down"
}

// Probe looks at the service the way svok and svstat do: whether its
// supervisor runs and, if so, its status. A service directory that was
// never supervised is simply not supervised. The directory itself is not
// checked ([Service.CheckDir]).
func (s *Service) Probe() Probe {
	var p Probe
	running, err := s.Running()
	if errors.Is(err, fs.ErrNotExist) {
		return p // never supervised
	}
	if err != nil {
		p.Err = err
		return p
	}
	if !running {
		return p
	}
	p.Supervised = true
	p.Status, p.Err = s.ReadStatus()
	return p
}

// AlarmQmailSend sends qmail-send ALRM through its supervisor (svc -a), so
// that it retries every message now. s is qmail-send's service, or nil if
// none was found; sendMutex is the queue's lock/sendmutex. If s is up under
// a running supervisor the alarm is sent and sent is true. Otherwise running
// tells whether qmail-send runs all the same (it holds lock/sendmutex), in
// which case nobody could be alarmed.
func AlarmQmailSend(s *Service, sendMutex string) (sent, running bool, err error) {
	if s != nil {
		if up, _ := s.Running(); up {
			if st, err := s.ReadStatus(); err == nil && st.Up {
				if err := s.Send("a"); err != nil {
					return false, false, err
				}
				return true, true, nil
			}
		}
	}
	running, err = QmailSendRunning(sendMutex)
	return false, running, err
}

// ServicesFor turns service arguments into services ([Finder.Service]), in
// order. No arguments means every service under Roots whose name starts
// with "qmail" (qmail-send, qmail-smtpd, …), and finding none is an error
// saying where it looked.
func (f *Finder) ServicesFor(args []string) ([]*Service, error) {
	if len(args) == 0 {
		found := f.Services("qmail")
		if len(found) == 0 {
			return nil, fmt.Errorf("no qmail service found under %s; name the service directories", strings.Join(f.SearchDirs(), ", "))
		}
		return found, nil
	}
	services := make([]*Service, len(args))
	for i, arg := range args {
		s, err := f.Service(arg)
		if err != nil {
			return nil, err
		}
		services[i] = s
	}
	return services, nil
}

// ExistingService is [Finder.Service] for a directory that must exist
// ([Service.CheckDir]).
func (f *Finder) ExistingService(arg string) (*Service, error) {
	s, err := f.Service(arg)
	if err != nil {
		return nil, err
	}
	if err := s.CheckDir(); err != nil {
		return nil, err
	}
	return s, nil
}

// CycleServices returns the services a change stops: those named by args,
// each of which must exist; with none named and lookDefault set,
// qmail-send's service in the usual places ([Finder.QmailSend]), and
// searched true when there is none.
func (f *Finder) CycleServices(args []string, lookDefault bool) (services []*Service, searched bool, err error) {
	for _, arg := range args {
		s, err := f.ExistingService(arg)
		if err != nil {
			return nil, false, err
		}
		services = append(services, s)
	}
	if len(args) == 0 && lookDefault {
		if s := f.QmailSend(); s != nil {
			return []*Service{s}, false, nil
		}
		return nil, true, nil
	}
	return services, false, nil
}
