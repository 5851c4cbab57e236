package svc

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestFinder(t *testing.T) {
	root := t.TempDir()
	must(t, os.MkdirAll(filepath.Join(root, "qmail"), 0o755))
	must(t, os.MkdirAll(filepath.Join(root, "qmail-smtpd"), 0o755))
	phys, err := filepath.EvalSymlinks(root)
	must(t, err)
	encore := "/run/supervise/" + filepathColons(phys)

	tests := []struct {
		name, sup, arg string
		wantDir        string
		wantSupervise  string
	}{
		{"name", "", "qmail", filepath.Join(root, "qmail"), filepath.Join(root, "qmail", "supervise")},
		{"name with SUPERVISEDIR", "/run/supervise", "qmail", filepath.Join(root, "qmail"), encore + ":qmail"},
		{"relative SUPERVISEDIR", "sv", "qmail", filepath.Join(root, "qmail"), filepath.Join(root, "qmail", "sv")},
		{"explicit supervise dir wins", "/run/supervise", "qmail=/elsewhere", filepath.Join(root, "qmail"), "/elsewhere"},
		{"directory as given", "", root + "/qmail-smtpd", root + "/qmail-smtpd", root + "/qmail-smtpd/supervise"},
		{"unknown name kept", "", "nosuch", "nosuch", "nosuch/supervise"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &Finder{Roots: []string{root}, SuperviseDir: tt.sup}
			s, err := f.Service(tt.arg)
			if err != nil {
				t.Fatal(err)
			}
			if s.Dir != tt.wantDir || s.Supervise() != tt.wantSupervise {
				t.Errorf("Service(%q) = %s, %s; want %s, %s", tt.arg, s.Dir, s.Supervise(), tt.wantDir, tt.wantSupervise)
			}
		})
	}

	f := &Finder{Roots: []string{root}, SuperviseDir: "/run/supervise"}
	if _, err := f.Service("=/x"); !errors.Is(err, ErrNoDir) {
		t.Errorf("Service(=/x) error = %v, want ErrNoDir", err)
	}
	// The default qmail-send and the qmail* services honour $SUPERVISEDIR
	// as much as a named one.
	if s := f.QmailSend(); s == nil || s.Dir != filepath.Join(root, "qmail") || s.Supervise() != encore+":qmail" {
		t.Errorf("QmailSend() = %+v, want %s with supervise %s:qmail", s, filepath.Join(root, "qmail"), encore)
	}
	var got []string
	for _, s := range f.Services("qmail") {
		got = append(got, s.Supervise())
	}
	if want := []string{encore + ":qmail", encore + ":qmail-smtpd"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Services(qmail) supervise dirs = %q, want %q", got, want)
	}
	if got, want := f.QmailSendPlaces(), []string{filepath.Join(root, "qmail-send"), filepath.Join(root, "qmail")}; !reflect.DeepEqual(got, want) {
		t.Errorf("QmailSendPlaces() = %q, want %q", got, want)
	}
	if s := (&Finder{Roots: []string{t.TempDir()}}).QmailSend(); s != nil {
		t.Errorf("QmailSend() in an empty root = %v, want nil", s)
	}
}

func filepathColons(p string) string {
	b := []byte(p[1:])
	for i, c := range b {
		if c == '/' {
			b[i] = ':'
		}
	}
	return string(b)
}

func TestProbe(t *testing.T) {
	root := t.TempDir()
	never := filepath.Join(root, "never")
	must(t, os.Mkdir(never, 0o755))
	if p := NewService(never).Probe(); p.Supervised || p.Err != nil {
		t.Errorf("never supervised: Probe() = %+v, want unsupervised without error", p)
	}
	up := fakeSupervised(t, filepath.Join(root, "up"), daemontoolsStatus(stamp, 1, 0, 'u'), false)
	if p := up.Probe(); !p.Supervised || p.Err != nil || !p.Status.Up {
		t.Errorf("supervised and up: Probe() = %+v", p)
	}
	if err := NewService(filepath.Join(root, "missing")).CheckDir(); err == nil || err.Error() != "service directory "+filepath.Join(root, "missing")+": file does not exist" {
		t.Errorf("CheckDir() of a missing directory = %v", err)
	}
}

func TestProbeState(t *testing.T) {
	tests := []struct {
		p    Probe
		want string
	}{
		{Probe{Err: errors.New("x")}, "error"},
		{Probe{}, "unsupervised"},
		{Probe{Supervised: true, Status: Status{Up: true, Pid: 7}}, "up"},
		{Probe{Supervised: true, Status: Status{Pid: 7}}, "stopping"},
		{Probe{Supervised: true}, "down"},
	}
	for _, tt := range tests {
		if got := tt.p.State(); got != tt.want {
			t.Errorf("%+v.State() = %q, want %q", tt.p, got, tt.want)
		}
	}
}
