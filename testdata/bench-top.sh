#!/usr/bin/env bash
# Command-level benchmark of qq top, shape, check and metrics (issue #7), on
# the same generated BENCH_COUNT-message sample queue as testdata/bench.sh
# (built once and cached in BENCH_DIR), beside qq list from the same run.
# Prints, for each command, the best wall time of BENCH_RUNS warm-cache runs
# and the peak RSS.
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

# best CMD: prints "seconds peak_rss_kb" of the fastest of RUNS runs.
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

run() { local r; r=$(best "$2"); printf '%-36s %7.2f s %8d KB\n' "$1" "${r% *}" "${r#* }"; }

echo "queue: $N messages in $DIR (best of $RUNS runs, $(nproc) CPUs)"
run "qq list --format ids"             "$QQ --queue . list --format ids"
run "qq list (plain)"                  "$QQ --queue . list --format plain"
run "qq list --headers (plain)"        "$QQ --queue . list --headers --format plain"
run "qq top --by sender"               "$QQ --queue . top --by sender --format plain"
run "qq top --by sender-domain"        "$QQ --queue . top --by sender-domain --format plain"
run "qq top --by rcpt-domain"          "$QQ --queue . top --by rcpt-domain --format plain"
run "qq top --by subject"              "$QQ --queue . top --by subject --format plain"
run "qq top --by ip"                   "$QQ --queue . top --by ip --format plain"
run "qq top --by size"                 "$QQ --queue . top --by size --format plain"
run "qq top --by sender --group X --format ids" "$QQ --queue . top --by sender --group promo@cheap-meds.example --format ids"
run "qq shape"                         "$QQ --queue . shape --format plain"
run "qq check (with --warn-sender)"    "$QQ --queue . check --no-service -w 200000 --warn-sender 50000; true"
run "qq metrics"                       "$QQ --queue . metrics --no-service"
run "qq metrics --no-senders"          "$QQ --queue . metrics --no-service --no-senders"
run "qq stat"                          "$QQ --queue . stat --format plain"
