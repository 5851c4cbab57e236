#!/bin/sh
# Command-level benchmark of the log tools on a generated multilog file of
# LOG_BENCH_SIZE bytes (default 1 GiB) of realistic qmail-send lines:
#   - qq tai64nlocal against daemontools' tai64nlocal, in the same run,
#     with TZ=UTC and with TZ unset (glibc then checks /etc/localtime at
#     every localtime call, which slows tai64nlocal down);
#   - qq log trace of one message (an ID reused many times) over the file.
# Each line reports wall, user and system time and peak RSS (GNU time).
# Usage: testdata/bench-logs.sh   (LOG_BENCH_DIR keeps the generated file between runs)
set -eu
SIZE=${LOG_BENCH_SIZE:-1073741824}
RUNS=${LOG_BENCH_RUNS:-3}
DIR=${LOG_BENCH_DIR:-$(mktemp -d)}
mkdir -p "$DIR/log"
go build -trimpath -o "$DIR/qq" ./cmd/qq
if [ ! -s "$DIR/log/current" ]; then
	go run testdata/genlog.go -size "$SIZE" -o "$DIR/log/current" 2> "$DIR/genlog.txt"
fi
cat "$DIR/genlog.txt"
ID=$(sed -n 's/.*trace_id \([0-9]*\).*/\1/p' "$DIR/genlog.txt")

# measure RUNS LABEL COMMAND...: run COMMAND on the log, output discarded.
measure() {
	runs=$1 label=$2
	shift 2
	i=0
	while [ "$i" -lt "$runs" ]; do
		/usr/bin/time -f "$label	%e s wall	%U s user	%S s sys	%M KB peak RSS" "$@" < "$DIR/log/current" > /dev/null
		i=$((i + 1))
	done
}

uname -srm
nproc
uptime
measure "$RUNS" "daemontools tai64nlocal, TZ=UTC" env TZ=UTC tai64nlocal
measure "$RUNS" "qq tai64nlocal, TZ=UTC" env TZ=UTC "$DIR/qq" tai64nlocal
measure 1 "daemontools tai64nlocal, TZ unset" env -u TZ tai64nlocal
measure 1 "qq tai64nlocal, TZ unset" env -u TZ "$DIR/qq" tai64nlocal
measure "$RUNS" "qq log trace $ID" "$DIR/qq" log trace "$ID" "$DIR/log"
"$DIR/qq" log trace "$ID" "$DIR/log" | grep -c '^msg ' | sed 's/^/histories traced: /'
