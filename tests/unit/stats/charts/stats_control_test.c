/* SPDX-License-Identifier: MIT
 * Unit tests for stats_control, i and MR charts (p, u, c and Laney
 * charts: stats_control_counts_test.c): limits against qicharts2's formulas
 * written by hand in R (expression beside each value, printed with
 * sprintf('%.17g', x)) and, for i, MR, p and c, against the worked
 * examples of Montgomery, Introduction to Statistical Quality Control.
 */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "stats_control.h"
#include "test_util.h"
#include "stats_control_util.h"

/* Montgomery, Example 6.5 (loan-processing costs, 20 weeks). */
static const double cost[]
    = { 310, 288, 297, 298, 307, 303, 294, 297, 308, 306,
	294, 299, 297, 299, 314, 295, 293, 306, 301, 304 };

/* R: cl <- mean(y); mr <- abs(diff(y)); amr <- mean(mr); s <- amr / 1.128
 *    c(cl, amr, s, cl - 3*s, cl + 3*s) = 300.5, 7.7894736842105265,
 *    6.905561776782382, 279.78331466965284, 321.21668533034716
 * Textbook: x-bar 300.5, MR-bar 7.79, LCL 279.78, UCL 321.22; no point
 * outside. Runs: anhoej(y, mean(y)) = 20 4 8 7 6. */
static void
test_i_chart_montgomery_example_6_5(void **state)
{
	stats_control_result r = { 0 };

	(void) state;
	chart_ok(cost, NULL, LEN(cost), NULL, &r);
	assert_int_equal(r.chart, STATS_CHART_I);
	assert_rel(r.seg[0].cl, 300.5, 1e-12);
	assert_rel(r.seg[0].amr, 7.7894736842105265, 1e-12);
	assert_rel(r.seg[0].sigma, 6.905561776782382, 1e-12);
	assert_int_equal(r.seg[0].n_mr, 19);
	assert_true(r.seg[0].has_limits);
	for (size_t i = 0; i < LEN(cost); i++) {
		assert_rel(r.value[i], cost[i], 1e-15);
		assert_rel(r.cl[i], 300.5, 1e-12);
		assert_rel(r.lcl[i], 279.78331466965284, 1e-12);
		assert_rel(r.ucl[i], 321.21668533034716, 1e-12);
	}
	/* The textbook's rounded figures, a second route to the same. */
	assert_near(r.seg[0].amr, 7.79, 0.005);
	assert_near(r.lcl[0], 279.78, 0.005);
	assert_near(r.ucl[0], 321.22, 0.005);
	assert_false(r.seg[0].sig_outside);
	assert_int_equal(r.seg[0].runs.n_useful, 20);
	assert_int_equal(r.seg[0].runs.longest_run, 4);
	assert_int_equal(r.seg[0].runs.n_crossings, 8);
	assert_int_equal(r.seg[0].runs.longest_run_max, 7);
	assert_int_equal(r.seg[0].runs.n_crossings_min, 6);
	assert_false(r.any_signal);
	assert_all_finite(&r);
	stats_control_result_free(&r);
}

/* R: amr = 7.7894736842105265, 3.267 * amr = 25.448210526315791.
 * Textbook: MR chart UCL 25.45; no range outside
 * (R: which(c(NA, mr) > 3.267 * amr) is empty). */
static void
test_mr_chart_montgomery_example_6_5(void **state)
{
	stats_control_opts   o = { .chart = STATS_CHART_MR };
	stats_control_result r = { 0 };

	(void) state;
	chart_ok(cost, NULL, LEN(cost), &o, &r);
	assert_int_equal(r.skip[0], STATS_SKIP_NO_MR);
	assert_int_equal(r.pos[0], STATS_POS_MISSING);
	assert_rel(r.seg[0].cl, 7.7894736842105265, 1e-12);
	assert_int_equal(r.seg[0].n_baseline, 19);
	for (size_t i = 1; i < LEN(cost); i++) {
		assert_rel(r.value[i], fabs(cost[i] - cost[i - 1]), 1e-15);
		assert_rel(r.ucl[i], 25.448210526315791, 1e-12);
		assert_rel(r.lcl[i], 0, 1e-15);
	}
	assert_near(r.ucl[1], 25.45, 0.005);
	/* No run analysis on an MR chart. */
	assert_int_equal(r.seg[0].runs.n_obs, 0);
	assert_false(r.seg[0].runs.has_runs);
	assert_false(r.any_signal);
	assert_all_finite(&r);
	stats_control_result_free(&r);
}

/* y7: a baseline of 10 with a missing 4th point, then a shift upward. */
static const double y7[] = { 10.5, 11.2, 9.8,  NA,   10.9, 10.1, 9.6,  11.4,
	                     10.3, 10.8, 12.9, 13.4, 12.6, 13.8, 11.9, 13.1 };

/* R: b <- y7[1:10]; cl <- mean(b, na.rm = TRUE); mr <- abs(diff(b))
 *    amr <- mean(mr, na.rm = TRUE); s <- amr / 1.128
 *    c(cl, amr, sum(!is.na(mr)), s, cl - 3*s, cl + 3*s) =
 *    10.511111111111111, 0.97142857142857131, 7, 0.86119554204660587,
 *    7.9275244849712934, 13.094697737250929
 *    which(y7 > cl + 3*s | y7 < cl - 3*s) = 12 14 16
 *    anhoej(y7, cl) = 15 7 7 7 4 (a run of 7 is not > 7: no signal) */
static void
test_i_chart_freeze_skips_missing_and_breaks_moving_range(void **state)
{
	static const size_t  out[] = { 11, 13, 15 };
	stats_control_opts   o     = { .baseline = 10 };
	stats_control_result r     = { 0 };

	(void) state;
	chart_ok(y7, NULL, LEN(y7), &o, &r);
	assert_int_equal(r.n_missing, 1);
	assert_int_equal(r.skip[3], STATS_SKIP_MISSING);
	assert_int_equal(r.pos[3], STATS_POS_MISSING);
	assert_int_equal(r.value[3], 0);
	assert_int_equal(r.seg[0].n_baseline, 9);
	assert_rel(r.seg[0].cl, 10.511111111111111, 1e-12);
	assert_rel(r.seg[0].amr, 0.97142857142857131, 1e-12);
	assert_int_equal(r.seg[0].n_mr, 7);
	assert_rel(r.seg[0].sigma, 0.86119554204660587, 1e-12);
	assert_rel(r.lcl[15], 7.9275244849712934, 1e-12);
	assert_rel(r.ucl[15], 13.094697737250929, 1e-12);
	assert_int_equal(r.seg[0].n_outside, 3);
	assert_marks(r.signals, LEN(y7), STATS_SIG_OUTSIDE, out, LEN(out));
	assert_int_equal(r.seg[0].runs.n_useful, 15);
	assert_int_equal(r.seg[0].runs.longest_run, 7);
	assert_int_equal(r.seg[0].runs.n_crossings, 7);
	assert_int_equal(r.seg[0].runs.longest_run_max, 7);
	assert_int_equal(r.seg[0].runs.n_crossings_min, 4);
	assert_false(r.seg[0].runs.sig_long_run);
	assert_false(r.seg[0].runs.sig_few_crossings);
	assert_true(r.any_signal);
	assert_all_finite(&r);
	stats_control_result_free(&r);
}

/* R: for (seg in list(1:8, 9:16)) { b <- y7[seg]; cl <- mean(b, na.rm=T)
 *      amr <- mean(abs(diff(b)), na.rm = T); s <- amr / 1.128
 *      c(cl, amr, sum(!is.na(abs(diff(b)))), cl - 3*s, cl + 3*s) }
 *    1:8  -> 10.5, 1.0399999999999998, 5, 7.7340425531914896,
 *            13.26595744680851
 *    9:16 -> 12.35, 1.1714285714285715, 7, 9.2344984802431611,
 *            15.465501519756838 */
static void
test_i_chart_split_gives_separate_limits(void **state)
{
	stats_control_opts   o = { .split = 8 };
	stats_control_result r = { 0 };

	(void) state;
	chart_ok(y7, NULL, LEN(y7), &o, &r);
	assert_int_equal(r.nsegments, 2);
	assert_rel(r.seg[0].cl, 10.5, 1e-12);
	assert_rel(r.seg[0].amr, 1.0399999999999998, 1e-12);
	assert_int_equal(r.seg[0].n_mr, 5);
	assert_rel(r.lcl[0], 7.7340425531914896, 1e-12);
	assert_rel(r.ucl[7], 13.26595744680851, 1e-12);
	assert_rel(r.seg[1].cl, 12.35, 1e-12);
	assert_rel(r.seg[1].amr, 1.1714285714285715, 1e-12);
	assert_int_equal(r.seg[1].n_mr, 7);
	assert_rel(r.cl[8], 12.35, 1e-12);
	assert_rel(r.lcl[8], 9.2344984802431611, 1e-12);
	assert_rel(r.ucl[15], 15.465501519756838, 1e-12);
	assert_false(r.seg[0].sig_outside);
	assert_false(r.seg[1].sig_outside);
	assert_all_finite(&r);
	stats_control_result_free(&r);
}

/* MR chart on y7 split at 8: the first point of each segment and the
 * point after the gap have no moving range.
 * R: mean(abs(diff(y7[1:8])), na.rm = TRUE) = 1.0399999999999998,
 *    mean(abs(diff(y7[9:16]))) = 1.1714285714285715 */
static void
test_mr_chart_no_range_across_gap_or_split(void **state)
{
	stats_control_opts   o = { .chart = STATS_CHART_MR, .split = 8 };
	stats_control_result r = { 0 };

	(void) state;
	chart_ok(y7, NULL, LEN(y7), &o, &r);
	assert_int_equal(r.skip[0], STATS_SKIP_NO_MR);
	assert_int_equal(r.skip[3], STATS_SKIP_MISSING);
	assert_int_equal(r.skip[4], STATS_SKIP_NO_MR);
	assert_int_equal(r.skip[8], STATS_SKIP_NO_MR);
	assert_int_equal(r.skip[9], STATS_SKIP_NONE);
	assert_int_equal(r.n_missing, 1);
	assert_rel(r.seg[0].cl, 1.0399999999999998, 1e-12);
	assert_rel(r.seg[1].cl, 1.1714285714285715, 1e-12);
	assert_rel(r.value[9], fabs(y7[9] - y7[8]), 1e-15);
	assert_all_finite(&r);
	stats_control_result_free(&r);
}

/* Nelson screening (qicharts2 option qic.screenedmr).
 * R: y9 <- c(5.1, 4.8, 5.3, 5.0, 9.9, 5.2, 4.9, 5.1, 5.4, 4.7, 5.0, 5.2)
 *    mr <- abs(diff(y9)); amr <- mean(mr); keep <- mr < 3.267 * amr
 *    amr2 <- mean(mr[keep]); s <- amr2 / 1.128
 *    c(mean(y9), amr, amr2, sum(!keep), s, mean(y9) - 3*s,
 *      mean(y9) + 3*s) = 5.4666666666666668, 1.1545454545454545,
 *    0.34444444444444439, 2, 0.3053585500394011, 4.5505910165484638,
 *    6.3827423167848698 */
static const double y9[]
    = { 5.1, 4.8, 5.3, 5.0, 9.9, 5.2, 4.9, 5.1, 5.4, 4.7, 5.0, 5.2 };

static void
test_i_chart_screened_moving_ranges(void **state)
{
	stats_control_opts   o = { .screen_mr = true };
	stats_control_result r = { 0 };

	(void) state;
	chart_ok(y9, NULL, LEN(y9), &o, &r);
	assert_rel(r.seg[0].cl, 5.4666666666666668, 1e-12);
	assert_rel(r.seg[0].amr, 0.34444444444444439, 1e-12);
	assert_int_equal(r.seg[0].n_mr, 9);
	assert_int_equal(r.seg[0].n_mr_screened, 2);
	assert_rel(r.seg[0].sigma, 0.3053585500394011, 1e-12);
	assert_rel(r.lcl[0], 4.5505910165484638, 1e-12);
	assert_rel(r.ucl[0], 6.3827423167848698, 1e-12);
	stats_control_result_free(&r);

	/* Unscreened, the same data give amr = mean(mr). */
	chart_ok(y9, NULL, LEN(y9), NULL, &r);
	assert_rel(r.seg[0].amr, 1.1545454545454545, 1e-12);
	assert_int_equal(r.seg[0].n_mr_screened, 0);
	stats_control_result_free(&r);
}

/* NHS (Making Data Count) two-in-three on an i chart: limits at 2.66 x
 * the screened mean moving range, so sigma = 2.66 amr / 3, not
 * amr / 1.128 (0.68951930654058324 before the rule set followed MDC).
 * R: y10 <- c(10, 10.4, 9.7, 10.2, 9.9, 10.3, 9.8, 10.1, 10.0, 9.6,
 *             11.6, 10.2, 11.7, 10.1, 9.9, 10.3, 8.6, 10.0, 10.2)
 *    r <- mdc(y10)  # the function of stats_mdc_test.c
 *    c(r$mean, r$amr, 2.66 * r$amr / 3) = 10.136842105263158,
 *    0.77777777777777779, 0.6896296296296297 (no range screened)
 *    which(r$rule == "two_in_three") - 1 = 10 12; outside: none.
 *    NHS runs (runs_fun/trend_fun of stats_runchart_test.c with
 *    breaks): longest shift 4, trend 3. */
static void
test_i_chart_nhs_two_of_three(void **state)
{
	static const double y[]
	    = { 10,   10.4, 9.7,  10.2, 9.9, 10.3, 9.8, 10.1, 10.0, 9.6,
		11.6, 10.2, 11.7, 10.1, 9.9, 10.3, 8.6, 10.0, 10.2 };
	static const size_t  two3[] = { 10, 12 };
	stats_control_opts   o      = { .rules = STATS_RULES_NHS };
	stats_control_result r      = { 0 };

	(void) state;
	chart_ok(y, NULL, LEN(y), &o, &r);
	assert_rel(r.seg[0].cl, 10.136842105263158, 1e-12);
	assert_rel(r.seg[0].sigma, 0.6896296296296297, 1e-12);
	assert_rel(r.seg[0].amr, 0.77777777777777779, 1e-12);
	assert_rel(r.ucl[0], 10.136842105263158 + 2.66 * 0.77777777777777779,
	           1e-12);
	assert_true(r.seg[0].sig_two_of_three);
	assert_marks(r.signals, LEN(y), STATS_SIG_TWO_OF_THREE, two3,
	             LEN(two3));
	assert_false(r.seg[0].sig_outside);
	assert_int_equal(r.seg[0].runs.longest_shift, 4);
	assert_int_equal(r.seg[0].runs.longest_trend, 3);
	assert_false(r.seg[0].runs.sig_shift);
	assert_false(r.seg[0].runs.sig_trend);
	assert_true(r.any_signal);
	stats_control_result_free(&r);

	/* The rule belongs to the NHS set only. */
	chart_ok(y, NULL, LEN(y), NULL, &r);
	assert_false(r.seg[0].sig_two_of_three);
	assert_marks(r.signals, LEN(y), STATS_SIG_TWO_OF_THREE, NULL, 0);
	stats_control_result_free(&r);
}

/* A constant baseline has a zero moving range: the limits collapse onto
 * the centre, are flagged unavailable, and nothing counts as outside. */
static void
test_i_chart_zero_moving_range_has_no_limits(void **state)
{
	static const double  y[] = { 4, 4, 4, 4, 6, 5 };
	stats_control_opts   o   = { .baseline = 4 };
	stats_control_result r   = { 0 };

	(void) state;
	chart_ok(y, NULL, LEN(y), &o, &r);
	assert_false(r.seg[0].has_limits);
	assert_rel(r.seg[0].amr, 0, 1e-15);
	assert_rel(r.seg[0].sigma, 0, 1e-15);
	assert_rel(r.lcl[4], 4, 1e-15);
	assert_rel(r.ucl[4], 4, 1e-15);
	assert_false(r.seg[0].sig_outside);
	assert_int_equal(r.signals[4] & STATS_SIG_OUTSIDE, 0);
	assert_all_finite(&r);
	stats_control_result_free(&r);

	o.chart = STATS_CHART_MR;
	chart_ok(y, NULL, LEN(y), &o, &r);
	assert_false(r.seg[0].has_limits);
	assert_false(r.any_signal);
	stats_control_result_free(&r);
}

/* n = 2: R: y <- c(4, 7); s <- mean(abs(diff(y))) / 1.128
 *    c(mean(y), s, mean(y) - 3*s, mean(y) + 3*s) = 5.5,
 *    2.6595744680851068, -2.4787234042553203, 13.478723404255319 */
static void
test_i_chart_two_points(void **state)
{
	static const double  y[] = { 4, 7 };
	stats_control_result r   = { 0 };

	(void) state;
	chart_ok(y, NULL, LEN(y), NULL, &r);
	assert_rel(r.seg[0].cl, 5.5, 1e-15);
	assert_rel(r.seg[0].sigma, 2.6595744680851068, 1e-12);
	assert_rel(r.lcl[0], -2.4787234042553203, 1e-12);
	assert_rel(r.ucl[0], 13.478723404255319, 1e-12);
	stats_control_result_free(&r);
}

static void
test_i_chart_one_point_or_none_is_etoofew(void **state)
{
	static const double  y[] = { 4, NA, 6 };
	stats_control_result r   = { 0 };
	char                 msg[TD_ERRMSG_MAX];

	(void) state;
	assert_int_equal(stats_control(y, NULL, 1, NULL, &r, msg), TD_ETOOFEW);
	assert_non_null(strstr(msg, "no moving range"));
	/* Two values with a gap between them: still no moving range. */
	assert_int_equal(stats_control(y, NULL, 3, NULL, &r, msg), TD_ETOOFEW);
	assert_int_equal(stats_control(y, NULL, 0, NULL, &r, msg), TD_ETOOFEW);
	assert_string_equal(msg, "the series is empty");
	assert_null(r.value);
}

static void
test_baseline_longer_than_series_is_einval(void **state)
{
	stats_control_opts   o = { .baseline = 25 };
	stats_control_result r = { 0 };
	char                 msg[TD_ERRMSG_MAX];

	(void) state;
	assert_int_equal(stats_control(cost, NULL, LEN(cost), &o, &r, msg),
	                 TD_EINVAL);
	assert_string_equal(
	    msg, "baseline 25 is longer than the series (20 points)");
	o = (stats_control_opts) { .baseline = 10, .split = 5 };
	assert_int_equal(stats_control(cost, NULL, LEN(cost), &o, &r, msg),
	                 TD_EINVAL);
	o = (stats_control_opts) { .split = 20 };
	assert_int_equal(stats_control(cost, NULL, LEN(cost), &o, &r, msg),
	                 TD_EINVAL);
}

static void
test_result_free_accepts_null_and_twice(void **state)
{
	stats_control_result r = { 0 };

	(void) state;
	stats_control_result_free(NULL);
	chart_ok(cost, NULL, LEN(cost), NULL, &r);
	stats_control_result_free(&r);
	stats_control_result_free(&r);
	assert_null(r.value);
	assert_string_equal(stats_chart_name(STATS_CHART_UP), "up");
}

/* qicharts2's exclude: point 8 (25.0, 0-based 7) is left out of the
 * centre and the moving ranges but still drawn and found outside.
 * R: yy <- y; yy[8] <- NA; cl <- mean(yy, na.rm = TRUE)
 *    amr <- mean(abs(diff(yy)), na.rm = TRUE)
 *    c(cl, amr, amr / 1.128, cl + 3 * amr / 1.128) = 10.714,
 *    0.62826086956521732, 0.5569688559975331, 12.3849065679926 */
static void
test_i_chart_exclude(void **state)
{
	static const double y[]
	    = { 10.2, 11.1, 9.8,  10.5, 10.9, 9.7,  10.4, 25.0, 10.1,
		10.8, 11.6, 11.9, 11.7, 12.1, 11.8, 12.2, 11.9, 12.4,
		9.0,  9.1,  9.3,  9.6,  9.9,  10.3, 10.6, 10.95 };
	bool                 ex[26] = { false };
	stats_control_opts   o      = { .exclude = ex };
	stats_control_result r      = { 0 };

	(void) state;
	ex[7] = true;
	chart_ok(y, NULL, 26, &o, &r);
	assert_rel(r.seg[0].cl, 10.714, 1e-13);
	assert_rel(r.seg[0].amr, 0.62826086956521732, 1e-13);
	assert_rel(r.ucl[0], 12.3849065679926, 1e-13);
	assert_int_equal(r.seg[0].n_baseline, 25);
	assert_rel(r.value[7], 25.0, 0);
	assert_true(r.signals[7] & STATS_SIG_OUTSIDE);
	stats_control_result_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_i_chart_montgomery_example_6_5),
		cmocka_unit_test(test_mr_chart_montgomery_example_6_5),
		cmocka_unit_test(
		    test_i_chart_freeze_skips_missing_and_breaks_moving_range),
		cmocka_unit_test(test_i_chart_split_gives_separate_limits),
		cmocka_unit_test(test_mr_chart_no_range_across_gap_or_split),
		cmocka_unit_test(test_i_chart_screened_moving_ranges),
		cmocka_unit_test(test_i_chart_nhs_two_of_three),
		cmocka_unit_test(test_i_chart_exclude),
		cmocka_unit_test(test_i_chart_zero_moving_range_has_no_limits),
		cmocka_unit_test(test_i_chart_two_points),
		cmocka_unit_test(test_i_chart_one_point_or_none_is_etoofew),
		cmocka_unit_test(test_baseline_longer_than_series_is_einval),
		cmocka_unit_test(test_result_free_accepts_null_and_twice),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
