/* SPDX-License-Identifier: MIT
 * Statistics kept per data version: what an analysis computed from data
 * that is too large to read again on every call (every survey response
 * for reliability, every scoring of a rubric for agreement), kept under
 * a key naming what was read and for the data version it was read in
 * (store_data_version), as the registry and the disclosure lattice are.
 * The statistics are kept, not the replies: each call still builds its
 * reply and applies its caller's disclosure rules. A few entries at most
 * (the least recently used goes first); thread-safe.
 */
#ifndef TD_KEPT_H
#define TD_KEPT_H

#include <stdint.h>

typedef struct kept kept;

/* kept_get: the statistics kept under key for data version v, with a
 * reference in *ref (kept_release it when done), or NULL. */
const void *kept_get(const char *key, uint64_t v, kept **ref);
/* kept_put takes obj (free_fn frees it) and keeps it under key for data
 * version v, unless the data have changed since v was read (then it
 * lives until released); *ref is a reference to it either way. NULL
 * (obj freed) when out of memory. */
const void *kept_put(const char *key, uint64_t v, void *obj,
                     void (*free_fn)(void *), kept **ref);
void        kept_release(kept *ref);

#endif /* TD_KEPT_H */
