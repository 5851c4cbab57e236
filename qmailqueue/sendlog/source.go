package sendlog

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// DefaultDir is qmail-send's multilog directory on most installations,
// the log read when none is named.
const DefaultDir = "/var/log/qmail"

// OpenSource opens the log a command names: "-" is stdin (read once), ""
// is [DefaultDir], a directory a multilog directory, anything else a file
// ([Open]).
func OpenSource(name string, stdin io.Reader) (*Log, error) {
	switch name {
	case "-":
		return FromReader("standard input", stdin), nil
	case "":
		name = DefaultDir
	}
	return Open(name)
}

// TargetError is returned by [Trace] for a target that is neither a
// message ID nor an address.
type TargetError struct{ msg string }

func (e *TargetError) Error() string { return e.msg }

// Trace returns the histories of target, oldest first: those of a message
// when target is a message ID ([TraceID]), else those of the messages from
// or to the address target ([TraceAddress]). what names the target for
// messages: "message 123" or the address. A target that is neither (ID 0,
// or an address with white space) is a *TargetError.
func Trace(ctx context.Context, log *Log, p *Parser, target string) (hs []*History, what string, err error) {
	if id, perr := strconv.ParseUint(target, 10, 64); perr == nil {
		if id == 0 {
			return nil, "", &TargetError{"message ID 0 does not exist"}
		}
		hs, err = TraceID(ctx, log, p, id)
		return hs, "message " + target, err
	}
	if strings.ContainsAny(target, " \t\n") {
		return nil, "", &TargetError{fmt.Sprintf("%q is neither a message ID nor an address", target)}
	}
	hs, err = TraceAddress(ctx, log, p, target)
	return hs, target, err
}

// LastAttempts finds the history of message id born at birth ([Lookup]:
// IDs are reused) and returns its last attempt to each recipient
// ([History.LastAttempts]). A message the log does not mention has no
// attempts; that is not an error.
func LastAttempts(ctx context.Context, log *Log, p *Parser, id uint64, birth time.Time) ([]*Delivery, error) {
	h, err := Lookup(ctx, log, p, id, birth)
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return h.LastAttempts(), nil
}
