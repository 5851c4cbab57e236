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
# stat <= qstat, list --format ids peak RSS < 40 MB; (issue #6) fsck <= 2x
# list --format qread.
set -euo pipefail
source "$(dirname "$0")/bench-setup.sh"

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
run "qq fsck"                    "$QQ -q --queue . fsck --format plain"

ratio() { awk "BEGIN{printf \"%.2f\", $1 / $2}"; }
echo
echo "qq list --format qread / floor = $(ratio "${T[qq list --format qread]}" "${T[floor (find + head)]}") (target <= 0.70)"
echo "qq stat / qmail-qstat          = $(ratio "${T[qq stat]}" "${T[qmail-qstat (2x find|wc)]}") (target <= 1.00)"
echo "qq list --format ids peak RSS  = $((${R[qq list --format ids]} / 1024)) MB (target < 40 MB)"
echo "qq fsck / qq list --format qread = $(ratio "${T[qq fsck]}" "${T[qq list --format qread]}") (target <= 2.00)"
