/* SPDX-License-Identifier: MIT
 * Unit tests for stats_outliers: z and modified z against R (sd() and
 * mad(constant = 1)), printed with sprintf('%.17g', x), plus the edge cases
 * (n = 0, 1, 2, MAD = 0, missing values, bad thresholds).
 */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "stats_outliers.h"
#include "test_util.h"

#define NA     NAN
#define LEN(a) (sizeof(a) / sizeof((a)[0]))

static void
score_ok(const double *x, size_t n, double threshold, stats_outliers_result *r)
{
	char errmsg[TD_ERRMSG_MAX] = "";
	int  rc = stats_outliers(x, n, threshold, r, errmsg);

	if (rc != TD_OK) {
		fail_msg("stats_outliers failed: %d %s", rc, errmsg);
	}
}

/* A mistyped 55 among values near 10, and one missing value.
 * R: x <- c(10.2, 9.8, 10.1, 10.0, 9.9, 10.3, 55, 10.1, 9.7, 10.0, NA,
 *           10.2, 9.9); v <- x[!is.na(x)]
 *    c(mean(v), sd(v), median(v), mad(v, constant = 1)) =
 *    13.766666666666666, 12.986309807803078, 10.050000000000001,
 *    0.14999999999999947
 *    (v - mean(v)) / sd(v) and 0.6745 * (v - median(v)) /
 *    mad(v, constant = 1): the arrays below (for the 12 values, NA
 *    dropped). */
static const double typo[]
    = { 10.2, 9.8, 10.1, 10.0, 9.9, 10.3, 55, 10.1, 9.7, 10.0, NA, 10.2, 9.9 };

static void
test_outliers_catch_mistyped_value(void **state)
{
	static const double z[]
	    = { -0.27464820410518509, -0.30544987185529915,
		-0.28234862104271358, -0.29004903798024212,
		-0.29774945491777066, -0.26694778716765638,
		3.1751385839076072,   -0.28234862104271358,
		-0.31315028879282786, -0.29004903798024212,
		-0.27464820410518509, -0.29774945491777066 };
	static const double mz[] = {
		0.67449999999999599, -1.1241666666666705,  0.22483333333332936,
		-0.2248333333333373, -0.67450000000000399, 1.1241666666666705,
		202.12516666666741,  0.22483333333332936,  -1.5738333333333452,
		-0.2248333333333373, 0.67449999999999599,  -0.67450000000000399
	};
	stats_outliers_result r = { 0 };
	size_t                k = 0;

	(void) state;
	score_ok(typo, LEN(typo), 0, &r);
	assert_int_equal(r.n, 13);
	assert_int_equal(r.n_used, 12);
	assert_int_equal(r.n_missing, 1);
	assert_rel(r.threshold, 3.0, 0);
	assert_rel(r.mean, 13.766666666666666, 1e-12);
	assert_rel(r.sd, 12.986309807803078, 1e-12);
	assert_rel(r.median, 10.050000000000001, 1e-12);
	assert_rel(r.mad, 0.14999999999999947, 1e-9);
	assert_true(r.has_z);
	assert_true(r.has_mod_z);
	for (size_t i = 0; i < LEN(typo); i++) {
		if (i == 10) {
			assert_true(r.missing[i]);
			assert_rel(r.z[i], 0, 0);
			assert_rel(r.mod_z[i], 0, 0);
			assert_false(r.flag_z[i]);
			assert_false(r.flag_mod_z[i]);
			continue;
		}
		assert_false(r.missing[i]);
		assert_rel(r.z[i], z[k], 1e-9);
		assert_rel(r.mod_z[i], mz[k], 1e-9);
		assert_int_equal(r.flag_z[i], i == 6);
		assert_int_equal(r.flag_mod_z[i], i == 6);
		k++;
	}
	assert_int_equal(r.n_flag_z, 1);
	assert_int_equal(r.n_flag_mod_z, 1);
	stats_outliers_result_free(&r);
}

/* A lower threshold flags more by modified z: R: which(abs(0.6745 *
 * (v - median(v)) / mad(v, constant = 1)) > 1.5) = 7 9 (of v), i.e. the
 * 55 and the 9.7; no |z| other than the 55's passes 1.5. */
static void
test_outliers_custom_threshold(void **state)
{
	stats_outliers_result r = { 0 };

	(void) state;
	score_ok(typo, LEN(typo), 1.5, &r);
	assert_rel(r.threshold, 1.5, 0);
	assert_int_equal(r.n_flag_mod_z, 2);
	assert_true(r.flag_mod_z[6]);
	assert_true(r.flag_mod_z[8]);
	assert_int_equal(r.n_flag_z, 1);
	stats_outliers_result_free(&r);
}

/* R: v2 <- c(4, 7); (v2 - mean(v2)) / sd(v2) = -0.70710678118654757,
 *    0.70710678118654757; mad(v2, constant = 1) = 1.5;
 *    0.6745 * (v2 - median(v2)) / 1.5 = -0.67449999999999999,
 *    0.67449999999999999 */
static void
test_outliers_two_values(void **state)
{
	static const double   x[] = { 4, 7 };
	stats_outliers_result r   = { 0 };

	(void) state;
	score_ok(x, LEN(x), 0, &r);
	assert_true(r.has_z);
	assert_true(r.has_mod_z);
	assert_rel(r.z[0], -0.70710678118654757, 1e-12);
	assert_rel(r.z[1], 0.70710678118654757, 1e-12);
	assert_rel(r.mad, 1.5, 1e-15);
	assert_rel(r.mod_z[0], -0.67449999999999999, 1e-12);
	assert_rel(r.mod_z[1], 0.67449999999999999, 1e-12);
	assert_int_equal(r.n_flag_z + r.n_flag_mod_z, 0);
	stats_outliers_result_free(&r);
}

static void
test_outliers_one_value_has_no_scores(void **state)
{
	static const double   x[] = { NA, 12.5 };
	stats_outliers_result r   = { 0 };

	(void) state;
	score_ok(x, LEN(x), 0, &r);
	assert_int_equal(r.n_used, 1);
	assert_false(r.has_z);
	assert_false(r.has_mod_z);
	assert_rel(r.mean, 12.5, 0);
	assert_rel(r.median, 12.5, 0);
	assert_rel(r.sd, 0, 0);
	assert_rel(r.mad, 0, 0);
	assert_rel(r.z[1], 0, 0);
	assert_false(r.flag_z[1]);
	stats_outliers_result_free(&r);
}

/* MAD = 0 when most values agree: the modified z is flagged unavailable,
 * not infinite; the z-score still works.
 * R: v3 <- c(5, 5, 5, 5, 9); mad(v3, constant = 1) = 0
 *    (v3 - mean(v3)) / sd(v3) = -0.44721359549995787 (x4),
 *    1.7888543819998319; sd(v3) = 1.7888543819998317 */
static void
test_outliers_zero_mad_marks_modified_z_unavailable(void **state)
{
	static const double   x[] = { 5, 5, 5, 5, 9 };
	stats_outliers_result r   = { 0 };

	(void) state;
	score_ok(x, LEN(x), 0, &r);
	assert_false(r.has_mod_z);
	assert_rel(r.mad, 0, 0);
	assert_true(r.has_z);
	assert_rel(r.sd, 1.7888543819998317, 1e-12);
	assert_rel(r.z[0], -0.44721359549995787, 1e-12);
	assert_rel(r.z[4], 1.7888543819998319, 1e-12);
	for (size_t i = 0; i < LEN(x); i++) {
		assert_true(isfinite(r.mod_z[i]));
		assert_rel(r.mod_z[i], 0, 0);
		assert_false(r.flag_mod_z[i]);
	}
	stats_outliers_result_free(&r);
}

static void
test_outliers_constant_values_have_no_scores(void **state)
{
	static const double   x[] = { 3, 3, 3, 3 };
	stats_outliers_result r   = { 0 };

	(void) state;
	score_ok(x, LEN(x), 0, &r);
	assert_false(r.has_z);
	assert_false(r.has_mod_z);
	assert_int_equal(r.n_flag_z + r.n_flag_mod_z, 0);
	stats_outliers_result_free(&r);
}

static void
test_outliers_empty_or_all_missing_is_etoofew(void **state)
{
	static const double   x[] = { NA, NA };
	stats_outliers_result r   = { 0 };
	char                  msg[TD_ERRMSG_MAX];

	(void) state;
	assert_int_equal(stats_outliers(NULL, 0, 0, &r, msg), TD_ETOOFEW);
	assert_int_equal(stats_outliers(x, LEN(x), 0, &r, msg), TD_ETOOFEW);
	assert_string_equal(msg, "no values to score (2 given, all missing)");
	assert_null(r.z);
}

static void
test_outliers_bad_threshold_or_infinite_value_is_einval(void **state)
{
	const double          x[] = { 1, 2, INFINITY };
	stats_outliers_result r   = { 0 };
	char                  msg[TD_ERRMSG_MAX];

	(void) state;
	assert_int_equal(stats_outliers(x, 2, -1, &r, msg), TD_EINVAL);
	assert_int_equal(stats_outliers(x, 2, NAN, &r, msg), TD_EINVAL);
	assert_int_equal(stats_outliers(x, 3, 0, &r, msg), TD_EINVAL);
	assert_string_equal(msg, "value 3 is infinite");
	assert_int_equal(stats_outliers(x, 2, 0, NULL, msg), TD_EINVAL);
}

static void
test_outliers_result_free_accepts_null_and_twice(void **state)
{
	stats_outliers_result r = { 0 };

	(void) state;
	stats_outliers_result_free(NULL);
	score_ok(typo, LEN(typo), 0, &r);
	stats_outliers_result_free(&r);
	stats_outliers_result_free(&r);
	assert_null(r.z);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_outliers_catch_mistyped_value),
		cmocka_unit_test(test_outliers_custom_threshold),
		cmocka_unit_test(test_outliers_two_values),
		cmocka_unit_test(test_outliers_one_value_has_no_scores),
		cmocka_unit_test(
		    test_outliers_zero_mad_marks_modified_z_unavailable),
		cmocka_unit_test(test_outliers_constant_values_have_no_scores),
		cmocka_unit_test(
		    test_outliers_empty_or_all_missing_is_etoofew),
		cmocka_unit_test(
		    test_outliers_bad_threshold_or_infinite_value_is_einval),
		cmocka_unit_test(
		    test_outliers_result_free_accepts_null_and_twice),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
