/* SPDX-License-Identifier: MIT
 * keyset: the set of keys one batch has seen, to report a duplicate inside
 * the batch with the record that had the key first.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "keyset.h"

/* Open addressing over 64-bit hashes; the keys' bytes are kept in pools
 * of POOL bytes (a malloc per key and a free per key were 10% of tandemd's
 * time for an outcome batch of 20,000 records, perf). */

typedef struct slot {
	uint64_t    hash;
	const char *key;
	size_t      len;
	int64_t     rec;
} slot;

#define POOL (64u * 1024u)

typedef struct pool {
	struct pool *next;
	size_t       used, cap;
	char         bytes[];
} pool;

struct keyset {
	slot  *slots;
	size_t cap, n;
	pool  *pools;
};

/* hash: FNV-1a over 8-byte words, then a 64-bit finaliser (murmur3's
 * fmix64) so the low bits the table uses depend on every byte. */
static uint64_t
hash(const void *p, size_t n)
{
	const unsigned char *b = p;
	uint64_t             h = 1469598103934665603ull ^ n;
	for (; n >= 8; b += 8, n -= 8) {
		uint64_t w;
		memcpy(&w, b, 8);
		h = (h ^ w) * 1099511628211ull;
	}
	uint64_t w = 0;
	memcpy(&w, b, n);
	h = (h ^ w) * 1099511628211ull;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	return h ^ (h >> 33);
}

/* keep copies len bytes into the pools; NULL when out of memory. */
static const char *
keep(keyset *k, const void *key, size_t len)
{
	pool *p = k->pools;
	if (p == NULL || p->cap - p->used < len) {
		size_t cap = len > POOL ? len : POOL;
		pool  *q   = malloc(sizeof(*q) + cap);
		if (q == NULL) {
			return NULL;
		}
		q->next  = p;
		q->used  = 0;
		q->cap   = cap;
		k->pools = p = q;
	}
	char *at = p->bytes + p->used;
	memcpy(at, key, len);
	p->used += len;
	return at;
}

keyset *
keyset_create(size_t expected)
{
	keyset *k = calloc(1, sizeof(*k));
	if (k == NULL) {
		return NULL;
	}
	k->cap = 16;
	while (k->cap < expected * 2) {
		k->cap *= 2;
	}
	k->slots = calloc(k->cap, sizeof(slot));
	if (k->slots == NULL) {
		free(k);
		return NULL;
	}
	return k;
}

void
keyset_destroy(keyset *k)
{
	if (k == NULL) {
		return;
	}
	while (k->pools != NULL) {
		pool *next = k->pools->next;
		free(k->pools);
		k->pools = next;
	}
	free(k->slots);
	free(k);
}

static bool
grow(keyset *k)
{
	size_t cap = k->cap * 2;
	slot  *s   = calloc(cap, sizeof(slot));
	if (s == NULL) {
		return false;
	}
	for (size_t i = 0; i < k->cap; i++) {
		if (k->slots[i].key == NULL) {
			continue;
		}
		size_t j = k->slots[i].hash & (cap - 1);
		while (s[j].key != NULL) {
			j = (j + 1) & (cap - 1);
		}
		s[j] = k->slots[i];
	}
	free(k->slots);
	k->slots = s;
	k->cap   = cap;
	return true;
}

int64_t
keyset_add(keyset *k, const void *key, size_t len, int64_t rec)
{
	if ((k->n + 1) * 2 > k->cap && !grow(k)) {
		return -1; /* cannot tell: the database key is the backstop */
	}
	uint64_t h = hash(key, len);
	size_t   j = h & (k->cap - 1);
	while (k->slots[j].key != NULL) {
		slot *s = &k->slots[j];
		if (s->hash == h && s->len == len
		    && memcmp(s->key, key, len) == 0) {
			return s->rec;
		}
		j = (j + 1) & (k->cap - 1);
	}
	const char *copy = keep(k, key, len);
	if (copy == NULL) {
		return -1;
	}
	k->slots[j] = (slot) { h, copy, len, rec };
	k->n++;
	return -1;
}
