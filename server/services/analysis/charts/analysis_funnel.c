/* SPDX-License-Identifier: MIT
 * Analysis/Funnel: the schools' values of one period against a pooled
 * target with limits by n (Spiegelhalter 2005), for proportion and
 * percent measures and survey percent favourable. Suppressed schools are
 * left out and counted.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "config.h"
#include "services.h"
#include "stats/compare/stats_funnel.h"
#include "stats/core/stats_units.h"
#include "store/store_analysis.h"

/* scale_of: the factor from a 0..1 proportion to the measure's unit; -1
 * for a scale score (sampling variance sd^2 / n from its submitted SDs);
 * 0 (status set) when a funnel plot does not fit. */
static double
scale_of(rpc_call *call, const series_spec *spec)
{
	store_measure_meta meta;
	int                rv;
	if (spec->survey) {
		if (spec->favourable) {
			return 100.0;
		}
		rpc_fail(call, TD_CODE_FAILED_PRECONDITION,
		         "a funnel plot needs a proportion: ask for %s:"
		         "favourable",
		         spec->measure);
		return 0;
	}
	if ((rv = store_measure_meta_get(call->store, spec->measure, &meta))
	    != TD_OK) {
		analysis_db_fail(call, rv);
		return 0;
	}
	switch (stats_unit_of(meta.unit)) {
	case STATS_UNIT_PROPORTION:
		return 1.0;
	case STATS_UNIT_PERCENT:
		return 100.0;
	case STATS_UNIT_SCALE:
		return -1.0; /* a scale score: its SDs give the variance */
	default:
		rpc_fail(call, TD_CODE_FAILED_PRECONDITION,
		         "a funnel plot needs a proportion, a percent or a "
		         "scale score with SDs: %s's unit is '%s'",
		         spec->measure, meta.unit[0] ? meta.unit : "(none)");
		return 0;
	}
}

static int
sd2_cmp(const void *a, const void *b)
{
	return strcmp(((const store_sd2 *) a)->school,
	              ((const store_sd2 *) b)->school);
}

int
analysis_funnel(rpc_call *call, const ProtobufCMessage *req,
                ProtobufCMessage **resp)
{
	const Tandem__V1__FunnelRequest *in = (const void *) req;
	series_spec                      spec;
	series                          *ss;
	size_t                           ns;
	int                              code;
	if (!analysis_spec(call, in->query, &spec)) {
		return call->code;
	}
	double scale = scale_of(call, &spec);
	if (scale == 0) {
		return call->code;
	}
	bool sd_based = scale < 0;
	scale         = sd_based ? 1.0 : scale;
	/* Units are schools (of a district, when one is named). Without a
	 * period asked for, find the latest on the network's series (one
	 * row a period) and read only that period of every school. */
	spec.district = spec.level == 'd' ? spec.unit : spec.district;
	spec.level    = 's';
	spec.unit     = NULL;
	Tandem__V1__SeriesQuery one = *in->query;
	if (in->period[0] == '\0') {
		series_spec net = spec;
		series     *nss;
		size_t      nns;
		net.level    = 'n';
		net.district = NULL;
		if ((code = analysis_load(call, in->query, &net, &nss, &nns))
		    != TD_CODE_OK) {
			return code;
		}
		if (nns == 1 && nss[0].n > 0) {
			one.from = (char *) nss[0].pts[nss[0].n - 1].period;
		}
	}
	if ((code = analysis_load(call, &one, &spec, &ss, &ns))
	    != TD_CODE_OK) {
		return code;
	}
	/* The period: the one asked for, else the latest with data. */
	const char *period = NULL;
	for (size_t u = 0; u < ns; u++) {
		for (size_t i = 0; i < ss[u].n; i++) {
			const char *p = ss[u].pts[i].period;
			if (in->period[0]
			        ? (strcmp(p, in->period) == 0
			           || strcmp(
			                  analysis_label(call, spec.grain, p),
			                  in->period)
			               == 0)
			        : (period == NULL || strcmp(p, period) > 0)) {
				period = p;
			}
		}
	}
	if (period == NULL) {
		return rpc_fail(call, TD_CODE_NOT_FOUND,
		                "no data for %s in %s", spec.measure,
		                in->period[0] ? in->period : "this scope");
	}
	double *y  = rpc_arena_alloc(call->arena, (ns + 1) * sizeof(double));
	double *n  = rpc_arena_alloc(call->arena, (ns + 1) * sizeof(double));
	long   *at = rpc_arena_alloc(call->arena, (ns + 1) * sizeof(long));
	if (!y || !n || !at) {
		return rpc_fail(call, TD_CODE_RESOURCE_EXHAUSTED,
		                "out of memory");
	}
	Tandem__V1__FunnelResponse *out
	    = RPC_NEW(call->arena, Tandem__V1__FunnelResponse,
	              tandem__v1__funnel_response__init);
	for (size_t u = 0; u < ns; u++) {
		y[u] = n[u] = NAN;
		at[u]       = -1;
		for (size_t i = 0; i < ss[u].n; i++) {
			if (strcmp(ss[u].pts[i].period, period) != 0) {
				continue;
			}
			at[u] = (long) i;
			out->suppressed += ss[u].suppressed[i];
			if (!ss[u].suppressed[i]) {
				y[u] = ss[u].value[i] / scale;
				/* Percent favourable is a share of answers. */
				n[u] = spec.survey
				    ? (double) ss[u].pts[i].items
				    : ss[u].people[i];
			}
		}
	}
	double *v = NULL;
	if (sd_based) {
		/* v = sd^2 / n from the schools' submitted SDs. */
		store_sd2 *sd2 = NULL;
		size_t     nsd = 0;
		int        srv = store_outcome_sd2(call->store, spec.measure,
		                                   in->query->subgroup, spec.grain,
		                                   period, &sd2, &nsd);
		if (srv != TD_OK) {
			return analysis_db_fail(call, srv);
		}
		if (nsd == 0) {
			free(sd2);
			return rpc_fail(
			    call, TD_CODE_FAILED_PRECONDITION,
			    "no school submitted SDs of %s for %s: a "
			    "scale score's funnel plot needs them "
			    "(its sampling variance is sd^2 / n)",
			    spec.measure,
			    analysis_label(call, spec.grain, period));
		}
		v = rpc_arena_alloc(call->arena, (ns + 1) * sizeof(double));
		for (size_t u = 0; v && u < ns; u++) {
			store_sd2 key = { { 0 }, 0 }, *f;
			snprintf(key.school, sizeof(key.school), "%s",
			         ss[u].unit);
			f    = nsd
			       ? bsearch(&key, sd2, nsd, sizeof(*sd2), sd2_cmp)
			       : NULL;
			v[u] = f != NULL && n[u] > 0 ? f->sd2 / n[u] : NAN;
		}
		free(sd2);
		if (v == NULL) {
			return rpc_fail(call, TD_CODE_RESOURCE_EXHAUSTED,
			                "out of memory");
		}
	}
	stats_funnel_result r;
	char                err[TD_ERRMSG_MAX];
	int                 rv = stats_funnel(y, n, v, ns, &r, err);
	if (rv != TD_OK) {
		return analysis_stats_fail(call, rv, "funnel", err);
	}
	out->measure = rpc_arena_strdup(call->arena, spec.measure);
	out->period  = (char *) analysis_label(call, spec.grain, period);
	out->target  = r.target * scale;
	out->phi     = r.phi;
	out->tau2    = r.tau2 * scale * scale;
	out->units   = (int32_t) r.k;
	out->rows    = rpc_arena_alloc(call->arena, (ns + 1) * sizeof(void *));
	for (size_t u = 0; out->rows && u < ns; u++) {
		const stats_funnel_unit *fu = &r.units[u];
		if (at[u] < 0) {
			continue;
		}
		Tandem__V1__FunnelUnit *w
		    = RPC_NEW(call->arena, Tandem__V1__FunnelUnit,
		              tandem__v1__funnel_unit__init);
		if (w == NULL) {
			break;
		}
		w->school     = (char *) ss[u].unit;
		w->suppressed = ss[u].suppressed[at[u]];
		w->n          = (int64_t) llround(ss[u].people[at[u]]);
		if (fu->used) {
			w->value      = y[u] * scale;
			w->z          = fu->z;
			w->z_adjusted = fu->z_adjusted;
			w->lo95 = fu->lo95 * scale, w->hi95 = fu->hi95 * scale;
			w->lo998      = fu->lo998 * scale;
			w->hi998      = fu->hi998 * scale;
			w->mlo95      = fu->mlo95 * scale;
			w->mhi95      = fu->mhi95 * scale;
			w->mlo998     = fu->mlo998 * scale;
			w->mhi998     = fu->mhi998 * scale;
			w->outside95  = fu->outside95;
			w->outside998 = fu->outside998;
		}
		out->rows[out->n_rows++] = w;
	}
	stats_funnel_result_free(&r);
	return analysis_reply(call, &out->base, &out->disclosure,
	                      analysis_series_disclosure(call, ss, ns),
	                      (int64_t) ns, resp);
}
