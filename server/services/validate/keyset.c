/* SPDX-License-Identifier: MIT
 * keyset: the set of keys one batch has seen, to report a duplicate inside
 * the batch with the record that had the key first.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "keyset.h"

/* Open addressing over FNV-1a hashes. */

typedef struct slot {
	uint64_t hash;
	char    *key;
	size_t   len;
	int64_t  rec;
} slot;

struct keyset {
	slot  *slots;
	size_t cap, n;
};

static uint64_t
fnv1a(const void *p, size_t n)
{
	const unsigned char *b = p;
	uint64_t             h = 1469598103934665603ull;
	for (size_t i = 0; i < n; i++) {
		h = (h ^ b[i]) * 1099511628211ull;
	}
	return h;
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
	for (size_t i = 0; i < k->cap; i++) {
		free(k->slots[i].key);
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
	uint64_t h = fnv1a(key, len);
	size_t   j = h & (k->cap - 1);
	while (k->slots[j].key != NULL) {
		slot *s = &k->slots[j];
		if (s->hash == h && s->len == len
		    && memcmp(s->key, key, len) == 0) {
			return s->rec;
		}
		j = (j + 1) & (k->cap - 1);
	}
	char *copy = malloc(len ? len : 1);
	if (copy == NULL) {
		return -1;
	}
	memcpy(copy, key, len);
	k->slots[j] = (slot) { h, copy, len, rec };
	k->n++;
	return -1;
}
