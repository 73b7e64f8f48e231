/* SPDX-License-Identifier: MIT
 * See answers.h. One table for the process: a hash of keys to packed
 * replies, a least-recently-used list, a byte budget, and the data
 * version every entry was computed under. When the version moves, every
 * entry is stale at once, so the table is emptied rather than checked
 * entry by entry.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "answers.h"
#include "store/store.h"

#define BUCKETS 4096

typedef struct entry {
	struct entry *next; /* bucket chain */
	struct entry *prev_lru, *next_lru; /* head = most recent */
	uint64_t      hash;
	size_t        key_len, reply_len, bytes;
	int64_t       records;
	char         *note; /* the audit row's detail */
	uint8_t      *key; /* key_len bytes, then reply_len bytes */
} entry;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static entry          *buckets[BUCKETS];
static entry          *lru_head, *lru_tail;
static size_t          used, budget, n_entries;
static uint64_t        version; /* of every entry held */
static uint64_t        hits, misses;

void
answers_init(size_t budget_bytes)
{
	pthread_mutex_lock(&mu);
	budget = budget_bytes;
	pthread_mutex_unlock(&mu);
}

static uint64_t
fnv1a(const uint8_t *p, size_t n)
{
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < n; i++) {
		h = (h ^ p[i]) * 1099511628211ULL;
	}
	return h;
}

static void
lru_unlink(entry *e)
{
	if (e->prev_lru) {
		e->prev_lru->next_lru = e->next_lru;
	} else {
		lru_head = e->next_lru;
	}
	if (e->next_lru) {
		e->next_lru->prev_lru = e->prev_lru;
	} else {
		lru_tail = e->prev_lru;
	}
	e->prev_lru = e->next_lru = NULL;
}

static void
lru_front(entry *e)
{
	e->next_lru = lru_head;
	e->prev_lru = NULL;
	if (lru_head) {
		lru_head->prev_lru = e;
	}
	lru_head = e;
	if (lru_tail == NULL) {
		lru_tail = e;
	}
}

/* drop removes e from its bucket and the list and frees it; under mu. */
static void
drop(entry *e)
{
	entry **pp = &buckets[e->hash % BUCKETS];
	while (*pp != e) {
		pp = &(*pp)->next;
	}
	*pp = e->next;
	lru_unlink(e);
	used -= e->bytes;
	n_entries--;
	free(e->key);
	free(e->note);
	free(e);
}

/* at_version empties the table when v is not the version its entries
 * were computed under; under mu. */
static void
at_version(uint64_t v)
{
	if (v == version) {
		return;
	}
	while (lru_head != NULL) {
		drop(lru_head);
	}
	version = v;
}

static entry *
find(const uint8_t *key, size_t len, uint64_t h)
{
	for (entry *e = buckets[h % BUCKETS]; e != NULL; e = e->next) {
		if (e->hash == h && e->key_len == len
		    && memcmp(e->key, key, len) == 0) {
			return e;
		}
	}
	return NULL;
}

bool
answers_get(const uint8_t *key, size_t key_len, uint64_t v, rpc_arena *arena,
            uint8_t **reply, size_t *reply_len, int64_t *records, char *note,
            size_t note_cap, bool count_miss)
{
	uint64_t h   = fnv1a(key, key_len);
	bool     hit = false;
	pthread_mutex_lock(&mu);
	if (budget == 0) {
		pthread_mutex_unlock(&mu);
		return false;
	}
	at_version(v);
	entry *e = find(key, key_len, h);
	if (e != NULL) {
		*reply
		    = rpc_arena_alloc(arena, e->reply_len ? e->reply_len : 1);
		if (*reply != NULL) {
			memcpy(*reply, e->key + e->key_len, e->reply_len);
			*reply_len = e->reply_len;
			*records   = e->records;
			snprintf(note, note_cap, "%s", e->note ? e->note : "");
			lru_unlink(e);
			lru_front(e);
			hit = true;
		}
	}
	hits += hit;
	misses += !hit && count_miss;
	pthread_mutex_unlock(&mu);
	return hit;
}

void
answers_put(const uint8_t *key, size_t key_len, uint64_t v,
            const uint8_t *reply, size_t reply_len, int64_t records,
            const char *note)
{
	size_t bytes = sizeof(entry) + key_len + reply_len + strlen(note) + 1;
	pthread_mutex_lock(&mu);
	/* One answer may take an eighth of the budget: a huge reply would
	 * push out many small ones for one asker. Computed under a version
	 * that has moved since: it may describe old data. */
	if (budget == 0 || bytes > budget / 8 || v != store_data_version()) {
		pthread_mutex_unlock(&mu);
		return;
	}
	at_version(v);
	uint64_t h = fnv1a(key, key_len);
	if (find(key, key_len, h) != NULL) {
		pthread_mutex_unlock(&mu);
		return; /* another worker answered it first */
	}
	while (lru_tail != NULL && used + bytes > budget) {
		drop(lru_tail);
	}
	entry *e = calloc(1, sizeof(*e));
	if (e != NULL) {
		e->key  = malloc(key_len + reply_len);
		e->note = strdup(note);
	}
	if (e == NULL || e->key == NULL || e->note == NULL) {
		if (e != NULL) {
			free(e->key);
			free(e->note);
			free(e);
		}
		pthread_mutex_unlock(&mu);
		return;
	}
	memcpy(e->key, key, key_len);
	memcpy(e->key + key_len, reply, reply_len);
	e->key_len           = key_len;
	e->reply_len         = reply_len;
	e->hash              = h;
	e->records           = records;
	e->bytes             = bytes;
	e->next              = buckets[h % BUCKETS];
	buckets[h % BUCKETS] = e;
	lru_front(e);
	used += bytes;
	n_entries++;
	pthread_mutex_unlock(&mu);
}

void
answers_stats(answers_counts *out)
{
	pthread_mutex_lock(&mu);
	out->entries = n_entries;
	out->bytes   = used;
	out->budget  = budget;
	out->hits    = hits;
	out->misses  = misses;
	pthread_mutex_unlock(&mu);
}

void
answers_clear(void)
{
	pthread_mutex_lock(&mu);
	while (lru_head != NULL) {
		drop(lru_head);
	}
	pthread_mutex_unlock(&mu);
}
