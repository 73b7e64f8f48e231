#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tandem report in a real browser: loads the sample network into a real
# tandemd, writes the report as council, admin and one school, and checks
# with Debian's headless chromium that
#  - it renders to PNG and to PDF;
#  - its DOM (--dump-dom) has the six sections in order, school names, and
#    numbers equal to the CLI's JSON for the same calls (report_check.py);
#  - no element overflows its box at 1280 px, nor at A4's printable width
#    (688 px: 210 mm less 14 mm margins each side), nor at Letter's (710 px)
#    — measured by a script in a test-only copy of the page (the real page
#    has no script, and its CSP would refuse one), with every <details>
#    opened so the number tables are laid out too;
#  - the page asks for nothing over the network: no URL in the HTML, a CSP
#    of default-src 'none', and chromium's net log shows no request.
# Skips (77) only when chromium is not installed.
set -euo pipefail
BIN=$TD_TEST_BIN_DIR
SRC=$TD_TEST_SOURCE_DIR
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHROMIUM" ]; then
	echo "SKIP: chromium is not installed (scripts/deps installs it)"
	exit 77
fi
W=$(mktemp -d /tmp/tdtest-report-XXXXXX)
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
no() { fail=$((fail + 1)); echo "FAIL: $*"; }
check() { # check NAME COMMAND...
	local name=$1; shift
	if "$@" >"$W/c.out" 2>"$W/c.err"; then ok; else no "$name"; tail -n 20 "$W/c.out" "$W/c.err"; fi
}

C=$("$SRC/scripts/pg" start "$W/pg" auto)
# min_n 200: the smaller schools' monthly values are small cells, so the
# council's report must show them suppressed (admin's shows them).
TANDEM_HMAC_KEY=report-test-key-report-test-key-0 "$BIN/tandemd" --db "$C" \
	--listen "$URL" --migrate --quiet --min-n 200 >"$W/td.log" 2>&1 &
TD=$!
for _ in $(seq 100); do "$BIN/tandem" --server "$URL" health >/dev/null 2>&1 && break; sleep 0.1; done
ADMIN=$("$BIN/tandemd" --db "$C" --bootstrap-admin report 2>/dev/null)
T() { TANDEM_TOKEN=$ADMIN "$BIN/tandem" --server "$URL" "$@"; }

# The sample network, as scripts/demo loads it.
S=$W/sample
T sample --seed 1 --schools 40 --years 3 "$S" >/dev/null
T define districts "$S/districts.csv" >/dev/null
T define schools "$S/schools.csv" >/dev/null
T define educators "$S/educators.csv" >/dev/null
T define measures "$S/measures.csv" >/dev/null
T define survey --code climate --name "Student climate" "$S/survey_climate.csv" >/dev/null
T define survey --code teacher --name "Teacher collaboration" "$S/survey_teacher.csv" >/dev/null
T define rubric --code practice --name "Classroom practice" "$S/rubric_practice.csv" >/dev/null
T define activities "$S/activities.csv" >/dev/null
T define price-index "$S/price_index.csv" >/dev/null
for k in outcomes participation costs administrations; do T submit "$k" "$S/$k.csv" >/dev/null; done
T submit surveys --survey climate "$S/responses_climate.csv" >/dev/null
T submit surveys --survey teacher "$S/responses_teacher.csv" >/dev/null
T submit feedback "$S/observations.csv" --annotations "$S/annotations.csv" >/dev/null
T submit pdsa "$S/pdsa.csv" >/dev/null

COUNCIL=$(T admin client create --name council --role council 2>&1 | grep -o 'td_[0-9a-f]*' | head -1)
SCHOOL=$(T admin client create --name s001 --role school --school S001 2>&1 | grep -o 'td_[0-9a-f]*' | head -1)
AS() { local tok=$1; shift; TANDEM_TOKEN=$tok "$BIN/tandem" --server "$URL" "$@"; }

MEASURES="attendance,ela_scale"
ROI="--pre 2023-08-01..2024-07-31 --post 2024-08-01..2026-07-31"
# shellcheck disable=SC2086
check "report as council" AS "$COUNCIL" report --measures $MEASURES --roi-measure ela_scale $ROI --out "$W/council.html"
# shellcheck disable=SC2086
check "report as admin" AS "$ADMIN" report --measures $MEASURES --roi-measure ela_scale $ROI --out "$W/admin.html"
check "report as school S001" AS "$SCHOOL" report --school S001 --measures $MEASURES --out "$W/school.html"
check "report of one district" AS "$COUNCIL" report --district D01 --measures attendance --out "$W/district.html"
check "...titled for the district" grep -q '<h1>District report: D01</h1>' "$W/district.html"
check "...only the district's schools" sh -c "! grep -q '>S011<' '$W/district.html'"
check "...a refused analysis is said so" grep -q 'Positive deviance: not available' "$W/district.html"
# --approved-only: two months approved for the network; the report's
# monthly charts show those months only (= the CLI's --approved-only), and
# what has no approved-only mode is left out, saying so.
T approve --measure attendance --period 2024-09 >/dev/null
T approve --measure attendance --period 2024-10 >/dev/null
check "report --approved-only" AS "$COUNCIL" report --approved-only --measures attendance --backfill-before 2027-01-01 --out "$W/approved.html"
check "...says it shows approved data only" grep -q 'id="approved-only"><strong>Approved data only.</strong>' "$W/approved.html"
check "...ROI left out, saying why" grep -q 'left out of an approved-only report: return on investment' "$W/approved.html"
check "...the backfill date is said" grep -q 'periods that ended before 2027-01-01 count as on time' "$W/approved.html"
check "a bad --backfill-before is a usage error" test "$(AS "$COUNCIL" report --backfill-before 2027-13-01 --out x.html >/dev/null 2>&1; echo $?)" = 2
check "report of one year" AS "$COUNCIL" report --period 2024-25 --measures attendance --out "$W/year.html"
check "...deviants of that year" grep -q 'Positive deviants of 2024-25' "$W/year.html"
check "...no month after the year" sh -c "! grep -q 'data-period=\"2025-0[89]' '$W/year.html'"
check "a bad --period is a usage error" test "$(AS "$COUNCIL" report --period 2024 --out x.html >/dev/null 2>&1; echo $?)" = 2
check "an unknown option is a usage error" test "$(AS "$COUNCIL" report --bogus --out x.html >/dev/null 2>&1; echo $?)" = 2
check "--out is required" test "$(AS "$COUNCIL" report >/dev/null 2>&1; echo $?)" = 2

# ---- nothing to fetch: static checks on the file itself ----
for f in council admin school; do
	H=$W/$f.html
	check "$f: CSP default-src 'none'" grep -q "default-src 'none'" "$H"
	check "$f: no URL, link, script or import" \
		sh -c "! grep -Eiq 'https?:|//[a-z0-9]|src=|<link|<script|@import|url\\(' '$H'"
	check "$f: every chart has a title and a description" python3 -c '
import re, sys
page = open(sys.argv[1], encoding="utf-8").read()
charts = page.count("<svg class=\"chart\"")
good = len(re.findall(r"<svg class=\"chart\"[^>]*>\s*<title>[^<]+</title>\s*<desc>[^<]+</desc>", page))
print(charts, "charts,", good, "with a title and a description")
sys.exit(0 if charts > 0 and good == charts else 1)' "$H"
done

# ---- the CLI's JSON for the same calls, as council ----
J() { AS "$COUNCIL" --format json analyze "$@"; }
for m in attendance ela_scale; do
	# the report centres run charts on the first academic year: 10 months
	J run-chart --measure "$m" --network --grain month --baseline 10 >"$W/run-$m.json"
	J mdc --measure "$m" --each-school --grain month >"$W/mdc-$m.json"
	J mdc --measure "$m" --network --grain month >"$W/mdcn-$m.json"
	J positive-deviance --measure "$m" --grain year >"$W/pd-$m.json"
done
for m in attendance ela_scale; do
	J discover --measure "$m" >"$W/discover-$m.json"
done
J isolation >"$W/isolation.json"
check "isolation --svg writes the school network" AS "$COUNCIL" analyze isolation --svg "$W/isolation.svg"
check "...a standalone SVG with a title and a description" python3 -c '
import re, sys, xml.dom.minidom
svg = open(sys.argv[1], encoding="utf-8").read()
xml.dom.minidom.parseString(svg)
sys.exit(0 if re.search(r"<svg [^>]*>\s*<title>Professional isolation[^<]*</title>\s*<desc>[^<]+</desc>", svg) else 1)' "$W/isolation.svg"
J reliability --survey climate >"$W/rel-climate.json"
J completeness --measure attendance >"$W/rates-attendance.json"
J agreement --rubric practice >"$W/agr.json"
# shellcheck disable=SC2086
AS "$ADMIN" --format json analyze roi --measure ela_scale --all $ROI >"$W/roi.json"
AS "$ADMIN" --format json analyze discover --measure ela_scale >"$W/discover-admin.json"

cat >"$W/expect.json" <<EOF
{"sections": ["1. Summary", "2. The network's icon matrix",
  "3. Charts of every shared measure", "4. Learning from the network",
  "5. Instruments and reporting", "6. Return on investment"],
 "names": ["Spruce Park Middle School", "Jefferson Creek Elementary School",
  "Average daily attendance", "Instructional coaching cycles", "Student climate"],
 "tables": [
  {"table": "run", "attrs": {"measure": "attendance"}, "key": "period",
   "json": "$W/run-attendance.json", "json_table": "points", "json_key": "period",
   "fields": {"value": "value", "median": "median"}},
  {"table": "run", "attrs": {"measure": "ela_scale"}, "key": "period",
   "json": "$W/run-ela_scale.json", "json_table": "points", "json_key": "period",
   "fields": {"value": "value", "median": "median"}},
  {"table": "mdc", "attrs": {"measure": "attendance"}, "key": "period",
   "json": "$W/mdcn-attendance.json", "json_table": "points", "json_key": "period",
   "fields": {"value": "value", "mean": "mean", "lpl": "lpl", "upl": "upl"}},
  {"table": "deviance", "attrs": {"measure": "ela_scale"}, "key": "unit",
   "json": "$W/pd-ela_scale.json", "json_table": "units", "json_key": "school",
   "fields": {"actual": "actual", "predicted": "predicted", "shrunken": "shrunken"}},
  {"table": "discover", "attrs": {"measure": "attendance"}, "key": "unit",
   "json": "$W/discover-attendance.json", "json_table": "criteria", "json_key": "criterion",
   "fields": {"deviant_mean": "deviant_mean", "rest_mean": "rest_mean",
              "deviant_n": "deviant_n", "rest_n": "rest_n",
              "difference": "difference", "hedges_g": "hedges_g"}},
  {"table": "discover", "attrs": {"measure": "ela_scale"}, "key": "unit",
   "json": "$W/discover-ela_scale.json", "json_table": "criteria", "json_key": "criterion",
   "fields": {"deviant_mean": "deviant_mean", "rest_mean": "rest_mean",
              "difference": "difference", "hedges_g": "hedges_g"}},
  {"table": "isolation", "key": "unit",
   "json": "$W/isolation.json", "json_table": "schools", "json_key": "node",
   "fields": {"degree": "degree", "ties": "ties", "betweenness": "betweenness"}},
  {"table": "reliability", "attrs": {"survey": "climate"}, "key": "unit",
   "json": "$W/rel-climate.json", "json_table": "constructs", "json_key": "construct",
   "fields": {"alpha": "alpha"}},
  {"table": "agreement", "attrs": {"rubric": "practice"}, "key": "unit",
   "json": "$W/agr.json", "json_table": "criteria", "json_key": "criterion",
   "fields": {"kappa": "kappa_quadratic"}},
  {"table": "rates", "attrs": {"measure": "attendance"}, "key": "unit",
   "json": "$W/rates-attendance.json", "json_table": "reporting_rates", "json_key": "unit",
   "fields": {"reporting": "reporting_pct", "on_time": "on_time_pct",
              "timeliness": "timeliness_pct"}}],
 "matrix": [{"measure": "attendance", "json": "$W/mdc-attendance.json"},
            {"measure": "ela_scale", "json": "$W/mdc-ela_scale.json"}]}
EOF

# ---- chromium ----
CH=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run
	--disable-background-networking --disable-component-update --disable-sync
	--hide-scrollbars --run-all-compositor-stages-before-draw)
chrome() { # chrome PROFILE_NAME ARGS...: a fresh profile each run
	local p=$W/profile-$1; shift
	rm -rf "$p"
	timeout 120 "$CHROMIUM" "${CH[@]}" --user-data-dir="$p" "$@" 2>>"$W/chromium.log"
}

chrome dom --dump-dom "file://$W/council.html" >"$W/council.dom"
check "council: DOM sections, names, numbers = CLI JSON" python3 "$SRC/tests/integration/cli/report_check.py" "$W/council.dom" "$W/expect.json"
cat "$W/c.out"
check "council: small cells are suppressed" grep -q '>suppressed<' "$W/council.dom"
check "council: the summary says why, in the disclosure module's words" grep -q '<strong>Why:</strong>[^<]*suppression' "$W/council.dom"
check "council: the network's PDSA cycle is a span on its charts" grep -q '<rect class="pdsa"[^>]*><title>PDSA cycle: PDSA-01' "$W/council.dom"
check "council: the isolated schools are squares named as isolated, as many as the CLI's" python3 -c '
import json, sys
dom = open(sys.argv[1], encoding="utf-8").read()
js = json.load(open(sys.argv[2]))
want = sum(1 for r in js["schools"] if r["isolated"])
got = dom.count("<rect class=\"isolated\"")
named = dom.count(" (isolated)</text>")
print("isolated: CLI", want, "report", got, "named", named)
sys.exit(0 if want >= 1 and got == want and named == want else 1)' "$W/council.dom" "$W/isolation.json"
check "council: discover's small groups are suppressed in the chart" grep -q '<text class="suppressed"' "$W/council.dom"
check "council: the cycles are listed" grep -q 'data-table="pdsa" data-measure="attendance"' "$W/council.dom"
chrome approved --dump-dom "file://$W/approved.html" >"$W/approved.dom"
AS "$COUNCIL" --format json analyze run-chart --measure attendance --network --grain month --approved-only >"$W/run-approved.json"
AS "$COUNCIL" --format json analyze completeness --measure attendance --backfill-before 2027-01-01 >"$W/rates-backfill.json"
cat >"$W/expect-approved.json" <<EOF
{"sections": ["1. Summary", "2. The network's icon matrix",
  "3. Charts of every shared measure", "4. Learning from the network",
  "5. Instruments and reporting", "6. Return on investment"],
 "tables": [
  {"table": "run", "attrs": {"measure": "attendance", "unit": "network"}, "key": "period",
   "json": "$W/run-approved.json", "json_table": "points", "json_key": "period",
   "fields": {"value": "value", "median": "median"}},
  {"table": "rates", "attrs": {"measure": "attendance"}, "key": "unit",
   "json": "$W/rates-backfill.json", "json_table": "reporting_rates", "json_key": "unit",
   "fields": {"reporting": "reporting_pct", "on_time": "on_time_pct"}}]}
EOF
check "approved-only: run chart = CLI --approved-only, rates = CLI with the backfill date" python3 "$SRC/tests/integration/cli/report_check.py" "$W/approved.dom" "$W/expect-approved.json"
cat "$W/c.out"
check "...exactly the two approved months drawn" test "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["points"]))' "$W/run-approved.json")" = 2
chrome admin --dump-dom "file://$W/admin.html" >"$W/admin.dom"
check "admin: sees every value (no suppressed cell)" sh -c "! grep -q '>suppressed<' '$W/admin.dom'"
cat >"$W/expect-admin.json" <<EOF
{"sections": ["1. Summary", "2. The network's icon matrix",
  "3. Charts of every shared measure", "4. Learning from the network",
  "5. Instruments and reporting", "6. Return on investment"],
 "names": ["Instructional coaching cycles"],
 "tables": [
  {"table": "roi", "key": "unit", "json": "$W/roi.json", "json_table": "ranking",
   "json_key": "activity", "json_notnull": "hedges_g",
   "fields": {"cost_per_student": "cost_per_student", "hedges_g": "hedges_g"}},
  {"table": "discover", "attrs": {"measure": "ela_scale"}, "key": "unit",
   "json": "$W/discover-admin.json", "json_table": "criteria", "json_key": "criterion",
   "json_notnull": "difference",
   "fields": {"deviant_mean": "deviant_mean", "rest_mean": "rest_mean",
              "deviant_n": "deviant_n", "rest_n": "rest_n",
              "difference": "difference", "hedges_g": "hedges_g"}}]}
EOF
check "admin: discover draws each criterion's difference with its interval" test "$(grep -o '<path class="interval"' "$W/admin.dom" | wc -l)" -ge 5
check "admin: ROI ranking and discover = CLI JSON" python3 "$SRC/tests/integration/cli/report_check.py" "$W/admin.dom" "$W/expect-admin.json"
check "council: suppressed ROI estimates are said so" grep -q 'suppressed: its estimate would describe fewer than' "$W/council.dom"
chrome school --dump-dom "file://$W/school.html" >"$W/school.dom"
check "school: its own school against the network" grep -q 'Spruce Park Middle School against the network' "$W/school.dom"
check "school: network run chart drawn" grep -q 'data-table="run" data-measure="attendance" data-unit="network"' "$W/school.dom"
check "school: no other school named" sh -c "! grep -q 'Jefferson Creek Elementary School' '$W/school.dom'"

chrome png --screenshot="$W/council.png" --window-size=1280,2400 "file://$W/council.html" >/dev/null
check "PNG written" sh -c "head -c 8 '$W/council.png' | od -An -c | grep -q 'P   N   G'"
chrome pdf --print-to-pdf="$W/council.pdf" --no-pdf-header-footer "file://$W/council.html" >/dev/null
check "PDF written" sh -c "head -c 5 '$W/council.pdf' | grep -q '%PDF-'"
check "PDF has several pages" test "$(grep -ao '/Count [0-9]*' "$W/council.pdf" | awk '{ if ($2 > m) m = $2 } END { print m + 0 }')" -ge 4

# Overflow: a test-only copy with a measuring script and open <details>.
python3 - "$W/council.html" "$W/measure.html" <<'PY'
import sys
page = open(sys.argv[1], encoding="utf-8").read()
page = page.replace("default-src 'none';", "default-src 'none'; script-src 'unsafe-inline';")
page = page.replace("<details>", "<details open>")
script = """<script>
(function () {
  var bad = [], vw = document.documentElement.clientWidth;
  var all = document.body.querySelectorAll('*');
  for (var i = 0; i < all.length; i++) {
    var e = all[i];
    if (e.closest('svg') && e.tagName.toLowerCase() !== 'svg') continue;
    if (e.tagName === 'SCRIPT' || e.id === 'overflow-result') continue;
    var r = e.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    var p = e.parentElement.getBoundingClientRect();
    if (r.right > vw + 0.5 || r.left < -0.5 || r.right > p.right + 1 ||
        e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX === 'visible' && e.clientWidth > 0)
      bad.push(e.tagName + (e.className ? '.' + e.className : '') + ' ' +
               Math.round(r.left) + '..' + Math.round(r.right) + ' in ' +
               Math.round(p.left) + '..' + Math.round(p.right));
  }
  if (document.documentElement.scrollWidth > vw) bad.push('page ' + document.documentElement.scrollWidth + ' > ' + vw);
  var out = document.createElement('pre');
  out.id = 'overflow-result';
  out.textContent = 'OVERFLOW ' + bad.length + '\\n' + bad.slice(0, 20).join('\\n');
  document.body.appendChild(out);
})();
</script>"""
page = page.replace("</body>", script + "</body>")
open(sys.argv[2], "w", encoding="utf-8").write(page)
PY
# control: a too-wide element must be caught
sed 's|<script>|<div style="width:2000px">wide</div><script>|' "$W/measure.html" >"$W/control-wide.html"
chrome wide --window-size=1280,1000 --virtual-time-budget=5000 --dump-dom "file://$W/control-wide.html" >"$W/control-wide.dom"
if grep -q 'OVERFLOW [1-9]' "$W/control-wide.dom"; then ok; else no "the overflow check does not see a too-wide element (control)"; fi
for width in 1280 688 710; do
	chrome "w$width" --window-size="$width,1000" --virtual-time-budget=5000 --dump-dom "file://$W/measure.html" >"$W/measure-$width.dom"
	if grep -q 'OVERFLOW 0' "$W/measure-$width.dom"; then ok; else
		no "something overflows its box at $width px"
		sed -n '/id="overflow-result"/,/<\/pre>/p' "$W/measure-$width.dom" | head -22
	fi
done

# No request: chromium's net log of loading the real page. Chromium makes
# requests of its own (time, updates; initiator "not an origin"); a
# request made by a page carries the page's origin as its initiator. A
# control page with one image from the network proves the check sees it.
page_requests() { # page_requests NETLOG: prints URLs a page asked for
	python3 - "$1" <<'PY'
import json, sys
log = json.load(open(sys.argv[1]))
names = {v: k for k, v in log["constants"]["logEventTypes"].items()}
for e in log["events"]:
    p = e.get("params", {})
    if names.get(e["type"]) == "URL_REQUEST_START_JOB" and \
            p.get("initiator", "not an origin") != "not an origin" and \
            not p.get("url", "").startswith("file:"):
        print(p["url"])
PY
}
printf '<!DOCTYPE html><html><body><img src="http://127.0.0.1:9/x.png"></body></html>' >"$W/control.html"
chrome control --log-net-log="$W/control.json" --dump-dom "file://$W/control.html" >/dev/null
if [ -n "$(page_requests "$W/control.json")" ]; then ok; else no "the net log check does not see a page's request (control)"; fi
chrome net --log-net-log="$W/net.json" --dump-dom "file://$W/council.html" >/dev/null
check "net log written" test -s "$W/net.json"
check "no network request from the page" test -z "$(page_requests "$W/net.json")"

[ -n "${REPORT_PNG_OUT:-}" ] && cp "$W/council.png" "$REPORT_PNG_OUT"
echo "report_test: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
