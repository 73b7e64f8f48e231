/* SPDX-License-Identifier: MIT
 * Unit tests for stats_control, charts of counts (p, Laney p', u,
 * Laney u', c) and bad counts or denominators: limits against qicharts2's
 * formulas written by hand in R (expression beside each value, printed with
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

/* Montgomery, Example 7.1 (orange-juice cans, 30 samples of 50).
 * R: pbar <- sum(d) / 1500; s <- sqrt(pbar * (1 - pbar) / 50)
 *    c(pbar, pbar - 3*s, pbar + 3*s) = 0.23133333333333334,
 *    0.052427548071928232, 0.41023911859473844
 *    which(d/50 > pbar + 3*s | d/50 < pbar - 3*s) = 15 23
 *    anhoej(d/50, pbar) = 30 4 15 8 10
 * Textbook: p-bar 0.2313, UCL 0.4102, LCL 0.0524; samples 15 and 23
 * out of control. */
static void
test_p_chart_montgomery_example_7_1(void **state)
{
	static const double d[]
	    = { 12, 15, 8, 10, 4,  7,  16, 9,  14, 10, 5,  6, 17, 12, 22,
		8,  10, 5, 13, 11, 20, 18, 24, 15, 9,  12, 7, 13, 9,  6 };
	static const size_t  out[] = { 14, 22 };
	double               n[LEN(d)];
	stats_control_opts   o = { .chart = STATS_CHART_P };
	stats_control_result r = { 0 };

	(void) state;
	for (size_t i = 0; i < LEN(d); i++) {
		n[i] = 50;
	}
	chart_ok(d, n, LEN(d), &o, &r);
	assert_rel(r.seg[0].cl, 0.23133333333333334, 1e-12);
	for (size_t i = 0; i < LEN(d); i++) {
		assert_rel(r.value[i], d[i] / 50, 1e-15);
		assert_rel(r.lcl[i], 0.052427548071928232, 1e-12);
		assert_rel(r.ucl[i], 0.41023911859473844, 1e-12);
	}
	assert_near(r.seg[0].cl, 0.2313, 0.00005);
	assert_near(r.lcl[0], 0.0524, 0.00005);
	assert_near(r.ucl[0], 0.4102, 0.00005);
	assert_int_equal(r.seg[0].n_outside, 2);
	assert_marks(r.signals, LEN(d), STATS_SIG_OUTSIDE, out, LEN(out));
	assert_int_equal(r.seg[0].runs.n_useful, 30);
	assert_int_equal(r.seg[0].runs.longest_run, 4);
	assert_int_equal(r.seg[0].runs.n_crossings, 15);
	assert_int_equal(r.seg[0].runs.longest_run_max, 8);
	assert_int_equal(r.seg[0].runs.n_crossings_min, 10);
	assert_all_finite(&r);
	stats_control_result_free(&r);
}

/* Variable denominators, a zero denominator, a missing numerator and a
 * denominator of 1 whose UCL is clamped to 1.
 * R: num <- c(2, 0, 5, 1, 3, 0, NA, 4, 2, 9, 1, 0, 1)
 *    den <- c(20, 15, 40, 10, 25, 0, 30, 35, 12, 30, 8, 18, 1)
 *    ok <- !is.na(num) & den > 0; pbar <- sum(num[ok]) / sum(den[ok])
 *    s <- sqrt(pbar * (1 - pbar) / den)
 *    pbar = 0.13084112149532709; pmax(0, pbar - 3*s)[ok] = all 0
 *    pmin(1, pbar + 3*s)[ok] = 0.35705954490404834, 0.39205565679668297,
 *      0.29080170271696348, 0.45076228393859985, 0.3331770304972192,
 *      0.30184617587263818, 0.42288785031775222, 0.31554769075140865,
 *      0.48852385482728244, 0.36929627704996393, 1
 *    outside: none (p = 1 at den = 1 is not above a UCL of 1). */
static void
test_p_chart_variable_n_clamps_and_skips_zero_denominator(void **state)
{
	static const double num[] = { 2, 0, 5, 1, 3, 0, NA, 4, 2, 9, 1, 0, 1 };
	static const double den[]
	    = { 20, 15, 40, 10, 25, 0, 30, 35, 12, 30, 8, 18, 1 };
	static const size_t  ok[]  = { 0, 1, 2, 3, 4, 7, 8, 9, 10, 11, 12 };
	static const double  ucl[] = { 0.35705954490404834,
		                       0.39205565679668297,
		                       0.29080170271696348,
		                       0.45076228393859985,
		                       0.3331770304972192,
		                       0.30184617587263818,
		                       0.42288785031775222,
		                       0.31554769075140865,
		                       0.48852385482728244,
		                       0.36929627704996393,
		                       1 };
	stats_control_opts   o     = { .chart = STATS_CHART_P };
	stats_control_result r     = { 0 };

	(void) state;
	chart_ok(num, den, LEN(num), &o, &r);
	assert_int_equal(r.n_zero_den, 1);
	assert_int_equal(r.n_missing, 1);
	assert_int_equal(r.skip[5], STATS_SKIP_ZERO_DEN);
	assert_int_equal(r.skip[6], STATS_SKIP_MISSING);
	assert_int_equal(r.pos[5], STATS_POS_MISSING);
	assert_int_equal(r.seg[0].n_baseline, 11);
	assert_rel(r.seg[0].cl, 0.13084112149532709, 1e-12);
	for (size_t k = 0; k < LEN(ok); k++) {
		size_t i = ok[k];

		assert_rel(r.value[i], num[i] / den[i], 1e-15);
		assert_rel(r.lcl[i], 0, 1e-15);
		assert_rel(r.ucl[i], ucl[k], 1e-12);
	}
	assert_false(r.seg[0].sig_outside);
	assert_all_finite(&r);
	stats_control_result_free(&r);
}

/* Laney p' with large denominators.
 * R: num <- c(4120, 3980, 4550, 4300, 3710, 4680, 4200, 3890, 4470, 4010,
 *             4360, 4590)
 *    den <- c(25100, 24400, 26300, 25800, 23900, 27000, 25500, 24700,
 *             26100, 24950, 25600, 26500)
 *    pbar <- sum(num) / sum(den); s <- sqrt(pbar * (1 - pbar) / den)
 *    p <- num / den; z <- (p - pbar) / s; sz <- mean(abs(diff(z))) / 1.128
 *    c(pbar, sz, mean(abs(diff(z)))) = 0.16629066535883602,
 *    3.4247518296877693, 3.8631200638878034
 *    pbar - 3*s*sz and pbar + 3*s*sz: the arrays below.
 *    p chart outside: 5 6 8 12; p' outside: none. */
static const double pp_num[] = { 4120, 3980, 4550, 4300, 3710, 4680,
	                         4200, 3890, 4470, 4010, 4360, 4590 };
static const double pp_den[] = { 25100, 24400, 26300, 25800, 23900, 27000,
	                         25500, 24700, 26100, 24950, 25600, 26500 };

static void
test_pp_chart_laney_widens_limits_for_large_denominators(void **state)
{
	static const double lcl[] = {
		0.14214413318856295, 0.14180021815978178, 0.14270143592748621,
		0.1424739549706534,  0.14154536793327813, 0.1430092302991503,
		0.14233426632189622, 0.14194939993689193, 0.14261122821999972,
		0.14207165719114498, 0.14238110194643322, 0.14279062047904281
	};
	static const double ucl[] = {
		0.19043719752910909, 0.19078111255789026, 0.18987989479018583,
		0.19010737574701864, 0.19103596278439391, 0.18957210041852174,
		0.19024706439577582, 0.19063193078078011, 0.18997010249767232,
		0.19050967352652706, 0.19020022877123882, 0.18979071023862923
	};
	static const size_t  p_out[] = { 4, 5, 7, 11 };
	stats_control_opts   o       = { .chart = STATS_CHART_PP };
	stats_control_result r       = { 0 };

	(void) state;
	chart_ok(pp_num, pp_den, LEN(pp_num), &o, &r);
	assert_rel(r.seg[0].cl, 0.16629066535883602, 1e-12);
	assert_rel(r.seg[0].sigma, 3.4247518296877693, 1e-9);
	assert_rel(r.seg[0].amr, 3.8631200638878034, 1e-9);
	assert_int_equal(r.seg[0].n_mr, 11);
	for (size_t i = 0; i < LEN(pp_num); i++) {
		assert_rel(r.lcl[i], lcl[i], 1e-9);
		assert_rel(r.ucl[i], ucl[i], 1e-9);
	}
	assert_false(r.seg[0].sig_outside);
	assert_all_finite(&r);
	stats_control_result_free(&r);

	o.chart = STATS_CHART_P;
	chart_ok(pp_num, pp_den, LEN(pp_num), &o, &r);
	assert_marks(r.signals, LEN(pp_num), STATS_SIG_OUTSIDE, p_out,
	             LEN(p_out));
	stats_control_result_free(&r);
}

/* R: cnt <- c(3, 7, 2, 5, 0, 4, 16, 6, 3, 5)
 *    expo <- c(1.2, 2.5, 0.8, 1.9, 1.1, 1.6, 2.2, 2.0, 0.9, 1.7)
 *    ubar <- sum(cnt) / sum(expo); s <- sqrt(ubar / expo)
 *    ubar = 3.2075471698113205; pmax(0, ubar - 3*s) = all 0
 *    ubar + 3*s = the array below; outside: 7. */
static void
test_u_chart_rates_with_lcl_clamped_at_zero(void **state)
{
	static const double cnt[] = { 3, 7, 2, 5, 0, 4, 16, 6, 3, 5 };
	static const double expo[]
	    = { 1.2, 2.5, 0.8, 1.9, 1.1, 1.6, 2.2, 2.0, 0.9, 1.7 };
	static const double ucl[]
	    = { 8.1123003515305498, 6.6056598535404447, 9.214618474563526,
		7.1054497453742274, 8.3303947913009253, 7.4551880244727258,
		6.8299474619519964, 7.0067526478226032, 8.8710683093598615,
		7.3283640882719912 };
	static const size_t  out[] = { 6 };
	stats_control_opts   o     = { .chart = STATS_CHART_U };
	stats_control_result r     = { 0 };

	(void) state;
	chart_ok(cnt, expo, LEN(cnt), &o, &r);
	assert_rel(r.seg[0].cl, 3.2075471698113205, 1e-12);
	for (size_t i = 0; i < LEN(cnt); i++) {
		assert_rel(r.value[i], cnt[i] / expo[i], 1e-15);
		assert_rel(r.lcl[i], 0, 1e-15);
		assert_rel(r.ucl[i], ucl[i], 1e-12);
	}
	assert_marks(r.signals, LEN(cnt), STATS_SIG_OUTSIDE, out, LEN(out));
	assert_all_finite(&r);
	stats_control_result_free(&r);
}

/* R: cnt <- c(140, 162, 118, 175, 150, 131, 190, 144, 127, 169)
 *    expo <- c(1000, 1100, 950, 1150, 1050, 980, 1200, 1020, 990, 1120)
 *    ubar <- sum(cnt) / sum(expo); s <- sqrt(ubar / expo); u <- cnt/expo
 *    z <- (u - ubar) / s; sz <- mean(abs(diff(z))) / 1.128
 *    c(ubar, sz) = 0.14261363636363636, 1.3047759496123645
 *    pmax(0, ubar - 3*s*sz), ubar + 3*s*sz: the arrays below. */
static void
test_up_chart_laney_rates(void **state)
{
	static const double cnt[]
	    = { 140, 162, 118, 175, 150, 131, 190, 144, 127, 169 };
	static const double expo[]
	    = { 1000, 1100, 950, 1150, 1050, 980, 1200, 1020, 990, 1120 };
	static const double lcl[]
	    = { 0.095868360778620446, 0.098043764869348321,
		0.094653995551155348, 0.099023442118090485,
		0.096994918510220046, 0.095393777285638207,
		0.099941233205788516, 0.096328916597365338,
		0.095632866715982173, 0.098443502733232269 };
	static const double ucl[]
	    = { 0.18935891194865229, 0.1871835078579244,  0.19057327717611738,
		0.18620383060918222, 0.18823235421705267, 0.18983349544163453,
		0.1852860395214842,  0.18889835612990738, 0.18959440601129054,
		0.18678376999404045 };
	stats_control_opts   o = { .chart = STATS_CHART_UP };
	stats_control_result r = { 0 };

	(void) state;
	chart_ok(cnt, expo, LEN(cnt), &o, &r);
	assert_rel(r.seg[0].cl, 0.14261363636363636, 1e-12);
	assert_rel(r.seg[0].sigma, 1.3047759496123645, 1e-9);
	for (size_t i = 0; i < LEN(cnt); i++) {
		assert_rel(r.lcl[i], lcl[i], 1e-9);
		assert_rel(r.ucl[i], ucl[i], 1e-9);
	}
	assert_all_finite(&r);
	stats_control_result_free(&r);
}

/* Montgomery, Example 7.3 (nonconformities on 26 samples of 100 boards).
 * R: cbar <- mean(cc); c(cbar, max(0, cbar - 3*sqrt(cbar)),
 *    cbar + 3*sqrt(cbar)) = 19.846153846153847, 6.4814471671659142,
 *    33.210860525141783; outside: 6 20.
 * Textbook: c-bar 19.85, LCL 6.48, UCL 33.22 (from the rounded c-bar);
 * samples 6 and 20 out of control. */
static void
test_c_chart_montgomery_example_7_3(void **state)
{
	static const double cc[]
	    = { 21, 24, 16, 12, 15, 5,  28, 20, 31, 25, 20, 24, 16,
		19, 10, 17, 13, 22, 18, 39, 30, 24, 16, 19, 17, 15 };
	static const size_t  out[] = { 5, 19 };
	stats_control_opts   o     = { .chart = STATS_CHART_C };
	stats_control_result r     = { 0 };

	(void) state;
	chart_ok(cc, NULL, LEN(cc), &o, &r);
	assert_rel(r.seg[0].cl, 19.846153846153847, 1e-12);
	assert_rel(r.seg[0].sigma, sqrt(19.846153846153847), 1e-12);
	assert_rel(r.lcl[0], 6.4814471671659142, 1e-12);
	assert_rel(r.ucl[0], 33.210860525141783, 1e-12);
	assert_near(r.seg[0].cl, 19.85, 0.005);
	assert_near(r.lcl[0], 6.48, 0.005);
	assert_near(r.ucl[0], 33.22, 0.01);
	assert_marks(r.signals, LEN(cc), STATS_SIG_OUTSIDE, out, LEN(out));
	assert_all_finite(&r);
	stats_control_result_free(&r);
}

/* c chart with a small mean: R: 1.5 - 3 * sqrt(1.5) < 0, so LCL = 0. */
static void
test_c_chart_lcl_clamped_at_zero(void **state)
{
	static const double  cc[] = { 1, 2, 0, 3, 1, 2 };
	stats_control_opts   o    = { .chart = STATS_CHART_C };
	stats_control_result r    = { 0 };

	(void) state;
	chart_ok(cc, NULL, LEN(cc), &o, &r);
	assert_rel(r.seg[0].cl, 1.5, 1e-15);
	assert_rel(r.lcl[0], 0, 1e-15);
	stats_control_result_free(&r);
}

/* p-bar = 0 (no event in the baseline): zero-width limits, flagged, on
 * p and on p' (whose z cannot be formed), never NaN. */
static void
test_p_chart_all_zero_numerators_has_no_limits(void **state)
{
	static const double num[] = { 0, 0, 0, 0, 0 };
	static const double den[] = { 10, 12, 9, 11, 10 };
	stats_chart         ch[]
	    = { STATS_CHART_P, STATS_CHART_PP, STATS_CHART_U, STATS_CHART_UP };

	(void) state;
	for (size_t k = 0; k < LEN(ch); k++) {
		stats_control_opts   o = { .chart = ch[k] };
		stats_control_result r = { 0 };

		chart_ok(num, den, LEN(num), &o, &r);
		assert_false(r.seg[0].has_limits);
		assert_rel(r.seg[0].cl, 0, 1e-15);
		assert_false(r.any_signal);
		assert_all_finite(&r);
		stats_control_result_free(&r);
	}
}

static void
test_c_chart_one_point_is_fine(void **state)
{
	static const double  y[] = { 9 };
	stats_control_opts   o   = { .chart = STATS_CHART_C };
	stats_control_result r   = { 0 };

	(void) state;
	chart_ok(y, NULL, 1, &o, &r);
	assert_rel(r.seg[0].cl, 9, 1e-15);
	assert_rel(r.ucl[0], 18, 1e-15);
	assert_rel(r.lcl[0], 0, 1e-15);
	assert_false(r.seg[0].runs.has_runs);
	stats_control_result_free(&r);
}

static void
test_bad_counts_and_denominators_are_einval(void **state)
{
	static const double  num[]  = { 3, 12, 4 };
	static const double  den[]  = { 10, 10, 10 };
	static const double  neg[]  = { 3, -1, 4 };
	static const double  zero[] = { 10, 0, 10 };
	stats_control_opts   o      = { .chart = STATS_CHART_P };
	stats_control_result r      = { 0 };
	char                 msg[TD_ERRMSG_MAX];

	(void) state;
	assert_int_equal(stats_control(num, den, 3, &o, &r, msg), TD_EINVAL);
	assert_string_equal(msg,
	                    "point 2: numerator 12 is larger than denominator "
	                    "10");
	assert_int_equal(stats_control(neg, den, 3, &o, &r, msg), TD_EINVAL);
	assert_string_equal(msg, "point 2: count -1 is negative");
	assert_int_equal(stats_control(num, NULL, 3, &o, &r, msg), TD_EINVAL);
	assert_string_equal(msg, "the p chart needs denominators");
	o.chart = STATS_CHART_U;
	assert_int_equal(stats_control(num, zero, 3, &o, &r, msg), TD_EINVAL);
	assert_string_equal(msg, "point 2: 12 events with an exposure of 0");
	o.chart = STATS_CHART_I;
	assert_int_equal(stats_control(num, den, 3, &o, &r, msg), TD_EINVAL);
	assert_string_equal(msg, "the i chart takes no denominators");
	o.chart = STATS_CHART_C;
	assert_int_equal(stats_control(neg, NULL, 3, &o, &r, msg), TD_EINVAL);
	o = (stats_control_opts) { .chart = (stats_chart) 42 };
	assert_int_equal(stats_control(num, NULL, 3, &o, &r, msg), TD_EINVAL);
	assert_null(r.value);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_p_chart_montgomery_example_7_1),
		cmocka_unit_test(
		    test_p_chart_variable_n_clamps_and_skips_zero_denominator),
		cmocka_unit_test(
		    test_pp_chart_laney_widens_limits_for_large_denominators),
		cmocka_unit_test(test_u_chart_rates_with_lcl_clamped_at_zero),
		cmocka_unit_test(test_up_chart_laney_rates),
		cmocka_unit_test(test_c_chart_montgomery_example_7_3),
		cmocka_unit_test(test_c_chart_lcl_clamped_at_zero),
		cmocka_unit_test(
		    test_p_chart_all_zero_numerators_has_no_limits),
		cmocka_unit_test(test_c_chart_one_point_is_fine),
		cmocka_unit_test(test_bad_counts_and_denominators_are_einval),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
