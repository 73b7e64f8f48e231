/* SPDX-License-Identifier: MIT
 * Tests for group comparison (stats_compare): group intervals, Welch's t,
 * Hedges' g, ANOVA and the design effect against R 4.2 (t.test, aov,
 * metafor 3.8 escalc) and scipy 1.10, plus suppression and degenerate
 * groups.
 */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "stats_compare.h"
#include "test_util.h"

#define REL 1e-9

/* R: A <- c(72, 68, 75, 80, 66, 71); B <- c(60, 65, 58, 70, 62);
 *    C <- c(77, 82, 79, 85, 74, 80, 78); D <- 90 */
static const double VALUES[] = { 72, 68, 75, 80, 66, 71, 60, 65, 58, 70,
	                         62, 77, 82, 79, 85, 74, 80, 78, 90 };
static const size_t GROUP[]
    = { 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 3 };
#define N_ABC 18 /* the first 18 values: groups A, B, C */

/* mean(x), sd(x), t.test(x)$conf.int for x in A, B, C */
static const double R_MEAN[3] = { 72, 63, 79.285714285714292 };
static const double R_SD[3]
    = { 5.0199601592044534, 4.6904157598234297, 3.5456210417116734 };
static const double R_CI[3][2] = {
	{ 66.731874898072931, 77.268125101927069 },
	{ 57.176079614419692, 68.823920385580308 },
	{ 76.00656174014027, 82.564866831288313 },
};
/* rest <- the other two groups; t <- t.test(x, rest):
 * mean(rest), t$statistic, t$parameter, t$p.value */
static const double R_REST[3][4] = {
	{ 72.5, -0.14875100224142651, 15.742922210784137, 0.8836388592791341 },
	{ 75.92307692307692, -4.9592272753976934, 8.6737057553898094,
	  0.00087202690796159374 },
	{ 67.909090909090907, 4.7445295241487964, 15.73649268677128,
	  0.00022970245663357837 },
};
/* e <- escalc("SMD", m1i = mean(x), sd1i = sd(x), n1i = length(x),
 *             m2i = mean(rest), sd2i = sd(rest), n2i = length(rest))
 * d <- e$yi / metafor:::.cmicalc(m)   (metafor's g uses the exact J;
 * dividing it out gives Cohen's d), m = n1 + n2 - 2, then by hand
 * g <- (1 - 3/(4*m - 1)) * d; v <- 1/n1 + 1/n2 + g^2/(2*(n1+n2));
 * g -/+ 1.96*sqrt(v): d, g, v, lower, upper */
static const double R_HEDGES[3][5] = {
	{ -0.061342767213174436, -0.058421683060166124, 0.25009480814032176,
	  -1.038607489400913, 0.92176412328058066 },
	{ -2.4077516799720722, -2.2930968380686401, 0.42298677438864346,
	  -3.5678305328031179, -1.0183631433341624 },
	{ 2.0143946639986239, 1.9184711085701178, 0.33600321694451868,
	  0.78234173292046827, 3.0546004842197672 },
};
/* s <- summary(aov(y ~ g))[[1]] over A, B, C:
 * F, p, SSB, SSW, SSB / (SSB + SSW) */
static const double R_ANOVA[5]
    = { 20.071569595261604, 5.7477556614000983e-05, 774.57142857142878,
	289.42857142857144, 0.72798066595059086 };

static void
check_abc_vs_rest(const stats_compare_result *res)
{
	size_t i;

	assert_int_equal(res->n_used, 3);
	assert_int_equal(res->n_total, 18);
	for (i = 0; i < 3; i++) {
		const stats_compare_group *g = &res->groups[i];

		assert_rel(g->mean, R_MEAN[i], REL);
		assert_true(g->has_sd && g->has_ci);
		assert_rel(g->sd, R_SD[i], REL);
		assert_rel(g->ci_lower, R_CI[i][0], REL);
		assert_rel(g->ci_upper, R_CI[i][1], REL);
		assert_true(g->has_comparison && g->has_welch && g->has_g);
		assert_rel(g->ref_mean, R_REST[i][0], REL);
		assert_rel(g->t, R_REST[i][1], REL);
		assert_rel(g->df, R_REST[i][2], REL);
		assert_rel(g->p, R_REST[i][3], REL);
		assert_rel(g->d, R_HEDGES[i][0], REL);
		assert_rel(g->g, R_HEDGES[i][1], REL);
		assert_rel(g->g_var, R_HEDGES[i][2], REL);
		assert_rel(g->g_lower, R_HEDGES[i][3], REL);
		assert_rel(g->g_upper, R_HEDGES[i][4], REL);
	}
	assert_true(res->has_anova);
	assert_rel(res->f, R_ANOVA[0], REL);
	assert_rel(res->p, R_ANOVA[1], REL);
	assert_rel(res->ss_between, R_ANOVA[2], REL);
	assert_rel(res->ss_within, R_ANOVA[3], REL);
	assert_rel(res->eta2, R_ANOVA[4], REL);
	assert_rel(res->df_between, 2.0, 0.0);
	assert_rel(res->df_within, 15.0, 0.0);
}

static void
test_raw_values_each_group_vs_rest_matches_r(void **state)
{
	stats_compare_result res;
	char                 errmsg[TD_ERRMSG_MAX];

	(void) state;
	assert_int_equal(
	    stats_compare_values(VALUES, GROUP, N_ABC, 3, NULL, &res, errmsg),
	    TD_OK);
	check_abc_vs_rest(&res);
	assert_false(res.has_design_effect);
	stats_compare_result_free(&res);
}

static void
test_summaries_give_the_same_as_raw_values(void **state)
{
	stats_group_summary  s[3];
	stats_compare_result res;
	char                 errmsg[TD_ERRMSG_MAX];
	size_t               i;

	(void) state;
	for (i = 0; i < 3; i++) {
		s[i].mean = R_MEAN[i];
		s[i].sd   = R_SD[i];
	}
	s[0].n = 6;
	s[1].n = 5;
	s[2].n = 7;
	assert_int_equal(stats_compare(s, 3, NULL, &res, errmsg), TD_OK);
	check_abc_vs_rest(&res);
	stats_compare_result_free(&res);
}

static void
test_missing_values_are_skipped(void **state)
{
	double               v[N_ABC + 2];
	size_t               g[N_ABC + 2];
	stats_compare_result res;
	char                 errmsg[TD_ERRMSG_MAX];

	(void) state;
	memcpy(v, VALUES, N_ABC * sizeof(double));
	memcpy(g, GROUP, N_ABC * sizeof(size_t));
	v[N_ABC]     = NAN;
	g[N_ABC]     = 0;
	v[N_ABC + 1] = NAN;
	g[N_ABC + 1] = 2;
	assert_int_equal(
	    stats_compare_values(v, g, N_ABC + 2, 3, NULL, &res, errmsg),
	    TD_OK);
	check_abc_vs_rest(&res);
	stats_compare_result_free(&res);
}

static void
test_named_reference_group(void **state)
{
	stats_compare_options opt;
	stats_compare_result  res;
	char                  errmsg[TD_ERRMSG_MAX];

	(void) state;
	stats_compare_options_init(&opt);
	opt.reference = 1; /* B */
	assert_int_equal(
	    stats_compare_values(VALUES, GROUP, N_ABC, 3, &opt, &res, errmsg),
	    TD_OK);
	assert_false(res.groups[1].has_comparison);
	/* t <- t.test(A, B): statistic, parameter, p.value */
	assert_rel(res.groups[0].t, 3.0689745276171307, REL);
	assert_rel(res.groups[0].df, 8.8384321223709357, REL);
	assert_rel(res.groups[0].p, 0.013661039370147496, REL);
	assert_rel(res.groups[0].diff, 9.0, REL);
	/* escalc / by hand as above, A vs B: g, v */
	assert_rel(res.groups[0].g, 1.6874806884265972, REL);
	assert_rel(res.groups[0].g_var, 0.49610262456724408, REL);
	/* t.test(C, B) */
	assert_rel(res.groups[2].t, 6.54265420992673, REL);
	assert_rel(res.groups[2].df, 7.1388229413969775, REL);
	assert_rel(res.groups[2].p, 0.00029520584768334555, REL);
	assert_rel(res.groups[2].g_upper, 5.5975817701119031, REL);
	stats_compare_result_free(&res);
}

static void
test_group_of_one_has_no_sd_or_welch_but_has_g(void **state)
{
	stats_compare_result       res;
	char                       errmsg[TD_ERRMSG_MAX];
	const stats_compare_group *d;

	(void) state;
	assert_int_equal(stats_compare_values(VALUES, GROUP, N_ABC + 1, 4,
	                                      NULL, &res, errmsg),
	                 TD_OK);
	d = &res.groups[3];
	assert_int_equal(d->n, 1);
	assert_false(d->has_sd);
	assert_false(d->has_ci);
	assert_false(d->has_welch);
	/* escalc("SMD", m1i = 90, sd1i = 0, n1i = 1, m2i = mean(c(A, B, C)),
	 * sd2i = sd(c(A, B, C)), n2i = 18) and by hand as above:
	 * d, g, v, lower, upper */
	assert_true(d->has_g);
	assert_rel(d->d, 2.2331004629275313, REL);
	assert_rel(d->g, 2.1331108899606268, REL);
	assert_rel(d->g_var, 1.1752966626310455, REL);
	assert_rel(d->g_lower, 0.0082533278724232773, REL);
	assert_rel(d->g_upper, 4.2579684520488303, REL);
	/* t.test(A, c(B, C, D)): the single value still counts in the rest */
	assert_rel(res.groups[0].t, -0.53252748169272768, REL);
	assert_rel(res.groups[0].df, 16.752855024829756, REL);
	assert_rel(res.groups[0].p, 0.60135329253455971, REL);
	/* summary(aov(y ~ g)) with D: F, p, SSB / (SSB + SSW) */
	assert_rel(res.f, 18.489115186782382, REL);
	assert_rel(res.p, 2.6689613819519947e-05, REL);
	assert_rel(res.eta2, 0.78713544719583295, REL);
	stats_compare_result_free(&res);
}

static void
test_rollup_summaries_match_scipy(void **state)
{
	stats_group_summary s[2] = { { 3.42, 0.81, 120 }, { 3.10, 0.95, 85 } };
	stats_compare_options opt;
	stats_compare_result  res;
	char                  errmsg[TD_ERRMSG_MAX];

	(void) state;
	stats_compare_options_init(&opt);
	opt.reference = 1;
	assert_int_equal(stats_compare(s, 2, &opt, &res, errmsg), TD_OK);
	/* scipy.stats.ttest_ind_from_stats(3.42, 0.81, 120, 3.10, 0.95, 85,
	 * equal_var=False): statistic, pvalue */
	assert_rel(res.groups[0].t, 2.523117410577191, REL);
	assert_rel(res.groups[0].p, 0.01259326595542127, REL);
	/* R: mk <- function(m, s, n) m + s * as.vector(scale(rnorm(n)));
	 * t.test(mk(3.42, 0.81, 120), mk(3.10, 0.95, 85))$parameter */
	assert_rel(res.groups[0].df, 162.38921366567078, REL);
	stats_compare_result_free(&res);
}

static void
test_small_groups_are_suppressed_and_left_out(void **state)
{
	stats_compare_options opt;
	stats_compare_result  res;
	char                  errmsg[TD_ERRMSG_MAX] = "";

	(void) state;
	stats_compare_options_init(&opt);
	opt.min_n = 6; /* B has 5 */
	assert_int_equal(
	    stats_compare_values(VALUES, GROUP, N_ABC, 3, &opt, &res, errmsg),
	    TD_OK);
	assert_true(res.groups[1].suppressed);
	assert_false(res.groups[1].has_sd);
	assert_false(res.groups[1].has_comparison);
	assert_int_equal(res.n_used, 2);
	/* t.test(A, C): B is not part of the rest either */
	assert_rel(res.groups[0].t, -2.9753926124284766, REL);
	assert_rel(res.groups[0].df, 8.8428388511696312, REL);
	assert_rel(res.groups[0].p, 0.015866027177151427, REL);
	/* summary(aov(c(A, C) ~ factor(rep(1:2, c(6, 7))))): F, p */
	assert_rel(res.f, 9.3653027823240453, REL);
	assert_rel(res.p, 0.010846571146536433, REL);
	stats_compare_result_free(&res);

	opt.reference = 1;
	assert_int_equal(
	    stats_compare_values(VALUES, GROUP, N_ABC, 3, &opt, &res, errmsg),
	    TD_ESUPPRESSED);
	assert_non_null(strstr(errmsg, "reference group 1"));

	opt.reference = STATS_COMPARE_VS_REST;
	opt.min_n     = 100;
	assert_int_equal(
	    stats_compare_values(VALUES, GROUP, N_ABC, 3, &opt, &res, errmsg),
	    TD_ESUPPRESSED);
}

static void
test_one_group_is_too_few(void **state)
{
	stats_compare_result res;
	char                 errmsg[TD_ERRMSG_MAX] = "";

	(void) state;
	assert_int_equal(
	    stats_compare_values(VALUES, GROUP, 6, 1, NULL, &res, errmsg),
	    TD_ETOOFEW);
	assert_non_null(strstr(errmsg, "at least 2 groups"));
	/* Two groups declared, one empty. */
	assert_int_equal(
	    stats_compare_values(VALUES, GROUP, 6, 2, NULL, &res, errmsg),
	    TD_ETOOFEW);
}

static void
test_zero_variance_gives_flags_not_nan(void **state)
{
	static const double  v[] = { 5, 5, 5, 7, 7, 7 };
	static const size_t  g[] = { 0, 0, 0, 1, 1, 1 };
	stats_compare_result res;
	char                 errmsg[TD_ERRMSG_MAX];
	size_t               i;

	(void) state;
	assert_int_equal(stats_compare_values(v, g, 6, 2, NULL, &res, errmsg),
	                 TD_OK);
	for (i = 0; i < 2; i++) {
		assert_true(res.groups[i].has_sd);
		assert_rel(res.groups[i].sd, 0.0, 0.0);
		assert_true(res.groups[i].has_comparison);
		assert_false(res.groups[i].has_welch);
		assert_false(res.groups[i].has_g);
	}
	assert_rel(res.groups[0].diff, -2.0, 0.0);
	assert_false(res.has_anova);
	stats_compare_result_free(&res);
}

static void
test_design_effect(void **state)
{
	stats_compare_options opt;
	stats_compare_result  res;
	double                deff;
	char                  errmsg[TD_ERRMSG_MAX];

	(void) state;
	/* 1 + (25 - 1) * 0.05 */
	assert_int_equal(stats_design_effect(0.05, 25, &deff, errmsg), TD_OK);
	assert_rel(deff, 2.2, 1e-15);
	assert_int_equal(stats_design_effect(1.5, 25, &deff, errmsg),
	                 TD_ERANGE);
	assert_int_equal(stats_design_effect(0.1, 0.5, &deff, errmsg),
	                 TD_ERANGE);
	/* -0.5 < -1/(m - 1) for m = 5 */
	assert_int_equal(stats_design_effect(-0.5, 5, &deff, errmsg),
	                 TD_ERANGE);

	stats_compare_options_init(&opt);
	opt.icc               = 0.12;
	opt.mean_cluster_size = 6;
	assert_int_equal(
	    stats_compare_values(VALUES, GROUP, N_ABC, 3, &opt, &res, errmsg),
	    TD_OK);
	assert_true(res.has_design_effect);
	assert_rel(res.design_effect, 1.6, 1e-15);
	stats_compare_result_free(&res);
}

static void
test_bad_input_is_rejected(void **state)
{
	stats_group_summary   s[2] = { { 3.0, NAN, 10 }, { 2.0, 1.0, 10 } };
	size_t                g[N_ABC];
	stats_compare_options opt;
	stats_compare_result  res;
	char                  errmsg[TD_ERRMSG_MAX] = "";

	(void) state;
	assert_int_equal(stats_compare(s, 2, NULL, &res, errmsg), TD_EINVAL);
	assert_non_null(strstr(errmsg, "group 0"));
	memcpy(g, GROUP, sizeof(g));
	g[4] = 7;
	assert_int_equal(
	    stats_compare_values(VALUES, g, N_ABC, 3, NULL, &res, errmsg),
	    TD_EINVAL);
	assert_non_null(strstr(errmsg, "value 4"));
	stats_compare_options_init(&opt);
	opt.reference = 3;
	assert_int_equal(
	    stats_compare_values(VALUES, GROUP, N_ABC, 3, &opt, &res, errmsg),
	    TD_EINVAL);
	stats_compare_result_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_raw_values_each_group_vs_rest_matches_r),
		cmocka_unit_test(test_summaries_give_the_same_as_raw_values),
		cmocka_unit_test(test_missing_values_are_skipped),
		cmocka_unit_test(test_named_reference_group),
		cmocka_unit_test(
		    test_group_of_one_has_no_sd_or_welch_but_has_g),
		cmocka_unit_test(test_rollup_summaries_match_scipy),
		cmocka_unit_test(
		    test_small_groups_are_suppressed_and_left_out),
		cmocka_unit_test(test_one_group_is_too_few),
		cmocka_unit_test(test_zero_variance_gives_flags_not_nan),
		cmocka_unit_test(test_design_effect),
		cmocka_unit_test(test_bad_input_is_rejected),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
