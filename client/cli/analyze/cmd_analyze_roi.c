/* SPDX-License-Identifier: MIT
 * tandem analyze roi: activities ranked by cost-effectiveness, and for one
 * activity its costs, impact, dose-response and sensitivity, with the
 * settings (price base, discount rate, seed, replicates) that repeat the
 * run exactly; the cost-effectiveness plane as SVG.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_analyze.h"
#include "figures.h"

#define NCOLS(a) (sizeof(a) / sizeof((a)[0]))
#define NO_RATIO "effect CI includes 0: no ratio"
#define MAX_SENS 16 /* distinct cost factors or discount rates shown */

static bool
has_ratio(const Tandem__V1__RoiRow *w)
{
	return !w->suppressed && !w->effect_ci_includes_zero
	    && w->ratio_available;
}

/* by_rank: ranked rows first by rank, unranked after, in server order. */
static int
by_rank(const void *a, const void *b)
{
	const Tandem__V1__RoiRow *x  = *(Tandem__V1__RoiRow *const *) a;
	const Tandem__V1__RoiRow *y  = *(Tandem__V1__RoiRow *const *) b;
	int                       rx = x->rank > 0 ? x->rank : INT32_MAX;
	int                       ry = y->rank > 0 ? y->rank : INT32_MAX;
	if (rx != ry) {
		return rx < ry ? -1 : 1;
	}
	return (x > y) - (x < y); /* the pointers keep server order stable */
}

/* has_impact: the server estimated an effect (it needs schools that took
 * part and schools that did not); otherwise its zeros mean nothing. */
static bool
has_impact(const Tandem__V1__RoiRow *w)
{
	return w->treated_schools > 0 && w->comparison_schools > 0;
}

static out_table *
ranking_table(cli *c, Tandem__V1__RoiRow **rows, size_t n)
{
	const char *cols[20];
	size_t      k = 0;
	cols[k++]     = "rank";
	cols[k++]     = "activity";
	cols[k++]     = "kind";
	cols[k++]     = "cost_per_student";
	analyze_ci_cols(c, cols, &k, "hedges_g", "g [95% CI]");
	analyze_ci_cols(c, cols, &k, "effect_per_1000",
	                "effect per $1,000 [95% CI]");
	cols[k++] = "cost_per_sd";
	if (c->format != OUT_TABLE) {
		cols[k++] = "effect_ci_includes_zero";
	}
	cols[k++]    = "note";
	out_table *t = out_table_create("ranking", k, cols);
	for (size_t i = 0; i < n; i++) {
		const Tandem__V1__RoiRow *w   = rows[i];
		bool                      s   = w->suppressed;
		bool                      eff = has_impact(w);
		if (w->rank > 0) {
			out_int(t, w->rank);
		} else {
			analyze_na(t, false);
		}
		out_str(t, w->activity);
		out_str(t, w->kind);
		analyze_num(t, false,
		            w->total_cost > 0 ? w->cost_per_student : NAN, 2);
		if (eff || s) {
			analyze_ci(c, t, s, w->hedges_g, w->g_low, w->g_high,
			           3);
		} else {
			analyze_ci(c, t, false, NAN, NAN, NAN, 3);
		}
		if (has_ratio(w) && eff) {
			analyze_ci(c, t, false, w->effect_per_1000,
			           w->effect_per_1000_low,
			           w->effect_per_1000_high, 3);
			analyze_num(t, false, w->cost_per_sd, 2);
		} else if (c->format == OUT_TABLE) {
			/* A ratio over an effect that may be 0 or negative
			 * means nothing: say so in its place. */
			if (s) {
				analyze_na(t, true);
			} else if (eff && w->effect_ci_includes_zero) {
				out_null(t, NO_RATIO);
			} else {
				analyze_na(t, false);
			}
			analyze_na(t, s);
		} else {
			for (int j = 0; j < 4; j++) {
				analyze_na(t, s);
			}
		}
		if (c->format != OUT_TABLE) {
			out_bool(t, eff && !s && w->effect_ci_includes_zero);
		}
		out_str(t, w->note);
	}
	return t;
}

/* ---- the detail of one activity ---- */

/* impact_table: one row of named values in CSV/JSON; in table format a
 * name/value column pair, which reads better for this many values. */
static out_table *
impact_table(cli *c, const Tandem__V1__RoiRow *w)
{
	bool s       = w->suppressed;
	bool eff     = has_impact(w);
	bool did_ok  = !s && eff && w->did_se > 0; /* no SE: no estimate */
	bool dose_ok = !s && eff && w->dose_se > 0; /* no hours recorded */
	if (c->format == OUT_TABLE) {
		static const char *cols[] = { "quantity", "value" };
		out_table         *t = out_table_create("impact", 2, cols);
		char               buf[128];
#define ROW(name, ...)                                                        \
	do {                                                                  \
		out_str(t, name);                                             \
		snprintf(buf, sizeof(buf), __VA_ARGS__);                      \
		out_str(t, buf);                                              \
	} while (0)
		ROW("schools", "%d took part, %d comparison",
		    w->treated_schools, w->comparison_schools);
		ROW("total cost", "%.2f", w->total_cost);
		if (w->cost_per_school > 0) {
			ROW("cost per school", "%.2f", w->cost_per_school);
		}
		/* 0 with a positive total: no educators are counted. */
		if (w->cost_per_educator > 0) {
			ROW("cost per educator", "%.2f", w->cost_per_educator);
		} else {
			ROW("cost per educator", "not available");
		}
		ROW("cost per student", "%.2f", w->cost_per_student);
		if (s) {
			ROW("impact", "suppressed (fewer than min_n people)");
		} else if (!eff) {
			ROW("impact", "not available: no schools to compare");
		} else {
			if (did_ok) {
				ROW("difference-in-differences",
				    "%.3f [%.3f, %.3f], SE %.3f", w->did,
				    w->did_low, w->did_high, w->did_se);
			} else {
				ROW("difference-in-differences",
				    "not available");
			}
			ROW("Hedges' g (pre-period SD)", "%.3f [%.3f, %.3f]",
			    w->hedges_g, w->g_low, w->g_high);
			if (dose_ok) {
				ROW("dose-response slope (per hour)",
				    "%.4f [%.4f, %.4f], SE %.4f",
				    w->dose_slope, w->dose_low, w->dose_high,
				    w->dose_se);
			} else {
				ROW("dose-response slope (per hour)",
				    "not available");
			}
			if (has_ratio(w)) {
				ROW("effect per $1,000 per student",
				    "%.3f [%.3f, %.3f]", w->effect_per_1000,
				    w->effect_per_1000_low,
				    w->effect_per_1000_high);
				ROW("dollars per student per SD", "%.2f",
				    w->cost_per_sd);
			} else {
				ROW("cost-effectiveness", "%s",
				    w->effect_ci_includes_zero
				        ? NO_RATIO
				        : "not available");
			}
		}
#undef ROW
		return t;
	}
	static const char *names[] = { "activity",
		                       "treated_schools",
		                       "comparison_schools",
		                       "total_cost",
		                       "cost_per_school",
		                       "cost_per_educator",
		                       "cost_per_student",
		                       "did",
		                       "did_low",
		                       "did_high",
		                       "did_se",
		                       "did_ols_se",
		                       "did_cluster_se",
		                       "pre_sd",
		                       "hedges_g",
		                       "g_low",
		                       "g_high",
		                       "dose_slope",
		                       "dose_low",
		                       "dose_high",
		                       "dose_se",
		                       "effect_per_1000",
		                       "effect_per_1000_low",
		                       "effect_per_1000_high",
		                       "cost_per_sd" };
	out_table         *t = out_table_create("impact", NCOLS(names), names);
	bool               r = has_ratio(w);
	out_str(t, w->activity);
	out_int(t, w->treated_schools);
	out_int(t, w->comparison_schools);
	analyze_num(t, false, w->total_cost, 2);
	analyze_num(t, false,
	            w->cost_per_school > 0 ? w->cost_per_school : NAN, 2);
	analyze_num(t, false,
	            w->cost_per_educator > 0 ? w->cost_per_educator : NAN, 2);
	analyze_num(t, false, w->cost_per_student, 2);
	analyze_num(t, s, did_ok ? w->did : NAN, 3);
	analyze_num(t, s, did_ok ? w->did_low : NAN, 3);
	analyze_num(t, s, did_ok ? w->did_high : NAN, 3);
	analyze_num(t, s, did_ok ? w->did_se : NAN, 3);
	analyze_num(t, s, did_ok && w->did_ols_se > 0 ? w->did_ols_se : NAN,
	            3);
	analyze_num(t, s,
	            did_ok && w->did_cluster_se > 0 ? w->did_cluster_se : NAN,
	            3);
	analyze_num(t, s, eff && w->pre_sd > 0 ? w->pre_sd : NAN, 3);
	analyze_num(t, s, eff ? w->hedges_g : NAN, 3);
	analyze_num(t, s, eff ? w->g_low : NAN, 3);
	analyze_num(t, s, eff ? w->g_high : NAN, 3);
	analyze_num(t, s, dose_ok ? w->dose_slope : NAN, 4);
	analyze_num(t, s, dose_ok ? w->dose_low : NAN, 4);
	analyze_num(t, s, dose_ok ? w->dose_high : NAN, 4);
	analyze_num(t, s, dose_ok ? w->dose_se : NAN, 4);
	analyze_num(t, s, r ? w->effect_per_1000 : NAN, 3);
	analyze_num(t, s, r ? w->effect_per_1000_low : NAN, 3);
	analyze_num(t, s, r ? w->effect_per_1000_high : NAN, 3);
	analyze_num(t, s, r ? w->cost_per_sd : NAN, 2);
	return t;
}

static out_table *
costs_table(const Tandem__V1__RoiRow *w)
{
	static const char *cols[]
	    = { "category", "year", "nominal", "present_value" };
	out_table *t   = out_table_create("costs", NCOLS(cols), cols);
	double     nom = 0, pv = 0;
	bool       nominal_known = false;
	/* Costs without any nominal amount but with present values carry
	 * no nominal figures at all: show them as not available. */
	for (size_t i = 0; i < w->n_costs; i++) {
		nominal_known |= w->costs[i]->nominal != 0;
	}
	for (size_t i = 0; i < w->n_costs; i++) {
		const Tandem__V1__CostBreakdown *b = w->costs[i];
		out_str(t, b->category);
		out_int(t, b->year);
		analyze_num(t, false, nominal_known ? b->nominal : NAN, 2);
		analyze_num(t, false, b->present_value, 2);
		nom += b->nominal;
		pv += b->present_value;
	}
	if (w->n_costs > 0) {
		out_str(t, "total");
		analyze_na(t, false);
		analyze_num(t, false, nominal_known ? nom : NAN, 2);
		out_num(t, pv, 2);
	}
	return t;
}

static int
find_value(const double *v, size_t n, double x)
{
	for (size_t i = 0; i < n; i++) {
		if (fabs(v[i] - x) < 1e-9) {
			return (int) i;
		}
	}
	return -1;
}

/* sensitivity_tables: in table format two grids (rows: cost factor,
 * columns: discount rate), effect per $1,000 and cost per student; in CSV
 * and JSON one long table. Returns how many tables it wrote into t. */
static size_t
sensitivity_tables(cli *c, const Tandem__V1__RoiRow *w, out_table **t)
{
	if (c->format != OUT_TABLE) {
		static const char *cols[]
		    = { "cost_factor", "discount_rate", "cost_per_student",
			"effect_per_1000" };
		t[0] = out_table_create("sensitivity", NCOLS(cols), cols);
		for (size_t i = 0; i < w->n_sensitivity; i++) {
			const Tandem__V1__SensitivityCell *e
			    = w->sensitivity[i];
			out_num(t[0], e->cost_factor, 2);
			out_num(t[0], e->discount_rate, 3);
			analyze_num(t[0], false, e->cost_per_student, 2);
			if (e->available) {
				analyze_num(t[0], false, e->effect_per_1000,
				            3);
			} else {
				out_null(t[0], "no ratio");
			}
		}
		return 1;
	}
	double factors[MAX_SENS], rates[MAX_SENS];
	size_t nf = 0, nr = 0;
	for (size_t i = 0; i < w->n_sensitivity; i++) {
		const Tandem__V1__SensitivityCell *e = w->sensitivity[i];
		if (find_value(factors, nf, e->cost_factor) < 0
		    && nf < MAX_SENS) {
			factors[nf++] = e->cost_factor;
		}
		if (find_value(rates, nr, e->discount_rate) < 0
		    && nr < MAX_SENS) {
			rates[nr++] = e->discount_rate;
		}
	}
	char        names[MAX_SENS][24];
	const char *cols[MAX_SENS + 1];
	cols[0] = "costs";
	for (size_t j = 0; j < nr; j++) {
		snprintf(names[j], sizeof(names[j]), "%g%%", 100 * rates[j]);
		cols[j + 1] = names[j];
	}
	t[0] = out_table_create("sensitivity: effect per $1,000 per student",
	                        nr + 1, cols);
	t[1] = out_table_create("sensitivity: cost per student", nr + 1, cols);
	for (size_t i = 0; i < nf; i++) {
		char label[32];
		snprintf(label, sizeof(label), "x%.2f", factors[i]);
		out_str(t[0], label);
		out_str(t[1], label);
		for (size_t j = 0; j < nr; j++) {
			const Tandem__V1__SensitivityCell *e = NULL;
			for (size_t m = 0; m < w->n_sensitivity && !e; m++) {
				const Tandem__V1__SensitivityCell *x
				    = w->sensitivity[m];
				if (fabs(x->cost_factor - factors[i]) < 1e-9
				    && fabs(x->discount_rate - rates[j])
				        < 1e-9) {
					e = x;
				}
			}
			if (e != NULL && e->available) {
				out_num(t[0], e->effect_per_1000, 3);
			} else {
				out_null(t[0], e ? "no ratio" : "-");
			}
			analyze_num(t[1], false, e ? e->cost_per_student : NAN,
			            2);
		}
	}
	return 2;
}

/* ---- the command ---- */

static int
roi_svg(cli *c, const analyze_opts *o, const Tandem__V1__RoiResponse *r)
{
	Tandem__V1__ListInstrumentsRequest req
	    = TANDEM__V1__LIST_INSTRUMENTS_REQUEST__INIT;
	Tandem__V1__ListInstrumentsResponse *reg = NULL;
	figure_measure                       m;
	td_status                            st = { 0 };
	const char **names = calloc(r->n_rows ? r->n_rows : 1, sizeof(*names));
	int          rv    = 1;
	if (names == NULL) {
		fprintf(stderr, "tandem: analyze roi: out of memory\n");
		return 1;
	}
	if (td_registry_list_instruments(cli_client(c), &req, &reg, &st)
	    != TD_CODE_OK) {
		fprintf(stderr,
		        "tandem: analyze roi: names are not available (%s); "
		        "the chart uses codes\n",
		        st.message);
	}
	td_status_reset(&st);
	figure_measure_from(&m, o->measure, reg);
	for (size_t i = 0; reg != NULL && i < r->n_rows; i++) {
		for (size_t j = 0; j < reg->n_activities; j++) {
			if (strcmp(reg->activities[j]->activity,
			           r->rows[i]->activity)
			        == 0
			    && reg->activities[j]->name[0]) {
				names[i] = reg->activities[j]->name;
			}
		}
	}
	FILE *f = analyze_svg_open(o, o->svg);
	if (f != NULL) {
		rv = analyze_svg_close(o, o->svg, f,
		                       figure_plane(f, &m, r, names, false));
		if (rv == 0) {
			fprintf(stderr, "tandem: wrote %s\n", o->svg);
		}
	}
	free(names);
	if (reg != NULL) {
		protobuf_c_message_free_unpacked(&reg->base, NULL);
	}
	return rv;
}

int
analyze_roi(cli *c, const analyze_opts *o)
{
	Tandem__V1__RoiRequest   req  = TANDEM__V1__ROI_REQUEST__INIT;
	Tandem__V1__RoiResponse *r    = NULL;
	Tandem__V1__RoiRow     **rows = NULL;
	int                      rv;
	req.measure   = analyze_measure(o);
	req.activity  = (char *) (o->activity ? o->activity : "");
	req.pre_from  = (char *) o->pre[0];
	req.pre_to    = (char *) o->pre[1];
	req.post_from = (char *) o->post[0];
	req.post_to   = (char *) o->post[1];
	/* 0 travels as "the default" (proto3), so no discounting is said with
	 * no_discount. */
	req.discount_rate = o->discount_rate;
	req.no_discount   = analyze_given(o, NO_DISCOUNT)
	    || (analyze_given(o, DISCOUNT_RATE) && o->discount_rate == 0);
	req.base_year = (int32_t) o->base_year;
	req.seed      = o->seed;
	req.bootstrap = (int32_t) o->bootstrap;
	req.students  = o->students;
	req.impact    = (char *) (o->impact ? o->impact : "");
	if ((rv = analyze_call(c, o, &td_analysis_roi_method, &req.base,
	                       (ProtobufCMessage **) &r))
	    != 0) {
		return rv;
	}
	rows = calloc(r->n_rows ? r->n_rows : 1, sizeof(*rows));
	if (rows == NULL) {
		fprintf(stderr, "tandem: analyze roi: out of memory\n");
		protobuf_c_message_free_unpacked(&r->base, NULL);
		return 1;
	}
	if (r->n_rows > 0) {
		memcpy(rows, r->rows, r->n_rows * sizeof(*rows));
		qsort(rows, r->n_rows, sizeof(*rows), by_rank);
	}

	char seed[24];
	snprintf(seed, sizeof(seed), "%" PRIu64, r->seed);
	static const char *acols[]
	    = { "measure",       "activity", "pre_from",       "pre_to",
		"post_from",     "post_to",  "price_adjusted", "base_year",
		"discount_rate", "seed",     "bootstrap",      "note",
		"impact" };
	out_table *about = out_table_create("about", NCOLS(acols), acols);
	out_str(about, o->measure);
	out_str(about, req.activity);
	out_str(about, o->pre[0]);
	out_str(about, o->pre[1]);
	out_str(about, o->post[0]);
	out_str(about, o->post[1]);
	out_bool(about, r->price_adjusted);
	out_int(about, r->base_year);
	out_num(about, r->discount_rate, 4);
	out_str(about, seed); /* a string: JSON numbers lose 64-bit seeds */
	out_int(about, r->bootstrap);
	out_str(about, r->note);
	out_str(about, r->impact[0] ? r->impact : "did");

	char disc[64];
	if (r->discount_rate > 0) {
		snprintf(disc, sizeof(disc), "discounted at %.1f%% a year",
		         100 * r->discount_rate);
	} else {
		snprintf(disc, sizeof(disc), "not discounted");
	}
	char line[1024];
	int  len = snprintf(
	     line, sizeof(line),
	     "Return on investment, %s: pre %s..%s, post %s..%s.\n"
	      "Costs in %d dollars%s, %s; bootstrap %d replicates, seed %s.\n"
	      "Repeat with: --base-year %d --discount-rate %g --seed %s "
	      "--bootstrap %d",
	     o->measure, o->pre[0], o->pre[1], o->post[0], o->post[1],
	     r->base_year,
            r->price_adjusted ? " (price-adjusted)"
	                       : " (not price-adjusted: no price index)",
	     disc, r->bootstrap, seed, r->base_year, r->discount_rate, seed,
	     r->bootstrap);
	if (r->note[0] && len > 0 && (size_t) len < sizeof(line)) {
		snprintf(line + len, sizeof(line) - (size_t) len, "\n%s",
		         r->note);
	}

	out_table *tables[6];
	size_t     nt = 0;
	tables[nt++]  = ranking_table(c, rows, r->n_rows);
	if (o->activity != NULL) {
		const Tandem__V1__RoiRow *w = NULL;
		for (size_t i = 0; i < r->n_rows && w == NULL; i++) {
			if (strcmp(r->rows[i]->activity, o->activity) == 0) {
				w = r->rows[i];
			}
		}
		if (w == NULL && r->n_rows == 1) {
			w = r->rows[0];
		}
		if (w != NULL) {
			tables[nt++] = impact_table(c, w);
			tables[nt++] = costs_table(w);
			nt += sensitivity_tables(c, w, tables + nt);
		}
	}
	analyze_print(c, line, about, tables, nt);
	rv = 0;
	if (o->svg != NULL) {
		if (r->n_rows == 0) {
			fprintf(stderr,
			        "tandem: analyze roi: no activities to "
			        "draw; %s not written\n",
			        o->svg);
		} else {
			rv = roi_svg(c, o, r);
		}
	}
	free(rows);
	protobuf_c_message_free_unpacked(&r->base, NULL);
	return rv;
}
