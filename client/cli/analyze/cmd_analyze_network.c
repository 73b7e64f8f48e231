/* SPDX-License-Identifier: MIT
 * tandem analyze positive-deviance, compare, variance, reliability,
 * agreement and completeness: the analyses that look across the schools of
 * the network at one time, and at the instruments and the data themselves.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_analyze.h"
#include "figures.h"

#define NCOLS(a) (sizeof(a) / sizeof((a)[0]))
#define LEVEL(x) (1u << TANDEM__V1__SCOPE_LEVEL__##x)

/* Missing schools the table shows before "... (+N)". */
#define MISSING_SHOWN 3

/* fmt_p writes "p = 0.0123" or "p < 0.0001". */
static void
fmt_p(char *buf, size_t size, double p)
{
	if (!isfinite(p)) {
		snprintf(buf, size, "p not available");
	} else if (p < 0.0001) {
		snprintf(buf, size, "p < 0.0001");
	} else {
		snprintf(buf, size, "p = %.4f", p);
	}
}

/* fmt_df: degrees of freedom, whole when they are. */
static void
fmt_df(char *buf, size_t size, double df)
{
	snprintf(buf, size, df == floor(df) ? "%.0f" : "%.1f", df);
}

/* ---- positive deviance ---- */

static int
by_shrunken(const void *a, const void *b)
{
	const Tandem__V1__DeviantRow *x = *(Tandem__V1__DeviantRow *const *) a;
	const Tandem__V1__DeviantRow *y = *(Tandem__V1__DeviantRow *const *) b;
	if (x->suppressed != y->suppressed) {
		return x->suppressed ? 1 : -1;
	}
	if (!x->suppressed && x->shrunken != y->shrunken) {
		return x->shrunken > y->shrunken ? -1 : 1;
	}
	return strcmp(x->school, y->school);
}

static int
deviance_svg(cli *c, const analyze_opts *o,
             const Tandem__V1__PositiveDevianceResponse *r, double threshold)
{
	Tandem__V1__ListSchoolsRequest lreq
	    = TANDEM__V1__LIST_SCHOOLS_REQUEST__INIT;
	Tandem__V1__ListSchoolsResponse *ls = NULL;
	figure_measure                   m;
	figure_names                     nm = { 0 };
	td_status                        st = { 0 };
	/* Names and units make the chart readable; without them it still
	 * draws, with the codes. */
	if (figure_measure_fetch(cli_client(c), o->measure, &m, &st)
	        != TD_CODE_OK
	    || td_registry_list_schools(cli_client(c), &lreq, &ls, &st)
	        != TD_CODE_OK) {
		fprintf(
		    stderr,
		    "tandem: analyze %s: names are not available (%s); the "
		    "chart uses codes\n",
		    o->sub, st.message);
	}
	td_status_reset(&st);
	if (figure_names_from(&nm, ls) != 0) {
		memset(&nm, 0, sizeof(nm));
	}
	FILE *f  = analyze_svg_open(o, o->svg);
	int   rv = 1;
	if (f != NULL) {
		rv = analyze_svg_close(
		    o, o->svg, f,
		    figure_deviance(f, &m, r, &nm, threshold, false));
		if (rv == 0) {
			fprintf(stderr, "tandem: wrote %s\n", o->svg);
		}
	}
	figure_names_free(&nm);
	if (ls != NULL) {
		protobuf_c_message_free_unpacked(&ls->base, NULL);
	}
	return rv;
}

/* pi_cell writes "[%.*f, %.*f]" of lo and hi; without printf for the
 * values a table shows (10,000 rows a call). */
static void
pi_cell(char *buf, size_t cap, double lo, double hi, int d)
{
	if (!(fabs(lo) < 1e15 && fabs(hi) < 1e15 && d >= 0 && d <= 9
	      && cap >= 64)) {
		snprintf(buf, cap, "[%.*f, %.*f]", d, lo, d, hi);
		return;
	}
	size_t k = 0; /* each number: at most 1 + 15 + 1 + 9 characters */
	buf[k++] = '[';
	k += out_fixed(buf + k, cap - k, lo, d);
	buf[k++] = ',';
	buf[k++] = ' ';
	k += out_fixed(buf + k, cap - k, hi, d);
	buf[k++] = ']';
	buf[k]   = '\0';
}

int
analyze_positive_deviance(cli *c, const analyze_opts *o)
{
	Tandem__V1__SeriesQuery             q = TANDEM__V1__SERIES_QUERY__INIT;
	Tandem__V1__PositiveDevianceRequest req
	    = TANDEM__V1__POSITIVE_DEVIANCE_REQUEST__INIT;
	Tandem__V1__PositiveDevianceResponse *r    = NULL;
	Tandem__V1__DeviantRow              **rows = NULL;
	int rv = analyze_query(o, LEVEL(EACH_SCHOOL),
	                       TANDEM__V1__SCOPE_LEVEL__EACH_SCHOOL, &q);
	if (rv != 0) {
		return rv;
	}
	req.query               = &q;
	req.n_covariates        = o->n_covariates;
	req.covariates          = (char **) o->covariates;
	req.threshold           = o->threshold;
	req.persistence_periods = (int32_t) o->persistence;
	if ((rv = analyze_call(c, o, &td_analysis_positive_deviance_method,
	                       &req.base, (ProtobufCMessage **) &r))
	    != 0) {
		return rv;
	}
	double threshold = o->threshold > 0 ? o->threshold : 1.645;
	long   k         = o->persistence > 0 ? o->persistence : 3;
	rows             = calloc(r->n_rows ? r->n_rows : 1, sizeof(*rows));
	if (rows == NULL) {
		fprintf(stderr, "tandem: analyze %s: out of memory\n", o->sub);
		protobuf_c_message_free_unpacked(&r->base, NULL);
		return 1;
	}
	/* Ranked by shrunken residual: the server's order is not part of the
	 * contract. */
	if (r->n_rows > 0) {
		memcpy(rows, r->rows, r->n_rows * sizeof(*rows));
		qsort(rows, r->n_rows, sizeof(*rows), by_shrunken);
	}
	size_t flagged = 0;
	double m       = 0;
	for (size_t i = 0; i < r->n_rows; i++) {
		flagged += rows[i]->flagged && !rows[i]->suppressed;
		if (!rows[i]->suppressed && fabs(rows[i]->actual) > m) {
			m = fabs(rows[i]->actual);
		}
	}
	int d = analyze_decimals(m);

	static const char *acols[] = { "measure",        "period",
		                       "units",          "r_squared",
		                       "tau_squared",    "sigma_squared",
		                       "threshold",      "persistence_periods",
		                       "flagged",        "suppressed",
		                       "variance_source" };
	out_table *about = out_table_create("about", NCOLS(acols), acols);
	out_str(about, o->measure);
	out_str(about, r->period);
	out_int(about, r->units);
	analyze_num(about, false, r->r_squared, 3);
	analyze_num(about, false, r->tau_squared, 4);
	analyze_num(about, false, r->sigma_squared, 4);
	out_num(about, threshold, 3);
	out_int(about, k);
	out_int(about, (int64_t) flagged);
	out_int(about, r->suppressed);
	out_str(about, r->variance_source);

	static const char *mcols[] = { "term", "estimate", "std_error" };
	out_table *model = out_table_create("model", NCOLS(mcols), mcols);
	for (size_t i = 0; i < r->n_coefficients; i++) {
		const Tandem__V1__Coefficient *e = r->coefficients[i];
		out_str(model, e->name);
		analyze_num(model, false, e->estimate, 3);
		analyze_num(model, false, e->std_error, 3);
	}

	const char *ucols[20];
	size_t      nc = 0;
	ucols[nc++]    = "rank";
	ucols[nc++]    = "school";
	ucols[nc++]    = "name";
	ucols[nc++]    = "n";
	ucols[nc++]    = "actual";
	ucols[nc++]    = "predicted";
	ucols[nc++]    = "residual";
	ucols[nc++]    = "studentized";
	if (c->format == OUT_TABLE) {
		ucols[nc++] = "95% PI";
	} else {
		ucols[nc++] = "pi_low";
		ucols[nc++] = "pi_high";
	}
	ucols[nc++] = "lambda";
	ucols[nc++] = "shrunken";
	ucols[nc++] = "flagged";
	if (c->format == OUT_TABLE) {
		ucols[nc++] = "persistence";
	} else {
		ucols[nc++] = "persistence";
		ucols[nc++] = "persistence_of";
	}
	out_table *units = out_table_create("units", nc, ucols);
	int64_t    rank  = 0;
	out_table_reserve(units, r->n_rows);
	for (size_t i = 0; i < r->n_rows; i++) {
		const Tandem__V1__DeviantRow *w = rows[i];
		bool                          s = w->suppressed;
		if (s) {
			analyze_na(units, false);
		} else {
			out_int(units, ++rank);
		}
		out_str(units, w->school);
		out_str(units, w->name);
		analyze_n(units, s, w->n);
		analyze_num(units, s, w->actual, d);
		analyze_num(units, s, w->predicted, d);
		analyze_num(units, s, w->residual, d);
		analyze_num(units, s, w->studentized, 3);
		if (c->format == OUT_TABLE) {
			char buf[96];
			if (s || !isfinite(w->pi_low)
			    || !isfinite(w->pi_high)) {
				analyze_na(units, s);
			} else {
				pi_cell(buf, sizeof(buf), w->pi_low,
				        w->pi_high, d);
				out_str(units, buf);
			}
		} else {
			analyze_num(units, s, w->pi_low, d);
			analyze_num(units, s, w->pi_high, d);
		}
		analyze_num(units, s, w->lambda, 3);
		analyze_num(units, s, w->shrunken, d);
		out_bool(units, w->flagged && !s);
		if (c->format == OUT_TABLE) {
			char buf[32];
			if (w->persistence_of > 0) {
				snprintf(buf, sizeof(buf), "%d/%d",
				         w->persistence, w->persistence_of);
				out_str(units, buf);
			} else {
				analyze_na(units, false);
			}
		} else if (w->persistence_of > 0) {
			out_int(units, w->persistence);
			out_int(units, w->persistence_of);
		} else {
			analyze_na(units, false);
			analyze_na(units, false);
		}
	}

	char line[512];
	snprintf(line, sizeof(line),
	         "Positive deviance in %s%s%s: N = %d schools, R² = %.3f; %zu "
	         "flagged (studentized > %.3f, shrunken > 0, n >= min_n); "
	         "persistence over the last %ld periods; %d suppressed.",
	         o->measure, r->period[0] ? ", " : "", r->period, r->units,
	         r->r_squared, flagged, threshold, k, r->suppressed);
	out_table *tables[2] = { model, units };
	analyze_print(c, line, about, tables, 2);
	rv = 0;
	if (o->svg != NULL) {
		if (r->n_rows == 0) {
			fprintf(stderr,
			        "tandem: analyze %s: no schools to draw; "
			        "%s not written\n",
			        o->sub, o->svg);
		} else {
			rv = deviance_svg(c, o, r, threshold);
		}
	}
	free(rows);
	protobuf_c_message_free_unpacked(&r->base, NULL);
	return rv;
}

/* ---- compare ---- */

int
analyze_compare(cli *c, const analyze_opts *o)
{
	Tandem__V1__SeriesQuery      q   = TANDEM__V1__SERIES_QUERY__INIT;
	Tandem__V1__CompareRequest   req = TANDEM__V1__COMPARE_REQUEST__INIT;
	Tandem__V1__CompareResponse *r   = NULL;
	int rv = analyze_query(o, LEVEL(EACH_SCHOOL) | LEVEL(EACH_DISTRICT),
	                       TANDEM__V1__SCOPE_LEVEL__EACH_SCHOOL, &q);
	if (rv != 0) {
		return rv;
	}
	req.query     = &q;
	req.reference = (char *) (o->reference ? o->reference : "");
	if ((rv = analyze_call(c, o, &td_analysis_compare_method, &req.base,
	                       (ProtobufCMessage **) &r))
	    != 0) {
		return rv;
	}
	double m = 0;
	for (size_t i = 0; i < r->n_groups; i++) {
		if (!r->groups[i]->suppressed
		    && fabs(r->groups[i]->mean) > m) {
			m = fabs(r->groups[i]->mean);
		}
	}
	int  d        = analyze_decimals(m);
	bool anova    = r->has_anova;
	bool has_deff = r->design_effect > 0; /* >= 1 when given */

	static const char *acols[]
	    = { "measure",   "groups",        "reference",  "anova_f",
		"anova_df1", "anova_df2",     "anova_p",    "eta_squared",
		"icc",       "design_effect", "suppressed", "units",
		"note" };
	out_table *about = out_table_create("about", NCOLS(acols), acols);
	out_str(about, o->measure);
	out_int(about, (int64_t) r->n_groups);
	out_str(about, o->reference ? o->reference : "");
	analyze_num(about, false, anova ? r->anova_f : NAN, 3);
	analyze_num(about, false, anova ? r->anova_df1 : NAN, 1);
	analyze_num(about, false, anova ? r->anova_df2 : NAN, 1);
	analyze_p(c, about, false, anova ? r->anova_p : NAN);
	analyze_num(about, false, anova ? r->eta_squared : NAN, 3);
	analyze_num(about, false, has_deff ? r->icc : NAN, 3);
	analyze_num(about, false, has_deff ? r->design_effect : NAN, 3);
	out_int(about, r->suppressed);
	out_str(about, r->units);
	out_str(about, r->note);

	const char *cols[20];
	size_t      nc = 0;
	cols[nc++]     = "group";
	cols[nc++]     = "n";
	analyze_ci_cols(c, cols, &nc, "mean", "mean [95% CI]");
	cols[nc++] = "sd";
	cols[nc++] = "welch_t";
	cols[nc++] = "welch_df";
	cols[nc++] = "welch_p";
	analyze_ci_cols(c, cols, &nc, "hedges_g", "g [95% CI]");
	cols[nc++]   = "note";
	out_table *t = out_table_create("groups", nc, cols);
	for (size_t i = 0; i < r->n_groups; i++) {
		const Tandem__V1__GroupRow *g = r->groups[i];
		bool                        s = g->suppressed;
		bool ref = o->reference && strcmp(o->reference, g->group) == 0;
		out_str(t, g->group);
		analyze_n(t, s, g->n);
		/* An undefined statistic (one unit, no spread) prints "-"
		 * (null), never 0; the note says why. */
		analyze_ci(c, t, s, g->mean, g->has_sd ? g->ci_low : NAN,
		           g->has_sd ? g->ci_high : NAN, d);
		analyze_num(t, s, g->has_sd ? g->sd : NAN, d);
		if (ref && !s) {
			/* A group against itself has no test. */
			out_null(t, "reference");
			analyze_na(t, false);
			analyze_na(t, false);
			analyze_ci(c, t, false, NAN, NAN, NAN, 3);
			out_str(t, g->note);
			continue;
		}
		analyze_num(t, s, g->has_welch ? g->welch_t : NAN, 3);
		analyze_num(t, s, g->has_welch ? g->welch_df : NAN, 1);
		analyze_p(c, t, s, g->has_welch ? g->welch_p : NAN);
		analyze_ci(c, t, s, g->has_g ? g->hedges_g : NAN,
		           g->has_g ? g->g_low : NAN,
		           g->has_g ? g->g_high : NAN, 3);
		out_str(t, g->note);
	}

	char line[512], p[40], df1[24], df2[24];
	int  len = snprintf(line, sizeof(line),
	                    "Comparison of %s across %zu %s, "
	                     "each against %s",
	                    o->measure, r->n_groups,
                           q.level == TANDEM__V1__SCOPE_LEVEL__EACH_DISTRICT
	                        ? "districts"
	                        : "schools",
                           o->reference ? o->reference : "the rest");
	if (anova) {
		fmt_p(p, sizeof(p), r->anova_p);
		fmt_df(df1, sizeof(df1), r->anova_df1);
		fmt_df(df2, sizeof(df2), r->anova_df2);
		len += snprintf(line + len, sizeof(line) - (size_t) len,
		                ".\nANOVA: F(%s, %s) = %.3f, %s, η² = %.3f",
		                df1, df2, r->anova_f, p, r->eta_squared);
	} else {
		len += snprintf(
		    line + len, sizeof(line) - (size_t) len,
		    ".\nANOVA: not available (fewer than two groups "
		    "to compare)");
	}
	if (has_deff) {
		len += snprintf(line + len, sizeof(line) - (size_t) len,
		                "; design effect %.3f (ICC %.3f)",
		                r->design_effect, r->icc);
	}
	snprintf(line + len, sizeof(line) - (size_t) len,
	         ". %d groups suppressed.", r->suppressed);
	analyze_print(c, line, about, &t, 1);
	protobuf_c_message_free_unpacked(&r->base, NULL);
	return 0;
}

/* ---- variance components ---- */

int
analyze_variance(cli *c, const analyze_opts *o)
{
	Tandem__V1__SeriesQuery       q   = TANDEM__V1__SERIES_QUERY__INIT;
	Tandem__V1__VarianceRequest   req = TANDEM__V1__VARIANCE_REQUEST__INIT;
	Tandem__V1__VarianceResponse *r   = NULL;
	int rv = analyze_query(o, LEVEL(EACH_SCHOOL) | LEVEL(EACH_DISTRICT),
	                       TANDEM__V1__SCOPE_LEVEL__EACH_SCHOOL, &q);
	if (rv != 0) {
		return rv;
	}
	req.query = &q;
	if ((rv = analyze_call(c, o, &td_analysis_variance_method, &req.base,
	                       (ProtobufCMessage **) &r))
	    != 0) {
		return rv;
	}
	static const char *cols[]
	    = { "measure", "icc1",   "msb", "msw",
		"n0",      "groups", "n",   "suppressed" };
	out_table *t = out_table_create("variance", NCOLS(cols), cols);
	int        d = analyze_decimals(fmax(fabs(r->msb), fabs(r->msw)));
	out_str(t, o->measure);
	analyze_num(t, false, r->icc1, 3);
	analyze_num(t, false, r->msb, d);
	analyze_num(t, false, r->msw, d);
	analyze_num(t, false, r->n0, 2);
	out_int(t, r->groups);
	out_int(t, r->n);
	out_int(t, r->suppressed);
	char line[320];
	snprintf(line, sizeof(line),
	         "Variance components of %s across %s (one-way random "
	         "effects):\nICC(1) = (MSB - MSW) / (MSB + (n0 - 1) MSW).",
	         o->measure,
	         q.level == TANDEM__V1__SCOPE_LEVEL__EACH_DISTRICT
	             ? "districts"
	             : "schools");
	analyze_print(c, line, NULL, &t, 1);
	protobuf_c_message_free_unpacked(&r->base, NULL);
	return 0;
}

/* ---- reliability ---- */

int
analyze_reliability(cli *c, const analyze_opts *o)
{
	Tandem__V1__ReliabilityRequest req
	    = TANDEM__V1__RELIABILITY_REQUEST__INIT;
	Tandem__V1__ReliabilityResponse *r = NULL;
	int                              rv;
	req.survey    = (char *) o->survey;
	req.construct = (char *) (o->construct ? o->construct : "");
	req.school    = (char *) (o->school ? o->school : "");
	req.from      = (char *) (o->from ? o->from : "");
	req.to        = (char *) (o->to ? o->to : "");
	if ((rv = analyze_call(c, o, &td_analysis_reliability_method,
	                       &req.base, (ProtobufCMessage **) &r))
	    != 0) {
		return rv;
	}
	static const char *acols[]
	    = { "survey", "version", "constructs", "school", "from", "to" };
	out_table *about = out_table_create("about", NCOLS(acols), acols);
	out_str(about, r->survey[0] ? r->survey : o->survey);
	out_int(about, r->version);
	out_int(about, (int64_t) r->n_constructs);
	out_str(about, req.school);
	out_str(about, req.from);
	out_str(about, req.to);

	static const char *ccols[]
	    = { "construct", "items",          "n",   "alpha",
		"omega",     "favourable_pct", "note" };
	static const char *icols[] = { "construct",      "item",
		                       "mean",           "sd",
		                       "item_rest_r",    "alpha_if_deleted",
		                       "favourable_pct", "reversed" };
	out_table *ct = out_table_create("constructs", NCOLS(ccols), ccols);
	out_table *it = out_table_create("items", NCOLS(icols), icols);
	for (size_t i = 0; i < r->n_constructs; i++) {
		const Tandem__V1__ConstructRow *k = r->constructs[i];
		bool                            s = k->suppressed;
		out_str(ct, k->construct);
		out_int(ct, k->items);
		analyze_n(ct, s, k->n);
		analyze_num(ct, s, k->alpha, 3);
		analyze_num(ct, s, k->has_omega ? k->omega : NAN, 3);
		analyze_pct(ct, s, k->percent_favourable);
		out_str(ct, k->note[0] ? k->note : k->omega_note);
		for (size_t j = 0; j < k->n_item_rows; j++) {
			const Tandem__V1__ItemRow *w = k->item_rows[j];
			out_str(it, k->construct);
			out_str(it, w->item);
			analyze_num(it, s, w->mean, 2);
			analyze_num(it, s, w->sd, 2);
			analyze_num(it, s, w->item_rest_r, 3);
			analyze_num(it, s, w->alpha_if_deleted, 3);
			analyze_pct(it, s, w->percent_favourable);
			out_bool(it, w->reverse_coded);
		}
	}
	char line[512];
	snprintf(line, sizeof(line),
	         "Reliability of survey %s (version %d)%s%s%s%s%s%s: "
	         "Cronbach's alpha and McDonald's omega (one-factor ML) "
	         "over complete responses (listwise).",
	         r->survey[0] ? r->survey : o->survey, r->version,
	         o->school ? ", school " : "", o->school ? o->school : "",
	         o->from ? ", from " : "", o->from ? o->from : "",
	         o->to ? ", to " : "", o->to ? o->to : "");
	out_table *tables[2] = { ct, it };
	analyze_print(c, line, about, tables, 2);
	protobuf_c_message_free_unpacked(&r->base, NULL);
	return 0;
}

/* ---- agreement ---- */

int
analyze_agreement(cli *c, const analyze_opts *o)
{
	Tandem__V1__AgreementRequest req = TANDEM__V1__AGREEMENT_REQUEST__INIT;
	Tandem__V1__AgreementResponse *r = NULL;
	int                            rv;
	req.rubric = (char *) o->rubric;
	req.school = (char *) (o->school ? o->school : "");
	req.from   = (char *) (o->from ? o->from : "");
	req.to     = (char *) (o->to ? o->to : "");
	if ((rv = analyze_call(c, o, &td_analysis_agreement_method, &req.base,
	                       (ProtobufCMessage **) &r))
	    != 0) {
		return rv;
	}
	static const char *acols[]
	    = { "rubric", "double_scored", "school", "from", "to" };
	out_table *about = out_table_create("about", NCOLS(acols), acols);
	out_str(about, r->rubric[0] ? r->rubric : o->rubric);
	out_int(about, r->double_scored);
	out_str(about, req.school);
	out_str(about, req.from);
	out_str(about, req.to);

	static const char *cols[]
	    = { "criterion",       "pairs", "exact_pct",     "adjacent_pct",
		"kappa_quadratic", "icc21", "alpha_nominal", "alpha_ordinal",
		"alpha_interval",  "note" };
	out_table *t = out_table_create("criteria", NCOLS(cols), cols);
	for (size_t i = 0; i < r->n_criteria; i++) {
		const Tandem__V1__CriterionAgreement *a = r->criteria[i];
		bool                                  s = a->suppressed;
		out_str(t, a->criterion);
		/* No pairs, no agreement: the zeros beside them are not
		 * measurements. */
		bool none = !s && a->pairs == 0;
		analyze_n(t, s, a->pairs);
		analyze_pct(t, s, none ? NAN : a->exact);
		analyze_pct(t, s, none ? NAN : a->adjacent);
		analyze_num(t, s, none ? NAN : a->kappa_quadratic, 3);
		analyze_num(t, s, none ? NAN : a->icc21, 3);
		analyze_num(t, s, a->has_alpha ? a->alpha_nominal : NAN, 3);
		analyze_num(t, s, a->has_alpha ? a->alpha_ordinal : NAN, 3);
		analyze_num(t, s, a->has_alpha ? a->alpha_interval : NAN, 3);
		out_str(t, a->note);
	}
	/* The pooled kappa over every criterion, as a last row. */
	bool ps = r->pooled_suppressed, pnone = !ps && r->pooled_pairs == 0;
	out_str(t, "(pooled)");
	analyze_n(t, ps, r->pooled_pairs);
	analyze_na(t, false);
	analyze_na(t, false);
	analyze_num(t, ps, pnone ? NAN : r->pooled_kappa_quadratic, 3);
	analyze_na(t, false);
	bool pa = r->pooled_has_alpha;
	analyze_num(t, ps, pa ? r->pooled_alpha_nominal : NAN, 3);
	analyze_num(t, ps, pa ? r->pooled_alpha_ordinal : NAN, 3);
	analyze_num(t, ps, pa ? r->pooled_alpha_interval : NAN, 3);
	out_str(t, r->pooled_note);
	char line[320];
	snprintf(line, sizeof(line),
	         "Rater agreement on rubric %s: %lld double-scored "
	         "observations; kappa with quadratic weights, ICC(2,1) "
	         "absolute agreement.",
	         r->rubric[0] ? r->rubric : o->rubric,
	         (long long) r->double_scored);
	analyze_print(c, line, about, &t, 1);
	protobuf_c_message_free_unpacked(&r->base, NULL);
	return 0;
}

/* ---- completeness ---- */

/* join_missing lists the missing schools: all of them, or (shown) the
 * first few and "... (+N)". Returns a malloc'd string or NULL. */
static char *
join_missing(const Tandem__V1__CompletenessRow *w, bool all)
{
	size_t shown = all || w->n_missing_schools <= MISSING_SHOWN + 1
	    ? w->n_missing_schools
	    : MISSING_SHOWN;
	size_t size  = 32;
	for (size_t i = 0; i < shown; i++) {
		size += strlen(w->missing_schools[i]) + 2;
	}
	char *s = malloc(size);
	if (s == NULL) {
		return NULL;
	}
	size_t len = 0;
	s[0]       = '\0';
	for (size_t i = 0; i < shown; i++) {
		len += (size_t) snprintf(s + len, size - len, "%s%s",
		                         i ? ", " : "", w->missing_schools[i]);
	}
	if (shown < w->n_missing_schools) {
		snprintf(s + len, size - len, ", … (+%zu)",
		         w->n_missing_schools - shown);
	}
	return s;
}

/* rates_table: DHIS2's reporting rate summary, network, districts, then
 * schools, per measure. */
static out_table *
rates_table(const Tandem__V1__CompletenessResponse *r)
{
	static const char *cols[]
	    = { "measure",     "level",          "unit",
		"district",    "periods",        "expected",
		"actual",      "on_time",        "reporting_pct",
		"on_time_pct", "timeliness_pct", "mean_days_late",
		"frequency",   "timely_days" };
	out_table *t = out_table_create("reporting_rates", NCOLS(cols), cols);
	for (size_t i = 0; i < r->n_rates; i++) {
		const Tandem__V1__ReportingRate *w = r->rates[i];
		out_str(t, w->measure);
		out_str(t, w->level);
		out_str(t, w->unit);
		out_str(t, w->district);
		out_int(t, w->periods);
		out_int(t, w->expected);
		out_int(t, w->actual);
		out_int(t, w->on_time);
		analyze_pct(t, false, w->reporting_rate);
		analyze_pct(t, false, w->on_time_rate);
		analyze_pct(t, false, w->timeliness);
		analyze_num(t, false, w->mean_days_late, 1);
		out_str(t, w->frequency);
		out_int(t, w->timely_days);
	}
	return t;
}

int
analyze_completeness(cli *c, const analyze_opts *o)
{
	Tandem__V1__CompletenessRequest req
	    = TANDEM__V1__COMPLETENESS_REQUEST__INIT;
	Tandem__V1__CompletenessResponse *r = NULL;
	int                               rv;
	req.measure         = (char *) (o->measure ? o->measure : "");
	req.grain           = (Tandem__V1__Grain) o->grain;
	req.from            = (char *) (o->from ? o->from : "");
	req.to              = (char *) (o->to ? o->to : "");
	req.district        = (char *) (o->district ? o->district : "");
	req.due_days        = (int32_t) o->due_days;
	req.survey          = (char *) (o->survey ? o->survey : "");
	req.backfill_before = (char *) (o->backfill ? o->backfill : "");
	req.use_grain       = (o->given & AO(GRAIN)) != 0;
	if ((rv = analyze_call(c, o, &td_analysis_completeness_method,
	                       &req.base, (ProtobufCMessage **) &r))
	    != 0) {
		return rv;
	}

	static const char *acols[]
	    = { "measure",  "grain",    "from",   "to",
		"district", "due_days", "survey", "backfill_before" };
	out_table *about = out_table_create("about", NCOLS(acols), acols);
	out_str(about, req.measure);
	out_str(about,
	        req.use_grain ? analyze_grain_name(o->grain) : "frequency");
	out_str(about, req.from);
	out_str(about, req.to);
	out_str(about, req.district);
	if (o->due_days > 0) {
		out_int(about, o->due_days);
	} else {
		out_null(about, "timely_days");
	}
	out_str(about, req.survey);
	out_str(about, req.backfill_before);

	static const char *cols[]
	    = { "measure",     "period",          "expected",
		"reported",    "reporting_pct",   "on_time",
		"on_time_pct", "timeliness_pct",  "mean_days_late",
		"missing",     "missing_schools", "frequency",
		"timely_days", "period_end" };
	out_table *t = out_table_create("completeness", NCOLS(cols), cols);
	size_t     lacking = 0;
	for (size_t i = 0; i < r->n_rows; i++) {
		const Tandem__V1__CompletenessRow *w = r->rows[i];
		out_str(t, w->measure);
		out_str(t, w->period);
		out_int(t, w->expected);
		out_int(t, w->reported);
		analyze_pct(t, false,
		            w->expected > 0 ? w->reporting_rate : NAN);
		out_int(t, w->on_time);
		analyze_pct(t, false, w->expected > 0 ? w->on_time_rate : NAN);
		/* Timeliness is of the reports made, lateness of the late
		 * ones: without them there is nothing to show. */
		analyze_pct(t, false, w->reported > 0 ? w->timeliness : NAN);
		analyze_num(t, false,
		            w->reported > w->on_time ? w->mean_days_late : NAN,
		            1);
		out_int(t, (int64_t) w->n_missing_schools);
		char *m = join_missing(w, c->format != OUT_TABLE);
		out_str(t, m ? m : "");
		free(m);
		out_str(t, w->frequency);
		out_int(t, w->timely_days);
		out_str(t, w->period_end);
		lacking += w->n_missing_schools > 0;
	}
	out_table *tables[3] = { t, rates_table(r), NULL };
	size_t     nt        = 2;
	if (o->survey != NULL || r->n_response_rates > 0) {
		static const char *rcols[]
		    = { "survey",  "school",    "administered_on",
			"invited", "responded", "rate_pct" };
		out_table *rr
		    = out_table_create("response_rates", NCOLS(rcols), rcols);
		for (size_t i = 0; i < r->n_response_rates; i++) {
			const Tandem__V1__ResponseRateRow *w
			    = r->response_rates[i];
			out_str(rr, w->survey);
			out_str(rr, w->school);
			out_str(rr, w->administered_on);
			out_int(rr, w->invited);
			if (w->suppressed) {
				analyze_na(rr, true);
			} else {
				out_int(rr, w->responded);
			}
			analyze_pct(rr, w->suppressed,
			            w->invited > 0 ? w->rate : NAN);
		}
		tables[nt++] = rr;
	}
	char line[512], due[48];
	if (o->due_days > 0) {
		snprintf(due, sizeof(due), "%ld days", o->due_days);
	} else {
		snprintf(due, sizeof(due), "its measure's timely_days");
	}
	snprintf(line, sizeof(line),
	         "Completeness%s%s by %s; a report is on time by the end of "
	         "%s after its period: %zu measure-periods, %zu with schools "
	         "missing.",
	         req.measure[0] ? " of " : "", req.measure,
	         req.use_grain ? analyze_grain_name(o->grain)
	                       : "each measure's frequency",
	         due, r->n_rows, lacking);
	analyze_print(c, line, about, tables, nt);
	protobuf_c_message_free_unpacked(&r->base, NULL);
	return 0;
}
