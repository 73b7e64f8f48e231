/* SPDX-License-Identifier: MIT
 * Statistics kept per data version (kept.h): a small table of entries,
 * each referenced while a call uses it; an entry replaced or evicted
 * while in use is freed by its last release.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "kept.h"
#include "store/store.h"

#define KEPT_MAX 16

struct kept {
	char    *key;
	uint64_t version;
	void    *obj;
	void (*free_fn)(void *);
	uint64_t used; /* tick of the last get or put */
	size_t   refs; /* under mu */
	bool     cached;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static kept           *table[KEPT_MAX];
static uint64_t        tick;

static void
entry_free(kept *e)
{
	if (e != NULL) {
		e->free_fn(e->obj);
		free(e->key);
		free(e);
	}
}

/* drop takes e out of the table (under mu); the entry to free, if no call
 * uses it. */
static kept *
drop(size_t i)
{
	kept *e   = table[i];
	table[i]  = NULL;
	e->cached = false;
	return e->refs == 0 ? e : NULL;
}

const void *
kept_get(const char *key, uint64_t v, kept **ref)
{
	kept *e = NULL;
	pthread_mutex_lock(&mu);
	for (size_t i = 0; i < KEPT_MAX && e == NULL; i++) {
		if (table[i] != NULL && table[i]->version == v
		    && strcmp(table[i]->key, key) == 0) {
			e       = table[i];
			e->used = ++tick;
			e->refs++;
		}
	}
	pthread_mutex_unlock(&mu);
	*ref = e;
	return e != NULL ? e->obj : NULL;
}

const void *
kept_put(const char *key, uint64_t v, void *obj, void (*free_fn)(void *),
         kept **ref)
{
	kept *e = calloc(1, sizeof(*e)), *gone[KEPT_MAX + 1] = { NULL };
	*ref = NULL;
	if (e == NULL || (e->key = strdup(key)) == NULL) {
		free(e);
		free_fn(obj);
		return NULL;
	}
	e->version = v;
	e->obj     = obj;
	e->free_fn = free_fn;
	e->refs    = 1;
	size_t ng  = 0;
	pthread_mutex_lock(&mu);
	if (v == store_data_version()) {
		size_t slot = KEPT_MAX;
		for (size_t i = 0; i < KEPT_MAX; i++) {
			/* the same key, or anything of an older version */
			if (table[i] != NULL
			    && (table[i]->version != v
			        || strcmp(table[i]->key, key) == 0)) {
				gone[ng++] = drop(i);
			}
			if (table[i] == NULL && slot == KEPT_MAX) {
				slot = i;
			}
		}
		if (slot == KEPT_MAX) { /* full: the least recently used */
			slot = 0;
			for (size_t i = 1; i < KEPT_MAX; i++) {
				slot = table[i]->used < table[slot]->used
				    ? i
				    : slot;
			}
		}
		if (table[slot] != NULL) {
			gone[ng++] = drop(slot);
		}
		table[slot] = e;
		e->cached   = true;
		e->used     = ++tick;
	}
	pthread_mutex_unlock(&mu);
	for (size_t i = 0; i < ng; i++) {
		entry_free(gone[i]);
	}
	*ref = e;
	return obj;
}

void
kept_release(kept *e)
{
	if (e == NULL) {
		return;
	}
	pthread_mutex_lock(&mu);
	bool gone = --e->refs == 0 && !e->cached;
	pthread_mutex_unlock(&mu);
	if (gone) {
		entry_free(e);
	}
}
