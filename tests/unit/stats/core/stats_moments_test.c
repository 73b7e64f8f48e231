/* SPDX-License-Identifier: MIT
 * Unit tests for stats_moments against R's mean() and sd() (beside each).
 */
#include <math.h>
#include <string.h>

#include "test_util.h"

#include "stats_moments.h"

/* x <- c(3, 4, NA, 5, 7); column 1 of a 5 x 2 row-major matrix. */
static void
test_strided_skips_missing(void **state)
{
	(void) state;
	const double  x[] = { 3, 0, 4, 0, NAN, 0, 5, 0, 7, 0 };
	stats_moments m   = stats_moments_strided(x, 5, 2);
	assert_rel(m.n, 4, 1e-13);
	assert_rel(m.mean, 4.75, 1e-13); /* mean(x, na.rm = TRUE) */
	assert_true(m.has_sd);
	assert_rel(m.sd, 1.707825127659933, 1e-13); /* sd(x, na.rm = TRUE) */
}

/* sum(x) = 19, sum(x^2) = 99 for the values above. */
static void
test_from_sums(void **state)
{
	(void) state;
	stats_moments m = stats_moments_from_sums(4, 19, 99);
	assert_rel(m.mean, 4.75, 1e-13);
	assert_rel(m.sd, 1.707825127659933, 1e-13);
	m = stats_moments_from_sums(1, 7, 49);
	assert_rel(m.mean, 7, 1e-13);
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
