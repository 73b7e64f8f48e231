/* SPDX-License-Identifier: MIT
 * Reporting rates (DHIS2) end to end: `tandem define` gives measures a
 * frequency and timely days and schools their open dates; outcomes are
 * submitted through a real tandemd; each batch's stored time is set to a
 * known arrival; Analysis/Completeness must give the rates counted by
 * hand below, with and without a backfill date, and the CLI prints them.
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

static char       conninfo[512];
static h_server   srv;
static td_client *cl;
static char       dir[64];

/* Deadlines (end of day period end + timely days) of `att` (monthly, 10
 * timely days): Jan 2024-02-11 00:00, Feb 2024-03-11, Mar 2024-04-11.
 * Arrivals are set relative to them, in days (- = before). A2 opened on
 * 2024-02-15 (owes no January), B1 closed on 2024-02-10 (owes no March).
 *
 *        Jan        Feb        Mar
 *   A1   -6         +9         -          district DA
 *   A2   (closed)   -0.5       +0.25      district DA
 *   B1   +111       -          (closed)   district DB
 *
 * `read` (termly, 20 timely days), terms 2024-01..07 and 2024-08..12:
 * A1 reports the first 6 days before its deadline (2024-08-21), A2 the
 * second 4 days after its deadline (2025-01-21); B1 owes only the first.
 */
static const struct {
	const char *school, *measure, *start, *end, *deadline;
	double      days;
} SENT[] = {
	{ "A1", "att", "2024-01-01", "2024-01-31", "2024-02-11", -6 },
	{ "A1", "att", "2024-02-01", "2024-02-29", "2024-03-11", 9 },
	{ "A2", "att", "2024-02-01", "2024-02-29", "2024-03-11", -0.5 },
	{ "A2", "att", "2024-03-01", "2024-03-31", "2024-04-11", 0.25 },
	{ "B1", "att", "2024-01-01", "2024-01-31", "2024-02-11", 111 },
	{ "A1", "read", "2024-03-01", "2024-03-31", "2024-08-21", -6 },
	{ "A2", "read", "2024-09-01", "2024-09-30", "2025-01-21", 4 },
};
#define N_SENT (sizeof(SENT) / sizeof(SENT[0]))

static int
define(const char *kind, const char *csv)
{
	h_write_file(dir, kind, csv);
	return h_run("%s/tandem --server %s define %s %s/%s >%s/define.out "
	             "2>&1",
	             h_bin_dir(), srv.url, kind, dir, kind, dir);
}

static void
send(size_t i)
{
	char id[64];
	snprintf(id, sizeof(id), "reporting-%d-%zu", (int) getpid(), i);
	Tandem__V1__Outcome o                = TANDEM__V1__OUTCOME__INIT;
	o.school                             = (char *) SENT[i].school;
	o.measure                            = (char *) SENT[i].measure;
	o.period_start                       = (char *) SENT[i].start;
	o.period_end                         = (char *) SENT[i].end;
	o.value                              = 90;
	o.n                                  = 200;
	Tandem__V1__Outcome              *op = &o;
	Tandem__V1__SubmitOutcomesRequest req
	    = TANDEM__V1__SUBMIT_OUTCOMES_REQUEST__INIT;
	req.submission_id              = id;
	req.outcomes                   = &op;
	req.n_outcomes                 = 1;
	Tandem__V1__SubmitResponse *r  = NULL;
	td_status                   st = { 0 };
	assert_int_equal(td_ingest_submit_outcomes(cl, &req, &r, &st),
	                 TD_CODE_OK);
	protobuf_c_message_free_unpacked(&r->base, NULL);
	td_status_reset(&st);
	/* the batch arrived SENT[i].days after its deadline */
	char sql[300];
	snprintf(
	    sql, sizeof(sql),
	    "UPDATE submissions SET received_at = '%s'::date::timestamptz "
	    "+ interval '%.2f days' WHERE id = '%s'",
	    SENT[i].deadline, SENT[i].days, id);
	h_sql_exec(conninfo, sql);
}

static int
setup(void **state)
{
	(void) state;
	h_db_create("reporting", conninfo);
	h_server_start(&srv, conninfo, NULL);
	cl = h_client(&srv, 30000);
	snprintf(dir, sizeof(dir), "/tmp/tdtest-reporting-%d", (int) getpid());
	assert_int_equal(h_run("rm -rf %s && mkdir -p %s", dir, dir), 0);
	assert_int_equal(define("districts",
	                        "district,name\nDA,District A\n"
	                        "DB,District B\n"),
	                 0);
	assert_int_equal(define("schools",
	                        "district,school,name,opened_on,closed_on\n"
	                        "DA,A1,School A1,,\n"
	                        "DA,A2,School A2,2024-02-15,\n"
	                        "DB,B1,School B1,2019-09-01,2024-02-10\n"),
	                 0);
	assert_int_equal(
	    define("measures",
	           "measure,name,unit,direction,target,frequency,timely_days\n"
	           "att,Attendance,percent,higher,,monthly,10\n"
	           "read,Reading,percent,higher,,termly,20\n"),
	    0);
	for (size_t i = 0; i < N_SENT; i++) {
		send(i);
	}
	return 0;
}

static int
teardown(void **state)
{
	(void) state;
	td_client_destroy(cl);
	assert_int_equal(h_server_stop(&srv), 0);
	assert_int_equal(h_run("rm -rf %s", dir), 0);
	return 0;
}

static void
define_checks_the_new_columns(void **state)
{
	(void) state;
	assert_string_equal(
	    h_sql_text(conninfo,
	               "SELECT string_agg(code || ':' || frequency || ':' || "
	               "timely_days, ' ' ORDER BY code) FROM measures"),
	    "att:monthly:10 read:termly:20");
	assert_string_equal(
	    h_sql_text(conninfo,
	               "SELECT opened_on || '/' || closed_on FROM "
	               "schools WHERE code = 'B1'"),
	    "2019-09-01/2024-02-10");
	/* a bad frequency, timely_days or date is refused, naming the
	 * record's field, and nothing is stored */
	assert_int_not_equal(define("measures",
	                            "measure,name,unit,direction,frequency,"
	                            "timely_days\natt,A,percent,higher,"
	                            "fortnightly,400\n"),
	                     0);
	assert_int_equal(h_run("grep -q frequency %s/define.out && grep -q "
	                       "'timely_days 400 is outside 0..366' "
	                       "%s/define.out",
	                       dir, dir),
	                 0);
	assert_int_not_equal(
	    define("schools",
	           "district,school,name,opened_on,closed_on\n"
	           "DA,A1,School A1,2024-05-01,2024-04-01\n"),
	    0);
	assert_int_equal(h_run("grep -q 'closed_on 2024-04-01 is before "
	                       "opened_on 2024-05-01' %s/define.out",
	                       dir),
	                 0);
	assert_string_equal(h_sql_text(conninfo,
	                               "SELECT frequency FROM measures "
	                               "WHERE code = 'att'"),
	                    "monthly");
}

static Tandem__V1__CompletenessResponse *
completeness(const char *measure, const char *backfill)
{
	Tandem__V1__CompletenessRequest req
	    = TANDEM__V1__COMPLETENESS_REQUEST__INIT;
	req.measure = (char *) measure;
	req.from    = "2024-01-01";
	req.to = strcmp(measure, "att") == 0 ? "2024-03-31" : "2024-12-31";
	req.backfill_before                  = (char *) backfill;
	Tandem__V1__CompletenessResponse *r  = NULL;
	td_status                         st = { 0 };
	assert_int_equal(td_analysis_completeness(cl, &req, &r, &st),
	                 TD_CODE_OK);
	td_status_reset(&st);
	return r;
}

static const Tandem__V1__ReportingRate *
rate(const Tandem__V1__CompletenessResponse *r, const char *level,
     const char *unit)
{
	for (size_t i = 0; i < r->n_rates; i++) {
		if (strcmp(r->rates[i]->level, level) == 0
		    && strcmp(r->rates[i]->unit, unit) == 0) {
			return r->rates[i];
		}
	}
	fail_msg("no %s rate for '%s'", level, unit);
	return NULL;
}

static void
want(const Tandem__V1__ReportingRate *w, int expected, int actual, int on_time,
     double mean_late)
{
	assert_int_equal(w->expected, expected);
	assert_int_equal(w->actual, actual);
	assert_int_equal(w->on_time, on_time);
	assert_true(fabs(w->reporting_rate - 100.0 * actual / expected)
	            < 1e-9);
	assert_true(fabs(w->on_time_rate - 100.0 * on_time / expected) < 1e-9);
	if (actual > 0) {
		assert_true(fabs(w->timeliness - 100.0 * on_time / actual)
		            < 1e-9);
	}
	if (isnan(mean_late)) {
		assert_true(isnan(w->mean_days_late));
	} else {
		/* an hour either way, should the cluster's zone keep DST */
		assert_true(fabs(w->mean_days_late - mean_late) < 0.05);
	}
}

static void
monthly_rates_without_backfill(void **state)
{
	(void) state;
	Tandem__V1__CompletenessResponse *r = completeness("att", "");
	/* periods: Jan owed by A1, B1; Feb by all three; Mar by A1, A2 */
	assert_int_equal(r->n_rows, 3);
	static const struct {
		const char *period, *missing;
		int         expected, reported, on_time;
	} p[] = { { "2024-01", "", 2, 2, 1 },
		  { "2024-02", "B1", 3, 2, 1 },
		  { "2024-03", "A1", 2, 1, 0 } };
	for (size_t i = 0; i < 3; i++) {
		const Tandem__V1__CompletenessRow *w = r->rows[i];
		assert_string_equal(w->period, p[i].period);
		assert_int_equal(w->expected, p[i].expected);
		assert_int_equal(w->reported, p[i].reported);
		assert_int_equal(w->on_time, p[i].on_time);
		assert_int_equal(w->timely_days, 10);
		assert_string_equal(w->frequency, "monthly");
		assert_int_equal(w->n_missing_schools,
		                 p[i].missing[0] ? 1 : 0);
		if (p[i].missing[0]) {
			assert_string_equal(w->missing_schools[0],
			                    p[i].missing);
		}
	}
	assert_string_equal(r->rows[1]->period_end, "2024-02-29");
	/* network, DA, DB, A1, A2, B1 in that order */
	assert_int_equal(r->n_rates, 6);
	assert_string_equal(r->rates[0]->level, "network");
	assert_string_equal(r->rates[1]->unit, "DA");
	assert_string_equal(r->rates[3]->unit, "A1");
	assert_string_equal(r->rates[5]->district, "DB");
	want(rate(r, "network", ""), 7, 5, 2, (9 + 0.25 + 111) / 3);
	want(rate(r, "district", "DA"), 5, 4, 2, (9 + 0.25) / 2);
	want(rate(r, "district", "DB"), 2, 1, 0, 111);
	want(rate(r, "school", "A1"), 3, 2, 1, 9);
	want(rate(r, "school", "A2"), 2, 2, 1, 0.25);
	want(rate(r, "school", "B1"), 2, 1, 0, 111);
	protobuf_c_message_free_unpacked(&r->base, NULL);
}

static void
monthly_rates_with_backfill(void **state)
{
	(void) state;
	/* January and February ended before 2024-03-01: their reports are
	 * history, on time whenever they came; March's are judged */
	Tandem__V1__CompletenessResponse *r
	    = completeness("att", "2024-03-01");
	assert_int_equal(r->rows[0]->on_time, 2);
	assert_int_equal(r->rows[1]->on_time, 2);
	assert_int_equal(r->rows[2]->on_time, 0);
	want(rate(r, "network", ""), 7, 5, 4, 0.25);
	want(rate(r, "district", "DA"), 5, 4, 3, 0.25);
	want(rate(r, "district", "DB"), 2, 1, 1, NAN);
	want(rate(r, "school", "A1"), 3, 2, 2, NAN);
	want(rate(r, "school", "B1"), 2, 1, 1, NAN);
	protobuf_c_message_free_unpacked(&r->base, NULL);
}

static void
termly_rates(void **state)
{
	(void) state;
	Tandem__V1__CompletenessResponse *r = completeness("read", "");
	assert_int_equal(r->n_rows, 2);
	assert_string_equal(r->rows[0]->period, "2023-24 T2");
	assert_string_equal(r->rows[0]->period_end, "2024-07-31");
	assert_string_equal(r->rows[1]->period, "2024-25 T1");
	assert_string_equal(r->rows[1]->frequency, "termly");
	/* B1 closed in the first term and owes nothing after it */
	assert_int_equal(r->rows[0]->expected, 3);
	assert_int_equal(r->rows[1]->expected, 2);
	want(rate(r, "network", ""), 5, 2, 1, 4);
	want(rate(r, "school", "A1"), 2, 1, 1, NAN);
	want(rate(r, "school", "A2"), 2, 1, 0, 4);
	want(rate(r, "school", "B1"), 1, 0, 0, NAN);
	protobuf_c_message_free_unpacked(&r->base, NULL);
	/* a bad date is refused by name */
	Tandem__V1__CompletenessRequest req
	    = TANDEM__V1__COMPLETENESS_REQUEST__INIT;
	req.from                             = "2024-13-01";
	Tandem__V1__CompletenessResponse *x  = NULL;
	td_status                         st = { 0 };
	assert_int_equal(td_analysis_completeness(cl, &req, &x, &st),
	                 TD_CODE_INVALID_ARGUMENT);
	assert_non_null(strstr(st.message, "from"));
	td_status_reset(&st);
}

static void
cli_prints_the_rates(void **state)
{
	(void) state;
	/* the network's row of the CSV: att, network, 3 periods, 7
	 * expected, 5 actual, 2 on time, 71.4% */
	assert_int_equal(
	    h_run("%s/tandem --server %s --format csv analyze completeness "
	          "--measure att --from 2024-01-01 --to 2024-03-31 "
	          ">%s/c.csv && grep -q '^att,network,,,3,7,5,2,71.4,28.6,"
	          "40.0,' %s/c.csv && grep -q '^att,school,B1,DB,3,2,1,0,50.0,"
	          "0.0,0.0,111' %s/c.csv",
	          h_bin_dir(), srv.url, dir, dir, dir),
	    0);
}

/* Migration numbers are handed out ahead of landing: a database that
 * already has 016 (review) without 015 (this work) gets 015 at the next
 * --migrate, not silently skipped. */
static void
migration_015_reaches_a_database_with_016(void **state)
{
	(void) state;
	assert_int_equal(h_server_stop(&srv), 0);
	td_client_destroy(cl);
	h_sql_exec(conninfo,
	           "DROP TABLE survey_approval_log, survey_approvals, "
	           "deviant_state; DROP FUNCTION td_period_end(char, date); "
	           "ALTER TABLE measures DROP COLUMN frequency, DROP COLUMN "
	           "timely_days; ALTER TABLE schools DROP COLUMN opened_on, "
	           "DROP COLUMN closed_on; DELETE FROM td_schema_migrations "
	           "WHERE version = 15");
	assert_int_equal(h_sql_int(conninfo,
	                           "SELECT count(*) FROM td_schema_migrations "
	                           "WHERE version = 16"),
	                 1);
	h_server_start(&srv, conninfo, NULL);
	cl = h_client(&srv, 30000);
	assert_int_equal(h_sql_int(conninfo,
	                           "SELECT count(*) FROM td_schema_migrations "
	                           "WHERE version = 15"),
	                 1);
	assert_int_equal(h_sql_int(conninfo,
	                           "SELECT count(*) FROM information_schema."
	                           "columns WHERE table_name = 'measures' AND "
	                           "column_name = 'frequency'"),
	                 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(define_checks_the_new_columns),
		cmocka_unit_test(monthly_rates_without_backfill),
		cmocka_unit_test(monthly_rates_with_backfill),
		cmocka_unit_test(termly_rates),
		cmocka_unit_test(cli_prints_the_rates),
		cmocka_unit_test(migration_015_reaches_a_database_with_016),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
