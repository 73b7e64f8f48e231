# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# The generated network of bench/analysis and bench/answers (sourced, not
# run): gen_network S DIR writes it, load_network DIR DB S loads it through
# the CLI and says how long each step took. The caller defines T (the CLI
# against its tandemd), us, secs, say, SEED, BATCH, WORK and ROOT.

# gen_network S DIR: districts of 50 schools, the registry and 60 months
# (2020-08 .. 2025-07) of ela_scale per school with n.
gen_network() {
	local s=$1 dir=$2
	mkdir -p "$dir"
	awk -v s="$s" 'BEGIN {
		print "district,name"
		for (d = 1; d <= int((s + 49) / 50); d++) printf "D%04d,District %d\n", d, d
	}' >"$dir/districts.csv"
	awk -v s="$s" -v seed="$SEED" -v out="$dir/outcomes.csv" "$ADOPTION_AWK"'
	BEGIN {
		srand(seed); split("city suburb town rural", loc, " ")
		split("31 28 31 30 31 30 31 31 30 31 30 31", mdays, " ")
		print "district,school,name,frl_rate,enrollment,locale,grades"
		print "school,measure,period_start,period_end,value,n,subgroup" >out
		for (i = 1; i <= s; i++) {
			frl = 0.05 + 0.9 * rand(); enr = 150 + int(1200 * rand())
			printf "D%04d,S%05d,School %d,%.3f,%d,%s,K-8\n", int((i - 1) / 50) + 1,
				i, i, frl, enr, loc[1 + int(4 * rand())]
			# context, a school effect (1 school in 50 well above it), trend, noise
			eff = 8 * (rand() + rand() + rand() - 1.5) + (i % 50 == 7 ? 15 : 0)
			for (m = 0; m < 60; m++) {
				y = 2020 + int((7 + m) / 12); mo = (7 + m) % 12 + 1
				last = mdays[mo] + (mo == 2 && y % 4 == 0)
				n = int(enr * (0.85 + 0.1 * rand()))
				v = 520 - 40 * frl + eff + 0.1 * m + 6 * (rand() + rand() - 1)
				# coaching: +4 from the adoption year on (academic
				# year = the calendar year it starts in August)
				a = adoption_year(i)
				if (a && y - (mo < 8) >= a) v += 4
				printf "S%05d,ela_scale,%04d-%02d-01,%04d-%02d-%02d,%.1f,%d,\n",
					i, y, mo, y, mo, last, v, n >out
				# the last school year of a percent measure, for the
				# funnel plot: schools of very different sizes
				if (m >= 48)
					printf "S%05d,attendance,%04d-%02d-01,%04d-%02d-%02d,%.1f,%d,\n",
						i, y, mo, y, mo, last, 94 - 5 * frl + eff / 8 + 2 * (rand() - 0.5), n >out
			}
		}
	}' >"$dir/schools.csv"
	printf 'measure,name,unit,direction\nela_scale,ELA scale score,scale_score,higher\nattendance,Attendance,percent,higher\n' >"$dir/measures.csv"
	[ "${OUTCOMES_ONLY:-0}" = 1 ] || gen_extra "$s" "$dir"
}

# adoption_year I: the academic year (its first calendar year) school I
# starts coaching (A01), or 0 for never: a staggered roll-out over
# 2021-22 .. 2024-25 in cohorts of 20%, 20%, 20% and 10% of the schools,
# 30% never. A function of the school, not of the random stream, so that
# the outcomes (which carry the effect) and gen_extra agree.
ADOPTION_AWK='function adoption_year(i,   c) { c = (i * 7) % 10
	return c < 2 ? 2021 : c < 4 ? 2022 : c < 6 ? 2023 : c < 7 ? 2024 : 0 }'

# gen_extra S DIR: what the evaluation and instrument analyses read, at a
# scale a network of S schools could have, loaded through the CLI:
# - educators: 5 per school (principal, coach, teacher leader, 2 teachers);
# - activity A01 (coaching), its participation (the school's 2 teachers,
#   20-40 hours each, every academic year from the school's adoption year
#   on; adoption_year above), its costs 2021..2024 and a price index;
# - survey `climate`: 3 constructs of 4 items (1..5, one reverse-coded
#   item each), 10 respondents per school (a stable panel, grades 6-8)
#   answering in October and March of each of the 5 academic years: 100
#   responses per school, 1,000,000 at 10,000 schools, ~3% of cells empty;
# - rubric `practice` of 5 criteria (1..4); per school and academic year 4
#   peer observations of a teacher, one of them scored by 2 raters (every
#   third school-year: by 3), ~5% of scores left empty: 5.5 rows per
#   school-year, 275,000 at 10,000 schools.
gen_extra() {
	local s=$1 dir=$2
	printf 'activity,kind,name,district\nA01,coaching,Instructional coaching,\n' >"$dir/activities.csv"
	printf 'year,index\n2020,100.0\n2021,104.7\n2022,113.1\n2023,117.7\n2024,121.2\n' >"$dir/price_index.csv"
	awk 'BEGIN { print "activity,year,ingredient,category,quantity,unit_cost"
		for (y = 2021; y <= 2024; y++) {
			printf "A01,%d,Instructional coaches,personnel,%d,98000\n", y, 20 + 15 * (y - 2021)
			printf "A01,%d,Coaching materials,materials,%d,250\n", y, 400 + 300 * (y - 2021)
			printf "A01,%d,Coach travel,travel,%d,0.65\n", y, 50000 + 40000 * (y - 2021)
		}
	}' >"$dir/costs.csv"
	awk 'BEGIN { print "item,construct,min,max,reverse_coded,favourable_at_least,text"
		split("belonging safety engagement", con, " ")
		for (c = 1; c <= 3; c++) for (j = 1; j <= 4; j++)
			printf "%s_%d,%s,1,5,%s,4,%s item %d\n", con[c], j, con[c], j == 4 ? "true" : "false", con[c], j }' >"$dir/survey.csv"
	printf 'criterion,min,max,text\nenvironment,1,4,Environment\nquestioning,1,4,Questioning\nfeedback,1,4,Feedback\nrigor,1,4,Rigor\ndiscourse,1,4,Discourse\n' >"$dir/rubric.csv"
	awk -v s="$s" -v seed="$SEED" -v dir="$dir" "$ADOPTION_AWK"'
	function cell(v) { return rand() < 0.03 ? "" : v }
	BEGIN {
		srand(seed + 1)
		split("principal coach teacher_leader teacher teacher", role, " ")
		print "educator,school,name,role"
		part = dir "/participation.csv"; resp = dir "/responses.csv"; obs = dir "/observations.csv"
		print "activity,school,educator,period_start,period_end,hours" >part
		printf "school,respondent,administered_on,grade" >resp
		split("belonging safety engagement", con, " ")
		for (c = 1; c <= 3; c++) for (j = 1; j <= 4; j++) printf ",%s_%d", con[c], j >resp
		printf "\n" >resp
		print "observation,school,observer,observed,rubric,observed_on,environment,questioning,feedback,rigor,discourse,notes" >obs
		for (i = 1; i <= s; i++) {
			for (e = 1; e <= 5; e++) printf "E%05d%d,S%05d,Educator %d-%d,%s\n", i, e, i, i, e, role[e]
			a = adoption_year(i)
			for (y = (a ? a : 2025); y <= 2024; y++)
				for (e = 4; e <= 5; e++)
					printf "A01,S%05d,E%05d%d,%d-09-01,%d-06-30,%.1f\n", i, i, e, y, y + 1, 20 + 20 * rand() >part
			# the survey: a school climate level, each student a trait
			sch = rand() - 0.5
			for (k = 1; k <= 10; k++) tr[k] = sch + rand() + rand() - 1
			for (y = 2020; y <= 2024; y++) for (t = 0; t < 2; t++) {
				day = sprintf(t ? "%d-03-%02d" : "%d-10-%02d", y + t, 2 + i % 25)
				for (k = 1; k <= 10; k++) {
					line = sprintf("S%05d,R%05d%02d,%s,%d", i, i, k, day, 6 + (k + y) % 3)
					for (c = 1; c <= 3; c++) {
						f = tr[k] + 0.6 * (rand() - 0.5)
						for (j = 1; j <= 4; j++) {
							v = int(3.5 + 1.6 * f + 1.4 * (rand() - 0.5))
							v = v < 1 ? 1 : v > 5 ? 5 : v
							line = line "," cell(j == 4 ? 6 - v : v)
						}
					}
					print line >resp
				}
			}
			# peer observations: a teacher scored by the school leaders
			for (y = 2020; y <= 2024; y++) for (o = 1; o <= 4; o++) {
				code = sprintf("OB%05d-%d-%d", i, y, o)
				day = sprintf("%d-%02d-%02d", o <= 2 ? y : y + 1, o <= 2 ? 8 + 2 * o : 2 * o - 4, 3 + i % 24)
				skill = 2.5 + (rand() - 0.5) * 1.6
				raters = o > 1 ? 1 : ((i + y) % 3 == 0 ? 3 : 2)
				for (r = 1; r <= raters; r++) {
					line = sprintf("%s,S%05d,E%05d%d,E%05d%d,practice,%s", code, i, i, r, i, 4 + o % 2, day)
					for (c = 1; c <= 5; c++) {
						v = int(skill + 0.3 * c - 0.9 + 1.2 * rand())
						v = v < 1 ? 1 : v > 4 ? 4 : v
						line = line "," (rand() < 0.05 ? "" : v)
					}
					print line "," >obs
				}
			}
		}
	}' >"$dir/educators.csv"
}

# load_network DIR DB S: the files of gen_network through the CLI (define,
# then submit), then VACUUM ANALYZE as an operator would after a bulk load.
load_network() {
	local data=$1 db=$2 size=$3 t2 t3 t4 t5 t6 t7 t8 t9 rows
	rows=$(($(wc -l <"$data/outcomes.csv") - 1))
	t2=$(us)
	T define districts "$data/districts.csv" >/dev/null
	T define schools "$data/schools.csv" >/dev/null
	T define measures "$data/measures.csv" >/dev/null
	t3=$(us)
	T --timeout 3600 submit outcomes --batch-size "$BATCH" "$data/outcomes.csv" >/dev/null
	t4=$(us)
	t5=$t4 t6=$t4 t7=$t4 t8=$t4
	if [ -f "$data/responses.csv" ]; then
		# What the evaluation and instrument analyses read (gen_extra).
		T define educators "$data/educators.csv" >/dev/null
		T define activities "$data/activities.csv" >/dev/null
		T define price-index "$data/price_index.csv" >/dev/null
		T define survey --code climate --name "School climate" "$data/survey.csv" >/dev/null
		T define rubric --code practice --name "Classroom practice" "$data/rubric.csv" >/dev/null
		t5=$(us)
		T --timeout 3600 submit participation "$data/participation.csv" >/dev/null
		T submit costs "$data/costs.csv" >/dev/null
		t6=$(us)
		T --timeout 3600 submit surveys --survey climate --batch-size "$BATCH" "$data/responses.csv" >/dev/null
		t7=$(us)
		T --timeout 3600 submit feedback "$data/observations.csv" >/dev/null
		t8=$(us)
	fi
	psql "$(scripts/pg conninfo "$WORK/pg" "$db")" -X -qc "VACUUM ANALYZE" # as an operator would after a bulk load
	t9=$(us)
	say "load: define $size schools $(secs "$t2" "$t3") s; submit $rows outcome rows (batches of $BATCH) $(secs "$t3" "$t4") s = $(awk -v r="$rows" -v a="$t3" -v b="$t4" 'BEGIN { printf "%.0f", r / ((b - a) / 1e6) }') rows/s"
	[ ! -f "$data/responses.csv" ] ||
		say "load: define $(($(wc -l <"$data/educators.csv") - 1)) educators, an activity, a survey, a rubric $(secs "$t4" "$t5") s; submit $(($(wc -l <"$data/participation.csv") - 1)) participation rows and costs $(secs "$t5" "$t6") s; $(($(wc -l <"$data/responses.csv") - 1)) survey responses $(secs "$t6" "$t7") s; $(($(wc -l <"$data/observations.csv") - 1)) observation scorings $(secs "$t7" "$t8") s"
	say "load: VACUUM ANALYZE $(secs "$t8" "$t9") s"
}
