/* SPDX-License-Identifier: MIT
 * An outcome's school months are read from the outcomes, not from rollups
 * (sql/020): after inserts and corrections (which delete the replaced
 * rows), every school series by month, term and year, of all students and
 * of a subgroup, equals what the rollups held: recomputed here by SQL over
 * the outcomes table (count, sum of n, sum of n * value, months with data
 * per school, subgroup and period). Months with several outcomes (half
 * months, an extra week) are summed; a month whose n is below min_n is
 * hidden from the council (primary), and no term the council sees hides
 * months of fewer than min_n people in all.
 */
#include <libpq-fe.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

#define MIN_N 10

static char       conninfo[512];
static char       dir[128];
static h_server   srv;
static td_client *admin, *council;

/* One expected cell: the rollup row of a school, subgroup, grain and
 * period, with the people it stands for. */
typedef struct want {
	char   school[8], group[8], grain, period[12];
	long   cnt;
	double n_sum, wsum, people;
	int    seen;
} want;

static want  *wants;
static size_t n_wants;

/* Months per school and subgroup, then each grain's periods; a term's or
 * year's people are its smallest month's n (ANALYSES.md). */
static const char ORACLE[]
    = "WITH mo AS (SELECT sc.code, o.subgroup, date_trunc('month', "
      "o.period_start)::date AS month, count(*) AS cnt, sum(o.n::float8) "
      "AS n_sum, sum(o.n::float8 * o.value) AS wsum FROM outcomes o JOIN "
      "schools sc ON sc.id = o.school_id GROUP BY 1, 2, 3) "
      "SELECT code, subgroup, g.grain, td_period_start(g.grain, "
      "month)::text, sum(cnt), sum(n_sum), sum(wsum), min(n_sum) FROM mo "
      "CROSS JOIN (VALUES ('m'::char), ('t'), ('y')) g(grain) "
      "GROUP BY 1, 2, 3, 4";

static void
load_oracle(void)
{
	PGconn *c = PQconnectdb(conninfo);
	assert_int_equal(PQstatus(c), CONNECTION_OK);
	PGresult *r = PQexec(c, ORACLE);
	assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
	free(wants);
	n_wants = (size_t) PQntuples(r);
	wants   = calloc(n_wants, sizeof(*wants));
	assert_non_null(wants);
	for (size_t i = 0; i < n_wants; i++) {
		want *w = &wants[i];
		int   k = (int) i;
		snprintf(w->school, sizeof(w->school), "%s",
		         PQgetvalue(r, k, 0));
		snprintf(w->group, sizeof(w->group), "%s",
		         PQgetvalue(r, k, 1));
		w->grain = PQgetvalue(r, k, 2)[0];
		snprintf(w->period, sizeof(w->period), "%s",
		         PQgetvalue(r, k, 3));
		w->cnt    = atol(PQgetvalue(r, k, 4));
		w->n_sum  = atof(PQgetvalue(r, k, 5));
		w->wsum   = atof(PQgetvalue(r, k, 6));
		w->people = atof(PQgetvalue(r, k, 7));
	}
	PQclear(r);
	PQfinish(c);
}

static want *
find(const char *school, const char *group, char grain, const char *period)
{
	for (size_t i = 0; i < n_wants; i++) {
		want *w = &wants[i];
		if (w->grain == grain && strcmp(w->school, school) == 0
		    && strcmp(w->group, group) == 0
		    && strcmp(w->period, period) == 0) {
			return w;
		}
	}
	return NULL;
}

static int
run(const char *args)
{
	char cmd[400];
	snprintf(cmd, sizeof(cmd), args, dir);
	int rc = h_run("%s/tandem --server %s %s >>%s/load.log 2>&1",
	               h_bin_dir(), srv.url, cmd, dir);
	if (rc != 0) {
		h_run("tail -20 %s/load.log >&2", dir);
	}
	return rc;
}

static td_client *
make_council(void)
{
	char token[H_TOKEN_MAX];
	h_create_client(admin, "council", "council", NULL, NULL, token, NULL);
	return h_client_token(&srv, 60000, token);
}

/* Aug 2024 - Jul 2025. A1 monthly (n 40; ell 4, always below min_n); A2 in
 * half months (n 6 + 6; December 2 + 3); B1 monthly (n 30) plus a week in
 * October (n 10); B2 monthly (n 25, none in March). */
static void
write_outcomes(void)
{
	char  path[256];
	FILE *f;
	snprintf(path, sizeof(path), "%s/outcomes.csv", dir);
	assert_non_null(f = fopen(path, "w"));
	fprintf(f,
	        "school,measure,period_start,period_end,value,n,subgroup\n");
	for (int m = 0; m < 12; m++) {
		int y = m < 5 ? 2024 : 2025, mon = (m + 7) % 12 + 1;
		fprintf(f, "A1,att,%d-%02d-01,%d-%02d-28,%.2f,40,\n", y, mon,
		        y, mon, 80 + (m * 7) % 15 + 0.25);
		fprintf(f, "A1,att,%d-%02d-01,%d-%02d-28,%.2f,4,ell\n", y, mon,
		        y, mon, 75 + (m * 5) % 11 + 0.5);
		fprintf(f, "A2,att,%d-%02d-01,%d-%02d-15,%.2f,%d,\n", y, mon,
		        y, mon, 85 + (m * 3) % 9 + 0.1, mon == 12 ? 2 : 6);
		fprintf(f, "A2,att,%d-%02d-16,%d-%02d-28,%.2f,%d,\n", y, mon,
		        y, mon, 90 - (m * 2) % 7 + 0.3, mon == 12 ? 3 : 6);
		fprintf(f, "B1,att,%d-%02d-01,%d-%02d-28,%.2f,30,\n", y, mon,
		        y, mon, 88 + (m * 11) % 8 + 0.7);
		fprintf(f, "B2,att,%d-%02d-01,%d-%02d-28,%.2f,%d,\n", y, mon,
		        y, mon, 92 - (m * 4) % 6 + 0.9, mon == 3 ? 0 : 25);
	}
	fprintf(f, "B1,att,2024-10-07,2024-10-13,97.5,10,\n");
	fclose(f);
}

/* Corrections replace rows (the old ones are deleted): new values for
 * A1's autumn, A2's December grows to 11 people and its March shrinks to
 * 7, B1's October week changes, and B2's March gets people. */
static void
write_corrections(void)
{
	h_write_file(
	    dir, "corrections.csv",
	    "school,measure,period_start,period_end,value,n,subgroup\n"
	    "A1,att,2024-09-01,2024-09-28,71.25,38,\n"
	    "A1,att,2024-10-01,2024-10-28,99.5,41,\n"
	    "A1,att,2024-10-01,2024-10-28,60,3,ell\n"
	    "A2,att,2024-12-01,2024-12-15,83.4,8,\n"
	    "A2,att,2025-03-01,2025-03-15,77.7,1,\n"
	    "B1,att,2024-10-07,2024-10-13,55.5,12,\n"
	    "B2,att,2025-03-01,2025-03-28,93.9,26,\n");
}

static int
setup(void **state)
{
	(void) state;
	h_db_create("outcome_months", conninfo);
	h_server_start(&srv, conninfo, NULL);
	admin = h_client(&srv, 60000);
	snprintf(dir, sizeof(dir), "/tmp/tdtest-omonths-%d", (int) getpid());
	assert_int_equal(h_run("rm -rf %s && mkdir -p %s", dir, dir), 0);
	h_write_file(dir, "districts.csv", "district,name\nD1,One\nD2,Two\n");
	h_write_file(
	    dir, "schools.csv",
	    "district,school,name,frl_rate,enrollment,locale,grades\n"
	    "D1,A1,A1,0.5,400,city,K-5\nD1,A2,A2,0.4,300,city,K-5\n"
	    "D2,B1,B1,0.6,350,town,K-5\nD2,B2,B2,0.2,500,suburb,K-5\n");
	h_write_file(dir, "measures.csv",
	             "measure,name,unit,direction\natt,Attendance,percent,"
	             "higher\n");
	write_outcomes();
	write_corrections();
	assert_int_equal(run("define districts %s/districts.csv"), 0);
	assert_int_equal(run("define schools %s/schools.csv"), 0);
	assert_int_equal(run("define measures %s/measures.csv"), 0);
	assert_int_equal(run("submit outcomes %s/outcomes.csv"), 0);
	council = make_council();
	return 0;
}

static int
teardown(void **state)
{
	(void) state;
	td_client_destroy(council);
	td_client_destroy(admin);
	free(wants);
	assert_int_equal(h_server_stop(&srv), 0);
	h_run("rm -rf %s", dir);
	return 0;
}

static Tandem__V1__SeriesResponse *
chart(td_client *c, Tandem__V1__ScopeLevel level, const char *code,
      Tandem__V1__Grain grain, const char *group)
{
	Tandem__V1__SeriesQuery     q   = TANDEM__V1__SERIES_QUERY__INIT;
	Tandem__V1__RunChartRequest req = TANDEM__V1__RUN_CHART_REQUEST__INIT;
	td_measure                  key;
	char                        err[TD_ERRMSG_MAX];
	assert_int_equal(td_measure_parse(&key, "att", err), TD_OK);
	q.measure                      = &key.key;
	q.level                        = level;
	q.code                         = (char *) code;
	q.grain                        = grain;
	q.subgroup                     = (char *) group;
	req.query                      = &q;
	Tandem__V1__SeriesResponse *r  = NULL;
	td_status                   st = { 0 };
	assert_int_equal(td_analysis_run_chart(c, &req, &r, &st), TD_CODE_OK);
	td_status_reset(&st);
	return r;
}

static const struct {
	Tandem__V1__Grain g;
	char              c;
} GRAINS[] = { { TANDEM__V1__GRAIN__MONTH, 'm' },
	       { TANDEM__V1__GRAIN__TERM, 't' },
	       { TANDEM__V1__GRAIN__ACADEMIC_YEAR, 'y' } };

/* Admin sees every cell: each school's series of each grain and group has
 * exactly the oracle's points, with their values and people. */
static void
series_equal_the_oracle(void)
{
	load_oracle();
	/* 4 schools x (12 months + 2 terms + 1 year), and A1's ell */
	assert_int_equal(n_wants, 5 * 15);
	static const char *const groups[] = { "", "ell" };
	for (size_t g = 0; g < 3; g++) {
		for (size_t k = 0; k < 2; k++) {
			Tandem__V1__SeriesResponse *r = chart(
			    admin, TANDEM__V1__SCOPE_LEVEL__EACH_SCHOOL, "",
			    GRAINS[g].g, groups[k]);
			for (size_t u = 0; u < r->n_series; u++) {
				const Tandem__V1__Series *s = r->series[u];
				for (size_t i = 0; i < s->n_points; i++) {
					const Tandem__V1__Point *p
					    = s->points[i];
					want *w = find(s->unit, groups[k],
					               GRAINS[g].c,
					               p->period_start);
					if (w == NULL) {
						fail_msg(
						    "%s %s %c %s: no such "
						    "cell",
						    s->unit, groups[k],
						    GRAINS[g].c,
						    p->period_start);
					}
					w->seen++;
					assert_false(p->suppressed);
					assert_int_equal(
					    p->n,
					    (long long) (w->people + 0.5));
					if (w->n_sum > 0) {
						double v = w->wsum / w->n_sum;
						assert_true(fabs(p->value - v)
						            <= 1e-9 * fabs(v));
					}
				}
			}
			protobuf_c_message_free_unpacked(&r->base, NULL);
		}
	}
	for (size_t i = 0; i < n_wants; i++) {
		if (wants[i].seen != 1) {
			fail_msg("%s %s %c %s seen %d times", wants[i].school,
			         wants[i].group, wants[i].grain,
			         wants[i].period, wants[i].seen);
		}
	}
}

/* A month below min_n is hidden from the council as primary; every shown
 * month has the oracle's value; a shown term's hidden months hold no
 * fewer than min_n people together; one school's chart hides what the
 * chart of every school hides. Gives the number of primary months. */
/* check_term: the months of a shown term that s hides hold no people or
 * at least min_n together (terms: August-December, January-July). */
static void
check_term(const Tandem__V1__Series *s, const Tandem__V1__Point *term)
{
	double hidden = 0;
	for (size_t i = 0; i < s->n_points; i++) {
		const char *ps = s->points[i]->period_start;
		char        start[12];
		snprintf(start, sizeof(start), "%.4s-%s-01", ps,
		         atoi(ps + 5) >= 8 ? "08" : "01");
		if (s->points[i]->suppressed
		    && strcmp(start, term->period_start) == 0) {
			hidden += find(s->unit, "", 'm', ps)->n_sum;
		}
	}
	assert_true(hidden == 0 || hidden >= MIN_N);
}

static int
council_hides_small_months(void)
{
	Tandem__V1__SeriesResponse *all
	    = chart(council, TANDEM__V1__SCOPE_LEVEL__EACH_SCHOOL, "",
	            TANDEM__V1__GRAIN__MONTH, "");
	Tandem__V1__SeriesResponse *terms
	    = chart(council, TANDEM__V1__SCOPE_LEVEL__EACH_SCHOOL, "",
	            TANDEM__V1__GRAIN__TERM, "");
	int primary = 0;
	for (size_t u = 0; u < all->n_series; u++) {
		const Tandem__V1__Series   *s = all->series[u];
		Tandem__V1__SeriesResponse *one
		    = chart(council, TANDEM__V1__SCOPE_LEVEL__SCHOOL, s->unit,
		            TANDEM__V1__GRAIN__MONTH, "");
		assert_int_equal(one->n_series, 1);
		assert_int_equal(one->series[0]->n_points, s->n_points);
		for (size_t i = 0; i < s->n_points; i++) {
			const Tandem__V1__Point *p = s->points[i];
			want *w = find(s->unit, "", 'm', p->period_start);
			assert_non_null(w);
			assert_int_equal(one->series[0]->points[i]->suppressed,
			                 p->suppressed);
			if (w->people < MIN_N) {
				assert_true(p->suppressed);
				assert_string_equal(p->suppression, "primary");
				primary++;
			}
			if (!p->suppressed && w->n_sum > 0) {
				double v = w->wsum / w->n_sum;
				assert_true(fabs(p->value - v)
				            <= 1e-9 * fabs(v));
			}
		}
		protobuf_c_message_free_unpacked(&one->base, NULL);
		for (size_t t = 0; t < terms->n_series; t++) {
			const Tandem__V1__Series *ts = terms->series[t];
			if (strcmp(ts->unit, s->unit) != 0) {
				continue;
			}
			for (size_t j = 0; j < ts->n_points; j++) {
				if (!ts->points[j]->suppressed) {
					check_term(s, ts->points[j]);
				}
			}
		}
	}
	protobuf_c_message_free_unpacked(&all->base, NULL);
	protobuf_c_message_free_unpacked(&terms->base, NULL);
	return primary;
}

static void
school_months_equal_the_outcomes_after_inserts(void **state)
{
	(void) state;
	series_equal_the_oracle();
	/* A2's December (2 + 3 people) is a primary cell. */
	want *w = find("A2", "", 'm', "2024-12-01");
	assert_non_null(w);
	assert_int_equal(w->cnt, 2);
	/* that one and B2's March (n 0) */
	assert_int_equal(council_hides_small_months(), 2);
}

static void
school_months_equal_the_outcomes_after_corrections(void **state)
{
	(void) state;
	assert_int_equal(
	    run("submit outcomes --correction %s/corrections.csv"), 0);
	assert_int_equal(
	    h_sql_int(conninfo, "SELECT sum(corrected) FROM submissions"), 7);
	series_equal_the_oracle();
	want *w = find("A2", "", 'm', "2024-12-01");
	assert_true(w->n_sum == 11 && w->cnt == 2);
	w = find("A2", "", 'm', "2025-03-01");
	assert_true(w->n_sum == 7 && w->cnt == 2);
	w = find("B1", "", 'm', "2024-10-01");
	assert_true(w->n_sum == 42 && w->cnt == 2);
	/* A2's March only */
	assert_int_equal(council_hides_small_months(), 1);
	/* The rollups hold no school months of outcomes. */
	assert_int_equal(h_sql_int(conninfo,
	                           "SELECT count(*) FROM rollups WHERE level "
	                           "= 's' AND grain = 'm'"),
	                 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    school_months_equal_the_outcomes_after_inserts),
		cmocka_unit_test(
		    school_months_equal_the_outcomes_after_corrections),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
