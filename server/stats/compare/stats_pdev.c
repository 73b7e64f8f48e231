/* SPDX-License-Identifier: MIT
 * Positive deviance by weighted least squares through a Householder QR of
 * sqrt(W) X (never the normal equations, which square the condition
 * number), with R's leave-one-out studentized residuals and prediction
 * intervals, and moment-estimated empirical-Bayes shrinkage.
 */
#include "stats.h"
#include "stats_pdev.h"

#include <math.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>

/* A column whose part orthogonal to the columns before it is below this
 * fraction of its norm is taken as collinear: R's lm() uses 1e-7 too. */
#define COLLINEAR_TOL 1e-7
/* A weighted RSS this small against the total sum of squares is an exact
 * fit: residuals are rounding noise and studentizing them means nothing. */
#define EXACT_FIT_REL 1e-20
/* Leverage this close to 1 leaves no residual to studentize. */
#define HAT_ONE_TOL 1e-10

void
stats_pdev_options_init(stats_pdev_options *opt)
{
	opt->threshold            = 1.645;
	opt->min_n                = 0.0;
	opt->direction            = STATS_HIGHER_IS_BETTER;
	opt->level                = 0.95;
	opt->within_var           = NAN;
	opt->within_from_residual = false;
}

static int
check_options(const stats_pdev_options *opt, const double *within_var,
              char *errmsg)
{
	if (!isfinite(opt->threshold)) {
		stats_set_err(errmsg, "threshold %g is not a number",
		              opt->threshold);
		return TD_EINVAL;
	}
	if (!(opt->min_n >= 0.0)) {
		stats_set_err(errmsg, "min_n %g is negative", opt->min_n);
		return TD_EINVAL;
	}
	if (opt->direction != STATS_HIGHER_IS_BETTER
	    && opt->direction != STATS_LOWER_IS_BETTER) {
		stats_set_err(errmsg, "direction %d is unknown",
		              (int) opt->direction);
		return TD_EINVAL;
	}
	if (!(opt->level > 0.0 && opt->level < 1.0)) {
		stats_set_err(errmsg, "prediction level %g is outside (0, 1)",
		              opt->level);
		return TD_EINVAL;
	}
	if (within_var == NULL && !opt->within_from_residual
	    && !(opt->within_var >= 0.0 && isfinite(opt->within_var))) {
		stats_set_err(
		    errmsg,
		    "shrinkage needs the within-unit variance: give "
		    "within_var per unit or a pooled value in the options");
		return TD_EINVAL;
	}
	return TD_OK;
}

/* Marks the units with every value present; rejects values that are
 * present but unusable. */
static int
select_units(const double *y, const double *n, const double *x, size_t n_units,
             size_t n_cov, const double *within_var, stats_pdev_unit *units,
             size_t *n_used, char *errmsg)
{
	size_t i, j, used = 0;

	for (i = 0; i < n_units; i++) {
		bool missing = isnan(y[i]) || isnan(n[i]);

		for (j = 0; j < n_cov; j++) {
			double v = x[i * n_cov + j];

			if (isinf(v)) {
				stats_set_err(
				    errmsg,
				    "unit %zu: covariate %zu is infinite", i,
				    j);
				return TD_EINVAL;
			}
			missing = missing || isnan(v);
		}
		if (within_var != NULL) {
			if (within_var[i] < 0.0 || isinf(within_var[i])) {
				stats_set_err(
				    errmsg,
				    "unit %zu: within-unit variance %g must "
				    "be a non-negative number",
				    i, within_var[i]);
				return TD_EINVAL;
			}
			missing = missing || isnan(within_var[i]);
		}
		if (isinf(y[i])) {
			stats_set_err(errmsg, "unit %zu: outcome is infinite",
			              i);
			return TD_EINVAL;
		}
		if (!isnan(n[i]) && !(n[i] > 0.0 && isfinite(n[i]))) {
			stats_set_err(
			    errmsg,
			    "unit %zu: weight n = %g must be a positive "
			    "number",
			    i, n[i]);
			return TD_EINVAL;
		}
		units[i].used = !missing;
		used += !missing;
	}
	*n_used = used;
	return TD_OK;
}

/* The work arrays of one fit; everything is NULL-initialised so one exit
 * path can free it all. */
typedef struct pdev_fit {
	size_t *row; /* N: unit index of each fitted row */
	double *a; /* N x p: sqrt(w) [1 x], then its QR */
	double *b; /* N: sqrt(w) y */
	double *tau; /* p */
	double *beta; /* p */
	double *res; /* N: residual of the least-squares solve */
	double *rinv; /* p x p: R^-1 */
	double *norm; /* p: column norms of sqrt(w) [1 x] */
	double *q; /* N: x' (X'WX)^-1 x of each row */
} pdev_fit;

static void
pdev_fit_free(pdev_fit *f)
{
	free(f->row);
	free(f->a);
	free(f->b);
	free(f->tau);
	free(f->beta);
	free(f->res);
	free(f->rinv);
	free(f->norm);
	free(f->q);
}

static int
pdev_fit_alloc(pdev_fit *f, size_t nn, size_t p)
{
	f->row  = malloc(nn * sizeof(*f->row));
	f->a    = malloc(nn * p * sizeof(*f->a));
	f->b    = malloc(nn * sizeof(*f->b));
	f->tau  = malloc(p * sizeof(*f->tau));
	f->beta = malloc(p * sizeof(*f->beta));
	f->res  = malloc(nn * sizeof(*f->res));
	f->rinv = calloc(p * p, sizeof(*f->rinv));
	f->norm = calloc(p, sizeof(*f->norm));
	f->q    = malloc(nn * sizeof(*f->q));
	if (f->row == NULL || f->a == NULL || f->b == NULL || f->tau == NULL
	    || f->beta == NULL || f->res == NULL || f->rinv == NULL
	    || f->norm == NULL || f->q == NULL) {
		return TD_ENOMEM;
	}
	return TD_OK;
}

static double
design(const double *x, size_t n_cov, size_t unit, size_t col)
{
	return col == 0 ? 1.0 : x[unit * n_cov + col - 1];
}

/* QR of sqrt(W) X, the rank check, beta and R^-1. */
static int
solve_wls(pdev_fit *f, const double *y, const double *n, const double *x,
          size_t nn, size_t n_cov, char *errmsg)
{
	size_t p = n_cov + 1, i, j;

	for (i = 0; i < nn; i++) {
		double sw = sqrt(n[f->row[i]]);

		for (j = 0; j < p; j++) {
			double v = sw * design(x, n_cov, f->row[i], j);

			f->a[i * p + j] = v;
			f->norm[j] += v * v;
		}
		f->b[i] = sw * y[f->row[i]];
	}
	for (j = 0; j < p; j++) {
		f->norm[j] = sqrt(f->norm[j]);
	}

	gsl_matrix_view A   = gsl_matrix_view_array(f->a, nn, p);
	gsl_vector_view tau = gsl_vector_view_array(f->tau, p);
	gsl_vector_view b   = gsl_vector_view_array(f->b, nn);
	gsl_vector_view bet = gsl_vector_view_array(f->beta, p);
	gsl_vector_view res = gsl_vector_view_array(f->res, nn);
	gsl_matrix_view Ri  = gsl_matrix_view_array(f->rinv, p, p);

	if (gsl_linalg_QR_decomp(&A.matrix, &tau.vector) != GSL_SUCCESS) {
		stats_set_err(errmsg, "QR decomposition of the design failed");
		return TD_EINTERNAL;
	}
	/* Without pivoting, R_jj is the part of column j that the columns
	 * before it cannot explain: the same test as R's dqrdc2, and it
	 * names the later of two collinear covariates. */
	for (j = 0; j < p; j++) {
		if (fabs(f->a[j * p + j]) <= COLLINEAR_TOL * f->norm[j]) {
			if (j == 0) {
				stats_set_err(errmsg,
				              "the intercept column is zero");
			} else if (f->norm[j] == 0.0) {
				stats_set_err(
				    errmsg,
				    "covariate %zu is zero for every unit",
				    j - 1);
			} else {
				stats_set_err(
				    errmsg,
				    "covariate %zu is collinear with the "
				    "intercept and the covariates before "
				    "it",
				    j - 1);
			}
			return TD_ESINGULAR;
		}
	}
	if (gsl_linalg_QR_lssolve(&A.matrix, &tau.vector, &b.vector,
	                          &bet.vector, &res.vector)
	    != GSL_SUCCESS) {
		stats_set_err(errmsg, "least-squares solve failed");
		return TD_EINTERNAL;
	}
	for (i = 0; i < p; i++) {
		for (j = i; j < p; j++) {
			f->rinv[i * p + j] = f->a[i * p + j];
		}
	}
	if (gsl_linalg_tri_invert(CblasUpper, CblasNonUnit, &Ri.matrix)
	    != GSL_SUCCESS) {
		stats_set_err(errmsg, "inverting R of the design failed");
		return TD_EINTERNAL;
	}
	/* x' (X'WX)^-1 x = |R^-T x|^2 for each fitted row. */
	for (i = 0; i < nn; i++) {
		double q = 0.0;

		for (j = 0; j < p; j++) {
			double u = 0.0;
			size_t k;

			for (k = 0; k <= j; k++) {
				u += f->rinv[k * p + j]
				    * design(x, n_cov, f->row[i], k);
			}
			q += u * u;
		}
		f->q[i] = q;
	}
	return TD_OK;
}

static void
fill_model(stats_pdev_result *out, const pdev_fit *f, size_t p, double sigma2)
{
	size_t j, k;

	for (j = 0; j < p; j++) {
		double s = 0.0;

		/* diag((X'WX)^-1) = squared row norms of R^-1. */
		for (k = j; k < p; k++) {
			s += f->rinv[j * p + k] * f->rinv[j * p + k];
		}
		out->coef[j] = f->beta[j];
		out->se[j]   = sqrt(sigma2 * s);
	}
}

/* Weighted R^2 as summary.lm computes it (model with intercept). */
static double
weighted_r2(const stats_pdev_result *out, const double *n, const pdev_fit *f,
            size_t nn, double rss)
{
	size_t i;
	double sw = 0.0, m = 0.0, mss = 0.0;

	for (i = 0; i < nn; i++) {
		sw += n[f->row[i]];
		m += n[f->row[i]] * out->units[f->row[i]].predicted;
	}
	m /= sw;
	for (i = 0; i < nn; i++) {
		double d = out->units[f->row[i]].predicted - m;

		mss += n[f->row[i]] * d * d;
	}
	return mss / (mss + rss);
}

static double
unit_within_var(const double *within_var, const stats_pdev_options *opt,
                size_t unit, double sigma2)
{
	return within_var != NULL       ? within_var[unit]
	    : opt->within_from_residual ? sigma2
	                                : opt->within_var;
}

static void
flag_units(stats_pdev_result *out, const stats_pdev_options *opt,
           const double *n)
{
	double dir = opt->direction == STATS_LOWER_IS_BETTER ? -1.0 : 1.0;
	size_t i;

	for (i = 0; i < out->n_units; i++) {
		stats_pdev_unit *u = &out->units[i];

		u->flagged = u->used && u->has_studentized
		    && dir * u->studentized > opt->threshold
		    && dir * u->shrunken > 0.0 && n[i] >= opt->min_n;
		out->n_flagged += u->flagged;
	}
}

/* DerSimonian-Laird tau2 of the mixed-effects meta-regression of y on
 * [1 x] with known sampling variances v[u] (metafor's rma(method = "DL")):
 * WLS with w = 1/v, Q_E = sum w r^2, tr(P) = sum w - sum w^2 q, tau2 =
 * max(0, (Q_E - (k - p)) / tr(P)). Units with v = 0 carry no noise to
 * weigh and are left out of the estimate; too few units give tau2 0. */
static int
dl_tau2(const double *y, const double *x, size_t n_cov, const size_t *rows,
        size_t nn, const double *v, double *w, double *tau2, char *errmsg)
{
	pdev_fit f = { 0 };
	size_t   p = n_cov + 1, k = 0, i, j;
	double   q = 0.0, sw = 0.0, sw2q = 0.0;
	int      rv;

	*tau2 = 0.0;
	if (pdev_fit_alloc(&f, nn, p) != TD_OK) {
		stats_set_err(errmsg, "out of memory for %zu units", nn);
		pdev_fit_free(&f);
		return TD_ENOMEM;
	}
	for (i = 0; i < nn; i++) {
		if (v[rows[i]] > 0.0) {
			w[rows[i]] = 1.0 / v[rows[i]];
			f.row[k++] = rows[i];
		}
	}
	if (k <= p) {
		pdev_fit_free(&f);
		return TD_OK;
	}
	rv = solve_wls(&f, y, w, x, k, n_cov, errmsg);
	if (rv == TD_ESINGULAR) {
		/* The subset with sampling noise cannot carry the model. */
		pdev_fit_free(&f);
		return TD_OK;
	}
	if (rv != TD_OK) {
		pdev_fit_free(&f);
		return rv;
	}
	for (i = 0; i < k; i++) {
		size_t u = f.row[i];
		double r = y[u];

		for (j = 0; j < p; j++) {
			r -= f.beta[j] * design(x, n_cov, u, j);
		}
		q += w[u] * r * r;
		sw += w[u];
		sw2q += w[u] * w[u] * f.q[i];
	}
	if (sw - sw2q > 0.0) {
		*tau2 = fmax(0.0, (q - (double) (k - p)) / (sw - sw2q));
	}
	pdev_fit_free(&f);
	return TD_OK;
}

int
stats_pdev(const double *y, const double *n, const double *x, size_t n_units,
           size_t n_cov, const double *within_var,
           const stats_pdev_options *opt_in, stats_pdev_result *out,
           char *errmsg)
{
	stats_pdev_options opt;
	stats_pdev_result  r = { 0 };
	pdev_fit           f = { 0 };
	size_t             p = n_cov + 1, nn = 0, i;
	double             rss = 0.0, tss = 0.0, sw = 0.0, ybar = 0.0;
	double             df, sigma2, tq, *vw                  = NULL;
	int                rv;

	if (y == NULL || n == NULL || out == NULL || n_units == 0
	    || (n_cov > 0 && x == NULL)) {
		stats_set_err(errmsg, "no units given");
		return TD_EINVAL;
	}
	if (n_cov >= SIZE_MAX / n_units) {
		stats_set_err(errmsg, "%zu units x %zu covariates is too many",
		              n_units, n_cov);
		return TD_ETOOBIG;
	}
	if (opt_in != NULL) {
		opt = *opt_in;
	} else {
		stats_pdev_options_init(&opt);
	}
	if ((rv = check_options(&opt, within_var, errmsg)) != TD_OK) {
		return rv;
	}
	r.n_units = n_units;
	r.n_coef  = p;
	r.units   = calloc(n_units, sizeof(*r.units));
	r.coef    = calloc(p, sizeof(*r.coef));
	r.se      = calloc(p, sizeof(*r.se));
	if (r.units == NULL || r.coef == NULL || r.se == NULL) {
		stats_set_err(errmsg, "out of memory for %zu units", n_units);
		rv = TD_ENOMEM;
		goto done;
	}
	rv = select_units(y, n, x, n_units, n_cov, within_var, r.units, &nn,
	                  errmsg);
	if (rv != TD_OK) {
		goto done;
	}
	if (nn <= p) {
		stats_set_err(
		    errmsg,
		    "%zu units with complete data are too few for %zu "
		    "coefficients (need at least %zu)",
		    nn, p, p + 1);
		rv = TD_ESINGULAR;
		goto done;
	}
	if (pdev_fit_alloc(&f, nn, p) != TD_OK) {
		stats_set_err(errmsg, "out of memory for %zu units", nn);
		rv = TD_ENOMEM;
		goto done;
	}
	for (i = 0, nn = 0; i < n_units; i++) {
		if (r.units[i].used) {
			f.row[nn++] = i;
		}
	}
	if ((rv = solve_wls(&f, y, n, x, nn, n_cov, errmsg)) != TD_OK) {
		goto done;
	}

	/* Residuals on the outcome's own scale; the total sum of squares
	 * is taken about the first unit so a constant outcome gives 0. */
	for (i = 0; i < nn; i++) {
		size_t           u  = f.row[i];
		stats_pdev_unit *pu = &r.units[u];
		size_t           j;

		pu->actual    = y[u];
		pu->predicted = 0.0;
		for (j = 0; j < p; j++) {
			pu->predicted += f.beta[j] * design(x, n_cov, u, j);
		}
		pu->residual = y[u] - pu->predicted;
		pu->hat      = n[u] * f.q[i];
		rss += n[u] * pu->residual * pu->residual;
		sw += n[u];
		ybar += n[u] * (y[u] - y[f.row[0]]);
	}
	ybar /= sw;
	for (i = 0; i < nn; i++) {
		double d = (y[f.row[i]] - y[f.row[0]]) - ybar;

		tss += n[f.row[i]] * d * d;
	}
	if (tss == 0.0 || rss <= EXACT_FIT_REL * tss) {
		stats_set_err(errmsg,
		              tss == 0.0
		                  ? "the outcome is the same for all %zu units"
		                  : "the covariates fit the outcome of the "
		                    "%zu units exactly: no residual variance",
		              nn);
		rv = TD_EZEROVAR;
		goto done;
	}
	df     = (double) (nn - p);
	sigma2 = rss / df;
	tq     = gsl_cdf_tdist_Pinv((1.0 + opt.level) / 2.0, df);

	r.n_used = nn;
	r.df     = df;
	r.sigma2 = sigma2;
	fill_model(&r, &f, p, sigma2);
	r.r2 = weighted_r2(&r, n, &f, nn, rss);

	for (i = 0; i < nn; i++) {
		size_t           u  = f.row[i];
		stats_pdev_unit *pu = &r.units[u];
		double hw    = tq * sqrt(sigma2 / n[u] + sigma2 * f.q[i]);
		double ew    = sqrt(n[u]) * pu->residual;
		double one_h = 1.0 - pu->hat;

		pu->pi_lower = pu->predicted - hw;
		pu->pi_upper = pu->predicted + hw;
		/* R's rstudent(): sigma without unit i, from the weighted
		 * residuals. */
		if (df >= 2.0 && one_h > HAT_ONE_TOL) {
			double s2i = (rss - ew * ew / one_h) / (df - 1.0);

			if (s2i > 0.0) {
				pu->has_studentized = true;
				pu->studentized     = ew / sqrt(s2i * one_h);
			}
		}
	}
	/* The sampling variance of unit u's value: within-unit variance per
	 * person over its n. vw holds v first, then the DL weights. */
	vw = malloc(2 * n_units * sizeof(*vw));
	if (vw == NULL) {
		stats_set_err(errmsg, "out of memory for %zu units", n_units);
		rv = TD_ENOMEM;
		goto done;
	}
	for (i = 0; i < nn; i++) {
		size_t u = f.row[i];

		vw[u] = unit_within_var(within_var, &opt, u, sigma2) / n[u];
	}
	rv = dl_tau2(y, x, n_cov, f.row, nn, vw, vw + n_units, &r.tau2,
	             errmsg);
	if (rv != TD_OK) {
		goto done;
	}
	for (i = 0; i < nn; i++) {
		size_t           u  = f.row[i];
		stats_pdev_unit *pu = &r.units[u];

		pu->lambda   = r.tau2 > 0.0 ? r.tau2 / (r.tau2 + vw[u]) : 0.0;
		pu->shrunken = pu->lambda * pu->residual;
	}
	flag_units(&r, &opt, n);
	*out = r;
	if (errmsg != NULL) {
		errmsg[0] = '\0';
	}
	rv = TD_OK;

done:
	free(vw);
	pdev_fit_free(&f);
	if (rv != TD_OK) {
		stats_pdev_result_free(&r);
	}
	return rv;
}

void
stats_pdev_result_free(stats_pdev_result *res)
{
	if (res == NULL) {
		return;
	}
	free(res->units);
	free(res->coef);
	free(res->se);
	res->units   = NULL;
	res->coef    = NULL;
	res->se      = NULL;
	res->n_units = 0;
	res->n_coef  = 0;
}

int
stats_pdev_persistence(const signed char *flags, size_t n_units,
                       size_t n_periods, size_t k, size_t *counts,
                       size_t *assessed, char *errmsg)
{
	size_t i, t;

	if (flags == NULL || counts == NULL || n_units == 0) {
		stats_set_err(errmsg, "no flags given");
		return TD_EINVAL;
	}
	if (k == 0 || k > n_periods) {
		stats_set_err(errmsg,
		              "window of %zu periods is outside 1..%zu", k,
		              n_periods);
		return TD_EINVAL;
	}
	if (n_units > SIZE_MAX / n_periods) {
		stats_set_err(errmsg, "%zu units x %zu periods is too many",
		              n_units, n_periods);
		return TD_ETOOBIG;
	}
	for (i = 0; i < n_units * n_periods; i++) {
		if (flags[i] != 0 && flags[i] != 1
		    && flags[i] != STATS_PDEV_NOT_ASSESSED) {
			stats_set_err(
			    errmsg,
			    "unit %zu, period %zu: flag %d is not -1, 0 "
			    "or 1",
			    i / n_periods, i % n_periods, (int) flags[i]);
			return TD_EINVAL;
		}
	}
	for (i = 0; i < n_units; i++) {
		const signed char *row = &flags[i * n_periods];

		counts[i] = 0;
		if (assessed != NULL) {
			assessed[i] = 0;
		}
		for (t = n_periods - k; t < n_periods; t++) {
			counts[i] += row[t] == 1;
			if (assessed != NULL) {
				assessed[i]
				    += row[t] != STATS_PDEV_NOT_ASSESSED;
			}
		}
	}
	if (errmsg != NULL) {
		errmsg[0] = '\0';
	}
	return TD_OK;
}
