package svc

import (
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/qqmail/qq/tai64n"
)

// stamp is 2024-06-01 12:00:00.5 UTC.
var stamp = time.Date(2024, 6, 1, 12, 0, 0, 500_000_000, time.UTC)

// packTAI64N encodes t as supervise does (taia_pack).
func packTAI64N(t time.Time) []byte {
	return tai64n.FromTime(t).AppendPacked(nil)
}

// daemontoolsStatus builds an 18-byte supervise 0.76 status.
func daemontoolsStatus(t time.Time, pid uint32, paused, want byte) []byte {
	b := packTAI64N(t)
	b = binary.LittleEndian.AppendUint32(b, pid)
	return append(b, paused, want)
}

// s6Status builds an s6 status: 35 bytes (s6 2.x) or 43 (with the pgid).
func s6Status(t time.Time, pid uint64, flags byte, withPgid bool) []byte {
	b := packTAI64N(t)
	b = append(b, make([]byte, 12)...) // ready stamp: TAIN_ZERO
	b = binary.BigEndian.AppendUint64(b, pid)
	if withPgid {
		b = binary.BigEndian.AppendUint64(b, pid)
	}
	b = binary.BigEndian.AppendUint16(b, 0) // wstat
	return append(b, flags)
}

func TestParseStatus(t *testing.T) {
	dt := func(pid uint32, paused, want byte) []byte { return daemontoolsStatus(stamp, pid, paused, want) }
	tests := []struct {
		name string
		in   []byte
		want Status
	}{
		{"daemontools up", dt(22597, 0, 'u'),
			Status{Flavor: FlavorDaemontools, Pid: 22597, Since: stamp, Want: WantUp, Up: true}},
		{"daemontools down want down", dt(0, 0, 'd'),
			Status{Flavor: FlavorDaemontools, Since: stamp, Want: WantDown}},
		{"daemontools paused", dt(7, 1, 'u'),
			Status{Flavor: FlavorDaemontools, Pid: 7, Since: stamp, Paused: true, Want: WantUp, Up: true}},
		{"daemontools once", dt(0x12345678, 0, 0),
			Status{Flavor: FlavorDaemontools, Pid: 0x12345678, Since: stamp, Want: WantOnce, Up: true}},
		{"encore 19 bytes running", append(dt(42, 0, 'u'), 3),
			Status{Flavor: FlavorEncore, Pid: 42, Since: stamp, Want: WantUp, Up: true, State: "running"}},
		{"encore 20 bytes stopping", append(dt(42, 0, 'd'), 4, 0),
			Status{Flavor: FlavorEncore, Pid: 42, Since: stamp, Want: WantDown, Up: true, State: "stopping"}},
		{"encore stop script runs", append(dt(43, 0, 'd'), 0, 0),
			Status{Flavor: FlavorEncore, Pid: 43, Since: stamp, Want: WantDown, State: "stopped"}},
		{"encore failed", append(dt(0, 0, 'd'), 5, 0),
			Status{Flavor: FlavorEncore, Since: stamp, Want: WantDown, State: "failed"}},
		{"encore with log", append(append(dt(42, 0, 'u'), 3, 0), append(dt(43, 0, 'u'), 3, 0)...),
			Status{Flavor: FlavorEncore, Pid: 42, Since: stamp, Want: WantUp, Up: true, State: "running"}},
		{"runit run", append(dt(99, 0, 'u'), 0, 1),
			Status{Flavor: FlavorRunit, Pid: 99, Since: stamp, Want: WantUp, Up: true, State: "run"}},
		{"runit got TERM", append(dt(99, 0, 'd'), 1, 1),
			Status{Flavor: FlavorRunit, Pid: 99, Since: stamp, Want: WantDown, Up: true, State: "run", GotTerm: true}},
		{"runit finish", append(dt(100, 0, 'd'), 0, 2),
			Status{Flavor: FlavorRunit, Pid: 100, Since: stamp, Want: WantDown, State: "finish"}},
		{"runit down (ambiguous, runit by default)", append(dt(0, 0, 'd'), 0, 0),
			Status{Flavor: FlavorRunit, Since: stamp, Want: WantDown, State: "down"}},
		{"s6 up", s6Status(stamp, 1234, 4|8, false),
			Status{Flavor: FlavorS6, Pid: 1234, Since: stamp, Want: WantUp, Up: true, Ready: true}},
		{"s6 43 bytes paused", s6Status(stamp, 1234, 4|1, true),
			Status{Flavor: FlavorS6, Pid: 1234, Since: stamp, Want: WantUp, Up: true, Paused: true}},
		{"s6 down finishing", s6Status(stamp, 0, 2, true),
			Status{Flavor: FlavorS6, Since: stamp, Want: WantDown, Finishing: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseStatus(tt.in)
			if err != nil {
				t.Fatalf("ParseStatus: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseStatus (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseStatusAmbiguousHint(t *testing.T) {
	b := append(daemontoolsStatus(stamp, 0, 0, 'u'), 1, 0) // encore "starting", or runit "down, got TERM"
	got, err := parseStatus(b, FlavorEncore)
	if err != nil {
		t.Fatal(err)
	}
	if got.Flavor != FlavorEncore || got.State != "starting" {
		t.Errorf("with the encore hint: got %s %q, want daemontools-encore starting", got.Flavor, got.State)
	}
	got, err = parseStatus(b, FlavorRunit)
	if err != nil {
		t.Fatal(err)
	}
	if got.Flavor != FlavorRunit || !got.GotTerm {
		t.Errorf("with the runit hint: got %s got-term=%v, want runit with got TERM", got.Flavor, got.GotTerm)
	}
}

func TestParseStatusErrors(t *testing.T) {
	good := daemontoolsStatus(stamp, 1, 0, 'u')
	with := func(i int, v byte) []byte {
		b := append([]byte(nil), good...)
		b[i] = v
		return b
	}
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", "bad supervise status: 0 bytes, too short (daemontools writes 18)"},
		{"short", string(good[:17]), "bad supervise status: 17 bytes, too short (daemontools writes 18)"},
		{"unknown size", string(append(good, 0, 0, 0)), "bad supervise status: 21 bytes is no layout qq knows (daemontools 18, daemontools-encore 19, 20 or 40, runit 20, s6 35 or 43)"},
		{"not TAI64", string(with(0, 0)), "bad supervise status: timestamp 00000000665b0d4a is not a TAI64 label"},
		{"nanoseconds", string(with(8, 0xff)), "bad supervise status: timestamp has 4291650816 nanoseconds"},
		{"pid", string(with(15, 0x80)), "bad supervise status: pid 2147483649 is out of range"},
		{"paused", string(with(16, 2)), "bad supervise status: paused byte is 0x2, not 0 or 1"},
		{"want", string(with(17, 'x')), "bad supervise status: wanted state is 0x78, not 'u', 'd' or 0"},
		{"encore state", string(append(append([]byte(nil), good...), 6)), "bad supervise status: daemontools-encore state 6 is unknown"},
		{"runit state", string(append(append([]byte(nil), good...), 0, 3)), "bad supervise status: runit state 3 is unknown"},
		{"runit got TERM", string(append(append([]byte(nil), good...), 2, 1)), "bad supervise status: runit got-TERM byte is 0x2, not 0 or 1"},
		{"text", "up (pid 123) 5 sec", "bad supervise status: paused byte is 0x65, not 0 or 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseStatus([]byte(tt.in))
			if err == nil {
				t.Fatal("ParseStatus: no error")
			}
			if !errors.Is(err, ErrBadStatus) {
				t.Errorf("error %v does not wrap ErrBadStatus", err)
			}
			if err.Error() != tt.want {
				t.Errorf("error:\n got %s\nwant %s", err, tt.want)
			}
		})
	}
}

// TestParseStatusRealFiles decodes status files written by the real
// daemontools supervise (Debian daemontools 1:0.76-8.1), kept in testdata.
func TestParseStatusRealFiles(t *testing.T) {
	tests := []struct {
		file string
		want Status
	}{
		{"daemontools-up.status", Status{Flavor: FlavorDaemontools, Pid: 13612, Want: WantUp, Up: true}},
		{"daemontools-paused.status", Status{Flavor: FlavorDaemontools, Pid: 13612, Paused: true, Want: WantUp, Up: true}},
		{"daemontools-down.status", Status{Flavor: FlavorDaemontools, Want: WantDown}},
		{"daemontools-once.status", Status{Flavor: FlavorDaemontools, Pid: 13675, Want: WantOnce, Up: true}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			got, err := ParseStatus(b)
			if err != nil {
				t.Fatal(err)
			}
			if got.Since.Year() != 2026 {
				t.Errorf("Since = %v, want a time in 2026, when the file was written", got.Since)
			}
			got.Since = time.Time{}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseStatus (-want +got):\n%s", diff)
			}
		})
	}
}

func FuzzParseStatus(f *testing.F) {
	f.Add(daemontoolsStatus(stamp, 22597, 0, 'u'))
	f.Add(append(daemontoolsStatus(stamp, 42, 0, 'u'), 3, 0))
	f.Add(append(daemontoolsStatus(stamp, 42, 0, 'u'), 0, 1))
	f.Add(s6Status(stamp, 1234, 4|8, false))
	f.Add(s6Status(stamp, 1234, 4|8, true))
	if files, err := filepath.Glob("testdata/*.status"); err == nil {
		for _, file := range files {
			if b, err := os.ReadFile(file); err == nil {
				f.Add(b)
			}
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		st, err := ParseStatus(b)
		if err != nil {
			if !errors.Is(err, ErrBadStatus) {
				t.Fatalf("error %v does not wrap ErrBadStatus", err)
			}
			return
		}
		if st.Pid < 0 || st.Pid > maxPid {
			t.Errorf("pid %d out of range", st.Pid)
		}
		if st.Up && st.Pid == 0 {
			t.Error("up with pid 0")
		}
		if st.Up && st.Down() {
			t.Error("both up and down")
		}
		if st.Want != WantUp && st.Want != WantDown && st.Want != WantOnce {
			t.Errorf("want %q", byte(st.Want))
		}
		if len(b) == sizeDaemontools && st.Flavor != FlavorDaemontools {
			t.Errorf("18 bytes decoded as %s", st.Flavor)
		}
	})
}

func TestWantString(t *testing.T) {
	for w, s := range map[Want]string{WantUp: "up", WantDown: "down", WantOnce: "once", 'x': "want(0x78)"} {
		if got := w.String(); got != s {
			t.Errorf("Want(%q).String() = %q, want %q", byte(w), got, s)
		}
	}
}
