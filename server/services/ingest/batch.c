/* SPDX-License-Identifier: MIT
 * What every Submit* method shares: opening a batch, duplicate keys inside
 * it, code lookups that report unknown codes, and handing the rows to
 * store_ingest with the reply built from its result.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "metrics/metrics.h"
#include "events.h"
#include "store/store.h"
#include "store/store_ingest.h"
#include "store/store_registry.h"
#include "store/store_roster.h"
#include "tandem/v1/ingest.pb-c.h"

bool
batch_open(batch *b, rpc_call *call, const char *id, bool dry_run,
           bool correction, size_t n, const char *what)
{
	memset(b, 0, sizeof(*b));
	b->call          = call;
	b->submission_id = id;
	b->dry_run       = dry_run;
	b->correction    = correction;
	b->n             = n;
	if (id[0] == '\0') {
		rpc_detail(call, -1, "submission_id", "required",
		           "submission_id is empty: every batch needs a "
		           "client-chosen id so retries are safe");
	} else if (strlen(id) > 128) {
		rpc_detail(call, -1, "submission_id", "max_length",
		           "submission_id is over 128 bytes");
	}
	if (n == 0) {
		rpc_fail(call, TD_CODE_INVALID_ARGUMENT, "no %s in the batch",
		         what);
		return false;
	}
	if (n > TD_MAX_RECORDS) {
		rpc_fail(call, TD_CODE_RESOURCE_EXHAUSTED,
		         "%zu %s exceed the %u-record limit of one batch; "
		         "split it",
		         n, what, TD_MAX_RECORDS);
		return false;
	}
	b->keys = keyset_create(n);
	if (b->keys == NULL || store_rows_create(&b->rows) != TD_OK) {
		keyset_destroy(b->keys);
		rpc_fail(call, TD_CODE_RESOURCE_EXHAUSTED, "out of memory");
		return false;
	}
	return true;
}

void
batch_close(batch *b)
{
	free(b->rollup.cells);
	keyset_destroy(b->keys);
	store_rows_destroy(b->rows);
}

/* unique_key reports a natural key repeated inside the batch. */
void
batch_unique_key(batch *b, int64_t rec, const char *field, const char *what,
                 const char *key, size_t len)
{
	int64_t prev = keyset_add(b->keys, key, len, rec);
	if (prev >= 0) {
		rpc_detail(b->call, rec, field, "unique",
		           "duplicate %s in this batch (also record %lld)",
		           what, (long long) prev);
	}
}

int
batch_invalid(rpc_call *call)
{
	return rpc_fail(call, TD_CODE_INVALID_ARGUMENT,
	                "%zu problem(s) in the batch; nothing was stored",
	                call->n_details + (size_t) call->details_omitted);
}

bool
batch_resolve(batch *b, const void *req, code_of get, store_kind kind,
              const char *field, store_resolved *out, int *rv)
{
	const char **codes
	    = rpc_arena_alloc(b->call->arena, b->n * sizeof(char *));
	if (codes == NULL) {
		*rv = TD_ENOMEM;
		return false;
	}
	for (size_t i = 0; i < b->n; i++) {
		codes[i] = get(req, i);
	}
	if (kind == STORE_SCHOOLS) {
		b->schools = codes; /* for the batch.stored events */
	}
	*rv = store_resolve(b->call->store, kind, codes, b->n, out);
	if (*rv != TD_OK) {
		return false;
	}
	const rpc_principal *who    = &b->call->who;
	bool                 scoped = kind == STORE_SCHOOLS
	    && (who->role == RPC_ROLE_SCHOOL
	        || who->role == RPC_ROLE_DISTRICT);
	for (size_t i = 0; i < b->n; i++) {
		if (codes[i][0] != '\0' && out->ids[i] == 0) {
			rpc_detail(b->call, (int64_t) i, field, "unknown",
			           "%s '%s' is not in the registry", field,
			           codes[i]);
		} else if (scoped && out->ids[i] != 0
		           && (who->role == RPC_ROLE_SCHOOL
		                   ? strcmp(codes[i], who->school) != 0
		                   : strcmp(out->aux[i] ? out->aux[i] : "",
		                            who->district)
		                       != 0)) {
			rpc_detail(b->call, (int64_t) i, field, "scope",
			           "%s '%s' is outside the scope of client %s "
			           "(%s %s)",
			           field, codes[i], who->client_id,
			           who->role == RPC_ROLE_SCHOOL ? "school"
			                                        : "district",
			           who->role == RPC_ROLE_SCHOOL
			               ? who->school
			               : who->district);
			b->denied = true;
		}
	}
	return true;
}

bool
batch_at_school(batch *b, const store_resolved *ed, const store_resolved *sc,
                const void *req, code_of educator, code_of school,
                const char *field, int *rv)
{
	bool *at = rpc_arena_alloc(b->call->arena, (b->n + 1) * sizeof(bool));
	if (at == NULL) {
		*rv = TD_ENOMEM;
		return false;
	}
	*rv = store_educators_at_schools(b->call->store, ed->ids, sc->ids,
	                                 b->n, at);
	if (*rv != TD_OK) {
		return false;
	}
	for (size_t i = 0; i < b->n; i++) {
		if (ed->ids[i] != 0 && sc->ids[i] != 0 && !at[i]) {
			rpc_detail(b->call, (int64_t) i, field, "scope",
			           "%s '%s' is not registered at school '%s': "
			           "a record names only its own school's "
			           "educators",
			           field, educator(req, i), school(req, i));
			b->denied |= b->call->who.role == RPC_ROLE_SCHOOL
			    || b->call->who.role == RPC_ROLE_DISTRICT;
		}
	}
	return true;
}

store_rollup_cell *
batch_rollup_cell(batch *b)
{
	if (b->rollup.n == b->rollup_cap) {
		size_t cap = b->rollup_cap ? 2 * b->rollup_cap : 256;
		store_rollup_cell *c
		    = realloc(b->rollup.cells, cap * sizeof(*c));
		if (c == NULL) {
			b->rollup_failed = true;
			return NULL;
		}
		b->rollup.cells = c;
		b->rollup_cap   = cap;
	}
	store_rollup_cell *c = &b->rollup.cells[b->rollup.n++];
	memset(c, 0, sizeof(*c));
	return c;
}

/* finish stores the rows and builds the reply. */
int
batch_finish(batch *b, const batch_kind *kind, ProtobufCMessage **resp)
{
	rpc_call           *call = b->call;
	unsigned char       hash[32];
	store_ingest_result res;
	if (b->denied) {
		return rpc_fail(call, TD_CODE_PERMISSION_DENIED,
		                "the batch has records outside this client's "
		                "scope; nothing was stored");
	}
	if (call->n_details > 0) {
		return batch_invalid(call);
	}
	if (b->rollup_failed) {
		return rpc_fail(call, TD_CODE_RESOURCE_EXHAUSTED,
		                "out of memory");
	}
	if (store_rows_count(b->rows) != b->n) {
		/* A record neither stored nor reported would be lost
		 * silently: refuse the batch instead. */
		return rpc_fail(
		    call, TD_CODE_INTERNAL,
		    "%zu of %zu records were prepared for storing; "
		    "nothing was stored",
		    store_rows_count(b->rows), b->n);
	}
	payload_sha256(call, hash);
	store_ingest_batch sb = {
		.method         = call->method,
		.submission_id  = b->submission_id,
		.payload_sha256 = hash,
		.records        = (int64_t) b->n,
		.dry_run        = b->dry_run,
		.correction     = b->correction,
		.client_id
		= call->who.client_id[0] ? call->who.client_id : NULL,
		.rows         = b->rows,
		.rollup       = b->rollup.grains ? &b->rollup : NULL,
		.replaced     = b->replaced,
		.replaced_ctx = b->replaced_ctx,
	};
	int rv = kind->ingest(call->store, &sb, &res);
	if (rv == TD_EEXIST && res.n_conflicts > 0) {
		for (size_t i = 0; i < res.n_conflicts; i++) {
			rpc_detail(call, res.conflicts[i], kind->key_field,
			           "exists",
			           "this record (%s) was already stored by "
			           "another submission; send it as a "
			           "correction to replace it",
			           kind->key_what);
		}
		free(res.conflicts);
		return rpc_fail(call, TD_CODE_ALREADY_EXISTS, "%s",
		                store_errmsg(call->store));
	}
	free(res.conflicts);
	if (rv != TD_OK) {
		return rpc_fail_err(call, rv, store_errmsg(call->store));
	}
	Tandem__V1__SubmitResponse *out
	    = RPC_NEW(call->arena, Tandem__V1__SubmitResponse,
	              tandem__v1__submit_response__init);
	if (out == NULL) {
		return rpc_fail(call, TD_CODE_RESOURCE_EXHAUSTED,
		                "out of memory");
	}
	out->submission_id = (char *) b->submission_id;
	out->records       = res.records;
	out->stored        = res.replayed ? 0 : res.stored;
	out->corrected     = res.corrected;
	if (res.corrected > 0 && !res.replayed && !b->dry_run) {
		/* corrections are audited as corrections, with the keys of
		 * what they replaced */
		snprintf(call->audit_note, sizeof(call->audit_note),
		         "correction: replaced %lld %s record(s): %s",
		         (long long) res.corrected, res.kind, res.replaced);
	}
	out->replayed = res.replayed;
	out->dry_run  = b->dry_run;
	call->records = (int64_t) b->n;
	*resp         = &out->base;
	if (!b->dry_run && !res.replayed) {
		metrics_records_ingested(call->method, (uint64_t) res.stored);
	}
	b->committed = !b->dry_run && !res.replayed;
	if (b->committed) {
		events_batch_stored(b);
	}
	return TD_CODE_OK;
}

int
batch_begin(rpc_call *call)
{
	return store_begin_request(call->store, rpc_remaining_ms(call));
}

int
batch_db_fail(rpc_call *call, int rv)
{
	return rpc_fail_err(call, rv, store_errmsg(call->store));
}
