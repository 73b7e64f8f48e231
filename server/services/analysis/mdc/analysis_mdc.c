/* SPDX-License-Identifier: MIT
 * Analysis/Mdc: Making Data Count XmR charts with their icons, for one
 * scope or every school side by side (the council's icon matrix).
 * Suppressed points are gaps: left out of the limits and the rules.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "analysis_mdc.h"
#include "config.h"
#include "services.h"
#include "stats/charts/stats_mdc.h"
#include "store/store_analysis.h"

static stats_mdc_direction
direction_of(char d)
{
	return d == 'h' ? STATS_MDC_HIGHER
	    : d == 'l'  ? STATS_MDC_LOWER
	                : STATS_MDC_NEUTRAL;
}

static const char *
direction_name(char d)
{
	return d == 'h' ? "higher" : d == 'l' ? "lower" : "neutral";
}

/* rebases turns the request's periods into sorted point indices of s;
 * false (status set) when one is not a period of s. */
static bool
rebases(rpc_call *call, const Tandem__V1__MdcRequest *in,
        const series_spec *spec, const series *s, size_t *at, size_t *n)
{
	*n = 0;
	for (size_t k = 0; k < in->n_rebase_at; k++) {
		long i
		    = analysis_period_index(call, spec, s, in->rebase_at[k]);
		if (i < 0) {
			rpc_fail(call, TD_CODE_INVALID_ARGUMENT,
			         "rebase_at %s is not a period of %s",
			         in->rebase_at[k], s->unit);
			return false;
		}
		if (i == 0) {
			continue; /* the first point starts a segment anyway */
		}
		size_t j = (*n)++;
		while (j > 0 && at[j - 1] > (size_t) i) {
			at[j] = at[j - 1];
			j--;
		}
		at[j] = (size_t) i;
		if (j > 0 && at[j - 1] == (size_t) i) {
			rpc_fail(call, TD_CODE_INVALID_ARGUMENT,
			         "rebase_at names %s twice", in->rebase_at[k]);
			return false;
		}
	}
	return true;
}

/* new_series makes a unit's answer; with points false (icons only) it
 * leaves the points out rather than building and dropping them (600,000
 * labelled points for the icon matrix at 10,000 schools). */
static Tandem__V1__MdcSeries *
new_series(rpc_call *call, const series_spec *spec, const series *s,
           bool points)
{
	Tandem__V1__MdcSeries *o = RPC_NEW(call->arena, Tandem__V1__MdcSeries,
	                                   tandem__v1__mdc_series__init);
	if (o == NULL) {
		return NULL;
	}
	o->unit              = (char *) s->unit;
	o->label             = (char *) s->unit;
	o->suppressed_points = (int32_t) s->n_suppressed;
	if (!points) {
		return o;
	}
	o->points = rpc_arena_alloc(call->arena, (s->n + 1) * sizeof(void *));
	for (size_t i = 0; o->points && i < s->n; i++) {
		Tandem__V1__MdcPoint *p
		    = RPC_NEW(call->arena, Tandem__V1__MdcPoint,
		              tandem__v1__mdc_point__init);
		if (p == NULL) {
			return NULL;
		}
		p->period       = (char *) analysis_label(call, spec->grain,
		                                          s->pts[i].period);
		p->period_start = (char *) s->pts[i].period;
		p->n            = (int64_t) llround(s->people[i]);
		p->suppressed   = s->suppressed[i];
		p->value        = s->suppressed[i] ? 0 : s->value[i];
		o->points[o->n_points++] = p;
	}
	return o->points ? o : NULL;
}

static void
fill(Tandem__V1__MdcSeries *o, const stats_mdc_result *r)
{
	const stats_mdc_segment *last = &r->seg[r->nsegments - 1];
	for (size_t i = 0; i < o->n_points && i < r->n; i++) {
		Tandem__V1__MdcPoint    *p = o->points[i];
		const stats_mdc_segment *g = &r->seg[r->segment[i]];
		p->mean                    = g->mean;
		p->lpl                     = g->lpl;
		p->upl                     = g->upl;
		p->nlpl                    = g->nlpl;
		p->nupl                    = g->nupl;
		p->segment                 = (int32_t) r->segment[i];
		p->rule       = (char *) stats_mdc_rule_name(r->rule[i]);
		p->point_type = (char *) stats_mdc_type_name(r->type[i]);
	}
	o->variation
	    = (char *) (r->has_icons ? stats_mdc_icon_name(r->variation) : "");
	o->assurance         = (char *) stats_mdc_assurance_name(r->assurance);
	o->points_with_value = (int32_t) last->n_values;
	o->mean              = last->mean;
	o->lpl               = last->lpl;
	o->upl               = last->upl;
	o->amr               = last->amr;
	o->moving_ranges     = (int32_t) last->n_mr;
	o->screened_moving_ranges = (int32_t) last->n_mr_screened;
}

Tandem__V1__MdcSeries *
analysis_mdc_row(rpc_call *call, const series_spec *spec,
                 const store_measure_meta     *meta,
                 const Tandem__V1__MdcRequest *in, const series *s,
                 const size_t *at, size_t n_rebase, int *rv, char *err)
{
	Tandem__V1__MdcSeries *o = new_series(call, spec, s, !in->icons_only);
	stats_mdc_opts   opt = { .direction  = direction_of(meta->direction),
		                 .fix_after  = (size_t) in->fix_after,
		                 .rebase     = at,
		                 .n_rebase   = n_rebase,
		                 .no_screen  = in->no_screen,
		                 .has_target = meta->has_target,
		                 .target     = meta->target };
	stats_mdc_result r;
	if (o == NULL) {
		return NULL;
	}
	*rv = stats_mdc(s->value, s->n, &opt, &r, err);
	if (*rv != TD_OK) {
		o->note = rpc_arena_strdup(call->arena, err);
		o->icon_note
		    = rpc_arena_strdup(call->arena, "no chart: see note");
	} else {
		fill(o, &r);
		o->icon_note = rpc_arena_strdup(call->arena, r.icon_note);
		stats_mdc_result_free(&r);
	}
	if (in->icons_only) {
		o->n_points = 0;
	}
	return o;
}

static Tandem__V1__MdcResponse *
new_response(rpc_call *call, const series_spec *spec,
             const store_measure_meta *meta, size_t ns)
{
	Tandem__V1__MdcResponse *out
	    = RPC_NEW(call->arena, Tandem__V1__MdcResponse,
	              tandem__v1__mdc_response__init);
	if (out == NULL
	    || (out->series
	        = rpc_arena_alloc(call->arena, ns * sizeof(void *)))
	        == NULL) {
		return NULL;
	}
	out->measure    = rpc_arena_strdup(call->arena, spec->measure);
	out->direction  = (char *) direction_name(meta->direction);
	out->has_target = meta->has_target;
	out->target     = meta->target;
	out->min_n      = call->cfg->min_n;
	return out;
}

/* kept_icons answers the icon matrix of every school from the rows kept
 * per school (analysis_icons.c): the same reply as computing it. */
static int
kept_icons(rpc_call *call, const Tandem__V1__MdcRequest *in,
           const series_spec *spec, const store_measure_meta *meta,
           ProtobufCMessage **resp)
{
	analysis_icon_rows k;
	int                code = analysis_icons(call, in, spec, meta, &k);
	if (code != TD_CODE_OK) {
		return code;
	}
	if (k.n == 0) {
		return rpc_fail(call, TD_CODE_NOT_FOUND,
		                "no data for %s in this scope and period",
		                spec->measure);
	}
	if (k.n == 1 && k.rv != TD_OK) {
		return analysis_stats_fail(call, k.rv, k.rows[0]->unit,
		                           k.rows[0]->note);
	}
	Tandem__V1__MdcResponse *out = new_response(call, spec, meta, k.n);
	if (out == NULL) {
		return rpc_fail(call, TD_CODE_RESOURCE_EXHAUSTED,
		                "out of memory");
	}
	for (size_t i = 0; i < k.n; i++) {
		out->suppressed_points += k.rows[i]->suppressed_points;
		out->series[out->n_series++] = k.rows[i];
	}
	return analysis_reply(
	    call, &out->base, &out->disclosure,
	    analysis_disclosure_msg(call, k.primary, k.complementary),
	    (int64_t) k.n, resp);
}

int
analysis_mdc(rpc_call *call, const ProtobufCMessage *req,
             ProtobufCMessage **resp)
{
	const Tandem__V1__MdcRequest *in = (const void *) req;
	series_spec                   spec;
	store_measure_meta            meta;
	series                       *ss;
	size_t                        ns, at[STATS_MDC_MAX_SEGMENTS];
	int                           code, rv;
	if (in->query == NULL) {
		return rpc_fail(call, TD_CODE_INVALID_ARGUMENT, "no query");
	}
	if (in->fix_after < 0 || in->fix_after == 1) {
		rpc_detail(call, -1, "fix_after", "range",
		           "fix_after %d: limits need at least 2 points (0 = "
		           "every point)",
		           in->fix_after);
		return rpc_fail(call, TD_CODE_INVALID_ARGUMENT,
		                "bad fix_after %d", in->fix_after);
	}
	if (in->n_rebase_at >= STATS_MDC_MAX_SEGMENTS) {
		return rpc_fail(call, TD_CODE_INVALID_ARGUMENT,
		                "at most %d rebases, not %zu",
		                STATS_MDC_MAX_SEGMENTS - 1, in->n_rebase_at);
	}
	if (!analysis_spec(call, in->query, &spec)) {
		return call->code;
	}
	if ((rv = store_measure_meta_get(call->store, spec.measure, &meta))
	    != TD_OK) {
		return analysis_db_fail(call, rv);
	}
	if (analysis_icons_kept(in, &spec)
	    && (code = kept_icons(call, in, &spec, &meta, resp))
	        != ANALYSIS_ICONS_UNKEPT) {
		return code;
	}
	if ((code = analysis_load(call, in->query, &spec, &ss, &ns))
	    != TD_CODE_OK) {
		return code;
	}
	if (ns == 0) {
		return rpc_fail(call, TD_CODE_NOT_FOUND,
		                "no data for %s in this scope and period",
		                spec.measure);
	}
	Tandem__V1__MdcResponse *out = new_response(call, &spec, &meta, ns);
	if (out == NULL) {
		return rpc_fail(call, TD_CODE_RESOURCE_EXHAUSTED,
		                "out of memory");
	}
	for (size_t k = 0; k < ns; k++) {
		const series *s = &ss[k];
		char          err[TD_ERRMSG_MAX];
		size_t        n_rebase;
		if (!rebases(call, in, &spec, s, at, &n_rebase)) {
			return call->code;
		}
		Tandem__V1__MdcSeries *o = analysis_mdc_row(
		    call, &spec, &meta, in, s, at, n_rebase, &rv, err);
		if (o == NULL) {
			return rpc_fail(call, TD_CODE_RESOURCE_EXHAUSTED,
			                "out of memory");
		}
		/* One school without enough data must not sink the icon
		 * matrix: say why on its row. */
		if (rv != TD_OK && ns == 1) {
			return analysis_stats_fail(call, rv, s->unit, err);
		}
		out->suppressed_points += o->suppressed_points;
		out->series[out->n_series++] = o;
	}
	return analysis_reply(call, &out->base, &out->disclosure,
	                      analysis_series_disclosure(call, ss, ns),
	                      (int64_t) ns, resp);
}
