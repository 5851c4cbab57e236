#!/bin/sh
# make test-qmail: set the real qmail up (e2e/qmail-setup.sh) and run the
# end-to-end tests in e2e/ against it. Skips with one line, exit 0, when
# it cannot run here: not root, no C compiler, no daemontools, no source.
set -eu
cd "$(dirname "$0")/.."
home=${QMAIL_TEST_HOME:-/var/tmp/qq-test-qmail}
tarball=${QQ_QMAIL_TARBALL:-$(pwd)/../shared/qmail/notqmail-a7012e4.tar.gz}
skip() { echo "test-qmail: skipped: $*"; exit 0; }
[ "$(id -u)" = 0 ] || skip "needs root (qmail's users, chown, qmail-start)"
command -v cc >/dev/null 2>&1 || skip "no C compiler (cc)"
command -v make >/dev/null 2>&1 || skip "no make"
for tool in supervise multilog svc svstat tai64nlocal; do
	command -v $tool >/dev/null 2>&1 || skip "no daemontools ($tool; apt-get install daemontools)"
done
[ -f "$tarball" ] || skip "no notqmail source at $tarball"

# One run at a time per home (it is reinstalled and its queue reset).
if [ -z "${QQ_TEST_QMAIL_LOCKED:-}" ] && command -v flock >/dev/null 2>&1; then
	QQ_TEST_QMAIL_LOCKED=1 exec flock -o "$home.lock" "$0" "$@"
fi

start=$(date +%s)
QQ_QMAIL_HOME=$home QQ_QMAIL_TARBALL=$tarball ./e2e/qmail-setup.sh >/dev/null
echo "test-qmail: notqmail installed in $home ($(( $(date +%s) - start ))s)"
QQ_REAL_QMAIL=$home go test -count=1 -p 1 ./e2e/...
echo "test-qmail: done in $(( $(date +%s) - start ))s"
