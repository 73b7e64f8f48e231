/* SPDX-License-Identifier: MIT
 * Unit tests for stats_moments against R's mean() and sd() (beside each).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "stats_moments.h"

static void
near(double got, double want)
{
	if (!(fabs(got - want) <= 1e-13 * fmax(1.0, fabs(want)))) {
		fail_msg("got %.17g, want %.17g", got, want);
	}
}

/* x <- c(3, 4, NA, 5, 7); column 1 of a 5 x 2 row-major matrix. */
static void
test_strided_skips_missing(void **state)
{
	(void) state;
	const double  x[] = { 3, 0, 4, 0, NAN, 0, 5, 0, 7, 0 };
	stats_moments m   = stats_moments_strided(x, 5, 2);
	near(m.n, 4);
	near(m.mean, 4.75); /* mean(x, na.rm = TRUE) */
	assert_true(m.has_sd);
	near(m.sd, 1.707825127659933); /* sd(x, na.rm = TRUE) */
}

/* sum(x) = 19, sum(x^2) = 99 for the values above. */
static void
test_from_sums(void **state)
{
	(void) state;
	stats_moments m = stats_moments_from_sums(4, 19, 99);
	near(m.mean, 4.75);
	near(m.sd, 1.707825127659933);
	m = stats_moments_from_sums(1, 7, 49);
	near(m.mean, 7);
	assert_false(m.has_sd);
	assert_true(isnan(m.sd));
	m = stats_moments_from_sums(0, 0, 0);
	assert_true(isnan(m.mean));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strided_skips_missing),
		cmocka_unit_test(test_from_sums),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
