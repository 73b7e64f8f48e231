#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Connections whose SP handshake fails with EPIPE, as when tandemd is
# killed just as a client connects. nng 1.5.2 takes that EPIPE for its own
# close and stops the dialer or listener for good (nng issue #1518); Tandem
# must connect again anyway. A real tandemd, CLI and `tandem watch`, with
# the failure injected by epipe_preload (LD_PRELOAD) into one of them:
#   1. the CLI's first header fails: Health still answers;
#   2. `tandem watch` connects, tandemd restarts, the subscriber's header
#      on reconnecting fails: the next event still reaches it;
#   3. tandemd's first header fails: the next client is still answered.
# Each phase checks that the fault did fire. Every wait is bounded.
# Needs TD_TEST_BIN_DIR, TD_TEST_SOURCE_DIR and TD_TEST_PG_DIR (ctest).
set -euo pipefail
BIN=$TD_TEST_BIN_DIR
SRC=$TD_TEST_SOURCE_DIR
SHIM=$BIN/tests/libtd_epipe_preload.so
W=$(mktemp -d /tmp/tdtest-handshake-XXXXXX)
chmod 755 "$W"
URL="ipc://$W/td.sock"
EV="ipc://$W/ev.sock"
DB=tandem_handshake
TD=
WATCH=

cleanup() {
	[ -n "$WATCH" ] && kill -9 "$WATCH" 2>/dev/null || true
	[ -n "$TD" ] && kill -9 "$TD" 2>/dev/null || true
	rm -rf "$W"
}
trap cleanup EXIT
fail() {
	echo "FAIL: $*"
	echo "-- tandemd's last lines:"; tail -5 "$W/td.log" 2>/dev/null || true
	echo "-- watch's output:"; cat "$W/watch.out" 2>/dev/null || true
	exit 1
}
[ -f "$SHIM" ] || fail "no $SHIM (build the tests first)"
# The preload must come after a sanitizer's runtime in ASan builds.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"

ADMIN=$("$SRC/scripts/pg" conninfo "$TD_TEST_PG_DIR" postgres)
timeout 30 psql "$ADMIN" -qtAc "DROP DATABASE IF EXISTS $DB" >/dev/null
timeout 30 psql "$ADMIN" -qtAc "CREATE DATABASE $DB" >/dev/null
C=$("$SRC/scripts/pg" conninfo "$TD_TEST_PG_DIR" "$DB")
export TANDEM_HMAC_KEY=handshake-test-key-0123456789abcdef0123

# start_td [ENV=VALUE...]: tandemd with the given environment added.
start_td() {
	env "$@" "$BIN/tandemd" --db "$C" --listen "$URL" --events-listen "$EV" \
		--quiet --migrate --workers 2 >>"$W/td.log" 2>&1 &
	TD=$!
}
stop_td() {
	kill -9 "$TD" 2>/dev/null || true
	local until=$((SECONDS + 20))
	while kill -0 "$TD" 2>/dev/null; do
		[ $SECONDS -lt $until ] || fail "tandemd $TD still alive 20 s after SIGKILL"
		sleep 0.05
	done
	wait "$TD" 2>/dev/null || true
	TD=
}
# health_within S: tandemd answers Health within S seconds.
health_within() {
	local until=$((SECONDS + $1))
	until timeout 10 "$BIN/tandem" --server "$URL" --timeout 2 health >/dev/null 2>&1; do
		[ $SECONDS -lt $until ] || return 1
		sleep 0.1
	done
}
T() { timeout 60 "$BIN/tandem" --server "$URL" --timeout 5 "$@"; }
# fired LOG: the fault happened in the process that logged to LOG.
fired() { [ -s "$1" ]; }

start_td
health_within 30 || fail "tandemd did not answer Health within 30 s of its start"
export TANDEM_TOKEN
TANDEM_TOKEN=$(timeout 60 "$BIN/tandemd" --db "$C" --bootstrap-admin handshake 2>/dev/null)
printf 'district,school,name\nD1,S1,School 1\n' >"$W/schools.csv"
printf 'measure,name,unit,direction\nm1,M1,percent,higher\n' >"$W/measures.csv"
T define schools "$W/schools.csv" >/dev/null
T define measures "$W/measures.csv" >/dev/null
# submit_next: one outcome row of a month not submitted before, so one
# batch.stored event.
MONTH=0
submit_next() {
	local y=$((2020 + MONTH / 12)) m=$((MONTH % 12 + 1))
	printf 'school,measure,period_start,period_end,value,n\nS1,m1,%d-%02d-01,%d-%02d-28,%d,30\n' \
		"$y" "$m" "$y" "$m" $((50 + MONTH % 40)) >"$W/o.csv"
	T submit outcomes "$W/o.csv" >/dev/null
	MONTH=$((MONTH + 1))
}

echo "phase 1: the CLI's first SP header fails with EPIPE"
out=$(LD_PRELOAD=$SHIM TD_FAULT_EPIPE=1 TD_FAULT_LOG="$W/fault1" \
	timeout 20 "$BIN/tandem" --server "$URL" --timeout 5 health 2>&1) ||
	fail "Health failed after the CLI's handshake failed: $out"
fired "$W/fault1" || fail "phase 1: the fault did not fire"

echo "phase 2: tandem watch loses its handshake on reconnecting"
LD_PRELOAD=$SHIM TD_FAULT_EPIPE_SKIP=1 TD_FAULT_EPIPE=1 TD_FAULT_LOG="$W/fault2" \
	"$BIN/tandem" --format json watch --events "$EV" --topic batch.stored \
	--count 2 >"$W/watch.out" 2>&1 &
WATCH=$!
# The subscriber is connected once an event reaches it.
for k in $(seq 1 40); do
	submit_next
	sleep 0.25
	[ -s "$W/watch.out" ] && break
	kill -0 "$WATCH" 2>/dev/null || fail "watch ended early"
	[ "$k" -lt 40 ] || fail "watch saw no event in 40 submissions"
done
fired "$W/fault2" && fail "phase 2: the fault fired before tandemd restarted"
stop_td
start_td
health_within 30 || fail "tandemd did not answer Health within 30 s of its restart"
# The subscriber redials while tandemd is down and when it is back; its
# first header fails then. A new month each try publishes one event.
for _ in $(seq 1 20); do
	kill -0 "$WATCH" 2>/dev/null || break
	submit_next
	sleep 0.5
done
fired "$W/fault2" || fail "phase 2: the fault did not fire"
kill -0 "$WATCH" 2>/dev/null && fail "watch got no event after tandemd restarted (its dialer stopped)"
wait "$WATCH" || fail "watch ended with an error"
WATCH=
[ "$(grep -c '"topic"' "$W/watch.out")" = 2 ] || fail "watch printed $(grep -c '"topic"' "$W/watch.out") events, not 2"

echo "phase 3: tandemd's first SP header fails with EPIPE"
stop_td
start_td LD_PRELOAD="$SHIM" TD_FAULT_EPIPE=1 TD_FAULT_LOG="$W/fault3"
health_within 30 || fail "tandemd stopped answering after its first handshake failed"
fired "$W/fault3" || fail "phase 3: the fault did not fire"
stop_td
echo "ok"
