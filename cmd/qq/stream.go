package main

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/qqmail/qq/cmd/internal/cmdutil"
	"github.com/qqmail/qq/cmd/internal/ctxio"
	"github.com/qqmail/qq/tai64n"
)

// interruptible returns a reader of r whose reads end with ctx.Err() once
// ctx is done (ctxio.Reader).
func interruptible(ctx context.Context, r io.Reader) io.Reader { return ctxio.Reader(ctx, r) }

// location returns the zone for readable times: UTC if utc is set, else
// the one $TZ names (tai64n.Zone).
func (a *app) location(utc bool) *time.Location {
	if utc {
		return time.UTC
	}
	return tai64n.Zone(a.getenv("TZ"))
}

// interrupted turns an interruption into a silent exit 130: the user
// pressed ^C, there is nothing to explain.
func interrupted(err error) error {
	if errors.Is(err, context.Canceled) {
		return &cmdutil.SilentError{Code: cmdutil.ExitInterrupted}
	}
	return err
}
