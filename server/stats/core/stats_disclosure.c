/* SPDX-License-Identifier: MIT
 * See stats_disclosure.h. The lattice is indexed by sorting the cells on
 * (level, unit, grain, period, group); every hierarchy becomes a list of
 * relations "aggregate = sum of parts (+ a remainder no cell releases)",
 * and the complementary rule runs over them until a pass changes nothing.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "stats_disclosure.h"
#include "stats_disclosure_keys.h"

#define NONE DISC_NONE

/* Relation kinds. Periods: a term is both its months and its weeks, two
 * different partitions, so each has its own relation. */
enum { K_UNIT, K_MONTHS, K_WEEKS, K_TERMS, K_GRADES, K_SUBGROUP };

/* A cell's parents, one per hierarchy: slot 0 school < district <
 * network, 1 week and month < term < academic year, 2 group < all. */
#define UP_UNIT   0
#define UP_PERIOD 1
#define UP_GROUP  2

/* edges_place puts every (parent, child) pair where it belongs in the
 * order of (parent, kind, child) by the cells' ranks in key order, never
 * their positions in the input, so that the choice does not depend on the
 * input's order: counted by parent, then placed kind by kind with the
 * children in key order (no sort, and no list of pairs in between: a
 * counting sort of such a list was half the memory the decision touched
 * at 10,000 schools). kid gets the children, kinds their kinds, start
 * (n + 1) where each parent rank's pairs begin; pos is scratch (n). */
static void
edges_place(const uint32_t *up, const disc_keys *K, const uint32_t *rank,
            size_t n, int group_kind, uint32_t *kid, uint8_t *kinds,
            uint32_t *start, uint32_t *pos)
{
	static const struct {
		int  slot;
		char grain; /* 0: any */
		int  kind;
	} pass[] = {
		{ UP_UNIT, 0, K_UNIT },      { UP_PERIOD, 'm', K_MONTHS },
		{ UP_PERIOD, 'w', K_WEEKS }, { UP_PERIOD, 't', K_TERMS },
		{ UP_GROUP, 0, -1 },
	};
	memset(start, 0, (n + 1) * sizeof(*start));
	for (size_t i = 0; i < 3 * n; i++) {
		if (up[i] != DISC_NONE32) {
			start[rank[up[i]] + 1]++;
		}
	}
	for (size_t r = 0; r < n; r++) {
		start[r + 1] += start[r];
	}
	memcpy(pos, start, n * sizeof(*pos));
	for (size_t q = 0; q < sizeof(pass) / sizeof(pass[0]); q++) {
		int kind = pass[q].kind < 0 ? group_kind : pass[q].kind;
		for (size_t k = 0; k < n; k++) {
			size_t   i = K->order[k];
			uint32_t p = up[3 * i + (size_t) pass[q].slot];
			if (p == DISC_NONE32
			    || (pass[q].grain
			        && disc_grain(K->local[i]) != pass[q].grain)) {
				continue;
			}
			uint32_t at = pos[rank[p]]++;
			kid[at]     = (uint32_t) i;
			kinds[at]   = (uint8_t) kind;
		}
	}
}

/* A relation: aggregate = sum of parts (+ a remainder of people no cell
 * releases: an overlapping subgroup's complement, grade-less answers). */
typedef struct rel {
	uint32_t agg, first, count; /* parts: kid[first .. first + count) */
	bool   union_max; /* periods: the parts are largely the same people */
	double remainder;
} rel;

/* The passes read people and states from arrays of their own (not from
 * the callers' cells, 72 bytes apart) and indices are 32 bits: what the
 * passes walk then stays in the caches. */
typedef struct lattice {
	size_t           n;
	const double    *people;
	uint8_t         *state;
	const size_t    *order; /* cells in key order */
	const disc_keys *keys;
	const uint32_t  *kid; /* the relations' parts */
	const rel       *rels;
	size_t           n_rels;
	uint32_t        *member_of; /* relations of each cell (CSR) */
	uint32_t        *member_at; /* n + 1 offsets */
	bool            *known; /* released, or derivable from released */
	bool            *touched; /* hidden in this pass: what is known
	                           * around it must be worked out again */
	uint32_t *derived_from; /* relation that gave it away */
	uint32_t *unk, *queue;
} lattice;

static bool
is_hidden(const lattice *L, size_t c)
{
	return L->state[c] != STATS_DISC_RELEASED;
}

static bool
better_pick(const lattice *L, size_t cand, size_t best)
{
	if (best == NONE || L->people[cand] < L->people[best]) {
		return true;
	}
	if (L->people[cand] == L->people[best]) {
		return disc_keys_cmp(L->keys, cand, best) < 0;
	}
	return false;
}

/* hide_one hides the released part of r with the smallest people (ties by
 * key), else r's aggregate if it is released; false when neither is. */
static bool
hide_one(lattice *L, const rel *r, stats_disc_summary *sum)
{
	size_t best = NONE;
	for (size_t j = 0; j < r->count; j++) {
		size_t c = L->kid[r->first + j];
		if (!is_hidden(L, c) && better_pick(L, c, best)) {
			best = c;
		}
	}
	if (best == NONE && !is_hidden(L, r->agg)) {
		best = r->agg;
	}
	if (best == NONE) {
		return false;
	}
	L->state[best]   = STATS_DISC_COMPLEMENTARY;
	L->touched[best] = true;
	sum->complementary++;
	return true;
}

/* peel marks what an attacker knows: released cells, then any member of a
 * relation whose other members are all known (one equation, one
 * unknown), until nothing more follows. */
static void
peel(lattice *L)
{
	size_t head = 0, tail = 0;
	for (size_t i = 0; i < L->n; i++) {
		L->known[i]        = !is_hidden(L, i);
		L->derived_from[i] = DISC_NONE32;
	}
	for (size_t r = 0; r < L->n_rels; r++) {
		const rel *R = &L->rels[r];
		uint32_t   u = !L->known[R->agg] + (R->remainder > 0.5);
		for (size_t j = 0; j < R->count; j++) {
			u += !L->known[L->kid[R->first + j]];
		}
		L->unk[r] = u;
		if (u == 1) {
			L->queue[tail++] = (uint32_t) r;
		}
	}
	while (head < tail) {
		size_t     r = L->queue[head++];
		const rel *R = &L->rels[r];
		if (L->unk[r] != 1) {
			continue;
		}
		size_t x = L->known[R->agg] ? NONE : R->agg;
		for (size_t j = 0; x == NONE && j < R->count; j++) {
			size_t c = L->kid[R->first + j];
			x        = L->known[c] ? NONE : c;
		}
		if (x == NONE) {
			continue; /* the unknown is the remainder */
		}
		L->known[x]        = true;
		L->derived_from[x] = (uint32_t) r;
		for (size_t k = L->member_at[x]; k < L->member_at[x + 1];
		     k++) {
			uint32_t r2 = L->member_of[k];
			if (--L->unk[r2] == 1 && tail < L->n_rels) {
				L->queue[tail++] = r2;
			}
		}
	}
}

/* protect makes relation R stop giving something away, hiding as little
 * as it can: a hidden member (other than except) that follows from
 * elsewhere protects nothing, so that derivation is broken first; else the
 * smallest released part goes, else the aggregate, else the aggregate's
 * own derivation is broken. */
static bool
touched(const lattice *L, const rel *R)
{
	bool t = L->touched[R->agg];
	for (size_t j = 0; !t && j < R->count; j++) {
		t = L->touched[L->kid[R->first + j]];
	}
	return t;
}

static bool
protect(lattice *L, const rel *R, size_t except, stats_disc_summary *sum,
        int depth)
{
	size_t derived = NONE;
	if (touched(L, R)) {
		return false; /* stale: next pass */
	}
	for (size_t j = 0; j <= R->count; j++) {
		size_t c = j < R->count ? L->kid[R->first + j] : R->agg;
		if (c != except && is_hidden(L, c) && L->known[c]
		    && L->derived_from[c] != DISC_NONE32
		    && &L->rels[L->derived_from[c]] != R
		    && better_pick(L, c, derived)) {
			derived = c;
		}
	}
	if (derived != NONE && depth < 8) {
		const rel *D = &L->rels[L->derived_from[derived]];
		if (touched(L, D)) {
			return false; /* what D gives away changed: next pass
			               */
		}
		if (protect(L, D, derived, sum, depth + 1)) {
			return true;
		}
	}
	if (hide_one(L, R, sum)) {
		return true;
	}
	if (L->derived_from[R->agg] != DISC_NONE32 && depth < 8
	    && &L->rels[L->derived_from[R->agg]] != R) {
		return protect(L, &L->rels[L->derived_from[R->agg]], R->agg,
		               sum, depth + 1);
	}
	return false;
}

/* fix_pass hides cells wherever a known total leaves its unknown parts
 * covering fewer than min_n people, or a primary cell can be derived.
 * Returns true when it hid something. */
static bool
fix_pass(lattice *L, double min_n, stats_disc_summary *sum)
{
	bool changed = false;
	memset(L->touched, 0, L->n * sizeof(*L->touched));
	for (size_t r = 0; r < L->n_rels; r++) {
		const rel *R = &L->rels[r];
		if (!L->known[R->agg]) {
			continue;
		}
		double cover = 0;
		bool   any   = false;
		if (R->remainder > 0.5) {
			any   = true;
			cover = R->remainder;
		}
		for (size_t j = 0; j < R->count; j++) {
			size_t c = L->kid[R->first + j];
			if (!L->known[c]) {
				double p = L->people[c];
				any      = true;
				cover    = R->union_max ? fmax(cover, p)
				                        : cover + p;
			}
		}
		/* several changes per pass, but none next to another: what
		 * is known around a hidden cell is worked out again first */
		if (any && cover < min_n && !touched(L, R)
		    && protect(L, R, NONE, sum, 0)) {
			changed = true;
		}
	}
	for (size_t k = 0; k < L->n; k++) {
		size_t i = L->order[k];
		if (L->state[i] == STATS_DISC_PRIMARY && L->known[i]
		    && L->derived_from[i] != DISC_NONE32
		    && protect(L, &L->rels[L->derived_from[i]], i, sum, 0)) {
			changed = true;
		}
	}
	return changed;
}

/* month_minimum: a term's or year's people is the smallest n among its
 * months (ANALYSES.md: never an average). */
static void
month_minimum(stats_disc_cell *cells, size_t n, const disc_keys *K)
{
	for (size_t i = 0; i < n; i++) {
		stats_disc_cell *c = &cells[i];
		if (c->grain == 't' || c->grain == 'y') {
			c->people = NAN;
		}
	}
	for (size_t i = 0; i < n; i++) {
		stats_disc_cell *c = &cells[i];
		if (c->grain != 'm') {
			continue;
		}
		uint32_t p = disc_period(K->local[i]),
		         g = disc_group(K->local[i]);
		size_t t   = disc_keys_find(
		      K, K->unit[i], disc_local('t', disc_period_up(p, 't'), g));
		size_t y = disc_keys_find(
		    K, K->unit[i], disc_local('y', disc_period_up(p, 'y'), g));
		if (t != NONE && !(cells[t].people <= c->n)) {
			cells[t].people = c->n;
		}
		if (y != NONE && !(cells[y].people <= c->n)) {
			cells[y].people = c->n;
		}
	}
	for (size_t i = 0; i < n; i++) {
		if (isnan(cells[i].people)) {
			cells[i].people = cells[i].n;
		}
	}
}

int
stats_disclose(stats_disc_cell *cells, size_t n, const stats_disc_opts *opt,
               stats_disc_summary *sum, char *errmsg)
{
	int       rv = TD_ENOMEM;
	uint32_t *up = NULL, *start = NULL;
	uint8_t  *kinds = NULL;
	size_t    nr    = 0;
	rel      *rels  = NULL;
	uint32_t *kid = NULL, *at = NULL, *fill = NULL, *of = NULL,
	         *from = NULL, *unk = NULL, *queue = NULL;
	bool            *known = NULL, *touch = NULL;
	double          *people = NULL;
	uint8_t         *state  = NULL;
	disc_keys        keys   = { 0 };
	const disc_keys *K      = &keys;

	memset(sum, 0, sizeof(*sum));
	if (n > UINT32_MAX / 8) {
		if (errmsg) {
			snprintf(errmsg, TD_ERRMSG_MAX,
			         "%zu cells: more than one lattice may have",
			         n);
		}
		return TD_EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		const stats_disc_cell *c = &cells[i];
		if (!strchr("sdn", c->level) || c->level == '\0'
		    || !strchr("wmty", c->grain) || c->grain == '\0'
		    || (c->level != 'n' && c->unit == NULL) || !(c->n >= 0)) {
			if (errmsg) {
				snprintf(
				    errmsg, TD_ERRMSG_MAX,
				    "cell %zu: bad level, grain, unit or n",
				    i + 1);
			}
			return TD_EINVAL;
		}
	}
	rv = disc_keys_build(&keys, cells, n, errmsg);
	if (rv != TD_OK) {
		return rv;
	}
	rv       = TD_ENOMEM;
	size_t m = n ? n : 1;
	up       = malloc(3 * m * sizeof(*up));
	start    = malloc((m + 1) * sizeof(*start));
	kinds    = malloc(3 * m * sizeof(*kinds));
	kid      = malloc(3 * m * sizeof(*kid));
	rels     = malloc(3 * m * sizeof(*rels));
	at       = calloc(m + 1, sizeof(*at));
	fill     = malloc(m * sizeof(*fill));
	of       = malloc(6 * m * sizeof(*of));
	known    = malloc(m * sizeof(*known));
	touch    = malloc(m * sizeof(*touch));
	from     = malloc(m * sizeof(*from));
	unk      = malloc(3 * m * sizeof(*unk));
	queue    = malloc(3 * m * sizeof(*queue));
	people   = malloc(m * sizeof(*people));
	state    = malloc(m * sizeof(*state));
	if (!up || !start || !kinds || !kid || !rels || !at || !fill || !of
	    || !known || !touch || !from || !unk || !queue || !people
	    || !state) {
		goto out;
	}
	const size_t *order = K->order;
	for (size_t i = 0; i < n; i++) {
		cells[i].people = cells[i].n;
	}
	if (opt->n_per_month) {
		month_minimum(cells, n, K);
	}

	for (size_t k = 0; k < n; k++) {
		fill[order[k]] = (uint32_t) k; /* rank of each cell */
		people[k]      = cells[k].people;
	}
	/* Each cell's parents. */
	for (size_t k = 0; k < n; k++) {
		uint32_t               i  = (uint32_t) order[k];
		const stats_disc_cell *c  = &cells[i];
		uint32_t               u  = K->unit[i];
		uint64_t               lk = K->local[i];
		uint32_t p0 = disc_period(lk), g = disc_group(lk);
		size_t   p;
		/* school < district < network */
		p = c->level == 's'   ? disc_keys_find(K, K->district[i], lk)
		    : c->level == 'd' ? disc_keys_find(K, K->network, lk)
		                      : NONE;
		up[3 * (size_t) i + UP_UNIT]
		    = p == NONE ? DISC_NONE32 : (uint32_t) p;
		/* week and month < term < academic year */
		if (c->grain == 'm' || c->grain == 'w') {
			p = disc_keys_find(
			    K, u, disc_local('t', disc_period_up(p0, 't'), g));
		} else if (c->grain == 't') {
			p = disc_keys_find(
			    K, u, disc_local('y', disc_period_up(p0, 'y'), g));
		} else {
			p = NONE;
		}
		up[3 * (size_t) i + UP_PERIOD]
		    = p == NONE ? DISC_NONE32 : (uint32_t) p;
		/* group < all students */
		p = K->all != DISC_NONE32 && g != K->all
		    ? disc_keys_find(K, u, disc_local(c->grain, p0, K->all))
		    : NONE;
		up[3 * (size_t) i + UP_GROUP]
		    = p == NONE ? DISC_NONE32 : (uint32_t) p;
	}
	edges_place(up, K, fill, n,
	            opt->groups_partition ? K_GRADES : K_SUBGROUP, kid, kinds,
	            start, at);

	/* relations from runs of edges with one parent and kind */
	for (size_t r = 0; r < n; r++) {
		for (size_t a = start[r]; a < start[r + 1];) {
			size_t b = a + 1;
			while (
			    b < start[r + 1] && kinds[b] == kinds[a]
			    && (kinds[a] != K_SUBGROUP || kid[b] == kid[a])) {
				b++;
			}
			rel *R       = &rels[nr++];
			R->agg       = (uint32_t) order[r];
			R->first     = (uint32_t) a;
			R->count     = (uint32_t) (b - a);
			R->union_max = kinds[a] == K_MONTHS
			    || kinds[a] == K_WEEKS || kinds[a] == K_TERMS;
			R->remainder = 0;
			if (kinds[a] == K_GRADES || kinds[a] == K_SUBGROUP) {
				double parts = 0;
				for (size_t j = a; j < b; j++) {
					parts += people[kid[j]];
				}
				R->remainder = fmax(0, people[R->agg] - parts);
			}
			a = b;
		}
	}
	memset(at, 0, (n + 1) * sizeof(*at));
	/* each cell's relations, as aggregate or part */
	for (size_t r = 0; r < nr; r++) {
		at[rels[r].agg + 1]++;
		for (size_t j = 0; j < rels[r].count; j++) {
			at[kid[rels[r].first + j] + 1]++;
		}
	}
	for (size_t i = 0; i < n; i++) {
		at[i + 1] += at[i];
	}
	memcpy(fill, at, n * sizeof(*fill));
	for (size_t r = 0; r < nr; r++) {
		of[fill[rels[r].agg]++] = (uint32_t) r;
		for (size_t j = 0; j < rels[r].count; j++) {
			of[fill[kid[rels[r].first + j]]++] = (uint32_t) r;
		}
	}

	for (size_t i = 0; i < n; i++) {
		if (people[i] < opt->min_n) {
			state[i] = STATS_DISC_PRIMARY;
			sum->primary++;
		} else {
			state[i] = STATS_DISC_RELEASED;
		}
	}
	lattice L = { n,  people, state, order, K,    kid, rels, nr,
		      of, at,     known, touch, from, unk, queue };
	do {
		sum->passes++;
		peel(&L);
	} while (fix_pass(&L, opt->min_n, sum));
	for (size_t i = 0; i < n; i++) {
		cells[i].state = state[i];
	}
	rv = TD_OK;
out:
	disc_keys_free(&keys);
	free(up);
	free(start);
	free(kinds);
	free(kid);
	free(rels);
	free(at);
	free(fill);
	free(of);
	free(known);
	free(touch);
	free(from);
	free(unk);
	free(queue);
	free(people);
	free(state);
	return rv;
}
