/* SPDX-License-Identifier: MIT
 * Unit tests for stats_runchart: Anhøj limits against R's qbinom/log2, run
 * statistics and signal marks against the rule definitions written out
 * by hand in R (scripts quoted beside each value), and the edge cases.
 */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "stats_runchart.h"
#include "test_util.h"

#define NA     NAN
#define LEN(a) (sizeof(a) / sizeof((a)[0]))

/* R helpers used for the expected values below (R 4.2, Debian 12):
 *
 * anhoej <- function(y, cl = median(y, na.rm = TRUE)) {
 *   s <- sign(y - cl); keep <- which(s != 0 & !is.na(s)); u <- s[keep]
 *   r <- rle(u); n <- length(u); lim <- round(log2(n)) + 3
 *   list(cl = cl, n = n, longest = max(r$lengths),
 *        crossings = length(r$lengths) - 1, lim = lim,
 *        cmin = qbinom(0.05, n - 1, 0.5),
 *        longrun = keep[rep(r$lengths, r$lengths) > lim]) }
 *
 * runs_fun <- function(y, cl, breaks, smin) {   # IHI: breaks = FALSE
 *   s <- sign(y - cl)
 *   keep <- if (breaks) which(!is.na(s)) else which(s != 0 & !is.na(s))
 *   u <- s[keep]; r <- rle(u); L <- rep(r$lengths, r$lengths)
 *   V <- rep(r$values, r$lengths)
 *   list(longest = max(r$lengths[r$values != 0]),
 *        pts = keep[L >= smin & V != 0]) }
 * trend_fun <- function(y, collapse, tmin) {    # IHI: collapse = TRUE
 *   v_idx <- which(!is.na(y)); v <- y[v_idx]
 *   g <- if (collapse) cumsum(c(TRUE, diff(v) != 0)) else seq_along(v)
 *   w <- v[!duplicated(g)]; d <- sign(diff(w)); rd <- rle(d)
 *   ends <- cumsum(rd$lengths); starts <- ends - rd$lengths + 1
 *   ok <- which(rd$lengths + 1 >= tmin & rd$values != 0)
 *   tg <- unlist(lapply(ok, function(k) starts[k]:(ends[k] + 1)))
 *   list(longest = max(c(1, rd$lengths[rd$values != 0] + 1)),
 *        pts = v_idx[g %in% tg]) }
 *
 * R indices are 1-based; the arrays of expected marks below are 0-based
 * (R's minus one).
 */

/* Every point whose index is in want[] has bit set; no other point. */
static void
assert_marks(const unsigned *sig, size_t n, unsigned bit, const size_t *want,
             size_t nwant)
{
	for (size_t i = 0; i < n; i++) {
		bool expected = false;

		for (size_t k = 0; k < nwant; k++) {
			expected = expected || want[k] == i;
		}
		if (((sig[i] & bit) != 0) != expected) {
			fail_msg("point %zu: signal bit 0x%x is %s, want %s",
			         i, bit, (sig[i] & bit) ? "set" : "clear",
			         expected ? "set" : "clear");
		}
	}
}

static void
run_ok(const double *y, size_t n, stats_runchart_opts *o,
       stats_runchart_result *r)
{
	char errmsg[TD_ERRMSG_MAX] = "";
	int  rc                    = stats_runchart(y, n, o, r, errmsg);

	if (rc != TD_OK) {
		fail_msg("stats_runchart failed: %d %s", rc, errmsg);
	}
}

/* R: cat(round(log2(1:100)) + 3, sep = ', ')
 *    cat(qbinom(0.05, 0:99, 0.5), sep = ', ')   (n - 1 for n = 1..100) */
static void
test_anhoej_limits_match_r_for_n_1_to_100(void **state)
{
	static const unsigned char lrun[100]
	    = { 3, 4, 5, 5, 5, 6,  6,  6,  6,  6,  6,  7,  7,  7,  7, 7, 7,
		7, 7, 7, 7, 7, 8,  8,  8,  8,  8,  8,  8,  8,  8,  8, 8, 8,
		8, 8, 8, 8, 8, 8,  8,  8,  8,  8,  8,  9,  9,  9,  9, 9, 9,
		9, 9, 9, 9, 9, 9,  9,  9,  9,  9,  9,  9,  9,  9,  9, 9, 9,
		9, 9, 9, 9, 9, 9,  9,  9,  9,  9,  9,  9,  9,  9,  9, 9, 9,
		9, 9, 9, 9, 9, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10 };
	static const unsigned char ncross[100]
	    = { 0,  0,  0,  0,  0,  1,  1,  1,  2,  2,  2,  3,  3,  4,  4,
		4,  5,  5,  6,  6,  6,  7,  7,  8,  8,  8,  9,  9,  10, 10,
		11, 11, 11, 12, 12, 13, 13, 14, 14, 14, 15, 15, 16, 16, 17,
		17, 17, 18, 18, 19, 19, 20, 20, 21, 21, 21, 22, 22, 23, 23,
		24, 24, 25, 25, 25, 26, 26, 27, 27, 28, 28, 29, 29, 29, 30,
		30, 31, 31, 32, 32, 33, 33, 34, 34, 34, 35, 35, 36, 36, 37,
		37, 38, 38, 39, 39, 39, 40, 40, 41, 41 };
	(void) state;
	for (size_t n = 1; n <= 100; n++) {
		size_t lr = 0, nc = 0;

		assert_int_equal(stats_anhoej_limits(n, &lr, &nc), TD_OK);
		if (lr != lrun[n - 1] || nc != ncross[n - 1]) {
			fail_msg("n = %zu: got %zu / %zu, want %u / %u", n, lr,
			         nc, lrun[n - 1], ncross[n - 1]);
		}
	}
}

/* ANALYSES.md check values; R: round(log2(n)) + 3, qbinom(0.05, n-1, .5) */
static void
test_anhoej_limits_analyses_check_values(void **state)
{
	static const size_t n[]  = { 10, 20, 24, 30, 50, 100 };
	static const size_t lr[] = { 6, 7, 8, 8, 9, 10 };
	static const size_t nc[] = { 2, 6, 8, 10, 19, 41 };

	(void) state;
	for (size_t k = 0; k < LEN(n); k++) {
		size_t a = 0, b = 0;

		assert_int_equal(stats_anhoej_limits(n[k], &a, &b), TD_OK);
		assert_int_equal(a, lr[k]);
		assert_int_equal(b, nc[k]);
	}
}

/* Beyond the table: R: qbinom(0.05, c(199, 999, 9999), 0.5) = 88 474 4917
 * and round(log2(c(200, 1000, 10000))) + 3 = 11 13 16. */
static void
test_anhoej_limits_large_n_match_r(void **state)
{
	static const size_t n[]  = { 200, 1000, 10000 };
	static const size_t lr[] = { 11, 13, 16 };
	static const size_t nc[] = { 88, 474, 4917 };

	(void) state;
	for (size_t k = 0; k < LEN(n); k++) {
		size_t a = 0, b = 0;

		assert_int_equal(stats_anhoej_limits(n[k], &a, &b), TD_OK);
		assert_int_equal(a, lr[k]);
		assert_int_equal(b, nc[k]);
	}
}

static void
test_anhoej_limits_undefined_for_zero_points(void **state)
{
	size_t a = 0, b = 0;

	(void) state;
	assert_int_equal(stats_anhoej_limits(0, &a, &b), TD_EINVAL);
}

/* y1: R anhoej(y1): median 13.5, n 20, longest 2, crossings 16, lim 7,
 * cmin 6: no signal. */
static void
test_runchart_random_series_has_no_signal(void **state)
{
	static const double   y[] = { 12, 15, 11, 14, 13, 16, 12, 15, 14, 13,
		                      11, 16, 15, 12, 14, 13, 17, 12, 15, 13 };
	stats_runchart_result r   = { 0 };

	(void) state;
	run_ok(y, LEN(y), NULL, &r);
	assert_int_equal(r.nsegments, 1);
	assert_rel(r.seg[0].centre, 13.5, 1e-15);
	assert_true(r.seg[0].runs.has_runs);
	assert_int_equal(r.seg[0].runs.n_useful, 20);
	assert_int_equal(r.seg[0].runs.longest_run, 2);
	assert_int_equal(r.seg[0].runs.n_crossings, 16);
	assert_int_equal(r.seg[0].runs.longest_run_max, 7);
	assert_int_equal(r.seg[0].runs.n_crossings_min, 6);
	assert_false(r.seg[0].runs.sig_long_run);
	assert_false(r.seg[0].runs.sig_few_crossings);
	assert_false(r.any_signal);
	for (size_t i = 0; i < LEN(y); i++) {
		assert_int_equal(r.signals[i], 0);
		assert_int_equal(
		    r.pos[i], y[i] > 13.5 ? STATS_POS_ABOVE : STATS_POS_BELOW);
	}
	stats_runchart_result_free(&r);
}

/* y3: R anhoej(y3): median 12, on centre 2 8 22, n 21, longest 9,
 * crossings 4, lim 7, cmin 6, long run at 13:21 -> both signals. */
static const double y3[] = { 8,  12, 9,  11, 10, 13, 9,  12, 8,  11, 10, 9,
	                     14, 15, 13, 16, 14, 15, 17, 13, 16, 12, 9,  11 };

static void
test_runchart_long_run_and_few_crossings(void **state)
{
	static const size_t   run[] = { 12, 13, 14, 15, 16, 17, 18, 19, 20 };
	stats_runchart_result r     = { 0 };
	size_t                valued[LEN(y3)];

	(void) state;
	run_ok(y3, LEN(y3), NULL, &r);
	assert_rel(r.seg[0].centre, 12, 1e-15);
	assert_int_equal(r.pos[1], STATS_POS_ON);
	assert_int_equal(r.pos[7], STATS_POS_ON);
	assert_int_equal(r.pos[21], STATS_POS_ON);
	assert_int_equal(r.seg[0].runs.n_obs, 24);
	assert_int_equal(r.seg[0].runs.n_useful, 21);
	assert_int_equal(r.seg[0].runs.longest_run, 9);
	assert_int_equal(r.seg[0].runs.n_crossings, 4);
	assert_int_equal(r.seg[0].runs.longest_run_max, 7);
	assert_int_equal(r.seg[0].runs.n_crossings_min, 6);
	assert_true(r.seg[0].runs.sig_long_run);
	assert_true(r.seg[0].runs.sig_few_crossings);
	assert_false(r.seg[0].runs.sig_shift);
	assert_false(r.seg[0].runs.sig_trend);
	assert_true(r.any_signal);
	assert_marks(r.signals, LEN(y3), STATS_SIG_LONG_RUN, run, LEN(run));
	/* Too few crossings is a property of the whole segment. */
	for (size_t i = 0; i < LEN(y3); i++) {
		valued[i] = i;
	}
	assert_marks(r.signals, LEN(y3), STATS_SIG_FEW_CROSSINGS, valued,
	             LEN(y3));
	stats_runchart_result_free(&r);
}

/* y2: R anhoej(y2): median 7 (of 23 values, one NA), on centre 2 14 19,
 * n 20, longest 10, crossings 1, lim 7, cmin 6; long-run points 1 3:13
 * 15:18 20:22 24 (every valued point off the median). */
static void
test_runchart_median_points_neither_count_nor_break_and_na_skipped(
    void **state)
{
	static const double   y[]   = { 5, 7, 4, 6,  5, 3, 6, 5, 4,  6, 5,  8,
		                        9, 7, 8, 10, 9, 8, 7, 9, 11, 8, NA, 10 };
	static const size_t   run[] = { 0,  2,  3,  4,  5,  6,  7,  8,  9,  10,
		                        11, 12, 14, 15, 16, 17, 19, 20, 21, 23 };
	stats_runchart_result r     = { 0 };

	(void) state;
	run_ok(y, LEN(y), NULL, &r);
	assert_int_equal(r.n, 24);
	assert_int_equal(r.n_missing, 1);
	assert_int_equal(r.pos[22], STATS_POS_MISSING);
	assert_int_equal(r.signals[22], 0);
	assert_rel(r.seg[0].centre, 7, 1e-15);
	assert_int_equal(r.seg[0].n_baseline, 23);
	assert_int_equal(r.seg[0].runs.n_obs, 23);
	assert_int_equal(r.seg[0].runs.n_useful, 20);
	assert_int_equal(r.seg[0].runs.longest_run, 10);
	assert_int_equal(r.seg[0].runs.n_crossings, 1);
	assert_true(r.seg[0].runs.sig_long_run);
	assert_true(r.seg[0].runs.sig_few_crossings);
	assert_marks(r.signals, LEN(y), STATS_SIG_LONG_RUN, run, LEN(run));
	stats_runchart_result_free(&r);
}

/* y3 frozen at 12: R anhoej(y3, median(y3[1:12])): centre 10, on centre
 * 5 11, n 22, longest 10, crossings 11, lim 7, cmin 7, long run 13:22. */
static void
test_runchart_freeze_takes_median_of_first_k(void **state)
{
	static const size_t run[] = { 12, 13, 14, 15, 16, 17, 18, 19, 20, 21 };
	stats_runchart_opts o     = { .baseline = 12 };
	stats_runchart_result r   = { 0 };

	(void) state;
	run_ok(y3, LEN(y3), &o, &r);
	assert_int_equal(r.seg[0].n_baseline, 12);
	assert_rel(r.seg[0].centre, 10, 1e-15);
	assert_rel(r.centre[23], 10, 1e-15);
	assert_int_equal(r.seg[0].runs.n_useful, 22);
	assert_int_equal(r.seg[0].runs.longest_run, 10);
	assert_int_equal(r.seg[0].runs.n_crossings, 11);
	assert_int_equal(r.seg[0].runs.longest_run_max, 7);
	assert_int_equal(r.seg[0].runs.n_crossings_min, 7);
	assert_true(r.seg[0].runs.sig_long_run);
	assert_false(r.seg[0].runs.sig_few_crossings);
	assert_marks(r.signals, LEN(y3), STATS_SIG_LONG_RUN, run, LEN(run));
	assert_marks(r.signals, LEN(y3), STATS_SIG_FEW_CROSSINGS, NULL, 0);
	stats_runchart_result_free(&r);
}

/* y3 split after 12: R anhoej(y3[1:12]): median 10, n 10, longest 2,
 * crossings 8, lim 6, cmin 2; anhoej(y3[13:24]): median 14, n 10,
 * longest 3, crossings 5, lim 6, cmin 2. Neither signals. */
static void
test_runchart_split_gives_each_segment_its_median(void **state)
{
	stats_runchart_opts   o = { .split = 12 };
	stats_runchart_result r = { 0 };

	(void) state;
	run_ok(y3, LEN(y3), &o, &r);
	assert_int_equal(r.nsegments, 2);
	assert_int_equal(r.seg[0].start, 0);
	assert_int_equal(r.seg[0].end, 12);
	assert_int_equal(r.seg[1].start, 12);
	assert_int_equal(r.seg[1].end, 24);
	assert_rel(r.seg[0].centre, 10, 1e-15);
	assert_rel(r.seg[1].centre, 14, 1e-15);
	assert_rel(r.centre[11], 10, 1e-15);
	assert_rel(r.centre[12], 14, 1e-15);
	assert_int_equal(r.seg[0].runs.n_useful, 10);
	assert_int_equal(r.seg[0].runs.longest_run, 2);
	assert_int_equal(r.seg[0].runs.n_crossings, 8);
	assert_int_equal(r.seg[0].runs.longest_run_max, 6);
	assert_int_equal(r.seg[0].runs.n_crossings_min, 2);
	assert_int_equal(r.seg[1].runs.n_useful, 10);
	assert_int_equal(r.seg[1].runs.longest_run, 3);
	assert_int_equal(r.seg[1].runs.n_crossings, 5);
	assert_int_equal(r.pos[12], STATS_POS_ON);
	assert_int_equal(r.pos[16], STATS_POS_ON);
	assert_false(r.any_signal);
	stats_runchart_result_free(&r);
}

/* Freeze and split together: the baseline belongs to the first segment.
 * R: median(y3[1:6]) = 10.5, median(y3[13:24]) = 14. */
static void
test_runchart_freeze_with_split_freezes_first_segment(void **state)
{
	stats_runchart_opts   o = { .baseline = 6, .split = 12 };
	stats_runchart_result r = { 0 };

	(void) state;
	run_ok(y3, LEN(y3), &o, &r);
	assert_int_equal(r.seg[0].n_baseline, 6);
	assert_rel(r.seg[0].centre, 10.5, 1e-15);
	assert_int_equal(r.seg[1].n_baseline, 12);
	assert_rel(r.seg[1].centre, 14, 1e-15);
	stats_runchart_result_free(&r);
}

/* y4 under IHI: R runs_fun(y4, 11, FALSE, 6): on centre 4 9 12 15,
 * longest shift 6 at 10 11 13 14 16 17 (12 and 15 lie on the median and
 * neither count nor break it); trend_fun(y4, TRUE, 5): longest 6 at 5:11
 * (8 9 9 10 11 12 14: the tie counted once). */
static const double y4[] = { 10, 12, 9,  11, 8,  9,  9,  10, 11, 12,
	                     14, 11, 13, 12, 11, 14, 12, 8,  10, 9 };

static void
test_runchart_ihi_shift_and_trend_with_ties(void **state)
{
	static const size_t   shift[] = { 9, 10, 12, 13, 15, 16 };
	static const size_t   trend[] = { 4, 5, 6, 7, 8, 9, 10 };
	stats_runchart_opts   o       = { .rules = STATS_RULES_IHI };
	stats_runchart_result r       = { 0 };

	(void) state;
	run_ok(y4, LEN(y4), &o, &r);
	assert_rel(r.seg[0].centre, 11, 1e-15);
	assert_int_equal(r.seg[0].runs.longest_shift, 6);
	assert_int_equal(r.seg[0].runs.longest_trend, 6);
	assert_true(r.seg[0].runs.sig_shift);
	assert_true(r.seg[0].runs.sig_trend);
	assert_false(r.seg[0].runs.sig_long_run);
	assert_false(r.seg[0].runs.sig_few_crossings);
	assert_marks(r.signals, LEN(y4), STATS_SIG_SHIFT, shift, LEN(shift));
	assert_marks(r.signals, LEN(y4), STATS_SIG_TREND, trend, LEN(trend));
	assert_marks(r.signals, LEN(y4), STATS_SIG_LONG_RUN, NULL, 0);
	stats_runchart_result_free(&r);
}

/* y4 under NHS: R runs_fun(y4, 11, TRUE, 7): longest 4, none;
 * trend_fun(y4, FALSE, 7): longest 5, none. */
static void
test_runchart_nhs_same_series_has_no_signal(void **state)
{
	stats_runchart_opts   o = { .rules = STATS_RULES_NHS };
	stats_runchart_result r = { 0 };

	(void) state;
	run_ok(y4, LEN(y4), &o, &r);
	assert_int_equal(r.seg[0].runs.longest_shift, 4);
	assert_int_equal(r.seg[0].runs.longest_trend, 5);
	assert_false(r.any_signal);
	stats_runchart_result_free(&r);
}

/* y6: median 19, on centre 3 12 18.
 * NHS: R runs_fun(y6, 19, TRUE, 7): longest 8, points 4:11 19:25;
 *      trend_fun(y6, FALSE, 7): longest 7, points 6:12 (the tie 23 23 at
 *      21:22 breaks the rise 18:25).
 * IHI: R runs_fun(y6, 19, FALSE, 6): longest 11, points 2 4:11 13:17
 *      19:25; trend_fun(y6, TRUE, 5): longest 7, points 6:12 18:25. */
static const double y6[]
    = { 20, 14, 19, 15, 18, 13, 14, 15, 16, 17, 18, 19, 12,
	21, 25, 26, 20, 19, 21, 22, 23, 23, 24, 25, 26, 18 };

static void
test_runchart_nhs_centre_point_breaks_run_and_tie_breaks_trend(void **state)
{
	static const size_t shift[]
	    = { 3, 4, 5, 6, 7, 8, 9, 10, 18, 19, 20, 21, 22, 23, 24 };
	static const size_t   trend[] = { 5, 6, 7, 8, 9, 10, 11 };
	stats_runchart_opts   o       = { .rules = STATS_RULES_NHS };
	stats_runchart_result r       = { 0 };

	(void) state;
	run_ok(y6, LEN(y6), &o, &r);
	assert_rel(r.seg[0].centre, 19, 1e-15);
	assert_int_equal(r.seg[0].runs.longest_shift, 8);
	assert_int_equal(r.seg[0].runs.longest_trend, 7);
	assert_true(r.seg[0].runs.sig_shift);
	assert_true(r.seg[0].runs.sig_trend);
	assert_marks(r.signals, LEN(y6), STATS_SIG_SHIFT, shift, LEN(shift));
	assert_marks(r.signals, LEN(y6), STATS_SIG_TREND, trend, LEN(trend));
	stats_runchart_result_free(&r);
}

static void
test_runchart_ihi_on_nhs_series(void **state)
{
	static const size_t shift[]
	    = { 1,  3,  4,  5,  6,  7,  8,  9,  10, 12, 13,
		14, 15, 16, 18, 19, 20, 21, 22, 23, 24 };
	static const size_t trend[]
	    = { 5, 6, 7, 8, 9, 10, 11, 17, 18, 19, 20, 21, 22, 23, 24 };
	stats_runchart_opts   o = { .rules = STATS_RULES_IHI };
	stats_runchart_result r = { 0 };

	(void) state;
	run_ok(y6, LEN(y6), &o, &r);
	assert_int_equal(r.seg[0].runs.longest_shift, 11);
	assert_int_equal(r.seg[0].runs.longest_trend, 7);
	assert_marks(r.signals, LEN(y6), STATS_SIG_SHIFT, shift, LEN(shift));
	assert_marks(r.signals, LEN(y6), STATS_SIG_TREND, trend, LEN(trend));
	stats_runchart_result_free(&r);
}

/* n = 2: R anhoej(c(4, 7)): median 5.5, n 2, longest 1, crossings 1,
 * lim 4, cmin 0. */
static void
test_runchart_two_points(void **state)
{
	static const double   y[] = { 4, 7 };
	stats_runchart_result r   = { 0 };

	(void) state;
	run_ok(y, LEN(y), NULL, &r);
	assert_rel(r.seg[0].centre, 5.5, 1e-15);
	assert_int_equal(r.seg[0].runs.n_useful, 2);
	assert_int_equal(r.seg[0].runs.longest_run, 1);
	assert_int_equal(r.seg[0].runs.n_crossings, 1);
	assert_int_equal(r.seg[0].runs.longest_run_max, 4);
	assert_int_equal(r.seg[0].runs.n_crossings_min, 0);
	assert_false(r.any_signal);
	stats_runchart_result_free(&r);
}

static void
test_runchart_one_point_lies_on_its_median_so_no_runs(void **state)
{
	static const double   y[] = { 42 };
	stats_runchart_result r   = { 0 };

	(void) state;
	run_ok(y, 1, NULL, &r);
	assert_rel(r.seg[0].centre, 42, 1e-15);
	assert_int_equal(r.pos[0], STATS_POS_ON);
	assert_false(r.seg[0].runs.has_runs);
	assert_int_equal(r.seg[0].runs.n_useful, 0);
	assert_false(r.any_signal);
	stats_runchart_result_free(&r);
}

static void
test_runchart_all_on_median_reports_no_runs_under_each_rule_set(void **state)
{
	static const double y[] = { 5, 5, NA, 5, 5, 5, 5, 5, 5, 5 };
	stats_rules         rs[]
	    = { STATS_RULES_ANHOJ, STATS_RULES_IHI, STATS_RULES_NHS };

	(void) state;
	for (size_t k = 0; k < LEN(rs); k++) {
		stats_runchart_opts   o = { .rules = rs[k] };
		stats_runchart_result r = { 0 };

		run_ok(y, LEN(y), &o, &r);
		assert_false(r.seg[0].runs.has_runs);
		assert_int_equal(r.seg[0].runs.n_obs, 9);
		assert_int_equal(r.seg[0].runs.n_useful, 0);
		assert_int_equal(r.seg[0].runs.longest_run, 0);
		assert_int_equal(r.seg[0].runs.n_crossings, 0);
		assert_false(r.any_signal);
		for (size_t i = 0; i < LEN(y); i++) {
			assert_int_equal(r.signals[i], 0);
			assert_int_equal(r.pos[i],
			                 i == 2 ? STATS_POS_MISSING
			                        : STATS_POS_ON);
		}
		stats_runchart_result_free(&r);
	}
}

static void
test_runchart_empty_and_all_missing_are_etoofew(void **state)
{
	static const double   y[] = { NA, NA, NA };
	stats_runchart_result r   = { 0 };
	char                  msg[TD_ERRMSG_MAX];

	(void) state;
	assert_int_equal(stats_runchart(y, 0, NULL, &r, msg), TD_ETOOFEW);
	assert_string_equal(msg, "the series is empty");
	assert_int_equal(stats_runchart(y, 3, NULL, &r, msg), TD_ETOOFEW);
	assert_non_null(strstr(msg, "no values in its baseline"));
	assert_null(r.pos);
}

static void
test_runchart_missing_baseline_is_etoofew(void **state)
{
	static const double   y[] = { NA, NA, 3, 4, 5 };
	stats_runchart_opts   o   = { .baseline = 2 };
	stats_runchart_result r   = { 0 };
	char                  msg[TD_ERRMSG_MAX];

	(void) state;
	assert_int_equal(stats_runchart(y, LEN(y), &o, &r, msg), TD_ETOOFEW);
	assert_string_equal(msg,
	                    "segment 1 has no values in its baseline "
	                    "(points 1 to 2 are all missing)");
}

static void
test_runchart_baseline_longer_than_series_is_einval(void **state)
{
	static const double   y[] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	stats_runchart_opts   o   = { .baseline = 12 };
	stats_runchart_result r   = { 0 };
	char                  msg[TD_ERRMSG_MAX];

	(void) state;
	assert_int_equal(stats_runchart(y, LEN(y), &o, &r, msg), TD_EINVAL);
	assert_string_equal(
	    msg, "baseline 12 is longer than the series (8 points)");
	assert_null(r.centre);
}

static void
test_runchart_bad_split_and_options_are_einval(void **state)
{
	static const double   y[] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	stats_runchart_opts   o   = { .split = 8 };
	stats_runchart_result r   = { 0 };
	char                  msg[TD_ERRMSG_MAX];

	(void) state;
	assert_int_equal(stats_runchart(y, LEN(y), &o, &r, msg), TD_EINVAL);
	assert_non_null(strstr(msg, "leaves no points after it"));
	o = (stats_runchart_opts) { .baseline = 6, .split = 4 };
	assert_int_equal(stats_runchart(y, LEN(y), &o, &r, msg), TD_EINVAL);
	assert_non_null(strstr(msg, "runs past the split"));
	o = (stats_runchart_opts) { .rules = (stats_rules) 7 };
	assert_int_equal(stats_runchart(y, LEN(y), &o, &r, msg), TD_EINVAL);
	assert_int_equal(stats_runchart(y, LEN(y), NULL, NULL, NULL),
	                 TD_EINVAL);
}

static void
test_runchart_infinite_value_is_einval(void **state)
{
	const double          y[] = { 1, 2, INFINITY, 4 };
	stats_runchart_result r   = { 0 };
	char                  msg[TD_ERRMSG_MAX];

	(void) state;
	assert_int_equal(stats_runchart(y, LEN(y), NULL, &r, msg), TD_EINVAL);
	assert_string_equal(msg, "point 3: value is infinite");
}

static void
test_runchart_result_free_accepts_null_and_twice(void **state)
{
	stats_runchart_result r = { 0 };

	(void) state;
	stats_runchart_result_free(NULL);
	run_ok(y3, LEN(y3), NULL, &r);
	stats_runchart_result_free(&r);
	stats_runchart_result_free(&r);
	assert_null(r.signals);
}

/* Excluded points stay out of the median, not out of the rules.
 * R: yy <- y; yy[8] <- NA; median(yy, na.rm = TRUE) = 10.6;
 *    median(y) = 10.699999999999999 */
static void
test_exclude_from_median(void **state)
{
	static const double y[]
	    = { 10.2, 11.1, 9.8,  10.5, 10.9, 9.7,  10.4, 25.0, 10.1,
		10.8, 11.6, 11.9, 11.7, 12.1, 11.8, 12.2, 11.9, 12.4,
		9.0,  9.1,  9.3,  9.6,  9.9,  10.3, 10.6, 10.95 };
	bool                  ex[26] = { false };
	stats_runchart_opts   o      = { .exclude = ex };
	stats_runchart_result r      = { 0 };

	(void) state;
	ex[7] = true;
	run_ok(y, 26, &o, &r);
	assert_rel(r.seg[0].centre, 10.6, 1e-15);
	assert_int_equal(r.seg[0].n_baseline, 25);
	assert_int_equal(r.pos[7], STATS_POS_ABOVE);
	assert_int_equal(r.seg[0].runs.n_obs, 26);
	stats_runchart_result_free(&r);
	run_ok(y, 26, NULL, &r);
	assert_rel(r.seg[0].centre, 10.699999999999999, 1e-15);
	stats_runchart_result_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exclude_from_median),
		cmocka_unit_test(test_anhoej_limits_match_r_for_n_1_to_100),
		cmocka_unit_test(test_anhoej_limits_analyses_check_values),
		cmocka_unit_test(test_anhoej_limits_large_n_match_r),
		cmocka_unit_test(test_anhoej_limits_undefined_for_zero_points),
		cmocka_unit_test(test_runchart_random_series_has_no_signal),
		cmocka_unit_test(test_runchart_long_run_and_few_crossings),
		cmocka_unit_test(
		    test_runchart_median_points_neither_count_nor_break_and_na_skipped),
		cmocka_unit_test(test_runchart_freeze_takes_median_of_first_k),
		cmocka_unit_test(
		    test_runchart_split_gives_each_segment_its_median),
		cmocka_unit_test(
		    test_runchart_freeze_with_split_freezes_first_segment),
		cmocka_unit_test(test_runchart_ihi_shift_and_trend_with_ties),
		cmocka_unit_test(test_runchart_nhs_same_series_has_no_signal),
		cmocka_unit_test(
		    test_runchart_nhs_centre_point_breaks_run_and_tie_breaks_trend),
		cmocka_unit_test(test_runchart_ihi_on_nhs_series),
		cmocka_unit_test(test_runchart_two_points),
		cmocka_unit_test(
		    test_runchart_one_point_lies_on_its_median_so_no_runs),
		cmocka_unit_test(
		    test_runchart_all_on_median_reports_no_runs_under_each_rule_set),
		cmocka_unit_test(
		    test_runchart_empty_and_all_missing_are_etoofew),
		cmocka_unit_test(test_runchart_missing_baseline_is_etoofew),
		cmocka_unit_test(
		    test_runchart_baseline_longer_than_series_is_einval),
		cmocka_unit_test(
		    test_runchart_bad_split_and_options_are_einval),
		cmocka_unit_test(test_runchart_infinite_value_is_einval),
		cmocka_unit_test(
		    test_runchart_result_free_accepts_null_and_twice),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
