/* SPDX-License-Identifier: MIT
 * Analysis of the instruments and of reporting: scale reliability
 * (Cronbach's alpha, item-rest correlations, alpha if deleted, percent
 * favourable) and rater agreement on double-scored observations
 * (completeness is in analysis_completeness.c).
 * Reliability and agreement need item-level data (covariances, pairs), so
 * they read responses and observations of one instrument, not rollups.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "common.h"
#include "validate.h"
#include "config.h"
#include "services.h"
#include "stats/instruments/stats_agreement.h"
#include "stats/instruments/stats_kripp.h"
#include "stats/core/stats_moments.h"
#include "stats/instruments/stats_omega.h"
#include "stats/instruments/stats_reliability.h"

static const char *
opt_str(const char *s)
{
	return s[0] ? s : NULL;
}

int
analysis_reliability(rpc_call *call, const ProtobufCMessage *req,
                     ProtobufCMessage **resp)
{
	const Tandem__V1__ReliabilityRequest *in  = (const void *) req;
	store_instrument                      sv  = { 0 };
	double                               *ans = NULL;
	size_t                                nr  = 0;
	int rv = store_begin_request(call->store, rpc_remaining_ms(call));
	if (rv == TD_OK
	    && (call->who.role == RPC_ROLE_SCHOOL
	        || call->who.role == RPC_ROLE_DISTRICT || in->school[0])) {
		if (in->school[0] == '\0') {
			return rpc_fail(call, TD_CODE_PERMISSION_DENIED,
			                "name your school (--school)");
		}
		if (!analysis_scope_school(call, in->school)) {
			return call->code;
		}
	}
	if (rv == TD_OK) {
		rv = store_survey_answers(
		    call->store, in->survey, opt_str(in->school),
		    opt_str(in->from), opt_str(in->to), &sv, &ans, &nr);
	}
	if (rv == TD_ENOTFOUND) {
		return rpc_fail(call, TD_CODE_NOT_FOUND,
		                "survey %s is not in the registry",
		                in->survey);
	} else if (rv != TD_OK) {
		free(ans);
		store_instrument_free(&sv);
		return analysis_db_fail(call, rv);
	}
	Tandem__V1__ReliabilityResponse *out
	    = RPC_NEW(call->arena, Tandem__V1__ReliabilityResponse,
	              tandem__v1__reliability_response__init);
	out->survey  = in->survey;
	out->version = sv.version;
	out->constructs
	    = rpc_arena_alloc(call->arena, (sv.n_items + 1) * sizeof(void *));
	size_t  k   = sv.n_items;
	size_t *col = rpc_arena_alloc(call->arena, (k + 1) * sizeof(size_t));
	for (size_t a = 0; out->constructs && col && a < k; a++) {
		const char *con  = sv.items[a].construct;
		bool        seen = false;
		for (size_t b = 0; b < a; b++) {
			seen |= strcmp(sv.items[b].construct, con) == 0;
		}
		if (seen || (in->construct[0] && strcmp(in->construct, con))) {
			continue;
		}
		size_t m = 0;
		for (size_t b = 0; b < k; b++) {
			if (strcmp(sv.items[b].construct, con) == 0) {
				col[m++] = b;
			}
		}
		/* Items of the construct, reverse-coded ones reversed. */
		double        *x   = calloc(nr * m + 1, sizeof(double));
		unsigned char *rev = calloc(m + 1, 1);
		for (size_t i = 0; x && rev && i < nr; i++) {
			for (size_t j = 0; j < m; j++) {
				const store_item *it = &sv.items[col[j]];
				double            v  = ans[i * k + col[j]];
				x[i * m + j] = it->reverse_coded && !isnan(v)
				    ? it->min + it->max - v
				    : v;
			}
		}
		Tandem__V1__ConstructRow *cr
		    = RPC_NEW(call->arena, Tandem__V1__ConstructRow,
		              tandem__v1__construct_row__init);
		cr->construct = (char *) rpc_arena_strdup(call->arena, con);
		cr->items     = (int32_t) m;
		cr->item_rows
		    = rpc_arena_alloc(call->arena, (m + 1) * sizeof(void *));
		stats_alpha_result      ar;
		stats_favourable_result fr;
		char                    err[TD_ERRMSG_MAX];
		/* Reversed values are favourable at the item's threshold on
		 * the reversed scale, so no reversal flags here. */
		int arv = x ? stats_alpha(x, nr, m, &ar, err) : TD_ENOMEM;
		int frv = x
		    ? stats_percent_favourable(
		        x, nr, m, sv.items[col[0]].min, sv.items[col[0]].max,
		        NULL, sv.items[col[0]].favourable_at_least, &fr, err)
		    : TD_ENOMEM;
		cr->n   = arv == TD_OK ? (int64_t) ar.n_used : 0;
		cr->suppressed = analysis_suppress(call, (double) cr->n);
		if (arv != TD_OK) {
			cr->note = rpc_arena_strdup(call->arena, err);
		} else if (!cr->suppressed) {
			cr->alpha = ar.alpha;
		}
		if (frv == TD_OK && !cr->suppressed) {
			cr->percent_favourable = 100.0 * fr.share;
		}
		stats_omega_result omr;
		char               oerr[TD_ERRMSG_MAX];
		if (x != NULL && !cr->suppressed) {
			if (stats_omega(x, nr, m, &omr, oerr) == TD_OK) {
				cr->has_omega  = true;
				cr->omega      = omr.omega;
				cr->omega_note = omr.heywood
				    ? "Heywood case: a uniqueness at its bound"
				    : "";
				stats_omega_result_free(&omr);
			} else {
				cr->omega_note
				    = rpc_arena_strdup(call->arena, oerr);
			}
		}
		for (size_t j = 0; !cr->suppressed && j < m; j++) {
			const store_item    *it = &sv.items[col[j]];
			Tandem__V1__ItemRow *ir
			    = RPC_NEW(call->arena, Tandem__V1__ItemRow,
			              tandem__v1__item_row__init);
			stats_moments mo = stats_moments_strided(x + j, nr, m);
			ir->item = rpc_arena_strdup(call->arena, it->code);
			ir->reverse_coded = it->reverse_coded;
			ir->mean          = mo.n > 0 ? mo.mean : 0;
			ir->sd            = mo.has_sd ? mo.sd : 0;
			if (arv == TD_OK) {
				ir->item_rest_r = ar.items[j].has_item_rest
				    ? ar.items[j].item_rest
				    : 0;
				ir->alpha_if_deleted
				    = ar.items[j].has_alpha_if_deleted
				    ? ar.items[j].alpha_if_deleted
				    : 0;
			}
			if (frv == TD_OK && fr.items[j].has_share) {
				ir->percent_favourable
				    = 100.0 * fr.items[j].share;
			}
			cr->item_rows[cr->n_item_rows++] = ir;
		}
		if (arv == TD_OK) {
			stats_alpha_result_free(&ar);
		}
		if (frv == TD_OK) {
			stats_favourable_result_free(&fr);
		}
		free(x);
		free(rev);
		out->constructs[out->n_constructs++] = cr;
	}
	free(ans);
	store_instrument_free(&sv);
	if (in->construct[0] && out->n_constructs == 0) {
		return rpc_fail(call, TD_CODE_NOT_FOUND,
		                "survey %s has no construct %s", in->survey,
		                in->construct);
	}
	size_t hidden = 0;
	for (size_t i = 0; i < out->n_constructs; i++) {
		hidden += out->constructs[i]->suppressed;
	}
	return analysis_reply(call, &out->base, &out->disclosure,
	                      analysis_disclosure_msg(call, hidden, 0),
	                      (int64_t) nr, resp);
}

/* alphas: Krippendorff's alpha of units x raters scores at the three
 * levels; false when it is undefined (too few units, no spread). */
static bool
alphas(const double *m, size_t units, size_t raters, double out[3],
       stats_kripp_result *kr)
{
	for (int l = 0; l < 3; l++) {
		if (stats_kripp_alpha(m, units, raters, (stats_kripp_level) l,
		                      kr, NULL)
		    != TD_OK) {
			return false;
		}
		out[l] = kr->alpha;
	}
	return true;
}

/* kripp_all: Krippendorff's alpha from every scoring (xs: nu units x nq
 * raters x k criteria), per criterion and with the criteria pooled
 * (units = observation x criterion). */
static void
kripp_all(rpc_call *call, Tandem__V1__AgreementResponse *out, const double *xs,
          size_t nu, size_t nq, size_t k)
{
	double            *m = malloc((nu * nq * k + 1) * sizeof(double));
	double             al[3];
	stats_kripp_result kr;
	out->alpha_raters = (int64_t) nq;
	if (m == NULL || nu == 0 || analysis_suppress(call, (double) nu)) {
		free(m);
		return;
	}
	for (size_t j = 0; j < k && j < out->n_criteria; j++) {
		Tandem__V1__CriterionAgreement *c = out->criteria[j];
		for (size_t u = 0; u < nu * nq; u++) {
			m[u] = xs[u * k + j];
		}
		if (alphas(m, nu, nq, al, &kr)) {
			c->has_alpha      = true;
			c->alpha_nominal  = al[0];
			c->alpha_ordinal  = al[1];
			c->alpha_interval = al[2];
			c->alpha_units    = (int64_t) kr.units;
			c->alpha_values   = kr.n;
		}
	}
	for (size_t j = 0; j < k; j++) {
		for (size_t u = 0; u < nu * nq; u++) {
			m[j * nu * nq + u] = xs[u * k + j];
		}
	}
	if (alphas(m, nu * k, nq, al, &kr)) {
		out->pooled_has_alpha      = true;
		out->pooled_alpha_nominal  = al[0];
		out->pooled_alpha_ordinal  = al[1];
		out->pooled_alpha_interval = al[2];
	}
	free(m);
}

/* pooled_kappa: quadratic-weighted kappa over the pairs of every
 * criterion of the rubric together, on the union of their scales. */
static void
pooled_kappa(rpc_call *call, Tandem__V1__AgreementResponse *out,
             const store_instrument *rb, const double *a, const double *b,
             size_t np)
{
	size_t             k  = rb->n_items;
	double            *pa = malloc((np * k + 1) * sizeof(double));
	double            *pb = malloc((np * k + 1) * sizeof(double));
	int                lo = 0, hi = 0;
	stats_kappa_result kr;
	char               err[TD_ERRMSG_MAX];
	if (pa == NULL || pb == NULL || k == 0) {
		out->pooled_note = pa && pb ? "the rubric has no criteria"
		                            : "out of memory";
		free(pa);
		free(pb);
		return;
	}
	for (size_t j = 0; j < k; j++) {
		lo = j == 0 || rb->items[j].min < lo ? rb->items[j].min : lo;
		hi = j == 0 || rb->items[j].max > hi ? rb->items[j].max : hi;
		for (size_t i = 0; i < np; i++) {
			pa[j * np + i] = a[i * k + j];
			pb[j * np + i] = b[i * k + j];
		}
	}
	if (stats_rater_agreement(pa, pb, np * k, lo, hi, &kr, err) != TD_OK) {
		out->pooled_note = rpc_arena_strdup(call->arena, err);
	} else {
		out->pooled_pairs      = (int64_t) kr.n;
		out->pooled_suppressed = analysis_suppress(call, (double) np);
		if (!out->pooled_suppressed) {
			out->pooled_kappa_quadratic = kr.kappa_w;
		}
	}
	free(pa);
	free(pb);
}

int
analysis_agreement(rpc_call *call, const ProtobufCMessage *req,
                   ProtobufCMessage **resp)
{
	const Tandem__V1__AgreementRequest *in = (const void *) req;
	store_instrument                    rb = { 0 };
	double                             *a = NULL, *b = NULL, *xs = NULL;
	size_t                              np = 0, nu = 0, nq = 0;
	bool                                moved = false;
	int rv = store_begin_request(call->store, rpc_remaining_ms(call));
	if (rv == TD_OK
	    && (call->who.role == RPC_ROLE_SCHOOL
	        || call->who.role == RPC_ROLE_DISTRICT || in->school[0])) {
		if (in->school[0] == '\0') {
			return rpc_fail(call, TD_CODE_PERMISSION_DENIED,
			                "name your school (--school)");
		}
		if (!analysis_scope_school(call, in->school)) {
			return call->code;
		}
	}
	if (rv == TD_OK) {
		rv = store_double_scored(
		    call->store, in->rubric, opt_str(in->school),
		    opt_str(in->from), opt_str(in->to), &rb, &a, &b, &np);
	}
	if (rv == TD_OK) {
		/* alpha takes every scoring, kappa and ICC the first two */
		store_instrument sc = { 0 };
		rv                  = store_scorings(call->store, in->rubric,
		                                     opt_str(in->school), opt_str(in->from),
		                                     opt_str(in->to), &sc, &xs, &nu, &nq);
		moved               = rv == TD_OK && sc.id != rb.id;
		store_instrument_free(&sc);
	}
	if (moved) { /* a new version landed between the two reads */
		free(a);
		free(b);
		free(xs);
		store_instrument_free(&rb);
		return rpc_fail(call, TD_CODE_UNAVAILABLE,
		                "rubric %s changed while it was read; retry",
		                in->rubric);
	}
	if (rv != TD_OK) {
		free(a);
		free(b);
		free(xs);
		store_instrument_free(&rb);
	}
	if (rv == TD_ENOTFOUND) {
		return rpc_fail(call, TD_CODE_NOT_FOUND,
		                "rubric %s is not in the registry",
		                in->rubric);
	} else if (rv != TD_OK) {
		return analysis_db_fail(call, rv);
	}
	size_t                         k = rb.n_items;
	Tandem__V1__AgreementResponse *out
	    = RPC_NEW(call->arena, Tandem__V1__AgreementResponse,
	              tandem__v1__agreement_response__init);
	out->rubric        = in->rubric;
	out->double_scored = (int64_t) np;
	out->criteria = rpc_arena_alloc(call->arena, (k + 1) * sizeof(void *));
	double *x     = calloc(np + 1, sizeof(double));
	double *y     = calloc(np + 1, sizeof(double));
	double *m     = calloc(2 * np + 1, sizeof(double));
	for (size_t j = 0; x && y && m && j < k; j++) {
		Tandem__V1__CriterionAgreement *c
		    = RPC_NEW(call->arena, Tandem__V1__CriterionAgreement,
		              tandem__v1__criterion_agreement__init);
		c->criterion = rpc_arena_strdup(call->arena, rb.items[j].code);
		for (size_t i = 0; i < np; i++) {
			x[i]         = a[i * k + j];
			y[i]         = b[i * k + j];
			m[2 * i]     = x[i];
			m[2 * i + 1] = y[i];
		}
		stats_kappa_result kr;
		stats_icc2_result  ir;
		char               err[TD_ERRMSG_MAX];
		int krv = stats_rater_agreement(x, y, np, rb.items[j].min,
		                                rb.items[j].max, &kr, err);
		if (krv != TD_OK) {
			c->note = rpc_arena_strdup(call->arena, err);
		} else {
			c->pairs      = (int64_t) kr.n;
			c->suppressed = analysis_suppress(call, (double) kr.n);
			if (!c->suppressed) {
				c->exact           = 100.0 * kr.exact_share;
				c->adjacent        = 100.0 * kr.adjacent_share;
				c->kappa_quadratic = kr.kappa_w;
			}
		}
		if (krv == TD_OK && !c->suppressed
		    && stats_icc2(m, np, 2, &ir, err) == TD_OK) {
			c->icc21 = ir.icc;
		}
		out->criteria[out->n_criteria++] = c;
	}
	free(x);
	free(y);
	free(m);
	pooled_kappa(call, out, &rb, a, b, np);
	kripp_all(call, out, xs, nu, nq, k);
	free(a);
	free(b);
	free(xs);
	store_instrument_free(&rb);
	size_t hidden = 0;
	for (size_t i = 0; i < out->n_criteria; i++) {
		hidden += out->criteria[i]->suppressed;
	}
	return analysis_reply(call, &out->base, &out->disclosure,
	                      analysis_disclosure_msg(call, hidden, 0),
	                      (int64_t) np, resp);
}
