/* SPDX-License-Identifier: MIT
 * Analysis: return on investment of every activity on one measure. Costs
 * by the ingredients method (price index and discounting), impact by
 * difference-in-differences between participating and other schools,
 * cost-effectiveness with a seeded bootstrap and a sensitivity table,
 * ranked across activities.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "config.h"
#include "services.h"
#include "stats/impact/stats_roi.h"
#include "store/store_analysis.h"
#include "validate.h"

#define DEFAULT_SEED 20261122u
#define DEFAULT_BOOT 2000

static bool
category_of(const char *name, stats_cost_category *c)
{
	static const char *const names[]
	    = { "personnel", "facilities", "materials", "travel", "other" };
	for (int i = 0; i < 5; i++) {
		if (strcmp(names[i], name) == 0) {
			*c = (stats_cost_category) i;
			return true;
		}
	}
	return false;
}

typedef struct roi_input {
	store_cost_row   *costs;
	size_t            n_costs;
	store_roi_school *schools;
	size_t            n_schools;
	stats_cost_item  *items;
	stats_did_school *did;
	int32_t           suppressed;
} roi_input;

static void
roi_input_free(roi_input *r)
{
	free(r->costs);
	free(r->schools);
	free(r->items);
	free(r->did);
	memset(r, 0, sizeof(*r));
}

/* one_activity computes one activity's result into *res; on a data
 * problem it returns the code and writes why into err. */
static int
one_activity(rpc_call *call, const Tandem__V1__RoiRequest *in,
             const store_activity *act, const store_index_row *idx,
             size_t n_idx, roi_input *ri, stats_roi_result *res, char *err)
{
	int rv = store_costs(call->store, act->code, &ri->costs, &ri->n_costs);
	if (rv == TD_OK) {
		rv = store_roi_schools(call->store, act->code,
		                       in->measure->outcome, in->pre_from,
		                       in->pre_to, in->post_from, in->post_to,
		                       &ri->schools, &ri->n_schools);
	}
	if (rv != TD_OK) {
		snprintf(err, TD_ERRMSG_MAX, "%s", store_errmsg(call->store));
		return rv;
	}
	ri->items = calloc(ri->n_costs + 1, sizeof(*ri->items));
	ri->did   = calloc(ri->n_schools + 1, sizeof(*ri->did));
	if (ri->items == NULL || ri->did == NULL) {
		return TD_ENOMEM;
	}
	for (size_t i = 0; i < ri->n_costs; i++) {
		ri->items[i].year      = ri->costs[i].year;
		ri->items[i].quantity  = ri->costs[i].quantity;
		ri->items[i].unit_cost = ri->costs[i].unit_cost;
		if (!category_of(ri->costs[i].category,
		                 &ri->items[i].category)) {
			ri->items[i].category = STATS_COST_OTHER;
		}
	}
	double schools = 0, educators = 0, students = 0;
	for (size_t i = 0; i < ri->n_schools; i++) {
		const store_roi_school *s = &ri->schools[i];
		stats_did_school       *d = &ri->did[i];
		d->treated                = s->hours > 0;
		d->pre                    = s->pre;
		d->post                   = s->post;
		d->weight                 = 1;
		d->hours                  = s->hours;
		/* A school whose mean rests on too few students stays out
		 * of the estimate for every role but admin. */
		if ((!isnan(s->pre) && analysis_suppress(call, s->pre_n))
		    || (!isnan(s->post)
		        && analysis_suppress(call, s->post_n))) {
			d->pre = d->post = NAN;
			ri->suppressed++;
		}
		if (d->treated) {
			schools++;
			educators += s->educators;
			students += s->enrollment > 0 ? s->enrollment : 0;
		}
	}
	stats_roi_activity a = { 0 };
	a.name               = act->code;
	a.items              = ri->items;
	a.n_items            = ri->n_costs;
	stats_cost_options_init(&a.cost);
	stats_did_options_init(&a.did);
	static stats_price_index pidx[256];
	size_t                   np = n_idx < 256 ? n_idx : 256;
	for (size_t i = 0; i < np; i++) {
		pidx[i] = (stats_price_index) { idx[i].year, idx[i].index };
	}
	if (np > 0) {
		a.cost.index   = pidx;
		a.cost.n_index = np;
		a.cost.base_year
		    = in->base_year ? in->base_year : idx[np - 1].year;
	}
	a.cost.discount_rate = in->no_discount ? 0
	    : in->discount_rate > 0            ? in->discount_rate
	                                       : 0.03;
	a.cost.n_schools     = schools;
	a.cost.n_educators   = educators;
	a.cost.n_students
	    = in->students > 0 ? (double) in->students : students;
	a.schools   = ri->did;
	a.n_schools = ri->n_schools;
	stats_roi_options o;
	stats_roi_options_init(&o);
	o.n_boot = in->bootstrap > 0 ? (size_t) in->bootstrap : DEFAULT_BOOT;
	o.seed   = in->seed ? (uint32_t) in->seed : DEFAULT_SEED;
	return stats_roi_compute(&a, &o, res, err);
}

static void
fill_row(rpc_call *call, Tandem__V1__RoiRow *row, const stats_roi_result *r,
         const roi_input *ri)
{
	row->total_cost      = r->cost.total_pv;
	row->cost_per_school = r->cost.has_per_school ? r->cost.per_school : 0;
	row->cost_per_educator
	    = r->cost.has_per_educator ? r->cost.per_educator : 0;
	row->cost_per_student   = r->cost_per_student;
	row->treated_schools    = (int32_t) r->did.n_treated;
	row->comparison_schools = (int32_t) r->did.n_comparison;
	row->did                = r->did.estimate;
	row->did_se             = r->did.se;
	row->did_low            = r->did.ci_lo;
	row->did_high           = r->did.ci_hi;
	row->did_ols_se         = r->did.ols.available ? r->did.ols.se : 0;
	row->did_cluster_se = r->did.cluster.available ? r->did.cluster.se : 0;
	row->pre_sd         = r->did.sd_pre_pooled;
	row->hedges_g       = r->g;
	/* g's interval is the DiD interval on g's scale (J / pooled pre
	 * SD), so the two never disagree about zero; metafor's two-group
	 * formula would ignore that each school is its own control. */
	double scale
	    = r->did.sd_pre_pooled > 0 ? r->did.g_j / r->did.sd_pre_pooled : 0;
	row->g_low                   = r->did.ci_lo * scale;
	row->g_high                  = r->did.ci_hi * scale;
	row->effect_ci_includes_zero = r->effect_ci_includes_zero;
	row->ratio_available         = r->has_effect_per_1000;
	if (r->has_effect_per_1000) {
		row->effect_per_1000 = r->effect_per_1000;
	}
	if (r->has_cost_per_sd) {
		row->cost_per_sd = r->cost_per_sd;
	}
	if (r->has_boot_effect_per_1000) {
		row->effect_per_1000_low  = r->boot_effect_per_1000_lo;
		row->effect_per_1000_high = r->boot_effect_per_1000_hi;
	}
	row->note = rpc_arena_strdup(
	    call->arena, r->has_effect_per_1000 ? "" : r->ratio_reason);
	if (r->did.has_dose) {
		row->dose_slope = r->did.dose.slope;
		row->dose_se    = r->did.dose.se;
		row->dose_low   = r->did.dose.ci_lo;
		row->dose_high  = r->did.dose.ci_hi;
	}
	row->costs = rpc_arena_alloc(
	    call->arena,
	    (r->cost.n_years + 1) * STATS_COST_NCATEGORIES * sizeof(void *));
	for (size_t y = 0; row->costs && y < r->cost.n_years; y++) {
		for (int c = 0; c < STATS_COST_NCATEGORIES; c++) {
			if (r->cost.years[y].pv_by_category[c] == 0) {
				continue;
			}
			Tandem__V1__CostBreakdown *b
			    = RPC_NEW(call->arena, Tandem__V1__CostBreakdown,
			              tandem__v1__cost_breakdown__init);
			b->category = (char *) stats_cost_category_name(
			    (stats_cost_category) c);
			b->year          = r->cost.years[y].year;
			b->present_value = r->cost.years[y].pv_by_category[c];
			/* nominal dollars of that year and category, as
			 * submitted (the result keeps only totals) */
			for (size_t k = 0; k < ri->n_costs; k++) {
				if (ri->items[k].year == b->year
				    && (int) ri->items[k].category == c) {
					b->nominal += ri->items[k].quantity
					    * ri->items[k].unit_cost;
				}
			}
			row->costs[row->n_costs++] = b;
		}
	}
	row->sensitivity = rpc_arena_alloc(
	    call->arena,
	    STATS_ROI_SENS_NCOST * STATS_ROI_SENS_NRATE * sizeof(void *));
	for (int i = 0; row->sensitivity && i < STATS_ROI_SENS_NCOST; i++) {
		for (int j = 0; j < STATS_ROI_SENS_NRATE; j++) {
			const stats_roi_sens_cell   *s = &r->sens[i][j];
			Tandem__V1__SensitivityCell *c
			    = RPC_NEW(call->arena, Tandem__V1__SensitivityCell,
			              tandem__v1__sensitivity_cell__init);
			c->cost_factor      = s->cost_multiplier;
			c->discount_rate    = s->discount_rate;
			c->cost_per_student = s->cost_per_student;
			c->available        = s->has_effect_per_1000;
			c->effect_per_1000
			    = s->has_effect_per_1000 ? s->effect_per_1000 : 0;
			row->sensitivity[row->n_sensitivity++] = c;
		}
	}
}

/* staggered_effect replaces the DiD effect of r with the staggered-
 * adoption ATT of activity over the academic years pre_from..post_to, in
 * SD units of the first year's spread across schools. Returns an rpc code
 * for a failed read; when the estimate itself cannot be made, err says
 * why (else err is ""). */
static int
staggered_effect(rpc_call *call, const Tandem__V1__RoiRequest *in,
                 const char *activity, stats_roi_result *r, char *err)
{
	analysis_cs cs;
	int         code = analysis_staggered(call, in->measure, activity,
	                                      in->pre_from, in->post_to, false, &cs);
	err[0]           = '\0';
	if (code != TD_CODE_OK) {
		return code;
	}
	if (cs.rv != TD_OK || !cs.r.overall.ok || !(cs.pre_sd > 0)) {
		snprintf(err, TD_ERRMSG_MAX, "staggered impact: %.200s",
		         cs.rv != TD_OK
		             ? cs.err
		             : "no cohort with years after adoption, "
		               "or no spread in the first year");
		if (cs.rv == TD_OK) {
			stats_cs_result_free(&cs.r);
		}
		return TD_CODE_OK;
	}
	const stats_cs_estimate *e = &cs.r.overall;
	r->did.estimate            = e->est;
	r->did.se                  = e->se;
	r->did.ci_lo               = e->lo;
	r->did.ci_hi               = e->hi;
	r->did.g_j                 = 1.0;
	r->did.sd_pre_pooled       = cs.pre_sd;
	r->did.ols.available       = false;
	r->did.cluster.available   = false;
	stats_roi_set_effect(r, e->est / cs.pre_sd, e->lo <= 0 && e->hi >= 0,
	                     "the bootstrap resamples the DiD; with the "
	                     "staggered impact the interval is the ATT's");
	stats_cs_result_free(&cs.r);
	return TD_CODE_OK;
}

int
analysis_roi(rpc_call *call, const ProtobufCMessage *req,
             ProtobufCMessage **resp)
{
	const Tandem__V1__RoiRequest *in = (const void *) req;
	const char                   *dates[4]
	    = { in->pre_from, in->pre_to, in->post_from, in->post_to };
	const char *names[4]
	    = { "pre_from", "pre_to", "post_from", "post_to" };
	for (int i = 0; i < 4; i++) {
		validate_date(call, -1, names[i], dates[i], NULL);
	}
	int kind = in->measure ? (int) in->measure->kind_case
	                       : TANDEM__V1__MEASURE_KEY__KIND__NOT_SET;
	if (kind == TANDEM__V1__MEASURE_KEY__KIND__NOT_SET) {
		rpc_detail(call, -1, "measure", "required", "name a measure");
	}
	if (in->discount_rate < 0 || in->discount_rate >= 1) {
		rpc_detail(call, -1, "discount_rate", "range",
		           "discount_rate %g is outside 0..1",
		           in->discount_rate);
	}
	if (call->n_details > 0) {
		return rpc_fail(call, TD_CODE_INVALID_ARGUMENT,
		                "the ROI request needs a measure and pre and "
		                "post periods as dates");
	}
	if (in->impact[0] != '\0' && strcmp(in->impact, "did") != 0
	    && strcmp(in->impact, "staggered") != 0) {
		rpc_detail(call, -1, "impact", "enum",
		           "impact '%s' is not did or staggered", in->impact);
		return rpc_fail(call, TD_CODE_INVALID_ARGUMENT,
		                "unknown impact %s", in->impact);
	}
	if (strcmp(in->pre_to, in->post_from) >= 0) {
		return rpc_fail(
		    call, TD_CODE_INVALID_ARGUMENT,
		    "the pre period must end before the post period "
		    "starts");
	}
	bool             exists = false, lower = false;
	store_activity  *acts = NULL;
	store_index_row *idx  = NULL;
	size_t           na = 0, ni = 0;
	/* Costs and impact are read for outcome measures only. */
	const char *measure = kind == TANDEM__V1__MEASURE_KEY__KIND_OUTCOME
	    ? in->measure->outcome
	    : NULL;
	int rv = store_begin_request(call->store, rpc_remaining_ms(call));
	if (rv == TD_OK && measure != NULL) {
		rv = store_measure_info(call->store, measure, &exists, &lower);
	}
	if (rv == TD_OK && exists) {
		rv = store_activities(call->store,
		                      in->activity[0] ? in->activity : NULL,
		                      &acts, &na);
	}
	if (rv == TD_OK && exists) {
		rv = store_price_index(call->store, &idx, &ni);
	}
	if (rv != TD_OK) {
		free(acts);
		free(idx);
		return analysis_db_fail(call, rv);
	}
	if (!exists) {
		free(acts);
		free(idx);
		return rpc_fail(call, TD_CODE_NOT_FOUND,
		                "outcome measure %s is not in the registry",
		                measure ? measure : "(a survey construct)");
	}
	if (na == 0) {
		free(acts);
		free(idx);
		return rpc_fail(call, TD_CODE_NOT_FOUND, "no activity %s",
		                in->activity[0] ? in->activity : "at all");
	}
	bool              staggered = strcmp(in->impact, "staggered") == 0;
	stats_roi_result *res       = calloc(na, sizeof(*res));
	bool             *ok        = calloc(na, sizeof(bool));
	Tandem__V1__RoiResponse *out
	    = RPC_NEW(call->arena, Tandem__V1__RoiResponse,
	              tandem__v1__roi_response__init);
	out->rows = rpc_arena_alloc(call->arena, (na + 1) * sizeof(void *));
	int code  = TD_CODE_OK;
	for (size_t a = 0; res && ok && out->rows && a < na; a++) {
		roi_input           ri = { 0 };
		char                err[TD_ERRMSG_MAX];
		Tandem__V1__RoiRow *row
		    = RPC_NEW(call->arena, Tandem__V1__RoiRow,
		              tandem__v1__roi_row__init);
		row->activity = rpc_arena_strdup(call->arena, acts[a].code);
		row->kind     = rpc_arena_strdup(call->arena, acts[a].kind);
		rv = one_activity(call, in, &acts[a], idx, ni, &ri, &res[a],
		                  err);
		row->suppressed = ri.suppressed > 0;
		if (rv == TD_OK && staggered) {
			int sc = staggered_effect(call, in, acts[a].code,
			                          &res[a], err);
			if (sc != TD_CODE_OK) {
				roi_input_free(&ri);
				stats_roi_result_free(&res[a]);
				code = sc;
				break;
			}
			if (err[0] != '\0') {
				stats_roi_result_free(&res[a]);
				rv = TD_ETOOFEW;
			}
		}
		if (rv == TD_OK) {
			fill_row(call, row, &res[a], &ri);
		}
		roi_input_free(&ri);
		if (rv == TD_EUNAVAIL || rv == TD_ETIMEDOUT) {
			code = rpc_fail_err(call, rv, err);
			break;
		}
		if (rv != TD_OK) {
			if (na == 1) {
				code = analysis_stats_fail(call, rv,
				                           acts[a].code, err);
				break;
			}
			row->note = rpc_arena_strdup(call->arena, err);
		} else {
			ok[a]               = true;
			out->price_adjusted = res[a].cost.price_adjusted;
			out->base_year      = res[a].cost.base_year;
			out->discount_rate  = res[a].cost.discount_rate;
			out->seed           = res[a].seed;
			out->bootstrap      = (int32_t) res[a].n_boot;
			out->note           = (char *) res[a].cost.price_note;
			out->impact         = staggered ? "staggered" : "did";
		}
		out->rows[out->n_rows++] = row;
	}
	if (code == TD_CODE_OK && res && ok) {
		/* Rank the computed ones; the rest keep rank 0, last. */
		size_t            nok = 0, *order = calloc(na, sizeof(size_t));
		stats_roi_result *comp = calloc(na, sizeof(*comp));
		size_t           *map  = calloc(na, sizeof(size_t));
		for (size_t a = 0; order && comp && map && a < na; a++) {
			if (ok[a]) {
				map[nok]    = a;
				comp[nok++] = res[a];
			}
		}
		if (order && comp && map && nok > 0
		    && stats_roi_rank(comp, nok, order) == TD_OK) {
			Tandem__V1__RoiRow **sorted = rpc_arena_alloc(
			    call->arena, (na + 1) * sizeof(void *));
			size_t k = 0;
			for (size_t r = 0; r < nok; r++) {
				sorted[k]       = out->rows[map[order[r]]];
				sorted[k]->rank = (int32_t) (r + 1);
				k++;
			}
			for (size_t a = 0; a < na; a++) {
				if (!ok[a]) {
					sorted[k++] = out->rows[a];
				}
			}
			out->rows = sorted;
		}
		free(order);
		free(comp);
		free(map);
	}
	for (size_t a = 0; res && ok && a < na; a++) {
		if (ok[a]) {
			stats_roi_result_free(&res[a]);
		}
	}
	free(res);
	free(ok);
	free(acts);
	free(idx);
	if (code != TD_CODE_OK) {
		return code;
	}
	out->measure  = (char *) measure;
	size_t hidden = 0;
	for (size_t i = 0; i < out->n_rows; i++) {
		hidden += out->rows[i]->suppressed;
	}
	return analysis_reply(call, &out->base, &out->disclosure,
	                      analysis_disclosure_msg(call, hidden, 0),
	                      (int64_t) na, resp);
}
