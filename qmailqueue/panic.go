package qmailqueue

import (
	"fmt"
	"runtime/debug"
)

// PanicError is a panic recovered in one of the goroutines a scan or a check
// runs, turned into an error so that it reaches the caller's goroutine. A
// panic left alone in a goroutine ends the whole process at once, without
// the deferred functions of the main goroutine: no error report, and no
// restart of a service stopped for a change. A PanicError is a bug in qq,
// never a property of the queue.
type PanicError struct {
	Value any    // what was passed to panic
	Stack []byte // the goroutine's stack where it panicked
}

func (e *PanicError) Error() string { return fmt.Sprintf("internal error: %v", e.Value) }

// RecoverTo turns a panic of the calling goroutine into a *PanicError stored
// in *err. It must be deferred directly: defer qmailqueue.RecoverTo(&err).
func RecoverTo(err *error) {
	if v := recover(); v != nil {
		*err = &PanicError{Value: v, Stack: debug.Stack()}
	}
}
