/* SPDX-License-Identifier: MIT
 * Tests for rater agreement (stats_agreement): exact/adjacent agreement and
 * quadratic-weighted kappa against R 4.2 psych 2.2.9 cohen.kappa, and
 * ICC(2,1) against psych::ICC on Shrout & Fleiss's (1979) worked example.
 */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "stats_agreement.h"
#include "test_util.h"

#define REL 1e-9

/* R: a <- c(3, 2, 4, 1, 3, 3, 2, 4, 2, 3, 1, 4, 3, 2, 3)
 *    b <- c(3, 3, 4, 2, 2, 3, 2, 3, 1, 3, 1, 4, 4, 2, 3) */
#define NP 15
static const double A[NP] = { 3, 2, 4, 1, 3, 3, 2, 4, 2, 3, 1, 4, 3, 2, 3 };
static const double B[NP] = { 3, 3, 4, 2, 2, 3, 2, 3, 1, 3, 1, 4, 4, 2, 3 };

static void
test_kappa_matches_psych_cohen_kappa(void **state)
{
	stats_kappa_result res;
	char               errmsg[TD_ERRMSG_MAX];

	(void) state;
	assert_int_equal(stats_rater_agreement(A, B, NP, 1, 4, &res, errmsg),
	                 TD_OK);
	assert_int_equal(res.n, NP);
	/* mean(a == b), mean(abs(a - b) <= 1) */
	assert_int_equal(res.exact, 9);
	assert_rel(res.exact_share, 0.59999999999999998, REL);
	assert_int_equal(res.adjacent, NP);
	assert_rel(res.adjacent_share, 1.0, REL);
	/* psych::cohen.kappa(cbind(a, b), levels = 1:4)$weighted.kappa; its
	 * default weights are 1 - (i - j)^2 / (K - 1)^2 (printed $weight),
	 * i.e. quadratic. */
	assert_rel(res.kappa_w, 0.77499999999999958, REL);
}

static void
test_unused_categories_do_not_change_kappa(void **state)
{
	stats_kappa_result res;
	char               errmsg[TD_ERRMSG_MAX];

	(void) state;
	/* cohen.kappa(cbind(a, b), levels = 1:5)$weighted.kappa */
	assert_int_equal(stats_rater_agreement(A, B, NP, 1, 5, &res, errmsg),
	                 TD_OK);
	assert_rel(res.kappa_w, 0.77499999999999969, REL);
}

static void
test_kappa_weights_by_score_distance(void **state)
{
	/* Score 3 is never used; the distance from 2 to 4 is still 2. */
	static const double a2[8] = { 1, 2, 4, 4, 2, 1, 4, 2 };
	static const double b2[8] = { 1, 4, 4, 2, 2, 2, 4, 1 };
	stats_kappa_result  res;
	char                errmsg[TD_ERRMSG_MAX];

	(void) state;
	assert_int_equal(stats_rater_agreement(a2, b2, 8, 1, 4, &res, errmsg),
	                 TD_OK);
	/* cohen.kappa(cbind(a2, b2), levels = 1:4)$weighted.kappa
	 * (without levels, psych would space the observed scores 1, 2, 4
	 * one step apart and give 0.58974358974358976) */
	assert_rel(res.kappa_w, 0.58333333333333348, REL);
}

static void
test_incomplete_pairs_are_skipped(void **state)
{
	double             a[NP + 2], b[NP + 2];
	stats_kappa_result res;
	char               errmsg[TD_ERRMSG_MAX];

	(void) state;
	memcpy(a, A, sizeof(A));
	memcpy(b, B, sizeof(B));
	a[NP]     = NAN;
	b[NP]     = 1;
	a[NP + 1] = 4;
	b[NP + 1] = NAN;
	assert_int_equal(
	    stats_rater_agreement(a, b, NP + 2, 1, 4, &res, errmsg), TD_OK);
	assert_int_equal(res.n, NP);
	assert_rel(res.kappa_w, 0.77499999999999958, REL);
}

static void
test_kappa_degenerate_and_bad_scores(void **state)
{
	double             c3[5]   = { 3, 3, 3, 3, 3 };
	double             c4[5]   = { 4, 4, 4, 4, 4 };
	double             bad[5]  = { 3, 3, 2.5, 3, 3 };
	double             none[2] = { NAN, NAN };
	stats_kappa_result res;
	char               errmsg[TD_ERRMSG_MAX] = "";

	(void) state;
	/* Both raters constant and equal: chance agreement is 1. */
	assert_int_equal(stats_rater_agreement(c3, c3, 5, 1, 4, &res, errmsg),
	                 TD_EZEROVAR);
	assert_non_null(strstr(errmsg, "same score"));
	/* Constant but different: by hand, observed = expected weighted
	 * agreement (both 1 - 1/9), so kappa = 0. */
	assert_int_equal(stats_rater_agreement(c3, c4, 5, 1, 4, &res, errmsg),
	                 TD_OK);
	assert_rel(res.kappa_w, 0.0, 1e-15);
	assert_int_equal(res.exact, 0);
	assert_int_equal(res.adjacent, 5);
	assert_int_equal(stats_rater_agreement(c3, bad, 5, 1, 4, &res, errmsg),
	                 TD_ERANGE);
	assert_non_null(strstr(errmsg, "observation 2: rater B"));
	assert_int_equal(stats_rater_agreement(c3, c4, 5, 1, 3, &res, errmsg),
	                 TD_ERANGE);
	assert_int_equal(
	    stats_rater_agreement(none, none, 2, 1, 4, &res, errmsg),
	    TD_ETOOFEW);
	assert_int_equal(stats_rater_agreement(c3, c4, 5, 4, 4, &res, errmsg),
	                 TD_EINVAL);
}

/* Shrout & Fleiss (1979), Table 2: 6 targets x 4 judges.
 * R: m <- matrix(c(9,2,5,8, 6,1,3,2, 8,4,6,8, 7,1,2,6, 10,5,6,9,
 *                  6,2,4,7), ncol = 4, byrow = TRUE) */
static const double SF[6 * 4] = {
	9, 2, 5, 8, 6,  1, 3, 2, 8, 4, 6, 8,
	7, 1, 2, 6, 10, 5, 6, 9, 6, 2, 4, 7,
};

static void
test_icc2_matches_psych_and_shrout_fleiss(void **state)
{
	stats_icc2_result res;
	char              errmsg[TD_ERRMSG_MAX];

	(void) state;
	assert_int_equal(stats_icc2(SF, 6, 4, &res, errmsg), TD_OK);
	assert_int_equal(res.n_subjects, 6);
	assert_int_equal(res.k, 4);
	/* psych::ICC(m, lmer = FALSE)$results["Single_random_raters",
	 * "ICC"] (Shrout & Fleiss print .29). The default lmer = TRUE takes
	 * the mean squares from an REML fit and agrees only to ~1e-6. */
	assert_rel(res.icc, 0.28976377952755922, REL);
	/* summary(aov(y ~ s + r))[[1]][, "Mean Sq"] with
	 * d <- data.frame(y = c(m), s = factor(rep(1:6, 4)),
	 *                 r = factor(rep(1:4, each = 6))) */
	assert_rel(res.msr, 11.241666666666669, REL);
	assert_rel(res.msc, 32.486111111111093, REL);
	assert_rel(res.mse, 1.0194444444444444, REL);
}

static void
test_icc2_drops_incomplete_rows(void **state)
{
	double            m[6 * 4];
	stats_icc2_result res;
	char              errmsg[TD_ERRMSG_MAX];

	(void) state;
	memcpy(m, SF, sizeof(m));
	m[2 * 4 + 1] = NAN;
	assert_int_equal(stats_icc2(m, 6, 4, &res, errmsg), TD_OK);
	assert_int_equal(res.n_subjects, 5);
	assert_int_equal(res.n_dropped, 1);
	/* psych::ICC(m[-3, ], lmer = FALSE)$results["Single_random_raters",
	 * "ICC"] */
	assert_rel(res.icc, 0.29094076655052264, REL);
}

static void
test_icc2_is_shift_invariant(void **state)
{
	double            m[6 * 4];
	stats_icc2_result res;
	char              errmsg[TD_ERRMSG_MAX];
	size_t            i;

	(void) state;
	for (i = 0; i < 6 * 4; i++) {
		m[i] = SF[i] + 1000.0;
	}
	assert_int_equal(stats_icc2(m, 6, 4, &res, errmsg), TD_OK);
	/* Same value as psych::ICC(m, lmer = FALSE): ICC is invariant to a
	 * shift. */
	assert_rel(res.icc, 0.28976377952755922, REL);
}

static void
test_icc2_degenerate_inputs(void **state)
{
	double            same[3 * 2]    = { 0.1, 0.1, 0.1, 0.1, 0.1, 0.1 };
	double            one_row[2 * 2] = { 1, 2, NAN, 3 };
	stats_icc2_result res;
	char              errmsg[TD_ERRMSG_MAX] = "";

	(void) state;
	assert_int_equal(stats_icc2(same, 3, 2, &res, errmsg), TD_EZEROVAR);
	assert_non_null(strstr(errmsg, "undefined"));
	assert_int_equal(stats_icc2(SF, 24, 1, &res, errmsg), TD_ETOOFEW);
	assert_int_equal(stats_icc2(one_row, 2, 2, &res, errmsg), TD_ETOOFEW);
	assert_non_null(strstr(errmsg, "got 1 of 2"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kappa_matches_psych_cohen_kappa),
		cmocka_unit_test(test_unused_categories_do_not_change_kappa),
		cmocka_unit_test(test_kappa_weights_by_score_distance),
		cmocka_unit_test(test_incomplete_pairs_are_skipped),
		cmocka_unit_test(test_kappa_degenerate_and_bad_scores),
		cmocka_unit_test(test_icc2_matches_psych_and_shrout_fleiss),
		cmocka_unit_test(test_icc2_drops_incomplete_rows),
		cmocka_unit_test(test_icc2_is_shift_invariant),
		cmocka_unit_test(test_icc2_degenerate_inputs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
