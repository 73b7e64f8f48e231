#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Crash safety: tandemd is killed with SIGKILL at random points during a
# large multi-batch `tandem submit` (at least 20 kills) and restarted; the
# CLI retries to completion; then the database must hold every record
# exactly once. Then the same with PostgreSQL restarted mid-load (fast and
# immediate shutdown). Runs on its own cluster so no other test is hurt.
# Every wait is bounded: a stuck step fails by name (with the CLI's and
# tandemd's last lines) and the test stops its tandemd, CLI and PostgreSQL
# (by PID) before DEADLINE, well inside ctest's timeout, which would leave
# them running.
# Needs TD_TEST_BIN_DIR and TD_TEST_SOURCE_DIR (ctest sets them).
set -euo pipefail
BIN=$TD_TEST_BIN_DIR
SRC=$TD_TEST_SOURCE_DIR
MIN_KILLS=${MIN_KILLS:-20}
DEADLINE=${DEADLINE:-330} # s; ctest's TIMEOUT for the test is 400
# One upload's limit: each takes seconds (a minute under TSan) with its kills.
UPLOAD_S=${UPLOAD_S:-240}
W=$(mktemp -d /tmp/tdtest-crash-XXXXXX)
chmod 755 "$W"
URL="ipc://$W/td.sock"
TD=
CLI=
WATCHDOG=

cleanup() {
	[ -n "$WATCHDOG" ] && kill "$WATCHDOG" 2>/dev/null || true
	[ -n "$CLI" ] && kill -9 "$CLI" 2>/dev/null || true
	[ -n "$TD" ] && kill -9 "$TD" 2>/dev/null || true
	"$SRC/scripts/pg" stop "$W/pg" immediate >/dev/null 2>&1 || true
	rm -rf "$W"
}
trap cleanup EXIT
fail() {
	echo "FAIL: $*"
	echo "-- the CLI's last lines:"; tail -5 "$W/cli.log" 2>/dev/null || true
	echo "-- tandemd's last lines:"; tail -5 "$W/td.log" 2>/dev/null || true
	exit 1
}
# The deadline: SIGTERM to this shell, whose trap fails the test; a
# foreground command is itself bounded (timeout, statement_timeout).
trap 'fail "the test passed its ${DEADLINE} s deadline"' TERM
end=$((SECONDS + DEADLINE))
(while [ $SECONDS -lt $end ]; do sleep 1; done; kill -TERM $$) >/dev/null 2>&1 &
WATCHDOG=$!

C=$(timeout 120 "$SRC/scripts/pg" start "$W/pg" auto)
export PGCONNECT_TIMEOUT=10 PGOPTIONS="-c statement_timeout=20000"
sql() { timeout 30 psql "$C" -qtAc "$1"; }
# wait_cli WHAT: waits (at most UPLOAD_S) for the CLI in $CLI to end; it
# must succeed.
wait_cli() {
	local until=$((SECONDS + UPLOAD_S))
	while kill -0 "$CLI" 2>/dev/null; do
		[ $SECONDS -lt $until ] || fail "$1 still running after ${UPLOAD_S} s"
		sleep 0.2
	done
	wait "$CLI" || fail "$1"
	CLI=
}
# restart_td: SIGKILL tandemd, wait for it (bounded), start another.
restart_td() {
	kill -9 "$TD" 2>/dev/null || true
	local until=$((SECONDS + 20))
	while kill -0 "$TD" 2>/dev/null; do
		[ $SECONDS -lt $until ] || fail "tandemd $TD still alive 20 s after SIGKILL"
		sleep 0.05
	done
	wait "$TD" 2>/dev/null || true
	start_td
}
start_td() {
	TANDEM_HMAC_KEY=crash-test-key-0123456789abcdef012345678 "$BIN/tandemd" --db "$C" --listen "$URL" --quiet \
		--migrate --workers 2 >>"$W/td.log" 2>&1 &
	TD=$!
}
start_td
# health_within S: tandemd answers Health within S seconds.
health_within() {
	local until=$((SECONDS + $1))
	until timeout 10 "$BIN/tandem" --server "$URL" --timeout 2 health >/dev/null 2>&1; do
		[ $SECONDS -lt $until ] || return 1
		sleep 0.1
	done
}
health_within 30 || fail "tandemd did not answer Health within 30 s of its start"
export TANDEM_TOKEN
TANDEM_TOKEN=$(timeout 60 "$BIN/tandemd" --db "$C" --bootstrap-admin crash 2>/dev/null)
T() { timeout 120 "$BIN/tandem" --server "$URL" --timeout 5 "$@"; }
# submit_bg FILE BATCH: an upload in the background, its PID (the CLI's
# own, so cleanup kills it) in $CLI.
submit_bg() {
	"$BIN/tandem" --server "$URL" --timeout 5 submit outcomes --batch-size "$2" \
		--retries 1000 "$1" >>"$W/cli.log" 2>&1 &
	CLI=$!
}

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

echo "phase 0: clients that leave during the connection handshake"
# Such a peer makes nng 1.5.2's listener stop accepting for good (its
# EPIPE is taken for the listener's own close); tandemd listens again.
for _ in 1 2 3 4 5; do
	timeout 10 python3 -c 'import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.close()' "$W/td.sock"
done
health_within 10 || fail "tandemd stopped accepting after clients left during the handshake"
echo "listeners restarted: $(grep -c 'listener stopped accepting' "$W/td.log" || true)"

echo "phase 1: SIGKILL tandemd during uploads ($MIN_KILLS kills at random points)"
# Each kill waits until one more batch was stored since the last, then a
# random 0-150 ms into the next one, so uploads progress between kills.
kills=0
runs=0
for f in 1 2 3 4; do
	submit_bg "$W/m$f.csv" 400
	runs=$((runs + 1))
	while kill -0 "$CLI" 2>/dev/null && [ $kills -lt "$MIN_KILLS" ]; do
		s0=$(sql "SELECT count(*) FROM submissions")
		until=$((SECONDS + 60))
		while kill -0 "$CLI" 2>/dev/null && [ $SECONDS -lt $until ]; do
			[ "$(sql "SELECT count(*) FROM submissions")" -gt "$s0" ] && break
			sleep 0.05
		done
		[ $SECONDS -lt $until ] || fail "no batch of m$f stored within 60 s (after $kills kills)"
		kill -0 "$CLI" 2>/dev/null || break
		sleep "0.$(printf '%03d' $(( RANDOM % 150 )))"
		restart_td
		kills=$((kills + 1))
	done
	wait_cli "submit of m$f"
done
# And a re-run of one file under one more kill: it must store nothing new.
submit_bg "$W/m2.csv" 400
sleep 0.2
restart_td
kills=$((kills + 1))
wait_cli "re-run of m2"
runs=$((runs + 1))
[ $kills -ge "$MIN_KILLS" ] || fail "only $kills kills"
got=$(sql "SELECT count(*) FROM outcomes WHERE measure_id IN (SELECT id FROM measures WHERE code IN ('m1','m2','m3','m4'))")
want=$(( 4 * rows ))
echo "kills: $kills, submit runs: $runs, records: $got of $want"
[ "$got" -eq "$want" ] || fail "record count $got, want $want"
# exactly once, and the right values: compare the sum with the files'
have=$(sql "SELECT round(sum(value)::numeric, 2) FROM outcomes o JOIN measures m ON m.id = o.measure_id WHERE m.code <> 'm5'")
expect=$(cat "$W"/m[1-4].csv | awk -F, 'NR > 1 && $1 != "school" { s += $5 } END { printf "%.2f", s }')
[ "$have" = "$expect" ] || fail "values $have vs $expect"
batches=$(sql "SELECT count(*) FROM submissions")
[ "$batches" -eq $(( 4 * ((rows + 399) / 400) )) ] || fail "$batches submissions"

echo "phase 2: PostgreSQL restarted mid-load (fast, then immediate)"
submit_bg "$W/m5.csv" 200
for mode in fast immediate fast immediate; do
	sleep 0.5
	timeout 90 "$SRC/scripts/pg" stop "$W/pg" "$mode" >/dev/null
	sleep 0.3
	timeout 90 "$SRC/scripts/pg" start "$W/pg" auto >/dev/null
done
wait_cli "submit of m5 after the database restarts"
got=$(sql "SELECT count(*) FROM outcomes o JOIN measures m ON m.id = o.measure_id WHERE m.code = 'm5'")
echo "records after 4 database restarts: $got of $rows"
[ "$got" -eq "$rows" ] || fail "record count after restarts: $got of $rows"
# The rollups follow the facts exactly (maintained in the same transaction).
roll=$(sql "SELECT sum(cnt) FROM rollups WHERE level = 'n' AND grain = 'm' AND measure LIKE 'm%'")
[ "$roll" -eq $(( 5 * rows )) ] || fail "rollups count $roll"
echo "1 passed, 0 failed"
