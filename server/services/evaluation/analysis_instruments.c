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
#include "kept.h"
#include "store/store_analysis.h"
#include "store/store_registry.h"

static const char *
opt_str(const char *s)
{
	return s[0] ? s : NULL;
}

/* instruments_begin starts the request and checks the caller's scope: a
 * school or district client names its school, and any named school must
 * be in scope. TD_CODE_OK, or the call's failure. */
static int
instruments_begin(rpc_call *call, const char *school)
{
	int rv = store_begin_request(call->store, rpc_remaining_ms(call));
	if (rv != TD_OK) {
		return analysis_db_fail(call, rv);
	}
	if (call->who.role == RPC_ROLE_SCHOOL
	    || call->who.role == RPC_ROLE_DISTRICT || school[0]) {
		if (school[0] == '\0') {
			return rpc_fail(call, TD_CODE_PERMISSION_DENIED,
			                "name your school (--school)");
		}
		if (!analysis_scope_school(call, school)) {
			return call->code;
		}
	}
	return TD_CODE_OK;
}

/* The statistics of one construct, as the reply shows them when nothing
 * is suppressed (rel_reply applies the caller's suppression). */
typedef struct rel_item {
	char  *code;
	bool   reverse_coded;
	double mean, sd;
	double item_rest_r, alpha_if_deleted; /* 0 when not available */
	bool   has_fav;
	double fav; /* percent */
} rel_item;

typedef struct rel_construct {
	char     *construct;
	size_t    m; /* items */
	int       arv, frv; /* stats_alpha, stats_percent_favourable */
	size_t    n_used;
	double    alpha, fav;
	char      err[TD_ERRMSG_MAX]; /* stats_alpha's, arv != TD_OK */
	int       omega; /* 0 not computed, 1 computed, -1 failed (oerr) */
	double    omega_value;
	bool      heywood;
	char      oerr[TD_ERRMSG_MAX];
	rel_item *items;
} rel_construct;

typedef struct rel_stats {
	int            version; /* the survey's */
	size_t         nr; /* responses read */
	size_t         nc;
	rel_construct *c;
} rel_stats;

static void
rel_free(void *p)
{
	rel_stats *st = p;
	for (size_t i = 0; st && i < st->nc; i++) {
		for (size_t j = 0; st->c[i].items && j < st->c[i].m; j++) {
			free(st->c[i].items[j].code);
		}
		free(st->c[i].items);
		free(st->c[i].construct);
	}
	if (st != NULL) {
		free(st->c);
		free(st);
	}
}

/* rel_construct_compute: the statistics of the m items col of the
 * responses ans (nr x k). */
static void
rel_construct_compute(const store_instrument *sv, const double *ans, size_t nr,
                      const size_t *col, size_t m, rel_construct *c)
{
	size_t k = sv->n_items;
	/* Items of the construct, reverse-coded ones reversed. */
	double *x = calloc(nr * m + 1, sizeof(double));
	for (size_t i = 0; x && i < nr; i++) {
		for (size_t j = 0; j < m; j++) {
			const store_item *it = &sv->items[col[j]];
			double            v  = ans[i * k + col[j]];
			x[i * m + j]         = it->reverse_coded && !isnan(v)
			            ? it->min + it->max - v
			            : v;
		}
	}
	stats_alpha_result      ar;
	stats_favourable_result fr;
	/* Reversed values are favourable at the item's threshold on the
	 * reversed scale, so no reversal flags here. */
	c->arv = x ? stats_alpha(x, nr, m, &ar, c->err) : TD_ENOMEM;
	c->frv = x ? stats_percent_favourable(
	             x, nr, m, sv->items[col[0]].min, sv->items[col[0]].max,
	             NULL, sv->items[col[0]].favourable_at_least, &fr, c->err)
	           : TD_ENOMEM;
	if (c->arv == TD_OK) {
		c->n_used = ar.n_used;
		c->alpha  = ar.alpha;
	}
	if (c->frv == TD_OK) {
		c->fav = 100.0 * fr.share;
	}
	stats_omega_result omr;
	if (x != NULL) {
		if (stats_omega(x, nr, m, &omr, c->oerr) == TD_OK) {
			c->omega       = 1;
			c->omega_value = omr.omega;
			c->heywood     = omr.heywood;
			stats_omega_result_free(&omr);
		} else {
			c->omega = -1;
		}
	}
	for (size_t j = 0; c->items && j < m; j++) {
		const store_item *it = &sv->items[col[j]];
		rel_item         *ir = &c->items[j];
		stats_moments     mo = x ? stats_moments_strided(x + j, nr, m)
		                         : stats_moments_from_sums(0, 0, 0);
		ir->code             = strdup(it->code);
		ir->reverse_coded    = it->reverse_coded;
		ir->mean             = mo.n > 0 ? mo.mean : 0;
		ir->sd               = mo.has_sd ? mo.sd : 0;
		if (c->arv == TD_OK) {
			ir->item_rest_r      = ar.items[j].has_item_rest
			         ? ar.items[j].item_rest
			         : 0;
			ir->alpha_if_deleted = ar.items[j].has_alpha_if_deleted
			    ? ar.items[j].alpha_if_deleted
			    : 0;
		}
		if (c->frv == TD_OK && fr.items[j].has_share) {
			ir->has_fav = true;
			ir->fav     = 100.0 * fr.items[j].share;
		}
	}
	if (c->arv == TD_OK) {
		stats_alpha_result_free(&ar);
	}
	if (c->frv == TD_OK) {
		stats_favourable_result_free(&fr);
	}
	free(x);
}

/* rel_compute: every construct of the survey, in the order of their
 * first items; NULL when out of memory. */
static rel_stats *
rel_compute(const store_instrument *sv, const double *ans, size_t nr)
{
	size_t     k   = sv->n_items;
	rel_stats *st  = calloc(1, sizeof(*st));
	size_t    *col = calloc(k + 1, sizeof(size_t));
	if (st == NULL || col == NULL
	    || (st->c = calloc(k + 1, sizeof(rel_construct))) == NULL) {
		free(col);
		rel_free(st);
		return NULL;
	}
	st->version = sv->version;
	st->nr      = nr;
	for (size_t a = 0; a < k; a++) {
		const char *con  = sv->items[a].construct;
		bool        seen = false;
		for (size_t b = 0; b < a; b++) {
			seen |= strcmp(sv->items[b].construct, con) == 0;
		}
		if (seen) {
			continue;
		}
		size_t m = 0;
		for (size_t b = 0; b < k; b++) {
			if (strcmp(sv->items[b].construct, con) == 0) {
				col[m++] = b;
			}
		}
		rel_construct *c = &st->c[st->nc++];
		c->construct     = strdup(con);
		c->m             = m;
		c->items         = calloc(m + 1, sizeof(rel_item));
		if (c->construct == NULL || c->items == NULL) {
			free(col);
			rel_free(st);
			return NULL;
		}
		rel_construct_compute(sv, ans, nr, col, m, c);
	}
	free(col);
	return st;
}

/* rel_row: one construct's row of the reply, as the caller may see it. */
static Tandem__V1__ConstructRow *
rel_row(rpc_call *call, const rel_construct *c)
{
	Tandem__V1__ConstructRow *cr
	    = RPC_NEW(call->arena, Tandem__V1__ConstructRow,
	              tandem__v1__construct_row__init);
	cr->construct = (char *) rpc_arena_strdup(call->arena, c->construct);
	cr->items     = (int32_t) c->m;
	cr->item_rows
	    = rpc_arena_alloc(call->arena, (c->m + 1) * sizeof(void *));
	cr->n          = c->arv == TD_OK ? (int64_t) c->n_used : 0;
	cr->suppressed = analysis_suppress(call, (double) cr->n);
	if (c->arv != TD_OK) {
		cr->note = rpc_arena_strdup(call->arena, c->err);
	} else if (!cr->suppressed) {
		cr->alpha = c->alpha;
	}
	if (c->frv == TD_OK && !cr->suppressed) {
		cr->percent_favourable = c->fav;
	}
	if (c->omega != 0 && !cr->suppressed) {
		if (c->omega > 0) {
			cr->has_omega  = true;
			cr->omega      = c->omega_value;
			cr->omega_note = c->heywood
			    ? "Heywood case: a uniqueness at its bound"
			    : "";
		} else {
			cr->omega_note
			    = rpc_arena_strdup(call->arena, c->oerr);
		}
	}
	for (size_t j = 0; !cr->suppressed && j < c->m; j++) {
		const rel_item      *it = &c->items[j];
		Tandem__V1__ItemRow *ir
		    = RPC_NEW(call->arena, Tandem__V1__ItemRow,
		              tandem__v1__item_row__init);
		ir->item             = rpc_arena_strdup(call->arena, it->code);
		ir->reverse_coded    = it->reverse_coded;
		ir->mean             = it->mean;
		ir->sd               = it->sd;
		ir->item_rest_r      = it->item_rest_r;
		ir->alpha_if_deleted = it->alpha_if_deleted;
		if (it->has_fav) {
			ir->percent_favourable = it->fav;
		}
		cr->item_rows[cr->n_item_rows++] = ir;
	}
	return cr;
}

/* rel_stats_get: the statistics of the survey's responses in the range,
 * kept per data version (kept.h): reading every response again was the
 * cost of each call (1,000,000 responses at 10,000 schools). */
static int
rel_stats_get(rpc_call *call, const Tandem__V1__ReliabilityRequest *in,
              const rel_stats **out, kept **ref)
{
	char key[640];
	snprintf(key, sizeof(key), "reliability\x1f%s\x1f%s\x1f%s\x1f%s",
	         in->survey, in->school, in->from, in->to);
	uint64_t version = store_data_version(); /* before the read */
	if ((*out = kept_get(key, version, ref)) != NULL) {
		return TD_CODE_OK;
	}
	store_instrument sv  = { 0 };
	double          *ans = NULL;
	size_t           nr  = 0;
	int              rv  = store_survey_answers(call->store, in->survey,
	                                            opt_str(in->school), opt_str(in->from),
	                                            opt_str(in->to), &sv, &ans, &nr);
	if (rv == TD_ENOTFOUND) {
		return rpc_fail(call, TD_CODE_NOT_FOUND,
		                "survey %s is not in the registry",
		                in->survey);
	} else if (rv != TD_OK) {
		free(ans);
		store_instrument_free(&sv);
		return analysis_db_fail(call, rv);
	}
	rel_stats *st = rel_compute(&sv, ans, nr);
	free(ans);
	store_instrument_free(&sv);
	if (st == NULL
	    || (*out = kept_put(key, version, st, rel_free, ref)) == NULL) {
		return rpc_fail(call, TD_CODE_RESOURCE_EXHAUSTED,
		                "out of memory");
	}
	return TD_CODE_OK;
}

int
analysis_reliability(rpc_call *call, const ProtobufCMessage *req,
                     ProtobufCMessage **resp)
{
	const Tandem__V1__ReliabilityRequest *in  = (const void *) req;
	const rel_stats                      *st  = NULL;
	kept                                 *ref = NULL;
	int code = instruments_begin(call, in->school);
	if (code != TD_CODE_OK) {
		return code;
	}
	code = rel_stats_get(call, in, &st, &ref);
	if (code != TD_CODE_OK) {
		return code;
	}
	Tandem__V1__ReliabilityResponse *out
	    = RPC_NEW(call->arena, Tandem__V1__ReliabilityResponse,
	              tandem__v1__reliability_response__init);
	out->survey  = in->survey;
	out->version = st->version;
	out->constructs
	    = rpc_arena_alloc(call->arena, (st->nc + 1) * sizeof(void *));
	for (size_t i = 0; out->constructs && i < st->nc; i++) {
		if (in->construct[0]
		    && strcmp(in->construct, st->c[i].construct)) {
			continue;
		}
		out->constructs[out->n_constructs++]
		    = rel_row(call, &st->c[i]);
	}
	int64_t nr = (int64_t) st->nr;
	kept_release(ref);
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
	                      analysis_disclosure_msg(call, hidden, 0), nr,
	                      resp);
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

/* The statistics of the rubric's scorings, as the reply shows them when
 * nothing is suppressed (agr_reply applies the caller's suppression). */
typedef struct agr_criterion {
	char  *code;
	int    krv; /* stats_rater_agreement */
	char   err[TD_ERRMSG_MAX];
	size_t pairs;
	double exact, adjacent, kappa;
	bool   has_icc;
	double icc;
	bool   has_alpha;
	double alpha[3];
	size_t alpha_units;
	double alpha_values;
} agr_criterion;

typedef struct agr_stats {
	size_t         np, nu, nq, k; /* pairs, alpha's units and raters */
	agr_criterion *c;
	const char    *pooled_note; /* static, or pooled_err */
	char           pooled_err[TD_ERRMSG_MAX];
	bool           pooled_ok;
	size_t         pooled_pairs;
	double         pooled_kappa;
	bool           pooled_has_alpha;
	double         pooled_alpha[3];
} agr_stats;

static void
agr_free(void *p)
{
	agr_stats *st = p;
	for (size_t j = 0; st && st->c && j < st->k; j++) {
		free(st->c[j].code);
	}
	if (st != NULL) {
		free(st->c);
		free(st);
	}
}

/* kripp_all: Krippendorff's alpha from every scoring (xs: nu units x nq
 * raters x k criteria), per criterion and with the criteria pooled
 * (units = observation x criterion). */
static void
kripp_all(agr_stats *st, const double *xs)
{
	size_t             nu = st->nu, nq = st->nq, k = st->k;
	double            *m = malloc((nu * nq * k + 1) * sizeof(double));
	double             al[3];
	stats_kripp_result kr;
	if (m == NULL || nu == 0) {
		free(m);
		return;
	}
	for (size_t j = 0; j < k; j++) {
		agr_criterion *c = &st->c[j];
		for (size_t u = 0; u < nu * nq; u++) {
			m[u] = xs[u * k + j];
		}
		if (alphas(m, nu, nq, al, &kr)) {
			c->has_alpha = true;
			memcpy(c->alpha, al, sizeof(al));
			c->alpha_units  = kr.units;
			c->alpha_values = kr.n;
		}
	}
	for (size_t j = 0; j < k; j++) {
		for (size_t u = 0; u < nu * nq; u++) {
			m[j * nu * nq + u] = xs[u * k + j];
		}
	}
	if (alphas(m, nu * k, nq, al, &kr)) {
		st->pooled_has_alpha = true;
		memcpy(st->pooled_alpha, al, sizeof(al));
	}
	free(m);
}

/* pooled_kappa: quadratic-weighted kappa over the pairs of every
 * criterion of the rubric together, on the union of their scales. */
static void
pooled_kappa(agr_stats *st, const store_instrument *rb, const double *a,
             const double *b, size_t np)
{
	size_t             k  = rb->n_items;
	double            *pa = malloc((np * k + 1) * sizeof(double));
	double            *pb = malloc((np * k + 1) * sizeof(double));
	int                lo = 0, hi = 0;
	stats_kappa_result kr;
	if (pa == NULL || pb == NULL || k == 0) {
		st->pooled_note = pa && pb ? "the rubric has no criteria"
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
	if (stats_rater_agreement(pa, pb, np * k, lo, hi, &kr, st->pooled_err)
	    != TD_OK) {
		st->pooled_note = st->pooled_err;
	} else {
		st->pooled_ok    = true;
		st->pooled_pairs = kr.n;
		st->pooled_kappa = kr.kappa_w;
	}
	free(pa);
	free(pb);
}

/* agr_compute: kappa and ICC per criterion on the pairs (a, b: np x k),
 * pooled kappa, and Krippendorff's alpha on every scoring (xs); NULL when
 * out of memory. */
static agr_stats *
agr_compute(const store_instrument *rb, const double *a, const double *b,
            size_t np, const double *xs, size_t nu, size_t nq)
{
	size_t     k  = rb->n_items;
	agr_stats *st = calloc(1, sizeof(*st));
	double    *x  = calloc(np + 1, sizeof(double));
	double    *y  = calloc(np + 1, sizeof(double));
	double    *m  = calloc(2 * np + 1, sizeof(double));
	if (st == NULL || x == NULL || y == NULL || m == NULL
	    || (st->c = calloc(k + 1, sizeof(agr_criterion))) == NULL) {
		free(x);
		free(y);
		free(m);
		agr_free(st);
		return NULL;
	}
	st->np = np;
	st->nu = nu;
	st->nq = nq;
	st->k  = k;
	for (size_t j = 0; j < k; j++) {
		agr_criterion *c = &st->c[j];
		if ((c->code = strdup(rb->items[j].code)) == NULL) {
			st->k = j;
			break;
		}
		for (size_t i = 0; i < np; i++) {
			x[i]         = a[i * k + j];
			y[i]         = b[i * k + j];
			m[2 * i]     = x[i];
			m[2 * i + 1] = y[i];
		}
		stats_kappa_result kr;
		stats_icc2_result  ir;
		char               err[TD_ERRMSG_MAX];
		c->krv = stats_rater_agreement(x, y, np, rb->items[j].min,
		                               rb->items[j].max, &kr, c->err);
		if (c->krv == TD_OK) {
			c->pairs    = kr.n;
			c->exact    = 100.0 * kr.exact_share;
			c->adjacent = 100.0 * kr.adjacent_share;
			c->kappa    = kr.kappa_w;
			if (stats_icc2(m, np, 2, &ir, err) == TD_OK) {
				c->has_icc = true;
				c->icc     = ir.icc;
			}
		}
	}
	free(x);
	free(y);
	free(m);
	if (st->k < k) { /* out of memory */
		agr_free(st);
		return NULL;
	}
	pooled_kappa(st, rb, a, b, np);
	kripp_all(st, xs);
	return st;
}

/* agr_reply: the reply as the caller may see it. */
static Tandem__V1__AgreementResponse *
agr_reply(rpc_call *call, const char *rubric, const agr_stats *st)
{
	Tandem__V1__AgreementResponse *out
	    = RPC_NEW(call->arena, Tandem__V1__AgreementResponse,
	              tandem__v1__agreement_response__init);
	out->rubric        = (char *) rubric;
	out->double_scored = (int64_t) st->np;
	out->criteria
	    = rpc_arena_alloc(call->arena, (st->k + 1) * sizeof(void *));
	for (size_t j = 0; out->criteria && j < st->k; j++) {
		const agr_criterion            *a = &st->c[j];
		Tandem__V1__CriterionAgreement *c
		    = RPC_NEW(call->arena, Tandem__V1__CriterionAgreement,
		              tandem__v1__criterion_agreement__init);
		c->criterion = rpc_arena_strdup(call->arena, a->code);
		if (a->krv != TD_OK) {
			c->note = rpc_arena_strdup(call->arena, a->err);
		} else {
			c->pairs = (int64_t) a->pairs;
			c->suppressed
			    = analysis_suppress(call, (double) a->pairs);
			if (!c->suppressed) {
				c->exact           = a->exact;
				c->adjacent        = a->adjacent;
				c->kappa_quadratic = a->kappa;
			}
		}
		if (a->krv == TD_OK && !c->suppressed && a->has_icc) {
			c->icc21 = a->icc;
		}
		out->criteria[out->n_criteria++] = c;
	}
	if (st->pooled_ok) {
		out->pooled_pairs = (int64_t) st->pooled_pairs;
		out->pooled_suppressed
		    = analysis_suppress(call, (double) st->np);
		if (!out->pooled_suppressed) {
			out->pooled_kappa_quadratic = st->pooled_kappa;
		}
	} else {
		out->pooled_note
		    = rpc_arena_strdup(call->arena, st->pooled_note);
	}
	out->alpha_raters = (int64_t) st->nq;
	if (st->nu == 0 || analysis_suppress(call, (double) st->nu)) {
		return out;
	}
	for (size_t j = 0; j < st->k && j < out->n_criteria; j++) {
		const agr_criterion            *a = &st->c[j];
		Tandem__V1__CriterionAgreement *c = out->criteria[j];
		if (a->has_alpha) {
			c->has_alpha      = true;
			c->alpha_nominal  = a->alpha[0];
			c->alpha_ordinal  = a->alpha[1];
			c->alpha_interval = a->alpha[2];
			c->alpha_units    = (int64_t) a->alpha_units;
			c->alpha_values   = a->alpha_values;
		}
	}
	if (st->pooled_has_alpha) {
		out->pooled_has_alpha      = true;
		out->pooled_alpha_nominal  = st->pooled_alpha[0];
		out->pooled_alpha_ordinal  = st->pooled_alpha[1];
		out->pooled_alpha_interval = st->pooled_alpha[2];
	}
	return out;
}

/* agr_stats_get: the statistics of the rubric's scorings in the range,
 * kept per data version (kept.h): reading and pairing every scoring again
 * was the cost of each call (266,667 scorings at 10,000 schools). */
static int
agr_stats_get(rpc_call *call, const Tandem__V1__AgreementRequest *in,
              const agr_stats **out, kept **ref)
{
	store_instrument rb = { 0 };
	double          *a = NULL, *b = NULL, *xs = NULL;
	size_t           np = 0, nu = 0, nq = 0;
	bool             moved = false;
	char             key[640];
	snprintf(key, sizeof(key), "agreement\x1f%s\x1f%s\x1f%s\x1f%s",
	         in->rubric, in->school, in->from, in->to);
	uint64_t version = store_data_version(); /* before the read */
	if ((*out = kept_get(key, version, ref)) != NULL) {
		return TD_CODE_OK;
	}
	int rv = store_double_scored(call->store, in->rubric,
	                             opt_str(in->school), opt_str(in->from),
	                             opt_str(in->to), &rb, &a, &b, &np);
	if (rv == TD_OK) {
		/* alpha takes every scoring, kappa and ICC the first two */
		store_instrument sc = { 0 };
		rv                  = store_scorings(call->store, in->rubric,
		                                     opt_str(in->school), opt_str(in->from),
		                                     opt_str(in->to), &sc, &xs, &nu, &nq);
		moved               = rv == TD_OK && sc.id != rb.id;
		store_instrument_free(&sc);
	}
	if (moved || rv != TD_OK) {
		free(a);
		free(b);
		free(xs);
		store_instrument_free(&rb);
	}
	if (moved) { /* a new version landed between the two reads */
		return rpc_fail(call, TD_CODE_UNAVAILABLE,
		                "rubric %s changed while it was read; retry",
		                in->rubric);
	} else if (rv == TD_ENOTFOUND) {
		return rpc_fail(call, TD_CODE_NOT_FOUND,
		                "rubric %s is not in the registry",
		                in->rubric);
	} else if (rv != TD_OK) {
		return analysis_db_fail(call, rv);
	}
	agr_stats *st = agr_compute(&rb, a, b, np, xs, nu, nq);
	free(a);
	free(b);
	free(xs);
	store_instrument_free(&rb);
	if (st == NULL
	    || (*out = kept_put(key, version, st, agr_free, ref)) == NULL) {
		return rpc_fail(call, TD_CODE_RESOURCE_EXHAUSTED,
		                "out of memory");
	}
	return TD_CODE_OK;
}

int
analysis_agreement(rpc_call *call, const ProtobufCMessage *req,
                   ProtobufCMessage **resp)
{
	const Tandem__V1__AgreementRequest *in  = (const void *) req;
	const agr_stats                    *st  = NULL;
	kept                               *ref = NULL;
	int code = instruments_begin(call, in->school);
	if (code != TD_CODE_OK) {
		return code;
	}
	code = agr_stats_get(call, in, &st, &ref);
	if (code != TD_CODE_OK) {
		return code;
	}
	Tandem__V1__AgreementResponse *out = agr_reply(call, in->rubric, st);
	int64_t                        np  = (int64_t) st->np;
	kept_release(ref);
	size_t hidden = 0;
	for (size_t i = 0; i < out->n_criteria; i++) {
		hidden += out->criteria[i]->suppressed;
	}
	return analysis_reply(call, &out->base, &out->disclosure,
	                      analysis_disclosure_msg(call, hidden, 0), np,
	                      resp);
}
