/* SPDX-License-Identifier: MIT
 * Cost-effectiveness of one activity: dollars per student per 1 SD and
 * effect per $1,000 per student, withheld when the effect may be zero; a
 * reproducible school bootstrap; the costs x discount-rate sensitivity
 * table; and the ranking of activities for one measure.
 */
#include "stats.h"
#include "stats_roi.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

static const double sens_cost_mult[STATS_ROI_SENS_NCOST] = { 0.8, 1.0, 1.2 };

void
stats_roi_options_init(stats_roi_options *opt)
{
	if (opt == NULL) {
		return;
	}
	memset(opt, 0, sizeof(*opt));
	opt->n_boot = STATS_ROI_DEFAULT_N_BOOT;
	opt->seed   = STATS_ROI_DEFAULT_SEED;
}

void
stats_roi_result_free(stats_roi_result *r)
{
	if (r == NULL) {
		return;
	}
	stats_cost_result_free(&r->cost);
	memset(r, 0, sizeof(*r));
}

/* The two ratios for one cost per student, under the availability rules
 * the result documents. cost_per_student is > 0. */
static void
ratios(double g, bool ci_has_zero, double cost_per_student, bool *has_e,
       double *e, bool *has_c, double *c)
{
	*has_e = !ci_has_zero;
	*e     = *has_e ? g * 1000.0 / cost_per_student : 0.0;
	*has_c = !ci_has_zero && g > 0.0;
	*c     = *has_c ? cost_per_student / g : 0.0;
}

static int
bootstrap(const stats_roi_activity *act, const stats_roi_options *opt,
          stats_roi_result *out, char *errmsg)
{
	const bool        uw   = act->did.use_weights;
	stats_did_school *pool = NULL, *sample = NULL;
	double           *reps = NULL;
	gsl_rng          *rng  = NULL;
	size_t            nt = 0, nc = 0, k = 0, valid = 0;
	int               rv = TD_OK;

	out->seed   = opt->seed;
	out->n_boot = opt->n_boot;
	if (opt->n_boot == 0) {
		stats_set_err(out->boot_reason, "bootstrap not requested");
		return TD_OK;
	}
	/* Treated schools first, then comparison, each in input order: the
	 * resample for a seed depends on this order, so keep it fixed. */
	pool   = malloc(act->n_schools * sizeof(*pool));
	sample = malloc(act->n_schools * sizeof(*sample));
	reps   = malloc(opt->n_boot * sizeof(*reps));
	rng    = gsl_rng_alloc(gsl_rng_mt19937);
	if (pool == NULL || sample == NULL || reps == NULL || rng == NULL) {
		stats_set_err(errmsg, "bootstrap: out of memory");
		rv = TD_ENOMEM;
		goto done;
	}
	for (int pass = 1; pass >= 0; pass--) {
		for (size_t i = 0; i < act->n_schools; i++) {
			const stats_did_school *s = &act->schools[i];
			if (s->treated == (pass == 1)
			    && stats_did_usable(s, uw)) {
				pool[k++] = *s;
			}
		}
		if (pass == 1) {
			nt = k;
		}
	}
	nc = k - nt;
	gsl_rng_set(rng, opt->seed);
	for (size_t b = 0; b < opt->n_boot; b++) {
		double est, g;

		for (size_t i = 0; i < nt; i++) {
			sample[i] = pool[gsl_rng_uniform_int(rng, nt)];
		}
		for (size_t i = 0; i < nc; i++) {
			sample[nt + i]
			    = pool[nt + gsl_rng_uniform_int(rng, nc)];
		}
		rv = stats_did_effect(sample, k, uw, &est, &g);
		if (rv == TD_OK) {
			reps[valid++] = g;
		} else if (rv != TD_EZEROVAR) {
			stats_set_err(errmsg,
			              "bootstrap: replicate %zu failed", b);
			goto done;
		}
	}
	rv                = TD_OK;
	out->n_boot_valid = valid;
	/* A resample drawing one pre value per group has no SD; if that is
	 * common the surviving replicates are a biased subset. */
	if (valid < 2 || valid < opt->n_boot - opt->n_boot / 10) {
		stats_set_err(
		    out->boot_reason,
		    "only %zu of %zu resamples had a pre-period spread; too "
		    "few schools for a bootstrap interval",
		    valid, opt->n_boot);
		goto done;
	}
	gsl_sort(reps, 1, valid);
	out->has_boot = true;
	out->boot_g_lo
	    = gsl_stats_quantile_from_sorted_data(reps, 1, valid, 0.025);
	out->boot_g_hi
	    = gsl_stats_quantile_from_sorted_data(reps, 1, valid, 0.975);
	if (out->has_effect_per_1000) {
		/* The cost is fixed, so the ratio's percentiles are g's
		 * rescaled by a positive constant. */
		double k1000 = 1000.0 / out->cost_per_student;

		out->has_boot_effect_per_1000 = true;
		out->boot_effect_per_1000_lo  = out->boot_g_lo * k1000;
		out->boot_effect_per_1000_hi  = out->boot_g_hi * k1000;
	}
done:
	gsl_rng_free(rng);
	free(reps);
	free(sample);
	free(pool);
	return rv;
}

static int
sensitivity(const stats_roi_activity *act, stats_roi_result *out, char *errmsg)
{
	for (int j = 0; j < STATS_ROI_SENS_NRATE; j++) {
		stats_cost_options copt = act->cost;
		stats_cost_result  cr;
		int                rv;

		/* Pin the discount year so only the rate moves. */
		copt.discount_rate     = (double) j / 100.0;
		copt.has_discount_year = true;
		copt.discount_year     = out->cost.discount_year;
		rv = stats_cost_compute(act->items, act->n_items, &copt, &cr,
		                        errmsg);
		if (rv != TD_OK) {
			return rv;
		}
		for (int i = 0; i < STATS_ROI_SENS_NCOST; i++) {
			stats_roi_sens_cell *cell = &out->sens[i][j];

			cell->cost_multiplier  = sens_cost_mult[i];
			cell->discount_rate    = copt.discount_rate;
			cell->cost_per_student = sens_cost_mult[i]
			    * cr.total_pv / act->cost.n_students;
			if (cell->cost_per_student > 0.0) {
				ratios(out->g, out->effect_ci_includes_zero,
				       cell->cost_per_student,
				       &cell->has_effect_per_1000,
				       &cell->effect_per_1000,
				       &cell->has_cost_per_sd,
				       &cell->cost_per_sd);
			}
		}
		stats_cost_result_free(&cr);
	}
	return TD_OK;
}

static void
explain_ratios(stats_roi_result *out)
{
	if (out->effect_ci_includes_zero) {
		stats_set_err(
		    out->ratio_reason,
		    "the effect's 95%% interval [%.4g, %.4g] includes "
		    "zero, so "
		    "no cost-effectiveness ratio is given",
		    out->did.ci_lo, out->did.ci_hi);
	} else if (!out->has_cost_per_sd) {
		stats_set_err(
		    out->ratio_reason,
		    "the effect is negative (g = %.4g): dollars per 1 SD of "
		    "gain is not meaningful for an activity that did harm",
		    out->g);
	}
}

int
stats_roi_compute(const stats_roi_activity *act,
                  const stats_roi_options *opt_in, stats_roi_result *out,
                  char *errmsg)
{
	stats_roi_options opt;
	char              sub[TD_ERRMSG_MAX] = "";
	const char       *name;
	int               rv;

	if (errmsg != NULL) {
		errmsg[0] = '\0';
	}
	if (act == NULL || out == NULL) {
		stats_set_err(errmsg, "roi: missing activity or output");
		return TD_EINVAL;
	}
	memset(out, 0, sizeof(*out));
	name = act->name != NULL ? act->name : "activity";
	if (opt_in != NULL) {
		opt = *opt_in;
	} else {
		stats_roi_options_init(&opt);
	}
	if (opt.n_boot > STATS_ROI_MAX_N_BOOT) {
		stats_set_err(
		    errmsg, "%s: %zu bootstrap replicates exceed the limit %d",
		    name, opt.n_boot, STATS_ROI_MAX_N_BOOT);
		return TD_EINVAL;
	}
	if (isnan(act->cost.n_students) || act->cost.n_students <= 0.0) {
		stats_set_err(
		    errmsg,
		    "%s: the number of students served is unknown or 0, so "
		    "there is no cost per student",
		    name);
		return TD_EINVAL;
	}
	rv = stats_cost_compute(act->items, act->n_items, &act->cost,
	                        &out->cost, sub);
	if (rv != TD_OK) {
		goto fail;
	}
	if (!(out->cost.total_pv > 0.0) || !out->cost.has_per_student) {
		stats_set_err(
		    sub,
		    "total cost is 0, so effect per $1,000 is undefined; "
		    "check the ingredient quantities and unit costs");
		rv = TD_ERANGE;
		goto fail;
	}
	rv = stats_did_compute(act->schools, act->n_schools, &act->did,
	                       &out->did, sub);
	if (rv != TD_OK) {
		goto fail;
	}
	out->cost_per_student = out->cost.per_student;
	out->g                = out->did.g;
	out->effect_ci_includes_zero
	    = out->did.ci_lo <= 0.0 && out->did.ci_hi >= 0.0;
	ratios(out->g, out->effect_ci_includes_zero, out->cost_per_student,
	       &out->has_effect_per_1000, &out->effect_per_1000,
	       &out->has_cost_per_sd, &out->cost_per_sd);
	explain_ratios(out);

	if ((rv = bootstrap(act, &opt, out, sub)) != TD_OK) {
		goto fail;
	}
	if ((rv = sensitivity(act, out, sub)) != TD_OK) {
		goto fail;
	}
	return TD_OK;
fail:
	stats_set_err(errmsg, "%s: %s", name, sub);
	stats_roi_result_free(out);
	return rv;
}

typedef struct rank_key {
	size_t index;
	bool   available;
	double value;
} rank_key;

static int
cmp_rank(const void *a, const void *b)
{
	const rank_key *x = a, *y = b;

	if (x->available != y->available) {
		return x->available ? -1 : 1;
	}
	if (x->available && x->value != y->value) {
		return x->value > y->value ? -1 : 1;
	}
	return (x->index > y->index) - (x->index < y->index);
}

int
stats_roi_rank(const stats_roi_result *results, size_t n, size_t *order)
{
	rank_key *keys;

	if (n == 0) {
		return TD_OK;
	}
	if (results == NULL || order == NULL) {
		return TD_EINVAL;
	}
	keys = malloc(n * sizeof(*keys));
	if (keys == NULL) {
		return TD_ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		keys[i].index     = i;
		keys[i].available = results[i].has_effect_per_1000;
		keys[i].value     = results[i].effect_per_1000;
	}
	qsort(keys, n, sizeof(*keys), cmp_rank);
	for (size_t i = 0; i < n; i++) {
		order[i] = keys[i].index;
	}
	free(keys);
	return TD_OK;
}

void
stats_roi_set_effect(stats_roi_result *r, double g, bool ci_has_zero,
                     const char *why_no_boot)
{
	r->g                       = g;
	r->effect_ci_includes_zero = ci_has_zero;
	ratios(g, ci_has_zero, r->cost_per_student, &r->has_effect_per_1000,
	       &r->effect_per_1000, &r->has_cost_per_sd, &r->cost_per_sd);
	snprintf(r->ratio_reason, sizeof(r->ratio_reason), "%s",
	         ci_has_zero ? "the effect's 95% interval includes 0, so a "
	                       "ratio over it would be meaningless"
	                     : "");
	for (int i = 0; i < STATS_ROI_SENS_NCOST; i++) {
		for (int j = 0; j < STATS_ROI_SENS_NRATE; j++) {
			stats_roi_sens_cell *c = &r->sens[i][j];

			if (c->cost_per_student > 0.0) {
				ratios(g, ci_has_zero, c->cost_per_student,
				       &c->has_effect_per_1000,
				       &c->effect_per_1000,
				       &c->has_cost_per_sd, &c->cost_per_sd);
			}
		}
	}
	/* The bootstrap resampled the DiD: its intervals do not belong to
	 * this effect. */
	r->has_boot                 = false;
	r->has_boot_effect_per_1000 = false;
	snprintf(r->boot_reason, sizeof(r->boot_reason), "%s",
	         why_no_boot ? why_no_boot : "");
}
