#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Crash safety: tandemd is killed with SIGKILL at random points during a
# large multi-batch `tandem submit` (at least 20 kills) and restarted; the
# CLI retries to completion; then the database must hold every record
# exactly once. Then the same with PostgreSQL restarted mid-load (fast and
# immediate shutdown). Runs on its own cluster so no other test is hurt.
# Needs TD_TEST_BIN_DIR and TD_TEST_SOURCE_DIR (ctest sets them).
set -euo pipefail
BIN=$TD_TEST_BIN_DIR
SRC=$TD_TEST_SOURCE_DIR
MIN_KILLS=${MIN_KILLS:-20}
W=$(mktemp -d /tmp/tdtest-crash-XXXXXX)
chmod 755 "$W"
URL="ipc://$W/td.sock"
TD=
CLI=

cleanup() {
	[ -n "$CLI" ] && kill -9 "$CLI" 2>/dev/null || true
	[ -n "$TD" ] && kill -9 "$TD" 2>/dev/null || true
	"$SRC/scripts/pg" stop "$W/pg" immediate >/dev/null 2>&1 || true
	rm -rf "$W"
}
trap cleanup EXIT

C=$("$SRC/scripts/pg" start "$W/pg" auto)
sql() { psql "$C" -qtAc "$1"; }
start_td() {
	TANDEM_HMAC_KEY=crash-test-key-0123456789abcdef012345678 "$BIN/tandemd" --db "$C" --listen "$URL" --quiet \
		--migrate --workers 2 >>"$W/td.log" 2>&1 &
	TD=$!
}
start_td
for _ in $(seq 100); do "$BIN/tandem" --server "$URL" health >/dev/null 2>&1 && break; sleep 0.1; done
export TANDEM_TOKEN
TANDEM_TOKEN=$("$BIN/tandemd" --db "$C" --bootstrap-admin crash 2>/dev/null)
T() { "$BIN/tandem" --server "$URL" --timeout 5 "$@"; }

# 100 schools; five measures of 100 schools x 60 months x 4 subgroups.
awk 'BEGIN { print "district,school,name"; for (s = 1; s <= 100; s++) printf "D%d,S%03d,School %d\n", s % 5, s, s }' >"$W/schools.csv"
printf 'measure,name,unit,direction\n' >"$W/measures.csv"
for m in 1 2 3 4 5; do
	printf 'm%d,M%d,pct,higher\n' "$m" "$m" >>"$W/measures.csv"
	awk -v m="$m" 'BEGIN {
		print "school,measure,period_start,period_end,value,n,subgroup"
		split(",frl,ell,swd", sg, ",")
		for (s = 1; s <= 100; s++) for (k = 0; k < 60; k++) for (g = 1; g <= 4; g++) {
			y = 2020 + int((k + 7) / 12); mo = (k + 7) % 12 + 1
			printf "S%03d,m%d,%04d-%02d-01,%04d-%02d-28,%.2f,%d,%s\n", s, m, y, mo, y, mo, 50 + (s * 7 + k * 3 + g) % 40 + m / 10, 20 + s, sg[g]
		}
	}' >"$W/m$m.csv"
done
T define schools "$W/schools.csv" >/dev/null
T define measures "$W/measures.csv" >/dev/null
rows=$(( (100 * 60 * 4) ))

echo "phase 1: SIGKILL tandemd during uploads ($MIN_KILLS kills at random points)"
# Each kill waits until one more batch was stored since the last, then a
# random 0-150 ms into the next one, so uploads progress between kills.
kills=0
runs=0
for f in 1 2 3 4; do
	T submit outcomes --batch-size 400 --retries 1000 "$W/m$f.csv" >>"$W/cli.log" 2>&1 &
	CLI=$!
	runs=$((runs + 1))
	while kill -0 "$CLI" 2>/dev/null && [ $kills -lt "$MIN_KILLS" ]; do
		s0=$(sql "SELECT count(*) FROM submissions")
		for _ in $(seq 400); do
			kill -0 "$CLI" 2>/dev/null || break
			[ "$(sql "SELECT count(*) FROM submissions")" -gt "$s0" ] && break
			sleep 0.05
		done
		kill -0 "$CLI" 2>/dev/null || break
		sleep "0.$(printf '%03d' $(( RANDOM % 150 )))"
		kill -9 "$TD" 2>/dev/null || true
		wait "$TD" 2>/dev/null || true
		kills=$((kills + 1))
		start_td
	done
	wait "$CLI" || { echo "FAIL: submit of m$f"; tail -5 "$W/cli.log"; exit 1; }
	CLI=
done
# And a re-run of one file under one more kill: it must store nothing new.
T submit outcomes --batch-size 400 --retries 1000 "$W/m2.csv" >>"$W/cli.log" 2>&1 &
CLI=$!
sleep 0.2
kill -9 "$TD" 2>/dev/null || true
wait "$TD" 2>/dev/null || true
kills=$((kills + 1))
start_td
wait "$CLI" || { echo "FAIL: re-run"; tail -5 "$W/cli.log"; exit 1; }
CLI=
runs=$((runs + 1))
[ $kills -ge "$MIN_KILLS" ] || { echo "FAIL: only $kills kills"; exit 1; }
got=$(sql "SELECT count(*) FROM outcomes WHERE measure_id IN (SELECT id FROM measures WHERE code IN ('m1','m2','m3','m4'))")
want=$(( 4 * rows ))
echo "kills: $kills, submit runs: $runs, records: $got of $want"
[ "$got" -eq "$want" ] || { echo "FAIL: record count"; exit 1; }
# exactly once, and the right values: compare the sum with the files'
have=$(sql "SELECT round(sum(value)::numeric, 2) FROM outcomes o JOIN measures m ON m.id = o.measure_id WHERE m.code <> 'm5'")
expect=$(cat "$W"/m[1-4].csv | awk -F, 'NR > 1 && $1 != "school" { s += $5 } END { printf "%.2f", s }')
[ "$have" = "$expect" ] || { echo "FAIL: values $have vs $expect"; exit 1; }
batches=$(sql "SELECT count(*) FROM submissions")
[ "$batches" -eq $(( 4 * ((rows + 399) / 400) )) ] || { echo "FAIL: $batches submissions"; exit 1; }

echo "phase 2: PostgreSQL restarted mid-load (fast, then immediate)"
T submit outcomes --batch-size 200 --retries 1000 "$W/m5.csv" >>"$W/cli.log" 2>&1 &
CLI=$!
for mode in fast immediate fast immediate; do
	sleep 0.5
	"$SRC/scripts/pg" stop "$W/pg" "$mode" >/dev/null
	sleep 0.3
	"$SRC/scripts/pg" start "$W/pg" auto >/dev/null
done
wait "$CLI" || { echo "FAIL: submit after restarts"; tail -5 "$W/cli.log"; exit 1; }
CLI=
got=$(sql "SELECT count(*) FROM outcomes o JOIN measures m ON m.id = o.measure_id WHERE m.code = 'm5'")
echo "records after 4 database restarts: $got of $rows"
[ "$got" -eq "$rows" ] || { echo "FAIL: record count after restarts"; exit 1; }
# The rollups follow the facts exactly (maintained in the same transaction).
roll=$(sql "SELECT sum(cnt) FROM rollups WHERE level = 'n' AND grain = 'm' AND measure LIKE 'm%'")
[ "$roll" -eq $(( 5 * rows )) ] || { echo "FAIL: rollups count $roll"; exit 1; }
echo "1 passed, 0 failed"
