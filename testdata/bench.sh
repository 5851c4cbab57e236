#!/usr/bin/env bash
# Command-level benchmark of qq on a generated queue (make bench).
#
# Builds (once, cached in BENCH_DIR) a BENCH_COUNT-message sample queue, then
# times, best of BENCH_RUNS warm-cache runs, qq's read-only commands beside
# the same I/O done with C tools:
#   floor  = find mess -type f -printf '%s\n'
#            + find info local remote -type f -print0 | xargs -0 head -qc 4096
#   qstat  = qmail-qstat's two `find | wc -l`
# and reports peak RSS. Targets (issue #2): list --format qread <= 0.7x floor,
# stat <= qstat, list --format ids peak RSS < 40 MB.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${BENCH_COUNT:-100000}
DIR=${BENCH_DIR:-$PWD/bench-queue}
RUNS=${BENCH_RUNS:-5}
QQ=$PWD/bin/qq

if [ ! -f "$DIR/.made-$N" ]; then
	rm -rf "$DIR"
	bin/qq-sample -count "$N" -seed 1 "$DIR"
	touch "$DIR/.made-$N"
fi
cd "$DIR/queue"

timing=$(mktemp)
trap 'rm -f "$timing"' EXIT

# best RUNS: prints "seconds peak_rss_kb" of the fastest run.
best() {
	local best_s="" best_kb=0 out s kb
	for _ in $(seq "$RUNS"); do
		# -o: the command's own stderr goes to /dev/null, time's report
		# to a file (a 2>/dev/null would swallow both).
		/usr/bin/time -o "$timing" -f '%e %M' bash -c "$1" >/dev/null 2>/dev/null || true
		out=$(tail -1 "$timing")
		s=${out% *}; kb=${out#* }
		if [ -z "$best_s" ] || awk "BEGIN{exit !($s < $best_s)}"; then best_s=$s; fi
		[ "$kb" -gt "$best_kb" ] && best_kb=$kb
	done
	echo "$best_s $best_kb"
}

# Warm the page cache.
find . -type f -print0 | xargs -0 cat >/dev/null 2>&1 || true

declare -A T R
run() { local r; r=$(best "$2"); T[$1]=${r% *}; R[$1]=${r#* }; printf '%-28s %7.2f s %8d KB\n' "$1" "${T[$1]}" "${R[$1]}"; }

echo "queue: $N messages in $DIR (best of $RUNS runs, $(nproc) CPUs)"
run "floor (find + head)"        "find mess -type f -printf '%s\n'; find info local remote -type f -print0 | xargs -0 head -qc 4096"
run "qmail-qstat (2x find|wc)"   "find mess/* -type f | wc -l; find todo -type f | wc -l"
run "qq stat"                    "$QQ --queue . stat --format plain"
run "qq stat --format qstat"     "$QQ --queue . stat --format qstat"
run "qq list --format ids"       "$QQ --queue . list --format ids"
run "qq list --format qread"     "$QQ --queue . list --format qread"
run "qq list --headers (plain)"  "$QQ --queue . list --headers --format plain"

ratio() { awk "BEGIN{printf \"%.2f\", $1 / $2}"; }
echo
echo "qq list --format qread / floor = $(ratio "${T[qq list --format qread]}" "${T[floor (find + head)]}") (target <= 0.70)"
echo "qq stat / qmail-qstat          = $(ratio "${T[qq stat]}" "${T[qmail-qstat (2x find|wc)]}") (target <= 1.00)"
echo "qq list --format ids peak RSS  = $((${R[qq list --format ids]} / 1024)) MB (target < 40 MB)"
