/* SPDX-License-Identifier: MIT
 * Unit tests for stats_xbar against qicharts2's formulas (qic.xbar, qic.s
 * and its constants) written in R, values printed with sprintf('%.17g'):
 *
 * c4 <- function(n) sqrt(2 / (n - 1)) * exp(lgamma(n / 2) -
 *                                           lgamma((n - 1) / 2))
 * c5 <- function(n) sqrt(1 - c4(n)^2)
 * m <- c(3.10, 3.25, 3.02, 3.40, 3.18, 3.05, 3.31, 2.50, 3.22, 3.15)
 * s <- c(0.80, 0.75, 0.90, 0.70, 0.85, 0.78, 0.82, 0.95, 0.76, 1.30)
 * n <- c(25, 40, 12, 30, 55, 18, 33, 20, 45, 28)
 * cl <- weighted.mean(m, n); sbar <- sqrt(sum((n - 1) * s^2) / sum(n - 1))
 * A3 <- 3 / (c4(n) * sqrt(n)); cl -+ A3 * sbar
 * B3 <- pmax(0, 1 - 3 * c5(n) / c4(n)); B4 <- 1 + 3 * c5(n) / c4(n)
 */
#include <math.h>
#include <string.h>

#include "test_util.h"

#include "stats_xbar.h"

static const double M[]
    = { 3.10, 3.25, 3.02, 3.40, 3.18, 3.05, 3.31, 2.50, 3.22, 3.15 };
static const double S[]
    = { 0.80, 0.75, 0.90, 0.70, 0.85, 0.78, 0.82, 0.95, 0.76, 1.30 };
static const double N[] = { 25, 40, 12, 30, 55, 18, 33, 20, 45, 28 };

static void
test_xbar(void **state)
{
	(void) state;
	stats_xbar_result r;
	char              err[TD_ERRMSG_MAX];
	assert_int_equal(
	    stats_xbar_s(M, S, N, 10, false, 0, STATS_RULES_ANHOJ, &r, err),
	    TD_OK);
	assert_rel(r.cl, 3.1629738562091503, 1e-13); /* cl */
	assert_rel(r.s_bar, 0.86110394262249201, 1e-13); /* sbar */
	assert_rel(r.lcl[0], 2.640903032989435, 1e-13);
	assert_rel(r.lcl[2], 2.4001169634843347, 1e-13);
	assert_rel(r.ucl[7], 3.748267228246879, 1e-13);
	/* which(m < lcl | m > ucl) - 1 = 7 */
	for (size_t i = 0; i < 10; i++) {
		assert_int_equal((r.signals[i] & STATS_SIG_OUTSIDE) != 0,
		                 i == 7);
	}
	stats_xbar_result_free(&r);
}

static void
test_s(void **state)
{
	(void) state;
	stats_xbar_result r;
	char              err[TD_ERRMSG_MAX];
	assert_int_equal(
	    stats_xbar_s(M, S, N, 10, true, 0, STATS_RULES_ANHOJ, &r, err),
	    TD_OK);
	assert_rel(r.cl, 0.86110394262249201, 1e-13);
	/* B3 = 1 - 3 c5 / c4 cancels digits: 1e-12 */
	assert_rel(r.lcl[0], 0.48633920117424045, 1e-12); /* (B3 * sbar)[1] */
	assert_rel(r.lcl[2], 0.30441043149349956, 1e-12);
	assert_rel(r.ucl[0], 1.2358686840707436, 1e-13); /* (B4 * sbar)[1] */
	assert_rel(r.ucl[2], 1.4177974537514846, 1e-13);
	for (size_t i = 0; i < 10; i++) {
		assert_int_equal((r.signals[i] & STATS_SIG_OUTSIDE) != 0,
		                 i == 9);
	}
	stats_xbar_result_free(&r);
}

static void
test_c4_and_refusals(void **state)
{
	(void) state;
	stats_xbar_result r;
	char              err[TD_ERRMSG_MAX];
	double            one[] = { 1, 1, 1 };
	/* sprintf("%.17g", c4(5)) */
	assert_rel(stats_c4(5), 0.93998560298662526, 1e-13);
	assert_true(isnan(stats_c4(1)));
	assert_int_equal(
	    stats_xbar_s(M, S, one, 3, false, 0, STATS_RULES_ANHOJ, &r, err),
	    TD_ETOOFEW);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_xbar),
		cmocka_unit_test(test_s),
		cmocka_unit_test(test_c4_and_refusals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
