/* SPDX-License-Identifier: MIT
 * Unit tests for stats_funnel against an R function written from
 * ANALYSES.md's definition (Spiegelhalter 2005), values printed with
 * sprintf('%.17g', x):
 *
 * funnel <- function(y, n) {
 *   x <- y * n; p0 <- sum(x) / sum(n); s2 <- p0 * (1 - p0) / n
 *   z <- (y - p0) / sqrt(s2)
 *   q <- quantile(z, c(0.1, 0.9), type = 7); zw <- pmin(pmax(z, q[1]), q[2])
 *   k <- length(y); phi <- mean(zw^2); w <- 1 / s2
 *   tau2 <- max(0, (k * phi - (k - 1)) / (sum(w) - sum(w^2) / sum(w)))
 *   list(p0 = p0, phi = phi, tau2 = tau2, z = z,
 *        zadj = (y - p0) / sqrt(s2 + tau2),
 *        lo95 = p0 - 1.959964 * sqrt(s2 + tau2),
 *        hi998 = p0 + 3.090232 * sqrt(s2 + tau2),
 *        mlo95 = p0 - 1.959964 * sqrt(phi * s2)) }
 * n <- c(25, 40, 60, 80, 120, 150, 200, 300, 450, 600, 900, 1200)
 * y <- c(0.60, 0.55, 0.78, 0.70, 0.66, 0.61, 0.75, 0.69, 0.64, 0.72, 0.67,
 *        0.70)
 */
#include <math.h>
#include <string.h>

#include "test_util.h"

#include "stats_funnel.h"

static const double N[]
    = { 25, 40, 60, 80, 120, 150, 200, 300, 450, 600, 900, 1200 };
static const double Y[] = { 0.60, 0.55, 0.78, 0.70, 0.66, 0.61,
	                    0.75, 0.69, 0.64, 0.72, 0.67, 0.70 };

static void
test_proportions(void **state)
{
	(void) state;
	stats_funnel_result r;
	char                err[TD_ERRMSG_MAX];
	assert_int_equal(stats_funnel(Y, N, NULL, 12, &r, err), TD_OK);
	assert_int_equal(r.k, 12);
	assert_rel(r.target, 0.68618181818181823, 1e-12); /* p0 */
	assert_rel(r.phi, 1.9642414046990726, 1e-12); /* phi */
	assert_rel(r.tau2, 0.00079622465449835352, 1e-12); /* tau2 */
	assert_rel(r.units[0].z, -0.92859641444047691, 1e-12); /* z[1] */
	assert_rel(r.units[8].z, -2.1111477556410025, 1e-12); /* z[9] */
	assert_rel(r.units[8].z_adjusted, -1.2934765069565437,
	           1e-12); /* zadj[9] */
	assert_rel(r.units[2].z_adjusted, 1.4167529217758106,
	           1e-12); /* zadj[3] */
	assert_rel(r.units[0].lo95, 0.49605846177027618, 1e-12); /* lo95[1] */
	assert_rel(r.units[11].lo95, 0.6249608877726166, 1e-12); /* lo95[12] */
	assert_rel(r.units[5].hi998, 0.83217034991026462,
	           1e-12); /* hi998[6] */
	assert_rel(r.units[3].mlo95, 0.54366727476948962,
	           1e-12); /* mlo95[4] */
	/* Schools 6 and 9 are beyond 2 sigma on the binomial alone, but
	 * within the limits once overdispersion is allowed for. */
	for (size_t i = 0; i < 12; i++) {
		assert_false(r.units[i].outside95);
	}
	stats_funnel_result_free(&r);
}

/* Scale scores with known sampling variances:
 * fs <- function(y, v) { p0 <- sum(y / v) / sum(1 / v)
 *   z <- (y - p0) / sqrt(v); (winsorise, phi, tau2 as above, w = 1 / v)
 *   list(p0, phi, tau2, zadj = (y - p0) / sqrt(v + tau2)) }
 * ys <- c(250, 262, 241, 255, 270, 248, 259)
 * vs <- c(16, 9, 25, 4, 36, 6.25, 12) */
static void
test_scale_scores(void **state)
{
	(void) state;
	static const double ys[] = { 250, 262, 241, 255, 270, 248, 259 };
	static const double vs[] = { 16, 9, 25, 4, 36, 6.25, 12 };
	static const double ns[] = { 100, 100, 100, 100, 100, 100, 100 };
	stats_funnel_result r;
	char                err[TD_ERRMSG_MAX];
	assert_int_equal(stats_funnel(ys, ns, vs, 7, &r, err), TD_OK);
	assert_rel(r.target, 254.36748582230626, 1e-12);
	assert_rel(r.phi, 4.1980155760930682, 1e-12);
	assert_rel(r.tau2, 40.319943154542941, 1e-12);
	assert_rel(r.units[4].z_adjusted, 1.7894098025567846,
	           1e-12); /* zadj[5] */
	stats_funnel_result_free(&r);
}

static void
test_bad_input(void **state)
{
	(void) state;
	stats_funnel_result r;
	char                err[TD_ERRMSG_MAX];
	double              y2[]  = { 0.5, NAN, 0.4 };
	double              bad[] = { 0.5, 1.5, 0.4 };
	assert_int_equal(stats_funnel(y2, N, NULL, 3, &r, err), TD_ETOOFEW);
	assert_int_equal(stats_funnel(bad, N, NULL, 3, &r, err), TD_EINVAL);
	stats_funnel_result_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_proportions),
		cmocka_unit_test(test_scale_scores),
		cmocka_unit_test(test_bad_input),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
