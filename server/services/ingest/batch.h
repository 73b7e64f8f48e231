/* SPDX-License-Identifier: MIT
 * The shared shape of an ingest batch (see batch.c).
 */
#ifndef TD_BATCH_H
#define TD_BATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rpc/rpc.h"
#include "store/store.h"
#include "store/store_ingest.h"
#include "store/store_registry.h"
#include "validate.h"

typedef struct batch {
	rpc_call   *call;
	const char *submission_id;
	bool        dry_run, correction;
	size_t      n;
	store_rows *rows;
	keyset     *keys;
	bool        denied; /* a record is outside the caller's scope */
	/* Kinds with rollups: the batch's delta (grains set = in use), and
	 * how a replaced record leaves it (see store_ingest_batch). */
	store_rollup_delta rollup;
	size_t             rollup_cap;
	bool               rollup_failed;
	store_replaced_fn  replaced;
	void              *replaced_ctx;
	const char **schools; /* record i's school code (batch_resolve) */
	bool         committed; /* stored and committed: events may go */
} batch;

/* How a record kind is stored: the store's function, and the wire field
 * (and words) that name the record's natural key in an "exists" detail.
 * The submission records the call's own method path. */
typedef struct batch_kind {
	store_ingest_fn ingest;
	const char     *key_field;
	const char     *key_what;
} batch_kind;

/* batch_open checks the id and record count and prepares rows; on false
 * the call's status is set. */
bool batch_open(batch *b, rpc_call *call, const char *id, bool dry_run,
                bool correction, size_t n, const char *what);
void batch_close(batch *b);
/* batch_unique_key reports a natural key repeated inside the batch. */
void batch_unique_key(batch *b, int64_t rec, const char *field,
                      const char *what, const char *key, size_t len);
/* batch_invalid sets INVALID_ARGUMENT counting the details. */
int batch_invalid(rpc_call *call);
/* batch_resolve looks up the codes records name among kind; unknown ones
 * become details on field. get(req, i) gives record i's code ("" = none).
 * On false *rv is the store's error. */
typedef const char *(*code_of)(const void *req, size_t i);
bool batch_resolve(batch *b, const void *req, code_of get, store_kind kind,
                   const char *field, store_resolved *out, int *rv);
/* batch_at_school requires educator ed.ids[i] (where non-zero) to be
 * registered at school sc.ids[i]: a record names only its own school's
 * educators. A mismatch is a scope detail on field naming both codes; an
 * educator of another school is never confirmed beyond "not at S". On
 * false *rv is the store's error. */
bool batch_at_school(batch *b, const store_resolved *ed,
                     const store_resolved *sc, const void *req,
                     code_of educator, code_of school, const char *field,
                     int *rv);
/* batch_rollup_cell appends a zeroed cell to the batch's rollup delta;
 * NULL when out of memory, and then batch_finish refuses the batch. */
store_rollup_cell *batch_rollup_cell(batch *b);
/* batch_finish stores the rows (unless there are details) and replies. */
int batch_finish(batch *b, const batch_kind *kind, ProtobufCMessage **resp);
int batch_begin(rpc_call *call);
int batch_db_fail(rpc_call *call, int rv);

#endif /* TD_BATCH_H */
