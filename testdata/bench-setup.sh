# Sourced by testdata/bench.sh and testdata/bench-top.sh: builds (once,
# cached in BENCH_DIR) a BENCH_COUNT-message sample queue with bin/qq-sample,
# changes into its queue directory, warms the page cache, and defines
# best CMD, which prints "seconds peak_rss_kb" of the fastest of BENCH_RUNS
# runs of CMD. Sets N, DIR, RUNS and QQ (bin/qq).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
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
