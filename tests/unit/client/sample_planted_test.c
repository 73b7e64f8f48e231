/* SPDX-License-Identifier: MIT
 * Tests of the sample-network generator: the planted effects (PLANTED.md)
 * show up in crude computations over the files: the activity effect, the
 * school sizes, the shift, the outlier and the deviants, realistic survey
 * responses and double-scored observations, isolation, practice and
 * cycles.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sample.h"
#include "sample_util.h"

/* Mean change of ela_scale (all students) from year 1 to later years, for
 * schools in `part` minus the others, in units of the between-school SD
 * of year-1 means. */
static double
did_in_sd(const table *o, const int *part, int ns)
{
	double pre[2001] = { 0 }, post[2001] = { 0 };
	int    npre[2001] = { 0 }, npost[2001] = { 0 };
	for (size_t r = 1; r < o->nrow; r++) {
		if (strcmp(cell(o, r, 1), "ela_scale") != 0
		    || cell(o, r, 6)[0] != '\0') {
			continue;
		}
		int    s = atoi(cell(o, r, 0) + 1);
		double v = atof(cell(o, r, 4));
		if (acad_year(cell(o, r, 2)) == 2023) {
			pre[s] += v;
			npre[s]++;
		} else {
			post[s] += v;
			npost[s]++;
		}
	}
	double sum_in = 0, sum_out = 0, m = 0, ss = 0;
	int    n_in = 0, n_out = 0;
	for (int s = 1; s <= ns; s++) {
		pre[s] /= npre[s];
		post[s] /= npost[s];
		m += pre[s] / ns;
		if (part[s]) {
			sum_in += post[s] - pre[s];
			n_in++;
		} else {
			sum_out += post[s] - pre[s];
			n_out++;
		}
	}
	for (int s = 1; s <= ns; s++) {
		ss += (pre[s] - m) * (pre[s] - m);
	}
	assert_true(n_in > 0 && n_out > 0);
	return (sum_in / n_in - sum_out / n_out) / sqrt(ss / (ns - 1));
}

static void
participants(const char *dir, const char *kind, int *part, double *hours)
{
	table a, p;
	char  code[16] = "";
	load(dir, "activities.csv", &a);
	for (size_t r = 1; r < a.nrow; r++) {
		if (strcmp(cell(&a, r, 1), kind) == 0) {
			snprintf(code, sizeof code, "%s", cell(&a, r, 0));
		}
	}
	assert_true(code[0] != '\0');
	load(dir, "participation.csv", &p);
	for (size_t r = 1; r < p.nrow; r++) {
		if (strcmp(cell(&p, r, 0), code) == 0) {
			int s   = atoi(cell(&p, r, 1) + 1);
			part[s] = 1;
			if (hours != NULL) {
				hours[s] += atof(cell(&p, r, 5));
			}
		}
	}
	table_free(&a);
	table_free(&p);
}

static void
test_planted_activity_effect_visible(void **state)
{
	(void) state;
	for (uint64_t seed = 1; seed <= 3; seed++) {
		char   d[64];
		table  o;
		int    coach[41] = { 0 }, shop[41] = { 0 };
		double hours[41] = { 0 };
		make_tmpdir(d, sizeof d);
		generate(d, seed, 40, 3);
		load(d, "outcomes.csv", &o);
		participants(d, "coaching", coach, hours);
		participants(d, "workshop", shop, NULL);
		double g_coach = did_in_sd(&o, coach, 40);
		double g_shop  = did_in_sd(&o, shop, 40);
		/* planted: +0.4 SD for coaching, 0 for the workshop */
		if (!(g_coach > 0.25 && g_coach < 0.6)) {
			fail_msg("seed %d: coaching %.3f SD", (int) seed,
			         g_coach);
		}
		if (!(fabs(g_shop) < 0.2)) {
			fail_msg("seed %d: workshop %.3f SD", (int) seed,
			         g_shop);
		}

		/* dose-response: among coached schools, more hours, more
		 * gain (positive correlation of hours with the change) */
		double pre[41] = { 0 }, post[41] = { 0 };
		int    npre[41] = { 0 }, npost[41] = { 0 };
		for (size_t r = 1; r < o.nrow; r++) {
			if (strcmp(cell(&o, r, 1), "ela_scale") != 0
			    || cell(&o, r, 6)[0] != '\0') {
				continue;
			}
			int s = atoi(cell(&o, r, 0) + 1);
			if (acad_year(cell(&o, r, 2)) == 2023) {
				pre[s] += atof(cell(&o, r, 4));
				npre[s]++;
			} else {
				post[s] += atof(cell(&o, r, 4));
				npost[s]++;
			}
		}
		double mx = 0, my = 0, sxy = 0, sxx = 0, syy = 0;
		int    n = 0;
		for (int s = 1; s <= 40; s++) {
			if (coach[s]) {
				mx += hours[s];
				my += post[s] / npost[s] - pre[s] / npre[s];
				n++;
			}
		}
		mx /= n;
		my /= n;
		for (int s = 1; s <= 40; s++) {
			if (coach[s]) {
				double dx = hours[s] - mx;
				double dy = post[s] / npost[s]
				    - pre[s] / npre[s] - my;
				sxy += dx * dy;
				sxx += dx * dx;
				syy += dy * dy;
			}
		}
		assert_true(sxy / sqrt(sxx * syy) > 0.2);
		table_free(&o);
		remove_tree(d);
	}
}

/* The size plant: 3 very small and 3 very large schools out of 40, as
 * planted.csv names them, none among the positive deviants; the funnel
 * outlier is one of the large ones, with far more chronic absence than
 * the network in every year. */
static void
test_planted_school_sizes(void **state)
{
	(void) state;
	char  d[64];
	table o, p, s;
	make_tmpdir(d, sizeof d);
	generate(d, 1, 40, 3);
	load(d, "outcomes.csv", &o);
	load(d, "planted.csv", &p);
	load(d, "schools.csv", &s);
	int en[41] = { 0 }, kind[41] = { 0 }, small = 0, large = 0;
	int funnel = 0;
	for (size_t r = 1; r < s.nrow; r++) {
		en[atoi(cell(&s, r, 1) + 1)] = atoi(cell(&s, r, 4));
	}
	for (size_t r = 1; r < p.nrow; r++) {
		const char *k = cell(&p, r, 0);
		int         i = atoi(cell(&p, r, 1) + 1);
		if (strcmp(k, "small_school") == 0) {
			assert_true(en[i] >= 40 && en[i] <= 90);
			assert_int_equal(kind[i], 0);
			kind[i] = 1;
			small++;
		} else if (strcmp(k, "large_school") == 0) {
			assert_true(en[i] >= 3000 && en[i] <= 4500);
			assert_int_equal(kind[i], 0);
			kind[i] = 2;
			large++;
		} else if (strcmp(k, "funnel_outlier") == 0) {
			funnel = i;
		}
	}
	for (size_t r = 1; r < p.nrow; r++) {
		if (strcmp(cell(&p, r, 0), "positive_deviant") == 0) {
			assert_int_equal(kind[atoi(cell(&p, r, 1) + 1)], 0);
		}
	}
	assert_int_equal(small, 3);
	assert_int_equal(large, 3);
	assert_int_equal(kind[funnel], 2);
	for (int i = 1; i <= 40; i++) {
		assert_true(kind[i] != 0 || (en[i] >= 150 && en[i] <= 2500));
	}
	/* yearly chronic absence: the funnel school > 10 points above the
	 * mean of the other schools */
	double sum[3] = { 0 }, fs[3] = { 0 };
	int    cnt[3] = { 0 }, fc[3] = { 0 };
	for (size_t r = 1; r < o.nrow; r++) {
		if (strcmp(cell(&o, r, 1), "chronic_absence") != 0) {
			continue;
		}
		double v = atof(cell(&o, r, 4));
		int    y = acad_year(cell(&o, r, 2)) - 2023;
		if (atoi(cell(&o, r, 0) + 1) == funnel) {
			fs[y] += v;
			fc[y]++;
		} else {
			sum[y] += v;
			cnt[y]++;
		}
	}
	for (int y = 0; y < 3; y++) {
		assert_true(fc[y] > 0);
		assert_true(fs[y] / fc[y] - sum[y] / cnt[y] > 10.0);
	}
	table_free(&o);
	table_free(&p);
	table_free(&s);
	remove_tree(d);
}

static void
test_planted_shift_outlier_and_deviants(void **state)
{
	(void) state;
	char  d[64];
	table o, p, s;
	make_tmpdir(d, sizeof d);
	generate(d, 1, 40, 3);
	load(d, "outcomes.csv", &o);
	load(d, "planted.csv", &p);
	load(d, "schools.csv", &s);

	/* level shift: network mean attendance, screened of the typo */
	double sum[3] = { 0 };
	int    cnt[3] = { 0 };
	for (size_t r = 1; r < o.nrow; r++) {
		double v = atof(cell(&o, r, 4));
		if (strcmp(cell(&o, r, 1), "attendance") == 0 && v > 50.0) {
			int y = acad_year(cell(&o, r, 2)) - 2023;
			sum[y] += v;
			cnt[y]++;
		}
	}
	assert_true(sum[1] / cnt[1] - sum[0] / cnt[0] > 1.0);

	/* the mistyped value is in outcomes.csv where planted.csv says */
	int outliers = 0, deviants = 0, pd[41] = { 0 };
	for (size_t r = 1; r < p.nrow; r++) {
		const char *k = cell(&p, r, 0);
		if (strcmp(k, "outlier") == 0) {
			const char *school = cell(&p, r, 1);
			const char *date
			    = strstr(cell(&p, r, 2), "attendance ") + 11;
			int hit = 0;
			for (size_t q = 1; q < o.nrow; q++) {
				hit += strcmp(cell(&o, q, 0), school) == 0
				    && strcmp(cell(&o, q, 1), "attendance")
				        == 0
				    && strncmp(cell(&o, q, 2), date, 10) == 0
				    && atof(cell(&o, q, 4)) < 20.0;
			}
			assert_int_equal(hit, 1);
			outliers++;
		}
		if (strcmp(k, "positive_deviant") == 0) {
			pd[atoi(cell(&p, r, 1) + 1)] = 1;
			deviants++;
		}
	}
	assert_int_equal(outliers, 1);
	assert_int_equal(deviants, 3);

	/* deviants beat a crude frl-only prediction of their first-year
	 * mean by more than one residual SD */
	double y[41] = { 0 }, x[41] = { 0 };
	int    ny[41] = { 0 };
	for (size_t r = 1; r < o.nrow; r++) {
		if (strcmp(cell(&o, r, 1), "ela_scale") == 0
		    && cell(&o, r, 6)[0] == '\0'
		    && acad_year(cell(&o, r, 2)) == 2023) {
			int k = atoi(cell(&o, r, 0) + 1);
			y[k] += atof(cell(&o, r, 4));
			ny[k]++;
		}
	}
	for (size_t r = 1; r < s.nrow; r++) {
		x[atoi(cell(&s, r, 1) + 1)] = atof(cell(&s, r, 3));
	}
	double mx = 0, my = 0, sxy = 0, sxx = 0, sse = 0;
	for (int k = 1; k <= 40; k++) {
		y[k] /= ny[k];
		mx += x[k] / 40;
		my += y[k] / 40;
	}
	for (int k = 1; k <= 40; k++) {
		sxy += (x[k] - mx) * (y[k] - my);
		sxx += (x[k] - mx) * (x[k] - mx);
	}
	double b = sxy / sxx, a = my - b * mx;
	for (int k = 1; k <= 40; k++) {
		double e = y[k] - a - b * x[k];
		sse += e * e;
	}
	double sd = sqrt(sse / 38);
	assert_true(b < 0); /* context matters: more FRL, lower scores */
	for (int k = 1; k <= 40; k++) {
		if (pd[k]) {
			assert_true(y[k] - a - b * x[k] > sd);
		}
	}
	table_free(&o);
	table_free(&p);
	table_free(&s);
	remove_tree(d);
}

static double
corr(const double *x, const double *y, int n)
{
	double mx = 0, my = 0, sxy = 0, sxx = 0, syy = 0;
	for (int i = 0; i < n; i++) {
		mx += x[i] / n;
		my += y[i] / n;
	}
	for (int i = 0; i < n; i++) {
		sxy += (x[i] - mx) * (y[i] - my);
		sxx += (x[i] - mx) * (x[i] - mx);
		syy += (y[i] - my) * (y[i] - my);
	}
	return sxy / sqrt(sxx * syy);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *) a, *(const char *const *) b);
}

static void
test_survey_responses_realistic(void **state)
{
	(void) state;
	char  d[64];
	table r, a;
	make_tmpdir(d, sizeof d);
	generate(d, 1, 40, 3);
	load(d, "responses_climate.csv", &r);
	load(d, "administrations.csv", &a);

	/* 20..80 respondents per school and administration, fewer than
	 * invited */
	for (size_t k = 1; k < a.nrow; k++) {
		if (strcmp(cell(&a, k, 0), "climate") != 0) {
			continue;
		}
		int n = 0;
		for (size_t q = 1; q < r.nrow; q++) {
			n += strcmp(cell(&r, q, 0), cell(&a, k, 1)) == 0
			    && strcmp(cell(&r, q, 2), cell(&a, k, 2)) == 0;
		}
		assert_true(n >= 20 && n <= 80);
		assert_true(n < atoi(cell(&a, k, 3)));
	}

	/* ids in the documented form, some seen more than once */
	size_t rows = r.nrow - 1, empty = 0, cells = 0;
	assert_memory_equal(cell(&r, 1, 1), "STU-S001-", 9);
	const char **ids = calloc(rows, sizeof *ids);
	assert_non_null(ids);
	for (size_t q = 1; q < r.nrow; q++) {
		ids[q - 1] = cell(&r, q, 1);
	}
	qsort(ids, rows, sizeof *ids, cmp_str);
	size_t repeats = 0;
	for (size_t q = 1; q < rows; q++) {
		repeats += strcmp(ids[q], ids[q - 1]) == 0;
	}
	assert_true(repeats > rows / 4); /* longitudinal linking possible */
	free(ids);

	/* ~3% empty cells; reverse-coded items really reversed */
	double *b1 = calloc(rows, sizeof *b1), *b2 = calloc(rows, sizeof *b2),
	       *b4 = calloc(rows, sizeof *b4);
	int    m   = 0;
	size_t c1 = col_of(&r, "belong_1"), c2 = col_of(&r, "belong_2"),
	       c4 = col_of(&r, "belong_4");
	for (size_t q = 1; q < r.nrow; q++) {
		for (size_t c = 4; c < 16; c++) {
			const char *v = cell(&r, q, c);
			cells++;
			if (*v == '\0') {
				empty++;
			} else {
				assert_true(atoi(v) >= 1 && atoi(v) <= 5);
			}
		}
		if (*cell(&r, q, c1) && *cell(&r, q, c2) && *cell(&r, q, c4)) {
			b1[m] = atof(cell(&r, q, c1));
			b2[m] = atof(cell(&r, q, c2));
			b4[m] = atof(cell(&r, q, c4));
			m++;
		}
	}
	double rate = (double) empty / (double) cells;
	assert_true(rate > 0.015 && rate < 0.05);
	assert_true(corr(b1, b2, m) > 0.3);
	assert_true(corr(b1, b4, m) < -0.3);
	free(b1);
	free(b2);
	free(b4);
	table_free(&r);
	table_free(&a);

	/* teacher respondents T-..., grade empty, values 1..4 */
	load(d, "responses_teacher.csv", &r);
	for (size_t q = 1; q < r.nrow; q++) {
		assert_memory_equal(cell(&r, q, 1), "T-", 2);
		assert_string_equal(cell(&r, q, 3), "");
		for (size_t c = 4; c < 12; c++) {
			const char *v = cell(&r, q, c);
			assert_true(*v == '\0'
			            || (atoi(v) >= 1 && atoi(v) <= 4));
		}
	}
	table_free(&r);
	remove_tree(d);
}

static void
test_double_scored_observations_agree_realistically(void **state)
{
	(void) state;
	char  d[64];
	table o;
	make_tmpdir(d, sizeof d);
	generate(d, 1, 40, 3);
	load(d, "observations.csv", &o);
	size_t codes = 0, doubles = 0, pairs = 0, exact = 0, adjacent = 0;
	int    quoted_note = 0;
	for (size_t q = 1; q < o.nrow; q++) {
		const char *note = cell(&o, q, 11);
		quoted_note |= strchr(note, '"') != NULL;
		if (q > 1 && strcmp(cell(&o, q, 0), cell(&o, q - 1, 0)) == 0) {
			/* second scorer: same lesson, different observer */
			doubles++;
			assert_string_equal(cell(&o, q, 1),
			                    cell(&o, q - 1, 1));
			assert_string_equal(cell(&o, q, 3),
			                    cell(&o, q - 1, 3));
			assert_string_equal(cell(&o, q, 5),
			                    cell(&o, q - 1, 5));
			assert_string_not_equal(cell(&o, q, 2),
			                        cell(&o, q - 1, 2));
			for (size_t c = 6; c < 11; c++) {
				int x = atoi(cell(&o, q, c)),
				    y = atoi(cell(&o, q - 1, c));
				pairs++;
				exact += x == y;
				adjacent += abs(x - y) <= 1;
			}
		} else {
			codes++;
		}
		for (size_t c = 6; c < 11; c++) {
			int v = atoi(cell(&o, q, c));
			assert_true(v >= 1 && v <= 4);
		}
	}
	double share = (double) doubles / (double) codes;
	assert_true(share > 0.12 && share < 0.28);
	/* mostly equal or +-1, but not always equal */
	assert_true((double) exact / pairs > 0.4);
	assert_true((double) exact / pairs < 0.9);
	assert_true((double) adjacent / pairs > 0.9);
	assert_true(quoted_note);
	table_free(&o);
	remove_tree(d);
}

/* The improvement plants: the isolated schools take part in nothing,
 * the deviants' observations score higher on the planted criterion only,
 * and pdsa.csv holds the network cycle planted.csv names. */
static void
test_planted_isolation_practice_and_cycles(void **state)
{
	(void) state;
	char  d[64];
	table p, part, obs, cyc;
	make_tmpdir(d, sizeof d);
	generate(d, 1, 40, 3);
	load(d, "planted.csv", &p);
	load(d, "participation.csv", &part);
	load(d, "observations.csv", &obs);
	load(d, "pdsa.csv", &cyc);
	int  iso[41] = { 0 }, pd[41] = { 0 }, n_iso = 0;
	char crit[32] = "", cycle[32] = "";
	for (size_t r = 1; r < p.nrow; r++) {
		const char *k = cell(&p, r, 0);
		if (strcmp(k, "isolated_school") == 0) {
			iso[atoi(cell(&p, r, 1) + 1)] = 1;
			n_iso++;
		} else if (strcmp(k, "positive_deviant") == 0) {
			pd[atoi(cell(&p, r, 1) + 1)] = 1;
		} else if (strcmp(k, "deviant_practice") == 0) {
			snprintf(crit, sizeof crit, "%s", cell(&p, r, 1));
		} else if (strcmp(k, "pdsa_signal") == 0) {
			snprintf(cycle, sizeof cycle, "%s", cell(&p, r, 1));
		}
	}
	assert_int_equal(n_iso, 2);
	assert_string_equal(crit, "questioning");
	for (size_t r = 1; r < part.nrow; r++) {
		assert_false(iso[atoi(cell(&part, r, 1) + 1)]);
	}
	/* mean score per criterion column (6..10), deviants vs the rest */
	double sum[2][5] = { { 0 } };
	int    n[2]      = { 0 };
	for (size_t r = 1; r < obs.nrow; r++) {
		int side = pd[atoi(cell(&obs, r, 1) + 1)];
		n[side]++;
		for (int j = 0; j < 5; j++) {
			sum[side][j] += atof(cell(&obs, r, 6 + (size_t) j));
		}
	}
	for (int j = 0; j < 5; j++) {
		double diff = sum[1][j] / n[1] - sum[0][j] / n[0];
		if (strcmp(cell(&obs, 0, 6 + (size_t) j), crit) == 0) {
			assert_true(diff > 0.5);
		} else {
			assert_true(fabs(diff) < 0.3);
		}
	}
	/* the cycle is the network's, on attendance, from 2024-09-01 */
	bool found = false;
	for (size_t r = 1; r < cyc.nrow; r++) {
		const char *school = cell(&cyc, r, 1);
		if (strcmp(cell(&cyc, r, 0), cycle) == 0) {
			found = true;
			assert_string_equal(school, "");
			assert_string_equal(cell(&cyc, r, 2), "attendance");
			assert_string_equal(cell(&cyc, r, 7), "2024-09-01");
		} else if (school[0] != '\0') {
			assert_false(iso[atoi(school + 1)]);
		}
	}
	assert_true(found);
	table_free(&p);
	table_free(&part);
	table_free(&obs);
	table_free(&cyc);
	remove_tree(d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_planted_activity_effect_visible),
		cmocka_unit_test(test_planted_shift_outlier_and_deviants),
		cmocka_unit_test(test_planted_school_sizes),
		cmocka_unit_test(test_planted_isolation_practice_and_cycles),
		cmocka_unit_test(test_survey_responses_realistic),
		cmocka_unit_test(
		    test_double_scored_observations_agree_realistically),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
