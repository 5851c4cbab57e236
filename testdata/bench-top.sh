#!/usr/bin/env bash
# Command-level benchmark of qq top, shape, check and metrics (issue #7), on
# the same generated BENCH_COUNT-message sample queue as testdata/bench.sh
# (built once and cached in BENCH_DIR), beside qq list from the same run.
# Prints, for each command, the best wall time of BENCH_RUNS warm-cache runs
# and the peak RSS.
set -euo pipefail
source "$(dirname "$0")/bench-setup.sh"

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
