/* SPDX-License-Identifier: MIT
 * Tests for variance components (stats_variance): ICC(1) from one-way
 * random-effects ANOVA, from raw values and from group summaries, against
 * R 4.2 (aov by hand; psych 2.2.9 ICC for a balanced case).
 */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "stats_variance.h"
#include "test_util.h"

#define REL 1e-9

/* Unbalanced: five schools of 5, 3, 7, 2 and 1 students.
 * R: y <- c(12, 15, 11, 14, 13,  18, 20, 17,  10, 9, 12, 11, 8, 10, 13,
 *           16, 14,  15); g <- factor(rep(1:5, c(5, 3, 7, 2, 1)))
 *    s <- summary(aov(y ~ g))[[1]]; msb <- s[1, 3]; msw <- s[2, 3]
 *    n0 <- (N - sum(ni^2) / N) / (k - 1)
 *    icc <- (msb - msw) / (msb + (n0 - 1) * msw) */
#define NU 18
static const double Y[NU]
    = { 12, 15, 11, 14, 13, 18, 20, 17, 10, 9, 12, 11, 8, 10, 13, 16, 14, 15 };
static const size_t G[NU]
    = { 0, 0, 0, 0, 0, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 3, 3, 4 };
static const double R_MSB = 35.682539682539677;
static const double R_MSW = 2.6446886446886464;
static const double R_N0  = 3.2777777777777777;
static const double R_ICC = 0.79215012735061896;
static const double R_F   = 13.492151431209592; /* s[1, 4] */
static const double R_P   = 0.00014707164126043478; /* s[1, 5] */
static const double R_SSB = 142.73015873015871; /* s[1, 2] */
static const double R_SSW = 34.380952380952401; /* s[2, 2] */

static void
check_unbalanced(const stats_icc1_result *res)
{
	assert_int_equal(res->k, 5);
	assert_int_equal(res->n_total, NU);
	assert_rel(res->msb, R_MSB, REL);
	assert_rel(res->msw, R_MSW, REL);
	assert_rel(res->n0, R_N0, REL);
	assert_rel(res->icc, R_ICC, REL);
	assert_rel(res->icc_truncated, R_ICC, REL);
	assert_true(res->has_f);
	assert_rel(res->f, R_F, REL);
	assert_rel(res->p, R_P, REL);
	assert_rel(res->ss_between, R_SSB, REL);
	assert_rel(res->ss_within, R_SSW, REL);
	assert_rel(res->df_between, 4.0, 0.0);
	assert_rel(res->df_within, 13.0, 0.0);
}

static void
test_unbalanced_values_match_r_aov(void **state)
{
	stats_icc1_result res;
	char              errmsg[TD_ERRMSG_MAX];

	(void) state;
	assert_int_equal(stats_icc1_values(Y, G, NU, 5, &res, errmsg), TD_OK);
	check_unbalanced(&res);
}

static void
test_unbalanced_summaries_match_r_aov(void **state)
{
	/* tapply(y, g, mean); tapply(y, g, sd) (NA for the school of 1) */
	const stats_group_summary s[5] = {
		{ 13, 1.5811388300841898, 5 },
		{ 18.333333333333332, 1.5275252316519468, 3 },
		{ 10.428571428571429, 1.7182493859684491, 7 },
		{ 15, 1.4142135623730951, 2 },
		{ 15, NAN, 1 },
	};
	stats_icc1_result res;
	char              errmsg[TD_ERRMSG_MAX];

	(void) state;
	assert_int_equal(stats_icc1(s, 5, &res, errmsg), TD_OK);
	check_unbalanced(&res);
}

static void
test_missing_values_and_empty_groups_are_skipped(void **state)
{
	double            y[NU + 2];
	size_t            g[NU + 2];
	stats_icc1_result res;
	char              errmsg[TD_ERRMSG_MAX];

	(void) state;
	memcpy(y, Y, sizeof(Y));
	memcpy(g, G, sizeof(G));
	y[NU]     = NAN;
	g[NU]     = 1;
	y[NU + 1] = NAN;
	g[NU + 1] = 5; /* group 5 has only a missing value: empty */
	assert_int_equal(stats_icc1_values(y, g, NU + 2, 6, &res, errmsg),
	                 TD_OK);
	check_unbalanced(&res);
}

static void
test_balanced_case_matches_psych_icc1(void **state)
{
	/* Shrout & Fleiss (1979) Table 2, each row taken as one group.
	 * R: m <- matrix(c(9,2,5,8, 6,1,3,2, 8,4,6,8, 7,1,2,6, 10,5,6,9,
	 *                  6,2,4,7), ncol = 4, byrow = TRUE) */
	static const double m[24] = { 9, 2, 5, 8, 6,  1, 3, 2, 8, 4, 6, 8,
		                      7, 1, 2, 6, 10, 5, 6, 9, 6, 2, 4, 7 };
	size_t              g[24], i;
	stats_icc1_result   res;
	char                errmsg[TD_ERRMSG_MAX];

	(void) state;
	for (i = 0; i < 24; i++) {
		g[i] = i / 4;
	}
	assert_int_equal(stats_icc1_values(m, g, 24, 6, &res, errmsg), TD_OK);
	assert_rel(res.n0, 4.0, REL);
	/* psych::ICC(m, lmer = FALSE)$results["Single_raters_absolute",
	 * "ICC"] */
	assert_rel(res.icc, 0.16574176840547555, REL);
}

static void
test_negative_icc_is_reported_and_truncated(void **state)
{
	/* R: y2 <- c(1, 9, 5,  2, 8, 5,  3, 7, 5.5);
	 *    g2 <- factor(rep(1:3, each = 3)); aov as above */
	static const double y[9] = { 1, 9, 5, 2, 8, 5, 3, 7, 5.5 };
	static const size_t g[9] = { 0, 0, 0, 1, 1, 1, 2, 2, 2 };
	stats_icc1_result   res;
	char                errmsg[TD_ERRMSG_MAX];

	(void) state;
	assert_int_equal(stats_icc1_values(y, g, 9, 3, &res, errmsg), TD_OK);
	assert_rel(res.msb, 0.027777777777777752, REL);
	assert_rel(res.msw, 9.6944444444444464, REL);
	assert_rel(res.icc, -0.49785407725321884, REL);
	assert_rel(res.icc_truncated, 0.0, 0.0);
}

static void
test_degenerate_groups(void **state)
{
	static const double       ones[3] = { 4, 5, 6 };
	static const size_t       sep[3]  = { 0, 1, 2 };
	static const size_t       one[3]  = { 0, 0, 0 };
	static const double       same[6] = { 0.1, 0.1, 0.1, 0.1, 0.1, 0.1 };
	static const size_t       two[6]  = { 0, 0, 1, 1, 1, 2 };
	const stats_group_summary bad[2]
	    = { { 3.0, -1.0, 4 }, { 2.0, 1.0, 4 } };
	stats_icc1_result res;
	char              errmsg[TD_ERRMSG_MAX] = "";

	(void) state;
	/* one group */
	assert_int_equal(stats_icc1_values(ones, one, 3, 1, &res, errmsg),
	                 TD_ETOOFEW);
	assert_non_null(strstr(errmsg, "at least 2 groups"));
	/* every group of size 1: no within-group variance to estimate */
	assert_int_equal(stats_icc1_values(ones, sep, 3, 3, &res, errmsg),
	                 TD_ETOOFEW);
	assert_non_null(strstr(errmsg, "2 or more values"));
	/* every value equal */
	assert_int_equal(stats_icc1_values(same, two, 6, 3, &res, errmsg),
	                 TD_EZEROVAR);
	assert_int_equal(stats_icc1(bad, 2, &res, errmsg), TD_EINVAL);
	assert_non_null(strstr(errmsg, "group 0"));
}

static void
test_zero_within_variance_gives_icc_one_without_f(void **state)
{
	static const double y[4] = { 2, 2, 5, 5 };
	static const size_t g[4] = { 0, 0, 1, 1 };
	stats_icc1_result   res;
	char                errmsg[TD_ERRMSG_MAX];

	(void) state;
	/* MSW = 0: (MSB - 0) / (MSB + 0) = 1 exactly; F is not defined. */
	assert_int_equal(stats_icc1_values(y, g, 4, 2, &res, errmsg), TD_OK);
	assert_rel(res.icc, 1.0, 0.0);
	assert_false(res.has_f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unbalanced_values_match_r_aov),
		cmocka_unit_test(test_unbalanced_summaries_match_r_aov),
		cmocka_unit_test(
		    test_missing_values_and_empty_groups_are_skipped),
		cmocka_unit_test(test_balanced_case_matches_psych_icc1),
		cmocka_unit_test(test_negative_icc_is_reported_and_truncated),
		cmocka_unit_test(test_degenerate_groups),
		cmocka_unit_test(
		    test_zero_within_variance_gives_icc_one_without_f),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
