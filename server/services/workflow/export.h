/* SPDX-License-Identifier: MIT
 * Export service internals: the cursor (export_cursor.c), an opaque token
 * that carries the last key of a page and is bound by an HMAC to the
 * caller, the kind and the filters it was made for.
 */
#ifndef TD_EXPORT_H
#define TD_EXPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "rpc/arena.h"

/* Longest cursor accepted (keys are codes, dates and at most one free
 * ingredient text, so real cursors stay far below). */
#define EXPORT_CURSOR_MAX 8192

/* export_cursor_make packs keys (nkeys strings) and signs them together
 * with the fingerprint fp (the caller, kind and filters). *out comes from
 * the arena. Returns false when out of memory or a key is too long. */
bool export_cursor_make(const td_config *cfg, const char *fp, size_t fplen,
                        const char *const *keys, size_t nkeys, rpc_arena *a,
                        uint8_t **out, size_t *outlen);

/* export_cursor_read checks cur's signature against fp and unpacks its
 * nkeys keys into keys (arena strings). false for a cursor that was
 * altered, forged, or made for another caller, kind or filters. */
bool export_cursor_read(const td_config *cfg, const char *fp, size_t fplen,
                        const uint8_t *cur, size_t len, size_t nkeys,
                        rpc_arena *a, char **keys);

#endif /* TD_EXPORT_H */
