#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The CLI against a real tandemd: OneRoster import of a small real-shaped
# folder, every define and submit kind from tests/fixtures, a re-run that
# stores nothing new, a dry run that stores nothing, errors mapped back to
# FILE:LINE, a correction, and the admin commands.
set -euo pipefail
BIN=$TD_TEST_BIN_DIR
SRC=$TD_TEST_SOURCE_DIR
FX=$SRC/tests/fixtures
W=$(mktemp -d /tmp/tdtest-cli-XXXXXX)
chmod 755 "$W"
URL="ipc://$W/td.sock"
TD=
pass=0
fail=0
cleanup() {
	[ -n "$TD" ] && kill "$TD" 2>/dev/null && wait "$TD" 2>/dev/null || true
	"$SRC/scripts/pg" stop "$W/pg" immediate >/dev/null 2>&1 || true
	rm -rf "$W"
}
trap cleanup EXIT
check() { # check NAME COMMAND...: the command must succeed; its output
	# is kept in $W/out and $W/err
	local name=$1; shift
	if "$@" >"$W/c.out" 2>"$W/c.err"; then pass=$((pass + 1)); else
		fail=$((fail + 1)); echo "FAIL: $name"; tail -5 "$W/c.err"; fi
	cp "$W/c.out" "$W/out"; cp "$W/c.err" "$W/err"
}
has() { # has NAME PATTERN FILE: grep -q, without touching the files
	if grep -qi -- "$2" "$3"; then pass=$((pass + 1)); else
		fail=$((fail + 1)); echo "FAIL: $1 (no '$2' in $(basename "$3"))"; head -5 "$3"; fi
}
C=$("$SRC/scripts/pg" start "$W/pg" auto)
sql() { psql "$C" -qtAc "$1"; }
TANDEM_HMAC_KEY=cli-test-key-0123456789abcdef0123456789 "$BIN/tandemd" --db "$C" --listen "$URL" --migrate --quiet --horizon-days 36600 >"$W/td.log" 2>&1 &
TD=$!
for _ in $(seq 100); do "$BIN/tandem" --server "$URL" health >/dev/null 2>&1 && break; sleep 0.1; done
export TANDEM_TOKEN
TANDEM_TOKEN=$("$BIN/tandemd" --db "$C" --bootstrap-admin cli 2>/dev/null)
T() { "$BIN/tandem" --server "$URL" "$@"; }

check "import oneroster" T import oneroster "$FX/oneroster"
check "districts from orgs.csv (D2 by its sourcedId)" test "$(sql "SELECT string_agg(code, ',' ORDER BY code) FROM districts")" = "D1,org-d2"
check "schools under their districts" test "$(sql "SELECT count(*) FROM schools s JOIN districts d ON d.id = s.district_id")" -ge 3
check "teachers and administrators, students skipped" test "$(sql "SELECT count(*) FROM educators WHERE name LIKE '%Student%'")" -eq 0
check "import again changes nothing" T import oneroster "$FX/oneroster"
has "...says unchanged" "unchanged" "$W/out"

for k in districts schools educators measures activities price-index; do
	f=$FX/${k/-/_}.csv
	check "define $k" T define "$k" "$f"
done
check "define survey" T define survey --code climate "$FX/survey_climate.csv"
check "define rubric" T define rubric --code practice "$FX/rubric_practice.csv"

check "submit surveys" T submit surveys --survey climate "$FX/responses_climate.csv"
n=$(sql "SELECT count(*) FROM survey_responses")
check "submit surveys again stores nothing new" T submit surveys --survey climate "$FX/responses_climate.csv"
check "...replayed" test "$(sql "SELECT count(*) FROM survey_responses")" -eq "$n"
check "submit feedback with annotations" T submit feedback "$FX/observations.csv" --annotations "$FX/annotations.csv"
check "annotations stored" test "$(sql "SELECT count(*) FROM annotations")" -gt 0
for k in outcomes costs participation administrations; do
	check "submit $k" T submit "$k" "$FX/$k.csv"
done
M=$(head -2 "$FX/measures.csv" | tail -1 | cut -d, -f1)
printf 'school,measure,period_start,period_end,value,n,subgroup\nS101,%s,2031-01-01,2031-01-31,1,50,\n' "$M" >"$W/new.csv"
o=$(sql "SELECT count(*) FROM outcomes")
check "dry run of new outcomes" T submit outcomes --dry-run "$W/new.csv"
check "...stores nothing" test "$(sql "SELECT count(*) FROM outcomes")" -eq "$o"
check "the same for real" T submit outcomes "$W/new.csv"
check "...stores it" test "$(sql "SELECT count(*) FROM outcomes")" -eq $((o + 1))

# Local errors name FILE:LINE and send nothing.
if T submit surveys --survey climate "$FX/responses_bad.csv" >"$W/out" 2>"$W/err"; then
	fail=$((fail + 1)); echo "FAIL: bad responses accepted"
else pass=$((pass + 1)); fi
has "bad value 3.5 at line 3" "responses_bad.csv:3:.*3.5" "$W/err"
has "bad value 'five' at line 4" "responses_bad.csv:4:.*five" "$W/err"
if T submit outcomes "$FX/outcomes_no_period_end.csv" >"$W/out" 2>"$W/err"; then
	fail=$((fail + 1)); echo "FAIL: missing column accepted"
else pass=$((pass + 1)); fi
has "missing column named" "period_end" "$W/err"

# A server-side error comes back at its line: an unknown school on line 3.
printf 'school,measure,period_start,period_end,value,n,subgroup\nS101,%s,2030-01-01,2030-01-31,1,50,\nS999,%s,2030-01-01,2030-01-31,1,50,\n' "$M" "$M" >"$W/unknown.csv"
if T submit outcomes "$W/unknown.csv" >"$W/out" 2>"$W/err"; then
	fail=$((fail + 1)); echo "FAIL: unknown school accepted"
else pass=$((pass + 1)); fi
has "server error mapped to unknown.csv:3" "unknown.csv:3:.*S999" "$W/err"

# Two batches in flight: batch 2 of 3 fails (unknown school S150); batch 3
# was already sent and is stored, and the CLI says so; a rerun replays 1
# and 3. (The schools are in code order, so grouping keeps the file order.)
printf 'school,measure,period_start,period_end,value,n,subgroup\nS101,%s,2032-01-01,2032-01-31,1,50,\nS150,%s,2032-02-01,2032-02-28,1,50,\nS201,%s,2032-03-01,2032-03-31,1,50,\n' "$M" "$M" "$M" >"$W/mid.csv"
if T submit outcomes --batch-size 1 "$W/mid.csv" >"$W/out" 2>"$W/err"; then
	fail=$((fail + 1)); echo "FAIL: batch with an unknown school accepted"
else pass=$((pass + 1)); fi
has "failed batch named" "batch 2 of 3 (lines 3-3) failed" "$W/err"
has "batch sent after it reported" "lines 4-4, sent before that failure was known, were stored" "$W/err"
check "...batches 1 and 3 stored, 2 not" test "$(sql "SELECT string_agg(to_char(period_start, 'MM'), ',' ORDER BY period_start) FROM outcomes WHERE period_start >= '2032-01-01'")" = "01,03"

# Records go grouped by school, each school's in file order: S101 (line 4)
# goes first, S999 (line 3) last; batch 2 holds lines 5 and 3, fails
# whole, and the message names both.
printf 'school,measure,period_start,period_end,value,n,subgroup\nS201,%s,2033-01-01,2033-01-31,1,50,\nS999,%s,2033-02-01,2033-02-28,1,50,\nS101,%s,2033-03-01,2033-03-31,1,50,\nS201,%s,2033-04-01,2033-04-30,1,50,\n' "$M" "$M" "$M" "$M" >"$W/mixed.csv"
if T submit outcomes --batch-size 2 "$W/mixed.csv" >"$W/out" 2>"$W/err"; then
	fail=$((fail + 1)); echo "FAIL: mixed file with an unknown school accepted"
else pass=$((pass + 1)); fi
has "grouped batch named by its lines" "batch 2 of 2 (2 records of lines 3-5, grouped by school) failed" "$W/err"
check "...batch 1 (lines 4 and 2) stored, batch 2 not" test "$(sql "SELECT string_agg(to_char(period_start, 'MM'), ',' ORDER BY period_start) FROM outcomes WHERE period_start >= '2033-01-01'")" = "01,03"

# A changed record needs --correction; then it replaces the old one.
awk -F, 'BEGIN { OFS = "," } NR == 2 { $5 = $5 + 1 } { print }' "$FX/outcomes.csv" >"$W/changed.csv"
if T submit outcomes "$W/changed.csv" >"$W/out" 2>"$W/err"; then
	fail=$((fail + 1)); echo "FAIL: changed record accepted without --correction"
else pass=$((pass + 1)); fi
has "ALREADY_EXISTS says correction" "correction" "$W/err"
check "correction accepted" T submit outcomes --correction "$W/changed.csv"
check "...and counted" test "$(sql "SELECT sum(corrected) FROM submissions")" -ge 1

# A define over the 4 MiB request limit goes in parts, one call each:
# every record stored, the counts summed; run again, all unchanged. When a
# later part fails, the parts before it stay and the message says so, with
# the failing record's own line.
PAD=$(printf '%0150d' 0)
awk -v pad="$PAD" 'BEGIN { print "district,school,name"; for (i = 1; i <= 30000; i++) printf "D1,BIG%05d,%s %d\n", i, pad, i }' >"$W/big.csv"
check "define 30,000 schools (5 MB)" T --format csv define schools "$W/big.csv"
has "...counts summed over the parts" ",30000,0,30000,0,0," "$W/out"
check "...every one stored" test "$(sql "SELECT count(*) FROM schools WHERE code LIKE 'BIG%'")" = 30000
check "define them again" T --format csv define schools "$W/big.csv"
has "...all unchanged" ",30000,0,0,0,30000," "$W/out"
awk -v pad="$PAD" 'BEGIN { print "district,school,name,locale"; for (i = 1; i <= 30000; i++) printf "D1,BAD%05d,%s %d,%s\n", i, pad, i, (i == 30000 ? "lunar" : "rural") }' >"$W/bad.csv"
if T define schools "$W/bad.csv" >"$W/out" 2>"$W/err"; then
	fail=$((fail + 1)); echo "FAIL: a part with an unknown locale accepted"
else pass=$((pass + 1)); fi
has "...the failing record's own line" "bad.csv:30001" "$W/err"
has "...what stayed defined" "the records before line [0-9]* were defined; nothing from line [0-9]* on" "$W/err"
first=$(sed -n 's/.*the records before line \([0-9]*\) were defined.*/\1/p' "$W/err")
check "...exactly the parts before it stored" test "$(sql "SELECT count(*) FROM schools WHERE code LIKE 'BAD%'")" = "$((${first:-0} - 2))"
check "...some, not none" test "${first:-0}" -gt 2

check "admin client create" T admin client create --name "S101 data manager" --role school --school S101
check "admin client list" T admin client list
has "...lists it" "S101 data manager" "$W/out"
check "admin audit" T admin audit --limit 5
check "analyze on the fixtures" "$BIN/tandem" --server "$URL" --format json analyze reliability --survey climate

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
