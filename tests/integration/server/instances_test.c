/* SPDX-License-Identifier: MIT
 * Two tandemd on one database (issue 21, P2): each caches answers, tokens
 * and the disclosure lattice under a data version it hears from the
 * database (LISTEN on tandem_data; sql/019_data_version.sql). A write
 * through instance A must be seen through instance B on the next call,
 * a cell that becomes small must be suppressed through B at once, and a
 * suppressed cell stays suppressed after further writes; a token revoked
 * through A is refused by B. B has answered each question (twice, so
 * from its cache) before the write.
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

static char       conninfo[512];
static char       dir[128];
static h_server   a, b;
static td_client *admin_a, *council_b;
static char       council_id[40];

/* submit_a stores outcome rows (CSV lines after the header) through A. */
static void
submit_a(const char *rows)
{
	char text[1024];
	snprintf(text, sizeof(text),
	         "school,measure,period_start,period_end,value,n,subgroup\n%s",
	         rows);
	h_write_file(dir, "more.csv", text);
	assert_int_equal(
	    h_run("TANDEM_TOKEN=%s %s/tandem --server %s submit "
	          "outcomes --correction %s/more.csv >>%s/load.log 2>&1",
	          a.token, h_bin_dir(), a.url, dir, dir),
	    0);
}

/* run_chart_b asks B (as council) for school's monthly run chart. */
static int
run_chart_b(const char *school, Tandem__V1__SeriesResponse **r)
{
	Tandem__V1__MeasureKey key     = TANDEM__V1__MEASURE_KEY__INIT;
	key.kind_case                  = TANDEM__V1__MEASURE_KEY__KIND_OUTCOME;
	key.outcome                    = (char *) "att";
	Tandem__V1__SeriesQuery q      = TANDEM__V1__SERIES_QUERY__INIT;
	q.measure                      = &key;
	q.level                        = TANDEM__V1__SCOPE_LEVEL__SCHOOL;
	q.code                         = (char *) school;
	q.grain                        = TANDEM__V1__GRAIN__MONTH;
	Tandem__V1__RunChartRequest rq = TANDEM__V1__RUN_CHART_REQUEST__INIT;
	rq.query                       = &q;
	td_status st                   = { 0 };
	int       code = td_analysis_run_chart(council_b, &rq, r, &st);
	td_status_reset(&st);
	return code;
}

/* point_b gives the point of period (YYYY-MM) of school's run chart
 * through B; fails the test when there is none. */
static Tandem__V1__Point
point_b(const char *school, const char *period)
{
	Tandem__V1__SeriesResponse *r = NULL;
	assert_int_equal(run_chart_b(school, &r), TD_CODE_OK);
	Tandem__V1__Point out   = TANDEM__V1__POINT__INIT;
	bool              found = false;
	assert_int_equal(r->n_series, 1);
	for (size_t i = 0; i < r->series[0]->n_points; i++) {
		const Tandem__V1__Point *p = r->series[0]->points[i];
		if (strcmp(p->period, period) == 0) {
			out              = *p;
			out.period       = NULL;
			out.period_start = NULL;
			out.suppression  = NULL;
			found            = true;
		}
	}
	protobuf_c_message_free_unpacked(&r->base, NULL);
	assert_true(found);
	return out;
}

static int
setup(void **state)
{
	(void) state;
	h_db_create("instances", conninfo);
	h_server_start(&a, conninfo, NULL);
	h_server_start(&b, conninfo, NULL);
	admin_a = h_client(&a, 60000);
	snprintf(dir, sizeof(dir), "/tmp/tdtest-inst-%d", (int) getpid());
	assert_int_equal(h_run("rm -rf %s && mkdir -p %s", dir, dir), 0);
	h_write_file(dir, "districts.csv", "district,name\nD1,One\n");
	h_write_file(dir, "schools.csv",
	             "district,school,name,frl_rate,enrollment,locale,grades\n"
	             "D1,A1,A1,0.5,400,city,K-5\nD1,A2,A2,0.4,300,city,K-5\n"
	             "D1,A3,A3,0.3,100,rural,K-5\n");
	h_write_file(dir, "measures.csv",
	             "measure,name,unit,direction\natt,Attendance,percent,"
	             "higher\n");
	char  path[256];
	FILE *f;
	snprintf(path, sizeof(path), "%s/outcomes.csv", dir);
	assert_non_null(f = fopen(path, "w"));
	fprintf(f,
	        "school,measure,period_start,period_end,value,n,subgroup\n");
	static const char *const school[] = { "A1", "A2", "A3" };
	static const int         n[]      = { 40, 30, 25 };
	for (int s = 0; s < 3; s++) {
		for (int m = 0; m < 12; m++) {
			int y = m < 5 ? 2024 : 2025, mon = (m + 7) % 12 + 1;
			fprintf(f, "%s,att,%d-%02d-01,%d-%02d-28,%.2f,%d,\n",
			        school[s], y, mon, y, mon,
			        80 + (s * 3 + m * 7) % 15 + 0.25 * s, n[s]);
		}
	}
	fclose(f);
	const char *steps[] = {
		"define districts %s/districts.csv",
		"define schools %s/schools.csv",
		"define measures %s/measures.csv",
		"submit outcomes %s/outcomes.csv",
	};
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		char args[300];
		snprintf(args, sizeof(args), steps[i], dir);
		assert_int_equal(
		    h_run("TANDEM_TOKEN=%s %s/tandem --server %s %s "
		          ">>%s/load.log 2>&1",
		          a.token, h_bin_dir(), a.url, args, dir),
		    0);
	}
	/* A council client, made through A, used through B. */
	Tandem__V1__CreateClientRequest req
	    = TANDEM__V1__CREATE_CLIENT_REQUEST__INIT;
	req.name                             = (char *) "council";
	req.role                             = (char *) "council";
	req.school                           = (char *) "";
	req.district                         = (char *) "";
	Tandem__V1__CreateClientResponse *r  = NULL;
	td_status                         st = { 0 };
	assert_int_equal(td_admin_create_client(admin_a, &req, &r, &st),
	                 TD_CODE_OK);
	council_b = h_client_token(&b, 60000, r->token);
	snprintf(council_id, sizeof(council_id), "%s", r->client->id);
	protobuf_c_message_free_unpacked(&r->base, NULL);
	return 0;
}

static int
teardown(void **state)
{
	(void) state;
	td_client_destroy(council_b);
	td_client_destroy(admin_a);
	assert_int_equal(h_server_stop(&b), 0);
	assert_int_equal(h_server_stop(&a), 0);
	h_run("rm -rf %s", dir);
	return 0;
}

static void
a_write_through_one_is_seen_through_the_other(void **state)
{
	(void) state;
	Tandem__V1__Point p = point_b("A1", "2024-09");
	assert_false(p.suppressed);
	assert_true(fabs(p.value - 87.0) < 1e-9); /* 80 + (0 + 7) % 15 */
	p = point_b("A1", "2024-09"); /* now from B's cache */
	assert_true(fabs(p.value - 87.0) < 1e-9);
	submit_a("A1,att,2024-09-01,2024-09-28,61.50,40,\n");
	p = point_b("A1", "2024-09");
	assert_false(p.suppressed);
	assert_true(fabs(p.value - 61.5) < 1e-9);
}

static void
a_cell_made_small_through_one_is_hidden_by_the_other(void **state)
{
	(void) state;
	Tandem__V1__Point p = point_b("A2", "2024-10");
	assert_false(p.suppressed);
	assert_int_equal(p.n, 30);
	(void) point_b("A2", "2024-10"); /* cached by B */
	/* A2's October becomes 3 people: below min_n (10). */
	submit_a("A2,att,2024-10-01,2024-10-28,70.00,3,\n");
	p = point_b("A2", "2024-10");
	assert_true(p.suppressed);
	assert_true(p.value == 0);
	/* and stays hidden after other writes through A */
	submit_a("A3,att,2024-10-01,2024-10-28,90.00,25,\n");
	p = point_b("A2", "2024-10");
	assert_true(p.suppressed);
	assert_true(p.value == 0);
}

static void
a_token_revoked_through_one_is_refused_by_the_other(void **state)
{
	(void) state;
	(void) point_b("A3", "2024-11"); /* B knows the token */
	Tandem__V1__RevokeClientRequest rq
	    = TANDEM__V1__REVOKE_CLIENT_REQUEST__INIT;
	rq.id                                = council_id;
	Tandem__V1__RevokeClientResponse *r  = NULL;
	td_status                         st = { 0 };
	assert_int_equal(td_admin_revoke_client(admin_a, &rq, &r, &st),
	                 TD_CODE_OK);
	protobuf_c_message_free_unpacked(&r->base, NULL);
	Tandem__V1__SeriesResponse *s = NULL;
	assert_int_equal(run_chart_b("A3", &s), TD_CODE_UNAUTHENTICATED);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    a_write_through_one_is_seen_through_the_other),
		cmocka_unit_test(
		    a_cell_made_small_through_one_is_hidden_by_the_other),
		cmocka_unit_test(
		    a_token_revoked_through_one_is_refused_by_the_other),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
