package main

import "github.com/qqmail/qq/cmd/internal/cmdutil"

// durationFlag defines a duration flag read by qmailqueue.ParseAge
// (cmdutil.DurationFlag).
var durationFlag = cmdutil.DurationFlag

// hiddenAlias makes a hidden second name of a flag (cmdutil.HiddenAlias).
var hiddenAlias = cmdutil.HiddenAlias
