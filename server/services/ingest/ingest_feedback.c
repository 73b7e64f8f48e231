/* SPDX-License-Identifier: MIT
 * Ingest of peer feedback: classroom observations scored on a rubric, and
 * time-linked annotations on them. A request carries observations or
 * annotations, not both, so each is one atomic, idempotent batch.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "services.h"
#include "store/store_ingest.h"
#include "store/store_registry.h"
#include "tandem/v1/ingest.pb-c.h"

static const char *
obs_school(const void *req, size_t i)
{
	return ((const Tandem__V1__SubmitPeerFeedbackRequest *) req)
	    ->observations[i]
	    ->school;
}

static const char *
obs_observer(const void *req, size_t i)
{
	return ((const Tandem__V1__SubmitPeerFeedbackRequest *) req)
	    ->observations[i]
	    ->observer;
}

static const char *
obs_observed(const void *req, size_t i)
{
	return ((const Tandem__V1__SubmitPeerFeedbackRequest *) req)
	    ->observations[i]
	    ->observed;
}

/* criteria_positions maps the batch's criterion columns onto the rubric
 * version; unknown or repeated columns become details. */
static size_t *
criteria_positions(rpc_call *call, const store_instrument *rb,
                   char *const *criteria, size_t n)
{
	size_t *pos
	    = rpc_arena_alloc(call->arena, (n ? n : 1) * sizeof(size_t));
	keyset *seen = keyset_create(n);
	for (size_t k = 0; pos && k < n; k++) {
		pos[k] = SIZE_MAX;
		for (size_t j = 0; j < rb->n_items; j++) {
			if (strcmp(rb->items[j].code, criteria[k]) == 0) {
				pos[k] = j;
			}
		}
		if (pos[k] == SIZE_MAX) {
			rpc_detail(call, -1, criteria[k], "unknown_criterion",
			           "column %s is not a criterion of rubric %s "
			           "version %d",
			           criteria[k], rb->code, rb->version);
		} else if (keyset_add(seen, criteria[k], strlen(criteria[k]),
		                      (int64_t) k)
		           >= 0) {
			rpc_detail(call, -1, criteria[k], "unique",
			           "criterion column %s appears twice",
			           criteria[k]);
		}
	}
	keyset_destroy(seen);
	return pos;
}

static int
observations(rpc_call *call, const Tandem__V1__SubmitPeerFeedbackRequest *in,
             const store_instrument *rb, ProtobufCMessage **resp)
{
	batch          b;
	store_resolved sc = { 0 }, ob = { 0 }, od = { 0 };
	int            rv, code;
	size_t        *pos
	    = criteria_positions(call, rb, in->criteria, in->n_criteria);
	if (!batch_open(&b, call, in->submission_id, in->dry_run,
	                in->correction, in->n_observations, "observations")) {
		return call->code;
	}
	if (!batch_resolve(&b, in, obs_school, STORE_SCHOOLS, "school", &sc,
	                   &rv)
	    || !batch_resolve(&b, in, obs_observer, STORE_EDUCATORS,
	                      "observer", &ob, &rv)
	    || !batch_resolve(&b, in, obs_observed, STORE_EDUCATORS,
	                      "observed", &od, &rv)
	    /* the observer may come from any school of the network (peer
	     * observation across schools); the observed belongs to the
	     * record's school */
	    || !batch_at_school(&b, &od, &sc, in, obs_observed, obs_school,
	                        "observed", &rv)) {
		code = batch_db_fail(call, rv);
		goto out;
	}
	int32_t *vals = calloc(rb->n_items + 1, sizeof(int32_t));
	bool    *miss = calloc(rb->n_items + 1, sizeof(bool));
	if (vals == NULL || miss == NULL || pos == NULL) {
		/* Never skip the records and report them stored. */
		free(vals);
		free(miss);
		code = rpc_fail(call, TD_CODE_RESOURCE_EXHAUSTED,
		                "out of memory");
		goto out;
	}
	for (size_t i = 0; i < in->n_observations; i++) {
		const Tandem__V1__Observation *o   = in->observations[i];
		int64_t                        rec = (int64_t) i;
		int32_t                        day;
		bool                           ok
		    = validate_code(call, rec, "observation", o->observation);
		ok &= validate_date(call, rec, "observed_on", o->observed_on,
		                    &day)
		    && validate_horizon(call, rec, "observed_on",
		                        o->observed_on, day);
		if (o->n_scores != in->n_criteria) {
			rpc_detail(call, rec, "scores", "count",
			           "%zu scores for %zu criterion columns",
			           o->n_scores, in->n_criteria);
			continue;
		}
		for (size_t j = 0; j < rb->n_items; j++) {
			miss[j] = true;
		}
		for (size_t k = 0; k < in->n_criteria && pos[k] != SIZE_MAX;
		     k++) {
			miss[pos[k]] = false;
			vals[pos[k]] = o->scores[k];
		}
		for (size_t m = 0; m < o->n_missing; m++) {
			if (o->missing[m] < in->n_criteria
			    && pos[o->missing[m]] != SIZE_MAX) {
				miss[pos[o->missing[m]]] = true;
			}
		}
		for (size_t k = 0; k < in->n_criteria && pos[k] != SIZE_MAX;
		     k++) {
			const store_item *it = &rb->items[pos[k]];
			int32_t           v  = vals[pos[k]];
			if (!miss[pos[k]] && (v < it->min || v > it->max)) {
				rpc_detail(call, rec, it->code, "range",
				           "criterion %s score %d is outside "
				           "%d..%d",
				           it->code, v, it->min, it->max);
				ok = false;
			}
		}
		if (!ok || sc.ids[i] == 0 || ob.ids[i] == 0
		    || od.ids[i] == 0) {
			continue;
		}
		char key[160];
		int  kl = snprintf(key, sizeof(key), "%lld/%s/%lld",
		                   (long long) sc.ids[i], o->observation,
		                   (long long) ob.ids[i]);
		batch_unique_key(&b, rec, "observation",
		                 "observation and observer", key, (size_t) kl);
		store_observation_rec row
		    = { o->observation, ob.ids[i],      od.ids[i], rb->id,
			sc.ids[i],      o->observed_on, vals,      miss,
			rb->n_items,    o->notes };
		store_rows_add_observation(b.rows, &row);
	}
	free(vals);
	free(miss);
	static const batch_kind OBSERVATIONS
	    = { store_ingest_observations, "observation",
		"observation and observer" };
	code = batch_finish(&b, &OBSERVATIONS, resp);
out:
	store_resolved_free(&sc);
	store_resolved_free(&ob);
	store_resolved_free(&od);
	batch_close(&b);
	return code;
}

static int
annotations(rpc_call *call, const Tandem__V1__SubmitPeerFeedbackRequest *in,
            const store_instrument *rb, ProtobufCMessage **resp)
{
	batch        b;
	int          rv, code;
	const char **codes, **observers;
	int64_t     *ids;
	if (!batch_open(&b, call, in->submission_id, in->dry_run,
	                in->correction, in->n_annotations, "annotations")) {
		return call->code;
	}
	codes     = rpc_arena_alloc(call->arena, b.n * sizeof(char *));
	observers = rpc_arena_alloc(call->arena, b.n * sizeof(char *));
	ids       = rpc_arena_alloc(call->arena, b.n * sizeof(int64_t));
	if (codes == NULL || observers == NULL || ids == NULL) {
		batch_close(&b);
		return rpc_fail(call, TD_CODE_RESOURCE_EXHAUSTED,
		                "out of memory");
	}
	for (size_t i = 0; i < b.n; i++) {
		codes[i]     = in->annotations[i]->observation;
		observers[i] = in->annotations[i]->observer;
	}
	const rpc_principal *who = &call->who;
	if ((rv = store_resolve_observations(
	         call->store, codes, observers, b.n,
	         who->role == RPC_ROLE_SCHOOL ? who->school : NULL,
	         who->role == RPC_ROLE_DISTRICT ? who->district : NULL, ids))
	    != TD_OK) {
		code = batch_db_fail(call, rv);
		goto out;
	}
	for (size_t i = 0; i < b.n; i++) {
		const Tandem__V1__Annotation *a   = in->annotations[i];
		int64_t                       rec = (int64_t) i;
		bool                          ok
		    = validate_code(call, rec, "observation", a->observation);
		if (ok && ids[i] == 0) {
			rpc_detail(call, rec, "observation", "unknown",
			           "observation '%s'%s%s is not stored; send "
			           "the observations first",
			           a->observation,
			           a->observer[0] ? " by " : "", a->observer);
			ok = false;
		}
		if (a->t_seconds < 0) {
			rpc_detail(call, rec, "t_seconds", "range",
			           "t_seconds %d is negative", a->t_seconds);
			ok = false;
		}
		if (a->note[0] == '\0') {
			rpc_detail(call, rec, "note", "required",
			           "note is empty");
			ok = false;
		}
		if (a->criterion[0] != '\0') {
			bool known = false;
			for (size_t j = 0; j < rb->n_items; j++) {
				known
				    |= strcmp(rb->items[j].code, a->criterion)
				    == 0;
			}
			if (!known) {
				rpc_detail(
				    call, rec, "criterion", "unknown",
				    "criterion '%s' is not in rubric %s",
				    a->criterion, rb->code);
				ok = false;
			}
		}
		if (!ok) {
			continue;
		}
		char key[160];
		int  kl
		    = snprintf(key, sizeof(key), "%lld/%d/%s",
		               (long long) ids[i], a->t_seconds, a->criterion);
		batch_unique_key(&b, rec, "t_seconds",
		                 "observation, time and criterion", key,
		                 (size_t) kl);
		store_annotation_rec row
		    = { ids[i], a->t_seconds, a->criterion, a->note };
		store_rows_add_annotation(b.rows, &row);
	}
	static const batch_kind ANNOTATIONS
	    = { store_ingest_annotations, "t_seconds",
		"observation, time and criterion" };
	code = batch_finish(&b, &ANNOTATIONS, resp);
out:
	batch_close(&b);
	return code;
}

int
ingest_submit_peer_feedback(rpc_call *call, const ProtobufCMessage *req,
                            ProtobufCMessage **resp)
{
	const Tandem__V1__SubmitPeerFeedbackRequest *in = (const void *) req;
	store_instrument                             rb = { 0 };
	int                                          rv, code;
	if (in->n_observations > 0 && in->n_annotations > 0) {
		return rpc_fail(
		    call, TD_CODE_INVALID_ARGUMENT,
		    "send observations and annotations in separate "
		    "batches (annotations after the observations "
		    "they annotate)");
	}
	if (!validate_code(call, -1, "rubric", in->rubric)) {
		return batch_invalid(call);
	}
	if ((rv = batch_begin(call)) != TD_OK) {
		return batch_db_fail(call, rv);
	}
	rv = store_instrument_current(call->store, "rubric", in->rubric, &rb);
	if (rv == TD_ENOTFOUND) {
		rpc_detail(call, -1, "rubric", "unknown",
		           "rubric '%s' is not in the registry", in->rubric);
		return batch_invalid(call);
	} else if (rv != TD_OK) {
		return batch_db_fail(call, rv);
	}
	code = in->n_annotations > 0 ? annotations(call, in, &rb, resp)
	                             : observations(call, in, &rb, resp);
	store_instrument_free(&rb);
	return code;
}
