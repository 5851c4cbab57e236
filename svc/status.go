package svc

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/qqmail/qq/tai64n"
)

// Flavor names the supervisor whose status-file layout was decoded.
type Flavor string

// The supervisors whose supervise/status files [ParseStatus] understands.
const (
	FlavorDaemontools Flavor = "daemontools"        // supervise 0.76: 18 bytes
	FlavorEncore      Flavor = "daemontools-encore" // 19, 20 or 40 bytes
	FlavorRunit       Flavor = "runit"              // runsv: 20 bytes
	FlavorS6          Flavor = "s6"                 // s6-supervise: 35 or 43 bytes
)

// Want is the state the supervisor has been told to keep the service in.
type Want byte

// The wanted states, as the byte supervise writes at offset 17.
const (
	WantOnce Want = 0   // svc -o: run once, do not restart (daemontools, encore)
	WantUp   Want = 'u' // restart the service whenever it exits
	WantDown Want = 'd' // keep the service down
)

// String returns "up", "down" or "once".
func (w Want) String() string {
	switch w {
	case WantUp:
		return "up"
	case WantDown:
		return "down"
	case WantOnce:
		return "once"
	}
	return fmt.Sprintf("want(%#x)", byte(w))
}

// Status is the decoded content of a supervise/status file.
type Status struct {
	// Flavor is the layout the file was decoded as.
	Flavor Flavor
	// Pid is the process the supervisor runs for the service: ./run, or a
	// helper such as runit's ./finish or encore's ./stop. 0 means that no
	// process of the service runs at all.
	Pid int
	// Since is when the service last changed state (its TAI64N stamp).
	Since time.Time
	// Paused is set after svc -p (SIGSTOP) until svc -c.
	Paused bool
	// Want is what the supervisor has been told: up, down or once.
	Want Want
	// Up reports whether the service's ./run process runs: Pid is not 0 and,
	// where the layout says so, the process is ./run rather than a finish or
	// stop script.
	Up bool
	// NormallyUp is true when the service directory has no "down" file.
	// [ParseStatus] cannot know it and leaves it false; [Service.ReadStatus]
	// fills it in.
	NormallyUp bool
	// State is the supervisor's own word for the state where its layout has
	// one: daemontools-encore "stopped", "starting", "started", "running",
	// "stopping", "failed"; runit "down", "run", "finish". Empty for
	// daemontools and s6.
	State string
	// GotTerm is runit's "TERM was sent and the process has not exited yet".
	GotTerm bool
	// Finishing is s6's "./finish is running".
	Finishing bool
	// Ready is s6's readiness flag (only s6 has readiness notification).
	Ready bool
}

// Down reports whether no process of the service runs: no ./run and no
// finish or stop script either. This is what "really down" means before qq
// touches the queue.
func (s Status) Down() bool { return s.Pid == 0 && !s.Finishing }

// ErrBadStatus is wrapped by every error about a supervise/status file that
// is too short, of an unknown size or holds impossible values.
var ErrBadStatus = errors.New("bad supervise status")

func badStatus(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrBadStatus, fmt.Sprintf(format, args...))
}

// decodeTAI64N decodes the packed TAI64N stamp at the start of b
// ([tai64n.UnpackTAI64N]) as a time.
func decodeTAI64N(b []byte) (time.Time, error) {
	l, err := tai64n.UnpackTAI64N(b)
	if err != nil {
		return time.Time{}, badStatus("%v", err)
	}
	return time.Unix(l.Sec, int64(l.Nano)), nil
}

// maxPid bounds the pids the decoder accepts: pid_t is a signed 32-bit
// integer on every system qmail runs on.
const maxPid = 1<<31 - 1

// Sizes of the status layouts.
const (
	sizeDaemontools = 18 // daemontools 0.76 supervise.c: char status[18]
	sizeEncoreOld   = 19 // daemontools-encore before the log service: status[19]
	sizeEncoreRunit = 20 // encore make_status (status[20]); runit runsv.c update_status (status[20])
	sizeEncoreLog   = 40 // encore announce() with a ./log service: two 20-byte records
	sizeS6Old       = 35 // s6 2.x: S6_SVSTATUS_SIZE 35
	sizeS6          = 43 // s6 2.11+: S6_SVSTATUS_SIZE 43 (adds the pgid)
)

// encoreStates are daemontools-encore's svstatus.h enum, in order.
var encoreStates = []string{"stopped", "starting", "started", "running", "stopping", "failed"}

// runitStates are runsv.c's S_DOWN, S_RUN and S_FINISH.
var runitStates = []string{"down", "run", "finish"}

// ParseStatus decodes the content of a supervise/status file. The layout is
// told by its size:
//
//   - 18 bytes, daemontools 0.76 (supervise.c pidchange/announce): a TAI64N
//     stamp (8 bytes of big-endian TAI64 seconds, 4 of big-endian
//     nanoseconds), the pid as 4 bytes little-endian, a paused byte and the
//     wanted state 'u', 'd' or 0 (once).
//   - 19 bytes, older daemontools-encore: the same plus a state byte
//     (svstatus.h: stopped, starting, started, running, stopping, failed).
//   - 20 bytes, daemontools-encore make_status(): the 19 bytes plus a zero;
//     40 bytes when a ./log service is supervised too (its record follows
//     and is ignored here).
//   - 20 bytes, runit runsv.c update_status(): the 18 daemontools bytes, a
//     "got TERM" byte and the state (0 down, 1 run, 2 finish).
//   - 35 bytes, s6 2.x s6_svstatus_unpack(): stamp and ready stamp (TAI64N,
//     12 bytes each), the pid as 8 bytes big-endian at offset 24, the wait
//     status (2 bytes) and a flag byte (1 paused, 2 finishing, 4 want up,
//     8 ready); 43 bytes in s6 2.11 and later, which put the process group
//     (8 bytes) before the wait status.
//
// A 20-byte file whose last byte is 0 can be either an encore or a runit
// file; both then mean "no process" unless the pid is set, which only encore
// writes with a zero last byte. ParseStatus calls the ambiguous case runit;
// [Service.ReadStatus] decides it by runit's supervise/stat text file.
//
// A file that is too short, of another size, or holds impossible values (a
// stamp that is not a TAI64 label, a paused byte other than 0 or 1, a wanted
// state other than 'u', 'd' or 0, a pid beyond pid_t) gives an error wrapping
// [ErrBadStatus]. NormallyUp is never set: it comes from the service
// directory, not from this file.
func ParseStatus(b []byte) (Status, error) {
	return parseStatus(b, "")
}

// parseStatus is ParseStatus with a hint for the ambiguous 20-byte case.
func parseStatus(b []byte, hint Flavor) (Status, error) {
	switch n := len(b); {
	case n < sizeDaemontools:
		return Status{}, badStatus("%d bytes, too short (daemontools writes %d)", n, sizeDaemontools)
	case n == sizeDaemontools:
		return parseDaemontools(b, FlavorDaemontools)
	case n == sizeEncoreOld || n == sizeEncoreLog:
		return parseEncore(b)
	case n == sizeEncoreRunit:
		if isRunit(b, hint) {
			return parseRunit(b)
		}
		return parseEncore(b)
	case n == sizeS6Old || n == sizeS6:
		return parseS6(b)
	default:
		return Status{}, badStatus("%d bytes is no layout qq knows (daemontools 18, daemontools-encore 19, 20 or 40, runit 20, s6 35 or 43)", n)
	}
}

// isRunit tells a 20-byte runit file from a 20-byte encore one. Encore always
// writes 0 at offset 19 and may write a want byte of 0 (once); runit writes
// its state (0, 1 or 2) at offset 19, 0 or 1 at offset 18, 'u' or 'd' at
// offset 17, and a pid only while the state is not down.
func isRunit(b []byte, hint Flavor) bool {
	switch {
	case b[19] != 0:
		return true
	case b[18] > 1, b[17] == 0, binary.LittleEndian.Uint32(b[12:16]) != 0:
		return false
	}
	return hint != FlavorEncore
}

// parseDaemontools decodes the 18 bytes every daemontools-derived layout
// starts with.
func parseDaemontools(b []byte, flavor Flavor) (Status, error) {
	since, err := decodeTAI64N(b[0:12])
	if err != nil {
		return Status{}, err
	}
	pid := binary.LittleEndian.Uint32(b[12:16])
	if pid > maxPid {
		return Status{}, badStatus("pid %d is out of range", pid)
	}
	if b[16] > 1 {
		return Status{}, badStatus("paused byte is %#x, not 0 or 1", b[16])
	}
	want := Want(b[17])
	if want != WantUp && want != WantDown && want != WantOnce {
		return Status{}, badStatus("wanted state is %#x, not 'u', 'd' or 0", b[17])
	}
	return Status{
		Flavor: flavor,
		Pid:    int(pid),
		Since:  since,
		Paused: b[16] == 1,
		Want:   want,
		Up:     pid != 0,
	}, nil
}

func parseEncore(b []byte) (Status, error) {
	st, err := parseDaemontools(b, FlavorEncore)
	if err != nil {
		return Status{}, err
	}
	state := int(b[18])
	if state >= len(encoreStates) {
		return Status{}, badStatus("daemontools-encore state %d is unknown", state)
	}
	if len(b) >= sizeEncoreRunit && b[19] != 0 {
		return Status{}, badStatus("daemontools-encore status has %#x at offset 19, not 0", b[19])
	}
	st.State = encoreStates[state]
	// After ./run exits, encore runs ./stop and shows its pid with the state
	// "stopped" (supervise.c trystop).
	st.Up = st.Pid != 0 && st.State != "stopped"
	return st, nil
}

func parseRunit(b []byte) (Status, error) {
	st, err := parseDaemontools(b, FlavorRunit)
	if err != nil {
		return Status{}, err
	}
	if st.Want == WantOnce {
		return Status{}, badStatus("runit status has no wanted state")
	}
	if b[18] > 1 {
		return Status{}, badStatus("runit got-TERM byte is %#x, not 0 or 1", b[18])
	}
	state := int(b[19])
	if state >= len(runitStates) {
		return Status{}, badStatus("runit state %d is unknown", state)
	}
	st.GotTerm = b[18] == 1
	st.State = runitStates[state]
	// In the finish state the pid is ./finish's (runsv.c startservice).
	st.Up = st.Pid != 0 && st.State == "run"
	return st, nil
}

func parseS6(b []byte) (Status, error) {
	since, err := decodeTAI64N(b[0:12])
	if err != nil {
		return Status{}, err
	}
	pid := binary.BigEndian.Uint64(b[24:32])
	if pid > maxPid {
		return Status{}, badStatus("pid %d is out of range", pid)
	}
	flags := b[len(b)-1]
	st := Status{
		Flavor:    FlavorS6,
		Pid:       int(pid),
		Since:     since,
		Paused:    flags&1 != 0,
		Finishing: flags&2 != 0,
		Ready:     flags&8 != 0,
		Want:      WantDown,
	}
	if flags&4 != 0 {
		st.Want = WantUp
	}
	st.Up = st.Pid != 0 && !st.Finishing
	return st, nil
}
