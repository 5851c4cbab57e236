#!/usr/bin/env bash
# Command-level benchmark of qq rm (make bench-rm; part of make bench).
#
# 1. A 100,000-message sample queue (qq-sample: one spam flood of 20,000
#    messages), `qq rm --match <flood subject> --yes`, with and without the
#    quarantine: wall time and peak RSS. Target: peak RSS under 64 MB.
# 2. A 10,000-message sample queue (a flood of 2,000), the same qq command
#    and, on an identical queue in the same run, the way admins do it by
#    hand today:
#        find mess -type f -exec grep -l SUBJECT {} \;
#        then for each ID: find . -name ID -exec rm {} \;
#    Target: qq at least 50 times faster.
#
# qq rm deletes, so every run gets a freshly generated queue (names must be
# inode numbers; a copy would not be a qmail queue). qmail-send is not
# running (lock/sendmutex is free): --no-svc. Each queue is synced to disk
# and read once (warm cache) before it is timed. Queues live in BENCH_RM_DIR (default
# ./bench-rm), removed at the end unless BENCH_RM_KEEP=1.
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=${BENCH_RM_DIR:-$PWD/bench-rm}
BIG=${BENCH_RM_BIG:-100000}
SMALL=${BENCH_RM_SMALL:-10000}
QQ=$PWD/bin/qq
SAMPLE=$PWD/bin/qq-sample
SUBJECT="Free Pupil Enlargement" # queuetest.SampleFloodSubject

[ -x "$QQ" ] && [ -x "$SAMPLE" ] || { echo "bench-rm: run make build first" >&2; exit 2; }
rm -rf "$DIR"
mkdir -p "$DIR"
[ "${BENCH_RM_KEEP:-}" = 1 ] || trap 'rm -rf "$DIR"' EXIT

# sample NAME COUNT: a fresh sample queue in $DIR/NAME, written to disk
# (qmail-queue and qmail-send fsync what they write; the generator does
# not, and unlinking files whose data is still being written back is slow)
# and read once.
sample() {
	"$SAMPLE" -count "$2" -seed 1 "$DIR/$1" >/dev/null 2>&1
	sync
	find "$DIR/$1/queue" -type f -print0 | xargs -0 cat >/dev/null
	sync # the atime updates of that read
}

# timed LABEL CMD...: runs CMD under /usr/bin/time; prints and keeps
# "seconds peak-KB" in T_<label>.
declare -A SECS RSS
timed() {
	local label=$1
	shift
	/usr/bin/time -f '%e %M' -o "$DIR/time.out" "$@" >"$DIR/out.txt" 2>&1 || {
		cat "$DIR/out.txt" >&2
		exit 1
	}
	read -r "SECS[$label]" "RSS[$label]" <"$DIR/time.out"
	printf '%-44s %8.2f s %8d KB   %s\n' "$label" "${SECS[$label]}" "${RSS[$label]}" "$(tail -1 "$DIR/out.txt")"
}

count() { "$QQ" --qmail-dir "$1" list --format ids | wc -l; }

echo "qq rm benchmark, $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
RM=(rm --match "^Subject: $SUBJECT" --yes --no-svc --quiet)

sample big-q "$BIG"
timed "qq rm, $BIG messages, quarantine" "$QQ" --qmail-dir "$DIR/big-q" "${RM[@]}"
echo "  left: $(count "$DIR/big-q") messages"
rm -rf "$DIR/big-q"
sample big-n "$BIG"
timed "qq rm, $BIG messages, --no-quarantine" "$QQ" --qmail-dir "$DIR/big-n" "${RM[@]}" --no-quarantine
echo "  left: $(count "$DIR/big-n") messages"
rm -rf "$DIR/big-n"

sample small-qq "$SMALL"
sample small-hand "$SMALL"
timed "qq rm, $SMALL messages, quarantine" "$QQ" --qmail-dir "$DIR/small-qq" "${RM[@]}"
echo "  left: $(count "$DIR/small-qq") messages"
# shellcheck disable=SC2016 # expanded by the inner shell
timed "by hand (find + grep -l, find -name + rm)" bash -c '
	cd "$1/queue"
	for id in $(find mess -type f -exec grep -l "$2" {} \; | xargs -n 1 basename); do
		find . -name "$id" -exec rm {} \;
	done
	echo done' _ "$DIR/small-hand" "$SUBJECT"
echo "  left: $(count "$DIR/small-hand") messages"

ratio() { awk "BEGIN{printf \"%.0f\", $1 / ($2 > 0 ? $2 : 0.01)}"; }
echo
echo "by hand / qq rm ($SMALL messages) = $(ratio "${SECS[by hand (find + grep -l, find -name + rm)]}" "${SECS[qq rm, $SMALL messages, quarantine]}")x (target >= 50x)"
echo "qq rm peak RSS ($BIG messages)    = $((RSS[qq rm, $BIG messages, quarantine] / 1024)) MB with quarantine, $((RSS[qq rm, $BIG messages, --no-quarantine] / 1024)) MB without (target < 64 MB)"
