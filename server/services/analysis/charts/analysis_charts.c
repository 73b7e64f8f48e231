/* SPDX-License-Identifier: MIT
 * Analysis: run charts, control charts and the outlier screen, over the
 * rollup series of one scope (or every school or district side by side).
 * Suppressed points are left out of the statistics and counted.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "config.h"
#include "services.h"
#include "stats/charts/stats_control.h"
#include "stats/core/stats_disclosure.h"
#include "stats/charts/stats_outliers.h"
#include "stats/charts/stats_runchart.h"
#include "stats/core/stats_units.h"
#include "stats/charts/stats_xbar.h"
#include "stats/core/stats_moments.h"
#include "store/store_analysis.h"

static stats_rules
rules_of(Tandem__V1__RuleSet r)
{
	return r == TANDEM__V1__RULE_SET__IHI ? STATS_RULES_IHI
	    : r == TANDEM__V1__RULE_SET__NHS  ? STATS_RULES_NHS
	                                      : STATS_RULES_ANHOJ;
}

/* split_index finds the point whose label or start is split_at (0 =
 * none); -1 when it is not in the series. */
static long
split_index(rpc_call *call, const series_spec *spec, const series *s,
            const char *split_at)
{
	return split_at[0] == '\0'
	    ? 0
	    : analysis_period_index(call, spec, s, split_at);
}

/* exclusions marks the points of s named in periods (NULL when none);
 * false (status set) when a period is not in the series. */
static bool
exclusions(rpc_call *call, const series_spec *spec, const series *s,
           char **periods, size_t n_periods, bool **out)
{
	*out = NULL;
	if (n_periods == 0) {
		return true;
	}
	*out = rpc_arena_alloc(call->arena, s->n * sizeof(bool));
	if (*out == NULL) {
		rpc_fail(call, TD_CODE_RESOURCE_EXHAUSTED, "out of memory");
		return false;
	}
	memset(*out, 0, s->n * sizeof(bool));
	for (size_t k = 0; k < n_periods; k++) {
		long i = analysis_period_index(call, spec, s, periods[k]);
		if (i < 0) {
			rpc_detail(call, -1, "exclude", "period",
			           "exclude %s is not a period of %s",
			           periods[k], s->unit);
			rpc_fail(call, TD_CODE_INVALID_ARGUMENT,
			         "exclude %s is not a period of %s",
			         periods[k], s->unit);
			return false;
		}
		(*out)[i] = true;
	}
	return true;
}

static Tandem__V1__Series *
new_series(rpc_call *call, const series_spec *spec, const series *s,
           const char *chart)
{
	Tandem__V1__Series *out = RPC_NEW(call->arena, Tandem__V1__Series,
	                                  tandem__v1__series__init);
	if (out == NULL) {
		return NULL;
	}
	out->unit              = (char *) s->unit;
	out->label             = (char *) s->unit;
	out->chart             = (char *) chart;
	out->suppressed_points = (int32_t) s->n_suppressed;
	out->points = rpc_arena_alloc(call->arena, s->n * sizeof(void *));
	for (size_t i = 0; out->points && i < s->n; i++) {
		Tandem__V1__Point *p = RPC_NEW(call->arena, Tandem__V1__Point,
		                               tandem__v1__point__init);
		if (p == NULL) {
			return NULL;
		}
		p->period       = (char *) analysis_label(call, spec->grain,
		                                          s->pts[i].period);
		p->period_start = (char *) s->pts[i].period;
		/* a suppressed cell shows no exact n either */
		p->n           = s->suppressed[i] ? 0 : llround(s->people[i]);
		p->suppressed  = s->suppressed[i];
		p->suppression = s->reason[i] == STATS_DISC_PRIMARY ? "primary"
		    : s->reason[i] == STATS_DISC_COMPLEMENTARY
		    ? "complementary"
		    : "";
		p->value       = s->suppressed[i] ? 0 : s->value[i];
		out->points[out->n_points++] = p;
	}
	return out->points ? out : NULL;
}

/* One signal row per run: the points of v that carry bit, consecutive
 * among the points with a value (a gap, and a point on the centre that is
 * not part of the run, neither break nor count), on one side (limits and
 * runs) or in one direction (trends). */
typedef struct run_scan {
	rpc_call           *call;
	Tandem__V1__Series *out;
	size_t              cap;
	const char         *rule, *desc;
	long                first, last;
	int                 side; /* +1 above/up, -1 below/down, 0 unknown */
	size_t              len;
	bool                trend;
} run_scan;

static void
run_flush(run_scan *r)
{
	if (r->first < 0 || r->out->n_signals >= r->cap) {
		r->first = -1;
		return;
	}
	Tandem__V1__Signal *g = RPC_NEW(r->call->arena, Tandem__V1__Signal,
	                                tandem__v1__signal__init);
	if (g != NULL) {
		g->rule        = (char *) r->rule;
		g->description = (char *) r->desc;
		g->first_point = (int32_t) r->first;
		g->last_point  = (int32_t) r->last;
		g->length      = (int32_t) r->len;
		g->side
		    = (char *) (r->side == 0   ? ""
		                    : r->trend ? (r->side > 0 ? "up" : "down")
		                    : r->side > 0 ? "above"
		                                  : "below");
		r->out->signals[r->out->n_signals++] = g;
	}
	r->first = -1;
}

static void
add_runs(run_scan *r, const unsigned *sig, const stats_point_pos *pos,
         const double *v, size_t n, unsigned bit)
{
	r->first = -1;
	r->trend = bit == STATS_SIG_TREND;
	for (size_t i = 0; i < n; i++) {
		if (pos[i] == STATS_POS_MISSING
		    || (!(sig[i] & bit) && pos[i] == STATS_POS_ON)) {
			continue;
		}
		if (!(sig[i] & bit)) {
			run_flush(r);
			continue;
		}
		int side = pos[i] == STATS_POS_ABOVE ? 1
		    : pos[i] == STATS_POS_BELOW      ? -1
		                                     : 0;
		if (r->trend && r->first >= 0) {
			double d = v[i] - v[r->last];
			side     = d > 0 ? 1 : d < 0 ? -1 : r->side;
			if (r->side != 0 && side != r->side) {
				/* A turn: the peak ends one trend and starts
				 * the next. */
				long peak = r->last;
				run_flush(r);
				r->first = peak;
				r->len   = 1;
			} else if (r->side == 0) {
				r->side = side;
			}
			r->side = side;
			r->last = (long) i;
			r->len++;
			continue;
		}
		if (r->first >= 0 && (r->trend || side == r->side)) {
			r->last = (long) i;
			r->len++;
			continue;
		}
		run_flush(r);
		r->first = r->last = (long) i;
		r->len             = 1;
		r->side            = r->trend ? 0 : side;
	}
	run_flush(r);
}

static void
add_signals(rpc_call *call, Tandem__V1__Series *out, const unsigned *sig,
            const stats_point_pos *pos, const double *v, size_t n)
{
	static const struct {
		unsigned    bit;
		const char *rule, *desc;
	} rules[] = {
		{ STATS_SIG_LONG_RUN, "long_run",
		  "unusually long run on one side of the centre (Anhoej)" },
		{ STATS_SIG_SHIFT, "shift",
		  "shift: a run of points on one side of the centre" },
		{ STATS_SIG_TREND, "trend",
		  "trend: consecutive points rising or falling" },
		{ STATS_SIG_OUTSIDE, "outside_limits",
		  "points outside the limits" },
		{ STATS_SIG_TWO_OF_THREE, "two_of_three",
		  "two of three points beyond two-thirds of the limits" },
	};
	run_scan r = { call, out, 4 * n + 2, NULL, NULL, -1, -1, 0, 0, false };
	out->signals = rpc_arena_alloc(call->arena, r.cap * sizeof(void *));
	if (out->signals == NULL) {
		return;
	}
	/* Too few crossings is about the whole part, not a run. */
	long first = -1, last = -1;
	for (size_t i = 0; i < n; i++) {
		if (sig[i] & STATS_SIG_FEW_CROSSINGS) {
			first = first < 0 ? (long) i : first;
			last  = (long) i;
			r.len++;
		}
	}
	if (first >= 0) {
		r.rule  = "few_crossings";
		r.desc  = "too few crossings of the centre (Anhoej)";
		r.first = first;
		r.last  = last;
		r.side  = 0;
		run_flush(&r);
	}
	for (size_t k = 0; k < sizeof(rules) / sizeof(rules[0]); k++) {
		r.rule = rules[k].rule;
		r.desc = rules[k].desc;
		add_runs(&r, sig, pos, v, n, rules[k].bit);
	}
}

/* run_parts reports the run statistics of every part of the series. */
static void
run_parts(rpc_call *call, Tandem__V1__Series *out, size_t nseg,
          const size_t *start, const size_t *end, const double *centre,
          const stats_run_summary *rs)
{
	out->parts = rpc_arena_alloc(call->arena, nseg * sizeof(void *));
	for (size_t k = 0; out->parts && k < nseg; k++) {
		Tandem__V1__RunPart *p
		    = RPC_NEW(call->arena, Tandem__V1__RunPart,
		              tandem__v1__run_part__init);
		if (p == NULL) {
			return;
		}
		p->first_point             = (int32_t) start[k];
		p->last_point              = (int32_t) end[k] - 1;
		p->centre                  = centre[k];
		p->useful_points           = (int32_t) rs[k].n_useful;
		p->longest_run             = (int32_t) rs[k].longest_run;
		p->longest_run_limit       = (int32_t) rs[k].longest_run_max;
		p->crossings               = (int32_t) rs[k].n_crossings;
		p->crossings_limit         = (int32_t) rs[k].n_crossings_min;
		p->longest_shift           = (int32_t) rs[k].longest_shift;
		p->longest_trend           = (int32_t) rs[k].longest_trend;
		out->parts[out->n_parts++] = p;
	}
}

static void
run_summary(Tandem__V1__Series *out, const stats_run_summary *rs)
{
	out->useful_points     = (int32_t) rs->n_useful;
	out->longest_run       = (int32_t) rs->longest_run;
	out->longest_run_limit = (int32_t) rs->longest_run_max;
	out->crossings         = (int32_t) rs->n_crossings;
	out->crossings_limit   = (int32_t) rs->n_crossings_min;
}

static Tandem__V1__SeriesResponse *
new_response(rpc_call *call, const series_spec *spec, size_t n_series)
{
	Tandem__V1__SeriesResponse *r
	    = RPC_NEW(call->arena, Tandem__V1__SeriesResponse,
	              tandem__v1__series_response__init);
	if (r != NULL) {
		r->measure = rpc_arena_strdup(call->arena, spec->measure);
		r->min_n   = call->cfg->min_n;
		r->series  = rpc_arena_alloc(
		     call->arena, (n_series ? n_series : 1) * sizeof(void *));
	}
	return r;
}

/* load_series: the series of the query's scope, or NOT_FOUND when the
 * scope has no data (spec and load set the status on their errors). */
static int
load_series(rpc_call *call, const Tandem__V1__SeriesQuery *q,
            series_spec *spec, series **ss, size_t *ns)
{
	int code;
	if (!analysis_spec(call, q, spec)) {
		return call->code;
	}
	if ((code = analysis_load(call, q, spec, ss, ns)) != TD_CODE_OK) {
		return code;
	}
	if (*ns == 0) {
		return rpc_fail(call, TD_CODE_NOT_FOUND,
		                "no data for %s in this scope and period",
		                spec->measure);
	}
	return TD_CODE_OK;
}

static int
reply_series(rpc_call *call, Tandem__V1__SeriesResponse *out, const series *ss,
             size_t ns, ProtobufCMessage **resp)
{
	if (out == NULL) {
		return rpc_fail(call, TD_CODE_RESOURCE_EXHAUSTED,
		                "out of memory");
	}
	return analysis_reply(call, &out->base, &out->disclosure,
	                      analysis_series_disclosure(call, ss, ns),
	                      (int64_t) ns, resp);
}

int
analysis_run_chart(rpc_call *call, const ProtobufCMessage *req,
                   ProtobufCMessage **resp)
{
	const Tandem__V1__RunChartRequest *in = (const void *) req;
	series_spec                        spec;
	series                            *ss;
	size_t                             ns;
	int                                code;
	if (in->query == NULL) {
		return rpc_fail(call, TD_CODE_INVALID_ARGUMENT, "no query");
	}
	if ((code = load_series(call, in->query, &spec, &ss, &ns))
	    != TD_CODE_OK) {
		return code;
	}
	Tandem__V1__SeriesResponse *out = new_response(call, &spec, ns);
	for (size_t k = 0; out && k < ns; k++) {
		const series       *s = &ss[k];
		stats_runchart_opts o
		    = { rules_of(in->rules),
			(size_t) (in->baseline > 0 ? in->baseline : 0), 0,
			NULL };
		bool *ex;
		if (!exclusions(call, &spec, s, in->exclude, in->n_exclude,
		                &ex)) {
			return call->code;
		}
		o.exclude = ex;
		stats_runchart_result rr;
		char                  err[TD_ERRMSG_MAX];
		long split = split_index(call, &spec, s, in->split_at);
		if (split < 0) {
			/* a cycle:CODE split has said why already */
			return call->code != TD_CODE_OK
			    ? call->code
			    : rpc_fail(call, TD_CODE_INVALID_ARGUMENT,
			               "split_at %s is not a period of %s",
			               in->split_at, s->unit);
		}
		o.split                = (size_t) split;
		Tandem__V1__Series *os = new_series(call, &spec, s, "run");
		if (os == NULL) {
			return rpc_fail(call, TD_CODE_RESOURCE_EXHAUSTED,
			                "out of memory");
		}
		int rv = stats_runchart(s->value, s->n, &o, &rr, err);
		if (rv != TD_OK) {
			/* One unit without enough data must not sink the
			 * small multiples: say why on that series. */
			if (ns == 1) {
				return analysis_stats_fail(call, rv, s->unit,
				                           err);
			}
			os->note = rpc_arena_strdup(call->arena, err);
		} else {
			for (size_t i = 0; i < s->n; i++) {
				Tandem__V1__Point *p = os->points[i];
				p->centre            = rr.centre[i];
				p->run_signal
				    = (rr.signals[i]
				       & (STATS_SIG_LONG_RUN | STATS_SIG_SHIFT
				          | STATS_SIG_TREND))
				    != 0;
				p->baseline = in->baseline > 0
				    && i < (size_t) in->baseline;
				p->excluded = ex != NULL && ex[i];
			}
			add_signals(call, os, rr.signals, rr.pos, s->value,
			            s->n);
			run_summary(os, &rr.seg[rr.nsegments - 1].runs);
			size_t            st[2], en[2];
			double            ce[2];
			stats_run_summary rs[2];
			for (size_t g = 0; g < rr.nsegments; g++) {
				st[g] = rr.seg[g].start;
				en[g] = rr.seg[g].end;
				ce[g] = rr.seg[g].centre;
				rs[g] = rr.seg[g].runs;
			}
			run_parts(call, os, rr.nsegments, st, en, ce, rs);
			stats_runchart_result_free(&rr);
		}
		out->suppressed_points += os->suppressed_points;
		out->series[out->n_series++] = os;
	}
	return reply_series(call, out, ss, ns, resp);
}

static bool
chart_of(const char *name, stats_chart *c)
{
	static const struct {
		const char *name;
		stats_chart chart;
	} charts[] = { { "", STATS_CHART_I },    { "i", STATS_CHART_I },
		       { "mr", STATS_CHART_MR }, { "p", STATS_CHART_P },
		       { "pp", STATS_CHART_PP }, { "u", STATS_CHART_U },
		       { "up", STATS_CHART_UP }, { "c", STATS_CHART_C } };
	for (size_t i = 0; i < sizeof(charts) / sizeof(charts[0]); i++) {
		if (strcmp(charts[i].name, name) == 0) {
			*c = charts[i].chart;
			return true;
		}
	}
	return false;
}

/* chart_fits_unit refuses a chart that does not fit the measure's unit
 * (ANALYSES.md): p and p' need proportions (a proportion or percent
 * measure, or a survey's percent favourable), u and u' a rate, c a
 * count; i and MR fit any value. */
static int
chart_fits_unit(rpc_call *call, const series_spec *spec, stats_chart chart,
                stats_unit *unit)
{
	store_measure_meta meta;
	int                rv;
	const char        *need = NULL;
	*unit                   = STATS_UNIT_SCALE;
	if (chart == STATS_CHART_I || chart == STATS_CHART_MR) {
		return TD_CODE_OK;
	}
	if (spec->survey) {
		if ((chart == STATS_CHART_P || chart == STATS_CHART_PP)
		    && spec->favourable) {
			*unit = STATS_UNIT_PROPORTION;
			return TD_CODE_OK;
		}
		return rpc_fail(call, TD_CODE_FAILED_PRECONDITION,
		                "a %s chart does not fit %s: a survey "
		                "construct gives a p chart of :favourable, "
		                "or an i chart of :mean",
		                stats_chart_name(chart), spec->measure);
	}
	if ((rv = store_measure_meta_get(call->store, spec->measure, &meta))
	    != TD_OK) {
		return analysis_db_fail(call, rv);
	}
	*unit = stats_unit_of(meta.unit);
	switch (chart) {
	case STATS_CHART_P:
	case STATS_CHART_PP:
		if (*unit != STATS_UNIT_PROPORTION
		    && *unit != STATS_UNIT_PERCENT) {
			need = "a proportion or percent";
		}
		break;
	case STATS_CHART_U:
	case STATS_CHART_UP:
		if (*unit != STATS_UNIT_RATE) {
			need = "a rate (events per unit of exposure n)";
		}
		break;
	case STATS_CHART_C:
		if (*unit != STATS_UNIT_COUNT) {
			need = "a count";
		}
		break;
	default:
		break;
	}
	if (need != NULL) {
		return rpc_fail(call, TD_CODE_FAILED_PRECONDITION,
		                "a %s chart needs %s measure: %s's unit is "
		                "'%s'; an i chart fits any measure",
		                stats_chart_name(chart), need, spec->measure,
		                meta.unit[0] ? meta.unit : "(none)");
	}
	return TD_CODE_OK;
}

/* xbar_chart: Xbar and S charts of a survey construct, the respondents
 * of each period being the subgroup (qicharts2's xbar and s). */
static int
xbar_chart(rpc_call *call, const Tandem__V1__ControlChartRequest *in,
           bool s_chart, ProtobufCMessage **resp)
{
	series_spec spec;
	series     *ss;
	size_t      ns;
	int         code;
	if (in->split_at[0] != '\0' || in->n_exclude > 0) {
		return rpc_fail(call, TD_CODE_INVALID_ARGUMENT,
		                "split_at and exclude are not supported on "
		                "xbar and s charts");
	}
	if ((code = load_series(call, in->query, &spec, &ss, &ns))
	    != TD_CODE_OK) {
		return code;
	}
	if (!spec.survey || spec.favourable) {
		return rpc_fail(call, TD_CODE_FAILED_PRECONDITION,
		                "an %s chart needs a survey construct's mean "
		                "(survey:SURVEY/CONSTRUCT:mean), whose "
		                "respondents are the subgroups; %s is not one",
		                s_chart ? "s" : "xbar", spec.measure);
	}
	Tandem__V1__SeriesResponse *out = new_response(call, &spec, ns);
	for (size_t k = 0; out && k < ns; k++) {
		const series *s = &ss[k];
		double       *m
		    = rpc_arena_alloc(call->arena, s->n * sizeof(double));
		double *sd
		    = rpc_arena_alloc(call->arena, s->n * sizeof(double));
		double *n
		    = rpc_arena_alloc(call->arena, s->n * sizeof(double));
		Tandem__V1__Series *os
		    = new_series(call, &spec, s, s_chart ? "s" : "xbar");
		if (!m || !sd || !n || !os) {
			return rpc_fail(call, TD_CODE_RESOURCE_EXHAUSTED,
			                "out of memory");
		}
		for (size_t i = 0; i < s->n; i++) {
			const store_point *p  = &s->pts[i];
			stats_moments      mo = stats_moments_from_sums(
			         p->n_sum, p->wsum, p->wsumsq);
			m[i]  = s->suppressed[i] ? NAN : mo.mean;
			sd[i] = mo.has_sd ? mo.sd : NAN;
			n[i]  = p->n_sum;
		}
		stats_xbar_result xr;
		char              err[TD_ERRMSG_MAX];
		int               rv = stats_xbar_s(
		                  m, sd, n, s->n, s_chart,
		                  (size_t) (in->baseline > 0 ? in->baseline : 0),
		                  rules_of(in->rules), &xr, err);
		if (rv != TD_OK) {
			if (ns == 1) {
				return analysis_stats_fail(call, rv, s->unit,
				                           err);
			}
			os->note = rpc_arena_strdup(call->arena, err);
		} else {
			for (size_t i = 0; i < s->n; i++) {
				Tandem__V1__Point *p = os->points[i];
				p->centre            = xr.cl;
				if (!isnan(xr.value[i])) {
					p->value = xr.value[i];
				}
				p->has_limits  = xr.has_limits[i];
				p->lcl         = xr.lcl[i];
				p->ucl         = xr.ucl[i];
				p->denominator = n[i];
				p->outside_limits
				    = (xr.signals[i] & STATS_SIG_OUTSIDE) != 0;
				p->run_signal
				    = (xr.signals[i]
				       & (STATS_SIG_LONG_RUN | STATS_SIG_SHIFT
				          | STATS_SIG_TREND))
				    != 0;
				p->baseline = in->baseline > 0
				    && i < (size_t) in->baseline;
			}
			add_signals(call, os, xr.signals, xr.pos, xr.value,
			            s->n);
			run_summary(os, &xr.runs);
			stats_xbar_result_free(&xr);
		}
		out->suppressed_points += os->suppressed_points;
		out->series[out->n_series++] = os;
	}
	return reply_series(call, out, ss, ns, resp);
}

int
analysis_control_chart(rpc_call *call, const ProtobufCMessage *req,
                       ProtobufCMessage **resp)
{
	const Tandem__V1__ControlChartRequest *in = (const void *) req;
	series_spec                            spec;
	series                                *ss;
	size_t                                 ns;
	stats_chart                            chart;
	int                                    code;
	if (in->query == NULL) {
		return rpc_fail(call, TD_CODE_INVALID_ARGUMENT, "no query");
	}
	if (strcmp(in->chart, "xbar") == 0 || strcmp(in->chart, "s") == 0) {
		return xbar_chart(call, in, in->chart[0] == 's', resp);
	}
	if (!chart_of(in->chart, &chart)) {
		rpc_detail(call, -1, "chart", "enum",
		           "chart '%s' is not one of i|mr|p|pp|u|up|c|xbar|s",
		           in->chart);
		return rpc_fail(call, TD_CODE_INVALID_ARGUMENT,
		                "unknown chart %s", in->chart);
	}
	bool proportion = chart == STATS_CHART_P || chart == STATS_CHART_PP;
	bool rate       = chart == STATS_CHART_U || chart == STATS_CHART_UP;
	if ((code = load_series(call, in->query, &spec, &ss, &ns))
	    != TD_CODE_OK) {
		return code;
	}
	stats_unit unit;
	if ((code = chart_fits_unit(call, &spec, chart, &unit))
	    != TD_CODE_OK) {
		return code;
	}
	Tandem__V1__SeriesResponse *out = new_response(call, &spec, ns);
	for (size_t k = 0; out && k < ns; k++) {
		const series *s = &ss[k];
		double       *y
		    = rpc_arena_alloc(call->arena, s->n * sizeof(double));
		double *den
		    = rpc_arena_alloc(call->arena, s->n * sizeof(double));
		for (size_t i = 0; y && den && i < s->n; i++) {
			const store_point *p = &s->pts[i];
			/* p charts count favourable answers of all answers (a
			 * survey) or the events the unit implies among n
			 * people; u charts events per unit of exposure. */
			if (proportion && spec.favourable) {
				y[i]   = (double) p->fav;
				den[i] = (double) p->items;
			} else if (proportion || rate) {
				y[i]   = p->n_sum > 0 ? stats_unit_events(
				             unit, p->wsum / p->n_sum, p->n_sum)
				                      : NAN;
				den[i] = p->n_sum;
			} else {
				y[i]   = s->value[i];
				den[i] = NAN;
			}
			if (s->suppressed[i]) {
				y[i] = NAN;
			}
		}
		if (proportion) {
			for (size_t i = 0; i < s->n; i++) {
				if (!isnan(y[i]) && y[i] > den[i] + 1e-9) {
					return rpc_fail(
					    call, TD_CODE_FAILED_PRECONDITION,
					    "a p chart needs a proportion: %s "
					    "has a value above its unit's "
					    "maximum at %s",
					    spec.measure, s->pts[i].period);
				}
			}
		}
		long split = split_index(call, &spec, s, in->split_at);
		if (split < 0) {
			/* a cycle:CODE split has said why already */
			return call->code != TD_CODE_OK
			    ? call->code
			    : rpc_fail(call, TD_CODE_INVALID_ARGUMENT,
			               "split_at %s is not a period of %s",
			               in->split_at, s->unit);
		}
		stats_control_opts o
		    = { chart,
			rules_of(in->rules),
			(size_t) (in->baseline > 0 ? in->baseline : 0),
			(size_t) split,
			false,
			NULL };
		bool *ex;
		if (!exclusions(call, &spec, s, in->exclude, in->n_exclude,
		                &ex)) {
			return call->code;
		}
		o.exclude = ex;
		stats_control_result cr;
		char                 err[TD_ERRMSG_MAX];
		Tandem__V1__Series  *os = new_series(
		     call, &spec, s, in->chart[0] ? in->chart : "i");
		if (os == NULL || y == NULL || den == NULL) {
			return rpc_fail(call, TD_CODE_RESOURCE_EXHAUSTED,
			                "out of memory");
		}
		int rv = stats_control(y, proportion || rate ? den : NULL,
		                       s->n, &o, &cr, err);
		if (rv != TD_OK) {
			if (ns == 1) {
				return analysis_stats_fail(call, rv, s->unit,
				                           err);
			}
			os->note = rpc_arena_strdup(call->arena, err);
		} else {
			for (size_t i = 0; i < s->n; i++) {
				Tandem__V1__Point *p = os->points[i];
				p->centre            = cr.cl[i];
				if (cr.skip[i] == STATS_SKIP_NONE) {
					p->value      = cr.value[i];
					p->lcl        = cr.lcl[i];
					p->ucl        = cr.ucl[i];
					p->has_limits = true;
					p->denominator
					    = isnan(den[i]) ? 0 : den[i];
				}
				p->outside_limits
				    = (cr.signals[i] & STATS_SIG_OUTSIDE) != 0;
				p->run_signal
				    = (cr.signals[i]
				       & (STATS_SIG_LONG_RUN | STATS_SIG_SHIFT
				          | STATS_SIG_TREND
				          | STATS_SIG_TWO_OF_THREE))
				    != 0;
				p->baseline = in->baseline > 0
				    && i < (size_t) in->baseline;
				p->excluded = ex != NULL && ex[i];
			}
			add_signals(call, os, cr.signals, cr.pos, cr.value,
			            s->n);
			run_summary(os, &cr.seg[cr.nsegments - 1].runs);
			size_t            st[2], en[2];
			double            ce[2];
			stats_run_summary rs[2];
			for (size_t g = 0; g < cr.nsegments; g++) {
				st[g] = cr.seg[g].start;
				en[g] = cr.seg[g].end;
				ce[g] = cr.seg[g].cl;
				rs[g] = cr.seg[g].runs;
			}
			run_parts(call, os, cr.nsegments, st, en, ce, rs);
			stats_control_result_free(&cr);
		}
		out->suppressed_points += os->suppressed_points;
		out->series[out->n_series++] = os;
	}
	return reply_series(call, out, ss, ns, resp);
}
