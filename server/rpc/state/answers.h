/* SPDX-License-Identifier: MIT
 * The answer cache: the packed reply of a read-only method (the Analysis
 * service), keyed on the method, the canonical request bytes (the request
 * as tandemd unpacked and packed it again) and the caller's role and
 * scope, and valid for one data version (store_data_version), so the
 * same question about unchanged data is answered without the database.
 * Bounded by a byte budget (tandemd --answer-cache-mib; 0 = off), the
 * least recently used answer going first. Thread-safe.
 */
#ifndef TD_ANSWERS_H
#define TD_ANSWERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rpc/arena.h"

/* answers_init sets the byte budget (0 = no caching); call at start. */
void answers_init(size_t budget_bytes);
/* answers_get: the answer to key under data version v, copied into arena
 * with the call's records and audit note; false when there is none (a
 * miss is counted when count_miss: the fast path's misses are asked
 * again by a worker). */
bool answers_get(const uint8_t *key, size_t key_len, uint64_t v,
                 rpc_arena *arena, uint8_t **reply, size_t *reply_len,
                 int64_t *records, char *note, size_t note_cap,
                 bool count_miss);
/* answers_put keeps an answer computed under version v, unless the data
 * have changed since (v is no longer current) or it would take more than
 * an eighth of the budget. */
void answers_put(const uint8_t *key, size_t key_len, uint64_t v,
                 const uint8_t *reply, size_t reply_len, int64_t records,
                 const char *note);

typedef struct answers_counts {
	size_t   entries, bytes, budget;
	uint64_t hits, misses;
} answers_counts;
void answers_stats(answers_counts *out);
/* answers_clear drops every answer (tests). */
void answers_clear(void);

#endif /* TD_ANSWERS_H */
