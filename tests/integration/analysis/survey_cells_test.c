/* SPDX-License-Identifier: MIT
 * A survey construct's disclosure cells (the people of every school,
 * district and network cell, every grain, grade and period) as tandemd's
 * store counts them in C (store_survey_cells.c), against an independent
 * count in SQL: the grouping-sets query the C count replaced, which counts
 * distinct respondents with count(DISTINCT) and the periods with
 * td_period_start. On the sample network loaded through the real CLI
 * (grade-less responses among them), for every construct of both surveys,
 * the whole range and ranges of academic years.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <libpq-fe.h>

#include "analysis_network.h"
#include "store.h"
#include "store_disclosure.h"

/* The oracle: every cell with its people, in the order of the columns of
 * store_disc_cell; $3 and $4 bound the academic years as the store does
 * (period starts in [$3, $4), answers up to six days after $4 for a week
 * that starts before it). */
static const char ORACLE[]
    = "WITH resp AS ("
      " SELECT r.school_id, sc.district_id, r.respondent,"
      "  r.administered_on, r.grade"
      " FROM survey_responses r JOIN surveys v ON v.id = r.survey_id"
      " JOIN schools sc ON sc.id = r.school_id"
      " WHERE v.code = $1 AND EXISTS (SELECT 1 FROM survey_items it"
      "  WHERE it.survey_id = r.survey_id AND it.construct = $2"
      "  AND r.answers[it.position + 1] IS NOT NULL)"
      " AND ($3::date IS NULL OR r.administered_on >= $3::date)"
      " AND ($4::date IS NULL OR r.administered_on < $4::date + 6)"
      "), g AS ("
      " SELECT resp.*, gr.grain,"
      "  td_period_start(gr.grain, resp.administered_on) AS ps"
      " FROM resp CROSS JOIN (VALUES ('w'::char), ('m'), ('t'), ('y'))"
      "  gr(grain)"
      "), a AS ("
      " SELECT grain, ps, school_id, district_id, grade,"
      "  GROUPING(school_id) AS gs, GROUPING(district_id) AS gd,"
      "  GROUPING(grade) AS gg, count(DISTINCT respondent) AS people"
      " FROM g GROUP BY GROUPING SETS ("
      "  (grain, ps, district_id, school_id, grade),"
      "  (grain, ps, district_id, school_id), (grain, ps, district_id, grade),"
      "  (grain, ps, district_id), (grain, ps, grade), (grain, ps))"
      " HAVING GROUPING(grade) = 1 OR grade <> ''"
      ") SELECT CASE WHEN a.gs = 0 THEN 's' WHEN a.gd = 0 THEN 'd'"
      "  ELSE 'n' END, a.grain, coalesce(sc.code, d.code, 'network'),"
      "  CASE WHEN a.gs = 0 THEN d.code ELSE '' END, a.ps,"
      "  CASE WHEN a.gg = 1 THEN '' ELSE a.grade END, a.people"
      " FROM a LEFT JOIN schools sc ON a.gs = 0 AND sc.id = a.school_id"
      " LEFT JOIN districts d ON a.gd = 0 AND d.id = a.district_id"
      " WHERE ($3::date IS NULL OR a.ps >= $3::date)"
      " AND ($4::date IS NULL OR a.ps < $4::date)";

static int
setup(void **state)
{
	(void) state;
	return network_setup("survey_cells");
}

static int
by_text(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

/* lines_sort sorts n malloc'd lines. */
static void
lines_sort(char **v, size_t n)
{
	qsort(v, n, sizeof(*v), by_text);
}

static char *
line(char level, char grain, const char *unit, const char *district,
     const char *period, const char *group, long long people)
{
	char *l = NULL;
	assert_true(asprintf(&l, "%c\t%c\t%s\t%s\t%s\t%s\t%lld", level, grain,
	                     unit, district ? district : "", period, group,
	                     people)
	            > 0);
	return l;
}

/* compare: the store's cells of survey/construct in years from..to (-1:
 * all) equal the oracle's, row for row; the number of cells. */
static size_t
compare(PGconn *pg, store *s, const char *survey, const char *construct,
        int from, int to)
{
	char measure[200], d0[32], d1[32];
	snprintf(measure, sizeof(measure), "survey:%s/%s", survey, construct);
	snprintf(d0, sizeof(d0), "%04d-08-01", from);
	snprintf(d1, sizeof(d1), "%04d-08-01", to + 1);
	const char *p[4] = { survey, construct, from >= 0 ? d0 : NULL,
		             from >= 0 ? d1 : NULL };

	store_disc_cell *c = NULL;
	size_t           n = 0;
	assert_int_equal(store_disclosure_cells(s, measure, from, to, &c, &n),
	                 0);
	PGresult *r = PQexecParams(pg, ORACLE, 4, NULL, p, NULL, NULL, 0);
	assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
	size_t want = (size_t) PQntuples(r);
	if (n != want) {
		print_error("%s years %d..%d: store %zu cells, SQL %zu\n",
		            measure, from, to, n, want);
	}
	assert_int_equal(n, want);

	char **got = calloc(n + 1, sizeof(char *));
	char **exp = calloc(want + 1, sizeof(char *));
	assert_non_null(got);
	assert_non_null(exp);
	for (size_t i = 0; i < n; i++) {
		got[i] = line(c[i].level, c[i].grain, c[i].unit, c[i].district,
		              c[i].period, c[i].group, (long long) c[i].n);
		assert_true(c[i].n == (double) (long long) c[i].n);
	}
	for (int i = 0; i < (int) want; i++) {
		exp[i] = line(PQgetvalue(r, i, 0)[0], PQgetvalue(r, i, 1)[0],
		              PQgetvalue(r, i, 2), PQgetvalue(r, i, 3),
		              PQgetvalue(r, i, 4), PQgetvalue(r, i, 5),
		              strtoll(PQgetvalue(r, i, 6), NULL, 10));
	}
	lines_sort(got, n);
	lines_sort(exp, want);
	for (size_t i = 0; i < n; i++) {
		if (strcmp(got[i], exp[i]) != 0) {
			print_error("%s years %d..%d, sorted row %zu:\n"
			            "  store %s\n  SQL   %s\n",
			            measure, from, to, i, got[i], exp[i]);
		}
		assert_string_equal(got[i], exp[i]);
	}
	for (size_t i = 0; i < n; i++) {
		free(got[i]);
		free(exp[i]);
	}
	free(got);
	free(exp);
	free(c);
	PQclear(r);
	return n;
}

static void
survey_cells_equal_a_recount_in_sql(void **state)
{
	(void) state;
	PGconn *pg = PQconnectdb(conninfo);
	assert_int_equal(PQstatus(pg), CONNECTION_OK);
	store *s = NULL;
	assert_int_equal(store_open(&s, conninfo, 0), 0);

	/* The sample has responses without a grade: they count in "all
	 * grades" only, so the test covers that rule. */
	assert_true(h_sql_int(conninfo,
	                      "SELECT count(*) FROM survey_responses"
	                      " WHERE grade = ''")
	            > 0);
	PGresult *k = PQexec(pg,
	                     "SELECT DISTINCT v.code, it.construct"
	                     " FROM survey_items it JOIN surveys v"
	                     " ON v.id = it.survey_id ORDER BY 1, 2");
	assert_int_equal(PQresultStatus(k), PGRES_TUPLES_OK);
	assert_true(PQntuples(k) >= 4);
	static const int years[][2]
	    = { { -1, -1 }, { 2023, 2023 }, { 2022, 2024 }, { 2030, 2031 } };
	for (int i = 0; i < PQntuples(k); i++) {
		for (size_t y = 0; y < sizeof(years) / sizeof(years[0]); y++) {
			size_t n = compare(pg, s, PQgetvalue(k, i, 0),
			                   PQgetvalue(k, i, 1), years[y][0],
			                   years[y][1]);
			if (years[y][0] < 0) {
				assert_true(n > 0); /* the whole range holds
				                       cells */
			}
		}
	}
	PQclear(k);
	store_close(s);
	PQfinish(pg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(survey_cells_equal_a_recount_in_sql),
	};
	return cmocka_run_group_tests(tests, setup, network_teardown);
}
