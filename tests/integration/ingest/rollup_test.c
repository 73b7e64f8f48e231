/* SPDX-License-Identifier: MIT
 * Rollups are exactly what the raw rows say: after inserts and after
 * corrections (which delete the replaced records), every rollup row of
 * every grain, grade, subgroup and level equals the one recomputed here
 * from survey_responses and outcomes by an independent SQL oracle, and no
 * row is missing or extra.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

static char       conninfo[512];
static h_server   srv;
static td_client *cl;
static int        seq;

#define ITEMS 6

/* The oracle: construct scores per respondent (reverse-coded items
 * reversed, favourable at or above the item's threshold), then sums per
 * cell, spread over grains, grade and all grades, and levels. */
static const char EXPECTED[]
    = "WITH vals AS (SELECT r.survey_id, r.school_id, r.administered_on "
      "AS day, r.grade, r.respondent, it.construct, CASE WHEN "
      "it.reverse_coded THEN it.min_value + it.max_value - a.v ELSE a.v "
      "END AS x, it.favourable_at_least AS fav_at FROM survey_responses r "
      "CROSS JOIN LATERAL unnest(r.answers) WITH ORDINALITY AS a(v, pos) "
      "JOIN survey_items it ON it.survey_id = r.survey_id AND it.position "
      "= a.pos - 1 WHERE a.v IS NOT NULL), "
      "scores AS (SELECT 'survey:' || sv.code || '/' || construct AS "
      "measure, '' AS subgroup, school_id, day, grade, 1::float8 AS w, "
      "avg(x)::float8 AS v, count(*) FILTER (WHERE x >= fav_at) AS fav, "
      "count(*) AS items, 'wmty' AS grains FROM vals JOIN surveys sv ON "
      "sv.id = vals.survey_id GROUP BY sv.code, construct, school_id, day, "
      "grade, respondent), "
      "outs AS (SELECT m.code, o.subgroup, o.school_id, o.period_start, "
      "'', o.n::float8, o.value, 0::bigint, 0::bigint, 'mty' FROM "
      "outcomes o JOIN measures m ON m.id = o.measure_id), "
      "base AS (SELECT * FROM scores UNION ALL SELECT * FROM outs), "
      "expanded AS (SELECT b.measure, b.subgroup, gr.grade, g.grain, "
      "td_period_start(g.grain, b.day) AS period_start, l.level, "
      "l.unit_id, b.w, b.v, b.fav, b.items FROM base b JOIN schools s ON "
      "s.id = b.school_id CROSS JOIN unnest(string_to_array(b.grains, "
      "NULL)::char[]) g(grain) CROSS JOIN LATERAL (SELECT b.grade WHERE "
      "b.grade <> '' UNION ALL SELECT '') gr(grade) CROSS JOIN LATERAL "
      "(VALUES ('s'::char, b.school_id), ('d', s.district_id), ('n', "
      "0::bigint)) l(level, unit_id)) "
      "SELECT measure, subgroup, grade, grain, period_start, level, "
      "unit_id, count(*) AS cnt, sum(w) AS n_sum, sum(w * v) AS wsum, "
      "sum(w * v * v) AS wsumsq, sum(fav) AS fav, sum(items) AS items "
      "FROM expanded GROUP BY measure, subgroup, grade, grain, "
      "period_start, level, unit_id";

/* Rows that differ between the rollups (cnt > 0) and the oracle. The
 * rollups keep no school months of outcomes: those are read from the
 * outcomes (sql/020; integration.outcome_months checks them). */
static long long
differences(void)
{
	char sql[8192];
	snprintf(sql, sizeof(sql),
	         "WITH e AS (SELECT * FROM (%s) x WHERE measure LIKE "
	         "'survey:%%' OR level <> 's' OR grain <> 'm'), a AS (SELECT "
	         "* FROM rollups WHERE cnt <> 0 "
	         "OR n_sum <> 0) SELECT count(*) FROM e FULL JOIN a USING "
	         "(measure, subgroup, grade, grain, period_start, level, "
	         "unit_id) WHERE e.cnt IS DISTINCT FROM a.cnt OR e.fav IS "
	         "DISTINCT FROM a.fav OR e.items IS DISTINCT FROM a.items OR "
	         "abs(e.n_sum - a.n_sum) > 1e-9 * greatest(1, abs(e.n_sum)) "
	         "OR abs(e.wsum - a.wsum) > 1e-9 * greatest(1, abs(e.wsum)) "
	         "OR abs(e.wsumsq - a.wsumsq) > 1e-9 * greatest(1, "
	         "abs(e.wsumsq)) OR e.cnt IS NULL OR a.cnt IS NULL",
	         EXPECTED);
	return h_sql_int(conninfo, sql);
}

static long long
expected_rows(void)
{
	char sql[8192];
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM (%s) e", EXPECTED);
	return h_sql_int(conninfo, sql);
}

static char *
new_id(void)
{
	static char id[64];
	snprintf(id, sizeof(id), "rollup-%d-%d", (int) getpid(), ++seq);
	return id;
}

static int
setup(void **state)
{
	(void) state;
	h_db_create("rollup", conninfo);
	h_server_start(&srv, conninfo, NULL);
	cl = h_client(&srv, 30000);

	td_status                   st = { 0 };
	Tandem__V1__DefineResponse *r  = NULL;
	Tandem__V1__School          s[4];
	Tandem__V1__School         *sp[4];
	const char                 *codes[4] = { "S1", "S2", "S3", "S4" };
	for (int i = 0; i < 4; i++) {
		tandem__v1__school__init(&s[i]);
		s[i].district = i < 2 ? "D1" : "D2";
		s[i].school   = (char *) codes[i];
		s[i].name     = "A school";
		sp[i]         = &s[i];
	}
	Tandem__V1__DefineSchoolsRequest sr
	    = TANDEM__V1__DEFINE_SCHOOLS_REQUEST__INIT;
	sr.schools   = sp;
	sr.n_schools = 4;
	assert_int_equal(td_registry_define_schools(cl, &sr, &r, &st),
	                 TD_CODE_OK);
	protobuf_c_message_free_unpacked(&r->base, NULL);

	Tandem__V1__Measure m[2]
	    = { TANDEM__V1__MEASURE__INIT, TANDEM__V1__MEASURE__INIT };
	Tandem__V1__Measure *mp[2] = { &m[0], &m[1] };
	m[0].measure               = "attendance";
	m[0].direction             = "higher";
	m[1].measure               = "referrals";
	m[1].direction             = "lower";
	Tandem__V1__DefineMeasuresRequest mr
	    = TANDEM__V1__DEFINE_MEASURES_REQUEST__INIT;
	mr.measures   = mp;
	mr.n_measures = 2;
	assert_int_equal(td_registry_define_measures(cl, &mr, &r, &st),
	                 TD_CODE_OK);
	protobuf_c_message_free_unpacked(&r->base, NULL);

	/* Two constructs; q3 and q6 reverse-coded; thresholds vary. */
	Tandem__V1__SurveyItem  it[ITEMS];
	Tandem__V1__SurveyItem *itp[ITEMS];
	char                    names[ITEMS][8];
	for (int i = 0; i < ITEMS; i++) {
		tandem__v1__survey_item__init(&it[i]);
		snprintf(names[i], sizeof(names[i]), "q%d", i + 1);
		it[i].item                = names[i];
		it[i].construct           = i < 3 ? "belonging" : "safety";
		it[i].min                 = 1;
		it[i].max                 = i < 3 ? 5 : 4;
		it[i].favourable_at_least = i == 4 ? 2 : 3;
		it[i].reverse_coded       = i == 2 || i == 5;
		itp[i]                    = &it[i];
	}
	Tandem__V1__Survey sv = TANDEM__V1__SURVEY__INIT;
	sv.code               = "climate";
	sv.name               = "School climate";
	sv.items              = itp;
	sv.n_items            = ITEMS;
	Tandem__V1__DefineSurveyRequest dr
	    = TANDEM__V1__DEFINE_SURVEY_REQUEST__INIT;
	dr.survey = &sv;
	assert_int_equal(td_registry_define_survey(cl, &dr, &r, &st),
	                 TD_CODE_OK);
	protobuf_c_message_free_unpacked(&r->base, NULL);
	td_status_reset(&st);
	return 0;
}

static int
teardown(void **state)
{
	(void) state;
	td_client_destroy(cl);
	assert_int_equal(h_server_stop(&srv), 0);
	return 0;
}

static const char *const DATES[]
    = { "2024-09-03", "2024-09-20", "2024-12-31", "2025-01-02", "2025-03-15" };
static const char *const GRADES[] = { "6", "7", "", "K" };

/* Submits n responses; salt changes the values, shift the grades, so a
 * correction (same respondents and dates) moves records between cells. */
static void
submit_surveys(size_t n, int salt, int shift, bool correction)
{
	static char *items[ITEMS] = { "q1", "q2", "q3", "q4", "q5", "q6" };
	Tandem__V1__SurveyResponse  *r  = calloc(n, sizeof(*r));
	Tandem__V1__SurveyResponse **rp = calloc(n, sizeof(*rp));
	int32_t                     *v  = calloc(n * ITEMS, sizeof(int32_t));
	uint32_t                    *ms = calloc(n, sizeof(uint32_t));
	char(*resp)[32]                 = calloc(n, sizeof(*resp));
	for (size_t i = 0; i < n; i++) {
		tandem__v1__survey_response__init(&r[i]);
		snprintf(resp[i], sizeof(resp[i]), "STU-%zu", i);
		static const char *const schools[]
		    = { "S1", "S2", "S3", "S4" };
		r[i].school          = (char *) schools[i % 4];
		r[i].respondent      = resp[i];
		r[i].administered_on = (char *) DATES[i % 5];
		r[i].grade    = (char *) GRADES[(i / 3 + (size_t) shift) % 4];
		r[i].values   = &v[i * ITEMS];
		r[i].n_values = ITEMS;
		for (int k = 0; k < ITEMS; k++) {
			int max          = k < 3 ? 5 : 4;
			v[i * ITEMS + k] = 1
			    + (int32_t) ((i * 7 + (size_t) k * 3
			                  + (size_t) salt)
			                 % (size_t) max);
		}
		if (i % 4 == 1) { /* a non-response */
			ms[i]          = (uint32_t) (i % ITEMS);
			r[i].missing   = &ms[i];
			r[i].n_missing = 1;
		}
		rp[i] = &r[i];
	}
	Tandem__V1__SubmitSurveyResponsesRequest req
	    = TANDEM__V1__SUBMIT_SURVEY_RESPONSES_REQUEST__INIT;
	req.submission_id               = new_id();
	req.survey                      = "climate";
	req.items                       = items;
	req.n_items                     = ITEMS;
	req.responses                   = rp;
	req.n_responses                 = n;
	req.correction                  = correction;
	td_status                   st  = { 0 };
	Tandem__V1__SubmitResponse *out = NULL;
	assert_int_equal(
	    td_ingest_submit_survey_responses(cl, &req, &out, &st),
	    TD_CODE_OK);
	assert_int_equal(out->stored, (int64_t) n);
	protobuf_c_message_free_unpacked(&out->base, NULL);
	td_status_reset(&st);
	free(r);
	free(rp);
	free(v);
	free(ms);
	free(resp);
}

/* Submits n outcome rows over two measures, subgroups and the months of
 * one year. */
static void
submit_outcomes_in(size_t n, int salt, bool correction, int year)
{
	Tandem__V1__Outcome  *o  = calloc(n, sizeof(*o));
	Tandem__V1__Outcome **op = calloc(n, sizeof(*op));
	char(*dates)[2][16]      = calloc(n, sizeof(*dates));
	for (size_t i = 0; i < n; i++) {
		tandem__v1__outcome__init(&o[i]);
		static const char *const schools[]
		    = { "S1", "S2", "S3", "S4" };
		int month = 1 + (int) ((i / 8) % 12);
		snprintf(dates[i][0], 16, "%d-%02d-01", year, month);
		snprintf(dates[i][1], 16, "%d-%02d-28", year, month);
		o[i].measure      = i % 2 ? "referrals" : "attendance";
		o[i].school       = (char *) schools[(i / 2) % 4];
		o[i].subgroup     = (i / 96) % 2 ? "ell" : "";
		o[i].period_start = dates[i][0];
		o[i].period_end   = dates[i][1];
		o[i].value
		    = 50.0 + (double) ((i * 13 + (size_t) salt) % 41) / 4.0;
		o[i].n = 10 + (int64_t) ((i + (size_t) salt) % 30);
		op[i]  = &o[i];
	}
	Tandem__V1__SubmitOutcomesRequest req
	    = TANDEM__V1__SUBMIT_OUTCOMES_REQUEST__INIT;
	req.submission_id               = new_id();
	req.outcomes                    = op;
	req.n_outcomes                  = n;
	req.correction                  = correction;
	td_status                   st  = { 0 };
	Tandem__V1__SubmitResponse *out = NULL;
	assert_int_equal(td_ingest_submit_outcomes(cl, &req, &out, &st),
	                 TD_CODE_OK);
	assert_int_equal(out->stored, (int64_t) n);
	protobuf_c_message_free_unpacked(&out->base, NULL);
	td_status_reset(&st);
	free(o);
	free(op);
	free(dates);
}

static void
submit_outcomes(size_t n, int salt, bool correction)
{
	submit_outcomes_in(n, salt, correction, 2024);
}

static void
rollups_equal_the_raw_rows_after_inserts(void **state)
{
	(void) state;
	submit_surveys(60, 0, 0, false);
	submit_outcomes(192, 0, false);
	assert_true(expected_rows() > 100);
	assert_int_equal(differences(), 0);
}

/* An outcome batch's school rows go in as new rows first and are
 * upserted when one exists (store_rollup.c): months of 2025 reach the
 * school year 2024-25, which the months of 2024 began, and new terms and
 * years; months of 2022 (all new), then of 2023, whose first rows are new
 * and whose school year 2022-23 the months of 2022 began. */
static void
rollups_equal_the_raw_rows_after_new_months(void **state)
{
	(void) state;
	submit_outcomes_in(192, 13, false, 2025);
	assert_int_equal(differences(), 0);
	submit_outcomes_in(96, 17, false, 2022);
	submit_outcomes_in(192, 19, false, 2023);
	assert_int_equal(differences(), 0);
	/* Rows inserted as new carry the time they were received. */
	assert_int_equal(h_sql_int(conninfo,
	                           "SELECT count(*) FROM rollups "
	                           "WHERE last_received IS NULL"),
	                 0);
}

static void
rollups_equal_the_raw_rows_after_corrections(void **state)
{
	(void) state;
	/* The first 40 respondents again: new values, new grades (cells
	 * move), the old records deleted; plus 20 new ones. */
	submit_surveys(40, 3, 1, true);
	submit_surveys(80, 5, 2, true);
	submit_outcomes(96, 7, true);
	submit_outcomes(192, 11, true);
	assert_int_equal(
	    h_sql_int(conninfo, "SELECT count(*) FROM survey_responses"), 80);
	assert_int_equal(h_sql_int(conninfo,
	                           "SELECT sum(corrected) FROM "
	                           "submissions"),
	                 40 + 60 + 96 + 192);
	assert_int_equal(differences(), 0);
}

static void
rollups_equal_the_raw_rows_after_deletes(void **state)
{
	(void) state;
	/* Every respondent's grade moves again, so some cells lose all
	 * their records: their rows fall to 0 and must not linger. */
	submit_surveys(80, 5, 3, true);
	assert_true(
	    h_sql_int(conninfo, "SELECT count(*) FROM rollups WHERE cnt = 0")
	    > 0);
	assert_int_equal(differences(), 0);
	/* The rollups hold no cell the rows do not. */
	assert_int_equal(
	    h_sql_int(conninfo,
	              "SELECT count(*) FROM rollups WHERE cnt < 0 OR "
	              "items < 0 OR fav < 0 OR n_sum < -1e-9"),
	    0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rollups_equal_the_raw_rows_after_inserts),
		cmocka_unit_test(rollups_equal_the_raw_rows_after_new_months),
		cmocka_unit_test(rollups_equal_the_raw_rows_after_corrections),
		cmocka_unit_test(rollups_equal_the_raw_rows_after_deletes),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
