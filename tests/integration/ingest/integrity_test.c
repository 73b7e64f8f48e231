/* SPDX-License-Identifier: MIT
 * Survey responses and outcomes check their registry keys once per
 * statement (sql/018_ingest_key_checks.sql) instead of by foreign keys:
 * integrity must be what the foreign keys gave. Rows naming a missing
 * school, survey, measure or submission are refused; a referenced registry
 * row cannot be deleted, renumbered or truncated away; and with two
 * transactions racing (a writer and a deleter, in either order) the
 * second waits for the first and then fails, so no row is ever orphaned.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "harness.h"

static char     conninfo[512];
static char     dir[128];
static h_server srv;

/* An outcome row for school id SCHOOL (a %s), of a period no fixture uses. */
#define OUTCOME_FOR                                                           \
	"INSERT INTO outcomes (measure_id, school_id, period_start, "         \
	"period_end, value, n, submission_seq) SELECT (SELECT min(id) FROM "  \
	"measures), %s, '2039-01-01', '2039-01-31', 1, 10, (SELECT max(seq) " \
	"FROM submissions)"

/* Rows of the ingest tables whose keys name nothing. */
static const char ORPHANS[]
    = "SELECT (SELECT count(*) FROM survey_responses r WHERE NOT EXISTS "
      "(SELECT 1 FROM schools s WHERE s.id = r.school_id) OR NOT EXISTS "
      "(SELECT 1 FROM surveys v WHERE v.id = r.survey_id) OR NOT EXISTS "
      "(SELECT 1 FROM submissions b WHERE b.seq = r.submission_seq)) + "
      "(SELECT count(*) FROM outcomes o WHERE NOT EXISTS (SELECT 1 FROM "
      "schools s WHERE s.id = o.school_id) OR NOT EXISTS (SELECT 1 FROM "
      "measures m WHERE m.id = o.measure_id) OR NOT EXISTS (SELECT 1 FROM "
      "submissions b WHERE b.seq = o.submission_seq))";

static PGconn *
conn(const char *ci)
{
	PGconn *c = PQconnectdb(ci);
	if (PQstatus(c) != CONNECTION_OK) {
		fail_msg("connect: %s", PQerrorMessage(c));
	}
	return c;
}

/* state runs sql on c and returns its SQLSTATE, "" when it succeeded. */
static const char *
state(PGconn *c, const char *sql)
{
	static char    st[8];
	PGresult      *r = PQexec(c, sql);
	ExecStatusType t = PQresultStatus(r);
	const char    *s = PQresultErrorField(r, PG_DIAG_SQLSTATE);
	if (s != NULL) {
		fprintf(stderr, "refused: %s", PQresultErrorMessage(r));
	}
	snprintf(st, sizeof(st), "%s",
	         t == PGRES_COMMAND_OK || t == PGRES_TUPLES_OK ? ""
	             : s != NULL                               ? s
	                                                       : "?");
	PQclear(r);
	return st;
}

/* result_state collects the result of a PQsendQuery. */
static const char *
result_state(PGconn *c)
{
	static char st[8];
	PGresult   *r;
	st[0] = '\0';
	while ((r = PQgetResult(c)) != NULL) {
		const char *s = PQresultErrorField(r, PG_DIAG_SQLSTATE);
		if (PQresultStatus(r) != PGRES_COMMAND_OK
		    && PQresultStatus(r) != PGRES_TUPLES_OK) {
			snprintf(st, sizeof(st), "%s", s ? s : "?");
		}
		PQclear(r);
	}
	return st;
}

/* wait_blocked waits until the backend of c waits for a lock (at most
 * 30 s; the test fails if it never does). */
static void
wait_blocked(PGconn *c)
{
	char sql[200];
	snprintf(sql, sizeof(sql),
	         "SELECT count(*) FROM pg_stat_activity WHERE pid = %d AND "
	         "wait_event_type = 'Lock'",
	         PQbackendPID(c));
	for (int i = 0; i < 3000; i++) {
		if (h_sql_int(conninfo, sql) == 1) {
			return;
		}
		usleep(10000);
	}
	fail_msg("the second transaction never waited for the first");
}

/* new_school registers a school without data; returns its id. */
static long long
new_school(const char *code)
{
	char sql[300];
	snprintf(sql, sizeof(sql),
	         "INSERT INTO schools (district_id, code, name) SELECT "
	         "min(id), '%s', 'School %s' FROM districts",
	         code, code);
	h_sql_exec(conninfo, sql);
	snprintf(sql, sizeof(sql), "SELECT id FROM schools WHERE code = '%s'",
	         code);
	return h_sql_int(conninfo, sql);
}

static int
setup(void **st)
{
	(void) st;
	h_db_create("integrity", conninfo);
	h_server_start(&srv, conninfo, NULL);
	snprintf(dir, sizeof(dir), "/tmp/tdtest-integrity-%d", (int) getpid());
	assert_int_equal(h_run("rm -rf %s && %s/tandem sample --seed 1 %s "
	                       ">/dev/null",
	                       dir, h_bin_dir(), dir),
	                 0);
	const char *steps[] = {
		"define districts %s/districts.csv",
		"define schools %s/schools.csv",
		"define measures %s/measures.csv",
		"define survey --code climate %s/survey_climate.csv",
		"submit surveys --survey climate %s/responses_climate.csv",
		"submit outcomes %s/outcomes.csv",
	};
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		char args[300];
		snprintf(args, sizeof(args), steps[i], dir);
		if (h_run("%s/tandem --server %s %s >/dev/null", h_bin_dir(),
		          srv.url, args)
		    != 0) {
			fail_msg("tandem %s failed", args);
		}
	}
	assert_true(
	    h_sql_int(conninfo, "SELECT count(*) FROM survey_responses") > 0);
	assert_true(h_sql_int(conninfo, "SELECT count(*) FROM outcomes") > 0);
	return 0;
}

static int
teardown(void **st)
{
	(void) st;
	assert_int_equal(h_server_stop(&srv), 0);
	h_run("rm -rf %s", dir);
	return 0;
}

/* Any writer (here tandemd's own role, straight to SQL) is refused rows
 * that name a missing school, measure, survey or submission. */
static void
rows_naming_missing_keys_are_refused(void **st)
{
	(void) st;
	PGconn *w = conn(srv.serving);
	char    sql[600];
	snprintf(sql, sizeof(sql), OUTCOME_FOR, "-1");
	assert_string_equal(state(w, sql), "23503");
	assert_string_equal(
	    state(w,
	          "INSERT INTO outcomes (measure_id, school_id, "
	          "period_start, period_end, value, n, submission_seq) "
	          "SELECT -1, (SELECT min(id) FROM schools), '2039-01-01', "
	          "'2039-01-31', 1, 10, (SELECT max(seq) FROM submissions)"),
	    "23503");
	assert_string_equal(
	    state(w,
	          "INSERT INTO outcomes (measure_id, school_id, "
	          "period_start, period_end, value, n, submission_seq) "
	          "SELECT (SELECT min(id) FROM measures), (SELECT min(id) "
	          "FROM schools), '2039-01-01', '2039-01-31', 1, 10, -1"),
	    "23503");
	/* a copy of a stored response under another key, one field wrong */
	const char *bad[]
	    = { "-1 AS survey_id, school_id", "survey_id, -1 AS school_id" };
	for (size_t i = 0; i < 2; i++) {
		snprintf(
		    sql, sizeof(sql),
		    "INSERT INTO survey_responses (survey_id, school_id, "
		    "respondent, administered_on, grade, answers, "
		    "submission_seq) SELECT %s, '\\x00'::bytea, "
		    "administered_on, grade, answers, submission_seq FROM "
		    "survey_responses LIMIT 1",
		    bad[i]);
		assert_string_equal(state(w, sql), "23503");
	}
	assert_string_equal(
	    state(w,
	          "UPDATE survey_responses SET school_id = -1 WHERE "
	          "ctid = (SELECT ctid FROM survey_responses LIMIT 1)"),
	    "23503");
	PQfinish(w);
	assert_int_equal(h_sql_int(conninfo, ORPHANS), 0);
}

/* A school, measure, survey or submission that rows refer to is neither
 * deleted, renumbered nor truncated away; one that nothing refers to can
 * be deleted as before. */
static void
referenced_registry_rows_stay(void **st)
{
	(void) st;
	PGconn     *c         = conn(conninfo);
	const char *refused[] = {
		"DELETE FROM schools WHERE id = (SELECT school_id FROM "
		"outcomes LIMIT 1)",
		"DELETE FROM schools WHERE id = (SELECT school_id FROM "
		"survey_responses LIMIT 1)",
		"DELETE FROM measures WHERE id = (SELECT measure_id FROM "
		"outcomes LIMIT 1)",
		"DELETE FROM surveys WHERE id = (SELECT survey_id FROM "
		"survey_responses LIMIT 1)",
		"DELETE FROM submissions WHERE seq = (SELECT submission_seq "
		"FROM outcomes LIMIT 1)",
		"UPDATE schools SET id = -id WHERE id = (SELECT school_id "
		"FROM "
		"outcomes LIMIT 1)",
		"UPDATE submissions SET seq = -seq WHERE seq = (SELECT "
		"submission_seq FROM survey_responses LIMIT 1)",
		"TRUNCATE schools CASCADE",
		"TRUNCATE measures CASCADE",
		"TRUNCATE submissions CASCADE",
	};
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		if (strcmp(state(c, refused[i]), "23503") != 0) {
			fail_msg("not refused: %s", refused[i]);
		}
	}
	/* the foreign keys' REPEATABLE READ cross-check is not there:
	 * refused outright */
	assert_string_equal(state(c, "BEGIN ISOLATION LEVEL REPEATABLE READ"),
	                    "");
	assert_string_equal(
	    state(c,
	          "DELETE FROM schools WHERE id = (SELECT min(id) FROM "
	          "schools)"),
	    "23503");
	assert_string_equal(state(c, "ROLLBACK"), "");
	/* what nothing refers to goes; other updates pass */
	long long id = new_school("SFREE");
	char      sql[200];
	assert_string_equal(state(c, "UPDATE schools SET name = name || '.'"),
	                    "");
	snprintf(sql, sizeof(sql), "DELETE FROM schools WHERE id = %lld", id);
	assert_string_equal(state(c, sql), "");
	PQfinish(c);
	assert_int_equal(h_sql_int(conninfo, ORPHANS), 0);
}

/* A writer first: the delete of the school it wrote for waits for the
 * writer's commit, then sees its row and is refused. */
static void
delete_waits_for_the_writer(void **st)
{
	(void) st;
	long long id = new_school("SRACE1");
	PGconn   *w  = conn(srv.serving);
	PGconn   *d  = conn(conninfo);
	char      ids[24], sql[600];
	snprintf(ids, sizeof(ids), "%lld", id);
	assert_string_equal(state(w, "BEGIN"), "");
	snprintf(sql, sizeof(sql), OUTCOME_FOR, ids);
	assert_string_equal(state(w, sql), "");
	snprintf(sql, sizeof(sql), "DELETE FROM schools WHERE id = %lld", id);
	assert_int_equal(PQsendQuery(d, sql), 1);
	wait_blocked(d);
	assert_string_equal(state(w, "COMMIT"), "");
	assert_string_equal(result_state(d), "23503");
	snprintf(sql, sizeof(sql),
	         "SELECT count(*) FROM schools WHERE id = %lld", id);
	assert_int_equal(h_sql_int(conninfo, sql), 1);
	PQfinish(w);
	PQfinish(d);
	assert_int_equal(h_sql_int(conninfo, ORPHANS), 0);
}

/* A delete first: a writer naming that school waits for the delete's
 * commit, then finds the school gone and is refused. */
static void
writer_waits_for_the_delete(void **st)
{
	(void) st;
	long long id = new_school("SRACE2");
	PGconn   *w  = conn(srv.serving);
	PGconn   *d  = conn(conninfo);
	char      ids[24], sql[600];
	snprintf(ids, sizeof(ids), "%lld", id);
	assert_string_equal(state(d, "BEGIN"), "");
	snprintf(sql, sizeof(sql), "DELETE FROM schools WHERE id = %lld", id);
	assert_string_equal(state(d, sql), "");
	snprintf(sql, sizeof(sql), OUTCOME_FOR, ids);
	assert_int_equal(PQsendQuery(w, sql), 1);
	wait_blocked(w);
	assert_string_equal(state(d, "COMMIT"), "");
	assert_string_equal(result_state(w), "23503");
	PQfinish(w);
	PQfinish(d);
	assert_int_equal(h_sql_int(conninfo, ORPHANS), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rows_naming_missing_keys_are_refused),
		cmocka_unit_test(referenced_registry_rows_stay),
		cmocka_unit_test(delete_waits_for_the_writer),
		cmocka_unit_test(writer_waits_for_the_delete),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
