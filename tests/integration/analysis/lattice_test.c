/* SPDX-License-Identifier: MIT
 * The disclosure lattice kept up to date after writes equals one decided
 * from scratch. Instance A answers every question before and after each
 * write (so it decides again only the academic years the change log says
 * a write reached, keeping the others); the writes go through instance B
 * (A hears of them through the database, sql/019 and sql/021); after each
 * write a fresh instance F, which has decided nothing yet, answers the
 * same questions. Every point of every level, grain and group must come
 * back the same from A and F: shown or hidden, why, n and value. The
 * writes: corrections that make a cell small (complementary suppression
 * follows) and large again (cells are released), new rows, one batch over
 * two academic years, a small subgroup, a subgroup no school had, a new
 * school's first rows, and a school moved to another district (every
 * year again). A write at a few schools makes A read again only their
 * cells, their districts' and the network's (sql/023) and patch the year
 * it keeps: were the patch skipped, A would answer as before the write.
 * For a survey construct (distinct
 * respondents, weeks), grade changes that hide and release cells, and a
 * write of one year whose week also holds answers of the next.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

static char       conninfo[512];
static char       dir[128];
static h_server   a, b;
static td_client *council_a;
static char       council_token[80];

/* run_tandem runs the CLI through B; fails the test if it fails. */
static void
run_b(const char *fmt, const char *file)
{
	char args[400];
	snprintf(args, sizeof(args), fmt, dir, file);
	if (h_run(
	        "TANDEM_TOKEN=%s %s/tandem --server %s %s >>%s/load.log 2>&1",
	        b.token, h_bin_dir(), b.url, args, dir)
	    != 0) {
		h_run("cat %s/load.log", dir);
		fail_msg("tandem %s failed", args);
	}
}

/* submit_b stores outcome rows (CSV lines) through B, as corrections when
 * asked. */
static void
submit_b(const char *rows, bool correction)
{
	static int k;
	char       name[32], text[2048];
	snprintf(name, sizeof(name), "w%d.csv", ++k);
	snprintf(text, sizeof(text),
	         "school,measure,period_start,period_end,value,n,subgroup\n%s",
	         rows);
	h_write_file(dir, name, text);
	run_b(correction ? "submit outcomes --correction %s/%s"
	                 : "submit outcomes %s/%s",
	      name);
}

/* answers writes to out every point of every level, grain and group of
 * measure (an outcome code, or survey:CODE/CONSTRUCT with grades as the
 * groups) that c gives as council: unit, period, shown or why hidden, n,
 * value. */
static void
answers(td_client *c, const char *measure, char *out, size_t cap)
{
	bool       survey = strncmp(measure, "survey:", 7) == 0;
	td_measure key;
	char       err[TD_ERRMSG_MAX];
	if (td_measure_parse(&key, measure, err) != TD_OK) {
		fail_msg("measure %s: %s", measure, err);
	}
	static const Tandem__V1__ScopeLevel levels[] = {
		TANDEM__V1__SCOPE_LEVEL__EACH_SCHOOL,
		TANDEM__V1__SCOPE_LEVEL__EACH_DISTRICT,
		TANDEM__V1__SCOPE_LEVEL__NETWORK,
	};
	static const Tandem__V1__Grain grains[] = {
		TANDEM__V1__GRAIN__WEEK,
		TANDEM__V1__GRAIN__MONTH,
		TANDEM__V1__GRAIN__TERM,
		TANDEM__V1__GRAIN__ACADEMIC_YEAR,
	};
	const char *const groups[]
	    = { "", survey ? "7" : "ell", survey ? "8" : "frl" };
	size_t k = 0;
	out[0]   = '\0';
	for (size_t l = 0; l < 3; l++) {
		for (size_t g = survey ? 0 : 1; g < 4; g++) {
			for (size_t h = 0; h < 3; h++) {
				Tandem__V1__SeriesQuery q
				    = TANDEM__V1__SERIES_QUERY__INIT;
				Tandem__V1__RunChartRequest req
				    = TANDEM__V1__RUN_CHART_REQUEST__INIT;
				q.measure = &key.key;
				q.level   = levels[l];
				q.code    = (char *) "";
				q.grain   = grains[g];
				q.subgroup
				    = (char *) (survey ? "" : groups[h]);
				q.grade   = (char *) (survey ? groups[h] : "");
				req.query = &q;
				Tandem__V1__SeriesResponse *r  = NULL;
				td_status                   st = { 0 };
				int                         rc
				    = td_analysis_run_chart(c, &req, &r, &st);
				td_status_reset(&st);
				k += (size_t) snprintf(out + k, cap - k,
				                       "[%zu %zu %zu: %d]\n",
				                       l, g, h, rc);
				for (size_t s = 0;
				     rc == TD_CODE_OK && s < r->n_series;
				     s++) {
					const Tandem__V1__Series *x
					    = r->series[s];
					for (size_t i = 0; i < x->n_points;
					     i++) {
						const Tandem__V1__Point *p
						    = x->points[i];
						k += (size_t) snprintf(
						    out + k, cap - k,
						    "%s %s %s %lld %.6f\n",
						    x->unit, p->period_start,
						    p->suppressed
						        ? p->suppression
						        : "shown",
						    (long long) p->n,
						    p->value);
						assert_true(k < cap);
					}
				}
				if (r != NULL) {
					protobuf_c_message_free_unpacked(
					    &r->base, NULL);
				}
			}
		}
	}
}

static size_t
count(const char *text, const char *what)
{
	size_t n = 0;
	for (const char *p = text; (p = strstr(p, what)) != NULL; p++) {
		n++;
	}
	return n;
}

#define CAP (1 << 20)
static char kept[CAP], fresh[CAP];

/* same_as_from_scratch compares A's answers about measure with a fresh
 * instance's and returns how many points are hidden as complementary. */
static size_t
same_as_from_scratch_of(const char *measure)
{
	h_server f;
	answers(council_a, measure, kept, CAP);
	/* F keeps no lattice: it decides again for every question */
	h_server_start(&f, conninfo, "--lattice-cache-mib", "0", NULL);
	td_client *council_f = h_client_token(&f, 60000, council_token);
	answers(council_f, measure, fresh, CAP);
	td_client_destroy(council_f);
	assert_int_equal(h_server_stop(&f), 0);
	if (strcmp(kept, fresh) != 0) {
		const char *x = kept, *y = fresh;
		while (*x && *x == *y) {
			x++, y++;
		}
		fail_msg("kept and fresh lattices differ at\n%.200s\n--- vs "
		         "---\n%.200s",
		         x, y);
	}
	assert_true(count(kept, "shown") > 20);
	return count(kept, "complementary");
}

static size_t
same_as_from_scratch(void)
{
	return same_as_from_scratch_of("att");
}

/* hidden: why point (unit, period start) of the first answer that has it
 * is hidden, or "shown". */
static const char *
why(const char *unit, const char *period)
{
	static char out[32];
	char        key[64];
	snprintf(key, sizeof(key), "\n%s %s ", unit, period);
	const char *p = strstr(kept, key);
	assert_non_null(p);
	sscanf(p + strlen(key), "%31s", out);
	return out;
}

static int
setup(void **state)
{
	(void) state;
	h_db_create("lattice", conninfo);
	h_server_start(&a, conninfo, NULL);
	h_server_start(&b, conninfo, NULL);
	snprintf(dir, sizeof(dir), "/tmp/tdtest-lattice-%d", (int) getpid());
	assert_int_equal(h_run("rm -rf %s && mkdir -p %s", dir, dir), 0);
	h_write_file(dir, "districts.csv", "district,name\nD1,One\nD2,Two\n");
	h_write_file(dir, "schools.csv",
	             "district,school,name,frl_rate,enrollment,locale,grades\n"
	             "D1,A1,A1,0.5,400,city,K-5\nD1,A2,A2,0.4,300,city,K-5\n"
	             "D1,A3,A3,0.3,100,rural,K-5\nD2,B1,B1,0.2,500,city,K-5\n"
	             "D2,B2,B2,0.6,350,city,K-5\n");
	h_write_file(dir, "measures.csv",
	             "measure,name,unit,direction\natt,Attendance,percent,"
	             "higher\n");
	/* Two academic years, 2023-24 and 2024-25, every month; ell rows
	 * for three schools. All well above min_n (10) to begin with. */
	char  path[256];
	FILE *f;
	snprintf(path, sizeof(path), "%s/outcomes.csv", dir);
	assert_non_null(f = fopen(path, "w"));
	fprintf(f,
	        "school,measure,period_start,period_end,value,n,subgroup\n");
	static const char *const school[] = { "A1", "A2", "A3", "B1", "B2" };
	static const int         n[]      = { 40, 30, 25, 45, 35 };
	for (int s = 0; s < 5; s++) {
		for (int m = 0; m < 24; m++) {
			int y   = 2023 + (m + 7) / 12;
			int mon = (m + 7) % 12 + 1;
			fprintf(f, "%s,att,%d-%02d-01,%d-%02d-28,%.2f,%d,\n",
			        school[s], y, mon, y, mon,
			        80 + (s * 3 + m * 7) % 15 + 0.25 * s,
			        n[s] + m % 5);
			if (s % 2 == 0) {
				fprintf(f,
				        "%s,att,%d-%02d-01,%d-%02d-28,%.2f,%d,"
				        "ell\n",
				        school[s], y, mon, y, mon,
				        70 + (s + m * 3) % 11 + 0.5,
				        12 + m % 4);
			}
		}
	}
	fclose(f);
	run_b("define districts %s/%s", "districts.csv");
	run_b("define schools %s/%s", "schools.csv");
	run_b("define measures %s/%s", "measures.csv");
	run_b("submit outcomes %s/%s", "outcomes.csv");
	td_client *admin = h_client(&a, 60000);
	h_create_client(admin, "council", "council", NULL, NULL, council_token,
	                NULL);
	td_client_destroy(admin);
	council_a = h_client_token(&a, 60000, council_token);
	return 0;
}

static int
teardown(void **state)
{
	(void) state;
	td_client_destroy(council_a);
	assert_int_equal(h_server_stop(&b), 0);
	assert_int_equal(h_server_stop(&a), 0);
	h_run("rm -rf %s", dir);
	return 0;
}

static void
kept_lattice_equals_a_fresh_one_after_each_write(void **state)
{
	(void) state;
	/* A decides everything once, with nothing hidden. */
	assert_int_equal(same_as_from_scratch(), 0);
	assert_string_equal(why("A2", "2024-10-01"), "shown");

	/* A2's October 2024 becomes 3 people: hidden, and a sibling with
	 * it so that the district's total does not give it away. */
	submit_b("A2,att,2024-10-01,2024-10-28,70.00,3,\n", true);
	assert_true(same_as_from_scratch() > 0);
	assert_string_equal(why("A2", "2024-10-01"), "primary");

	/* Large again: everything it hid is released. */
	submit_b("A2,att,2024-10-01,2024-10-28,71.00,33,\n", true);
	assert_int_equal(same_as_from_scratch(), 0);
	assert_string_equal(why("A2", "2024-10-01"), "shown");

	/* New rows in the other year: B1's ell, small in one month. */
	submit_b("B1,att,2023-11-01,2023-11-28,66.00,4,ell\n"
	         "B1,att,2023-12-01,2023-12-28,67.00,30,ell\n",
	         false);
	assert_true(same_as_from_scratch() > 0);

	/* One batch over both years: a small month in each. */
	submit_b("A1,att,2023-12-01,2023-12-28,75.00,5,\n"
	         "B1,att,2025-03-01,2025-03-28,76.00,2,\n",
	         true);
	size_t both = same_as_from_scratch();
	assert_true(both > 0);
	assert_string_equal(why("A1", "2023-12-01"), "primary");
	assert_string_equal(why("B1", "2025-03-01"), "primary");

	/* One of them released again; the other year is kept as it was. */
	submit_b("A1,att,2023-12-01,2023-12-28,75.00,50,\n", true);
	assert_true(same_as_from_scratch() < both);
	assert_string_equal(why("A1", "2023-12-01"), "shown");
	assert_string_equal(why("B1", "2025-03-01"), "primary");

	/* A subgroup no school had: the patch of A2's year finds it. Its
	 * complement in March is 2 people, so it is hidden too. */
	submit_b("A2,att,2025-03-01,2025-03-28,60.00,31,frl\n"
	         "A2,att,2025-04-01,2025-04-28,61.00,4,frl\n",
	         false);
	(void) same_as_from_scratch();

	/* A new school's first rows: no cells of it in the year kept. */
	h_write_file(dir, "schools3.csv",
	             "district,school,name,frl_rate,enrollment,locale,grades\n"
	             "D2,B3,B3,0.3,100,rural,K-5\n");
	run_b("define schools %s/%s", "schools3.csv");
	submit_b("B3,att,2024-09-01,2024-09-28,81.00,6,\n"
	         "B3,att,2024-10-01,2024-10-28,82.00,26,\n",
	         false);
	assert_true(same_as_from_scratch() > 0);
	assert_string_equal(why("B3", "2024-09-01"), "primary");

	/* A registry change moves a school, and with it every year's
	 * district totals. */
	h_write_file(dir, "schools2.csv",
	             "district,school,name,frl_rate,enrollment,locale,grades\n"
	             "D2,A3,A3,0.3,100,rural,K-5\n");
	run_b("define schools %s/%s", "schools2.csv");
	(void) same_as_from_scratch();
}

/* submit_survey_b stores survey responses (CSV lines) through B. */
static void
submit_survey_b(const char *rows, bool correction)
{
	static int k;
	char       name[32], text[2048];
	snprintf(name, sizeof(name), "r%d.csv", ++k);
	snprintf(text, sizeof(text),
	         "school,respondent,administered_on,grade,q1,q2\n%s", rows);
	h_write_file(dir, name, text);
	run_b(correction ? "submit surveys --survey clim --correction %s/%s"
	                 : "submit surveys --survey clim %s/%s",
	      name);
}

/* Survey cells count distinct respondents from the responses themselves,
 * read per academic year as well; weeks of early August belong to the
 * year before. */
static void
kept_survey_lattice_equals_a_fresh_one_after_each_write(void **state)
{
	(void) state;
	h_write_file(dir, "survey.csv",
	             "item,construct,min,max,reverse_coded,"
	             "favourable_at_least,text\n"
	             "q1,belong,1,5,false,4,One\nq2,belong,1,5,false,4,Two\n");
	run_b("define survey --code clim --name Climate %s/%s", "survey.csv");
	/* 12 students of each school on four days over two school years
	 * (2024-08-02 is a Friday: its week starts in 2023-24). */
	static const char *const days[]
	    = { "2024-05-14", "2024-08-02", "2024-10-08", "2025-02-11" };
	char rows[2048];
	for (int d = 0; d < 4; d++) {
		size_t k = 0;
		for (int s = 0; s < 5; s++) {
			for (int i = 0; i < 12; i++) {
				k += (size_t) snprintf(
				    rows + k, sizeof(rows) - k,
				    "%s,R%d%02d,%s,%d,%d,%d\n",
				    (const char *[]) { "A1", "A2", "A3", "B1",
				                       "B2" }[s],
				    s, i, days[d], 6 + i % 2, 1 + (i + d) % 5,
				    1 + (i * 3 + s) % 5);
			}
		}
		submit_survey_b(rows, false);
	}
	const char *m = "survey:clim/belong:mean";
	assert_int_equal(same_as_from_scratch_of(m), 0);
	/* Three students of A3 move to grade 8 on one day: a small grade
	 * (primary) whose school's other grades must hide one more. */
	submit_survey_b("A3,R200,2024-08-02,8,3,3\nA3,R202,2024-08-02,8,4,4\n"
	                "A3,R204,2024-08-02,8,2,5\n",
	                true);
	assert_true(same_as_from_scratch_of(m) > 0);
	/* Back to grade 6: the grade-8 cells are gone. */
	submit_survey_b("A3,R200,2024-08-02,6,3,3\nA3,R202,2024-08-02,6,4,4\n"
	                "A3,R204,2024-08-02,6,2,5\n",
	                true);
	(void) same_as_from_scratch_of(m);
	/* New students on the Tuesday of that week: a write of 2023-24
	 * alone, whose week also holds the Friday's answers of 2024-25. */
	submit_survey_b("A1,R950,2024-07-30,6,3,3\nA1,R951,2024-07-30,6,4,4\n",
	                false);
	(void) same_as_from_scratch_of(m);
	/* A few new students in the later year only. */
	submit_survey_b("B2,R900,2025-02-12,7,5,5\nB2,R901,2025-02-12,7,1,2\n",
	                false);
	(void) same_as_from_scratch_of(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    kept_lattice_equals_a_fresh_one_after_each_write),
		cmocka_unit_test(
		    kept_survey_lattice_equals_a_fresh_one_after_each_write),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
