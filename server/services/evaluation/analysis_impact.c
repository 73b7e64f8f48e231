/* SPDX-License-Identifier: MIT
 * Analysis/Impact: staggered-adoption impact of an activity on a measure
 * (Callaway & Sant'Anna 2021) over the schools' academic-year values,
 * with the two-way fixed-effects estimate beside it. School-years over
 * fewer than min_n people are left out and counted.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "config.h"
#include "services.h"
#include "kept.h"
#include "stats/impact/stats_staggered.h"
#include "store/store_analysis.h"

static int
adoption_cmp(const void *a, const void *b)
{
	return strcmp(((const store_adoption *) a)->school,
	              ((const store_adoption *) b)->school);
}

static int
strcmp_ptr(const void *a, const void *b)
{
	return strcmp(*(const char *const *) a, *(const char *const *) b);
}

/* The schools' adoption years of one activity, kept per data version
 * (kept.h) as the registry snapshot is: reading and grouping the
 * participation rows was 25 of ~85 ms at 10,000 schools. */
typedef struct adoption_set {
	store_adoption *ad; /* by school code */
	size_t          n;
} adoption_set;

static void
adoption_free(void *p)
{
	adoption_set *a = p;
	if (a != NULL) {
		free(a->ad);
		free(a);
	}
}

static int
adoption_get(rpc_call *call, const char *activity, const adoption_set **out,
             kept **ref)
{
	char key[200];
	snprintf(key, sizeof(key), "adoption\x1f%s", activity);
	uint64_t version = store_data_version(); /* before the read */
	if ((*out = kept_get(key, version, ref)) != NULL) {
		return TD_OK;
	}
	adoption_set *a = calloc(1, sizeof(*a));
	if (a == NULL) {
		return TD_ENOMEM;
	}
	int rv = store_adoption_years(call->store, activity, &a->ad, &a->n);
	if (rv != TD_OK) {
		adoption_free(a);
		return rv;
	}
	*out = kept_put(key, version, a, adoption_free, ref);
	return *out != NULL ? TD_OK : TD_ENOMEM;
}

static void
estimate_to(const stats_cs_estimate *e, protobuf_c_boolean *ok, double *est,
            double *se, double *lo, double *hi)
{
	*ok  = e->ok;
	*est = e->ok ? e->est : 0;
	*se  = e->ok ? e->se : 0;
	*lo  = e->ok ? e->lo : 0;
	*hi  = e->ok ? e->hi : 0;
}

int
analysis_staggered(rpc_call *call, const Tandem__V1__MeasureKey *measure,
                   const char *activity, const char *from, const char *to,
                   bool not_yet, analysis_cs *cs)
{
	Tandem__V1__SeriesQuery q = TANDEM__V1__SERIES_QUERY__INIT;
	series_spec             spec;
	series                 *ss;
	const store_adoption   *ad  = NULL;
	const adoption_set     *as  = NULL;
	kept                   *ref = NULL;
	size_t                  ns, na = 0, np = 0;
	int                     code, rv;
	memset(cs, 0, sizeof(*cs));
	q.measure = (Tandem__V1__MeasureKey *) measure;
	q.level   = TANDEM__V1__SCOPE_LEVEL__EACH_SCHOOL;
	q.grain   = TANDEM__V1__GRAIN__ACADEMIC_YEAR;
	q.from    = (char *) from;
	q.to      = (char *) to;
	if (!analysis_spec(call, &q, &spec)) {
		return call->code;
	}
	/* Each school's yearly values are all it uses: the lean read
	 * (school ids, named from the registry snapshot) instead of the
	 * rollups joined to schools and districts and sorted by code, 82 of
	 * 159 ms at 10,000 schools. */
	spec.lean = true;
	if ((code = analysis_load(call, &q, &spec, &ss, &ns)) != TD_CODE_OK) {
		return code;
	}
	rv = adoption_get(call, activity, &as, &ref);
	if (rv == TD_ENOTFOUND) {
		return rpc_fail(call, TD_CODE_NOT_FOUND,
		                "activity %s is not in the registry",
		                activity);
	} else if (rv == TD_ENOMEM) {
		return rpc_fail(call, TD_CODE_RESOURCE_EXHAUSTED,
		                "out of memory");
	} else if (rv != TD_OK) {
		return analysis_db_fail(call, rv);
	}
	ad = as->ad;
	na = as->n;
	/* The academic years present, in order (ISO starts sort as time). */
	const char **per = rpc_arena_alloc(call->arena, 64 * sizeof(char *));
	for (size_t u = 0; per && u < ns; u++) {
		for (size_t i = 0; i < ss[u].n; i++) {
			size_t j = 0;
			while (j < np
			       && strcmp(per[j], ss[u].pts[i].period) != 0) {
				j++;
			}
			if (j == np && np < 64) {
				per[np++] = ss[u].pts[i].period;
			}
		}
	}
	if (per != NULL) {
		qsort(per, np, sizeof(char *), strcmp_ptr);
	}
	double *y
	    = rpc_arena_alloc(call->arena, (ns * np + 1) * sizeof(double));
	int *coh = rpc_arena_alloc(call->arena, (ns + 1) * sizeof(int));
	if (per == NULL || y == NULL || coh == NULL) {
		kept_release(ref);
		return rpc_fail(call, TD_CODE_RESOURCE_EXHAUSTED,
		                "out of memory");
	}
	double s1 = 0, s2 = 0, m = 0;
	for (size_t u = 0; u < ns; u++) {
		store_adoption        key = { { 0 }, { 0 } };
		const store_adoption *a;
		snprintf(key.school, sizeof(key.school), "%s", ss[u].unit);
		a      = bsearch(&key, ad, na, sizeof(*ad), adoption_cmp);
		coh[u] = STATS_CS_NEVER;
		if (a != NULL && a->first_year[0]) {
			/* Before the window: treated from its first year (no
			 * base year); after it: not treated within it. */
			if (np > 0 && strcmp(a->first_year, per[0]) <= 0) {
				coh[u] = 0;
			} else {
				for (size_t t = 1; t < np; t++) {
					if (strcmp(per[t], a->first_year)
					    == 0) {
						coh[u] = (int) t;
					}
				}
			}
		}
		cs->treated_before += coh[u] == 0;
		for (size_t t = 0; t < np; t++) {
			y[u * np + t] = NAN;
		}
		for (size_t i = 0; i < ss[u].n; i++) {
			for (size_t t = 0; t < np; t++) {
				if (strcmp(per[t], ss[u].pts[i].period) == 0) {
					y[u * np + t] = ss[u].value[i];
				}
			}
			cs->suppressed += ss[u].suppressed[i];
		}
		/* The first year's spread across schools: the SD an effect
		 * size is taken over. */
		if (np > 0 && !isnan(y[u * np])) {
			s1 += y[u * np];
			s2 += y[u * np] * y[u * np];
			m++;
		}
	}
	kept_release(ref);
	cs->pre_sd = m > 1 ? sqrt(fmax(0, (s2 - s1 * s1 / m) / (m - 1))) : 0;
	cs->disclosure = analysis_series_disclosure(call, ss, ns);
	cs->per        = per;
	cs->np         = np;
	cs->ns         = ns;
	snprintf(cs->measure, sizeof(cs->measure), "%s", spec.measure);
	cs->rv = stats_cs(y, coh, ns, np,
	                  not_yet ? STATS_CS_CONTROL_NOTYET
	                          : STATS_CS_CONTROL_NEVER,
	                  &cs->r, cs->err);
	return TD_CODE_OK;
}

int
analysis_impact(rpc_call *call, const ProtobufCMessage *req,
                ProtobufCMessage **resp)
{
	const Tandem__V1__ImpactRequest *in = (const void *) req;
	analysis_cs                      cs;
	int                              code;
	if (in->activity[0] == '\0') {
		rpc_detail(call, -1, "activity", "required",
		           "name the activity whose impact to estimate");
		return rpc_fail(call, TD_CODE_INVALID_ARGUMENT,
		                "no activity named");
	}
	if ((code
	     = analysis_staggered(call, in->measure, in->activity, in->from,
	                          in->to, in->not_yet_treated, &cs))
	    != TD_CODE_OK) {
		return code;
	}
	if (cs.rv != TD_OK) {
		return analysis_stats_fail(call, cs.rv, "impact", cs.err);
	}
	stats_cs_result             r   = cs.r;
	const char                **per = cs.per;
	Tandem__V1__ImpactResponse *out
	    = RPC_NEW(call->arena, Tandem__V1__ImpactResponse,
	              tandem__v1__impact_response__init);
	if (out == NULL) {
		stats_cs_result_free(&r);
		return rpc_fail(call, TD_CODE_RESOURCE_EXHAUSTED,
		                "out of memory");
	}
	out->treated_before = cs.treated_before;
	out->disclosure     = cs.disclosure;
	out->suppressed     = cs.suppressed;
	out->measure        = rpc_arena_strdup(call->arena, cs.measure);
	out->activity       = in->activity;
	out->controls
	    = in->not_yet_treated ? "not_yet_treated" : "never_treated";
	out->schools       = (int32_t) cs.ns;
	out->never_treated = (int32_t) r.n_never;
	out->cohorts       = (int32_t) r.n_cohorts;
	estimate_to(&r.overall, &out->available, &out->att, &out->se,
	            &out->low, &out->high);
	estimate_to(&r.twfe, &out->twfe_available, &out->twfe, &out->twfe_se,
	            &out->twfe_low, &out->twfe_high);
	out->group_time
	    = rpc_arena_alloc(call->arena, (r.n_gt + 1) * sizeof(void *));
	out->event_study
	    = rpc_arena_alloc(call->arena, (r.n_event + 1) * sizeof(void *));
	for (size_t k = 0; out->group_time && k < r.n_gt; k++) {
		const stats_cs_gt        *g = &r.gt[k];
		Tandem__V1__GroupTimeAtt *w
		    = RPC_NEW(call->arena, Tandem__V1__GroupTimeAtt,
		              tandem__v1__group_time_att__init);
		if (w == NULL) {
			break;
		}
		w->cohort     = (char *) analysis_label(call, 'y', per[g->g]);
		w->period     = (char *) analysis_label(call, 'y', per[g->t]);
		w->event_time = g->t - g->g;
		w->treated    = (int32_t) g->n_treated;
		w->controls   = (int32_t) g->n_control;
		estimate_to(&g->att, &w->available, &w->att, &w->se, &w->low,
		            &w->high);
		out->group_time[out->n_group_time++] = w;
	}
	for (size_t k = 0; out->event_study && k < r.n_event; k++) {
		Tandem__V1__EventTime *w
		    = RPC_NEW(call->arena, Tandem__V1__EventTime,
		              tandem__v1__event_time__init);
		if (w == NULL) {
			break;
		}
		w->event_time = r.event[k].e;
		estimate_to(&r.event[k].theta, &w->available, &w->theta,
		            &w->se, &w->low, &w->high);
		out->event_study[out->n_event_study++] = w;
	}
	stats_cs_result_free(&r);
	call->records = (int64_t) cs.ns;
	*resp         = &out->base;
	return TD_CODE_OK;
}
