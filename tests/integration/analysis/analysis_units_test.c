/* SPDX-License-Identifier: MIT
 * The analyses across units and of instruments end to end, on the sample
 * network (PLANTED.md) loaded through the real CLI into a real tandemd
 * (analysis_network.c): the positive deviants, reliable survey scales,
 * rater agreement, the helpful and the useless activity, group
 * comparisons, completeness, survey rollups against a recount, impact.
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis_network.h"

/* Positive deviance of attendance (a percent: binomial sampling variance
 * 1e4 p(1-p)/n per school) finds the planted deviants, shrunk by a
 * lambda that differs by school (it was ~1 for every school when the
 * within-school variance came from one value per school). */
static void
positive_deviance_flags_the_planted_schools(void **state)
{
	(void) state;
	Tandem__V1__SeriesQuery q
	    = query("attendance", TANDEM__V1__SCOPE_LEVEL__EACH_SCHOOL, "",
	            TANDEM__V1__GRAIN__ACADEMIC_YEAR);
	Tandem__V1__PositiveDevianceRequest req
	    = TANDEM__V1__POSITIVE_DEVIANCE_REQUEST__INIT;
	req.query                                = &q;
	Tandem__V1__PositiveDevianceResponse *r  = NULL;
	td_status                             st = { 0 };
	assert_int_equal(td_analysis_positive_deviance(cl, &req, &r, &st),
	                 TD_CODE_OK);
	assert_int_equal(r->units, 40);
	assert_true(r->n_coefficients == 6); /* intercept, frl, log enr, 3 */
	assert_string_equal(r->variance_source, "percent");
	assert_true(r->tau_squared > 0);
	/* The frl coefficient has the planted sign (-5 per unit). */
	assert_true(r->coefficients[1]->estimate < 0);
	const char *planted[] = { "S017", "S019", "S032" };
	int         flagged = 0, others = 0;
	double      lo = 1, hi = 0;
	for (size_t i = 0; i < r->n_rows; i++) {
		const Tandem__V1__DeviantRow *d          = r->rows[i];
		bool                          is_planted = false;
		for (int k = 0; k < 3; k++) {
			is_planted |= strcmp(d->school, planted[k]) == 0;
		}
		lo         = d->lambda < lo ? d->lambda : lo;
		hi         = d->lambda > hi ? d->lambda : hi;
		double gap = d->shrunken - d->lambda * d->residual;
		assert_true(gap < 1e-9 && gap > -1e-9);
		/* the name column names the school, not its code again */
		assert_string_not_equal(d->name, d->school);
		if (is_planted) {
			flagged += d->flagged;
			assert_true(d->shrunken > 0);
			assert_true(d->persistence >= 2);
			assert_int_equal(d->persistence_of, 3);
		} else {
			others += d->flagged;
		}
	}
	assert_true(hi < 0.99);
	assert_true(hi - lo > 0.05);
	assert_int_equal(flagged, 3);
	assert_true(others <= 2);
	protobuf_c_message_free_unpacked(&r->base, NULL);
	td_status_reset(&st);

	/* A scale score with submitted SDs (the sample's ela_scale gives
	 * the students' SD): v = sd^2 / n, and the planted ELA deviants are
	 * found too. */
	q.measure = measure_key("ela_scale");
	assert_int_equal(td_analysis_positive_deviance(cl, &req, &r, &st),
	                 TD_CODE_OK);
	assert_string_equal(r->variance_source, "sd");
	assert_true(r->tau_squared > 0);
	flagged = 0;
	for (size_t i = 0; i < r->n_rows; i++) {
		for (int k = 0; k < 3; k++) {
			if (strcmp(r->rows[i]->school, planted[k]) == 0) {
				flagged += r->rows[i]->flagged;
			}
		}
		assert_true(r->rows[i]->lambda > 0 && r->rows[i]->lambda < 1);
	}
	assert_int_equal(flagged, 3);
	protobuf_c_message_free_unpacked(&r->base, NULL);
	td_status_reset(&st);

	/* An SD that is not a number >= 0 is refused, naming the field. */
	Tandem__V1__Outcome o = TANDEM__V1__OUTCOME__INIT, *op[1] = { &o };
	Tandem__V1__SubmitOutcomesRequest sreq
	    = TANDEM__V1__SUBMIT_OUTCOMES_REQUEST__INIT;
	Tandem__V1__SubmitResponse *sr = NULL;
	o.school = "S001", o.measure = "ela_scale";
	o.period_start = "2026-09-01", o.period_end = "2026-09-30";
	o.value = 500, o.n = 40, o.has_sd = true, o.sd = -3;
	sreq.submission_id = "analysis-bad-sd";
	sreq.outcomes = op, sreq.n_outcomes = 1;
	assert_int_equal(td_ingest_submit_outcomes(cl, &sreq, &sr, &st),
	                 TD_CODE_INVALID_ARGUMENT);
	assert_int_equal(st.n_details, 1);
	assert_string_equal(st.details[0].field, "sd");
	td_status_reset(&st);
}

static void
survey_scales_are_reliable(void **state)
{
	(void) state;
	Tandem__V1__ReliabilityRequest req
	    = TANDEM__V1__RELIABILITY_REQUEST__INIT;
	req.survey                          = "climate";
	Tandem__V1__ReliabilityResponse *r  = NULL;
	td_status                        st = { 0 };
	assert_int_equal(td_analysis_reliability(cl, &req, &r, &st),
	                 TD_CODE_OK);
	assert_int_equal(r->n_constructs, 3);
	for (size_t i = 0; i < r->n_constructs; i++) {
		const Tandem__V1__ConstructRow *c = r->constructs[i];
		assert_true(c->alpha > 0.7 && c->alpha < 0.95);
		/* omega beside alpha: alpha is a lower bound of omega for
		 * one-factor (congeneric) items, up to sampling noise. */
		assert_true(c->has_omega);
		assert_true(c->omega > c->alpha - 0.02 && c->omega < 1);
		assert_true(c->n > 1000);
		assert_true(c->percent_favourable > 20
		            && c->percent_favourable < 90);
		for (size_t j = 0; j < c->n_item_rows; j++) {
			/* reversed items correlate positively once reversed */
			assert_true(c->item_rows[j]->item_rest_r > 0.3);
		}
	}
	protobuf_c_message_free_unpacked(&r->base, NULL);
	td_status_reset(&st);
}

static void
raters_agree_as_planted(void **state)
{
	(void) state;
	Tandem__V1__AgreementRequest req = TANDEM__V1__AGREEMENT_REQUEST__INIT;
	req.rubric                       = "practice";
	Tandem__V1__AgreementResponse *r = NULL;
	td_status                      st = { 0 };
	assert_int_equal(td_analysis_agreement(cl, &req, &r, &st), TD_CODE_OK);
	assert_true(r->double_scored > 100);
	assert_int_equal(r->n_criteria, 5);
	for (size_t i = 0; i < r->n_criteria; i++) {
		const Tandem__V1__CriterionAgreement *c = r->criteria[i];
		assert_true(c->exact > 30 && c->exact < 95);
		assert_true(c->adjacent > 85);
		assert_true(c->kappa_quadratic > 0.3
		            && c->kappa_quadratic < 1);
	}
	/* The pooled kappa covers every criterion's pairs. */
	assert_int_equal(r->pooled_pairs, 5 * r->criteria[0]->pairs);
	assert_true(r->pooled_kappa_quadratic > 0.3
	            && r->pooled_kappa_quadratic < 1);
	/* Krippendorff's alpha beside kappa: for two raters and many units
	 * the interval alpha is close to the quadratic-weighted kappa, and
	 * near misses (planted: raters mostly within one level) count
	 * against nominal alpha only. */
	assert_true(r->pooled_has_alpha);
	for (size_t i = 0; i < r->n_criteria; i++) {
		const Tandem__V1__CriterionAgreement *c = r->criteria[i];
		assert_true(c->has_alpha);
		assert_true(c->alpha_nominal < c->alpha_interval);
		double gap = c->alpha_interval - c->kappa_quadratic;
		assert_true(gap < 0.05 && gap > -0.05);
	}
	protobuf_c_message_free_unpacked(&r->base, NULL);
	td_status_reset(&st);
}

/* Krippendorff's alpha counts every scoring, not the first two: a rubric
 * of two criteria, six observations at S040, four of them scored by three
 * observers, one by two, and on one the third observer left a criterion
 * blank. Reference values from an independent coincidence-matrix
 * implementation in R (ka(m, level) = 1 - (n - 1) sum(o d) / sum(n_c n_k
 * d), o_ck = sum over units of pairs / (m_u - 1); it gives 0.7434211 and
 * 0.8491071 on Krippendorff's 2011 worked example):
 *   A <- rbind(c(1,2,1), c(3,3,4), c(2,2,NA), c(4,5,5), c(5,4,NA),
 *              c(1,1,2))
 *   B <- rbind(c(2,2,3), c(4,4,4), c(1,2,NA), c(3,3,2), c(5,5,4),
 *              c(2,3,3))
 *   ka(A, "interval") = 0.863883847549909
 *   ka(B, "interval") = 0.775280898876405
 *   ka(rbind(A, B), "interval") = 0.826464208242950 (pooled)
 *   ka(rbind(A, B), "nominal")  = 0.255813953488372
 *   ka(rbind(A, B), "ordinal")  = 0.831593243357949
 * From the first two scorings alone: ka(A[, 1:2], "interval") =
 * 0.886597938144330, pooled 0.887585532746823 (what the store gave
 * before). */
static void
alpha_counts_every_scoring(void **state)
{
	(void) state;
	char path[300];
	snprintf(path, sizeof(path), "%s/rubric_trio.csv", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("criterion,min,max,text\na,1,5,First\nb,1,5,Second\n", f);
	fclose(f);
	static const char *const rows[] = {
		"T1,E0415,1,2", "T1,E0416,2,2", "T1,E0417,1,3", "T2,E0415,3,4",
		"T2,E0416,3,4", "T2,E0417,4,4", "T3,E0415,2,1", "T3,E0416,2,2",
		"T4,E0415,4,3", "T4,E0416,5,3", "T4,E0417,5,2", "T5,E0415,5,5",
		"T5,E0416,4,5", "T5,E0417,,4",  "T6,E0415,1,2", "T6,E0416,1,3",
		"T6,E0417,2,3",
	};
	snprintf(path, sizeof(path), "%s/obs_trio.csv", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("observation,school,observer,observed,rubric,observed_on,a,b\n",
	      f);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char obs[8], who[8], rest[16];
		assert_int_equal(
		    sscanf(rows[i], "%7[^,],%7[^,],%15s", obs, who, rest), 3);
		fprintf(f, "OBS-TRIO-%s,S040,%s,E0418,trio,2024-03-05,%s\n",
		        obs + 1, who, rest);
	}
	fclose(f);
	char args[400];
	snprintf(args, sizeof(args),
	         "define rubric --code trio %s/rubric_trio.csv", dir);
	assert_int_equal(load(args), 0);
	snprintf(args, sizeof(args), "submit feedback %s/obs_trio.csv", dir);
	assert_int_equal(load(args), 0);

	Tandem__V1__AgreementRequest req = TANDEM__V1__AGREEMENT_REQUEST__INIT;
	req.rubric                       = "trio";
	Tandem__V1__AgreementResponse *r = NULL;
	td_status                      st = { 0 };
	assert_int_equal(td_analysis_agreement(cl, &req, &r, &st), TD_CODE_OK);
	assert_int_equal(r->double_scored, 6);
	assert_int_equal(r->alpha_raters, 3);
	assert_int_equal(r->n_criteria, 2);
	static const double want[2] = { 0.863883847549909, 0.775280898876405 };
	for (size_t i = 0; i < 2; i++) {
		const Tandem__V1__CriterionAgreement *c = r->criteria[i];
		assert_true(c->has_alpha);
		assert_int_equal(c->alpha_units, 6);
		/* pairable values: a has 16 (one blank), b has 17 */
		assert_true(fabs(c->alpha_values - (i == 0 ? 16 : 17))
		            < 1e-12);
		assert_true(fabs(c->alpha_interval - want[i]) < 1e-12);
		/* kappa stays on the first two scorings: 6 pairs */
		assert_int_equal(c->pairs, 6);
	}
	assert_true(r->pooled_has_alpha);
	assert_true(fabs(r->pooled_alpha_interval - 0.826464208242950)
	            < 1e-12);
	assert_true(fabs(r->pooled_alpha_nominal - 0.255813953488372) < 1e-12);
	assert_true(fabs(r->pooled_alpha_ordinal - 0.831593243357949) < 1e-12);
	protobuf_c_message_free_unpacked(&r->base, NULL);
	td_status_reset(&st);
}

static void
roi_ranks_coaching_first_and_doubts_the_workshop(void **state)
{
	(void) state;
	Tandem__V1__RoiRequest req  = TANDEM__V1__ROI_REQUEST__INIT;
	req.measure                 = h_outcome("ela_scale");
	req.pre_from                = "2023-08-01";
	req.pre_to                  = "2024-07-31";
	req.post_from               = "2024-08-01";
	req.post_to                 = "2026-07-31";
	req.bootstrap               = 500;
	Tandem__V1__RoiResponse *r  = NULL;
	td_status                st = { 0 };
	assert_int_equal(td_analysis_roi(cl, &req, &r, &st), TD_CODE_OK);
	assert_true(r->n_rows >= 6);
	assert_string_equal(r->rows[0]->activity, "A01");
	assert_int_equal(r->rows[0]->rank, 1);
	assert_false(r->rows[0]->effect_ci_includes_zero);
	assert_true(r->rows[0]->hedges_g > 0);
	/* Beside the change-score SE: the school x period OLS SE (larger,
	 * it ignores the pairing), the school-clustered one, and g's pre SD
	 * (g = J * did / pre_sd, J < 1). */
	assert_true(r->rows[0]->did_ols_se > r->rows[0]->did_se);
	assert_true(r->rows[0]->did_cluster_se > 0);
	assert_true(r->rows[0]->pre_sd > 0);
	assert_true(r->rows[0]->hedges_g
	            < r->rows[0]->did / r->rows[0]->pre_sd);
	assert_true(r->rows[0]->dose_slope > 0);
	assert_true(r->price_adjusted);
	assert_int_equal(r->seed, 20261122);
	bool workshop = false;
	for (size_t i = 0; i < r->n_rows; i++) {
		if (strcmp(r->rows[i]->kind, "workshop") == 0) {
			workshop = true;
			assert_true(r->rows[i]->effect_ci_includes_zero);
			assert_false(r->rows[i]->ratio_available);
		}
	}
	assert_true(workshop);
	protobuf_c_message_free_unpacked(&r->base, NULL);
	td_status_reset(&st);

	/* --impact staggered: the ratios stand on the staggered-adoption
	 * ATT (the sample's coaching rolls out in two cohorts); coaching
	 * still ranks first, its g is ATT / pre SD, no DiD bootstrap. */
	req.impact = "staggered";
	assert_int_equal(td_analysis_roi(cl, &req, &r, &st), TD_CODE_OK);
	assert_string_equal(r->impact, "staggered");
	assert_string_equal(r->rows[0]->activity, "A01");
	assert_true(r->rows[0]->hedges_g > 0);
	double gap
	    = r->rows[0]->hedges_g - r->rows[0]->did / r->rows[0]->pre_sd;
	assert_true(gap < 1e-9 && gap > -1e-9);
	assert_true(r->rows[0]->effect_per_1000_low == 0
	            && r->rows[0]->effect_per_1000_high == 0);
	assert_true(r->rows[0]->did_ols_se == 0);
	req.impact = "nonsense";
	protobuf_c_message_free_unpacked(&r->base, NULL);
	td_status_reset(&st);
	r = NULL;
	assert_int_equal(td_analysis_roi(cl, &req, &r, &st),
	                 TD_CODE_INVALID_ARGUMENT);
	assert_null(r);
	td_status_reset(&st);
	req.impact = "";
	/* Same seed, same answer, to the bit. */
	Tandem__V1__RoiResponse *r2 = NULL;
	req.activity                = "A01";
	assert_int_equal(td_analysis_roi(cl, &req, &r, &st), TD_CODE_OK);
	assert_int_equal(td_analysis_roi(cl, &req, &r2, &st), TD_CODE_OK);
	assert_memory_equal(&r->rows[0]->effect_per_1000_low,
	                    &r2->rows[0]->effect_per_1000_low, sizeof(double));
	assert_memory_equal(&r->rows[0]->effect_per_1000_high,
	                    &r2->rows[0]->effect_per_1000_high,
	                    sizeof(double));
	protobuf_c_message_free_unpacked(&r->base, NULL);
	protobuf_c_message_free_unpacked(&r2->base, NULL);
	td_status_reset(&st);
}

static void
compare_and_variance_see_school_differences(void **state)
{
	(void) state;
	Tandem__V1__SeriesQuery q
	    = query("survey:climate/belonging:mean",
	            TANDEM__V1__SCOPE_LEVEL__EACH_SCHOOL, "",
	            TANDEM__V1__GRAIN__ACADEMIC_YEAR);
	Tandem__V1__CompareRequest req  = TANDEM__V1__COMPARE_REQUEST__INIT;
	req.query                       = &q;
	Tandem__V1__CompareResponse *r  = NULL;
	td_status                    st = { 0 };
	assert_int_equal(td_analysis_compare(cl, &req, &r, &st), TD_CODE_OK);
	assert_int_equal(r->n_groups, 40);
	assert_true(r->anova_df1 > 0 && r->anova_f > 0);
	assert_true(r->eta_squared > 0 && r->eta_squared < 1);
	assert_true(r->design_effect >= 1);
	protobuf_c_message_free_unpacked(&r->base, NULL);
	Tandem__V1__VarianceRequest vr  = TANDEM__V1__VARIANCE_REQUEST__INIT;
	vr.query                        = &q;
	Tandem__V1__VarianceResponse *v = NULL;
	assert_int_equal(td_analysis_variance(cl, &vr, &v, &st), TD_CODE_OK);
	assert_int_equal(v->groups, 40);
	assert_true(v->icc1 > 0 && v->icc1 < 0.5);
	protobuf_c_message_free_unpacked(&v->base, NULL);
	td_status_reset(&st);
}

static void
completeness_reports_every_school_and_response_rates(void **state)
{
	(void) state;
	Tandem__V1__CompletenessRequest req
	    = TANDEM__V1__COMPLETENESS_REQUEST__INIT;
	req.measure                          = "attendance";
	req.survey                           = "climate";
	Tandem__V1__CompletenessResponse *r  = NULL;
	td_status                         st = { 0 };
	assert_int_equal(td_analysis_completeness(cl, &req, &r, &st),
	                 TD_CODE_OK);
	/* The sample reports attendance monthly from September to June
	 * for three years: 34 months from the first to the last, all
	 * expected of the 40 schools (DHIS2 expects every period of the
	 * frequency), the 4 summer months reported by none. */
	assert_int_equal(r->n_rows, 34);
	size_t full = 0;
	for (size_t i = 0; i < r->n_rows; i++) {
		const Tandem__V1__CompletenessRow *w = r->rows[i];
		bool summer = strncmp(w->period + 5, "07", 2) == 0
		    || strncmp(w->period + 5, "08", 2) == 0;
		assert_int_equal(w->expected, 40);
		assert_int_equal(w->reported, summer ? 0 : 40);
		assert_int_equal(w->n_missing_schools, summer ? 40 : 0);
		assert_string_equal(w->frequency, "monthly");
		full += w->reported == 40;
	}
	assert_int_equal(full, 30);
	/* the network's rate: 30 x 40 of 34 x 40 school-months */
	assert_string_equal(r->rates[0]->level, "network");
	assert_int_equal(r->rates[0]->expected, 34 * 40);
	assert_int_equal(r->rates[0]->actual, 30 * 40);
	assert_true(fabs(r->rates[0]->reporting_rate - 100.0 * 30 / 34)
	            < 1e-9);
	assert_true(r->n_response_rates > 0);
	for (size_t i = 0; i < r->n_response_rates; i++) {
		assert_true(r->response_rates[i]->rate > 0
		            && r->response_rates[i]->rate < 100);
	}
	protobuf_c_message_free_unpacked(&r->base, NULL);
	td_status_reset(&st);
}

static void
survey_rollups_equal_a_recount_from_the_responses(void **state)
{
	(void) state;
	/* tandemd adds survey cells to the rollups as it ingests; recount
	 * them here from the stored answers with the definition in SQL and
	 * compare every school-level cell of every grain and grade. */
	long long bad = h_sql_int(
	    conninfo,
	    "WITH vals AS (SELECT r.survey_id, r.school_id, "
	    "r.administered_on, "
	    "r.grade, r.respondent, it.construct, CASE WHEN it.reverse_coded "
	    "THEN it.min_value + it.max_value - a.v ELSE a.v END AS x, "
	    "it.favourable_at_least AS fav_at FROM survey_responses r CROSS "
	    "JOIN LATERAL unnest(r.answers) WITH ORDINALITY AS a(v, pos) JOIN "
	    "survey_items it ON it.survey_id = r.survey_id AND it.position = "
	    "a.pos - 1 WHERE a.v IS NOT NULL), scores AS (SELECT survey_id, "
	    "school_id, administered_on, grade, respondent, construct, "
	    "avg(x)::float8 AS score, count(*) FILTER (WHERE x >= fav_at) AS "
	    "fav, count(*) AS items FROM vals GROUP BY 1, 2, 3, 4, 5, 6), "
	    "want AS (SELECT 'survey:' || sv.code || '/' || sc.construct AS "
	    "measure, gr.grade, g.grain, td_period_start(g.grain, "
	    "sc.administered_on) AS p, sc.school_id, count(*) AS cnt, "
	    "sum(score) AS s1, sum(score * score) AS s2, sum(fav) AS fav, "
	    "sum(items) AS items FROM scores sc JOIN surveys sv ON sv.id = "
	    "sc.survey_id CROSS JOIN (VALUES ('w'::char), ('m'), ('t'), "
	    "('y')) "
	    "g(grain) CROSS JOIN LATERAL (SELECT sc.grade WHERE sc.grade <> "
	    "'' "
	    "UNION ALL SELECT '') gr(grade) GROUP BY 1, 2, 3, 4, 5) "
	    "SELECT count(*) FROM want w FULL JOIN (SELECT * FROM rollups "
	    "WHERE "
	    "level = 's' AND measure LIKE 'survey:%') r ON r.measure = "
	    "w.measure AND r.grade = w.grade AND r.grain = w.grain AND "
	    "r.period_start = w.p AND r.unit_id = w.school_id WHERE w.cnt IS "
	    "DISTINCT FROM r.cnt OR w.fav IS DISTINCT FROM r.fav OR w.items "
	    "IS "
	    "DISTINCT FROM r.items OR abs(w.s1 - r.wsum) > 1e-9 * abs(w.s1) "
	    "OR "
	    "abs(w.s2 - r.wsumsq) > 1e-9 * abs(w.s2) OR w.cnt IS NULL OR "
	    "r.cnt IS "
	    "NULL");
	assert_int_equal(bad, 0);
	assert_true(h_sql_int(conninfo,
	                      "SELECT count(*) FROM rollups WHERE "
	                      "measure LIKE 'survey:%'")
	            > 1000);
}

/* list instruments shows each survey's items (and so its constructs),
 * each rubric's criteria and each measure's target (it listed 0 items). */
static void
list_instruments_shows_items_and_constructs(void **state)
{
	(void) state;
	Tandem__V1__ListInstrumentsRequest req
	    = TANDEM__V1__LIST_INSTRUMENTS_REQUEST__INIT;
	Tandem__V1__ListInstrumentsResponse *r  = NULL;
	td_status                            st = { 0 };
	assert_int_equal(td_registry_list_instruments(cl, &req, &r, &st),
	                 TD_CODE_OK);
	bool climate = false;
	for (size_t i = 0; i < r->n_surveys; i++) {
		const Tandem__V1__Survey *s = r->surveys[i];
		assert_true(s->n_items > 0);
		if (strcmp(s->code, "climate") == 0) {
			climate = true;
			assert_true(s->items[0]->construct[0] != '\0');
			assert_true(s->items[0]->max > s->items[0]->min);
		}
	}
	assert_true(climate);
	assert_true(r->n_rubrics >= 1);
	assert_int_equal(r->rubrics[0]->n_criteria, 5);
	protobuf_c_message_free_unpacked(&r->base, NULL);
	td_status_reset(&st);
	assert_int_equal(h_run("%s/tandem --server %s list instruments | "
	                       "grep -q 'climate.*[1-9]'",
	                       h_bin_dir(), srv.url),
	                 0);
}

/* Outcome measures compare schools: a district's mean is the unweighted
 * mean of its schools' values, n = schools, with an SD, Welch t and
 * ANOVA over schools (with one pooled value per district the CLI printed
 * sd 0, welch_t 0, welch_p 1). A single school has no SD: null with the
 * reason, never 0. */
static void
compare_outcomes_takes_schools_as_units(void **state)
{
	(void) state;
	Tandem__V1__SeriesQuery q
	    = query("attendance", TANDEM__V1__SCOPE_LEVEL__EACH_DISTRICT, "",
	            TANDEM__V1__GRAIN__ACADEMIC_YEAR);
	q.from                           = "2025-08-01";
	Tandem__V1__CompareRequest   req = TANDEM__V1__COMPARE_REQUEST__INIT;
	Tandem__V1__CompareResponse *r = NULL, *e = NULL;
	td_status                    st = { 0 };
	req.query                       = &q;
	assert_int_equal(td_analysis_compare(cl, &req, &r, &st), TD_CODE_OK);
	assert_string_equal(r->units, "schools");
	assert_true(r->n_groups >= 2);
	assert_true(r->has_anova && r->anova_df2 > 0);
	double sum_d   = 0;
	int    schools = 0;
	for (size_t i = 0; i < r->n_groups; i++) {
		const Tandem__V1__GroupRow *g = r->groups[i];
		assert_true(g->n >= 2);
		assert_int_equal(g->n, g->schools);
		assert_true(g->has_sd && g->sd > 0);
		assert_true(g->has_welch && g->welch_df > 0);
		sum_d += g->mean * (double) g->n;
		schools += g->schools;
	}
	assert_int_equal(schools, 40);
	td_status_reset(&st);

	q.level = TANDEM__V1__SCOPE_LEVEL__EACH_SCHOOL;
	assert_int_equal(td_analysis_compare(cl, &req, &e, &st), TD_CODE_OK);
	assert_int_equal(e->n_groups, 40);
	double sum_s = 0;
	for (size_t i = 0; i < e->n_groups; i++) {
		const Tandem__V1__GroupRow *g = e->groups[i];
		assert_int_equal(g->n, 1);
		assert_false(g->has_sd);
		assert_false(g->has_welch);
		assert_non_null(strstr(g->note, "one school"));
		sum_s += g->mean;
	}
	double gap = sum_d - sum_s;
	assert_true(gap < 1e-6 && gap > -1e-6);
	assert_false(e->has_anova);
	assert_true(e->note[0] != '\0');
	protobuf_c_message_free_unpacked(&r->base, NULL);
	protobuf_c_message_free_unpacked(&e->base, NULL);
	td_status_reset(&st);
}

/* Staggered-adoption impact of the helpful activity (coaching, A01) on
 * ELA: the sample's roll-out has two cohorts (every fourth coached school
 * starts a year late, PLANTED.md); a positive overall ATT, a pre-adoption
 * event time near 0, TWFE beside it; an unknown activity is NOT_FOUND. */
static void
impact_finds_the_coaching_effect(void **state)
{
	(void) state;
	Tandem__V1__ImpactRequest   req = TANDEM__V1__IMPACT_REQUEST__INIT;
	Tandem__V1__ImpactResponse *r   = NULL;
	td_status                   st  = { 0 };
	req.measure                     = h_outcome("ela_scale");
	req.activity                    = "A01";
	assert_int_equal(td_analysis_impact(cl, &req, &r, &st), TD_CODE_OK);
	fprintf(
	    stderr, "impact: att %g [%g, %g] twfe %g cohorts %d never %d\n",
	    r->att, r->low, r->high, r->twfe, r->cohorts, r->never_treated);
	assert_true(r->available);
	assert_int_equal(r->cohorts, 2);
	assert_true(r->never_treated > 0);
	assert_true(r->att > 0 && r->low > 0);
	assert_true(r->twfe_available);
	bool after = false, before = false;
	for (size_t i = 0; i < r->n_event_study; i++) {
		const Tandem__V1__EventTime *e = r->event_study[i];
		after |= e->event_time >= 0 && e->available && e->theta > 0;
		if (e->event_time == -2 && e->available) {
			/* parallel trends before adoption */
			before = e->low < 0 && e->high > 0;
		}
	}
	assert_true(after);
	assert_true(before);
	protobuf_c_message_free_unpacked(&r->base, NULL);
	td_status_reset(&st);
	req.activity = "NOSUCH";
	assert_int_equal(td_analysis_impact(cl, &req, &r, &st),
	                 TD_CODE_NOT_FOUND);
	td_status_reset(&st);
}

/* Reliability and agreement keep their statistics per data version
 * (server/services/evaluation/kept.c): asked again about unchanged data
 * they give the same answer, and after a write they count what it
 * added (a stale answer would not). */
static void
kept_statistics_follow_a_write(void **state)
{
	(void) state;
	Tandem__V1__ReliabilityRequest rq
	    = TANDEM__V1__RELIABILITY_REQUEST__INIT;
	Tandem__V1__AgreementRequest aq = TANDEM__V1__AGREEMENT_REQUEST__INIT;
	Tandem__V1__ReliabilityResponse *r[3] = { NULL };
	Tandem__V1__AgreementResponse   *a[3] = { NULL };
	td_status                        st   = { 0 };
	rq.survey = "climate", rq.school = "S040";
	aq.rubric = "practice", aq.school = "S040";
	for (int i = 0; i < 2; i++) {
		assert_int_equal(td_analysis_reliability(cl, &rq, &r[i], &st),
		                 TD_CODE_OK);
		assert_int_equal(td_analysis_agreement(cl, &aq, &a[i], &st),
		                 TD_CODE_OK);
	}
	assert_int_equal(r[1]->n_constructs, r[0]->n_constructs);
	for (size_t i = 0; i < r[0]->n_constructs; i++) {
		assert_int_equal(r[1]->constructs[i]->n,
		                 r[0]->constructs[i]->n);
		assert_true(r[1]->constructs[i]->alpha
		            == r[0]->constructs[i]->alpha);
	}
	assert_int_equal(a[1]->double_scored, a[0]->double_scored);
	/* One complete response and one observation scored twice more. */
	char path[300], args[400];
	snprintf(path, sizeof(path), "%s/kept_responses.csv", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("school,respondent,administered_on,grade,belong_1,belong_2,"
	      "belong_3,belong_4,safety_1,safety_2,safety_3,safety_4,"
	      "engage_1,engage_2,engage_3,engage_4\n"
	      "S040,STU-S040-KEPT,2024-10-15,8,4,4,3,2,4,3,4,2,5,4,4,2\n",
	      f);
	fclose(f);
	snprintf(args, sizeof(args), "submit surveys --survey climate %s",
	         path);
	assert_int_equal(load(args), 0);
	snprintf(path, sizeof(path), "%s/kept_obs.csv", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("observation,school,observer,observed,rubric,observed_on,"
	      "environment,questioning,feedback,rigor,discourse,notes\n"
	      "OBS-KEPT-1,S040,E0415,E0418,practice,2024-03-06,3,3,2,3,3,\n"
	      "OBS-KEPT-1,S040,E0416,E0418,practice,2024-03-06,3,2,2,3,3,\n",
	      f);
	fclose(f);
	snprintf(args, sizeof(args), "submit feedback %s", path);
	assert_int_equal(load(args), 0);
	assert_int_equal(td_analysis_reliability(cl, &rq, &r[2], &st),
	                 TD_CODE_OK);
	assert_int_equal(td_analysis_agreement(cl, &aq, &a[2], &st),
	                 TD_CODE_OK);
	assert_int_equal(r[2]->n_constructs, r[0]->n_constructs);
	for (size_t i = 0; i < r[0]->n_constructs; i++) {
		assert_int_equal(r[2]->constructs[i]->n,
		                 r[0]->constructs[i]->n + 1);
	}
	assert_int_equal(a[2]->double_scored, a[0]->double_scored + 1);
	for (int i = 0; i < 3; i++) {
		protobuf_c_message_free_unpacked(&r[i]->base, NULL);
		protobuf_c_message_free_unpacked(&a[i]->base, NULL);
	}
	td_status_reset(&st);
}

/* The statistics kept per data version are computed once for every
 * caller; disclosure is each caller's own. A school's day with 4
 * respondents (min_n is 10): an admin's call keeps its statistics and sees
 * them, a council member's call on the kept statistics gets the construct
 * suppressed (no alpha), and the admin's next call still sees them. */
static void
kept_statistics_keep_each_callers_suppression(void **state)
{
	(void) state;
	/* Four respondents of one school on a day no one else answered. */
	const char *school = "S040", *day = "2024-05-21";
	char        path[300], args[400];
	snprintf(path, sizeof(path), "%s/small_day.csv", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("school,respondent,administered_on,grade,belong_1,belong_2,"
	      "belong_3,belong_4,safety_1,safety_2,safety_3,safety_4,"
	      "engage_1,engage_2,engage_3,engage_4\n",
	      f);
	for (int k = 0; k < 4; k++) {
		fprintf(f,
		        "%s,STU-%s-SMALL%d,%s,8,%d,%d,%d,%d,4,3,4,2,5,4,4,2\n",
		        school, school, k, day, 2 + k % 3, 3 + k % 2, 2 + k,
		        1 + k % 4);
	}
	fclose(f);
	snprintf(args, sizeof(args), "submit surveys --survey climate %s",
	         path);
	assert_int_equal(load(args), 0);

	Tandem__V1__CreateClientRequest cr
	    = TANDEM__V1__CREATE_CLIENT_REQUEST__INIT;
	cr.name                              = "council kept";
	cr.role                              = "council";
	Tandem__V1__CreateClientResponse *cc = NULL;
	td_status                         st = { 0 };
	assert_int_equal(td_admin_create_client(cl, &cr, &cc, &st),
	                 TD_CODE_OK);
	td_client *council = h_client_token(&srv, 60000, cc->token);
	protobuf_c_message_free_unpacked(&cc->base, NULL);

	Tandem__V1__ReliabilityRequest rq
	    = TANDEM__V1__RELIABILITY_REQUEST__INIT;
	rq.survey = "climate", rq.construct = "belonging";
	rq.school = (char *) school, rq.from = (char *) day;
	rq.to                                 = (char *) day;
	Tandem__V1__ReliabilityResponse *r[3] = { NULL };
	assert_int_equal(td_analysis_reliability(cl, &rq, &r[0], &st),
	                 TD_CODE_OK);
	assert_int_equal(td_analysis_reliability(council, &rq, &r[1], &st),
	                 TD_CODE_OK);
	assert_int_equal(td_analysis_reliability(cl, &rq, &r[2], &st),
	                 TD_CODE_OK);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(r[i]->n_constructs, 1);
	}
	const Tandem__V1__ConstructRow *admin = r[0]->constructs[0];
	assert_false(admin->suppressed);
	assert_int_equal(admin->n, 4);
	assert_true(admin->alpha != 0);
	assert_true(r[1]->constructs[0]->suppressed);
	assert_true(r[1]->constructs[0]->alpha == 0);
	assert_false(r[2]->constructs[0]->suppressed);
	assert_true(r[2]->constructs[0]->alpha == admin->alpha);
	for (int i = 0; i < 3; i++) {
		protobuf_c_message_free_unpacked(&r[i]->base, NULL);
	}
	td_client_destroy(council);
	td_status_reset(&st);
}

static int
setup(void **state)
{
	(void) state;
	return network_setup("analysis_units");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(positive_deviance_flags_the_planted_schools),
		cmocka_unit_test(survey_scales_are_reliable),
		cmocka_unit_test(raters_agree_as_planted),
		cmocka_unit_test(
		    roi_ranks_coaching_first_and_doubts_the_workshop),
		cmocka_unit_test(compare_and_variance_see_school_differences),
		cmocka_unit_test(
		    completeness_reports_every_school_and_response_rates),
		cmocka_unit_test(
		    survey_rollups_equal_a_recount_from_the_responses),
		cmocka_unit_test(list_instruments_shows_items_and_constructs),
		cmocka_unit_test(compare_outcomes_takes_schools_as_units),
		cmocka_unit_test(impact_finds_the_coaching_effect),
		/* last: it adds a rubric and observations */
		cmocka_unit_test(alpha_counts_every_scoring),
		cmocka_unit_test(kept_statistics_follow_a_write),
		cmocka_unit_test(
		    kept_statistics_keep_each_callers_suppression),
	};
	return cmocka_run_group_tests_name("analysis_units", tests, setup,
	                                   network_teardown);
}
