/* SPDX-License-Identifier: MIT
 * Unit tests for stats_units: counts and sampling variances by unit, each
 * against the expression of ANALYSES.md evaluated in R (beside it).
 */
#include <math.h>
#include <string.h>

#include "test_util.h"

#include "stats_units.h"

static void
test_names(void **state)
{
	(void) state;
	assert_int_equal(stats_unit_of("proportion"), STATS_UNIT_PROPORTION);
	assert_int_equal(stats_unit_of("percent"), STATS_UNIT_PERCENT);
	assert_int_equal(stats_unit_of("count"), STATS_UNIT_COUNT);
	assert_int_equal(stats_unit_of("rate"), STATS_UNIT_RATE);
	assert_int_equal(stats_unit_of("scale_score"), STATS_UNIT_SCALE);
	assert_int_equal(stats_unit_of(NULL), STATS_UNIT_SCALE);
	assert_string_equal(stats_unit_name(STATS_UNIT_SCALE), "scale");
}

static void
test_events(void **state)
{
	(void) state;
	assert_rel(stats_unit_events(STATS_UNIT_PROPORTION, 0.25, 80), 20,
	           1e-15); /* .25*80 */
	assert_rel(stats_unit_events(STATS_UNIT_PERCENT, 25, 80), 20,
	           1e-15); /* 25*80/100 */
	assert_rel(stats_unit_events(STATS_UNIT_RATE, 0.5, 40), 20,
	           1e-15); /* .5*40 */
	assert_rel(stats_unit_events(STATS_UNIT_COUNT, 7, 40), 7, 1e-15);
	assert_true(isnan(stats_unit_events(STATS_UNIT_SCALE, 7, 40)));
}

static void
test_sampling_variance(void **state)
{
	(void) state;
	/* sprintf('%.17g', 0.3 * 0.7 / 50) */
	assert_rel(stats_unit_sampling_var(STATS_UNIT_PROPORTION, 0.3, 50),
	           0.0041999999999999997, 1e-15);
	/* sprintf('%.17g', 1e4 * 0.3 * 0.7 / 50) */
	assert_rel(stats_unit_sampling_var(STATS_UNIT_PERCENT, 30, 50), 42,
	           1e-15);
	/* sprintf('%.17g', 2.5 / 40) */
	assert_rel(stats_unit_sampling_var(STATS_UNIT_RATE, 2.5, 40), 0.0625,
	           1e-15);
	assert_rel(stats_unit_sampling_var(STATS_UNIT_COUNT, 12, 40), 12,
	           1e-15);
	assert_true(isnan(stats_unit_sampling_var(STATS_UNIT_SCALE, 1, 4)));
	assert_true(isnan(stats_unit_sampling_var(STATS_UNIT_PERCENT, 3, 0)));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_events),
		cmocka_unit_test(test_sampling_variance),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
