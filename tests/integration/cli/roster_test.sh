#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# OneRoster imports through the CLI and a real tandemd, checked against
# what PostgreSQL then holds: 1.1 and 1.2 bulk exports with the features
# real ones have (parent-less schools, shared identifiers, disabled users,
# teachers at several schools, role case, district staff, students and
# guardians), 1.1 and 1.2 deltas (add, change, tobedeleted), re-imports
# that change nothing, and failing sets that store nothing.
set -euo pipefail
BIN=$TD_TEST_BIN_DIR
SRC=$TD_TEST_SOURCE_DIR
FX=$SRC/tests/fixtures/roster
W=$(mktemp -d /tmp/tdtest-roster-XXXXXX)
chmod 755 "$W"
URL="ipc://$W/td.sock"
TD=
pass=0
fail=0
cleanup() {
	[ -n "$TD" ] && kill "$TD" 2>/dev/null && wait "$TD" 2>/dev/null || true
	"$SRC/scripts/pg" stop "$W/pg" immediate >/dev/null 2>&1 || true
	[ -n "${KEEP:-}" ] || rm -rf "$W"
}
trap cleanup EXIT
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
run() { # run NAME COMMAND...: must succeed; output in $W/out, $W/err
	local name=$1; shift
	if "$@" >"$W/out" 2>"$W/err"; then ok; else bad "$name"; tail -8 "$W/err"; fi
}
refused() { # refused NAME COMMAND...: must fail
	local name=$1; shift
	if "$@" >"$W/out" 2>"$W/err"; then bad "$name (accepted)"; else ok; fi
}
eq() { # eq NAME EXPECTED ACTUAL
	if [ "$2" = "$3" ]; then ok; else bad "$1"; echo "  want: $2"; echo "  got:  $3"; fi
}
has() { # has NAME PATTERN FILE
	if grep -q -- "$2" "$3"; then ok; else bad "$1 (no '$2' in $(basename "$3"))"; head -20 "$3"; fi
}
C=$("$SRC/scripts/pg" start "$W/pg" auto)
[ -n "$C" ] || { echo "FAIL: no PostgreSQL"; exit 1; }
sql() { psql "$C" -qtAc "$1"; }
TANDEM_HMAC_KEY=roster-test-key-0123456789abcdef012345 "$BIN/tandemd" --db "$C" --listen "$URL" --migrate --quiet >"$W/td.log" 2>&1 &
TD=$!
for _ in $(seq 100); do "$BIN/tandem" --server "$URL" health >/dev/null 2>&1 && break; sleep 0.1; done
export TANDEM_TOKEN
TANDEM_TOKEN=$("$BIN/tandemd" --db "$C" --bootstrap-admin roster 2>/dev/null)
T() { "$BIN/tandem" --server "$URL" "$@"; }

# What the registry holds, one line per row, in a stable order.
districts() { sql "SELECT string_agg(code || ':' || coalesce(sourced_id, '-') || ':' || active || ':' || implied, ' ' ORDER BY code COLLATE \"C\") FROM districts"; }
schools() { sql "SELECT string_agg(s.code || ':' || d.code || ':' || s.active, ' ' ORDER BY s.code COLLATE \"C\") FROM schools s JOIN districts d ON d.id = s.district_id WHERE s.code $1"; }
educators() { sql "SELECT string_agg(e.code || ':' || coalesce(s.code, '-') || ':' || e.role || ':' || e.active, ' ' ORDER BY e.code COLLATE \"C\") FROM educators e LEFT JOIN schools s ON s.id = e.school_id WHERE e.code $1"; }
members() { sql "SELECT string_agg(coalesce(s.code, 'district ' || d.code) || ':' || m.role || ':' || m.active, ' ' ORDER BY coalesce(s.code, d.code) COLLATE \"C\") FROM educator_memberships m JOIN educators e ON e.id = m.educator_id LEFT JOIN schools s ON s.id = m.school_id LEFT JOIN districts d ON d.id = m.district_id WHERE e.code = '$1'"; }
snapshot() { sql "SELECT md5(string_agg(x, '|' ORDER BY x)) FROM (SELECT format('%s', (code, name, sourced_id, active, implied)) AS x FROM districts UNION ALL SELECT format('%s', (code, name, sourced_id, active, district_id, frl_rate)) FROM schools UNION ALL SELECT format('%s', (code, name, sourced_id, active, school_id, role)) FROM educators UNION ALL SELECT format('%s', (educator_id, school_id, district_id, role, active, sourced_id)) FROM educator_memberships) t"; }
# The summary's row for KIND (csv): created,updated,unchanged,deactivated,skipped
counts() { grep "^[a-z.]*,$1," "$W/out" | cut -d, -f3-7; }

# ---- 1.1 bulk, into a registry that already has a district and a school
# defined from CSV (the import adopts them by code and keeps the context).
printf 'district,name\nMESA,Mesa (from CSV)\n' >"$W/d.csv"
printf 'district,school,name,frl_rate,enrollment,locale,grades\nMESA,MESA-EL,Mesa El,0.42,310,rural,K-5\n' >"$W/s.csv"
run "define a district and a school" T define districts "$W/d.csv"
run "..." T define schools "$W/s.csv"
run "import 1.1 bulk" T --format csv import oneroster "$FX/v11_bulk"
cp "$W/out" "$W/v11.out"; cp "$W/err" "$W/v11.err"
eq "districts: adopted by code, sourcedId as code without identifier, an implied one for the parent-less school" \
	"MESA:d-mesa:true:false d-ridge:d-ridge:true:false implied-PINE:-:true:true" "$(districts)"
eq "district name from the export" "Mesa Valley Schools" "$(sql "SELECT name FROM districts WHERE code = 'MESA'")"
eq "schools: shared identifier NORTH falls back to sourcedIds; a school under a local org finds its district" \
	"MESA-EL:MESA:true MESA-MS:MESA:true PINE:implied-PINE:true s-mesa-north:MESA:true s-ridge-north:d-ridge:true" "$(schools "IS NOT NULL")"
eq "the adopted school keeps its CSV context" "0.42:310" "$(sql "SELECT frl_rate || ':' || enrollment FROM schools WHERE code = 'MESA-EL'")"
eq "educators: roles mapped (any case), disabled kept inactive, district staff without a school, shared T100 falls back" \
	"A200:MESA-EL:school_administrator:true A201:-:district_administrator:true T101:MESA-EL:teacher:true T102:MESA-MS:teacher:true T103:MESA-MS:teacher:false T104:-:teacher:true X300:PINE:aide:true u-ana:MESA-EL:teacher:true u-ivy:PINE:teacher:true" \
	"$(educators "IS NOT NULL")"
eq "a teacher at three schools (two districts) serves all three" \
	"MESA-EL:teacher:true MESA-MS:teacher:true s-ridge-north:teacher:true" "$(members T101)"
eq "a school teacher listing her district too serves the school only" "MESA-MS:teacher:true" "$(members T102)"
eq "a district administrator serves the district" "district MESA:district_administrator:true" "$(members A201)"
eq "a teacher at district level" "district d-ridge:teacher:true" "$(members T104)"
eq "no students, guardians, proctors or department-only users" "0" "$(sql "SELECT count(*) FROM educators WHERE sourced_id IN ('u-jo','u-kim','u-lee','u-max','u-ned','u-oli')")"
has "note: parent-less school at its line and column" "orgs.csv:10:7: note: parentSourcedId is empty: school 'PINE' is attached to an implied district 'implied-PINE'; pass --district CODE" "$W/v11.err"
has "note: shared identifier" "orgs.csv:7:6: note: identifier 'NORTH' is shared with another school" "$W/v11.err"
has "note: shared educator identifier" "users.csv:2:12: note: identifier 'T100' is shared" "$W/v11.err"
has "skipped: a proctor, at its line and column" "users.csv:15:6: skipped: role 'proctor' is not one of the staff roles" "$W/v11.err"
has "skipped: a user in a department only" "users.csv:16:5: skipped: org 'dept-sci' is a department" "$W/v11.err"
eq "summary: districts (MESA adopted: updated)" "2,1,0,0,0" "$(counts districts)"
eq "summary: educators (one skipped without a school, one proctor)" "9,0,0,0,2" "$(counts educators)"
eq "summary: students apart" "0,0,0,0,2" "$(counts students)"
eq "summary: guardians apart" "0,0,0,0,2" "$(counts guardians)"
has "summary: other orgs by type" "state 1, local 1, department 1" "$W/v11.out"

before=$(snapshot)
run "import 1.1 bulk again" T --format csv import oneroster "$FX/v11_bulk"
eq "re-import changes nothing" "$before" "$(snapshot)"
eq "...and says so: educators" "0,0,9,0,2" "$(counts educators)"
eq "...memberships" "0,0,$(sql "SELECT count(*) FROM educator_memberships m JOIN educators e ON e.id = m.educator_id WHERE e.sourced_id IS NOT NULL"),0,1" "$(counts memberships)"

run "list educators at a school" T --format csv list educators --school MESA-MS
has "...the itinerant teacher with every school" "^T101,Ben Okafor,yes,MESA-EL,u-ben,MESA-MS,MESA,teacher,yes" "$W/out"
has "...and her other school" "^T101,.*,s-ridge-north,d-ridge,teacher,yes" "$W/out"
if grep -q "^T103," "$W/out"; then bad "inactive educator listed without --all"; else ok; fi
run "list educators --all" T --format csv list educators --school MESA-MS --all
has "...inactive too" "^T103,Dev Patel,no" "$W/out"
run "list districts" T --format json list districts
has "...implied flag in JSON" '"implied": *true' "$W/out"

# Educators are personnel data: a school client lists its own school's.
run "a school client for MESA-MS" T admin client create --name "Mesa Middle office" --role school --school MESA-MS
ST=$(tail -1 "$W/err")
run "it lists educators" env TANDEM_TOKEN="$ST" "$BIN/tandem" --server "$URL" --format csv list educators
eq "...only those serving MESA-MS" "T101 T102" "$(cut -d, -f1 "$W/out" | grep -v '^educator$' | sort -u | tr '\n' ' ' | sed 's/ $//')"
refused "...not another school's" env TANDEM_TOKEN="$ST" "$BIN/tandem" --server "$URL" list educators --school MESA-EL
has "...PERMISSION_DENIED" "PERMISSION_DENIED" "$W/err"

# A role OneRoster cannot say (coach), set with define educators, survives
# a re-import that says teacher.
printf 'educator,school,name,role\nT101,MESA-EL,Ben Okafor,coach\n' >"$W/e.csv"
run "define a finer role" T define educators "$W/e.csv"
before=$(snapshot)
run "import 1.1 bulk once more" T import oneroster "$FX/v11_bulk"
eq "a re-import keeps the finer role" "$before" "$(snapshot)"
eq "...coach at MESA-EL, teacher at the others" "MESA-EL:coach:true MESA-MS:teacher:true s-ridge-north:teacher:true" "$(members T101)"

# ---- 1.1 delta: a new school, a deleted school, a teacher moving, a name
# change, a deleted and a disabled user, a new user, unknown deletions.
run "import 1.1 delta" T --format csv import oneroster "$FX/v11_delta"
cp "$W/err" "$W/d11.err"
eq "delta schools" "MESA-WEST:MESA:true s-mesa-north:MESA:false" "$(schools "IN ('MESA-WEST', 's-mesa-north')")"
eq "the itinerant teacher's memberships follow the row" \
	"MESA-EL:coach:true MESA-MS:teacher:false MESA-WEST:teacher:true s-ridge-north:teacher:false" "$(members T101)"
eq "changed name" "Ana Ruiz-Soto" "$(sql "SELECT name FROM educators WHERE code = 'u-ana'")"
eq "tobedeleted, enabledUser=false and status inactive: inactive, kept" "A200:MESA-EL:school_administrator:false T102:MESA-MS:teacher:false T106:MESA-WEST:teacher:true X300:PINE:aide:false" "$(educators "IN ('A200', 'T102', 'T106', 'X300')")"
has "deleting what was never stored is explained" "users.csv:7:2: skipped: user 'u-zed' is to be deleted but was never stored" "$W/d11.err"
before=$(snapshot)
run "the same delta again" T import oneroster "$FX/v11_delta"
eq "a re-applied delta changes nothing" "$before" "$(snapshot)"

# ---- a parent-less school with --district
run "import with --district" T import oneroster --district MESA "$FX/orphan"
eq "parent-less school in the named district" "ORPHAN:MESA:true" "$(schools "= 'ORPHAN'")"

# ---- 1.2 bulk with roles.csv (and userProfiles.csv, ignored)
run "import 1.2 bulk" T --format csv import oneroster "$FX/v12_bulk"
cp "$W/out" "$W/v12.out"; cp "$W/err" "$W/v12.err"
eq "1.2 schools" "LAKE-EL:LAKE:true LAKE-HS:LAKE:true" "$(schools "LIKE 'LAKE-%'")"
eq "1.2 educators: principal, siteAdministrator, districtAdministrator, Counselor; primaryOrgSourcedId; disabled" \
	"L100:LAKE-HS:teacher:true L101:LAKE-EL:teacher:false L200:LAKE-EL:principal:true L201:LAKE-HS:school_administrator:true L202:-:district_administrator:true L300:LAKE-HS:counselor:true" \
	"$(educators "LIKE 'L%'")"
eq "a teacher with roles at two schools; a second role at one is noted" "LAKE-EL:teacher:true LAKE-HS:teacher:true" "$(members L100)"
has "...the note" "roles.csv:5:6: skipped: a second role (aide) at the same org as teacher" "$W/v12.err"
eq "a role whose endDate passed gives no active membership" "LAKE-HS:counselor:true" "$(members L300)"
has "...and a note at its column" "roles.csv:9:8: note: role ended on 2025-06-30" "$W/v12.err"
has "userProfiles.csv ignored with a note" "userProfiles.csv is not read" "$W/v12.err"
has "a user with no role is explained" "users.csv:9: skipped: user 'u12-wes' has no role in roles.csv" "$W/v12.err"
eq "1.2 summary: students" "0,0,0,0,1" "$(counts students)"
eq "1.2 summary: guardians" "0,0,0,0,1" "$(counts guardians)"
before=$(snapshot)
run "import 1.2 bulk again" T import oneroster "$FX/v12_bulk"
eq "1.2 re-import changes nothing" "$before" "$(snapshot)"

# ---- 1.2 delta: a role deleted by its sourcedId, a role added for a user
# the delta does not carry, a new user, a deleted user.
run "import 1.2 delta" T import oneroster "$FX/v12_delta"
eq "deleted role: membership inactive, primary school moves" "LAKE-EL:teacher:true LAKE-HS:teacher:false" "$(members L100)"
eq "...primary" "L100:LAKE-EL:teacher:true" "$(educators "= 'L100'")"
eq "added role for a stored user" "LAKE-EL:principal:true LAKE-HS:teacher:true" "$(members L200)"
eq "new and deleted users" "L102:LAKE-EL:teacher:true L201:LAKE-HS:school_administrator:false" "$(educators "IN ('L102', 'L201')")"
before=$(snapshot)
run "the same 1.2 delta again" T import oneroster "$FX/v12_delta"
eq "a re-applied 1.2 delta changes nothing" "$before" "$(snapshot)"

# ---- failing sets store nothing
before=$(snapshot)
refused "bad values in the middle of users.csv" T import oneroster "$FX/bad_local"
has "...enabledUser at its line and column" "users.csv:3:4: enabledUser 'maybe' is neither true nor false" "$W/err"
has "...status at its line and column" "users.csv:4:2: status 'deleted' is neither active nor tobedeleted" "$W/err"
eq "...nothing stored (orgs.csv was fine)" "$before" "$(snapshot)"
refused "a role for a user nobody knows" T import oneroster "$FX/bad_server"
has "...named at roles.csv's line and column" "roles.csv:3:4: user 'u-ghost' is neither in users.csv nor in the registry" "$W/err"
has "...nothing stored" "nothing was stored" "$W/err"
eq "...not the new school, not the new user" "$before" "$(snapshot)"
run "a dry run that would move a school" T --format csv import oneroster --dry-run --district LAKE "$FX/orphan"
eq "...counts the change" "0,1,0,0,0" "$(counts schools)"
eq "...and stores nothing" "$before" "$(snapshot)"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
