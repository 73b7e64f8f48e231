/* SPDX-License-Identifier: MIT
 * What the stats_control tests share: closeness, signal marks, a chart
 * that must succeed, and results free of NaN and infinities.
 */
#ifndef TD_TEST_STATS_CONTROL_UTIL_H
#define TD_TEST_STATS_CONTROL_UTIL_H

#define NA     NAN
#define LEN(a) (sizeof(a) / sizeof((a)[0]))

/* R helper for the run statistics around a centre line:
 * anhoej <- function(y, cl) {
 *   s <- sign(y - cl); keep <- which(s != 0 & !is.na(s)); u <- s[keep]
 *   r <- rle(u); n <- length(u)
 *   c(n, max(r$lengths), length(r$lengths) - 1, round(log2(n)) + 3,
 *     qbinom(0.05, n - 1, 0.5)) }
 * R indices are 1-based; expected point indices below are 0-based. */

static inline void
assert_near(double got, double want, double atol)
{
	if (!(fabs(got - want) <= atol)) {
		fail_msg("got %.17g, want %.17g (+- %g)", got, want, atol);
	}
}

static inline void
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

static inline void
chart_ok(const double *y, const double *den, size_t n, stats_control_opts *o,
         stats_control_result *r)
{
	char errmsg[TD_ERRMSG_MAX] = "";
	int  rc                    = stats_control(y, den, n, o, r, errmsg);

	if (rc != TD_OK) {
		fail_msg("stats_control failed: %d %s", rc, errmsg);
	}
}

/* No value, limit or centre in a result may be NaN or infinite. */
static inline void
assert_all_finite(const stats_control_result *r)
{
	for (size_t i = 0; i < r->n; i++) {
		assert_true(isfinite(r->value[i]));
		assert_true(isfinite(r->cl[i]));
		assert_true(isfinite(r->lcl[i]));
		assert_true(isfinite(r->ucl[i]));
	}
	for (size_t s = 0; s < r->nsegments; s++) {
		assert_true(isfinite(r->seg[s].cl));
		assert_true(isfinite(r->seg[s].sigma));
		assert_true(isfinite(r->seg[s].amr));
	}
}

#endif /* TD_TEST_STATS_CONTROL_UTIL_H */
