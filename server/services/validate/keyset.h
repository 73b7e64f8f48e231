/* SPDX-License-Identifier: MIT
 * keyset: duplicate keys inside one batch (see keyset.c).
 */
#ifndef TD_KEYSET_H
#define TD_KEYSET_H

#include <stddef.h>
#include <stdint.h>

/* A set of byte-string keys remembering the record that added each, for
 * "duplicate in this batch (also record k)". */
typedef struct keyset keyset;
keyset               *keyset_create(size_t expected);
void                  keyset_destroy(keyset *k);
/* keyset_add returns -1 when key is new, else the record that had it. */
int64_t keyset_add(keyset *k, const void *key, size_t len, int64_t rec);

#endif /* TD_KEYSET_H */
