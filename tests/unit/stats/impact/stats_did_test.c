/* SPDX-License-Identifier: MIT
 * Unit tests of difference-in-differences, Hedges' g and dose-response
 * (server/stats/impact/stats_did.c) against R 4.2: lm, t.test and
 * metafor 3.8-1 escalc, computed once; each expected value carries its R
 * expression.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "stats_did.h"
#include "test_util.h"

/* The data set, in R (the two schools with a missing period are left out
 * of the R vectors, as the code must leave them out):
 *   tr  <- c(1,1,1,1,1,1, 0,0,0,0,0,0,0)
 *   pre <- c(61.2,55.4,70.1,48.9,64.0,58.3,
 *            60.5,52.2,67.8,49.5,63.3,57.0,71.4)
 *   pst <- c(66.0,58.9,76.3,53.0,67.1,64.8,
 *            61.9,53.0,69.9,49.1,65.2,58.8,72.0)
 *   w   <- c(420,310,505,275,390,350, 450,290,520,300,410,330,480)
 *   hrs <- c(12,6,20,9,4,16, NA,NA,NA,NA,NA,NA,NA)
 *   ch  <- pst - pre
 *   d   <- data.frame(y=c(pre,pst), treat=rep(tr,2),
 *                     post=rep(0:1, each=13))
 *   fit <- lm(y ~ treat*post, data=d)
 *   tt  <- t.test(ch[tr==1], ch[tr==0])
 *   did <- unname(tt$estimate[1] - tt$estimate[2])
 *   es  <- escalc("SMD", m1i=did, sd1i=sd(pre[tr==1]), n1i=6, m2i=0,
 *                 sd2i=sd(pre[tr==0]), n2i=7)
 *   dr  <- lm(ch ~ hrs, subset = tr==1)
 */
static const stats_did_school schools[] = {
	{ true, 61.2, 66.0, 420, 12 },
	{ true, 55.4, 58.9, 310, 6 },
	{ true, 70.1, 76.3, 505, 20 },
	{ true, 59.0, NAN, 400, 10 }, /* no post: skipped */
	{ true, 48.9, 53.0, 275, 9 },
	{ true, 64.0, 67.1, 390, 4 },
	{ true, 58.3, 64.8, 350, 16 },
	{ false, 60.5, 61.9, 450, NAN },
	{ false, 52.2, 53.0, 290, NAN },
	{ false, 67.8, 69.9, 520, NAN },
	{ false, NAN, 60.0, 380, NAN }, /* no pre: skipped */
	{ false, 49.5, 49.1, 300, NAN },
	{ false, 63.3, 65.2, 410, NAN },
	{ false, 57.0, 58.8, 330, NAN },
	{ false, 71.4, 72.0, 480, NAN },
};
#define N_SCHOOLS (sizeof(schools) / sizeof(schools[0]))

static void
test_did_unweighted_matches_lm_ttest_escalc(void **state)
{
	stats_did_result r;
	char             err[TD_ERRMSG_MAX];

	assert_int_equal(stats_did_compute(schools, N_SCHOOLS, NULL, &r, err),
	                 0);
	assert_int_equal(r.n_treated, 6);
	assert_int_equal(r.n_comparison, 7);
	assert_int_equal(r.n_skipped, 2);
	assert_rel(r.mean_pre_treated, 59.649999999999999,
	           1e-9); /* mean(pre[tr==1]) */
	assert_rel(r.mean_post_comparison, 61.414285714285718,
	           1e-9); /* mean(pst[tr==0]) */
	assert_rel(r.estimate, 3.5285714285714245,
	           1e-9); /* coef(fit)["treat:post"] */

	/* Stacked OLS: summary(fit)$coefficients["treat:post", ] */
	assert_true(r.ols.available);
	assert_rel(r.ols.se, 6.2479614486207273, 1e-9);
	assert_rel(r.ols.df, 22, 1e-9); /* fit$df.residual */
	/* library(sandwich); d$school <- rep(1:13, 2)
	 * sqrt(vcovCL(fit, cluster = ~school, type = "HC1")[4, 4]); CR2
	 * (type = "HC2") is 0.66508656282805434, the Welch SE below. */
	assert_true(r.cluster.available);
	assert_rel(r.cluster.se, 0.67610759198164905, 1e-9);
	assert_rel(r.cluster.df, 12, 1e-9); /* schools - 1 */
	assert_rel(r.ols.p, 0.57795373218693402, 1e-9);
	assert_rel(r.ols.ci_lo, -9.428907549025725,
	           1e-9); /* confint(fit)["treat:post",1] */
	assert_rel(r.ols.ci_hi, 16.486050406168573,
	           1e-9); /* confint(fit)["treat:post",2] */

	/* Welch on changes, the default headline: tt$stderr, tt$parameter,
	 * tt$conf.int, tt$p.value, tt$statistic */
	assert_int_equal(r.se_method, STATS_DID_SE_CHANGE);
	assert_true(r.change.available);
	assert_rel(r.change.se, 0.66508656282804501, 1e-9);
	assert_rel(r.change.df, 8.2357556560499141, 1e-9);
	assert_rel(r.change.ci_lo, 2.0024875176561685, 1e-9);
	assert_rel(r.change.ci_hi, 5.0546553394866871, 1e-9);
	assert_rel(r.change.p, 0.0006577370460599507, 1e-9);
	assert_rel(r.change.t, 5.3054318426874056, 1e-9);
	assert_rel(r.se, 0.66508656282804501, 1e-9);
	assert_rel(r.ci_lo, 2.0024875176561685, 1e-9);
	assert_rel(r.ci_hi, 5.0546553394866871, 1e-9);

	/* Hedges' g: es$yi, es$vi, summary(es)$ci.lb / ci.ub */
	assert_rel(r.sd_pre_treated, 7.2934902481596549,
	           1e-9); /* sd(pre[tr==1]) */
	assert_rel(r.sd_pre_comparison, 7.9751399450327609,
	           1e-9); /* sd(pre[tr==0]) */
	assert_rel(r.g_j, 0.92995980997577854,
	           1e-9); /* metafor:::.cmicalc(11) */
	assert_rel(r.g, 0.42766986590496164, 1e-9);
	assert_rel(r.g_v, 0.3165584831470083, 1e-9);
	assert_rel(r.g_ci_lo, -0.6750750626032711, 1e-9);
	assert_rel(r.g_ci_hi, 1.5304147944131943, 1e-9);

	/* Dose-response: coef(dr), summary(dr)$coefficients[2,2],
	 * confint(dr)[2, ] */
	assert_true(r.has_dose);
	assert_int_equal(r.dose.n, 6);
	assert_rel(r.dose.slope, 0.22182146077547374, 1e-9);
	assert_rel(r.dose.intercept, 2.2229936880072092, 1e-9);
	assert_rel(r.dose.se, 0.032173730418506422, 1e-9);
	assert_rel(r.dose.df, 4, 1e-9);
	assert_rel(r.dose.ci_lo, 0.13249286443905822, 1e-9);
	assert_rel(r.dose.ci_hi, 0.31115005711188926, 1e-9);
}

static void
test_did_ols_headline_when_chosen(void **state)
{
	stats_did_options o;
	stats_did_result  r;
	char              err[TD_ERRMSG_MAX];

	stats_did_options_init(&o);
	o.se_method = STATS_DID_SE_OLS;
	assert_int_equal(stats_did_compute(schools, N_SCHOOLS, &o, &r, err),
	                 0);
	assert_int_equal(r.se_method, STATS_DID_SE_OLS);
	assert_rel(r.se, 6.2479614486207273, 1e-9); /* as above, from lm */
	assert_rel(r.df, 22, 1e-9);
	assert_rel(r.ci_lo, -9.428907549025725, 1e-9);
}

/* Weighted, in R (same vectors):
 *   fw  <- lm(y ~ treat*post, data=d, weights=rep(w,2))
 *   vt  <- summary(lm(ch ~ 1, weights=w, subset=tr==1))$coefficients[1,2]^2
 *   vc  <- summary(lm(ch ~ 1, weights=w, subset=tr==0))$coefficients[1,2]^2
 *   wse <- sqrt(vt+vc); wdf <- (vt+vc)^2/(vt^2/5 + vc^2/6)
 *   west <- coef(fw)["treat:post"]
 *   ew  <- escalc("SMD", m1i=west, sd1i=sd(pre[tr==1]), n1i=6, m2i=0,
 *                 sd2i=sd(pre[tr==0]), n2i=7)
 *   dw  <- lm(ch ~ hrs, subset = tr==1, weights=w)
 */
static void
test_did_weighted_matches_weighted_lm(void **state)
{
	stats_did_options o;
	stats_did_result  r;
	char              err[TD_ERRMSG_MAX];

	stats_did_options_init(&o);
	o.use_weights = true;
	assert_int_equal(stats_did_compute(schools, N_SCHOOLS, &o, &r, err),
	                 0);
	assert_rel(r.estimate, 3.5621390887290341, 1e-9); /* west */
	/* summary(fw)$coefficients["treat:post",2], confint(fw)[...] */
	assert_rel(r.ols.se, 6.1516506719080226, 1e-9);
	assert_rel(r.ols.ci_lo, -9.1956035628947177, 1e-9);
	assert_rel(r.ols.ci_hi, 16.319881740352788, 1e-9);
	assert_rel(r.change.se, 0.66384408438411135, 1e-9); /* wse */
	/* School-clustered CR1 of the weighted fit:
	 * sqrt(vcovCL(fw, cluster = ~school, type = "HC1")[4, 4]) with
	 * d$school <- rep(1:13, 2) */
	assert_rel(r.cluster.se, 0.68363223258384065, 1e-9);
	assert_rel(r.change.df, 7.9394909113915864, 1e-9); /* wdf */
	/* west - qt(0.975, wdf)*wse, west + qt(0.975, wdf)*wse */
	assert_rel(r.change.ci_lo, 2.0292787311055651, 1e-9);
	assert_rel(r.change.ci_hi, 5.094999446352503, 1e-9);
	assert_rel(r.g, 0.43173833299113279, 1e-9); /* ew$yi */
	/* coef(dw)[2], summary(dw)$coefficients[2,2], confint(dw)[2, ] */
	assert_rel(r.dose.slope, 0.21375172376308726, 1e-9);
	assert_rel(r.dose.se, 0.030950558699988376, 1e-9);
	assert_rel(r.dose.ci_lo, 0.12781919655736756, 1e-9);
	assert_rel(r.dose.ci_hi, 0.29968425096880696, 1e-9);
}

static void
test_did_no_comparison_schools_is_etoofew(void **state)
{
	stats_did_result r;
	char             err[TD_ERRMSG_MAX];

	/* The first seven rows are all treated. */
	assert_int_equal(stats_did_compute(schools, 7, NULL, &r, err),
	                 TD_ETOOFEW);
	assert_non_null(strstr(err, "no comparison schools"));
	assert_int_equal(stats_did_compute(schools + 7, 8, NULL, &r, err),
	                 TD_ETOOFEW);
	assert_non_null(strstr(err, "no treated schools"));
}

static void
test_did_one_school_per_group_is_etoofew(void **state)
{
	const stats_did_school two[] = {
		{ true, 50, 55, 1, NAN },
		{ false, 52, 53, 1, NAN },
		{ false, 49, 51, 1, NAN },
	};
	stats_did_result r;
	char             err[TD_ERRMSG_MAX];

	assert_int_equal(stats_did_compute(two, 3, NULL, &r, err), TD_ETOOFEW);
	assert_non_null(strstr(err, "found 1 and 2"));
	assert_int_equal(stats_did_compute(NULL, 0, NULL, &r, err),
	                 TD_ETOOFEW);
	assert_int_equal(stats_did_compute(NULL, 3, NULL, &r, err), TD_EINVAL);
}

static void
test_did_no_pre_period_is_etoofew(void **state)
{
	const stats_did_school nopre[] = {
		{ true, NAN, 55, 1, NAN },
		{ true, NAN, 57, 1, NAN },
		{ false, NAN, 53, 1, NAN },
		{ false, NAN, 51, 1, NAN },
	};
	stats_did_result r;
	char             err[TD_ERRMSG_MAX];

	assert_int_equal(stats_did_compute(nopre, 4, NULL, &r, err),
	                 TD_ETOOFEW);
	assert_non_null(strstr(err, "no pre period"));
}

static void
test_did_zero_pre_sd_is_ezerovar(void **state)
{
	const stats_did_school flat[] = {
		{ true, 50, 55, 1, NAN },
		{ true, 50, 57, 1, NAN },
		{ false, 50, 53, 1, NAN },
		{ false, 50, 51, 1, NAN },
	};
	stats_did_result r;
	char             err[TD_ERRMSG_MAX];

	assert_int_equal(stats_did_compute(flat, 4, NULL, &r, err),
	                 TD_EZEROVAR);
	assert_non_null(strstr(err, "pre-period SD is 0"));
	assert_true(r.g == 0.0 && r.se == 0.0); /* cleared, not NaN */
}

static void
test_did_identical_changes_zero_welch_se(void **state)
{
	/* Every treated school gains exactly 3, every comparison exactly 1:
	 * the Welch SE is 0, so the default fails clearly, while OLS (which
	 * also sees the spread of levels) still answers. */
	const stats_did_school same[] = {
		{ true, 50, 53, 1, NAN },
		{ true, 60, 63, 1, NAN },
		{ false, 52, 53, 1, NAN },
		{ false, 58, 59, 1, NAN },
	};
	stats_did_options o;
	stats_did_result  r;
	char              err[TD_ERRMSG_MAX];

	assert_int_equal(stats_did_compute(same, 4, NULL, &r, err),
	                 TD_EZEROVAR);
	assert_non_null(strstr(err, "no spread"));

	stats_did_options_init(&o);
	o.se_method = STATS_DID_SE_OLS;
	assert_int_equal(stats_did_compute(same, 4, &o, &r, err), 0);
	assert_false(r.change.available);
	assert_true(r.change.se == 0.0);
	assert_true(r.ols.available);
	/* d <- data.frame(y=c(50,60,52,58,53,63,53,59),
	 * treat=rep(c(1,1,0,0),2), post=rep(0:1, each=4)) coef(lm(y ~
	 * treat*post, d))["treat:post"], summary(lm(y ~ treat*post,
	 * d))$coefficients["treat:post",2] */
	assert_rel(r.estimate, 1.9999999999999896, 1e-9);
	assert_rel(r.ols.se, 8.2462112512353158, 1e-9);
}

static void
test_did_dose_needs_three_varying_hours(void **state)
{
	stats_did_school s[] = {
		{ true, 50, 53, 1, 5 },    { true, 60, 64, 1, 5 },
		{ true, 55, 57, 1, NAN },  { false, 52, 53, 1, NAN },
		{ false, 58, 58, 1, NAN },
	};
	stats_did_result r;
	char             err[TD_ERRMSG_MAX];

	assert_int_equal(stats_did_compute(s, 5, NULL, &r, err), 0);
	assert_false(r.has_dose);
	assert_non_null(strstr(r.dose_reason, "found 2"));
	s[2].hours = 5;
	assert_int_equal(stats_did_compute(s, 5, NULL, &r, err), 0);
	assert_false(r.has_dose);
	assert_non_null(strstr(r.dose_reason, "same hours"));
	s[2].hours = -1;
	assert_int_equal(stats_did_compute(s, 5, NULL, &r, err), TD_EINVAL);
	assert_non_null(strstr(err, "hours"));
}

static void
test_did_bad_weight_is_einval(void **state)
{
	stats_did_school  s[N_SCHOOLS];
	stats_did_options o;
	stats_did_result  r;
	char              err[TD_ERRMSG_MAX];

	memcpy(s, schools, sizeof(s));
	s[2].weight = 0;
	stats_did_options_init(&o);
	o.use_weights = true;
	assert_int_equal(stats_did_compute(s, N_SCHOOLS, &o, &r, err),
	                 TD_EINVAL);
	assert_non_null(strstr(err, "school 2: weight 0"));
	/* A missing weight skips the school instead. */
	s[2].weight = NAN;
	assert_int_equal(stats_did_compute(s, N_SCHOOLS, &o, &r, err), 0);
	assert_int_equal(r.n_skipped, 3);
	/* Unweighted runs never look at the weight. */
	s[2].weight = -4;
	assert_int_equal(stats_did_compute(s, N_SCHOOLS, NULL, &r, err), 0);
}

static void
test_did_effect_core_flags_degenerate_resamples(void **state)
{
	const stats_did_school flat[] = {
		{ true, 50, 55, 1, NAN },
		{ true, 50, 57, 1, NAN },
		{ false, 50, 53, 1, NAN },
		{ false, 50, 51, 1, NAN },
	};
	double est, g;

	assert_int_equal(stats_did_effect(flat, 4, false, &est, &g),
	                 TD_EZEROVAR);
	assert_int_equal(stats_did_effect(flat, 3, false, &est, &g),
	                 TD_ETOOFEW);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_did_unweighted_matches_lm_ttest_escalc),
		cmocka_unit_test(test_did_ols_headline_when_chosen),
		cmocka_unit_test(test_did_weighted_matches_weighted_lm),
		cmocka_unit_test(test_did_no_comparison_schools_is_etoofew),
		cmocka_unit_test(test_did_one_school_per_group_is_etoofew),
		cmocka_unit_test(test_did_no_pre_period_is_etoofew),
		cmocka_unit_test(test_did_zero_pre_sd_is_ezerovar),
		cmocka_unit_test(test_did_identical_changes_zero_welch_se),
		cmocka_unit_test(test_did_dose_needs_three_varying_hours),
		cmocka_unit_test(test_did_bad_weight_is_einval),
		cmocka_unit_test(
		    test_did_effect_core_flags_degenerate_resamples),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
