package main

import (
	"context"
	"errors"
	"io"
	"strings"
	"time"

	"github.com/qqmail/qq/cmd/internal/ctxio"
)

// interruptible returns a reader of r whose reads end with ctx.Err() once
// ctx is done (ctxio.Reader).
func interruptible(ctx context.Context, r io.Reader) io.Reader { return ctxio.Reader(ctx, r) }

// location returns the zone for readable times: UTC if utc is set, else
// the zone named by TZ (as the C library reads it, for output identical
// to daemontools' tools), else the system's local zone.
func (a *app) location(utc bool) *time.Location {
	if utc {
		return time.UTC
	}
	if tz := a.getenv("TZ"); tz != "" {
		if loc, err := time.LoadLocation(strings.TrimPrefix(tz, ":")); err == nil {
			return loc
		}
	}
	return time.Local
}

// interrupted turns an interruption into a silent exit 130: the user
// pressed ^C, there is nothing to explain.
func interrupted(err error) error {
	if errors.Is(err, context.Canceled) {
		return &silentError{code: exitInterrupted}
	}
	return err
}
