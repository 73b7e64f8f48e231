/* SPDX-License-Identifier: MIT
 * Unit tests for stats_staggered against an R implementation written from
 * ANALYSES.md (Callaway & Sant'Anna 2021, universal base period g - 1,
 * influence-function SEs) and lm + sandwich for the TWFE estimate:
 *
 * coh <- c(2, 2, 3, 3, 3, -1, -1, -1, 1, -1)   # -1 never treated
 * Y <- the 10 x 5 matrix below; N <- nrow(Y)
 * ATT(g,t): d <- Y[, t+1] - Y[, g]; tr <- coh == g & !is.na(d)
 *   never: cc <- coh == -1; not yet: cc <- (coh == -1 |
 *   coh > max(t, g - 1)) & coh != g; cc <- cc & !is.na(d)
 *   psi[tr] <- N / sum(tr) * (d[tr] - mean(d[tr]))
 *   psi[cc] <- -N / sum(cc) * (d[cc] - mean(d[cc]))
 *   att <- mean(d[tr]) - mean(d[cc]); se <- sqrt(sum(psi^2)) / N
 * aggregates: weights n_g / sum(n_g) over the selected (g,t), psi summed
 *   with those weights, se <- sqrt(sum(psi^2)) / N
 * TWFE: f <- lm(y ~ D + factor(school) + factor(year)) on the long data
 *   without NAs, D <- coh >= 0 & year >= coh;
 *   sqrt(vcovCL(f, cluster = ~school, type = "HC1")["D", "D"])
 */
#include <math.h>
#include <string.h>

#include "test_util.h"

#include "stats_staggered.h"

#define NA NAN

static const int    COH[10] = { 2, 2, 3, 3, 3, -1, -1, -1, 1, -1 };
static const double Y[50]   = {
	  50, 51, 55, 57, 58, 48, 49, 54, 55, 57, 52, 52, 53, 57, 58, 47, 49,
	  49, 53, 55, 55, 54, 56, 60, NA, 50, 50, 51, 52, 52, 46, 48, 48, 49,
	  50, 53, 53, 55, 54, 56, 49, 53, 54, 55, 56, 51, NA, 52, 52, 54,
};

static const stats_cs_gt *
gt_of(const stats_cs_result *r, int g, int t)
{
	for (size_t k = 0; k < r->n_gt; k++) {
		if (r->gt[k].g == g && r->gt[k].t == t) {
			return &r->gt[k];
		}
	}
	fail_msg("no ATT(%d, %d)", g, t);
	return NULL;
}

static const stats_cs_estimate *
event_of(const stats_cs_result *r, int e)
{
	for (size_t k = 0; k < r->n_event; k++) {
		if (r->event[k].e == e) {
			return &r->event[k].theta;
		}
	}
	fail_msg("no event time %d", e);
	return NULL;
}

static void
test_never_treated_controls(void **state)
{
	(void) state;
	stats_cs_result r;
	char            err[TD_ERRMSG_MAX];
	assert_int_equal(
	    stats_cs(Y, COH, 10, 5, STATS_CS_CONTROL_NEVER, &r, err), TD_OK);
	assert_int_equal(r.n_cohorts, 3);
	assert_rel(r.overall.est, 4.0625, 1e-12);
	assert_rel(r.overall.se, 0.13370310055201495, 1e-12);
	assert_rel(gt_of(&r, 2, 2)->att.est, 3.5, 1e-12);
	assert_rel(gt_of(&r, 2, 2)->att.se, 0.58925565098878963, 1e-12);
	assert_rel(gt_of(&r, 3, 0)->att.est, 0.16666666666666674, 1e-12);
	assert_rel(gt_of(&r, 3, 0)->att.se, 0.3695592971013909, 1e-12);
	assert_rel(gt_of(&r, 1, 4)->att.se, 0.35355339059327379, 1e-12);
	assert_rel(event_of(&r, -2)->est, -0.13333333333333336, 1e-12);
	assert_rel(event_of(&r, -2)->se, 0.31739681904634887, 1e-12);
	assert_rel(event_of(&r, 0)->est, 3.5972222222222223, 1e-12);
	assert_rel(event_of(&r, 0)->se, 0.1674844904065716, 1e-12);
	assert_rel(event_of(&r, 2)->est, 4.8611111111111107, 1e-12);
	assert_rel(event_of(&r, 2)->se, 0.26558906498636048, 1e-12);
	assert_false(event_of(&r, -4)->ok);
	assert_false(event_of(&r, 4)->ok);
	/* TWFE: coef(f)["D"] and its CR1 SE */
	assert_rel(r.twfe.est, 3.9157698220953159, 1e-12);
	assert_rel(r.twfe.se, 0.29909451107171608, 1e-12);
	stats_cs_result_free(&r);
}

static void
test_not_yet_treated_controls(void **state)
{
	(void) state;
	stats_cs_result r;
	assert_int_equal(
	    stats_cs(Y, COH, 10, 5, STATS_CS_CONTROL_NOTYET, &r, NULL), TD_OK);
	assert_rel(r.overall.est, 4.0695684523809526, 1e-12);
	assert_rel(r.overall.se, 0.13861318099414141, 1e-12);
	assert_rel(gt_of(&r, 2, 2)->att.se, 0.48591265790377508, 1e-12);
	assert_rel(event_of(&r, -2)->est, -0.20000000000000001, 1e-12);
	assert_rel(event_of(&r, -2)->se, 0.46904157598234297, 1e-12);
	assert_rel(event_of(&r, 1)->est, 4.1507936507936503, 1e-12);
	assert_rel(event_of(&r, 1)->se, 0.19323119029011498, 1e-12);
	stats_cs_result_free(&r);
}

static void
test_refusals(void **state)
{
	(void) state;
	stats_cs_result r;
	char            err[TD_ERRMSG_MAX];
	int             none[10] = { -1, -1, -1, -1, -1, -1, -1, -1, -1, -1 };
	int             all[10]  = { 2, 2, 3, 3, 3, 2, 2, 3, 1, 1 };
	int             bad[10]  = { 7, 2, 3, 3, 3, -1, -1, -1, 1, -1 };
	assert_int_equal(
	    stats_cs(Y, none, 10, 5, STATS_CS_CONTROL_NEVER, &r, err),
	    TD_ETOOFEW);
	assert_int_equal(
	    stats_cs(Y, all, 10, 5, STATS_CS_CONTROL_NEVER, &r, err),
	    TD_ETOOFEW);
	assert_int_equal(
	    stats_cs(Y, bad, 10, 5, STATS_CS_CONTROL_NEVER, &r, err),
	    TD_EINVAL);
	stats_cs_result_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_never_treated_controls),
		cmocka_unit_test(test_not_yet_treated_controls),
		cmocka_unit_test(test_refusals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
