/* SPDX-License-Identifier: MIT
 * Ingest of survey responses: validate each response against the current
 * survey version, pseudonymise the respondent, and sum the respondents'
 * construct scores (stats_scores) into rollup cells per school, date,
 * grade and construct. A correction's replaced responses leave the same
 * cells through the same scoring, so rollups have one rule.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "services.h"
#include "stats_scores.h"
#include "store/store.h"
#include "store/store_ingest.h"
#include "store/store_registry.h"
#include "tandem/v1/ingest.pb-c.h"
#include "validate.h"
#include "review.h"

_Static_assert(PSEUDONYM_LEN == STORE_PSEUDONYM_LEN,
               "the store keeps the pseudonyms validate makes");

/* A grade is a short label ("K", "12", "PK-3"); one limit validates it and
 * sizes the rollup cell keys that contain it. */
#define INGEST_MAX_GRADE 16

/* The batch's rollup delta and what scoring needs. */
typedef struct survey_rollup {
	rpc_call               *call;
	const store_instrument *sv;
	stats_scale_item       *items; /* sv's items, construct numbered */
	const char            **measure; /* per construct: survey:S/C */
	size_t                  nc;
	double                 *score; /* per construct, one respondent */
	int64_t                *fav, *answered;
	keyset                 *index; /* cell key -> cell */
	batch                  *b; /* holds the delta */
} survey_rollup;

static bool
rollup_open(survey_rollup *u, batch *b, const store_instrument *sv)
{
	rpc_call *call = b->call;
	memset(u, 0, sizeof(*u));
	u->call     = call;
	u->sv       = sv;
	u->b        = b;
	size_t n    = sv->n_items ? sv->n_items : 1;
	u->items    = rpc_arena_alloc(call->arena, n * sizeof(*u->items));
	u->measure  = rpc_arena_alloc(call->arena, n * sizeof(char *));
	u->score    = rpc_arena_alloc(call->arena, n * sizeof(double));
	u->fav      = rpc_arena_alloc(call->arena, n * sizeof(int64_t));
	u->answered = rpc_arena_alloc(call->arena, n * sizeof(int64_t));
	u->index    = keyset_create(64);
	if (!u->items || !u->measure || !u->score || !u->fav || !u->answered
	    || !u->index) {
		return false;
	}
	/* Number the constructs in order of first appearance. */
	const char **names = rpc_arena_alloc(call->arena, n * sizeof(char *));
	if (names == NULL) {
		return false;
	}
	for (size_t j = 0; j < sv->n_items; j++) {
		const store_item *it = &sv->items[j];
		size_t            c  = 0;
		while (c < u->nc && strcmp(names[c], it->construct) != 0) {
			c++;
		}
		if (c == u->nc) {
			size_t len = strlen(sv->code) + strlen(it->construct)
			    + sizeof("survey:/");
			char *m = rpc_arena_alloc(call->arena, len);
			if (m == NULL) {
				return false;
			}
			snprintf(m, len, "survey:%s/%s", sv->code,
			         it->construct);
			names[u->nc]      = it->construct;
			u->measure[u->nc] = m;
			u->nc++;
		}
		u->items[j]
		    = (stats_scale_item) { it->min, it->max, it->reverse_coded,
			                   it->favourable_at_least,
			                   (int32_t) c };
	}
	return true;
}

static void
rollup_close(survey_rollup *u)
{
	keyset_destroy(u->index);
}

/* cell finds or makes the cell of (school, date, grade, construct c). */
static store_rollup_cell *
cell(survey_rollup *u, int64_t school, const char *date, const char *grade,
     size_t c)
{
	char    key[8 + 4 + 10 + INGEST_MAX_GRADE];
	size_t  gl = strlen(grade), dl = strlen(date);
	int32_t k     = (int32_t) c;
	int64_t at    = -1;
	bool    keyed = gl <= INGEST_MAX_GRADE && dl <= 10;
	if (keyed) {
		memcpy(key, &school, 8);
		memcpy(key + 8, &k, 4);
		memset(key + 12, 0, 10);
		memcpy(key + 12, date, dl);
		memcpy(key + 22, grade, gl);
		at = keyset_add(u->index, key, 22 + gl,
		                (int64_t) u->b->rollup.n);
	}
	if (at >= 0) {
		return &u->b->rollup.cells[at];
	}
	store_rollup_cell *x = batch_rollup_cell(u->b);
	if (x == NULL) {
		return NULL;
	}
	*x = (store_rollup_cell) { .measure   = u->measure[c],
		                   .subgroup  = "",
		                   .grade     = grade,
		                   .date      = date,
		                   .school_id = school };
	return x;
}

/* add scores one respondent (values and missing in the survey version's
 * item order) and adds (sign +1) or removes (-1) it from the cells. */
static void
add(survey_rollup *u, int sign, int64_t school, const char *date,
    const char *grade, const int32_t *values, const bool *missing)
{
	stats_construct_scores(u->items, u->sv->n_items, values, missing,
	                       u->nc, u->score, u->fav, u->answered);
	for (size_t c = 0; c < u->nc; c++) {
		if (u->answered[c] == 0) {
			continue;
		}
		store_rollup_cell *x = cell(u, school, date, grade, c);
		if (x == NULL) {
			return;
		}
		stats_rollup_sum sum = { 0 };
		stats_rollup_add_score(&sum, sign, u->score[c], u->fav[c],
		                       u->answered[c]);
		x->cnt += sum.cnt;
		x->n_sum += sum.n_sum;
		x->wsum += sum.wsum;
		x->wsumsq += sum.wsumsq;
		x->fav += sum.fav;
		x->items += sum.items;
	}
}

/* replaced: a response a correction replaces leaves the rollups. Its
 * strings die with the callback, so the cell keeps arena copies. */
static int
replaced(void *ctx, const store_replaced *old)
{
	survey_rollup *u = ctx;
	if (old->n_values != u->sv->n_items) {
		return 1; /* cannot happen: same survey version, same items */
	}
	const char *date  = rpc_arena_strdup(u->call->arena, old->date);
	const char *grade = rpc_arena_strdup(u->call->arena, old->grade);
	if (date == NULL || grade == NULL) {
		return 1;
	}
	add(u, -1, old->school_id, date, grade, old->values, old->missing);
	return u->b->rollup_failed;
}

static const char *
resp_school(const void *req, size_t i)
{
	return ((const Tandem__V1__SubmitSurveyResponsesRequest *) req)
	    ->responses[i]
	    ->school;
}

/* item_positions maps the batch's item columns onto the survey version:
 * column k is item pos[k]. Unknown or repeated columns become details;
 * NULL when out of memory. */
static size_t *
item_positions(rpc_call *call, const store_instrument *sv, char *const *items,
               size_t n)
{
	size_t *pos
	    = rpc_arena_alloc(call->arena, (n ? n : 1) * sizeof(size_t));
	keyset *seen = keyset_create(n);
	if (pos == NULL || seen == NULL) {
		keyset_destroy(seen);
		return NULL;
	}
	for (size_t k = 0; k < n; k++) {
		pos[k] = SIZE_MAX;
		for (size_t j = 0; j < sv->n_items; j++) {
			if (strcmp(sv->items[j].code, items[k]) == 0) {
				pos[k] = j;
			}
		}
		if (pos[k] == SIZE_MAX) {
			rpc_detail(call, -1, items[k], "unknown_item",
			           "column %s is not an item of survey %s "
			           "version %d",
			           items[k], sv->code, sv->version);
		} else if (keyset_add(seen, items[k], strlen(items[k]),
		                      (int64_t) k)
		           >= 0) {
			rpc_detail(call, -1, items[k], "unique",
			           "item column %s appears twice", items[k]);
		}
	}
	keyset_destroy(seen);
	return pos;
}

/* check_response validates response i and spreads its values over the
 * survey's items (vals, miss); false when it has a problem (reported). */
static bool
check_response(rpc_call                                       *call,
               const Tandem__V1__SubmitSurveyResponsesRequest *in, size_t i,
               const store_instrument *sv, const size_t *pos, int32_t *vals,
               bool *miss, int32_t *day)
{
	const Tandem__V1__SurveyResponse *r   = in->responses[i];
	int64_t                           rec = (int64_t) i;
	bool ok = validate_code(call, rec, "respondent", r->respondent);
	ok &= validate_date(call, rec, "administered_on", r->administered_on,
	                    day)
	    && validate_horizon(call, rec, "administered_on",
	                        r->administered_on, *day);
	if (strlen(r->grade) > INGEST_MAX_GRADE) {
		rpc_detail(call, rec, "grade", "max_length",
		           "grade is over %d bytes", INGEST_MAX_GRADE);
		ok = false;
	}
	if (r->n_values != in->n_items) {
		rpc_detail(call, rec, "values", "count",
		           "%zu values for %zu item columns", r->n_values,
		           in->n_items);
		return false;
	}
	for (size_t j = 0; j < sv->n_items; j++) {
		miss[j] = true; /* items the batch leaves out */
	}
	for (size_t k = 0; k < in->n_items; k++) {
		miss[pos[k]] = false;
		vals[pos[k]] = r->values[k];
	}
	for (size_t m = 0; m < r->n_missing; m++) {
		if (r->missing[m] >= in->n_items) {
			rpc_detail(call, rec, "missing", "range",
			           "missing index %u is past the %zu item "
			           "columns",
			           r->missing[m], in->n_items);
			ok = false;
		} else {
			miss[pos[r->missing[m]]] = true;
		}
	}
	for (size_t k = 0; k < in->n_items; k++) {
		const store_item *it = &sv->items[pos[k]];
		int32_t           v  = vals[pos[k]];
		if (!miss[pos[k]] && (v < it->min || v > it->max)) {
			rpc_detail(call, rec, it->code, "range",
			           "item %s value %d is outside %d..%d",
			           it->code, v, it->min, it->max);
			ok = false;
		}
	}
	return ok;
}

static const batch_kind SURVEY_RESPONSES = {
	store_ingest_surveys,
	"respondent",
	"respondent and administered_on",
};

int
ingest_submit_survey_responses(rpc_call *call, const ProtobufCMessage *req,
                               ProtobufCMessage **resp)
{
	const Tandem__V1__SubmitSurveyResponsesRequest *in
	    = (const void *) req;
	batch            b;
	store_instrument sv   = { 0 };
	survey_rollup    u    = { 0 };
	store_resolved   sc   = { 0 };
	int32_t         *vals = NULL;
	bool            *miss = NULL;
	int              rv, code;

	if (call->cfg->hmac_key == NULL) {
		return rpc_fail(call, TD_CODE_FAILED_PRECONDITION,
		                "this server has no pseudonymisation key, so "
		                "it refuses respondent ids: set "
		                "hmac-key-file in tandemd.conf (or "
		                "TANDEM_HMAC_KEY_FILE)");
	}
	if (!batch_open(&b, call, in->submission_id, in->dry_run,
	                in->correction, in->n_responses, "responses")) {
		return call->code;
	}
	validate_code(call, -1, "survey", in->survey);
	if (in->n_items == 0) {
		rpc_detail(call, -1, "items", "required",
		           "the batch names no item columns");
	}
	if (call->n_details > 0) {
		batch_close(&b);
		return batch_invalid(call);
	}
	if ((rv = batch_begin(call)) != TD_OK) {
		batch_close(&b);
		return batch_db_fail(call, rv);
	}
	rv = store_instrument_current(call->store, "survey", in->survey, &sv);
	if (rv == TD_ENOTFOUND) {
		rpc_detail(call, -1, "survey", "unknown",
		           "survey '%s' is not in the registry", in->survey);
		batch_close(&b);
		return batch_invalid(call);
	} else if (rv != TD_OK) {
		batch_close(&b);
		return batch_db_fail(call, rv);
	}
	size_t *pos = item_positions(call, &sv, in->items, in->n_items);
	vals        = calloc(sv.n_items ? sv.n_items : 1, sizeof(int32_t));
	miss        = calloc(sv.n_items ? sv.n_items : 1, sizeof(bool));
	/* each response's key for the window-lock check (review.c) */
	size_t   n_lk = 0;
	int64_t *lk_s = rpc_arena_alloc(
	    call->arena, (in->n_responses + 1) * sizeof(int64_t));
	const char **lk_d = rpc_arena_alloc(
	    call->arena, (in->n_responses + 1) * sizeof(char *));
	if (pos == NULL || vals == NULL || miss == NULL || lk_s == NULL
	    || lk_d == NULL || !rollup_open(&u, &b, &sv)) {
		/* Never skip the records and report them stored. */
		code = rpc_fail(call, TD_CODE_RESOURCE_EXHAUSTED,
		                "out of memory");
		goto out;
	}
	if (call->n_details == 0
	    && !batch_resolve(&b, in, resp_school, STORE_SCHOOLS, "school",
	                      &sc, &rv)) {
		code = batch_db_fail(call, rv);
		goto out;
	}
	for (size_t i = 0; sc.ids != NULL && i < in->n_responses
	     && call->n_details < TD_MAX_DETAILS;
	     i++) {
		const Tandem__V1__SurveyResponse *r   = in->responses[i];
		int64_t                           rec = (int64_t) i;
		int32_t                           day = 0;
		if (!check_response(call, in, i, &sv, pos, vals, miss, &day)
		    || sc.ids[i] == 0) {
			continue;
		}
		unsigned char pn[STORE_PSEUDONYM_LEN];
		if (!pseudonym(call->cfg, sc.aux[i] ? sc.aux[i] : "",
		               r->respondent, pn)) {
			rpc_detail(call, rec, "respondent", "pseudonym",
			           "cannot pseudonymise the respondent");
			continue;
		}
		/* natural keys are scoped per school */
		char key[STORE_PSEUDONYM_LEN + sizeof(day) + sizeof(int64_t)];
		memcpy(key, pn, STORE_PSEUDONYM_LEN);
		memcpy(key + STORE_PSEUDONYM_LEN, &day, sizeof(day));
		memcpy(key + STORE_PSEUDONYM_LEN + sizeof(day), &sc.ids[i],
		       sizeof(int64_t));
		batch_unique_key(&b, rec, "respondent",
		                 "respondent and administered_on", key,
		                 sizeof(key));
		store_survey_rec row
		    = { sv.id,    sc.ids[i], pn,   r->administered_on,
			r->grade, vals,      miss, sv.n_items };
		store_rows_add_survey(b.rows, &row);
		add(&u, +1, sc.ids[i], r->administered_on, r->grade, vals,
		    miss);
		lk_s[n_lk]   = sc.ids[i];
		lk_d[n_lk++] = r->administered_on;
	}
	/* a response in an approved administration window is locked */
	if (call->n_details == 0 && !b.denied && n_lk > 0
	    && (code = review_survey_locks(call, in->survey, n_lk, lk_s, lk_d))
	        != TD_CODE_OK) {
		goto out;
	}
	b.rollup.grains = "wmty";
	b.replaced      = replaced;
	b.replaced_ctx  = &u;
	code            = batch_finish(&b, &SURVEY_RESPONSES, resp);
out:
	free(vals);
	free(miss);
	rollup_close(&u);
	store_resolved_free(&sc);
	store_instrument_free(&sv);
	batch_close(&b);
	return code;
}
