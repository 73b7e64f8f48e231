/* SPDX-License-Identifier: MIT
 * Ingest service: batches of survey responses, peer feedback, outcomes,
 * costs, participation and survey administrations. Each method validates
 * every record (reporting each bad one with its index and column), turns
 * codes into ids, and hands rows to store_ingest, which makes the batch
 * atomic and idempotent under its submission id.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "services.h"
#include "store/store.h"
#include "tandem/v1/ingest.pb-c.h"
#include "batch.h"
#include "validate.h"

static const char *const CATEGORIES[]
    = { "personnel", "facilities", "materials", "travel", "other", NULL };

/* ---- survey responses ---- */

/* The batch's rollup cells: per school, date, grade and construct, the
 * respondents' construct scores summed. tandemd has every answer in hand
 * here, so the rollups need no trigger over the stored arrays. */
typedef struct cells {
	store_survey_cells out;
	size_t             cap;
	keyset            *index; /* cell key -> position */
	int64_t           *school_id, *cnt, *fav, *items;
	const char       **date, **grade, **construct;
	double            *s1, *s2;
} cells;

static bool
cells_open(rpc_call *call, cells *c, size_t cap, const char *survey)
{
	memset(c, 0, sizeof(*c));
	c->cap       = cap ? cap : 1;
	c->index     = keyset_create(c->cap);
	c->school_id = rpc_arena_alloc(call->arena, c->cap * sizeof(int64_t));
	c->cnt       = rpc_arena_alloc(call->arena, c->cap * sizeof(int64_t));
	c->fav       = rpc_arena_alloc(call->arena, c->cap * sizeof(int64_t));
	c->items     = rpc_arena_alloc(call->arena, c->cap * sizeof(int64_t));
	c->date      = rpc_arena_alloc(call->arena, c->cap * sizeof(char *));
	c->grade     = rpc_arena_alloc(call->arena, c->cap * sizeof(char *));
	c->construct = rpc_arena_alloc(call->arena, c->cap * sizeof(char *));
	c->s1        = rpc_arena_alloc(call->arena, c->cap * sizeof(double));
	c->s2        = rpc_arena_alloc(call->arena, c->cap * sizeof(double));
	c->out       = (store_survey_cells) { survey,  0,        c->school_id,
		                              c->date, c->grade, c->construct,
		                              c->cnt,  c->s1,    c->s2,
		                              c->fav,  c->items };
	return c->index && c->school_id && c->cnt && c->fav && c->items
	    && c->date && c->grade && c->construct && c->s1 && c->s2;
}

static void
cells_add(cells *c, int64_t school, int32_t day, const char *date,
          const char *grade, int32_t k, const char *construct, double score,
          int64_t fav, int64_t items)
{
	char   key[96];
	size_t gl = strlen(grade) > 64 ? 64 : strlen(grade);
	memcpy(key, &school, sizeof(school));
	memcpy(key + 8, &day, sizeof(day));
	memcpy(key + 12, &k, sizeof(k));
	memcpy(key + 16, grade, gl);
	int64_t at = keyset_add(c->index, key, 16 + gl, (int64_t) c->out.n);
	size_t  i  = at >= 0 ? (size_t) at : c->out.n;
	if (at < 0) {
		if (c->out.n == c->cap) {
			return; /* cannot happen: cap = responses x constructs
			         */
		}
		c->out.n++;
		c->school_id[i] = school;
		c->date[i]      = date;
		c->grade[i]     = grade;
		c->construct[i] = construct;
		c->cnt[i] = c->fav[i] = c->items[i] = 0;
		c->s1[i] = c->s2[i] = 0;
	}
	c->cnt[i]++;
	c->s1[i] += score;
	c->s2[i] += score * score;
	c->fav[i] += fav;
	c->items[i] += items;
}

static const char *
resp_school(const void *req, size_t i)
{
	return ((const Tandem__V1__SubmitSurveyResponsesRequest *) req)
	    ->responses[i]
	    ->school;
}

int
ingest_submit_survey_responses(rpc_call *call, const ProtobufCMessage *req,
                               ProtobufCMessage **resp)
{
	const Tandem__V1__SubmitSurveyResponsesRequest *in
	    = (const void *) req;
	batch            b;
	store_instrument sv = { 0 };
	cells            cl = { 0 };
	store_resolved   sc = { 0 };
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
	/* Column k of the batch is item pos[k] of the survey version. */
	size_t *pos
	    = rpc_arena_alloc(call->arena, in->n_items * sizeof(size_t));
	keyset *itemk = keyset_create(in->n_items);
	for (size_t k = 0; pos && k < in->n_items; k++) {
		pos[k] = SIZE_MAX;
		for (size_t j = 0; j < sv.n_items; j++) {
			if (strcmp(sv.items[j].code, in->items[k]) == 0) {
				pos[k] = j;
			}
		}
		if (pos[k] == SIZE_MAX) {
			rpc_detail(call, -1, in->items[k], "unknown_item",
			           "column %s is not an item of survey %s "
			           "version %d",
			           in->items[k], sv.code, sv.version);
		} else if (keyset_add(itemk, in->items[k],
		                      strlen(in->items[k]), (int64_t) k)
		           >= 0) {
			rpc_detail(call, -1, in->items[k], "unique",
			           "item column %s appears twice",
			           in->items[k]);
		}
	}
	keyset_destroy(itemk);
	if (call->n_details == 0
	    && !batch_resolve(&b, in, resp_school, "schools", "school", &sc,
	                      &rv)) {
		code = batch_db_fail(call, rv);
		goto out;
	}
	/* Each item's construct, by index, for the rollup cells. */
	int32_t *citem
	    = rpc_arena_alloc(call->arena, (sv.n_items + 1) * sizeof(int32_t));
	const char **cname
	    = rpc_arena_alloc(call->arena, (sv.n_items + 1) * sizeof(char *));
	int32_t nc = 0;
	for (size_t j = 0; citem && cname && j < sv.n_items; j++) {
		int32_t c = 0;
		while (c < nc
		       && strcmp(cname[c], sv.items[j].construct) != 0) {
			c++;
		}
		if (c == nc) {
			cname[nc++] = sv.items[j].construct;
		}
		citem[j] = c;
	}
	double  *csum = calloc((size_t) nc + 1, sizeof(double));
	int64_t *ccnt = calloc((size_t) nc + 1, sizeof(int64_t));
	int64_t *cfav = calloc((size_t) nc + 1, sizeof(int64_t));
	if (!citem || !cname || !csum || !ccnt || !cfav
	    || !cells_open(call, &cl, in->n_responses * (size_t) nc,
	                   sv.code)) {
		free(csum);
		free(ccnt);
		free(cfav);
		code = rpc_fail(call, TD_CODE_RESOURCE_EXHAUSTED,
		                "out of memory");
		goto out;
	}
	int32_t *vals = calloc(sv.n_items ? sv.n_items : 1, sizeof(int32_t));
	bool    *miss = calloc(sv.n_items ? sv.n_items : 1, sizeof(bool));
	for (size_t i = 0; call->n_details < TD_MAX_DETAILS && sc.ids && vals
	     && miss && i < in->n_responses;
	     i++) {
		const Tandem__V1__SurveyResponse *r   = in->responses[i];
		int64_t                           rec = (int64_t) i;
		int32_t                           day;
		bool                              ok
		    = validate_code(call, rec, "respondent", r->respondent);
		ok &= validate_date(call, rec, "administered_on",
		                    r->administered_on, &day)
		    && validate_horizon(call, rec, "administered_on",
		                        r->administered_on, day);
		if (strlen(r->grade) > 16) {
			rpc_detail(call, rec, "grade", "max_length",
			           "grade is over 16 bytes");
			ok = false;
		}
		if (r->n_values != in->n_items) {
			rpc_detail(call, rec, "values", "count",
			           "%zu values for %zu item columns",
			           r->n_values, in->n_items);
			continue;
		}
		for (size_t j = 0; j < sv.n_items; j++) {
			miss[j] = true; /* items the batch leaves out */
		}
		for (size_t k = 0; k < in->n_items; k++) {
			miss[pos[k]] = false;
			vals[pos[k]] = r->values[k];
		}
		for (size_t m = 0; m < r->n_missing; m++) {
			if (r->missing[m] >= in->n_items) {
				rpc_detail(call, rec, "missing", "range",
				           "missing index %u is past the %zu "
				           "item columns",
				           r->missing[m], in->n_items);
				ok = false;
			} else {
				miss[pos[r->missing[m]]] = true;
			}
		}
		for (size_t k = 0; k < in->n_items; k++) {
			const store_item *it = &sv.items[pos[k]];
			int32_t           v  = vals[pos[k]];
			if (!miss[pos[k]] && (v < it->min || v > it->max)) {
				rpc_detail(
				    call, rec, it->code, "range",
				    "item %s value %d is outside %d..%d",
				    it->code, v, it->min, it->max);
				ok = false;
			}
		}
		if (!ok || sc.ids[i] == 0) {
			continue;
		}
		unsigned char pn[PSEUDONYM_LEN];
		if (!pseudonym(call->cfg, sc.aux[i] ? sc.aux[i] : "",
		               r->respondent, pn)) {
			rpc_detail(call, rec, "respondent", "pseudonym",
			           "cannot pseudonymise the respondent");
			continue;
		}
		/* natural keys are scoped per school */
		char key[PSEUDONYM_LEN + sizeof(day) + sizeof(int64_t)];
		memcpy(key, pn, PSEUDONYM_LEN);
		memcpy(key + PSEUDONYM_LEN, &day, sizeof(day));
		memcpy(key + PSEUDONYM_LEN + sizeof(day), &sc.ids[i],
		       sizeof(int64_t));
		batch_unique_key(&b, rec, "respondent", "respondent and date",
		                 key, sizeof(key));
		store_row_begin(b.rows);
		store_row_int(b.rows, sv.id);
		store_row_int(b.rows, sc.ids[i]);
		store_row_bytea(b.rows, pn, sizeof(pn));
		store_row_text(b.rows, r->administered_on);
		store_row_text(b.rows, r->grade);
		store_row_smallints(b.rows, vals, miss, sv.n_items);
		store_row_end(b.rows);
		/* Construct scores: the mean of the items answered, reverse-
		 * coded ones reversed; favourable at or above the item's
		 * threshold on that scale (ANALYSES.md, Instruments). */
		memset(csum, 0, (size_t) nc * sizeof(double));
		memset(ccnt, 0, (size_t) nc * sizeof(int64_t));
		memset(cfav, 0, (size_t) nc * sizeof(int64_t));
		for (size_t j = 0; j < sv.n_items; j++) {
			const store_item *it = &sv.items[j];
			if (miss[j]) {
				continue;
			}
			int32_t x = it->reverse_coded
			    ? it->min + it->max - vals[j]
			    : vals[j];
			csum[citem[j]] += x;
			ccnt[citem[j]]++;
			cfav[citem[j]] += x >= it->favourable_at_least;
		}
		for (int32_t c = 0; c < nc; c++) {
			if (ccnt[c] > 0) {
				cells_add(&cl, sc.ids[i], day,
				          r->administered_on, r->grade, c,
				          cname[c], csum[c] / (double) ccnt[c],
				          cfav[c], ccnt[c]);
			}
		}
	}
	free(vals);
	free(miss);
	free(csum);
	free(ccnt);
	free(cfav);
	b.cells = &cl.out;
	static const store_ingest_spec spec
	    = { "/tandem.v1.Ingest/SubmitSurveyResponses", "survey_responses",
		"survey_id, school_id, respondent, administered_on, grade, "
		"answers",
		"survey_id,school_id,respondent,administered_on" };
	code = batch_finish(&b, &spec, resp);
out:
	keyset_destroy(cl.index);
	store_resolved_free(&sc);
	store_instrument_free(&sv);
	batch_close(&b);
	return code;
}

/* ---- outcomes ---- */

static const char *
out_school(const void *req, size_t i)
{
	return ((const Tandem__V1__SubmitOutcomesRequest *) req)
	    ->outcomes[i]
	    ->school;
}

static const char *
out_measure(const void *req, size_t i)
{
	return ((const Tandem__V1__SubmitOutcomesRequest *) req)
	    ->outcomes[i]
	    ->measure;
}

/* period: both dates valid and in order; days out. */
static bool
period(rpc_call *call, int64_t rec, const char *start, const char *end,
       int32_t *d0, int32_t *d1)
{
	bool ok = validate_date(call, rec, "period_start", start, d0);
	ok &= validate_date(call, rec, "period_end", end, d1);
	if (ok && *d1 < *d0) {
		rpc_detail(call, rec, "period_end", "order",
		           "period_end %s is before period_start %s", end,
		           start);
		return false;
	}
	return ok;
}

int
ingest_submit_outcomes(rpc_call *call, const ProtobufCMessage *req,
                       ProtobufCMessage **resp)
{
	const Tandem__V1__SubmitOutcomesRequest *in = (const void *) req;
	batch                                    b;
	store_resolved                           sc = { 0 }, ms = { 0 };
	int                                      rv, code;
	if (!batch_open(&b, call, in->submission_id, in->dry_run,
	                in->correction, in->n_outcomes, "outcomes")) {
		return call->code;
	}
	if ((rv = batch_begin(call)) != TD_OK
	    || !batch_resolve(&b, in, out_school, "schools", "school", &sc,
	                      &rv)
	    || !batch_resolve(&b, in, out_measure, "measures", "measure", &ms,
	                      &rv)) {
		code = batch_db_fail(call, rv);
		goto out;
	}
	for (size_t i = 0; i < in->n_outcomes; i++) {
		const Tandem__V1__Outcome *o   = in->outcomes[i];
		int64_t                    rec = (int64_t) i;
		int32_t                    d0 = 0, d1 = 0;
		bool ok = period(call, rec, o->period_start, o->period_end,
		                 &d0, &d1);
		ok &= validate_value(call, rec, "value",
		                     ms.ids[i] ? ms.aux[i] : NULL, o->value);
		ok &= validate_horizon(call, rec, "period_start",
		                       o->period_start, d0);
		if (o->n < 0 || o->n > INT32_MAX) {
			rpc_detail(call, rec, "n", "range",
			           "n %lld is outside 0..%d", (long long) o->n,
			           INT32_MAX);
			ok = false;
		}
		if (o->subgroup[0] != '\0') {
			ok &= validate_code(call, rec, "subgroup",
			                    o->subgroup);
		}
		if (o->has_sd && !(o->sd >= 0 && o->sd < 1e15)) {
			rpc_detail(call, rec, "sd", "range",
			           "sd %g is not a number in 0..1e15", o->sd);
			ok = false;
		}
		if (!ok || sc.ids[i] == 0 || ms.ids[i] == 0) {
			continue;
		}
		char key[160];
		int  kl = snprintf(key, sizeof(key), "%lld/%lld/%s/%d/%d",
		                   (long long) ms.ids[i], (long long) sc.ids[i],
		                   o->subgroup, d0, d1);
		batch_unique_key(&b, rec, "period_start",
		                 "school, measure, period "
		                 "and subgroup",
		                 key, (size_t) kl);
		store_row_begin(b.rows);
		store_row_int(b.rows, ms.ids[i]);
		store_row_int(b.rows, sc.ids[i]);
		store_row_text(b.rows, o->subgroup);
		store_row_text(b.rows, o->period_start);
		store_row_text(b.rows, o->period_end);
		store_row_double(b.rows, o->value);
		store_row_int(b.rows, o->n);
		if (o->has_sd) {
			store_row_double(b.rows, o->sd);
		} else {
			store_row_null(b.rows);
		}
		store_row_end(b.rows);
	}
	static const store_ingest_spec spec
	    = { "/tandem.v1.Ingest/SubmitOutcomes", "outcomes",
		"measure_id, school_id, subgroup, period_start, period_end, "
		"value, n, sd",
		"measure_id,school_id,subgroup,period_start,period_end" };
	code = batch_finish(&b, &spec, resp);
out:
	store_resolved_free(&sc);
	store_resolved_free(&ms);
	batch_close(&b);
	return code;
}

/* ---- costs ---- */

static const char *
cost_activity(const void *req, size_t i)
{
	return ((const Tandem__V1__SubmitCostsRequest *) req)
	    ->costs[i]
	    ->activity;
}

int
ingest_submit_costs(rpc_call *call, const ProtobufCMessage *req,
                    ProtobufCMessage **resp)
{
	const Tandem__V1__SubmitCostsRequest *in = (const void *) req;
	batch                                 b;
	store_resolved                        ac = { 0 };
	int                                   rv, code;
	if (!batch_open(&b, call, in->submission_id, in->dry_run,
	                in->correction, in->n_costs, "costs")) {
		return call->code;
	}
	if ((rv = batch_begin(call)) != TD_OK
	    || !batch_resolve(&b, in, cost_activity, "activities", "activity",
	                      &ac, &rv)) {
		code = batch_db_fail(call, rv);
		goto out;
	}
	for (size_t i = 0; i < in->n_costs; i++) {
		const Tandem__V1__Cost *c   = in->costs[i];
		int64_t                 rec = (int64_t) i;
		bool                    ok
		    = validate_code(call, rec, "ingredient", c->ingredient);
		ok &= validate_enum(call, rec, "category", c->category,
		                    CATEGORIES);
		if (c->year < 1900 || c->year > 2200) {
			rpc_detail(call, rec, "year", "range",
			           "year %d is outside 1900..2200", c->year);
			ok = false;
		}
		if (!(isfinite(c->quantity) && c->quantity >= 0)) {
			rpc_detail(call, rec, "quantity", "range",
			           "quantity %g must be a number >= 0",
			           c->quantity);
			ok = false;
		}
		if (!(isfinite(c->unit_cost) && c->unit_cost >= 0)) {
			rpc_detail(call, rec, "unit_cost", "range",
			           "unit_cost %g must be a number >= 0",
			           c->unit_cost);
			ok = false;
		}
		if (!ok || ac.ids[i] == 0) {
			continue;
		}
		char key[160];
		int  kl
		    = snprintf(key, sizeof(key), "%lld/%d/%s",
		               (long long) ac.ids[i], c->year, c->ingredient);
		batch_unique_key(&b, rec, "ingredient",
		                 "activity, year and ingredient", key,
		                 (size_t) kl);
		store_row_begin(b.rows);
		store_row_int(b.rows, ac.ids[i]);
		store_row_int(b.rows, c->year);
		store_row_text(b.rows, c->ingredient);
		store_row_text(b.rows, c->category);
		store_row_double(b.rows, c->quantity);
		store_row_double(b.rows, c->unit_cost);
		store_row_end(b.rows);
	}
	static const store_ingest_spec spec
	    = { "/tandem.v1.Ingest/SubmitCosts", "costs",
		"activity_id, year, ingredient, category, quantity, unit_cost",
		"activity_id,year,ingredient" };
	code = batch_finish(&b, &spec, resp);
out:
	store_resolved_free(&ac);
	batch_close(&b);
	return code;
}

/* ---- participation ---- */

static const char *
part_activity(const void *req, size_t i)
{
	return ((const Tandem__V1__SubmitParticipationRequest *) req)
	    ->participation[i]
	    ->activity;
}

static const char *
part_school(const void *req, size_t i)
{
	return ((const Tandem__V1__SubmitParticipationRequest *) req)
	    ->participation[i]
	    ->school;
}

static const char *
part_educator(const void *req, size_t i)
{
	return ((const Tandem__V1__SubmitParticipationRequest *) req)
	    ->participation[i]
	    ->educator;
}

int
ingest_submit_participation(rpc_call *call, const ProtobufCMessage *req,
                            ProtobufCMessage **resp)
{
	const Tandem__V1__SubmitParticipationRequest *in = (const void *) req;
	batch                                         b;
	store_resolved ac = { 0 }, sc = { 0 }, ed = { 0 };
	int            rv, code;
	if (!batch_open(&b, call, in->submission_id, in->dry_run,
	                in->correction, in->n_participation,
	                "participation "
	                "records")) {
		return call->code;
	}
	if ((rv = batch_begin(call)) != TD_OK
	    || !batch_resolve(&b, in, part_activity, "activities", "activity",
	                      &ac, &rv)
	    || !batch_resolve(&b, in, part_school, "schools", "school", &sc,
	                      &rv)
	    || !batch_resolve(&b, in, part_educator, "educators", "educator",
	                      &ed, &rv)
	    || !batch_at_school(&b, &ed, &sc, in, part_educator, part_school,
	                        "educator", &rv)) {
		code = batch_db_fail(call, rv);
		goto out;
	}
	for (size_t i = 0; i < in->n_participation; i++) {
		const Tandem__V1__Participation *p   = in->participation[i];
		int64_t                          rec = (int64_t) i;
		int32_t                          d0 = 0, d1 = 0;
		bool ok = period(call, rec, p->period_start, p->period_end,
		                 &d0, &d1);
		if (!(isfinite(p->hours) && p->hours >= 0)) {
			rpc_detail(call, rec, "hours", "range",
			           "hours %g must be a number >= 0", p->hours);
			ok = false;
		}
		bool whole = p->educator[0] == '\0';
		if (!ok || ac.ids[i] == 0 || sc.ids[i] == 0
		    || (!whole && ed.ids[i] == 0)) {
			continue;
		}
		char key[160];
		int  kl = snprintf(key, sizeof(key), "%lld/%lld/%lld/%d/%d",
		                   (long long) ac.ids[i], (long long) sc.ids[i],
		                   (long long) (whole ? 0 : ed.ids[i]), d0, d1);
		batch_unique_key(&b, rec, "period_start",
		                 "activity, school, educator and period", key,
		                 (size_t) kl);
		store_row_begin(b.rows);
		store_row_int(b.rows, ac.ids[i]);
		store_row_int(b.rows, sc.ids[i]);
		if (whole) {
			store_row_null(b.rows);
		} else {
			store_row_int(b.rows, ed.ids[i]);
		}
		store_row_text(b.rows, p->period_start);
		store_row_text(b.rows, p->period_end);
		store_row_double(b.rows, p->hours);
		store_row_end(b.rows);
	}
	static const store_ingest_spec spec
	    = { "/tandem.v1.Ingest/SubmitParticipation", "participation",
		"activity_id, school_id, educator_id, period_start, "
		"period_end, hours",
		"activity_id,school_id,educator_key,period_start,period_end" };
	code = batch_finish(&b, &spec, resp);
out:
	store_resolved_free(&ac);
	store_resolved_free(&sc);
	store_resolved_free(&ed);
	batch_close(&b);
	return code;
}

/* ---- survey administrations ---- */

static const char *
adm_school(const void *req, size_t i)
{
	return ((const Tandem__V1__SubmitAdministrationsRequest *) req)
	    ->administrations[i]
	    ->school;
}

int
ingest_submit_administrations(rpc_call *call, const ProtobufCMessage *req,
                              ProtobufCMessage **resp)
{
	const Tandem__V1__SubmitAdministrationsRequest *in
	    = (const void *) req;
	batch          b;
	store_resolved sc = { 0 };
	int            rv, code;
	if (!batch_open(&b, call, in->submission_id, in->dry_run,
	                in->correction, in->n_administrations,
	                "administrations")) {
		return call->code;
	}
	if ((rv = batch_begin(call)) != TD_OK
	    || !batch_resolve(&b, in, adm_school, "schools", "school", &sc,
	                      &rv)) {
		code = batch_db_fail(call, rv);
		goto out;
	}
	keyset *surveys = keyset_create(4);
	for (size_t i = 0; i < in->n_administrations; i++) {
		const Tandem__V1__Administration *a   = in->administrations[i];
		int64_t                           rec = (int64_t) i;
		int32_t                           day;
		bool ok = validate_code(call, rec, "survey", a->survey);
		ok &= validate_date(call, rec, "administered_on",
		                    a->administered_on, &day);
		if (a->invited < 0 || a->invited > INT32_MAX) {
			rpc_detail(call, rec, "invited", "range",
			           "invited %lld is outside 0..%d",
			           (long long) a->invited, INT32_MAX);
			ok = false;
		}
		if (ok
		    && keyset_add(surveys, a->survey, strlen(a->survey), rec)
		        < 0) {
			store_instrument sv = { 0 };
			rv = store_instrument_current(call->store, "survey",
			                              a->survey, &sv);
			store_instrument_free(&sv);
			if (rv == TD_ENOTFOUND) {
				rpc_detail(
				    call, rec, "survey", "unknown",
				    "survey '%s' is not in the registry",
				    a->survey);
			} else if (rv != TD_OK) {
				keyset_destroy(surveys);
				code = batch_db_fail(call, rv);
				goto out;
			}
		}
		if (!ok || sc.ids[i] == 0) {
			continue;
		}
		char key[160];
		int  kl = snprintf(key, sizeof(key), "%s/%lld/%d", a->survey,
		                   (long long) sc.ids[i], day);
		batch_unique_key(&b, rec, "administered_on",
		                 "survey, school and date", key, (size_t) kl);
		store_row_begin(b.rows);
		store_row_text(b.rows, a->survey);
		store_row_int(b.rows, sc.ids[i]);
		store_row_text(b.rows, a->administered_on);
		store_row_int(b.rows, a->invited);
		store_row_end(b.rows);
	}
	keyset_destroy(surveys);
	static const store_ingest_spec spec
	    = { "/tandem.v1.Ingest/SubmitAdministrations", "administrations",
		"survey, school_id, administered_on, invited",
		"survey,school_id,administered_on" };
	code = batch_finish(&b, &spec, resp);
out:
	store_resolved_free(&sc);
	batch_close(&b);
	return code;
}
