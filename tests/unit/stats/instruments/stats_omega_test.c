/* SPDX-License-Identifier: MIT
 * Unit tests for stats_omega against R's factanal (stats 4.2), values
 * printed with sprintf('%.17g', x):
 *
 * l0 <- c(0.8, 0.7, 0.6, 0.5, 0.65); R <- l0 %o% l0; diag(R) <- 1
 * R[1,2] <- R[2,1] <- 0.58; R[3,5] <- R[5,3] <- 0.36
 * R[2,4] <- R[4,2] <- 0.31; R[1,4] <- R[4,1] <- 0.42
 * f <- factanal(covmat = R, factors = 1,
 *               control = list(opt = list(factr = 10, pgtol = 0)))
 * l <- as.vector(f$loadings); sum(l)^2 / (sum(l)^2 + sum(1 - l^2))
 * (factanal's default tolerance moves the loadings by ~1e-7.)
 */
#include <math.h>
#include <string.h>

#include "test_util.h"

#include "stats_omega.h"

static const double R5[25] = {
	1,     0.58,  0.48, 0.42,  0.52, 0.58,  1,    0.42, 0.31,
	0.455, 0.48,  0.42, 1,     0.30, 0.36,  0.42, 0.31, 0.30,
	1,     0.325, 0.52, 0.455, 0.36, 0.325, 1,
};

static void
test_matches_factanal(void **state)
{
	(void) state;
	stats_omega_result  r;
	char                err[TD_ERRMSG_MAX];
	static const double want[5]
	    = { 0.82721669769644557, 0.69993470810249259, 0.58483686013690617,
		0.4946592242503231, 0.63440800156268973 };
	assert_int_equal(stats_omega_from_cor(R5, 5, &r, err), TD_OK);
	for (int j = 0; j < 5; j++) {
		assert_rel(r.loadings[j], want[j], 1e-6);
	}
	assert_rel(r.omega, 0.7873774035510519, 1e-7);
	assert_false(r.heywood);
	stats_omega_result_free(&r);
}

/* Raw responses: a Heywood case, where factanal holds the first
 * uniqueness at its bound 0.005.
 * X <- matrix(c(4,5,3,3, 3,3,2,4, 5,4,5,4, 2,3,2,2, 4,4,5,3, 3,2,3,4,
 *   5,4,3,5, 1,2,2,2, 4,3,4,4, 2,2,3,1, 3,4,2,3, 5,5,4,3, 2,1,2,3,
 *   4,5,5,4, 3,3,4,2, 2,3,1,2), ncol = 4, byrow = TRUE)
 * f <- factanal(covmat = cor(X), factors = 1): loadings
 * 0.99751619693459459 0.75482507468299098 0.70646586385423538
 * 0.69579330647280591, omega 0.87267238354904808 */
static void
test_raw_heywood(void **state)
{
	(void) state;
	static const double x[]
	    = { 4, 5, 3, 3, 3, 3, 2, 4, 5, 4, 5, 4, 2, 3, 2, 2,
		4, 4, 5, 3, 3, 2, 3, 4, 5, 4, 3, 5, 1, 2, 2, 2,
		4, 3, 4, 4, 2, 2, 3, 1, 3, 4, 2, 3, 5, 5, 4, 3,
		2, 1, 2, 3, 4, 5, 5, 4, 3, 3, 4, 2, 2, 3, 1, 2 };
	stats_omega_result r;
	char               err[TD_ERRMSG_MAX];
	assert_int_equal(stats_omega(x, 16, 4, &r, err), TD_OK);
	assert_int_equal(r.n, 16);
	assert_true(r.heywood);
	assert_rel(r.loadings[0], 0.99751619693459459, 1e-5);
	assert_rel(r.loadings[1], 0.75482507468299098, 1e-4);
	assert_rel(r.omega, 0.87267238354904808, 1e-4);
	stats_omega_result_free(&r);
}

static void
test_bad_input(void **state)
{
	(void) state;
	stats_omega_result  r;
	char                err[TD_ERRMSG_MAX];
	static const double flat[] = { 1, 2, 3, 1, 3, 3, 1, 4, 3, 1, 5, 3 };
	assert_int_equal(stats_omega_from_cor(R5, 2, &r, err), TD_EINVAL);
	assert_int_equal(stats_omega(flat, 4, 3, &r, err), TD_EZEROVAR);
	assert_int_equal(stats_omega(flat, 3, 3, &r, err), TD_ETOOFEW);
	stats_omega_result_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_matches_factanal),
		cmocka_unit_test(test_raw_heywood),
		cmocka_unit_test(test_bad_input),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
