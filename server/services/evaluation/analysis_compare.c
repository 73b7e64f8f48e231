/* SPDX-License-Identifier: MIT
 * Analysis across units: group comparison (outcome measures with schools
 * as the units, survey constructs with respondents and the design effect)
 * and variance components. Suppressed units are left out and counted.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "config.h"
#include "services.h"
#include "stats/compare/stats_compare.h"
#include "stats/core/stats_disclosure.h"
#include "stats/core/stats_moments.h"
#include "stats/compare/stats_variance.h"

/* ---- comparison and variance components ---- */

/* group_summaries: one summary per unit over all its periods in range.
 * Survey constructs summarise respondents (from the rollup sums); outcome
 * measures summarise the unit's period values. */
static stats_group_summary *
group_summaries(rpc_call *call, const series_spec *spec, const series *ss,
                size_t ns, double *people)
{
	stats_group_summary *g
	    = rpc_arena_alloc(call->arena, (ns + 1) * sizeof(*g));
	for (size_t u = 0; g && u < ns; u++) {
		const series *s = &ss[u];
		double        n = 0, sum = 0, sumsq = 0, ppl = 0;
		size_t        k = 0;
		for (size_t i = 0; i < s->n; i++) {
			/* A unit's summary is made of its shown cells only:
			 * a hidden period must not come back as the
			 * difference of two date ranges. */
			if (s->suppressed[i]) {
				continue;
			}
			if (spec->survey && !spec->favourable) {
				n += s->pts[i].n_sum;
				sum += s->pts[i].wsum;
				sumsq += s->pts[i].wsumsq;
			} else if (!isnan(analysis_value(spec, &s->pts[i]))) {
				double v = analysis_value(spec, &s->pts[i]);
				n += 1;
				sum += v;
				sumsq += v * v;
			}
			ppl = fmax(ppl, s->people[i]);
			k++;
		}
		stats_moments mo = stats_moments_from_sums(n, sum, sumsq);
		people[u]        = spec->survey ? n : ppl;
		g[u].n           = (size_t) llround(n);
		g[u].mean        = n > 0 ? mo.mean : 0;
		g[u].sd          = mo.has_sd ? mo.sd : 0;
		(void) k;
	}
	return g;
}

/* row_from fills a group row from stats_compare's group, leaving out
 * (with the reason) every statistic that is not defined. */
static void
row_from(rpc_call *call, Tandem__V1__GroupRow *row,
         const stats_compare_group *cg, const char *what)
{
	row->n         = (int64_t) cg->n;
	row->mean      = cg->mean;
	row->has_sd    = cg->has_sd;
	row->sd        = cg->has_sd ? cg->sd : 0;
	row->ci_low    = cg->has_ci ? cg->ci_lower : 0;
	row->ci_high   = cg->has_ci ? cg->ci_upper : 0;
	row->has_welch = cg->has_welch;
	row->welch_t   = cg->has_welch ? cg->t : 0;
	row->welch_df  = cg->has_welch ? cg->df : 0;
	row->welch_p   = cg->has_welch ? cg->p : 0;
	row->has_g     = cg->has_g;
	row->hedges_g  = cg->has_g ? cg->g : 0;
	row->g_low     = cg->has_g ? cg->g_lower : 0;
	row->g_high    = cg->has_g ? cg->g_upper : 0;
	if (!cg->has_sd) {
		row->note = rpc_arena_printf(
		    call->arena, "one %s: no SD, interval or Welch t", what);
	} else if (!cg->has_comparison) {
		row->note = "the reference group";
	} else if (!cg->has_welch) {
		row->note = rpc_arena_printf(
		    call->arena,
		    "Welch t needs two %ss on each side and spread", what);
	} else if (!cg->has_g) {
		row->note = "no spread within the groups: no Hedges' g";
	}
}

/* compare_outcomes: ANALYSES.md's comparison of an outcome measure with
 * schools as the units inside each group. A school's value is the mean of
 * its (unsuppressed) period values in range; a group (a school, or a
 * district's schools) has the unweighted mean and SD of its schools. */
static int
compare_outcomes(rpc_call *call, const Tandem__V1__CompareRequest *in,
                 series_spec *spec, ProtobufCMessage **resp)
{
	bool    by_district = spec->level == 'd';
	series *ss;
	size_t  ns, ng = 0;
	int     code;
	spec->level    = 's';
	spec->unit     = NULL;
	spec->district = by_district ? NULL : spec->district;
	spec->lean     = true; /* a school's value is all it needs */
	if ((code = analysis_load(call, in->query, spec, &ss, &ns))
	    != TD_CODE_OK) {
		return code;
	}
	/* each school's district, from the registry snapshot */
	const analysis_registry *reg    = NULL;
	const analysis_school  **school = NULL;
	if (by_district) {
		school
		    = rpc_arena_alloc(call->arena, (ns + 1) * sizeof(*school));
		if (school == NULL) {
			return rpc_fail(call, TD_CODE_RESOURCE_EXHAUSTED,
			                "out of memory");
		}
		if ((code = analysis_registry_get(call, false, &reg))
		    != TD_CODE_OK) {
			return code;
		}
		analysis_registry_match(reg, ss, ns, school);
	}
	double *val = rpc_arena_alloc(call->arena, (ns + 1) * sizeof(double));
	double *ppl = rpc_arena_alloc(call->arena, (ns + 1) * sizeof(double));
	size_t *grp = rpc_arena_alloc(call->arena, (ns + 1) * sizeof(size_t));
	const char **gname
	    = rpc_arena_alloc(call->arena, (ns + 1) * sizeof(char *));
	/* group names to their index: open addressing over 2-4x the units
	 * (a linear search per school was O(schools x districts): 2 million
	 * strcmp at 10,000 schools, a quarter of tandemd's time) */
	size_t cap = 16;
	while (cap < 2 * (ns + 1)) {
		cap *= 2;
	}
	size_t *slot = rpc_arena_alloc(call->arena, cap * sizeof(size_t));
	if (!val || !ppl || !grp || !gname || !slot) {
		analysis_registry_release(reg);
		return rpc_fail(call, TD_CODE_RESOURCE_EXHAUSTED,
		                "out of memory");
	}
	int32_t suppressed = 0;
	for (size_t u = 0; u < ns; u++) {
		double sum = 0, m = 0, people = 0;
		for (size_t i = 0; i < ss[u].n; i++) {
			if (!isnan(ss[u].value[i])) {
				sum += ss[u].value[i];
				m++;
				people = fmax(people, ss[u].people[i]);
			}
		}
		val[u] = m > 0 ? sum / m : NAN;
		ppl[u] = people;
		suppressed += m == 0;
		const char *g = ss[u].unit;
		if (by_district) {
			g = school[u] != NULL ? school[u]->district : "";
		}
		uint64_t h = 1469598103934665603ULL;
		for (const char *c = g; *c; c++) {
			h = (h ^ (unsigned char) *c) * 1099511628211ULL;
		}
		size_t at = (size_t) h & (cap - 1);
		while (slot[at] != 0 && strcmp(gname[slot[at] - 1], g) != 0) {
			at = (at + 1) & (cap - 1);
		}
		if (slot[at] == 0) {
			/* the reply outlives the registry snapshot */
			if ((gname[ng++] = rpc_arena_strdup(call->arena, g))
			    == NULL) {
				analysis_registry_release(reg);
				return rpc_fail(call,
				                TD_CODE_RESOURCE_EXHAUSTED,
				                "out of memory");
			}
			slot[at] = ng; /* index + 1; 0 = empty */
		}
		grp[u] = slot[at] - 1;
	}
	analysis_registry_release(reg);
	stats_compare_options opt;
	stats_compare_options_init(&opt);
	if (in->reference[0] != '\0') {
		opt.reference = -1;
		for (size_t j = 0; j < ng; j++) {
			if (strcmp(gname[j], in->reference) == 0) {
				opt.reference = (long) j;
			}
		}
		if (opt.reference < 0) {
			return rpc_fail(
			    call, TD_CODE_NOT_FOUND,
			    "reference group %s has no data (or is "
			    "suppressed)",
			    in->reference);
		}
	}
	stats_compare_result r;
	char                 err[TD_ERRMSG_MAX];
	int rv = stats_compare_values(val, grp, ns, ng, &opt, &r, err);
	if (rv != TD_OK) {
		return analysis_stats_fail(call, rv, "compare", err);
	}
	/* people per group, of its schools with a value */
	double *gpeople
	    = rpc_arena_alloc(call->arena, (ng + 1) * sizeof(double));
	if (gpeople == NULL) {
		stats_compare_result_free(&r);
		return rpc_fail(call, TD_CODE_RESOURCE_EXHAUSTED,
		                "out of memory");
	}
	memset(gpeople, 0, (ng + 1) * sizeof(double));
	for (size_t u = 0; u < ns; u++) {
		gpeople[grp[u]] += !isnan(val[u]) ? ppl[u] : 0;
	}
	Tandem__V1__CompareResponse *out
	    = RPC_NEW(call->arena, Tandem__V1__CompareResponse,
	              tandem__v1__compare_response__init);
	out->measure    = rpc_arena_strdup(call->arena, spec->measure);
	out->units      = "schools";
	out->suppressed = suppressed;
	out->groups = rpc_arena_alloc(call->arena, (ng + 1) * sizeof(void *));
	for (size_t j = 0; out->groups && j < ng; j++) {
		const stats_compare_group *cg = &r.groups[j];
		Tandem__V1__GroupRow      *row
		    = RPC_NEW(call->arena, Tandem__V1__GroupRow,
		              tandem__v1__group_row__init);
		double people   = gpeople[j];
		row->group      = (char *) gname[j];
		row->suppressed = cg->empty || analysis_suppress(call, people);
		row->schools    = (int32_t) cg->n;
		if (!row->suppressed) {
			row_from(call, row, cg, "school");
		} else {
			row->note = "suppressed: no school in the group has "
			            "enough people";
		}
		out->groups[out->n_groups++] = row;
	}
	out->has_anova = r.has_anova;
	if (r.has_anova) {
		out->anova_f     = r.f;
		out->anova_df1   = r.df_between;
		out->anova_df2   = r.df_within;
		out->anova_p     = r.p;
		out->eta_squared = r.eta2;
	} else {
		out->note = "no ANOVA: it needs two groups, more schools than "
		            "groups and spread within the groups";
	}
	stats_compare_result_free(&r);
	return analysis_reply(call, &out->base, &out->disclosure,
	                      analysis_series_disclosure(call, ss, ns),
	                      (int64_t) ns, resp);
}

int
analysis_compare(rpc_call *call, const ProtobufCMessage *req,
                 ProtobufCMessage **resp)
{
	const Tandem__V1__CompareRequest *in = (const void *) req;
	series_spec                       spec;
	series                           *ss;
	size_t                            ns;
	int                               code;
	if (!analysis_spec(call, in->query, &spec)) {
		return call->code;
	}
	if (spec.unit != NULL || spec.level == 'n') {
		return rpc_fail(call, TD_CODE_INVALID_ARGUMENT,
		                "compare needs groups: EACH_SCHOOL or "
		                "EACH_DISTRICT");
	}
	if (!spec.survey) {
		return compare_outcomes(call, in, &spec, resp);
	}
	if ((code = analysis_load(call, in->query, &spec, &ss, &ns))
	    != TD_CODE_OK) {
		return code;
	}
	double *people
	    = rpc_arena_alloc(call->arena, (ns + 1) * sizeof(double));
	stats_group_summary *g = group_summaries(call, &spec, ss, ns, people);
	if (g == NULL || people == NULL) {
		return rpc_fail(call, TD_CODE_RESOURCE_EXHAUSTED,
		                "out of memory");
	}
	/* Suppression goes by the people behind a group (respondents, or
	 * students per period), not by the observations the test uses. */
	bool  *supp   = rpc_arena_alloc(call->arena, (ns + 1) * sizeof(bool));
	size_t n_prim = 0, n_comp = 0;
	for (size_t u = 0; supp && u < ns; u++) {
		supp[u] = analysis_suppress(call, people[u]);
		if (supp[u]) {
			g[u].n    = 0;
			bool prim = analysis_why_hidden(&ss[u], NULL)
			    == STATS_DISC_PRIMARY;
			n_prim += prim;
			n_comp += !prim;
		}
	}
	stats_compare_options opt;
	stats_compare_options_init(&opt);
	if (in->reference[0] != '\0') {
		opt.reference = -1;
		for (size_t u = 0; u < ns; u++) {
			if (strcmp(ss[u].unit, in->reference) == 0
			    && !supp[u]) {
				opt.reference = (long) u;
			}
		}
		if (opt.reference < 0) {
			return rpc_fail(
			    call, TD_CODE_NOT_FOUND,
			    "reference group %s has no data (or is "
			    "suppressed)",
			    in->reference);
		}
	}
	/* Design effect of students nested in schools: ICC(1) over the
	 * schools of the comparison (survey constructs only). */
	double icc = NAN, mbar = NAN;
	if (spec.survey && !spec.favourable && spec.level == 's') {
		stats_icc1_result ir;
		char              e[TD_ERRMSG_MAX];
		if (stats_icc1(g, ns, &ir, e) == TD_OK) {
			icc = ir.icc_truncated;
			mbar
			    = ir.k ? (double) ir.n_total / (double) ir.k : NAN;
		}
	}
	opt.icc               = icc;
	opt.mean_cluster_size = mbar;
	stats_compare_result r;
	char                 err[TD_ERRMSG_MAX];
	int                  rv = stats_compare(g, ns, &opt, &r, err);
	if (rv != TD_OK) {
		return analysis_stats_fail(call, rv, "compare", err);
	}
	Tandem__V1__CompareResponse *out
	    = RPC_NEW(call->arena, Tandem__V1__CompareResponse,
	              tandem__v1__compare_response__init);
	out->measure = rpc_arena_strdup(call->arena, spec.measure);
	out->units   = "respondents";
	out->groups  = rpc_arena_alloc(call->arena, (ns + 1) * sizeof(void *));
	for (size_t u = 0; u < ns; u++) {
		const stats_compare_group *cg = &r.groups[u];
		Tandem__V1__GroupRow      *row
		    = RPC_NEW(call->arena, Tandem__V1__GroupRow,
		              tandem__v1__group_row__init);
		row->group      = (char *) ss[u].unit;
		row->suppressed = supp[u];
		out->suppressed += supp[u];
		if (!supp[u] && !cg->suppressed && !cg->empty) {
			row_from(call, row, cg, "respondent");
		}
		out->groups[out->n_groups++] = row;
	}
	out->has_anova = r.has_anova;
	if (r.has_anova) {
		out->anova_f     = r.f;
		out->anova_df1   = r.df_between;
		out->anova_df2   = r.df_within;
		out->anova_p     = r.p;
		out->eta_squared = r.eta2;
	}
	if (r.has_design_effect) {
		out->icc           = icc;
		out->design_effect = r.design_effect;
	}
	stats_compare_result_free(&r);
	return analysis_reply(call, &out->base, &out->disclosure,
	                      analysis_disclosure_msg(call, n_prim, n_comp),
	                      (int64_t) ns, resp);
}

int
analysis_variance(rpc_call *call, const ProtobufCMessage *req,
                  ProtobufCMessage **resp)
{
	const Tandem__V1__VarianceRequest *in = (const void *) req;
	series_spec                        spec;
	series                            *ss;
	size_t                             ns;
	int                                code;
	if (!analysis_spec(call, in->query, &spec)) {
		return call->code;
	}
	/* Between schools (of a district, if one is named). */
	spec.district = spec.level == 'd'            ? spec.unit
	    : spec.level == 's' && spec.unit == NULL ? spec.district
	                                             : NULL;
	spec.level    = 's';
	spec.unit     = NULL;
	if ((code = analysis_load(call, in->query, &spec, &ss, &ns))
	    != TD_CODE_OK) {
		return code;
	}
	double *people
	    = rpc_arena_alloc(call->arena, (ns + 1) * sizeof(double));
	stats_group_summary *g = group_summaries(call, &spec, ss, ns, people);
	if (g == NULL) {
		return rpc_fail(call, TD_CODE_RESOURCE_EXHAUSTED,
		                "out of memory");
	}
	int32_t suppressed = 0;
	size_t  n_prim = 0, n_comp = 0;
	for (size_t u = 0; u < ns; u++) {
		if (analysis_suppress(call, people[u])) {
			g[u].n = 0; /* left out */
			suppressed++;
			bool prim = analysis_why_hidden(&ss[u], NULL)
			    == STATS_DISC_PRIMARY;
			n_prim += prim;
			n_comp += !prim;
		}
	}
	stats_icc1_result r;
	char              err[TD_ERRMSG_MAX];
	int               rv = stats_icc1(g, ns, &r, err);
	if (rv != TD_OK) {
		return analysis_stats_fail(call, rv, "variance components",
		                           err);
	}
	Tandem__V1__VarianceResponse *out
	    = RPC_NEW(call->arena, Tandem__V1__VarianceResponse,
	              tandem__v1__variance_response__init);
	out->measure    = rpc_arena_strdup(call->arena, spec.measure);
	out->icc1       = r.icc;
	out->msb        = r.msb;
	out->msw        = r.msw;
	out->n0         = r.n0;
	out->groups     = (int32_t) r.k;
	out->n          = (int64_t) r.n_total;
	out->suppressed = suppressed;
	return analysis_reply(call, &out->base, &out->disclosure,
	                      analysis_disclosure_msg(call, n_prim, n_comp),
	                      (int64_t) ns, resp);
}
