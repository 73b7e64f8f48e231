/* SPDX-License-Identifier: MIT
 * Difference-in-differences on school-level pre/post means: the estimate
 * with two SEs (Welch on change scores, the default; stacked OLS as R's
 * lm(y ~ treat*post)), Hedges' g over the pre-period SD, and dose-response.
 */
#include "stats.h"
#include "stats_did.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_fit.h>

/* An SE this small next to the data's magnitude is rounding noise left
 * over from values that are equal in exact arithmetic. */
#define DID_ZERO_REL 1e-13

void
stats_did_options_init(stats_did_options *opt)
{
	if (opt == NULL) {
		return;
	}
	memset(opt, 0, sizeof(*opt));
	opt->use_weights = false;
	opt->se_method   = STATS_DID_SE_CHANGE;
}

/* Per-group summaries of a cleaned panel. */
typedef struct group_stats {
	size_t n;
	double w_sum; /* sum of weights (n when unweighted) */
	double mean_pre, mean_post, mean_change;
	double sd_pre; /* unweighted sample SD of pre */
	bool   pre_constant;
	/* sum w (x - mean)^2 for pre, post and change */
	double ss_pre, ss_post, ss_change;
} group_stats;

static double
school_w(const stats_did_school *s, bool use_weights)
{
	return use_weights ? s->weight : 1.0;
}

static void
group_summarise(const stats_did_school *s, size_t n, bool treated,
                bool use_weights, group_stats *g)
{
	double spre = 0, spost = 0, upre = 0, uss = 0;
	double first = 0;

	memset(g, 0, sizeof(*g));
	g->pre_constant = true;
	for (size_t i = 0; i < n; i++) {
		double w;

		if (s[i].treated != treated) {
			continue;
		}
		w = school_w(&s[i], use_weights);
		if (g->n == 0) {
			first = s[i].pre;
		} else if (s[i].pre != first) {
			g->pre_constant = false;
		}
		g->n++;
		g->w_sum += w;
		spre += w * s[i].pre;
		spost += w * s[i].post;
		upre += s[i].pre;
	}
	if (g->n == 0) {
		return;
	}
	g->mean_pre    = spre / g->w_sum;
	g->mean_post   = spost / g->w_sum;
	g->mean_change = g->mean_post - g->mean_pre;
	upre /= (double) g->n;
	for (size_t i = 0; i < n; i++) {
		double w, dpre, dpost, dch;

		if (s[i].treated != treated) {
			continue;
		}
		w     = school_w(&s[i], use_weights);
		dpre  = s[i].pre - g->mean_pre;
		dpost = s[i].post - g->mean_post;
		dch   = (s[i].post - s[i].pre) - g->mean_change;
		g->ss_pre += w * dpre * dpre;
		g->ss_post += w * dpost * dpost;
		g->ss_change += w * dch * dch;
		uss += (s[i].pre - upre) * (s[i].pre - upre);
	}
	g->sd_pre = g->n > 1 ? sqrt(uss / (double) (g->n - 1)) : 0.0;
	if (g->pre_constant) {
		g->sd_pre = 0.0;
	}
}

/* metafor's exact small-sample correction (.cmicalc with correct=TRUE). */
static double
hedges_j(double m)
{
	return exp(lgamma(m / 2.0) - log(sqrt(m / 2.0))
	           - lgamma((m - 1.0) / 2.0));
}

static double
pooled_sd(const group_stats *t, const group_stats *c)
{
	double m = (double) (t->n + c->n - 2);

	if (t->pre_constant && c->pre_constant) {
		return 0.0;
	}
	return sqrt(((double) (t->n - 1) * t->sd_pre * t->sd_pre
	             + (double) (c->n - 1) * c->sd_pre * c->sd_pre)
	            / m);
}

int
stats_did_effect(const stats_did_school *schools, size_t n, bool use_weights,
                 double *estimate, double *g)
{
	group_stats t, c;
	double      sd;

	if (schools == NULL || estimate == NULL || g == NULL) {
		return TD_EINVAL;
	}
	group_summarise(schools, n, true, use_weights, &t);
	group_summarise(schools, n, false, use_weights, &c);
	if (t.n < 2 || c.n < 2) {
		return TD_ETOOFEW;
	}
	sd = pooled_sd(&t, &c);
	if (sd == 0.0) {
		return TD_EZEROVAR;
	}
	*estimate = t.mean_change - c.mean_change;
	*g        = hedges_j((double) (t.n + c.n - 2)) * *estimate / sd;
	return TD_OK;
}

static void
finish_inference(stats_did_inference *inf, double est, double scale)
{
	double q;

	inf->available = inf->se > DID_ZERO_REL * scale && isfinite(inf->df)
	    && inf->df > 0.0;
	if (!inf->available) {
		memset(inf, 0, sizeof(*inf));
		return;
	}
	q          = gsl_cdf_tdist_Qinv(0.025, inf->df);
	inf->t     = est / inf->se;
	inf->p     = 2.0 * gsl_cdf_tdist_Q(fabs(inf->t), inf->df);
	inf->ci_lo = est - q * inf->se;
	inf->ci_hi = est + q * inf->se;
}

static void
welch_change(const group_stats *t, const group_stats *c,
             stats_did_inference *inf)
{
	/* Weighted mean's variance, sum w (x - m)^2 / ((n - 1) sum w): with
	 * unit weights this is s^2 / n and the test is Welch's. */
	double vt = t->ss_change / ((double) (t->n - 1) * t->w_sum);
	double vc = c->ss_change / ((double) (c->n - 1) * c->w_sum);
	double den
	    = vt * vt / (double) (t->n - 1) + vc * vc / (double) (c->n - 1);

	inf->se = sqrt(vt + vc);
	inf->df = den > 0.0 ? (vt + vc) * (vt + vc) / den : 0.0;
}

static void
stacked_ols(const group_stats *t, const group_stats *c,
            stats_did_inference *inf)
{
	/* Saturated cell-means model: each cell mean has variance s^2 / W,
	 * the interaction is +-1 times each of the four cell means, and a
	 * balanced panel has W_pre = W_post per group. */
	double df = 2.0 * (double) (t->n + c->n) - 4.0;
	double s2 = (t->ss_pre + t->ss_post + c->ss_pre + c->ss_post) / df;

	inf->se = sqrt(s2 * (2.0 / t->w_sum + 2.0 / c->w_sum));
	inf->df = df;
}

/* School-clustered SE of the stacked model's interaction, CR1 as R's
 * sandwich::vcovCL(fit, cluster = ~school, type = "HC1"): in the saturated
 * two-period model school i's score is w_i (d_i - dbar_g) / W_g (d the
 * change), so CR0 = sum_g sum_i w_i^2 (d_i - dbar_g)^2 / W_g^2, times
 * G/(G-1) (N-1)/(N-K) with G schools, N = 2G rows, K = 4; df G - 1.
 * (CR2 for this model is the Welch change-score SE.) */
static void
clustered(const stats_did_school *s, size_t n, bool use_weights,
          const group_stats *t, const group_stats *c, stats_did_inference *inf)
{
	double v = 0.0, g = (double) (t->n + c->n);

	for (size_t i = 0; i < n; i++) {
		const group_stats *gs = s[i].treated ? t : c;
		double             w  = school_w(&s[i], use_weights);
		double e = (s[i].post - s[i].pre) - gs->mean_change;

		v += w * w * e * e / (gs->w_sum * gs->w_sum);
	}
	v *= g / (g - 1.0) * (2.0 * g - 1.0) / (2.0 * g - 4.0);
	inf->se = sqrt(v);
	inf->df = g - 1.0;
}

static void
dose_response(const stats_did_school *s, size_t n, bool use_weights,
              stats_did_result *out)
{
	double *x = NULL, *y = NULL, *w = NULL;
	size_t  k = 0;
	double  c0, c1, cov00, cov01, cov11, ss, q;
	bool    same = true;
	int     rv;

	out->has_dose = false;
	for (size_t i = 0; i < n; i++) {
		k += s[i].treated && !isnan(s[i].hours);
	}
	if (k < 3) {
		stats_set_err(
		    out->dose_reason,
		    "dose-response needs 3 treated schools with hours; found "
		    "%zu",
		    k);
		return;
	}
	x = malloc(k * sizeof(*x));
	y = malloc(k * sizeof(*y));
	w = malloc(k * sizeof(*w));
	if (x == NULL || y == NULL || w == NULL) {
		stats_set_err(out->dose_reason,
		              "dose-response: out of memory");
		goto done;
	}
	k = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i].treated && !isnan(s[i].hours)) {
			x[k] = s[i].hours;
			y[k] = s[i].post - s[i].pre;
			w[k] = school_w(&s[i], use_weights);
			k++;
		}
	}
	for (size_t i = 1; i < k; i++) {
		same = same && x[i] == x[0];
	}
	if (same) {
		stats_set_err(
		    out->dose_reason,
		    "dose-response: all %zu treated schools report the same "
		    "hours (%g)",
		    k, x[0]);
		goto done;
	}
	if (use_weights) {
		rv = gsl_fit_wlinear(x, 1, w, 1, y, 1, k, &c0, &c1, &cov00,
		                     &cov01, &cov11, &ss);
		/* GSL's weighted covariance takes w as known 1/variance;
		 * lm() scales it by the residual variance. */
		cov11 *= ss / (double) (k - 2);
	} else {
		rv = gsl_fit_linear(x, 1, y, 1, k, &c0, &c1, &cov00, &cov01,
		                    &cov11, &ss);
	}
	if (rv != 0 || !isfinite(c1) || !isfinite(cov11)) {
		stats_set_err(out->dose_reason,
		              "dose-response: the fit failed");
		goto done;
	}
	out->has_dose       = true;
	out->dose_reason[0] = '\0';
	out->dose.n         = k;
	out->dose.intercept = c0;
	out->dose.slope     = c1;
	out->dose.se        = sqrt(cov11 > 0.0 ? cov11 : 0.0);
	out->dose.df        = (double) (k - 2);
	q                   = gsl_cdf_tdist_Qinv(0.025, out->dose.df);
	out->dose.ci_lo     = c1 - q * out->dose.se;
	out->dose.ci_hi     = c1 + q * out->dose.se;
done:
	free(x);
	free(y);
	free(w);
}

static int
validate(const stats_did_school *s, size_t n, const stats_did_options *opt,
         char *errmsg)
{
	size_t n_pre = 0, n_post = 0;

	for (size_t i = 0; i < n; i++) {
		if (isinf(s[i].pre) || isinf(s[i].post)) {
			stats_set_err(errmsg,
			              "school %zu: outcome is infinite", i);
			return TD_EINVAL;
		}
		if (opt->use_weights && !isnan(s[i].weight)
		    && !(isfinite(s[i].weight) && s[i].weight > 0.0)) {
			stats_set_err(errmsg,
			              "school %zu: weight %g must be > 0", i,
			              s[i].weight);
			return TD_EINVAL;
		}
		if (s[i].treated && !isnan(s[i].hours)
		    && !(isfinite(s[i].hours) && s[i].hours >= 0.0)) {
			stats_set_err(errmsg,
			              "school %zu: hours %g must be 0 or more",
			              i, s[i].hours);
			return TD_EINVAL;
		}
		n_pre += !isnan(s[i].pre);
		n_post += !isnan(s[i].post);
	}
	if (n == 0) {
		stats_set_err(errmsg, "no schools given");
		return TD_ETOOFEW;
	}
	if (n_pre == 0) {
		stats_set_err(errmsg,
		              "no pre period: none of the %zu schools has a "
		              "pre-period value",
		              n);
		return TD_ETOOFEW;
	}
	if (n_post == 0) {
		stats_set_err(errmsg,
		              "no post period: none of the %zu schools has a "
		              "post-period value",
		              n);
		return TD_ETOOFEW;
	}
	return TD_OK;
}

bool
stats_did_usable(const stats_did_school *s, bool use_weights)
{
	return !isnan(s->pre) && !isnan(s->post)
	    && !(use_weights && isnan(s->weight));
}

static int
check_groups(size_t nt, size_t nc, size_t n, char *errmsg)
{
	if (nt == 0) {
		stats_set_err(
		    errmsg,
		    "no treated schools: none of the %zu schools took part "
		    "and has both pre and post values",
		    n);
		return TD_ETOOFEW;
	}
	if (nc == 0) {
		stats_set_err(
		    errmsg,
		    "no comparison schools: none of the %zu schools stayed "
		    "out and has both pre and post values",
		    n);
		return TD_ETOOFEW;
	}
	if (nt < 2 || nc < 2) {
		stats_set_err(
		    errmsg,
		    "difference-in-differences needs 2 treated and 2 "
		    "comparison schools with both periods; found %zu and %zu",
		    nt, nc);
		return TD_ETOOFEW;
	}
	return TD_OK;
}

int
stats_did_compute(const stats_did_school *schools, size_t n,
                  const stats_did_options *opt_in, stats_did_result *out,
                  char *errmsg)
{
	stats_did_options          opt;
	stats_did_school          *panel = NULL;
	size_t                     k     = 0;
	group_stats                t, c;
	double                     scale = 0.0, z;
	const stats_did_inference *head;
	int                        rv;

	if (errmsg != NULL) {
		errmsg[0] = '\0';
	}
	if (out == NULL || (schools == NULL && n > 0)) {
		stats_set_err(errmsg, "did: missing output or school array");
		return TD_EINVAL;
	}
	memset(out, 0, sizeof(*out));
	if (opt_in != NULL) {
		opt = *opt_in;
	} else {
		stats_did_options_init(&opt);
	}
	if (opt.se_method != STATS_DID_SE_CHANGE
	    && opt.se_method != STATS_DID_SE_OLS) {
		stats_set_err(errmsg, "did: unknown SE method %d",
		              (int) opt.se_method);
		return TD_EINVAL;
	}
	if ((rv = validate(schools, n, &opt, errmsg)) != TD_OK) {
		return rv;
	}
	panel = malloc(n * sizeof(*panel));
	if (panel == NULL) {
		stats_set_err(errmsg, "did: out of memory");
		return TD_ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		if (stats_did_usable(&schools[i], opt.use_weights)) {
			panel[k++] = schools[i];
			scale      = fmax(
			         scale,
			         fmax(fabs(schools[i].pre), fabs(schools[i].post)));
		}
	}
	group_summarise(panel, k, true, opt.use_weights, &t);
	group_summarise(panel, k, false, opt.use_weights, &c);
	out->n_treated    = t.n;
	out->n_comparison = c.n;
	out->n_skipped    = n - k;
	if ((rv = check_groups(t.n, c.n, n, errmsg)) != TD_OK) {
		goto fail;
	}
	rv = stats_did_effect(panel, k, opt.use_weights, &out->estimate,
	                      &out->g);
	if (rv == TD_EZEROVAR) {
		stats_set_err(
		    errmsg,
		    "pre-period SD is 0: every treated school has the same "
		    "pre value and so has every comparison school, so "
		    "Hedges' g is undefined");
		goto fail;
	} else if (rv != TD_OK) {
		stats_set_err(errmsg, "did: effect could not be computed");
		goto fail;
	}

	out->mean_pre_treated     = t.mean_pre;
	out->mean_post_treated    = t.mean_post;
	out->mean_pre_comparison  = c.mean_pre;
	out->mean_post_comparison = c.mean_post;

	welch_change(&t, &c, &out->change);
	finish_inference(&out->change, out->estimate, scale);
	stacked_ols(&t, &c, &out->ols);
	finish_inference(&out->ols, out->estimate, scale);
	clustered(panel, k, opt.use_weights, &t, &c, &out->cluster);
	finish_inference(&out->cluster, out->estimate, scale);

	head = opt.se_method == STATS_DID_SE_OLS ? &out->ols : &out->change;
	if (!head->available) {
		stats_set_err(
		    errmsg,
		    "the %s SE of the estimate is 0: the school changes have "
		    "no spread within either group",
		    opt.se_method == STATS_DID_SE_OLS ? "OLS" : "Welch");
		rv = TD_EZEROVAR;
		goto fail;
	}
	out->se_method = opt.se_method;
	out->se        = head->se;
	out->df        = head->df;
	out->ci_lo     = head->ci_lo;
	out->ci_hi     = head->ci_hi;

	out->sd_pre_treated    = t.sd_pre;
	out->sd_pre_comparison = c.sd_pre;
	out->sd_pre_pooled     = pooled_sd(&t, &c);
	out->g_j               = hedges_j((double) (t.n + c.n - 2));
	out->g_v               = 1.0 / (double) t.n + 1.0 / (double) c.n
	    + out->g * out->g / (2.0 * (double) (t.n + c.n));
	z            = gsl_cdf_ugaussian_Qinv(0.025);
	out->g_ci_lo = out->g - z * sqrt(out->g_v);
	out->g_ci_hi = out->g + z * sqrt(out->g_v);

	dose_response(panel, k, opt.use_weights, out);
	free(panel);
	return TD_OK;
fail:
	free(panel);
	memset(out, 0, sizeof(*out));
	return rv;
}
