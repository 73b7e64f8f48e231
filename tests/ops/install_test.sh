#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The installed tree, as an operator gets it: `cmake --install` into a
# temporary prefix puts every file in its place; a C program builds
# against the installed tandem.pc (shared, and static) and calls Health
# through it; the installed tandemd runs from a config file alone (no
# option, no environment) and honours command line > file > environment;
# a bad key or value names file, line and key; the CLI reads its own
# config file; `systemd-analyze verify` accepts the installed unit.
set -euo pipefail
BIN=$TD_TEST_BIN_DIR
SRC=$TD_TEST_SOURCE_DIR
W=$(mktemp -d /tmp/tdtest-install-XXXXXX)
chmod 755 "$W"
P=$W/prefix
TD=
pass=0
fail=0
cleanup() {
	if [ -n "$TD" ]; then kill "$TD" 2>/dev/null || true; wait "$TD" 2>/dev/null || true; fi
	"$SRC/scripts/pg" stop "$W/pg" immediate >/dev/null 2>&1 || true
	rm -rf "$W"
}
trap cleanup EXIT
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; [ -f "${2:-/dev/null}" ] && sed 's/^/     /' "$2" | tail -8; return 0; }
check() { # check NAME COMMAND...: must succeed; output in $W/out
	local name=$1; shift
	if "$@" >"$W/out" 2>&1; then ok "$name"; else bad "$name" "$W/out"; fi
}
has() { # has NAME PATTERN FILE: grep -qE, leaving the file alone
	if grep -qE -- "$2" "$3"; then ok "$1"; else bad "$1 (no '$2')" "$3"; fi
}
refuses() { # refuses NAME PATTERN COMMAND...: must fail, saying PATTERN
	local name=$1 pat=$2; shift 2
	if "$@" >"$W/out" 2>&1; then bad "$name (it succeeded)" "$W/out"
	elif grep -qE -- "$pat" "$W/out"; then ok "$name"
	else bad "$name (no '$pat')" "$W/out"; fi
}

# ---- the tree ----
check "cmake --install into a temporary prefix" cmake --install "$BIN" --prefix "$P"
lib=$(sed -n 's/^libdir=\${prefix}\///p' "$P"/lib*/pkgconfig/tandem.pc 2>/dev/null || true)
for f in bin/tandemd bin/tandem "$lib/libtandem.a" "$lib/libtandem.so" \
	"$lib/pkgconfig/tandem.pc" include/tandem/tandem.h include/tandem/wire.h \
	include/tandem/errors.h include/tandem/v1/rpc.pb-c.h include/tandem/v1/health.pb-c.h \
	share/man/man8/tandemd.8 share/man/man1/tandem.1 \
	share/tandem/migrations/001_registry.sql lib/systemd/system/tandemd.service \
	etc/tandem/tandemd.conf share/doc/tandem/tandemd.conf.example; do
	if [ -e "$P/$f" ]; then ok "installed $f"; else bad "installed $f"; fi
done
n_sql=$(ls "$SRC"/sql/*.sql | wc -l)
check "every migration installed ($n_sql)" test "$(ls "$P"/share/tandem/migrations/*.sql | wc -l)" -eq "$n_sql"
check "tandem.pc names the prefix" grep -qx "prefix=$P" "$P/$lib/pkgconfig/tandem.pc"
check "the unit runs the installed tandemd" grep -q "ExecStart=$P/bin/tandemd " "$P/lib/systemd/system/tandemd.service"
v1=$("$P/bin/tandemd" --version); v2=$("$P/bin/tandem" --version)
check "tandemd and tandem print the same version and protocol ($v1 / $v2)" test "${v1#tandemd }" = "${v2#tandem }"
if command -v man >/dev/null; then
	check "man tandemd renders" env MANWIDTH=80 man -l "$P/share/man/man8/tandemd.8"
	has "...and describes --metrics-listen" "metrics-listen" "$W/out"
fi

# ---- systemd ----
if command -v systemd-analyze >/dev/null; then
	check "systemd-analyze verify accepts the unit" env MANPATH="$P/share/man:" \
		systemd-analyze verify "$P/lib/systemd/system/tandemd.service"
else
	echo "skip systemd-analyze verify (systemd-analyze is not installed)"
fi

# ---- a database and the installed tandemd from its config file alone ----
C=$("$SRC/scripts/pg" start "$W/pg" auto)
mkdir -p "$W/etc"
head -c 32 /dev/urandom | base64 >"$W/etc/hmac.key"
cat >"$W/etc/tandemd.conf" <<EOF
; written by install_test.sh
[tandemd]
listen = ipc://$W/td.sock
db = $C
migrate = true
workers = 2
hmac-key-file = hmac.key
quiet = yes
EOF
env -i "$P/bin/tandemd" --config "$W/etc/tandemd.conf" >"$W/td.log" 2>&1 &
TD=$!
for _ in $(seq 100); do grep -q "msg=started" "$W/td.log" && break; kill -0 "$TD" 2>/dev/null || break; sleep 0.1; done
check "installed tandemd started from the file alone" grep -q "listen=ipc://$W/td.sock.*config=$W/etc/tandemd.conf" "$W/td.log"

# ---- a C program against the installed tandem.pc ----
export PKG_CONFIG_PATH="$P/$lib/pkgconfig"
check "pkg-config --cflags --libs tandem" pkg-config --cflags --libs tandem
cflags=$(pkg-config --cflags tandem)
# A sanitizer build's libtandem needs the sanitizer's runtime in the program.
[ -n "${TD_TEST_SANITIZER:-}" ] && cflags="$cflags -fsanitize=$TD_TEST_SANITIZER"
check "cc against the shared libtandem" cc -std=c11 -Wall -Werror -o "$W/check" "$SRC/tests/ops/client_check.c" \
	$cflags $(pkg-config --libs tandem) -lnng -lpthread -Wl,-rpath,"$P/$lib"
check "...it calls Health and the protocol checks hold" "$W/check" "ipc://$W/td.sock" "ipc://$W/other.sock"
check "...linked to the installed libtandem.so" sh -c "ldd '$W/check' | grep -q '$P/$lib/libtandem.so'"
nm -D --defined-only "$P/$lib/libtandem.so" | awk 'NF == 3 { print $3 }' >"$W/exports"
check "libtandem.so exports td_version" grep -qx td_version "$W/exports"
check "...and the generated code its headers declare" grep -qx tandem__v1__health_check_request__descriptor "$W/exports"
check "...and nothing but td_ and tandem__ symbols (no common_*)" sh -c "! grep -vE '^(td_|tandem__)' '$W/exports'"
check "cc against the static libtandem (pkg-config --static)" cc -std=c11 -Wall -Werror -o "$W/check-static" \
	"$SRC/tests/ops/client_check.c" $cflags "$P/$lib/libtandem.a" \
	$(pkg-config --static --libs-only-l tandem | sed 's/-ltandem//') -lnng -lpthread
check "...and it works too" "$W/check-static" "ipc://$W/td.sock" "ipc://$W/other2.sock"

# ---- precedence: command line > file > environment ----
kill "$TD"; wait "$TD" || true; TD=
printf 'listen = ipc://%s/file.sock\ndb = %s\nquiet = true\n' "$W" "$C" >"$W/prec.conf"
start_and_stop() { # start_and_stop ARGS...: run tandemd until it logs started
	# Empty the log first: the child truncates it only once it runs, and
	# the loop below must not read the last run's "started" before that.
	: >"$W/prec.log"
	"$P/bin/tandemd" "$@" >>"$W/prec.log" 2>&1 &
	local pid=$!
	for _ in $(seq 300); do grep -q "msg=started" "$W/prec.log" && break; kill -0 $pid 2>/dev/null || break; sleep 0.1; done
	kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true
	cat "$W/prec.log"
}
check "the file wins over the environment" sh -c "$(declare -f start_and_stop); W='$W' P='$P'; \
	TANDEM_LISTEN=ipc://$W/env.sock start_and_stop --config $W/prec.conf | grep -q 'listen=ipc://$W/file.sock config'"
check "the command line wins over the file" sh -c "$(declare -f start_and_stop); W='$W' P='$P'; \
	TANDEM_LISTEN=ipc://$W/env.sock start_and_stop --config $W/prec.conf --listen ipc://$W/args.sock | grep -q 'listen=ipc://$W/args.sock config'"
check "the environment is used when the file is silent" sh -c "$(declare -f start_and_stop); W='$W' P='$P'; \
	printf 'db = %s\n' '$C' >$W/silent.conf; TANDEM_LISTEN=ipc://$W/env.sock start_and_stop --config $W/silent.conf >$W/silent.log; \
	grep -q 'listen=ipc://$W/env.sock' $W/silent.log || { cat $W/silent.log; false; }"

# ---- bad files name file, line and key ----
printf '; comment\nlisten = ipc://%s/x.sock\nworkers = many\n' "$W" >"$W/bad1.conf"
refuses "a bad value names file, line and key" "^tandemd: $W/bad1.conf:3: key 'workers': must be a whole number" \
	"$P/bin/tandemd" --config "$W/bad1.conf"
printf 'listen = ipc://%s/x.sock\nlisten-on = x\n' "$W" >"$W/bad2.conf"
refuses "an unknown key names file, line and key" "^tandemd: $W/bad2.conf:2: unknown key 'listen-on'" \
	"$P/bin/tandemd" --config "$W/bad2.conf"
printf 'quiet = maybe\n' >"$W/bad3.conf"
refuses "a bad flag names file, line and key" "$W/bad3.conf:1: key 'quiet': must be true or false" \
	"$P/bin/tandemd" --config "$W/bad3.conf"
refuses "a missing --config file is an error" "cannot open config file $W/none.conf" \
	"$P/bin/tandemd" --config "$W/none.conf"

# ---- the CLI's config file: server, token file, TLS CA ----
"$P/bin/tandemd" --config "$W/prec.conf" --migrate >"$W/td.log" 2>&1 &
TD=$!
for _ in $(seq 100); do grep -q "msg=started" "$W/td.log" && break; sleep 0.1; done
"$P/bin/tandemd" --db "$C" --bootstrap-admin install >"$W/token" 2>"$W/boot.log" || bad "bootstrap admin" "$W/boot.log"
mkdir -p "$W/xdg/tandem"
printf 'server = ipc://%s/file.sock\ntoken-file = ../../token\n' "$W" >"$W/xdg/tandem/config"
check "tandem reads ~/.config/tandem/config (server, token-file)" env -u TANDEM_SERVER -u TANDEM_TOKEN \
	XDG_CONFIG_HOME="$W/xdg" "$P/bin/tandem" admin client list
has "...the token from token-file reached the server" "install" "$W/out"
check "TANDEM_SERVER wins over the file" sh -c "! env XDG_CONFIG_HOME='$W/xdg' TANDEM_SERVER=ipc://$W/nobody.sock \
	'$P/bin/tandem' --timeout 1 health"
printf 'server = ipc://%s/file.sock\ncolour = blue\n' "$W" >"$W/xdg/tandem/config"
refuses "a bad key in the CLI's file names file, line and key" "$W/xdg/tandem/config:2: unknown key 'colour'" \
	env XDG_CONFIG_HOME="$W/xdg" "$P/bin/tandem" health

echo "$pass passed, $fail failed"
[ $fail = 0 ]
