/* SPDX-License-Identifier: MIT
 * Tests for positive deviance (stats_pdev): the weighted fit, studentized
 * residuals, prediction intervals and shrinkage against R 4.2 (lm, rstudent,
 * predict, metafor 3.8 rma), flags, persistence and degenerate designs.
 */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "stats_pdev.h"
#include "test_util.h"

#define REL 1e-9

/* Twelve schools: outcome, students, free/reduced-lunch rate, log
 * enrollment, and the within-school variance of the students' scores.
 * R: y <- c(73.5, 53.1, ...); n <- c(120, 45, ...); fit <- lm(y ~ x1 + x2,
 * weights = n) with the vectors below. */
#define N12 12
static const double Y[N12] = { 73.5, 53.1, 68.4, 52.4, 63.9, 58.2,
	                       58.7, 82.0, 65.7, 68.6, 71.7, 63.6 };
static const double NW[N12]
    = { 120, 45, 310, 80, 150, 60, 210, 95, 400, 30, 175, 140 };
static const double X[N12 * 2] = {
	0.42, 6.1, 0.65, 5.2, 0.18, 6.9, 0.77, 5.8, 0.30, 6.4, 0.51, 5.5,
	0.70, 6.6, 0.12, 5.9, 0.38, 7.1, 0.59, 4.9, 0.22, 6.2, 0.81, 6.0,
};
static const double S2[N12]
    = { 140, 160, 120, 180, 130, 150, 170, 110, 125, 165, 135, 190 };

/* sprintf('%.17g', coef(fit)) */
static const double R_COEF[3]
    = { 91.241867990453599, -23.830694495213535, -2.3963147591935838 };
/* summary(fit)$coefficients[, 2] */
static const double R_SE[3]
    = { 19.264420710942144, 6.9852880633307892, 2.7856288296601184 };
/* summary(fit)$r.squared */
static const double R_R2 = 0.56704039470597878;
/* summary(fit)$sigma^2 */
static const double R_SIGMA2 = 3721.1598677399597;
/* fitted(fit) */
static const double R_FITTED[N12] = {
	66.615456271383096, 63.291079820758171, 70.417771142879445,
	58.993607625816395, 68.756245183050595, 65.908482622329984,
	58.744704433126479, 74.243927571785832, 65.172369291997995,
	65.439815918229058, 71.141963694506401, 57.561116894169146,
};
/* hatvalues(fit) */
static const double R_HAT[N12] = {
	0.097010999325873329, 0.15574218258085876, 0.40132690799064569,
	0.17855432554784401,  0.11308998538068847, 0.13409007968078718,
	0.3812429635297846,   0.27994749476281816, 0.53929751652439073,
	0.14946165993878255,  0.23990417124450519, 0.33033171349302137,
};
/* rstudent(fit) */
static const double R_RSTUDENT[N12] = {
	1.361290611510507,     -1.2586550189224994, -0.73309633655644302,
	-1.076002800274291,    -1.0399833685428039, -1.0589568099673534,
	-0.012728849058049279, 1.5763034947725461,  0.2411611082960968,
	0.29161286270692821,   0.13100782715788145, 1.5355616260782352,
};
/* p <- predict(fit, newdata = data.frame(x1, x2),
 *              interval = "prediction", weights = n); p[, "lwr"], p[, "upr"]
 */
static const double R_PI_LWR[N12] = {
	53.42144634701252,  41.176119535946782, 61.139846898286081,
	42.244497118509457, 56.868993811268439, 46.936614856461446,
	47.553229396495638, 58.226372972083226, 56.611985677184634,
	38.428324999468842, 59.526488690580074, 44.109394606523821,
};
static const double R_PI_UPR[N12] = {
	79.809466195753586, 85.406040105569531, 79.69569538747281,
	75.742718133123333, 80.643496554832751, 84.880350388198522,
	69.936179469757306, 90.261482171488439, 73.732752906811385,
	92.451306836989247, 82.757438698432736, 71.012839181814442,
};
/* ANALYSES.md's shrinkage: DerSimonian-Laird tau2 of the meta-regression
 * with the units' sampling variances s2 / n.
 * library(metafor); r <- rma(yi = y, vi = s2 / n, mods = ~ x1 + x2,
 *                            method = "DL"); r$tau2 */
static const double R_TAU2 = 25.647007881141324;
/* lam <- r$tau2 / (r$tau2 + s2 / n); lam * residuals(fit) */
static const double R_SHRUNK[N12] = {
	6.5849962843057686,    -8.9502657890600901, -1.9877692391915569,
	-6.0618080428182557,   -4.6975064983118413, -7.0238199172494582,
	-0.043336555302190397, 7.4210323957549518,  0.52127910083727436,
	2.6021525521913711,    0.54174142934810987, 5.7353880190336968,
};

static void
fit_default(stats_pdev_result *res, const stats_pdev_options *opt)
{
	char errmsg[TD_ERRMSG_MAX];
	int  rv = stats_pdev(Y, NW, X, N12, 2, S2, opt, res, errmsg);

	if (rv != TD_OK) {
		fail_msg("stats_pdev: %d %s", rv, errmsg);
	}
}

static void
test_model_matches_r_lm(void **state)
{
	stats_pdev_result res;
	size_t            j;

	(void) state;
	fit_default(&res, NULL);
	assert_int_equal(res.n_coef, 3);
	assert_int_equal(res.n_used, N12);
	assert_rel(res.df, 9.0, 0.0);
	for (j = 0; j < 3; j++) {
		assert_rel(res.coef[j], R_COEF[j], REL);
		assert_rel(res.se[j], R_SE[j], REL);
	}
	assert_rel(res.r2, R_R2, REL);
	assert_rel(res.sigma2, R_SIGMA2, REL);
	stats_pdev_result_free(&res);
}

static void
test_units_match_r_rstudent_hat_and_predict(void **state)
{
	stats_pdev_result res;
	size_t            i;

	(void) state;
	fit_default(&res, NULL);
	for (i = 0; i < N12; i++) {
		const stats_pdev_unit *u = &res.units[i];

		assert_true(u->used);
		assert_rel(u->actual, Y[i], 0.0);
		assert_rel(u->predicted, R_FITTED[i], REL);
		/* residuals(fit) is y - fitted(fit): compare absolutely
		 * since unit 6's residual is near 0. */
		assert_true(fabs(u->residual - (Y[i] - R_FITTED[i])) < 1e-10);
		assert_rel(u->hat, R_HAT[i], REL);
		assert_true(u->has_studentized);
		assert_rel(u->studentized, R_RSTUDENT[i], REL);
		assert_rel(u->pi_lower, R_PI_LWR[i], REL);
		assert_rel(u->pi_upper, R_PI_UPR[i], REL);
	}
	stats_pdev_result_free(&res);
}

static void
test_shrinkage_matches_metafor_genq(void **state)
{
	stats_pdev_result res;
	size_t            i;

	(void) state;
	fit_default(&res, NULL);
	assert_rel(res.tau2, R_TAU2, REL);
	for (i = 0; i < N12; i++) {
		assert_true(res.units[i].lambda > 0.0
		            && res.units[i].lambda < 1.0);
		assert_rel(res.units[i].shrunken, R_SHRUNK[i], REL);
	}
	stats_pdev_result_free(&res);
}

static void
test_pooled_within_variance_gives_dersimonian_laird(void **state)
{
	stats_pdev_options opt;
	stats_pdev_result  res;
	char               errmsg[TD_ERRMSG_MAX];

	(void) state;
	stats_pdev_options_init(&opt);
	opt.within_var = 150.0;
	assert_int_equal(
	    stats_pdev(Y, NW, X, N12, 2, NULL, &opt, &res, errmsg), TD_OK);
	/* rma(yi = y, vi = 150 / n, mods = ~ x1 + x2, method = "DL")$tau2 */
	assert_rel(res.tau2, 26.397479007305865, REL);
	stats_pdev_result_free(&res);
}

static void
test_default_threshold_flags_nobody_here(void **state)
{
	stats_pdev_result res;

	(void) state;
	/* The largest rstudent is 1.576 < 1.645. */
	fit_default(&res, NULL);
	assert_int_equal(res.n_flagged, 0);
	stats_pdev_result_free(&res);
}

static void
test_flags_need_threshold_positive_shrunken_and_min_n(void **state)
{
	stats_pdev_options opt;
	stats_pdev_result  res;
	size_t             i;

	(void) state;
	stats_pdev_options_init(&opt);
	opt.threshold = 1.3;
	opt.min_n     = 100;
	fit_default(&res, &opt);
	/* rstudent > 1.3: units 0, 7, 11; unit 7 has n = 95 < 100. */
	for (i = 0; i < N12; i++) {
		assert_int_equal(res.units[i].flagged, i == 0 || i == 11);
	}
	assert_int_equal(res.n_flagged, 2);
	stats_pdev_result_free(&res);
}

static void
test_lower_is_better_flips_the_sign(void **state)
{
	stats_pdev_options opt;
	stats_pdev_result  res;
	size_t             i;

	(void) state;
	stats_pdev_options_init(&opt);
	opt.threshold = 1.2;
	opt.direction = STATS_LOWER_IS_BETTER;
	fit_default(&res, &opt);
	/* -rstudent > 1.2 only for unit 1 (-1.2587). */
	for (i = 0; i < N12; i++) {
		assert_int_equal(res.units[i].flagged, i == 1);
	}
	/* Residuals are reported unflipped. */
	assert_true(res.units[1].residual < 0.0);
	stats_pdev_result_free(&res);
}

static void
test_missing_unit_is_skipped_not_zero(void **state)
{
	double            y[N12];
	stats_pdev_result res;
	char              errmsg[TD_ERRMSG_MAX];
	/* k <- -5; fit <- lm(y[k] ~ x1[k] + x2[k], weights = n[k]) */
	static const double coef[3]
	    = { 93.997693695001715, -25.151688288880617, -2.6682377675623021 };
	static const double rstud[3]
	    = { 1.2521046810213285, -1.3496945967581342, 1.5431568614193691 };

	(void) state;
	memcpy(y, Y, sizeof(y));
	y[4] = NAN;
	assert_int_equal(stats_pdev(y, NW, X, N12, 2, S2, NULL, &res, errmsg),
	                 TD_OK);
	assert_int_equal(res.n_used, 11);
	assert_false(res.units[4].used);
	assert_false(res.units[4].flagged);
	assert_rel(res.coef[0], coef[0], REL);
	assert_rel(res.coef[1], coef[1], REL);
	assert_rel(res.coef[2], coef[2], REL);
	assert_rel(res.units[0].studentized, rstud[0], REL);
	assert_rel(res.units[1].studentized, rstud[1], REL);
	assert_rel(res.units[11].studentized, rstud[2], REL);
	/* k <- -5; rma(yi = y[k], vi = s2[k] / n[k],
	 *     mods = ~ x1[k] + x2[k], method = "DL")$tau2 */
	assert_rel(res.tau2, 25.515164576668596, REL);
	stats_pdev_result_free(&res);
}

static void
test_tiny_weights_give_same_fit_and_no_shrinkage(void **state)
{
	double            w[N12];
	stats_pdev_result res;
	char              errmsg[TD_ERRMSG_MAX];
	size_t            i;

	(void) state;
	for (i = 0; i < N12; i++) {
		w[i] = NW[i] * 1e-9;
	}
	assert_int_equal(stats_pdev(Y, w, X, N12, 2, S2, NULL, &res, errmsg),
	                 TD_OK);
	/* lm(y ~ x1 + x2, weights = n * 1e-9): coef(fit),
	 * summary(fit)$sigma^2 */
	assert_rel(res.coef[0], 91.241867990453585, REL);
	assert_rel(res.coef[1], -23.830694495213521, REL);
	assert_rel(res.se[2], 2.7856288296601339, REL);
	assert_rel(res.sigma2, 3.721159867739989e-06, REL);
	/* rstudent(fit)[8]; predict(..., weights = n * 1e-9)[1, "lwr"] */
	assert_rel(res.units[7].studentized, 1.5763034947725407, REL);
	assert_rel(res.units[0].pi_lower, 53.421446347012512, REL);
	/* rma(yi = y, vi = s2 / w, mods = ~ x1 + x2,
	 *     method = "DL")$tau2 is 0: every unit is noise. */
	assert_rel(res.tau2, 0.0, 0.0);
	for (i = 0; i < N12; i++) {
		assert_rel(res.units[i].lambda, 0.0, 0.0);
		assert_rel(res.units[i].shrunken, 0.0, 0.0);
		assert_false(res.units[i].flagged);
	}
	stats_pdev_result_free(&res);
}

static void
test_one_residual_df_leaves_studentized_unavailable(void **state)
{
	stats_pdev_result res;
	char              errmsg[TD_ERRMSG_MAX];
	size_t            i;

	(void) state;
	/* First 4 units, 3 coefficients: lm(y[1:4] ~ x1[1:4] + x2[1:4],
	 * weights = n[1:4]) -> coef(fit) */
	assert_int_equal(stats_pdev(Y, NW, X, 4, 2, S2, NULL, &res, errmsg),
	                 TD_OK);
	assert_rel(res.coef[0], 124.22360676450803, REL);
	assert_rel(res.coef[1], -41.094156676031034, REL);
	assert_rel(res.coef[2], -6.7920981174810997, REL);
	for (i = 0; i < 4; i++) {
		assert_false(res.units[i].has_studentized);
		assert_false(res.units[i].flagged);
		assert_true(isfinite(res.units[i].pi_lower));
		assert_true(isfinite(res.units[i].shrunken));
	}
	stats_pdev_result_free(&res);
}

static void
test_too_few_units_is_singular(void **state)
{
	stats_pdev_result res;
	char              errmsg[TD_ERRMSG_MAX] = "";

	(void) state;
	assert_int_equal(stats_pdev(Y, NW, X, 3, 2, S2, NULL, &res, errmsg),
	                 TD_ESINGULAR);
	assert_non_null(strstr(errmsg, "too few"));
}

static void
test_collinear_covariate_is_singular_and_named(void **state)
{
	double            x[N12 * 2];
	stats_pdev_result res;
	char              errmsg[TD_ERRMSG_MAX] = "";
	size_t            i;

	(void) state;
	for (i = 0; i < N12; i++) {
		x[i * 2]     = X[i * 2];
		x[i * 2 + 1] = 3.0 - 2.0 * X[i * 2];
	}
	assert_int_equal(stats_pdev(Y, NW, x, N12, 2, S2, NULL, &res, errmsg),
	                 TD_ESINGULAR);
	assert_non_null(strstr(errmsg, "covariate 1 is collinear"));
}

static void
test_constant_covariate_is_collinear_with_intercept(void **state)
{
	double            x[N12];
	stats_pdev_result res;
	char              errmsg[TD_ERRMSG_MAX] = "";
	size_t            i;

	(void) state;
	for (i = 0; i < N12; i++) {
		x[i] = 0.3;
	}
	assert_int_equal(stats_pdev(Y, NW, x, N12, 1, S2, NULL, &res, errmsg),
	                 TD_ESINGULAR);
	assert_non_null(strstr(errmsg, "covariate 0 is collinear"));
}

static void
test_exact_fit_and_constant_outcome_are_zero_variance(void **state)
{
	double            y[N12];
	stats_pdev_result res;
	char              errmsg[TD_ERRMSG_MAX];
	size_t            i;

	(void) state;
	for (i = 0; i < N12; i++) {
		y[i] = 10.0 + 2.0 * X[i * 2] - 0.5 * X[i * 2 + 1];
	}
	assert_int_equal(stats_pdev(y, NW, X, N12, 2, S2, NULL, &res, errmsg),
	                 TD_EZEROVAR);
	for (i = 0; i < N12; i++) {
		y[i] = 0.1;
	}
	assert_int_equal(stats_pdev(y, NW, X, N12, 2, S2, NULL, &res, errmsg),
	                 TD_EZEROVAR);
}

static void
test_intercept_only_model_works(void **state)
{
	stats_pdev_result res;
	char              errmsg[TD_ERRMSG_MAX];

	(void) state;
	/* coef(lm(y ~ 1, weights = n)) */
	assert_int_equal(
	    stats_pdev(Y, NW, NULL, N12, 0, S2, NULL, &res, errmsg), TD_OK);
	assert_int_equal(res.n_coef, 1);
	assert_rel(res.coef[0], 65.889256198347098, REL);
	/* summary.lm reports R^2 = 0 for an intercept-only model. */
	assert_rel(res.r2, 0.0, 1e-12);
	stats_pdev_result_free(&res);
}

static void
test_bad_inputs_are_rejected(void **state)
{
	double             w[N12];
	stats_pdev_options opt;
	stats_pdev_result  res;
	char               errmsg[TD_ERRMSG_MAX] = "";

	(void) state;
	memcpy(w, NW, sizeof(w));
	w[3] = 0.0;
	assert_int_equal(stats_pdev(Y, w, X, N12, 2, S2, NULL, &res, errmsg),
	                 TD_EINVAL);
	assert_non_null(strstr(errmsg, "unit 3"));
	/* No within-unit variance anywhere: shrinkage cannot be done. */
	assert_int_equal(
	    stats_pdev(Y, NW, X, N12, 2, NULL, NULL, &res, errmsg), TD_EINVAL);
	assert_non_null(strstr(errmsg, "within-unit variance"));
	stats_pdev_options_init(&opt);
	opt.level = 1.0;
	assert_int_equal(stats_pdev(Y, NW, X, N12, 2, S2, &opt, &res, errmsg),
	                 TD_EINVAL);
	stats_pdev_result_free(NULL);
}

static void
test_persistence_counts_flags_in_last_k_periods(void **state)
{
	/* 3 units x 5 periods, oldest first. */
	static const signed char flags[15] = {
		1, 1, 0,  1,  1, /* last 3: 0 1 1 -> 2 */
		1, 1, 1,  0,  0, /* last 3: 1 0 0 -> 1 */
		0, 1, -1, -1, 1 /* last 3: - - 1 -> 1 of 1 assessed */
	};
	size_t counts[3], assessed[3];
	char   errmsg[TD_ERRMSG_MAX];

	(void) state;
	assert_int_equal(
	    stats_pdev_persistence(flags, 3, 5, 3, counts, assessed, errmsg),
	    TD_OK);
	assert_int_equal(counts[0], 2);
	assert_int_equal(counts[1], 1);
	assert_int_equal(counts[2], 1);
	assert_int_equal(assessed[0], 3);
	assert_int_equal(assessed[2], 1);
	assert_int_equal(
	    stats_pdev_persistence(flags, 3, 5, 5, counts, NULL, errmsg),
	    TD_OK);
	assert_int_equal(counts[0], 4);
	assert_int_equal(
	    stats_pdev_persistence(flags, 3, 5, 6, counts, NULL, errmsg),
	    TD_EINVAL);
	assert_int_equal(
	    stats_pdev_persistence(flags, 3, 5, 0, counts, NULL, errmsg),
	    TD_EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_model_matches_r_lm),
		cmocka_unit_test(test_units_match_r_rstudent_hat_and_predict),
		cmocka_unit_test(test_shrinkage_matches_metafor_genq),
		cmocka_unit_test(
		    test_pooled_within_variance_gives_dersimonian_laird),
		cmocka_unit_test(test_default_threshold_flags_nobody_here),
		cmocka_unit_test(
		    test_flags_need_threshold_positive_shrunken_and_min_n),
		cmocka_unit_test(test_lower_is_better_flips_the_sign),
		cmocka_unit_test(test_missing_unit_is_skipped_not_zero),
		cmocka_unit_test(
		    test_tiny_weights_give_same_fit_and_no_shrinkage),
		cmocka_unit_test(
		    test_one_residual_df_leaves_studentized_unavailable),
		cmocka_unit_test(test_too_few_units_is_singular),
		cmocka_unit_test(
		    test_collinear_covariate_is_singular_and_named),
		cmocka_unit_test(
		    test_constant_covariate_is_collinear_with_intercept),
		cmocka_unit_test(
		    test_exact_fit_and_constant_outcome_are_zero_variance),
		cmocka_unit_test(test_intercept_only_model_works),
		cmocka_unit_test(test_bad_inputs_are_rejected),
		cmocka_unit_test(
		    test_persistence_counts_flags_in_last_k_periods),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
