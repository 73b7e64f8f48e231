#!/bin/sh
# SPDX-License-Identifier: MIT
# The compose "demo" service (runs inside the tandem image): writes the
# sample network, loads it into tandemd and prints analyses, in the same
# sequence as scripts/demo. The server is $TANDEM_SERVER; without a
# $TANDEM_TOKEN it makes an admin client in the database (PG* variables).
set -eu
DEMO=${DEMO_DIR:-/tmp/demo}
S=$DEMO/sample

step() { printf '\n== %s\n' "$*"; }
mkdir -p "$DEMO"

if [ -z "${TANDEM_TOKEN:-}" ]; then
	step "the first admin token (tandemd --bootstrap-admin, shown once)"
	TANDEM_TOKEN=$(tandemd --bootstrap-admin "demo admin" 2>/dev/null)
	export TANDEM_TOKEN
	printf '%.12s… (kept in $TANDEM_TOKEN for this run)\n' "$TANDEM_TOKEN"
fi

step "tandem health ($TANDEM_SERVER)"
tandem health

step "a sample network: tandem sample --seed 1 --schools 40 --years 3"
rm -rf "$S"
tandem sample --seed 1 --schools 40 --years 3 "$S" >/dev/null
sed -n '/^## Planted effects/,/^## Files/p' "$S/PLANTED.md" | sed '$d'

step "registry: tandem define … / tandem import oneroster"
tandem define districts "$S/districts.csv" >/dev/null
tandem import oneroster "$S/oneroster"
tandem define schools "$S/schools.csv" >/dev/null
tandem define educators "$S/educators.csv" >/dev/null
tandem define measures "$S/measures.csv" >/dev/null
tandem define survey --code climate --name "Student climate" "$S/survey_climate.csv" >/dev/null
tandem define survey --code teacher --name "Teacher collaboration" "$S/survey_teacher.csv" >/dev/null
tandem define rubric --code practice --name "Classroom practice" "$S/rubric_practice.csv" >/dev/null
tandem define activities "$S/activities.csv" >/dev/null
tandem define price-index "$S/price_index.csv"

step "submissions: tandem submit … (batched, idempotent)"
tandem submit surveys --survey climate "$S/responses_climate.csv"
tandem submit surveys --survey teacher "$S/responses_teacher.csv"
tandem submit outcomes "$S/outcomes.csv"
tandem submit feedback "$S/observations.csv" --annotations "$S/annotations.csv"
tandem submit participation "$S/participation.csv"
tandem submit costs "$S/costs.csv"
tandem submit administrations "$S/administrations.csv"
tandem submit pdsa "$S/pdsa.csv"
echo "submitting outcomes.csv again stores nothing new:"
tandem submit outcomes "$S/outcomes.csv"

# The charts stay in the container unless $DEMO/charts is a mounted
# directory that uid 10001 can write.
mkdir -p "$DEMO/charts"
step "tandem analyze run-chart: network attendance by month (baseline: the first year)"
tandem analyze run-chart --measure attendance --network --grain month --baseline 10 \
	--svg "$DEMO/charts/attendance-run.svg"

step "tandem analyze outliers: attendance values as submitted"
tandem analyze outliers --measure attendance

step "tandem analyze positive-deviance: ELA, schools vs what their context predicts"
tandem analyze positive-deviance --measure ela_scale --grain year \
	--svg "$DEMO/charts/ela-deviance.svg"

step "tandem analyze reliability of the climate survey"
tandem analyze reliability --survey climate

step "tandem analyze agreement on double-scored observations"
tandem analyze agreement --rubric practice

step "tandem analyze roi of every activity on ELA"
tandem analyze roi --measure ela_scale --all --pre 2023-08-01..2024-07-31 \
	--post 2024-08-01..2026-07-31 --svg "$DEMO/charts/roi-plane.svg"

step "tandem analyze pdsa: did attendance move after each cycle's change idea?"
tandem analyze pdsa --measure attendance

step "tandem analyze discover: what the positive deviants' lessons show"
tandem analyze discover --measure ela_scale --period 2025-26

step "tandem analyze isolation: schools with no tie to another school"
tandem analyze isolation

if command -v rsvg-convert >/dev/null; then
	for f in "$DEMO"/charts/*.svg; do rsvg-convert -o "${f%.svg}.png" "$f"; done
fi
step "charts written to $DEMO/charts"
ls -1 "$DEMO/charts"
