#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# scripts/demo cannot fail silently: with its port taken by another
# process it either refuses with a clear message (DEMO_URL given) or runs
# its own tandemd on a free port and talks to that one, never to the
# stranger; when tandemd cannot start it says why and stops the PostgreSQL
# it started. Runs the demo's --start part (PostgreSQL, tandemd, a token),
# not the sample network, to stay short.
set -euo pipefail
BIN=$TD_TEST_BIN_DIR
SRC=$TD_TEST_SOURCE_DIR
W=$(mktemp -d /tmp/tdtest-demo-XXXXXX)
chmod 755 "$W"
BLOCKER=
pass=0
fail=0
cleanup() {
	DEMO_DIR=$W/demo "$SRC/scripts/demo" --stop >/dev/null 2>&1 || true
	if [ -n "$BLOCKER" ]; then kill "$BLOCKER" 2>/dev/null || true; wait "$BLOCKER" 2>/dev/null || true; fi
	rm -rf "$W"
}
trap cleanup EXIT
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; [ -f "${2:-/dev/null}" ] && sed 's/^/     /' "$2" | tail -15; return 0; }
has() { if grep -qE -- "$2" "$3"; then ok "$1"; else bad "$1 (no '$2')" "$3"; fi; }
running() { # running PID: alive and not a zombie awaiting its reaper
	local st
	st=$(cat "/proc/$1/stat" 2>/dev/null) && [[ $st != *") Z "* ]]
}
demo() { # demo ARGS...: the demo with our build, bounded in time
	env TANDEM_BIN="$BIN" DEMO_DIR="$W/demo" timeout 180 "$SRC/scripts/demo" "$@"
}

# Another process takes a port: a plain TCP listener that is no tandemd.
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
/usr/bin/python3 -c "
import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', $port)); s.listen(8); time.sleep(600)" &
BLOCKER=$!
for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done

# 1. The port it was told to use is taken: a clear refusal, nothing started.
if DEMO_URL=tcp://127.0.0.1:$port demo --start >"$W/out1" 2>&1; then
	bad "DEMO_URL on a taken port is refused" "$W/out1"
else
	ok "DEMO_URL on a taken port is refused (exit $?)"
fi
has "...saying the port is in use" "DEMO_URL tcp://127.0.0.1:$port: port $port is already in use" "$W/out1"
if [ -d "$W/demo/pg/data" ]; then bad "...and starting nothing"; else ok "...and starting nothing"; fi

# 2. tandemd cannot listen: the demo says so and stops its PostgreSQL.
if DEMO_URL=tcp://256.0.0.1:1 demo --start >"$W/out2" 2>&1; then
	bad "a tandemd that cannot listen fails the demo" "$W/out2"
else
	ok "a tandemd that cannot listen fails the demo"
fi
has "...with tandemd's reason" "tandemd exited with status [0-9]+ before serving" "$W/out2"
has "...and its log" "cannot listen on tcp://256.0.0.1:1" "$W/out2"
if "$SRC/scripts/pg" status "$W/demo/pg"; then bad "...and PostgreSQL stopped"; else ok "...and PostgreSQL stopped"; fi

# 3. No DEMO_URL, and its first choice of port is taken: it finds a free
# one and talks to its own tandemd there.
if DEMO_PORT=$port demo --start >"$W/out3" 2>&1; then ok "the demo starts on a free port"; else bad "the demo starts on a free port" "$W/out3"; fi
url=$(sed -n 's/^export TANDEM_SERVER=\([^ ]*\) .*/\1/p' "$W/out3")
token=$(sed -n 's/^export .*TANDEM_TOKEN=\(.*\)/\1/p' "$W/out3")
has "...saying why it moved" "port $port is in use by another process" "$W/out3"
has "...and prints where" "^export TANDEM_SERVER=" "$W/out3"
if [ "$url" != "tcp://127.0.0.1:$port" ] && [ -n "$url" ]; then ok "...not the taken port ($url)"; else bad "...not the taken port ($url)"; fi
pid=$(cat "$W/demo/tandemd.pid")
has "...its own tandemd (pid $pid) listens there" "listen=$url" "$W/demo/tandemd.log"
if TANDEM_TOKEN=$token "$BIN/tandem" --server "$url" admin client list >"$W/out4" 2>&1; then
	ok "...and its token works there"
else
	bad "...and its token works there" "$W/out4"
fi
DEMO_DIR=$W/demo "$SRC/scripts/demo" --stop >"$W/out5" 2>&1 || bad "--stop" "$W/out5"
if running "$pid"; then bad "--stop stopped tandemd $pid"; else ok "--stop stopped tandemd $pid"; fi
if "$SRC/scripts/pg" status "$W/demo/pg"; then bad "--stop stopped PostgreSQL"; else ok "--stop stopped PostgreSQL"; fi
if running "$BLOCKER"; then ok "the other process was left alone"; else bad "the other process was left alone"; fi

echo "$pass passed, $fail failed"
[ $fail = 0 ]
