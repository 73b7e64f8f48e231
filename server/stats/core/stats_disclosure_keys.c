/* SPDX-License-Identifier: MIT
 * See stats_disclosure_keys.h. Units and groups are interned (a cell
 * whose unit or group is the previous cell's, as it is for all but one
 * cell in fifteen of a year fed in key order, is not hashed), then ranked
 * by their strings, so that the integers order cells as stats_disclose's
 * string keys did.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stats_disclosure_keys.h"

/* A set of (level, string), ids in the order first seen. */
typedef struct strset {
	uint32_t    *slot; /* DISC_NONE32 or an id */
	size_t       mask;
	const char **str; /* by id */
	char        *lvl; /* by id */
	size_t       n;
} strset;

static uint64_t
str_hash(char lvl, const char *s)
{
	uint64_t h
	    = (14695981039346656037u ^ (unsigned char) lvl) * 1099511628211u;
	for (; *s != '\0'; s++) {
		h = (h ^ (unsigned char) *s) * 1099511628211u;
	}
	return h ^ (h >> 29);
}

static bool
strset_init(strset *S, size_t max)
{
	S->mask = 63;
	S->n    = 0;
	S->slot = malloc((S->mask + 1) * sizeof(*S->slot));
	S->str  = malloc((max ? max : 1) * sizeof(*S->str));
	S->lvl  = malloc(max ? max : 1);
	if (S->slot == NULL || S->str == NULL || S->lvl == NULL) {
		return false;
	}
	memset(S->slot, 0xff, (S->mask + 1) * sizeof(*S->slot));
	return true;
}

static void
strset_free(strset *S)
{
	free(S->slot);
	free(S->str);
	free(S->lvl);
}

/* strset_grow doubles the table (at half full). */
static bool
strset_grow(strset *S)
{
	size_t    cap  = 2 * (S->mask + 1);
	uint32_t *slot = malloc(cap * sizeof(*slot));
	if (slot == NULL) {
		return false;
	}
	memset(slot, 0xff, cap * sizeof(*slot));
	for (size_t id = 0; id < S->n; id++) {
		size_t h = str_hash(S->lvl[id], S->str[id]) & (cap - 1);
		while (slot[h] != DISC_NONE32) {
			h = (h + 1) & (cap - 1);
		}
		slot[h] = (uint32_t) id;
	}
	free(S->slot);
	S->slot = slot;
	S->mask = cap - 1;
	return true;
}

/* strset_id: the id of (lvl, s); a new one when add, else DISC_NONE32
 * when absent. *oom on failure. */
static uint32_t
strset_id(strset *S, char lvl, const char *s, bool add, bool *oom)
{
	size_t h = str_hash(lvl, s) & S->mask;
	for (; S->slot[h] != DISC_NONE32; h = (h + 1) & S->mask) {
		uint32_t id = S->slot[h];
		if (S->lvl[id] == lvl && strcmp(S->str[id], s) == 0) {
			return id;
		}
	}
	if (!add) {
		return DISC_NONE32;
	}
	uint32_t id = (uint32_t) S->n++;
	S->str[id]  = s;
	S->lvl[id]  = lvl;
	S->slot[h]  = id;
	if (2 * S->n > S->mask && !strset_grow(S)) {
		*oom = true;
	}
	return id;
}

static int
level_rank(char l)
{
	return l == 'n' ? 0 : l == 'd' ? 1 : 2;
}

static int
entry_cmp(const void *a, const void *b, void *ctx)
{
	const strset *S = ctx;
	uint32_t      x = *(const uint32_t *) a, y = *(const uint32_t *) b;
	int           c = level_rank(S->lvl[x]) - level_rank(S->lvl[y]);
	return c != 0 ? c : strcmp(S->str[x], S->str[y]);
}

/* strset_ranks: each id's rank by (level, string); NULL on failure. */
static uint32_t *
strset_ranks(const strset *S)
{
	uint32_t *by   = malloc((S->n ? S->n : 1) * sizeof(*by));
	uint32_t *rank = malloc((S->n ? S->n : 1) * sizeof(*rank));
	if (by == NULL || rank == NULL) {
		free(by);
		free(rank);
		return NULL;
	}
	bool sorted = true;
	for (size_t id = 0; id < S->n; id++) {
		by[id] = (uint32_t) id;
		sorted = sorted
		    && (id == 0
		        || entry_cmp(&by[id - 1], &by[id], (void *) S) < 0);
	}
	if (!sorted) {
		qsort_r(by, S->n, sizeof(*by), entry_cmp, (void *) S);
	}
	for (size_t r = 0; r < S->n; r++) {
		rank[by[r]] = (uint32_t) r;
	}
	free(by);
	return rank;
}

/* period_code: YYYY-MM-DD as YYYYMMDD; 0 when it is not one (or its
 * academic year would start before year 0). */
static uint32_t
period_code(const char *p)
{
	for (int i = 0; i < 10; i++) {
		if ((i == 4 || i == 7) ? p[i] != '-'
		                       : (p[i] < '0' || p[i] > '9')) {
			return 0;
		}
	}
	if (p[10] != '\0') {
		return 0;
	}
	uint32_t y = (uint32_t) ((p[0] - '0') * 1000 + (p[1] - '0') * 100
	                         + (p[2] - '0') * 10 + (p[3] - '0'));
	uint32_t m = (uint32_t) ((p[5] - '0') * 10 + (p[6] - '0'));
	uint32_t d = (uint32_t) ((p[8] - '0') * 10 + (p[9] - '0'));
	if (m < 1 || m > 12 || (y == 0 && m < 8)) {
		return 0;
	}
	return y * 10000 + m * 100 + d;
}

static int
order_cmp(const void *a, const void *b, void *ctx)
{
	const disc_keys *K = ctx;
	size_t           x = *(const size_t *) a, y = *(const size_t *) b;
	int              c = disc_keys_cmp(K, x, y);
	return c != 0 ? c : (x > y) - (x < y);
}

void
disc_keys_free(disc_keys *K)
{
	free(K->unit);
	free(K->local);
	free(K->district);
	free(K->order);
	free(K->sorted);
	free(K->run);
	memset(K, 0, sizeof(*K));
}

int
disc_keys_build(disc_keys *K, const stats_disc_cell *cells, size_t n,
                char *errmsg)
{
	int       rv    = TD_ENOMEM;
	strset    units = { 0 }, groups = { 0 };
	uint32_t *urank = NULL, *grank = NULL;
	bool      oom = false;
	size_t    m   = n ? n : 1;
	memset(K, 0, sizeof(*K));
	K->unit     = malloc(m * sizeof(*K->unit));
	K->local    = malloc(m * sizeof(*K->local));
	K->district = malloc(m * sizeof(*K->district));
	K->order    = malloc(m * sizeof(*K->order));
	K->sorted   = malloc(m * sizeof(*K->sorted));
	if (!K->unit || !K->local || !K->district || !K->order || !K->sorted
	    || !strset_init(&units, n) || !strset_init(&groups, n)) {
		goto out;
	}
	/* intern: units and groups (their ids for now), periods */
	const char *pu = NULL, *pg = NULL, *pp = NULL;
	char        pl  = 0;
	uint32_t    uid = 0, gid = 0, code = 0;
	for (size_t i = 0; i < n && !oom; i++) {
		const stats_disc_cell *c = &cells[i];
		const char            *u = c->level == 'n' ? "" : c->unit;
		const char            *g = c->group ? c->group : "";
		if (pu == NULL || c->level != pl
		    || (u != pu && strcmp(u, pu) != 0)) {
			uid = strset_id(&units, c->level, u, true, &oom);
			pu  = u;
			pl  = c->level;
		}
		if (pg == NULL || (g != pg && strcmp(g, pg) != 0)) {
			gid = strset_id(&groups, 'g', g, true, &oom);
			pg  = g;
		}
		if (pp == NULL || c->period == NULL
		    || (c->period != pp && strcmp(c->period, pp) != 0)) {
			code = c->period ? period_code(c->period) : 0;
			pp   = c->period;
			if (code == 0) {
				if (errmsg) {
					snprintf(errmsg, TD_ERRMSG_MAX,
					         "cell %zu: period is not "
					         "YYYY-MM-DD",
					         i + 1);
				}
				rv = TD_EINVAL;
				goto out;
			}
		}
		K->unit[i]  = uid;
		K->local[i] = disc_local(c->grain, code, gid);
	}
	if (oom) {
		goto out;
	}
	if (groups.n > 0xffffffu) {
		if (errmsg) {
			snprintf(errmsg, TD_ERRMSG_MAX,
			         "more than %u groups in one lattice",
			         0xffffffu);
		}
		rv = TD_EINVAL;
		goto out;
	}
	urank = strset_ranks(&units);
	grank = strset_ranks(&groups);
	if (urank == NULL || grank == NULL) {
		goto out;
	}
	K->n_units  = units.n;
	uint32_t id = strset_id(&units, 'n', "", false, &oom);
	K->network  = id == DISC_NONE32 ? DISC_NONE32 : urank[id];
	id          = strset_id(&groups, 'g', "", false, &oom);
	K->all      = id == DISC_NONE32 ? DISC_NONE32 : grank[id];
	/* ranks for ids; a school's district among the units */
	const char *pd  = NULL;
	uint32_t    did = DISC_NONE32;
	for (size_t i = 0; i < n; i++) {
		const stats_disc_cell *c = &cells[i];
		K->unit[i]               = urank[K->unit[i]];
		K->local[i]    = disc_local(c->grain, disc_period(K->local[i]),
		                            grank[disc_group(K->local[i])]);
		K->district[i] = DISC_NONE32;
		if (c->level != 's' || c->district == NULL) {
			continue;
		}
		if (pd == NULL
		    || (c->district != pd && strcmp(c->district, pd) != 0)) {
			id  = strset_id(&units, 'd', c->district, false, &oom);
			did = id == DISC_NONE32 ? DISC_NONE32 : urank[id];
			pd  = c->district;
		}
		K->district[i] = did;
	}
	/* key order: cells fed in it (as tandemd feeds them) need no sort */
	bool sorted = true;
	for (size_t i = 0; i < n; i++) {
		K->order[i] = i;
		sorted = sorted && (i == 0 || disc_keys_cmp(K, i - 1, i) < 0);
	}
	if (!sorted) {
		qsort_r(K->order, n, sizeof(*K->order), order_cmp, K);
	}
	K->run = calloc(K->n_units + 1, sizeof(*K->run));
	if (K->run == NULL) {
		goto out;
	}
	for (size_t k = 0; k < n; k++) {
		K->sorted[k] = K->local[K->order[k]];
		K->run[K->unit[K->order[k]] + 1]++;
	}
	for (size_t u = 0; u < K->n_units; u++) {
		K->run[u + 1] += K->run[u];
	}
	rv = TD_OK;
out:
	strset_free(&units);
	strset_free(&groups);
	free(urank);
	free(grank);
	if (rv != TD_OK) {
		disc_keys_free(K);
	}
	return rv;
}
