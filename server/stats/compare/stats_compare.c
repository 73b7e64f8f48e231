/* SPDX-License-Identifier: MIT
 * Group comparison from group summaries (mean, SD, n), which is what the
 * server's rollups hold; raw values are first reduced to the same summaries
 * so both paths share one implementation.
 */
#include "stats.h"
#include "stats_compare.h"

#include <math.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include <gsl/gsl_cdf.h>

/* The 95% interval for g uses 1.96 as ANALYSES.md writes it. */
#define HEDGES_Z 1.96

void
stats_compare_options_init(stats_compare_options *opt)
{
	opt->reference         = STATS_COMPARE_VS_REST;
	opt->min_n             = 0;
	opt->level             = 0.95;
	opt->icc               = NAN;
	opt->mean_cluster_size = NAN;
}

int
stats_group_summarize(const double *values, const size_t *group,
                      size_t n_values, size_t n_groups,
                      stats_group_summary *out, char *errmsg)
{
	size_t i;

	if (n_groups == 0 || out == NULL || (n_values > 0 && values == NULL)
	    || (n_values > 0 && group == NULL)) {
		stats_set_err(errmsg, "no groups or no output given");
		return TD_EINVAL;
	}
	for (i = 0; i < n_values; i++) {
		if (group[i] >= n_groups) {
			stats_set_err(errmsg,
			              "value %zu: group %zu is outside 0..%zu",
			              i, group[i], n_groups - 1);
			return TD_EINVAL;
		}
		if (isinf(values[i])) {
			stats_set_err(errmsg, "value %zu is infinite", i);
			return TD_EINVAL;
		}
	}
	/* Welford's update keeps the sum of squared deviations in sd until
	 * the end, which avoids the cancellation of sum(x^2) - n mean^2. */
	for (i = 0; i < n_groups; i++) {
		out[i].mean = 0.0;
		out[i].sd   = 0.0;
		out[i].n    = 0;
	}
	for (i = 0; i < n_values; i++) {
		stats_group_summary *s = &out[group[i]];
		double               delta;

		if (isnan(values[i])) {
			continue;
		}
		s->n++;
		delta = values[i] - s->mean;
		s->mean += delta / (double) s->n;
		s->sd += delta * (values[i] - s->mean);
	}
	for (i = 0; i < n_groups; i++) {
		if (out[i].n >= 2) {
			out[i].sd = sqrt(out[i].sd / (double) (out[i].n - 1));
		} else {
			out[i].sd = NAN;
		}
		if (out[i].n == 0) {
			out[i].mean = NAN;
		}
	}
	return TD_OK;
}

int
stats_design_effect(double icc, double mean_cluster_size, double *deff,
                    char *errmsg)
{
	double d;

	if (!(icc >= -1.0 && icc <= 1.0)) {
		stats_set_err(errmsg, "ICC %g is outside -1..1", icc);
		return TD_ERANGE;
	}
	if (!(mean_cluster_size >= 1.0) || isinf(mean_cluster_size)) {
		stats_set_err(errmsg,
		              "mean cluster size %g must be at least 1",
		              mean_cluster_size);
		return TD_ERANGE;
	}
	d = 1.0 + (mean_cluster_size - 1.0) * icc;
	if (!(d > 0.0)) {
		/* An ICC below -1/(m - 1) is impossible for clusters of m. */
		stats_set_err(
		    errmsg,
		    "ICC %g is below -1/(m - 1) for mean cluster size %g", icc,
		    mean_cluster_size);
		return TD_ERANGE;
	}
	*deff = d;
	return TD_OK;
}

/* Sum of squares about the group's own mean; (n - 1) * sd^2 is 0 for
 * n = 1, whatever sd holds. */
static double
within_ss(const stats_group_summary *s)
{
	return s->n >= 2 ? (double) (s->n - 1) * s->sd * s->sd : 0.0;
}

static void
compare_pair(stats_compare_group *gr, const stats_group_summary *a, size_t n2,
             double m2, double ss2)
{
	double n1 = (double) a->n;
	double nr = (double) n2;
	double m  = n1 + nr - 2.0;

	gr->has_comparison = true;
	gr->ref_n          = n2;
	gr->ref_mean       = m2;
	gr->diff           = a->mean - m2;

	if (a->n >= 2 && n2 >= 2) {
		double q1 = a->sd * a->sd / n1;
		double q2 = ss2 / (nr - 1.0) / nr;
		double se = sqrt(q1 + q2);

		if (se > 0.0) {
			gr->t  = gr->diff / se;
			gr->df = (q1 + q2) * (q1 + q2)
			    / (q1 * q1 / (n1 - 1.0) + q2 * q2 / (nr - 1.0));
			gr->p = 2.0 * gsl_cdf_tdist_Q(fabs(gr->t), gr->df);
			gr->has_welch = true;
		}
	}
	if (m >= 1.0) {
		double sp = sqrt((within_ss(a) + ss2) / m);

		if (sp > 0.0) {
			double j = 1.0 - 3.0 / (4.0 * m - 1.0);

			gr->d     = gr->diff / sp;
			gr->g     = j * gr->d;
			gr->g_var = 1.0 / n1 + 1.0 / nr
			    + gr->g * gr->g / (2.0 * (n1 + nr));
			gr->g_lower = gr->g - HEDGES_Z * sqrt(gr->g_var);
			gr->g_upper = gr->g + HEDGES_Z * sqrt(gr->g_var);
			gr->has_g   = true;
		}
	}
}

static int
check_inputs(const stats_group_summary *groups, size_t n_groups,
             const stats_compare_options *opt, char *errmsg)
{
	size_t i;

	if (!(opt->level > 0.0 && opt->level < 1.0)) {
		stats_set_err(errmsg, "confidence level %g is outside (0, 1)",
		              opt->level);
		return TD_EINVAL;
	}
	if (opt->reference != STATS_COMPARE_VS_REST
	    && (opt->reference < 0 || (size_t) opt->reference >= n_groups)) {
		stats_set_err(errmsg, "reference group %ld is outside 0..%zu",
		              opt->reference, n_groups - 1);
		return TD_EINVAL;
	}
	for (i = 0; i < n_groups; i++) {
		if (groups[i].n == 0) {
			continue;
		}
		if (!isfinite(groups[i].mean)) {
			stats_set_err(errmsg,
			              "group %zu: mean is missing but n = %zu",
			              i, groups[i].n);
			return TD_EINVAL;
		}
		if (groups[i].n >= 2
		    && !(groups[i].sd >= 0.0 && isfinite(groups[i].sd))) {
			stats_set_err(
			    errmsg,
			    "group %zu: SD %g is not a non-negative number "
			    "(n = %zu)",
			    i, groups[i].sd, groups[i].n);
			return TD_EINVAL;
		}
	}
	return TD_OK;
}

static void
describe_group(stats_compare_group *gr, const stats_group_summary *s,
               double level)
{
	gr->mean = s->mean;
	if (s->n >= 2) {
		double n  = (double) s->n;
		double tq = gsl_cdf_tdist_Pinv((1.0 + level) / 2.0, n - 1.0);
		double hw = tq * s->sd / sqrt(n);

		gr->has_sd   = true;
		gr->sd       = s->sd;
		gr->has_ci   = true;
		gr->ci_lower = s->mean - hw;
		gr->ci_upper = s->mean + hw;
	}
}

/* Pools every used group except `skip` (SIZE_MAX for none): n, mean and
 * the sum of squares about the pooled mean. */
static void
pool_groups(const stats_group_summary *groups, const stats_compare_group *res,
            size_t n_groups, size_t skip, size_t *n_out, double *mean_out,
            double *ss_out)
{
	size_t i, n = 0;
	double sum = 0.0, mean, ss = 0.0;

	for (i = 0; i < n_groups; i++) {
		if (i != skip && !res[i].empty && !res[i].suppressed) {
			n += groups[i].n;
			sum += (double) groups[i].n * groups[i].mean;
		}
	}
	mean = n > 0 ? sum / (double) n : 0.0;
	for (i = 0; i < n_groups; i++) {
		if (i != skip && !res[i].empty && !res[i].suppressed) {
			double d = groups[i].mean - mean;

			ss += within_ss(&groups[i])
			    + (double) groups[i].n * d * d;
		}
	}
	*n_out    = n;
	*mean_out = mean;
	*ss_out   = ss;
}

int
stats_compare(const stats_group_summary *groups, size_t n_groups,
              const stats_compare_options *opt_in, stats_compare_result *out,
              char *errmsg)
{
	stats_compare_options opt;
	stats_compare_group  *res;
	size_t                i, n_used = 0, n_suppressed = 0, n_total;
	double                ssw = 0.0, grand, ss_total;
	int                   rv;

	if (groups == NULL || out == NULL || n_groups == 0) {
		stats_set_err(errmsg, "no groups given");
		return TD_EINVAL;
	}
	if (opt_in != NULL) {
		opt = *opt_in;
	} else {
		stats_compare_options_init(&opt);
	}
	if ((rv = check_inputs(groups, n_groups, &opt, errmsg)) != TD_OK) {
		return rv;
	}
	if ((res = calloc(n_groups, sizeof(*res))) == NULL) {
		stats_set_err(errmsg, "out of memory for %zu groups",
		              n_groups);
		return TD_ENOMEM;
	}
	for (i = 0; i < n_groups; i++) {
		res[i].n          = groups[i].n;
		res[i].empty      = groups[i].n == 0;
		res[i].suppressed = !res[i].empty && groups[i].n < opt.min_n;
		if (res[i].suppressed) {
			n_suppressed++;
		} else if (!res[i].empty) {
			n_used++;
		}
	}
	if (opt.reference != STATS_COMPARE_VS_REST) {
		size_t r = (size_t) opt.reference;

		if (res[r].empty) {
			stats_set_err(errmsg,
			              "reference group %zu has no values", r);
			free(res);
			return TD_ETOOFEW;
		}
		if (res[r].suppressed) {
			stats_set_err(
			    errmsg,
			    "reference group %zu is suppressed (n = %zu is "
			    "below min_n = %zu)",
			    r, res[r].n, opt.min_n);
			free(res);
			return TD_ESUPPRESSED;
		}
	}
	if (n_used < 2) {
		stats_set_err(errmsg,
		              "comparison needs at least 2 groups with values "
		              "(%zu usable of %zu)",
		              n_used, n_groups);
		free(res);
		/* "Everything suppressed" is its own code so that the
		 * caller can say why nothing is shown. */
		return n_used == 0 && n_suppressed > 0 ? TD_ESUPPRESSED
		                                       : TD_ETOOFEW;
	}

	for (i = 0; i < n_groups; i++) {
		size_t rn;
		double rmean, rss;

		if (res[i].empty || res[i].suppressed) {
			continue;
		}
		describe_group(&res[i], &groups[i], opt.level);
		if (opt.reference == STATS_COMPARE_VS_REST) {
			pool_groups(groups, res, n_groups, i, &rn, &rmean,
			            &rss);
		} else if ((size_t) opt.reference != i) {
			const stats_group_summary *r = &groups[opt.reference];

			rn    = r->n;
			rmean = r->mean;
			rss   = within_ss(r);
		} else {
			continue;
		}
		compare_pair(&res[i], &groups[i], rn, rmean, rss);
	}

	pool_groups(groups, res, n_groups, SIZE_MAX, &n_total, &grand,
	            &ss_total);
	for (i = 0; i < n_groups; i++) {
		if (!res[i].empty && !res[i].suppressed) {
			ssw += within_ss(&groups[i]);
		}
	}
	*out          = (stats_compare_result) { 0 };
	out->n_groups = n_groups;
	out->groups   = res;
	out->n_used   = n_used;
	out->n_total  = n_total;
	if (n_total > n_used && ssw > 0.0) {
		/* SSB from the group means directly, not ss_total - ssw, so
		 * that it cannot come out slightly negative. */
		double ssb = 0.0;

		for (i = 0; i < n_groups; i++) {
			if (!res[i].empty && !res[i].suppressed) {
				double d = groups[i].mean - grand;

				ssb += (double) groups[i].n * d * d;
			}
		}
		out->has_anova  = true;
		out->ss_between = ssb;
		out->ss_within  = ssw;
		out->df_between = (double) (n_used - 1);
		out->df_within  = (double) (n_total - n_used);
		out->f = (ssb / out->df_between) / (ssw / out->df_within);
		out->p
		    = gsl_cdf_fdist_Q(out->f, out->df_between, out->df_within);
		out->eta2 = ssb / (ssb + ssw);
	}
	if (!isnan(opt.icc) && !isnan(opt.mean_cluster_size)) {
		rv = stats_design_effect(opt.icc, opt.mean_cluster_size,
		                         &out->design_effect, errmsg);
		if (rv != TD_OK) {
			stats_compare_result_free(out);
			return rv;
		}
		out->has_design_effect = true;
	}
	if (errmsg != NULL) {
		errmsg[0] = '\0';
	}
	return TD_OK;
}

int
stats_compare_values(const double *values, const size_t *group,
                     size_t n_values, size_t n_groups,
                     const stats_compare_options *opt,
                     stats_compare_result *out, char *errmsg)
{
	stats_group_summary *s;
	int                  rv;

	if (n_groups == 0) {
		stats_set_err(errmsg, "no groups given");
		return TD_EINVAL;
	}
	if ((s = malloc(n_groups * sizeof(*s))) == NULL) {
		stats_set_err(errmsg, "out of memory for %zu groups",
		              n_groups);
		return TD_ENOMEM;
	}
	rv = stats_group_summarize(values, group, n_values, n_groups, s,
	                           errmsg);
	if (rv == TD_OK) {
		rv = stats_compare(s, n_groups, opt, out, errmsg);
	}
	free(s);
	return rv;
}

void
stats_compare_result_free(stats_compare_result *res)
{
	if (res == NULL) {
		return;
	}
	free(res->groups);
	res->groups   = NULL;
	res->n_groups = 0;
}
