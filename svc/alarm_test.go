package svc

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// TestAlarmWithoutSupervisor: with nobody holding lock/sendmutex there is
// nobody to alarm, which is no error; with qmail-send holding it but no
// supervisor to send ALRM through, the error says what to do.
func TestAlarmWithoutSupervisor(t *testing.T) {
	mutex := filepath.Join(t.TempDir(), "sendmutex")
	if err := os.WriteFile(mutex, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	note, running, err := Alarm(nil, mutex)
	if err != nil || running || note != "qmail-send is not running: nothing alarmed" {
		t.Errorf("not running: %q, %v, %v", note, running, err)
	}
	fd, err := unix.Open(mutex, unix.O_RDWR|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	if err := unix.Flock(fd, unix.LOCK_EX|unix.LOCK_NB); err != nil {
		t.Fatal(err)
	}
	_, running, err = Alarm(nil, mutex)
	if !running || !errors.Is(err, ErrNoAlarm) || !strings.Contains(err.Error(), "give --service DIR") {
		t.Errorf("running without a service: %v, %v", running, err)
	}
	dir := t.TempDir()
	_, _, err = Alarm(NewService(dir), mutex)
	if !errors.Is(err, ErrNoAlarm) || !strings.Contains(err.Error(), dir+" is not up under a running supervisor") {
		t.Errorf("running, service down: %v", err)
	}
}
