/* SPDX-License-Identifier: MIT
 * Unit tests for stats_kripp: the worked example of Krippendorff,
 * "Computing Krippendorff's Alpha-Reliability" (2011), section C (4
 * observers, 12 units, missing values), whose published alphas are
 * nominal 0.743, ordinal 0.815, interval 0.849; full-precision values
 * from an independent R implementation of the coincidence-matrix method:
 *
 * ka <- function(x, level) {   # units in rows, coders in columns
 *   vals <- sort(unique(as.vector(x[!is.na(x)]))); K <- length(vals)
 *   o <- matrix(0, K, K)
 *   for (u in seq_len(nrow(x))) { v <- x[u, !is.na(x[u, ])]
 *     m <- length(v); if (m < 2) next
 *     for (i in seq_len(m)) for (j in seq_len(m)) if (i != j) {
 *       a <- match(v[i], vals); b <- match(v[j], vals)
 *       o[a, b] <- o[a, b] + 1 / (m - 1) } }
 *   nc <- rowSums(o); n <- sum(nc); d2 <- matrix(0, K, K)
 *   for (a in 1:K) for (b in 1:K) d2[a, b] <- switch(level,
 *     nominal = as.numeric(a != b), interval = (vals[a] - vals[b])^2,
 *     ordinal = { lo <- min(a, b); hi <- max(a, b)
 *                 (sum(nc[lo:hi]) - (nc[a] + nc[b]) / 2)^2 })
 *   1 - (sum(o * d2) / n) / (sum(outer(nc, nc) * d2) / (n * (n - 1))) }
 */
#include <math.h>
#include <string.h>

#include "test_util.h"

#include "stats_kripp.h"

#define NA NAN

/* t(rbind(A, B, C, D)): 12 units x 4 observers. */
static const double X[12 * 4] = {
	1, 1, NA, 1, 2,  2, 3, 2, 3,  3,  3, 3, 3,  3, 3,  3,
	2, 2, 2,  2, 1,  2, 3, 4, 4,  4,  4, 4, 1,  1, 2,  1,
	2, 2, 2,  2, NA, 5, 5, 5, NA, NA, 1, 1, NA, 3, NA, NA,
};

static void
test_krippendorff_2011_worked_example(void **state)
{
	(void) state;
	stats_kripp_result r;
	char               err[TD_ERRMSG_MAX];
	assert_int_equal(
	    stats_kripp_alpha(X, 12, 4, STATS_KRIPP_NOMINAL, &r, err), TD_OK);
	assert_rel(r.alpha, 0.74342105263157898, 1e-12); /* published 0.743 */
	assert_int_equal(r.units, 11); /* unit 12 has one value */
	assert_rel(r.n, 40, 1e-12);
	assert_int_equal(
	    stats_kripp_alpha(X, 12, 4, STATS_KRIPP_ORDINAL, &r, err), TD_OK);
	assert_rel(r.alpha, 0.81538750375488134, 1e-12); /* published 0.815 */
	assert_int_equal(
	    stats_kripp_alpha(X, 12, 4, STATS_KRIPP_INTERVAL, &r, err), TD_OK);
	assert_rel(r.alpha, 0.84910714285714284, 1e-12); /* published 0.849 */
}

/* Two raters, no missing: a <- c(1,2,3,4,2,3,1,4,3,2);
 * b <- c(1,3,3,4,2,2,2,4,3,1); ka(cbind(a, b), level) */
static void
test_two_raters(void **state)
{
	(void) state;
	static const double x[]
	    = { 1, 1, 2, 3, 3, 3, 4, 4, 2, 2, 3, 2, 1, 2, 4, 4, 3, 3, 2, 1 };
	stats_kripp_result r;
	assert_int_equal(
	    stats_kripp_alpha(x, 10, 2, STATS_KRIPP_NOMINAL, &r, NULL), TD_OK);
	assert_rel(r.alpha, 0.4864864864864864, 1e-12);
	assert_int_equal(
	    stats_kripp_alpha(x, 10, 2, STATS_KRIPP_ORDINAL, &r, NULL), TD_OK);
	assert_rel(r.alpha, 0.81306451612903219, 1e-12);
	assert_int_equal(
	    stats_kripp_alpha(x, 10, 2, STATS_KRIPP_INTERVAL, &r, NULL),
	    TD_OK);
	assert_rel(r.alpha, 0.81904761904761902, 1e-12);
}

static void
test_undefined(void **state)
{
	(void) state;
	static const double same[] = { 2, 2, 2, 2 };
	static const double lone[] = { 2, NA, NA, 3 };
	stats_kripp_result  r;
	char                err[TD_ERRMSG_MAX];
	assert_int_equal(
	    stats_kripp_alpha(same, 2, 2, STATS_KRIPP_NOMINAL, &r, err),
	    TD_EZEROVAR);
	assert_int_equal(
	    stats_kripp_alpha(lone, 2, 2, STATS_KRIPP_NOMINAL, &r, err),
	    TD_ETOOFEW);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_krippendorff_2011_worked_example),
		cmocka_unit_test(test_two_raters),
		cmocka_unit_test(test_undefined),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
