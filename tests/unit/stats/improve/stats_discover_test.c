/* SPDX-License-Identifier: MIT
 * Tests for the discover contrasts (stats_discover): a rubric criterion's
 * scores in the deviants' schools against the rest, against R 4.2's
 * t.test and metafor 3.8's escalc, with the R expressions beside the
 * values; suppression under min_n and the undefined cases.
 */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "stats_discover.h"
#include "test_util.h"

#define REL 1e-9

/* x: the deviants' observations, y: the rest (one criterion, scale 1-4);
 * a NaN is a criterion left unscored and must be skipped. */
static const double X[] = { 3, 4, 3, 3, 4, 2, 4, 3, 3, 4, 3, 4, NAN };
static const double Y[]
    = { 2, 3, 2, 2, 3, 1, 2, 3, 2, 2, 3, 2, 1, 2, 3, 2, 2, 3 };

static void
contrast_matches_t_test_and_escalc(void **state)
{
	(void) state;
	stats_contrast c;
	char           err[TD_ERRMSG_MAX];
	assert_int_equal(stats_contrast_values(X, 13, Y, 18, 10, &c, err),
	                 TD_OK);
	assert_false(c.suppressed);
	assert_int_equal(c.n1, 12);
	assert_int_equal(c.n2, 18);
	/* mean(x), sd(x), mean(y), sd(y) */
	assert_rel(c.mean1, 3.3333333333333335, REL);
	assert_rel(c.sd1, 0.6513389472789296, REL);
	assert_rel(c.mean2, 2.2222222222222223, REL);
	assert_rel(c.sd2, 0.64676166676355462, REL);
	/* t <- t.test(x, y): mean(x) - mean(y), t$conf.int, t$statistic,
	 * t$parameter, t$p.value */
	assert_true(c.has_welch);
	assert_rel(c.diff, 1.1111111111111112, REL);
	assert_rel(c.diff_lower, 0.61109210288679949, REL);
	assert_rel(c.diff_upper, 1.611130119335423, REL);
	assert_rel(c.t, 4.5902529925061071, REL);
	assert_rel(c.df, 23.612508768520403, REL);
	assert_rel(c.p, 0.00012198155574457851, 1e-7);
	/* e <- escalc("SMD", m1i = mean(x), sd1i = sd(x), n1i = 12,
	 *             m2i = mean(y), sd2i = sd(y), n2i = 18);
	 * m <- 28; d <- e$yi / metafor:::.cmicalc(m)  (metafor's exact J
	 * divided out: Cohen's d 1.7131872291668222; e$yi itself is
	 * 1.6668148743602764); g <- (1 - 3/(4*m - 1)) * d;
	 * v <- 1/12 + 1/18 + g^2/(2*30); g -+ 1.96*sqrt(v) */
	assert_true(c.has_g);
	assert_rel(c.g, 1.666884871621773, REL);
	assert_rel(c.g_lower, 0.82340755702323942, REL);
	assert_rel(c.g_upper, 2.5103621862203065, REL);
	/* The approximate J is within 1e-4 of metafor's exact g. */
	assert_true(fabs(c.g - 1.6668148743602764) < 1e-4);
}

static void
side_under_min_n_is_suppressed(void **state)
{
	(void) state;
	stats_contrast c;
	char           err[TD_ERRMSG_MAX];
	/* 12 deviant observations, min_n 13: nothing but the counts. */
	assert_int_equal(stats_contrast_values(X, 13, Y, 18, 13, &c, err),
	                 TD_OK);
	assert_true(c.suppressed);
	assert_int_equal(c.n1, 12);
	assert_false(c.has_welch);
	assert_false(c.has_g);
	assert_rel(c.mean1, 0, 0);
}

static void
zero_spread_leaves_statistics_undefined(void **state)
{
	(void) state;
	static const double a[] = { 3, 3, 3 }, b[] = { 3, 3, 3, 3 };
	stats_contrast      c;
	char                err[TD_ERRMSG_MAX];
	assert_int_equal(stats_contrast_values(a, 3, b, 4, 0, &c, err), TD_OK);
	assert_false(c.suppressed);
	assert_rel(c.diff, 0, 0);
	assert_false(c.has_welch); /* standard error 0 */
	assert_false(c.has_g); /* pooled SD 0 */
}

static void
empty_side_has_no_comparison(void **state)
{
	(void) state;
	stats_contrast c;
	char           err[TD_ERRMSG_MAX];
	assert_int_equal(stats_contrast_values(NULL, 0, Y, 18, 0, &c, err),
	                 TD_OK);
	assert_int_equal(c.n1, 0);
	assert_false(c.has_welch);
	assert_int_equal(stats_contrast_values(NULL, 2, Y, 18, 0, &c, err),
	                 TD_EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(contrast_matches_t_test_and_escalc),
		cmocka_unit_test(side_under_min_n_is_suppressed),
		cmocka_unit_test(zero_spread_leaves_statistics_undefined),
		cmocka_unit_test(empty_side_has_no_comparison),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
