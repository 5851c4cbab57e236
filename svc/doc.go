// Package svc drives the process supervisors that run qmail: daemontools'
// supervise (and daemontools-encore), runit's runsv and s6-supervise. It never
// looks for processes with pidof, ps or killall: everything goes through the
// supervisor's own files in the service's supervise directory.
//
//   - supervise/status is decoded by [ParseStatus] and [Service.ReadStatus]:
//     the 18-byte daemontools layout, the 19/20/40-byte daemontools-encore
//     layouts, the 20-byte runit layout and the 35/43-byte s6 layouts.
//   - supervise/ok tells whether the supervisor runs, the way svok does
//     ([Service.Running]).
//   - supervise/control takes the one-letter commands of svc
//     ([Service.Send]); [Service.WaitDown] and [Service.WaitUp] poll the
//     status file until the service has really changed state.
//   - [Svstat] prints a service's state byte for byte like daemontools'
//     svstat.
//   - [Finder] is the one way qq finds services: names looked up in
//     /service, /etc/service and /var/service, qmail-send's usual names,
//     and the supervise directory where $SUPERVISEDIR (passed in by the
//     caller) puts it. [Service.Probe] looks at one without writing, and
//     [AlarmQmailSend] sends qmail-send ALRM through its supervisor.
//
// [Maintenance] is the stop → change → restart cycle that every command
// changing queue files goes through: it stops qmail-send through its
// supervisor (or a configured command), waits until supervise reports it down
// and qmail-send's lock/sendmutex can be locked, holds that lock while the
// change runs, and brings back exactly the services that were up, even on
// error, panic or cancellation (docs/queue.md §1.4, §10 rules 6–8).
//
// The package prints nothing, reads no environment variables and never exits;
// callers pass directories, timeouts and a progress callback.
package svc
