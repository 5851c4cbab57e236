// Package sendlog reads qmail-send's activity log: the lines qmail-send
// writes on its log descriptor (qmail-send.c, qsutil.c; qmail-log(5)),
// normally stamped and rotated by daemontools' multilog.
//
// It has five layers:
//
//   - [Parser] turns one log line into a typed [Event]: new msg, info msg,
//     starting delivery, delivery success/deferral/failure, bounce msg,
//     triple bounce, end msg, status, warning, alert, or other lines kept
//     verbatim. Lines may carry a TAI64N label (multilog), a tai64nlocal
//     time or a fractional epoch (tai64nfrac, accustamp), or nothing.
//   - [Log] reads a multilog directory (the rotated @….s and @….u files in
//     time order, then current), a single file or a stream, line by line in
//     bounded memory, and can follow current across rotations.
//   - [Tracker] joins events into per-message [History] values the way
//     qmailanalog's matchup does: a message ID is an inode number and is
//     reused, so it names one message only from its new msg to its end msg;
//     deliveries are matched by delivery number, and delivery numbers restart
//     when qmail-send restarts.
//   - [Selector] applies a [Selection] (message IDs, qp, senders,
//     recipients, outcomes) and a time range to lines in order, holding a
//     line back while its fate depends on a later one. [Select] reads the
//     files and lines a command asks for (the whole log, or like tail -f
//     the last lines of current and then the new ones) through it: what qq
//     log prints.
//   - [Summarizer] aggregates events over a time range in the spirit of
//     qmailanalog's zoverall, zfailures, zdeferrals, zddist and zsenders.
//
// The results have JSON forms defined once here ([LineView], [HistoryView],
// [SummaryView], [Attempt]) and text forms for people ([AppendReadable],
// [WriteHistory], [Summary.Sections]).
//
// [Lookup] finds the history of one queued message, the answer to "why is it
// still in the queue". The text fields of qmail-send's lines went through
// logsafe: newlines became '/', and bytes outside 33..126 and '%' became '_'
// (docs/queue.md §9); sendlog returns them as logged.
package sendlog
