/* SPDX-License-Identifier: MIT
 * Ingest service: batches of outcomes, costs, participation and survey
 * administrations (survey responses: ingest_survey.c; peer feedback:
 * ingest_feedback.c). Each method validates every record (reporting each
 * bad one with its index and wire field), turns codes into ids, and hands
 * typed records to the store, which makes the batch atomic and idempotent
 * under its submission id.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "services.h"
#include "store/store.h"
#include "store/store_ingest.h"
#include "store/store_registry.h"
#include "stats_scores.h"
#include "tandem/v1/ingest.pb-c.h"
#include "batch.h"
#include "events.h"
#include "review.h"
#include "validate.h"

static const char *const CATEGORIES[]
    = { "personnel", "facilities", "materials", "travel", "other", NULL };

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

/* outcome_cell adds one outcome row to the batch's rollup delta (sign -1:
 * takes a replaced one out); the store groups the cells. */
static void
outcome_cell(batch *b, const char *measure, const char *subgroup,
             int64_t school, const char *date, int sign, double value,
             int64_t n)
{
	store_rollup_cell *c = batch_rollup_cell(b);
	if (c == NULL) {
		return;
	}
	stats_rollup_sum sum = { 0 };
	stats_rollup_add_outcome(&sum, sign, value, n);
	*c = (store_rollup_cell) {
		.measure   = measure,
		.subgroup  = subgroup,
		.grade     = "",
		.date      = date,
		.school_id = school,
		.cnt       = sum.cnt,
		.n_sum     = sum.n_sum,
		.wsum      = sum.wsum,
		.wsumsq    = sum.wsumsq,
	};
}

/* outcome_replaced: a row a correction replaces leaves the rollups. Its
 * strings die with the callback, so the cell keeps arena copies. */
static int
outcome_replaced(void *ctx, const store_replaced *old)
{
	batch      *b = ctx;
	rpc_arena  *a = b->call->arena;
	const char *m = rpc_arena_strdup(a, old->measure);
	const char *g = rpc_arena_strdup(a, old->subgroup);
	const char *d = rpc_arena_strdup(a, old->date);
	if (m == NULL || g == NULL || d == NULL) {
		return 1;
	}
	outcome_cell(b, m, g, old->school_id, d, -1, old->value, old->n);
	return b->rollup_failed;
}

static const batch_kind OUTCOMES = {
	store_ingest_outcomes,
	"period_start",
	"measure, school, subgroup and period",
};

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
	    || !batch_resolve(&b, in, out_school, STORE_SCHOOLS, "school", &sc,
	                      &rv)
	    || !batch_resolve(&b, in, out_measure, STORE_MEASURES, "measure",
	                      &ms, &rv)) {
		code = batch_db_fail(call, rv);
		goto out;
	}
	/* Each record's key for the period-lock check (review.c). */
	size_t   n_lk = 0;
	int64_t *lk_m
	    = rpc_arena_alloc(call->arena, in->n_outcomes * sizeof(int64_t));
	int64_t *lk_s
	    = rpc_arena_alloc(call->arena, in->n_outcomes * sizeof(int64_t));
	const char **lk_p
	    = rpc_arena_alloc(call->arena, in->n_outcomes * sizeof(char *));
	if (lk_m == NULL || lk_s == NULL || lk_p == NULL) {
		code = rpc_fail(call, TD_CODE_RESOURCE_EXHAUSTED,
		                "out of memory");
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
		/* The natural key's bytes (snprintf of it was 4% of
		 * tandemd's time for an outcome batch, perf). */
		char   key[2 * sizeof(int64_t) + 2 * sizeof(int32_t)
                         + TD_MAX_STRING];
		size_t sl = strlen(o->subgroup), kl = 0;
		sl = sl < TD_MAX_STRING ? sl : TD_MAX_STRING;
		memcpy(key + kl, &ms.ids[i], sizeof(int64_t));
		kl += sizeof(int64_t);
		memcpy(key + kl, &sc.ids[i], sizeof(int64_t));
		kl += sizeof(int64_t);
		memcpy(key + kl, &d0, sizeof(int32_t));
		kl += sizeof(int32_t);
		memcpy(key + kl, &d1, sizeof(int32_t));
		kl += sizeof(int32_t);
		memcpy(key + kl, o->subgroup, sl);
		batch_unique_key(&b, rec, "period_start",
		                 "school, measure, period "
		                 "and subgroup",
		                 key, kl + sl);
		store_outcome_rec row = {
			ms.ids[i],     sc.ids[i], o->subgroup, o->period_start,
			o->period_end, o->value,  o->n,        o->has_sd,
			o->sd,
		};
		store_rows_add_outcome(b.rows, &row);
		outcome_cell(&b, o->measure, o->subgroup, sc.ids[i],
		             o->period_start, +1, o->value, o->n);
		lk_m[n_lk]   = ms.ids[i];
		lk_s[n_lk]   = sc.ids[i];
		lk_p[n_lk++] = o->period_start;
	}
	if (call->n_details == 0 && !b.denied && n_lk > 0
	    && (code = review_outcome_locks(call, n_lk, lk_m, lk_s, lk_p))
	        != TD_CODE_OK) {
		goto out;
	}
	b.rollup.grains = "mty"; /* outcomes have no weekly rollups */
	b.replaced      = outcome_replaced;
	b.replaced_ctx  = &b;
	code            = batch_finish(&b, &OUTCOMES, resp);
	if (b.committed) {
		events_outcome_signals(call, in);
		events_outcome_deviants(call, in);
	}
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
	    || !batch_resolve(&b, in, cost_activity, STORE_ACTIVITIES,
	                      "activity", &ac, &rv)) {
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
		store_cost_rec row
		    = { ac.ids[i],   c->year,     c->ingredient,
			c->category, c->quantity, c->unit_cost };
		store_rows_add_cost(b.rows, &row);
	}
	static const batch_kind COSTS = { store_ingest_costs, "ingredient",
		                          "activity, year and ingredient" };
	code                          = batch_finish(&b, &COSTS, resp);
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
	    || !batch_resolve(&b, in, part_activity, STORE_ACTIVITIES,
	                      "activity", &ac, &rv)
	    || !batch_resolve(&b, in, part_school, STORE_SCHOOLS, "school",
	                      &sc, &rv)
	    || !batch_resolve(&b, in, part_educator, STORE_EDUCATORS,
	                      "educator", &ed, &rv)
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
		store_participation_rec row
		    = { ac.ids[i],       sc.ids[i],     whole ? 0 : ed.ids[i],
			p->period_start, p->period_end, p->hours };
		store_rows_add_participation(b.rows, &row);
	}
	static const batch_kind PARTICIPATION
	    = { store_ingest_participation, "period_start",
		"activity, school, educator and period" };
	code = batch_finish(&b, &PARTICIPATION, resp);
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
	    || !batch_resolve(&b, in, adm_school, STORE_SCHOOLS, "school", &sc,
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
		store_administration_rec row
		    = { a->survey, sc.ids[i], a->administered_on, a->invited };
		store_rows_add_administration(b.rows, &row);
	}
	keyset_destroy(surveys);
	static const batch_kind ADMINISTRATIONS
	    = { store_ingest_administrations, "administered_on",
		"survey, school and date" };
	code = batch_finish(&b, &ADMINISTRATIONS, resp);
out:
	store_resolved_free(&sc);
	batch_close(&b);
	return code;
}
