/* SPDX-License-Identifier: MIT
 * Analysis across units: positive deviance (schools beating what their
 * context predicts). It reads school-level rollups; suppressed units are
 * left out of every model and counted. Comparison and variance components
 * are in analysis_compare.c.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "config.h"
#include "services.h"
#include "stats/core/stats_disclosure.h"
#include "stats/core/stats_moments.h"
#include "stats/compare/stats_pdev.h"
#include "stats/core/stats_units.h"
#include "store/store_analysis.h"

/* ---- positive deviance ---- */

#define MAX_COV 8

/* A unit's context: the registry's school, copied into the call. */
typedef struct context {
	double      frl, enrollment; /* NaN unknown */
	const char *locale;
	const char *name; /* "" unknown */
} context;

/* load_context gives each unit ss[u] its school's context in ctx[u]
 * (NULL when the registry does not know it), from the registry snapshot,
 * so no listing of every school is read per call. */
static int
load_context(rpc_call *call, const series *ss, size_t ns, context ***out)
{
	const analysis_registry *R;
	int                      code = analysis_registry_get(call, false, &R);
	if (code != TD_CODE_OK) {
		return code;
	}
	const analysis_school **sc
	    = rpc_arena_alloc(call->arena, (ns + 1) * sizeof(*sc));
	context **ctx = rpc_arena_alloc(call->arena, (ns + 1) * sizeof(*ctx));
	context  *c   = rpc_arena_alloc(call->arena, (ns + 1) * sizeof(*c));
	if (sc != NULL && ctx != NULL && c != NULL) {
		analysis_registry_match(R, ss, ns, sc);
	}
	for (size_t u = 0; sc && ctx && c && u < ns; u++) {
		if (sc[u] == NULL) {
			continue;
		}
		c[u]
		    = (context) { sc[u]->frl, sc[u]->enrollment,
			          rpc_arena_strdup(call->arena, sc[u]->locale),
			          rpc_arena_strdup(call->arena, sc[u]->name) };
		ctx[u] = c[u].locale && c[u].name ? &c[u] : NULL;
		if (ctx[u] == NULL) {
			c = NULL;
		}
	}
	analysis_registry_release(R);
	*out = ctx;
	return sc && ctx && c
	    ? TD_CODE_OK
	    : rpc_fail(call, TD_CODE_RESOURCE_EXHAUSTED, "out of memory");
}

static int
sd2_find(const void *key, const void *b)
{
	return strcmp(key, ((const store_sd2 *) b)->school);
}

/* covariate fills one covariate of a school; false when unknown. */
static bool
covariate(const char *name, const context *c, double *x, size_t *k)
{
	if (strcmp(name, "frl_rate") == 0) {
		x[(*k)++] = c->frl;
		return !isnan(c->frl);
	}
	if (strcmp(name, "log_enrollment") == 0) {
		x[(*k)++] = log(c->enrollment);
		return !isnan(c->enrollment);
	}
	if (strcmp(name, "enrollment") == 0) {
		x[(*k)++] = c->enrollment;
		return !isnan(c->enrollment);
	}
	if (strcmp(name, "locale") == 0) {
		/* city is the reference level */
		x[(*k)++] = strcmp(c->locale, "suburb") == 0;
		x[(*k)++] = strcmp(c->locale, "town") == 0;
		x[(*k)++] = strcmp(c->locale, "rural") == 0;
		return c->locale[0] != '\0';
	}
	return false;
}

static size_t
covariate_width(const char *name)
{
	return strcmp(name, "locale") == 0 ? 3 : 1;
}

/* One period's model: y, n, within-variance and flags of every school. */
typedef struct pd_period {
	const char       *period;
	size_t            n_units;
	double           *y, *w, *wv, *x;
	bool             *supp;
	const char       *source; /* where the sampling variance came from */
	stats_pdev_result res;
	bool              ok;
	char              err[TD_ERRMSG_MAX];
} pd_period;

int
analysis_positive_deviance(rpc_call *call, const ProtobufCMessage *req,
                           ProtobufCMessage **resp)
{
	const Tandem__V1__PositiveDevianceRequest *in = (const void *) req;
	static const char *const                   defaults[]
	    = { "frl_rate", "log_enrollment", "locale" };
	const char *const *cov   = in->n_covariates
	      ? (const char *const *) in->covariates
	      : defaults;
	size_t             n_cov = in->n_covariates ? in->n_covariates : 3;
	series_spec        spec;
	series            *ss;
	size_t             ns, width = 0;
	context          **ctx;
	int                code;
	if (in->query == NULL) {
		return rpc_fail(call, TD_CODE_INVALID_ARGUMENT, "no query");
	}
	for (size_t j = 0; j < n_cov; j++) {
		static const char *const known[]
		    = { "frl_rate", "log_enrollment", "enrollment", "locale",
			NULL };
		bool ok = false;
		for (const char *const *k = known; *k; k++) {
			ok |= strcmp(*k, cov[j]) == 0;
		}
		if (!ok) {
			rpc_detail(call, -1, "covariates", "enum",
			           "covariate '%s' is not one of frl_rate|"
			           "log_enrollment|enrollment|locale",
			           cov[j]);
			return rpc_fail(call, TD_CODE_INVALID_ARGUMENT,
			                "unknown covariate %s", cov[j]);
		}
		width += covariate_width(cov[j]);
	}
	if (width > MAX_COV) {
		return rpc_fail(
		    call, TD_CODE_INVALID_ARGUMENT,
		    "too many covariates (%zu columns, at most %d)", width,
		    MAX_COV);
	}
	if (!analysis_spec(call, in->query, &spec)) {
		return call->code;
	}
	/* Units are schools (optionally of one district). */
	spec.district = in->query->level == TANDEM__V1__SCOPE_LEVEL__DISTRICT
	        || in->query->level == TANDEM__V1__SCOPE_LEVEL__EACH_SCHOOL
	    ? (in->query->code[0] ? in->query->code : NULL)
	    : NULL;
	spec.level    = 's';
	spec.unit     = NULL;
	spec.lean     = true; /* values, n and months only */
	/* Only the last k periods are modelled: find them on the network's
	 * series (one row a period) and read the schools' rows from there,
	 * not every school's whole history. */
	size_t                  k_want = in->persistence_periods > 0
	                     ? (size_t) in->persistence_periods
	                     : 3;
	Tandem__V1__SeriesQuery recent = *in->query;
	series_spec             net    = spec;
	series                 *nss;
	size_t                  nns;
	net.level    = 'n';
	net.unit     = NULL;
	net.district = NULL;
	if ((code = analysis_load(call, in->query, &net, &nss, &nns))
	    != TD_CODE_OK) {
		return code;
	}
	if (nns == 1 && nss[0].n > k_want) {
		recent.from = (char *) nss[0].pts[nss[0].n - k_want].period;
	}
	if ((code = analysis_load(call, &recent, &spec, &ss, &ns))
	        != TD_CODE_OK
	    || (code = load_context(call, ss, ns, &ctx)) != TD_CODE_OK) {
		return code;
	}
	/* The periods present, newest last; model the last k of them. */
	size_t       k_last = k_want;
	const char **per = rpc_arena_alloc(call->arena, 64 * sizeof(char *));
	size_t       np  = 0;
	for (size_t u = 0; per && u < ns; u++) {
		for (size_t i = 0; i < ss[u].n; i++) {
			const char *p = ss[u].pts[i].period;
			size_t      j = 0;
			while (j < np && strcmp(per[j], p) != 0) {
				j++;
			}
			if (j == np && np < 64) {
				per[np++] = p;
			}
		}
	}
	if (np == 0) {
		return rpc_fail(call, TD_CODE_NOT_FOUND,
		                "no data for %s in this scope and period",
		                spec.measure);
	}
	/* Period starts are ISO dates: string order is time order. */
	for (size_t a = 0; a < np; a++) {
		for (size_t b = a + 1; b < np; b++) {
			if (strcmp(per[a], per[b]) > 0) {
				const char *t = per[a];
				per[a]        = per[b];
				per[b]        = t;
			}
		}
	}
	size_t     first = np > k_last ? np - k_last : 0;
	size_t     nper  = np - first;
	pd_period *pp    = rpc_arena_alloc(call->arena, nper * sizeof(*pp));
	stats_pdev_options opt;
	stats_pdev_options_init(&opt);
	opt.threshold = in->threshold > 0 ? in->threshold : 1.645;
	opt.min_n = call->who.role == RPC_ROLE_ADMIN ? 0 : call->cfg->min_n;
	store_measure_meta meta;
	int mrv = store_measure_meta_get(call->store, spec.measure, &meta);
	if (mrv != TD_OK) {
		return analysis_db_fail(call, mrv);
	}
	stats_unit unit = stats_unit_of(meta.unit);
	opt.direction   = spec.lower_better ? STATS_LOWER_IS_BETTER
	                                    : STATS_HIGHER_IS_BETTER;
	/* A unit's covariates are the same in every period, and its point
	 * of each period is found once (pt_of[u * nper + t], -1 none): not
	 * a context search and string compares per unit and period. */
	double *xrow
	    = rpc_arena_alloc(call->arena, (ns * width + 1) * sizeof(double));
	bool *cov_ok = rpc_arena_alloc(call->arena, ns + 1);
	long *pt_of
	    = rpc_arena_alloc(call->arena, (ns * nper + 1) * sizeof(long));
	if (!pp || !xrow || !cov_ok || !pt_of) {
		return rpc_fail(call, TD_CODE_RESOURCE_EXHAUSTED,
		                "out of memory");
	}
	for (size_t u = 0; u < ns; u++) {
		const context *c = ctx[u];
		size_t         k = 0;
		cov_ok[u]        = c != NULL;
		for (size_t j = 0; c && j < n_cov; j++) {
			cov_ok[u]
			    &= covariate(cov[j], c, &xrow[u * width], &k);
		}
		for (size_t t = 0; t < nper; t++) {
			pt_of[u * nper + t] = -1;
		}
		for (size_t i = 0; i < ss[u].n; i++) {
			for (size_t t = 0; t < nper; t++) {
				if (strcmp(ss[u].pts[i].period, per[first + t])
				    == 0) {
					pt_of[u * nper + t] = (long) i;
					break;
				}
			}
		}
	}
	for (size_t t = 0; pp && t < nper; t++) {
		pd_period *P = &pp[t];
		P->period    = per[first + t];
		P->n_units   = ns;
		P->y    = rpc_arena_alloc(call->arena, ns * sizeof(double));
		P->w    = rpc_arena_alloc(call->arena, ns * sizeof(double));
		P->wv   = rpc_arena_alloc(call->arena, ns * sizeof(double));
		P->supp = rpc_arena_alloc(call->arena, ns * sizeof(bool));
		P->x    = rpc_arena_alloc(call->arena,
		                          ns * width * sizeof(double));
		if (!P->y || !P->w || !P->wv || !P->supp || !P->x) {
			return rpc_fail(call, TD_CODE_RESOURCE_EXHAUSTED,
			                "out of memory");
		}
		double     wv_sum = 0;
		size_t     wv_n = 0, nsd = 0;
		store_sd2 *sd2 = NULL;
		/* A scale score's sampling variance is sd^2 / n where the
		 * submissions give an SD. */
		if (!spec.survey && unit == STATS_UNIT_SCALE) {
			int srv = store_outcome_sd2(
			    call->store, spec.measure, in->query->subgroup,
			    spec.grain, P->period, &sd2, &nsd);
			if (srv != TD_OK) {
				return analysis_db_fail(call, srv);
			}
		}
		for (size_t u = 0; u < ns; u++) {
			P->y[u] = P->w[u] = P->wv[u] = NAN;
			const series *s              = &ss[u];
			memcpy(&P->x[u * width], &xrow[u * width],
			       width * sizeof(double));
			long at = cov_ok[u] ? pt_of[u * nper + t] : -1;
			if (at >= 0) {
				size_t             i  = (size_t) at;
				const store_point *pt = &s->pts[i];
				P->supp[u]            = s->suppressed[i];
				if (s->suppressed[i]) {
					continue;
				}
				P->y[u] = s->value[i];
				P->w[u] = s->people[i];
				/* Per-person variance, so that v = var / n is
				 * the sampling variance of the value: the
				 * spread of respondents' scores (surveys), or
				 * what the measure's unit implies. */
				double var = NAN;
				if (spec.survey) {
					stats_moments mo
					    = stats_moments_from_sums(
					        pt->n_sum, pt->wsum,
					        pt->wsumsq);
					var = mo.has_sd ? mo.sd * mo.sd : NAN;
				} else if (unit == STATS_UNIT_SCALE) {
					/* codes fit store_sd2.school */
					const store_sd2 *f = nsd
					    ? bsearch(s->unit, sd2, nsd,
					              sizeof(*sd2), sd2_find)
					    : NULL;
					var = f != NULL ? f->sd2 : NAN;
				} else {
					var = stats_unit_sampling_var(
					          unit, s->value[i],
					          s->people[i])
					    * s->people[i];
				}
				if (isfinite(var) && var >= 0) {
					P->wv[u] = var;
					wv_sum += var;
					wv_n++;
				}
			}
		}
		/* Units without their own estimate get the pooled one; with
		 * none at all (a scale score without SDs) the model's
		 * residual variance stands in. */
		free(sd2);
		P->source = spec.survey        ? "respondents"
		    : unit != STATS_UNIT_SCALE ? stats_unit_name(unit)
		    : wv_n > 0                 ? "sd"
		                               : "residual";
		for (size_t u = 0; wv_n > 0 && u < ns; u++) {
			if (!isnan(P->y[u]) && isnan(P->wv[u])) {
				P->wv[u] = wv_sum / (double) wv_n;
			}
		}
		opt.within_from_residual = wv_n == 0;
		double *wv               = wv_n > 0 ? P->wv : NULL;
		int     rv = stats_pdev(P->y, P->w, P->x, ns, width, wv, &opt,
		                        &P->res, P->err);
		P->ok      = rv == TD_OK;
		if (!P->ok && t + 1 == nper) {
			for (size_t q = 0; q + 1 < nper; q++) {
				if (pp[q].ok) {
					stats_pdev_result_free(&pp[q].res);
				}
			}
			return analysis_stats_fail(
			    call, rv, "positive deviance", P->err);
		}
	}
	pd_period                            *last = &pp[nper - 1];
	Tandem__V1__PositiveDevianceResponse *out
	    = RPC_NEW(call->arena, Tandem__V1__PositiveDevianceResponse,
	              tandem__v1__positive_deviance_response__init);
	out->measure = rpc_arena_strdup(call->arena, spec.measure);
	out->period  = (char *) analysis_label(call, spec.grain, last->period);
	out->r_squared       = last->res.r2;
	out->units           = (int32_t) last->res.n_used;
	out->tau_squared     = last->res.tau2;
	out->sigma_squared   = last->res.sigma2;
	out->variance_source = (char *) last->source;
	out->coefficients
	    = rpc_arena_alloc(call->arena, (width + 1) * sizeof(void *));
	static const char *const locale_names[]
	    = { "locale=suburb", "locale=town", "locale=rural" };
	const char **names
	    = rpc_arena_alloc(call->arena, (width + 1) * sizeof(char *));
	size_t nn   = 0;
	names[nn++] = "(intercept)";
	for (size_t j = 0; j < n_cov; j++) {
		if (strcmp(cov[j], "locale") == 0) {
			for (int l = 0; l < 3; l++) {
				names[nn++] = locale_names[l];
			}
		} else {
			names[nn++] = cov[j];
		}
	}
	for (size_t j = 0; j < last->res.n_coef && j < nn; j++) {
		Tandem__V1__Coefficient *c
		    = RPC_NEW(call->arena, Tandem__V1__Coefficient,
		              tandem__v1__coefficient__init);
		c->name                                  = (char *) names[j];
		c->estimate                              = last->res.coef[j];
		c->std_error                             = last->res.se[j];
		out->coefficients[out->n_coefficients++] = c;
	}
	out->rows = rpc_arena_alloc(call->arena, (ns + 1) * sizeof(void *));
	size_t n_prim = 0, n_comp = 0;
	for (size_t u = 0; u < ns; u++) {
		const stats_pdev_unit *pu = &last->res.units[u];
		if (!pu->used && !last->supp[u]) {
			continue;
		}
		Tandem__V1__DeviantRow *r
		    = RPC_NEW(call->arena, Tandem__V1__DeviantRow,
		              tandem__v1__deviant_row__init);
		r->school         = (char *) ss[u].unit;
		const context *cx = ctx[u];
		r->name = (char *) (cx && cx->name[0] ? cx->name : ss[u].unit);
		r->suppressed = last->supp[u];
		out->suppressed += last->supp[u];
		if (last->supp[u]) {
			bool prim = analysis_why_hidden(&ss[u], last->period)
			    == STATS_DISC_PRIMARY;
			n_prim += prim;
			n_comp += !prim;
		}
		if (pu->used) {
			r->n         = (int64_t) llround(last->w[u]);
			r->actual    = pu->actual;
			r->predicted = pu->predicted;
			r->residual  = pu->residual;
			r->studentized
			    = pu->has_studentized ? pu->studentized : 0;
			r->pi_low   = pu->pi_lower;
			r->pi_high  = pu->pi_upper;
			r->shrunken = pu->shrunken;
			r->lambda   = pu->lambda;
			r->flagged  = pu->flagged;
		}
		for (size_t t = 0; t < nper; t++) {
			if (pp[t].ok && pp[t].res.units[u].used) {
				r->persistence_of++;
				r->persistence += pp[t].res.units[u].flagged;
			}
		}
		out->rows[out->n_rows++] = r;
	}
	for (size_t t = 0; t < nper; t++) {
		if (pp[t].ok) {
			stats_pdev_result_free(&pp[t].res);
		}
	}
	return analysis_reply(call, &out->base, &out->disclosure,
	                      analysis_disclosure_msg(call, n_prim, n_comp),
	                      (int64_t) ns, resp);
}
