#!/bin/sh
# Build notqmail from ../shared/qmail (or $QQ_QMAIL_TARBALL) and install it
# into a private qmail home used only by the e2e tests (QQ_QMAIL_HOME,
# default /var/tmp/qq-test-qmail; compiled in, so fixed per build). The
# build is cached under build/qmail/<sha256 of the tarball and the home>;
# a home that already carries the same stamp is only refreshed (users, control
# files), not reinstalled. Needs root (qmail's users, chown) and a C compiler.
# Prints the home on its last line.
set -eu
cd "$(dirname "$0")/.."
top=$(pwd)
tarball=${QQ_QMAIL_TARBALL:-$top/../shared/qmail/notqmail-a7012e4.tar.gz}
home=${QQ_QMAIL_HOME:-/var/tmp/qq-test-qmail}
domain=qqtest.invalid

sum=$( (sha256sum "$tarball" | cut -d' ' -f1; echo "$home") | sha256sum | cut -c1-16)
build=$top/build/qmail/$sum
src=$build/$(tar tzf "$tarball" | head -1 | cut -d/ -f1)

# qmail's groups and users, where missing (INSTALL.ids.md). notqmail looks
# them up by name at run time, so existing ones (another qmail on the host)
# are used as they are.
for g in nofiles qmail; do
	getent group "$g" >/dev/null || groupadd --system "$g"
done
for u in alias:nofiles:"$home"/alias qmaild:nofiles:"$home" qmaill:nofiles:"$home" \
	qmailp:nofiles:"$home" qmailq:qmail:"$home" qmailr:qmail:"$home" qmails:qmail:"$home"; do
	name=${u%%:*} rest=${u#*:}
	group=${rest%%:*} dir=${rest#*:}
	getent passwd "$name" >/dev/null ||
		useradd --system --no-create-home -g "$group" -d "$dir" -s /usr/sbin/nologin "$name" 2>/dev/null ||
		getent passwd "$name" >/dev/null
done

if [ ! -f "$build/built" ]; then
	rm -rf "$build"
	mkdir -p "$build"
	tar xzf "$tarball" -C "$build"
	echo "$home" >"$src/conf-qmail"
	(cd "$src" && make -j2 it man >"$build/make.log" 2>&1) || { tail -30 "$build/make.log"; exit 1; }
	touch "$build/built"
fi

if [ "$(cat "$home/.qq-build" 2>/dev/null)" != "$sum" ]; then
	# A fresh install, as notqmail's `make setup` does.
	rm -rf "$home"
	(cd "$src" && ./instpackage && ./instchown && ./instcheck) >"$build/install.log" 2>&1 ||
		{ tail -30 "$build/install.log"; exit 1; }
	(cd "$src" && ./config-fast "$domain") >/dev/null
	# The queue as installed, for the tests to start every scenario from.
	cp -a "$home/queue" "$home/queue.pristine"
	echo "$sum" >"$home/.qq-build"
fi
echo "$home"
