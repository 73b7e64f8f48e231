/* SPDX-License-Identifier: MIT
 * A record belongs to its school (issue 14), tried as a hostile school
 * client would, through the real CLI: a colliding survey key or
 * observation code from another school neither replaces that school's
 * record nor reveals that it exists, with or without --correction; an
 * observation names only its own school's observed educator (the observer
 * may come from anywhere in the network) and participation its own
 * school's educators; submission ids are per client; and tandemd serves
 * through a database role that cannot alter or empty the audit log.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "harness.h"

static char       conninfo[512];
static char       dir[128];
static h_server   srv;
static td_client *admin;
static char       tok_s1[80], tok_s2[80];

static void
write_file(const char *name, const char *text)
{
	h_write_file(dir, name, text);
}

/* cli runs the tandem CLI with a token; output to dir/out.txt. */
static int
cli(const char *token, const char *args)
{
	return h_run("%s/tandem --server %s --token %s %s >%s/out.txt 2>&1",
	             h_bin_dir(), srv.url, token, args, dir);
}

static bool
out_has(const char *needle)
{
	char path[256], buf[8192];
	snprintf(path, sizeof(path), "%s/out.txt", dir);
	FILE  *f = fopen(path, "r");
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
	if (f) {
		fclose(f);
	}
	buf[n] = '\0';
	return strstr(buf, needle) != NULL;
}

static void
make_token(const char *name, const char *school, char *out)
{
	h_create_client(admin, name, "school", school, NULL, out, NULL);
}

static int
setup(void **state)
{
	(void) state;
	h_db_create("scope", conninfo);
	h_server_start(&srv, conninfo, NULL);
	admin = h_client(&srv, 30000);
	snprintf(dir, sizeof(dir), "/tmp/tdtest-scope-%d", (int) getpid());
	assert_int_equal(h_run("rm -rf %s && mkdir -p %s", dir, dir), 0);
	write_file("districts.csv", "district,name\nD1,One\nD2,Two\n");
	write_file("schools.csv",
	           "district,school,name,frl_rate,enrollment,locale,grades\n"
	           "D1,S1,S1,0.5,400,city,K-5\nD1,S2,S2,0.4,300,city,K-5\n"
	           "D2,S3,S3,0.3,100,rural,K-5\n");
	write_file("educators.csv",
	           "educator,school,name,role\nE1,S1,A,teacher\n"
	           "E2,S1,B,coach\nE3,S2,C,teacher\nE4,S3,D,coach\n");
	write_file("survey.csv",
	           "item,construct,min,max,reverse_coded,favourable_at_least,"
	           "text\nq1,c1,1,5,false,4,One\nq2,c1,1,5,false,4,Two\n");
	write_file("rubric.csv", "criterion,min,max,text\nc1,1,4,One\n");
	write_file("activities.csv",
	           "activity,kind,name,district\nA1,coaching,Coaching,D1\n");
	const char *steps[] = {
		"define districts %s/districts.csv",
		"define schools %s/schools.csv",
		"define educators %s/educators.csv",
		"define survey --code clim %s/survey.csv",
		"define rubric --code prac %s/rubric.csv",
		"define activities %s/activities.csv",
	};
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		char args[300];
		snprintf(args, sizeof(args), steps[i], dir);
		if (cli(srv.token, args) != 0) {
			h_run("cat %s/out.txt >&2", dir);
			fail_msg("tandem %s failed", args);
		}
	}
	make_token("s1", "S1", tok_s1);
	make_token("s2", "S2", tok_s2);
	return 0;
}

static int
teardown(void **state)
{
	(void) state;
	td_client_destroy(admin);
	assert_int_equal(h_server_stop(&srv), 0);
	h_run("rm -rf %s", dir);
	return 0;
}

/* S2's student answered on a day; S1 sends the same respondent id and
 * day, plainly and as a correction. S2's response stays as it was, and
 * S1 is never told that S2 holds one. */
static void
colliding_survey_key_neither_replaces_nor_reveals(void **state)
{
	(void) state;
	char args[300];
	write_file("s2.csv",
	           "school,respondent,administered_on,grade,q1,q2\n"
	           "S2,STU-1,2024-10-07,4,5,5\n");
	write_file("s1.csv",
	           "school,respondent,administered_on,grade,q1,q2\n"
	           "S1,STU-1,2024-10-07,4,1,1\n");
	snprintf(args, sizeof(args), "submit surveys --survey clim %s/s2.csv",
	         dir);
	assert_int_equal(cli(tok_s2, args), 0);
	snprintf(args, sizeof(args), "submit surveys --survey clim %s/s1.csv",
	         dir);
	assert_int_equal(cli(tok_s1, args), 0); /* not ALREADY_EXISTS */
	assert_false(out_has("ALREADY_EXISTS"));
	write_file("s1.csv",
	           "school,respondent,administered_on,grade,q1,q2\n"
	           "S1,STU-1,2024-10-07,4,2,2\n");
	snprintf(args, sizeof(args),
	         "submit surveys --survey clim --correction %s/s1.csv", dir);
	assert_int_equal(cli(tok_s1, args), 0);
	assert_int_equal(
	    h_sql_int(conninfo,
	              "SELECT count(*) FROM survey_responses r JOIN schools "
	              "s ON s.id = r.school_id WHERE s.code = 'S2' AND "
	              "r.answers = '{5,5}'"),
	    1);
	assert_int_equal(
	    h_sql_int(conninfo,
	              "SELECT count(*) FROM survey_responses r JOIN schools "
	              "s ON s.id = r.school_id WHERE s.code = 'S1' AND "
	              "r.answers = '{2,2}'"),
	    1);
	assert_int_equal(
	    h_sql_int(conninfo, "SELECT count(*) FROM survey_responses"), 2);
	/* the correction is audited as one, with the replaced record's key
	 * pseudonymised */
	assert_int_equal(
	    h_sql_int_until(conninfo,
	                    "SELECT count(*) FROM audit_log WHERE detail LIKE "
	                    "'correction: replaced 1 survey_responses "
	                    "record(s): (%2024-10-07)' AND detail NOT LIKE "
	                    "'%STU-1%'",
	                    1),
	    1);
}

/* S2's observation code reused by S1, with a correction: S2's scoring is
 * untouched and S1's does not pair with it as a double scoring. The
 * observer may be another school's educator (peer observation). */
static void
colliding_observation_code_stays_in_its_school(void **state)
{
	(void) state;
	char args[300];
	write_file("o2.csv",
	           "observation,school,observer,observed,rubric,"
	           "observed_on,c1,notes\n"
	           "OBS-1,S2,E3,E3,prac,2024-10-08,4,fine\n");
	write_file("o1.csv",
	           "observation,school,observer,observed,rubric,"
	           "observed_on,c1,notes\n"
	           "OBS-1,S1,E3,E1,prac,2024-10-08,1,mine\n");
	snprintf(args, sizeof(args), "submit feedback %s/o2.csv", dir);
	assert_int_equal(cli(tok_s2, args), 0);
	snprintf(args, sizeof(args), "submit feedback --correction %s/o1.csv",
	         dir);
	assert_int_equal(cli(tok_s1, args), 0);
	assert_int_equal(
	    h_sql_int(conninfo,
	              "SELECT count(*) FROM observations o JOIN schools s ON "
	              "s.id = o.school_id WHERE s.code = 'S2' AND o.scores = "
	              "'{4}' AND o.notes = 'fine'"),
	    1);
	assert_int_equal(h_sql_int(conninfo,
	                           "SELECT count(*) FROM observations WHERE "
	                           "observation = 'OBS-1'"),
	                 2);
	/* annotations of S1 attach to S1's observation only */
	write_file("a1.csv",
	           "observation,t_seconds,criterion,note\n"
	           "OBS-1,30,c1,seen\n");
	snprintf(args, sizeof(args),
	         "submit feedback %s/o1.csv --annotations %s/a1.csv", dir,
	         dir);
	(void) cli(tok_s1, args);
	assert_int_equal(
	    h_sql_int(conninfo,
	              "SELECT count(*) FROM annotations a JOIN observations o "
	              "ON o.id = a.observation_id JOIN schools s ON s.id = "
	              "o.school_id WHERE s.code = 'S2'"),
	    0);
}

/* Observed and participating educators belong to the record's school;
 * the observer may come from any school but must be registered. */
static void
educators_named_must_belong_to_the_school(void **state)
{
	(void) state;
	char      args[300];
	long long obs
	    = h_sql_int(conninfo, "SELECT count(*) FROM observations");
	write_file("o3.csv",
	           "observation,school,observer,observed,rubric,"
	           "observed_on,c1,notes\n"
	           "OBS-2,S1,E1,E3,prac,2024-10-09,3,\n");
	snprintf(args, sizeof(args), "submit feedback %s/o3.csv", dir);
	assert_int_not_equal(cli(tok_s1, args), 0);
	assert_true(out_has("PERMISSION_DENIED"));
	assert_true(out_has("not registered at school 'S1'"));
	write_file("o4.csv",
	           "observation,school,observer,observed,rubric,"
	           "observed_on,c1,notes\n"
	           "OBS-3,S1,NOBODY,E1,prac,2024-10-09,3,\n");
	snprintf(args, sizeof(args), "submit feedback %s/o4.csv", dir);
	assert_int_not_equal(cli(tok_s1, args), 0);
	assert_true(out_has("INVALID_ARGUMENT"));
	/* a coach of another district observes: fine */
	write_file("o5.csv",
	           "observation,school,observer,observed,rubric,"
	           "observed_on,c1,notes\n"
	           "OBS-4,S1,E4,E2,prac,2024-10-09,3,\n");
	snprintf(args, sizeof(args), "submit feedback %s/o5.csv", dir);
	assert_int_equal(cli(tok_s1, args), 0);
	assert_int_equal(
	    h_sql_int(conninfo, "SELECT count(*) FROM observations"), obs + 1);
	write_file("p1.csv",
	           "activity,school,educator,period_start,"
	           "period_end,hours\n"
	           "A1,S1,E3,2024-09-01,2024-09-30,4\n");
	snprintf(args, sizeof(args), "submit participation %s/p1.csv", dir);
	assert_int_not_equal(cli(tok_s1, args), 0);
	assert_true(out_has("PERMISSION_DENIED"));
	assert_int_equal(
	    h_sql_int(conninfo, "SELECT count(*) FROM participation"), 0);
}

/* Another client reusing a submission id is another submission: it can
 * neither squat an id nor learn from ALREADY_EXISTS that it was used. */
static void
submission_ids_are_per_client(void **state)
{
	(void) state;
	td_client           *c1 = h_client_token(&srv, 30000, tok_s1);
	td_client           *c2 = h_client_token(&srv, 30000, tok_s2);
	Tandem__V1__Outcome  o  = TANDEM__V1__OUTCOME__INIT;
	Tandem__V1__Outcome *po = &o;
	Tandem__V1__SubmitOutcomesRequest req
	    = TANDEM__V1__SUBMIT_OUTCOMES_REQUEST__INIT;
	Tandem__V1__SubmitResponse *r  = NULL;
	td_status                   st = { 0 };
	write_file("m.csv",
	           "measure,name,unit,direction\n"
	           "att,Attendance,percent,higher\n");
	char args[200];
	snprintf(args, sizeof(args), "define measures %s/m.csv", dir);
	assert_int_equal(cli(srv.token, args), 0);
	o.measure         = (char *) "att";
	o.period_start    = (char *) "2024-09-01";
	o.period_end      = (char *) "2024-09-30";
	o.value           = 90;
	o.n               = 30;
	req.submission_id = (char *) "squatted-id";
	req.n_outcomes    = 1;
	req.outcomes      = &po;
	o.school          = (char *) "S1";
	assert_int_equal(td_ingest_submit_outcomes(c1, &req, &r, &st),
	                 TD_CODE_OK);
	protobuf_c_message_free_unpacked(&r->base, NULL);
	o.school = (char *) "S2";
	assert_int_equal(td_ingest_submit_outcomes(c2, &req, &r, &st),
	                 TD_CODE_OK);
	assert_int_equal(r->stored, 1);
	protobuf_c_message_free_unpacked(&r->base, NULL);
	td_status_reset(&st);
	td_client_destroy(c1);
	td_client_destroy(c2);
}

/* must_fail runs sql as the serving role and requires an error. */
static void
must_fail(PGconn *c, const char *sql)
{
	PGresult *r = PQexec(c, sql);
	if (PQresultStatus(r) == PGRES_COMMAND_OK
	    || PQresultStatus(r) == PGRES_TUPLES_OK) {
		fail_msg("the serving role could: %s", sql);
	}
	PQclear(r);
}

/* tandemd's role owns nothing: it cannot switch the audit log's trigger
 * off, nor delete, update or truncate audit rows. */
static void
serving_role_cannot_touch_the_audit_log(void **state)
{
	(void) state;
	long long rows = h_sql_int(conninfo, "SELECT count(*) FROM audit_log");
	assert_true(rows > 0);
	PGconn *c = PQconnectdb(srv.serving);
	assert_int_equal(PQstatus(c), CONNECTION_OK);
	must_fail(c, "ALTER TABLE audit_log DISABLE TRIGGER USER");
	must_fail(c, "ALTER TABLE audit_log DISABLE TRIGGER ALL");
	must_fail(c, "DELETE FROM audit_log");
	must_fail(c, "UPDATE audit_log SET status = 'OK'");
	must_fail(c, "TRUNCATE audit_log");
	must_fail(c, "DROP TABLE audit_log");
	must_fail(c, "ALTER TABLE survey_responses DROP COLUMN answers");
	PQfinish(c);
	assert_int_equal(
	    h_sql_int(conninfo,
	              "SELECT count(*) FROM audit_log "
	              "WHERE id IS NOT NULL"),
	    h_sql_int(conninfo, "SELECT count(*) FROM audit_log"));
	assert_true(h_sql_int(conninfo, "SELECT count(*) FROM audit_log")
	            >= rows);
}

/* A pseudonym key shorter than 32 bytes, or TLS options with no TLS
 * listener, stop tandemd at start with the reason. */
static void
weak_key_and_stray_tls_options_refuse_to_start(void **state)
{
	(void) state;
	assert_int_equal(
	    h_run("TANDEM_HMAC_KEY=k %s/tandemd --db '%s' --listen "
	          "ipc:///tmp/tdtest-scope-%d.sock >%s/out.txt 2>&1",
	          h_bin_dir(), srv.serving, (int) getpid(), dir),
	    2);
	assert_true(out_has("at least 32"));
	assert_int_equal(
	    h_run("%s/tandemd --db '%s' --listen tcp://127.0.0.1:1 "
	          "--tls-cert x.pem --tls-key x.key >%s/out.txt 2>&1",
	          h_bin_dir(), srv.serving, dir),
	    2);
	assert_true(out_has("no tls+tcp:// listener"));
}

/* Calls without a valid token from one network peer cost at most 20
 * audit rows a second; the rest are counted in a summary row, so every
 * call is still accounted for. */
static void
denied_calls_are_audited_within_a_budget_per_peer(void **state)
{
	(void) state;
	h_server tcp;
	char     url[64];
	snprintf(url, sizeof(url), "tcp://127.0.0.1:%d",
	         20000 + (int) getpid() % 20000);
	h_server_start(&tcp, conninfo, "--listen", url, "--quiet", NULL);
	td_client_opts o      = { 0 };
	const char    *urls[] = { url };
	o.urls                = urls;
	o.n_urls              = 1;
	o.timeout_ms          = 10000;
	td_client *c          = NULL;
	char       err[TD_ERRMSG_MAX];
	assert_int_equal(td_client_create(&c, &o, err), TD_OK);
	long long                      before = h_sql_int(conninfo,
	                                                  "SELECT count(*) FROM audit_log "
	                                                                       "WHERE status = "
	                                                                       "'UNAUTHENTICATED'");
	Tandem__V1__ListSchoolsRequest q
	    = TANDEM__V1__LIST_SCHOOLS_REQUEST__INIT;
	for (int i = 0; i < 100; i++) {
		Tandem__V1__ListSchoolsResponse *r  = NULL;
		td_status                        st = { 0 };
		assert_int_equal(td_registry_list_schools(c, &q, &r, &st),
		                 TD_CODE_UNAUTHENTICATED);
		td_status_reset(&st);
	}
	usleep(1100000); /* the next second: the summary is written */
	Tandem__V1__ListSchoolsResponse *r  = NULL;
	td_status                        st = { 0 };
	assert_int_equal(td_registry_list_schools(c, &q, &r, &st),
	                 TD_CODE_UNAUTHENTICATED);
	char rid[40];
	snprintf(rid, sizeof(rid), "%s", st.request_id);
	td_status_reset(&st);
	/* The audit writer stores rows after the replies: wait until the
	 * 101st call's own row is there (it is queued after the summary). */
	char sql[256];
	snprintf(sql, sizeof(sql),
	         "SELECT count(*) FROM audit_log WHERE status = "
	         "'UNAUTHENTICATED' AND request_id = '%s'",
	         rid);
	(void) h_sql_int_until(conninfo, sql, 1);
	long long rows = h_sql_int(conninfo,
	                           "SELECT count(*) FROM audit_log "
	                           "WHERE status = "
	                           "'UNAUTHENTICATED'")
	    - before - 1;
	long long counted
	    = h_sql_int(conninfo,
	                "SELECT coalesce(sum(records), 0) FROM "
	                "audit_log WHERE method = '(rate-limited)' "
	                "AND detail LIKE '%127.0.0.1%'");
	print_message("100 denied calls: %lld audit rows, %lld counted in "
	              "summaries\n",
	              rows, counted);
	assert_true(rows < 100);
	assert_int_equal(rows + counted, 100);
	td_client_destroy(c);
	assert_int_equal(h_server_stop(&tcp), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    colliding_survey_key_neither_replaces_nor_reveals),
		cmocka_unit_test(
		    colliding_observation_code_stays_in_its_school),
		cmocka_unit_test(educators_named_must_belong_to_the_school),
		cmocka_unit_test(submission_ids_are_per_client),
		cmocka_unit_test(serving_role_cannot_touch_the_audit_log),
		cmocka_unit_test(
		    weak_key_and_stray_tls_options_refuse_to_start),
		cmocka_unit_test(
		    denied_calls_are_audited_within_a_budget_per_peer),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
