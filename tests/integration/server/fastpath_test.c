/* SPDX-License-Identifier: MIT
 * The fast path (issue 21, P2): tandemd answers on nng's own thread the
 * calls that need no database (Health from known state, an Analysis answer
 * cached under the current data version, for a token known under it) and
 * hands every other call to a worker. It must change nothing a client or
 * an auditor can see: a cached answer served there still has its audit
 * row; a revoked or unknown token is refused; a caller over its budget of
 * denied calls is still refused and accounted for; a write makes every
 * cached answer stale. Which thread answered is read from tandemd's log
 * (worker=-1: nng's thread), so each test knows the fast path was taken.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

static char       conninfo[512];
static char       dir[128];
static char       tcp_url[64];
static h_server   srv;
static td_client *admin, *council;
static char       council_id[40];

/* worker_of returns the worker= of the log line of request rid (-1 is
 * nng's thread), or -2 when tandemd has logged no such line. */
static int
worker_of(const char *rid)
{
	char  want[80], line[2048];
	int   w = -2;
	FILE *f = fopen(srv.log, "r");
	assert_non_null(f);
	snprintf(want, sizeof(want), "request_id=\"%s\" worker=", rid);
	while (fgets(line, sizeof(line), f) != NULL) {
		const char *p = strstr(line, want);
		if (p != NULL) {
			w = atoi(p + strlen(want));
		}
	}
	fclose(f);
	return w;
}

/* run_chart asks c for school A1's monthly run chart of att; *rid gets
 * the call's request id and *value the value of period (NAN if absent). */
static int
run_chart(td_client *c, char rid[40], const char *period, double *value)
{
	Tandem__V1__MeasureKey key     = TANDEM__V1__MEASURE_KEY__INIT;
	key.kind_case                  = TANDEM__V1__MEASURE_KEY__KIND_OUTCOME;
	key.outcome                    = (char *) "att";
	Tandem__V1__SeriesQuery q      = TANDEM__V1__SERIES_QUERY__INIT;
	q.measure                      = &key;
	q.level                        = TANDEM__V1__SCOPE_LEVEL__SCHOOL;
	q.code                         = (char *) "A1";
	q.grain                        = TANDEM__V1__GRAIN__MONTH;
	Tandem__V1__RunChartRequest rq = TANDEM__V1__RUN_CHART_REQUEST__INIT;
	rq.query                       = &q;
	Tandem__V1__SeriesResponse *r  = NULL;
	td_status                   st = { 0 };
	int code = td_analysis_run_chart(c, &rq, &r, &st);
	snprintf(rid, 40, "%s", st.request_id);
	td_status_reset(&st);
	if (value != NULL) {
		*value = -1;
	}
	if (code == TD_CODE_OK) {
		assert_int_equal(r->n_series, 1);
		for (size_t i = 0; i < r->series[0]->n_points; i++) {
			const Tandem__V1__Point *p = r->series[0]->points[i];
			if (value != NULL && strcmp(p->period, period) == 0) {
				*value = p->value;
			}
		}
		protobuf_c_message_free_unpacked(&r->base, NULL);
	}
	return code;
}

/* fast_ask asks as run_chart does until the answer comes from nng's
 * thread (the cache): a notification of an earlier write may still be on
 * its way and empty the cache once more, so it tries up to five times.
 * True when one was. */
static bool
fast_ask(td_client *c, char rid[40], const char *period, double *value)
{
	for (int i = 0; i < 5; i++) {
		assert_int_equal(run_chart(c, rid, period, value), TD_CODE_OK);
		if (worker_of(rid) == -1) {
			return true;
		}
	}
	return false;
}

/* audit_rows counts the audit rows of request rid with status, waiting
 * for the audit writer (rows land after the reply) until want are there. */
static long long
audit_rows(const char *rid, const char *status, long long want)
{
	char sql[256];
	snprintf(sql, sizeof(sql),
	         "SELECT count(*) FROM audit_log WHERE request_id = '%s' "
	         "AND status = '%s'",
	         rid, status);
	return h_sql_int_until(conninfo, sql, want);
}

/* make_council creates a council client through the admin; id gets its
 * client id (40 bytes); the token is used by the returned client. */
static td_client *
make_council(const char *name, char *id, const char *url)
{
	char token[H_TOKEN_MAX];
	h_create_client(admin, name, "council", NULL, NULL, token, id);
	td_client     *c;
	const char    *urls[] = { url };
	td_client_opts o      = { 0 };
	char           err[TD_ERRMSG_MAX];
	o.urls       = urls;
	o.n_urls     = 1;
	o.token      = token;
	o.timeout_ms = 60000;
	assert_int_equal(td_client_create(&c, &o, err), TD_OK);
	return c;
}

static void
revoke_client(const char *id)
{
	Tandem__V1__RevokeClientRequest q
	    = TANDEM__V1__REVOKE_CLIENT_REQUEST__INIT;
	q.id                                 = (char *) id;
	Tandem__V1__RevokeClientResponse *r  = NULL;
	td_status                         st = { 0 };
	assert_int_equal(td_admin_revoke_client(admin, &q, &r, &st),
	                 TD_CODE_OK);
	protobuf_c_message_free_unpacked(&r->base, NULL);
	td_status_reset(&st);
}

static void
cli(const char *args)
{
	assert_int_equal(h_run("TANDEM_TOKEN=%s %s/tandem --server %s %s "
	                       ">>%s/load.log 2>&1",
	                       srv.token, h_bin_dir(), srv.url, args, dir),
	                 0);
}

static int
setup(void **state)
{
	(void) state;
	h_db_create("fastpath", conninfo);
	snprintf(tcp_url, sizeof(tcp_url), "tcp://127.0.0.1:%d",
	         20000 + ((int) getpid() + 7919) % 20000);
	h_server_start(&srv, conninfo, "--listen", tcp_url, NULL);
	admin = h_client(&srv, 60000);
	snprintf(dir, sizeof(dir), "/tmp/tdtest-fast-%d", (int) getpid());
	assert_int_equal(h_run("rm -rf %s && mkdir -p %s", dir, dir), 0);
	h_write_file(dir, "districts.csv", "district,name\nD1,One\n");
	h_write_file(dir, "schools.csv",
	             "district,school,name,frl_rate,enrollment,locale,grades\n"
	             "D1,A1,A1,0.5,400,city,K-5\nD1,A2,A2,0.4,300,city,K-5\n");
	h_write_file(dir, "measures.csv",
	             "measure,name,unit,direction\natt,Attendance,percent,"
	             "higher\n");
	char  path[256];
	FILE *f;
	snprintf(path, sizeof(path), "%s/outcomes.csv", dir);
	assert_non_null(f = fopen(path, "w"));
	fprintf(f,
	        "school,measure,period_start,period_end,value,n,subgroup\n");
	for (int s = 1; s <= 2; s++) {
		for (int m = 1; m <= 12; m++) {
			fprintf(f,
			        "A%d,att,2024-%02d-01,2024-%02d-28,%d.5,40,\n",
			        s, m, m, 80 + (s * 3 + m * 7) % 15);
		}
	}
	fclose(f);
	char args[300];
	snprintf(args, sizeof(args), "define districts %s/districts.csv", dir);
	cli(args);
	snprintf(args, sizeof(args), "define schools %s/schools.csv", dir);
	cli(args);
	snprintf(args, sizeof(args), "define measures %s/measures.csv", dir);
	cli(args);
	snprintf(args, sizeof(args), "submit outcomes %s/outcomes.csv", dir);
	cli(args);
	council = make_council("council", council_id, srv.url);
	return 0;
}

static int
teardown(void **state)
{
	(void) state;
	td_client_destroy(council);
	td_client_destroy(admin);
	assert_int_equal(h_server_stop(&srv), 0);
	h_run("rm -rf %s", dir);
	return 0;
}

/* Health answers from known state on nng's thread, as before unaudited. */
static void
health_is_answered_on_nngs_thread(void **state)
{
	(void) state;
	Tandem__V1__HealthCheckRequest q
	    = TANDEM__V1__HEALTH_CHECK_REQUEST__INIT;
	Tandem__V1__HealthCheckResponse *r  = NULL;
	td_status                        st = { 0 };
	assert_int_equal(td_health_check(council, &q, &r, &st), TD_CODE_OK);
	assert_int_equal(
	    r->status,
	    TANDEM__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__SERVING);
	assert_true(r->schema_version > 0);
	assert_int_equal(worker_of(st.request_id), -1);
	protobuf_c_message_free_unpacked(&r->base, NULL);
	td_status_reset(&st);
}

/* The second asking of a question is served from the cache on nng's
 * thread, and its audit row is the same as the computed call's: client,
 * method, status, records and detail. */
static void
cached_answer_on_the_fast_path_has_its_audit_row(void **state)
{
	(void) state;
	char   rid1[40], rid2[40], sql[600];
	double v1, v2;
	assert_int_equal(run_chart(council, rid1, "2024-03", &v1), TD_CODE_OK);
	assert_true(worker_of(rid1) >= 0); /* computed by a worker */
	assert_true(fast_ask(council, rid2, "2024-03", &v2));
	assert_true(v1 > 0);
	assert_true(v1 == v2);
	assert_int_equal(audit_rows(rid1, "OK", 1), 1);
	assert_int_equal(audit_rows(rid2, "OK", 1), 1);
	snprintf(sql, sizeof(sql),
	         "SELECT count(DISTINCT (client_id, method, status, records, "
	         "detail)) FROM audit_log WHERE request_id IN ('%s', '%s') "
	         "AND client_id = '%s' AND method = "
	         "'/tandem.v1.Analysis/RunChart'",
	         rid1, rid2, council_id);
	assert_int_equal(h_sql_int(conninfo, sql), 1);
}

/* A token whose answers were cached and served on nng's thread is
 * refused as soon as it is revoked, and an unknown token never gets the
 * cached answer; both refusals are audited as before. */
static void
revoked_and_unknown_tokens_are_refused(void **state)
{
	(void) state;
	char       id[40], rid[40];
	double     v;
	td_client *c = make_council("soon revoked", id, srv.url);
	assert_true(fast_ask(c, rid, "2024-03", &v));
	revoke_client(id);
	assert_int_equal(run_chart(c, rid, "2024-03", &v),
	                 TD_CODE_UNAUTHENTICATED);
	assert_int_equal(audit_rows(rid, "UNAUTHENTICATED", 1), 1);
	td_client_destroy(c);

	/* The same question is cached again for a good token ... */
	assert_true(fast_ask(council, rid, "2024-03", &v));
	/* ... and not given to a token nobody issued. */
	td_client     *u;
	const char    *urls[] = { srv.url };
	td_client_opts o      = { 0 };
	char           err[TD_ERRMSG_MAX];
	o.urls   = urls;
	o.n_urls = 1;
	o.token  = "td_00112233445566778899aabbccddeeff00112233445566778899"
	           "aabbccddeeff";
	o.timeout_ms = 60000;
	assert_int_equal(td_client_create(&u, &o, err), TD_OK);
	assert_int_equal(run_chart(u, rid, "2024-03", &v),
	                 TD_CODE_UNAUTHENTICATED);
	assert_true(worker_of(rid) >= 0);
	assert_int_equal(audit_rows(rid, "UNAUTHENTICATED", 1), 1);
	td_client_destroy(u);
}

/* tandemd's one rate limit is the audit budget of denied calls per peer
 * (20 rows a second, the rest counted in a summary row): a caller over
 * it, asking a question whose answer is cached, is refused every time,
 * and every call is accounted for in the audit log. */
static void
caller_over_its_denied_budget_is_refused(void **state)
{
	(void) state;
	char       id[40], rid[40], sql[300];
	double     v;
	td_client *c = make_council("flooder", id, tcp_url);
	assert_true(fast_ask(c, rid, "2024-03", &v));
	revoke_client(id);
	snprintf(sql, sizeof(sql),
	         "SELECT count(*) FROM audit_log WHERE client_id = '%s' AND "
	         "status = 'UNAUTHENTICATED'",
	         id);
	long long before = h_sql_int(conninfo,
	                             "SELECT coalesce(sum(records), 0) FROM "
	                             "audit_log WHERE method = "
	                             "'(rate-limited)'");
	for (int i = 0; i < 60; i++) {
		assert_int_equal(run_chart(c, rid, "2024-03", &v),
		                 TD_CODE_UNAUTHENTICATED);
	}
	usleep(1100000); /* the peer's next second: the summary is written */
	assert_int_equal(run_chart(c, rid, "2024-03", &v),
	                 TD_CODE_UNAUTHENTICATED);
	(void) audit_rows(rid, "UNAUTHENTICATED", 1);
	long long rows    = h_sql_int(conninfo, sql) - 1;
	long long counted = h_sql_int(conninfo,
	                              "SELECT coalesce(sum(records), 0) FROM "
	                              "audit_log WHERE method = "
	                              "'(rate-limited)'")
	    - before;
	print_message("60 refused calls: %lld rows, %lld in summaries\n", rows,
	              counted);
	assert_true(rows < 60);
	assert_int_equal(rows + counted, 60);
	td_client_destroy(c);
}

/* An answer cached (and served on nng's thread) before a write is not
 * served after it: the next call is computed again, with the new value,
 * and only then cached again. */
static void
a_write_makes_the_cached_answer_stale(void **state)
{
	(void) state;
	char   rid[40], args[300];
	double before, after;
	assert_true(fast_ask(council, rid, "2024-05", &before));
	h_write_file(
	    dir, "fix.csv",
	    "school,measure,period_start,period_end,value,n,subgroup\n"
	    "A1,att,2024-05-01,2024-05-28,99.5,40,\n");
	snprintf(args, sizeof(args), "submit outcomes --correction %s/fix.csv",
	         dir);
	cli(args);
	assert_true(before != 99.5);
	assert_int_equal(run_chart(council, rid, "2024-05", &after),
	                 TD_CODE_OK);
	assert_true(after == 99.5);
	assert_true(worker_of(rid) >= 0);
	assert_true(fast_ask(council, rid, "2024-05", &after));
	assert_true(after == 99.5);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(health_is_answered_on_nngs_thread),
		cmocka_unit_test(
		    cached_answer_on_the_fast_path_has_its_audit_row),
		cmocka_unit_test(revoked_and_unknown_tokens_are_refused),
		cmocka_unit_test(caller_over_its_denied_budget_is_refused),
		cmocka_unit_test(a_write_makes_the_cached_answer_stale),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
