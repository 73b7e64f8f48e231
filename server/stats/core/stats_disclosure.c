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

#define NONE ((size_t) -1)

/* Relation kinds. Periods: a term is both its months and its weeks, two
 * different partitions, so each has its own relation. */
enum { K_UNIT, K_MONTHS, K_WEEKS, K_TERMS, K_GRADES, K_SUBGROUP };

typedef struct key {
	char        level;
	const char *unit;
	char        grain;
	const char *period;
	const char *group;
} key;

typedef struct edge {
	size_t parent, child;
	int    kind;
} edge;

static int
level_rank(char l)
{
	return l == 'n' ? 0 : l == 'd' ? 1 : 2;
}

static int
key_cmp(const key *a, const key *b)
{
	int c = level_rank(a->level) - level_rank(b->level);
	if (c == 0 && a->level != 'n') {
		c = strcmp(a->unit, b->unit);
	}
	if (c == 0) {
		c = a->grain - b->grain;
	}
	if (c == 0) {
		c = strcmp(a->period, b->period);
	}
	return c != 0 ? c : strcmp(a->group, b->group);
}

static key
cell_key(const stats_disc_cell *c)
{
	key k = { c->level, c->unit ? c->unit : "", c->grain,
		  c->period ? c->period : "", c->group ? c->group : "" };
	return k;
}

static int
idx_cmp(const void *a, const void *b, void *ctx)
{
	const stats_disc_cell *cells = ctx;
	key                    ka    = cell_key(&cells[*(const size_t *) a]);
	key                    kb    = cell_key(&cells[*(const size_t *) b]);
	return key_cmp(&ka, &kb);
}

/* edges_sort puts edges made in their children's key order into the
 * order of (parent, kind, child) by the cells' ranks in key order, never
 * their positions in the input, so that the choice does not depend on the
 * input's order: a stable counting sort by kind, then by the parent's
 * rank (a qsort_r comparing those took a fifth of deciding 153,015
 * cells). */
static bool
edges_sort(edge *e, size_t ne, const size_t *rank, size_t n)
{
	edge   *tmp = malloc((ne ? ne : 1) * sizeof(*tmp));
	size_t *at  = calloc(n + 7, sizeof(*at));
	if (tmp == NULL || at == NULL) {
		free(tmp);
		free(at);
		return false;
	}
	for (size_t j = 0; j < ne; j++) {
		at[e[j].kind + 1]++;
	}
	for (size_t k = 0; k < 6; k++) {
		at[k + 1] += at[k];
	}
	for (size_t j = 0; j < ne; j++) {
		tmp[at[e[j].kind]++] = e[j];
	}
	memset(at, 0, (n + 7) * sizeof(*at));
	for (size_t j = 0; j < ne; j++) {
		at[rank[tmp[j].parent] + 1]++;
	}
	for (size_t k = 0; k < n; k++) {
		at[k + 1] += at[k];
	}
	for (size_t j = 0; j < ne; j++) {
		e[at[rank[tmp[j].parent]]++] = tmp[j];
	}
	free(tmp);
	free(at);
	return true;
}

/* period_parent writes the start of the term (to 't') or academic year
 * (to 'y') holding the period that starts on p. Terms: Aug-Dec, Jan-Jul. */
static bool
period_parent(const char *p, char to, char *out)
{
	/* By hand, not sscanf/snprintf: it runs for every cell of the
	 * lattice (a sixth of deciding 918,090 cells at 10,000 schools). */
	for (int i = 0; p != NULL && i < 10; i++) {
		if ((i == 4 || i == 7) ? p[i] != '-'
		                       : (p[i] < '0' || p[i] > '9')) {
			return false;
		}
	}
	if (p == NULL) {
		return false;
	}
	int y = (p[0] - '0') * 1000 + (p[1] - '0') * 100 + (p[2] - '0') * 10
	    + (p[3] - '0');
	int m = (p[5] - '0') * 10 + (p[6] - '0');
	if (m < 1 || m > 12) {
		return false;
	}
	if (to == 't') {
		m = m >= 8 ? 8 : 1;
	} else {
		y = m >= 8 ? y : y - 1;
		m = 8;
	}
	if (y < 0) {
		return false;
	}
	common_date_write(common_days_from_civil(y, m, 1), out);
	return true;
}

/* The cells by key: a hash table (open addressing, twice the cells or
 * more) instead of a binary search of the sorted cells for every parent
 * (three to five per cell: half of deciding 153,015 cells of one year at
 * 10,000 schools went to those searches' strcmp). The network's key has
 * no unit, as in key_cmp. */
typedef struct cell_index {
	size_t                *slot; /* NONE or a cell */
	size_t                 mask;
	const stats_disc_cell *cells;
} cell_index;

static uint64_t
mix(uint64_t h, const char *s)
{
	for (; *s != '\0'; s++) {
		h = (h ^ (unsigned char) *s) * 1099511628211u;
	}
	return (h ^ 0xff) * 1099511628211u; /* a separator */
}

static size_t
key_hash(const key *k)
{
	uint64_t h = 14695981039346656037u;
	h          = (h ^ (unsigned char) k->level) * 1099511628211u;
	h          = (h ^ (unsigned char) k->grain) * 1099511628211u;
	if (k->level != 'n') {
		h = mix(h, k->unit);
	}
	h = mix(mix(h, k->period), k->group);
	return (size_t) (h ^ (h >> 29));
}

static bool
index_build(cell_index *ix, const stats_disc_cell *cells, size_t n,
            const size_t *order)
{
	size_t cap = 16;
	while (cap < 2 * n) {
		cap <<= 1;
	}
	ix->slot  = malloc(cap * sizeof(*ix->slot));
	ix->mask  = cap - 1;
	ix->cells = cells;
	if (ix->slot == NULL) {
		return false;
	}
	memset(ix->slot, 0xff, cap * sizeof(*ix->slot)); /* NONE */
	/* in key order: of two cells with one key, the first is found */
	for (size_t j = 0; j < n; j++) {
		key    k = cell_key(&cells[order[j]]);
		size_t h = key_hash(&k) & ix->mask;
		while (ix->slot[h] != NONE) {
			key o = cell_key(&cells[ix->slot[h]]);
			if (key_cmp(&o, &k) == 0) {
				break;
			}
			h = (h + 1) & ix->mask;
		}
		if (ix->slot[h] == NONE) {
			ix->slot[h] = order[j];
		}
	}
	return true;
}

static size_t
index_find(const cell_index *ix, const key *k)
{
	for (size_t h = key_hash(k) & ix->mask; ix->slot[h] != NONE;
	     h        = (h + 1) & ix->mask) {
		key o = cell_key(&ix->cells[ix->slot[h]]);
		if (key_cmp(&o, k) == 0) {
			return ix->slot[h];
		}
	}
	return NONE;
}

/* A cell with the same coordinates as c but one level up a hierarchy. */
static size_t
up(const cell_index *ix, const stats_disc_cell *c, char level,
   const char *unit, char grain, const char *period, const char *group)
{
	key k = { level, unit, grain, period, group };
	(void) c;
	return index_find(ix, &k);
}

static bool
is_hidden(const stats_disc_cell *c)
{
	return c->state != STATS_DISC_RELEASED;
}

/* A relation: aggregate = sum of parts (+ a remainder of people no cell
 * releases: an overlapping subgroup's complement, grade-less answers). */
typedef struct rel {
	size_t agg, first, count;
	double remainder;
	bool   union_max; /* periods: the parts are largely the same people */
} rel;

typedef struct lattice {
	stats_disc_cell *cells;
	size_t           n;
	const size_t    *order; /* cells in key order */
	const edge      *edges;
	rel             *rels;
	size_t           n_rels;
	size_t          *member_of; /* relations of each cell (CSR) */
	size_t          *member_at; /* n + 1 offsets */
	bool            *known; /* released, or derivable from released */
	bool            *touched; /* hidden in this pass: what is known
	                           * around it must be worked out again */
	size_t *derived_from; /* relation that gave it away */
	size_t *unk, *queue;
} lattice;

static bool
better_pick(const stats_disc_cell *cells, size_t cand, size_t best)
{
	if (best == NONE || cells[cand].people < cells[best].people) {
		return true;
	}
	if (cells[cand].people == cells[best].people) {
		key a = cell_key(&cells[cand]), b = cell_key(&cells[best]);
		return key_cmp(&a, &b) < 0;
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
		size_t c = L->edges[r->first + j].child;
		if (!is_hidden(&L->cells[c])
		    && better_pick(L->cells, c, best)) {
			best = c;
		}
	}
	if (best == NONE && !is_hidden(&L->cells[r->agg])) {
		best = r->agg;
	}
	if (best == NONE) {
		return false;
	}
	L->cells[best].state = STATS_DISC_COMPLEMENTARY;
	L->touched[best]     = true;
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
		L->known[i]        = !is_hidden(&L->cells[i]);
		L->derived_from[i] = NONE;
	}
	for (size_t r = 0; r < L->n_rels; r++) {
		const rel *R = &L->rels[r];
		size_t     u = !L->known[R->agg] + (R->remainder > 0.5);
		for (size_t j = 0; j < R->count; j++) {
			u += !L->known[L->edges[R->first + j].child];
		}
		L->unk[r] = u;
		if (u == 1) {
			L->queue[tail++] = r;
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
			size_t c = L->edges[R->first + j].child;
			x        = L->known[c] ? NONE : c;
		}
		if (x == NONE) {
			continue; /* the unknown is the remainder */
		}
		L->known[x]        = true;
		L->derived_from[x] = r;
		for (size_t k = L->member_at[x]; k < L->member_at[x + 1];
		     k++) {
			size_t r2 = L->member_of[k];
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
		t = L->touched[L->edges[R->first + j].child];
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
		size_t c
		    = j < R->count ? L->edges[R->first + j].child : R->agg;
		if (c != except && is_hidden(&L->cells[c]) && L->known[c]
		    && L->derived_from[c] != NONE
		    && &L->rels[L->derived_from[c]] != R
		    && better_pick(L->cells, c, derived)) {
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
	if (L->derived_from[R->agg] != NONE && depth < 8
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
			size_t c = L->edges[R->first + j].child;
			if (!L->known[c]) {
				double p = L->cells[c].people;
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
		if (L->cells[i].state == STATS_DISC_PRIMARY && L->known[i]
		    && L->derived_from[i] != NONE
		    && protect(L, &L->rels[L->derived_from[i]], i, sum, 0)) {
			changed = true;
		}
	}
	return changed;
}

/* month_minimum: a term's or year's people is the smallest n among its
 * months (ANALYSES.md: never an average). */
static void
month_minimum(stats_disc_cell *cells, size_t n, const cell_index *ix,
              char (*tp)[11], char (*yp)[11])
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
		size_t t = up(ix, c, c->level, c->unit, 't', tp[i], c->group);
		size_t y = up(ix, c, c->level, c->unit, 'y', yp[i], c->group);
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
	int     rv    = TD_ENOMEM;
	size_t *order = NULL;
	edge   *edges = NULL;
	char(*tp)[11] = NULL, (*yp)[11] = NULL;
	size_t  ne = 0, nr = 0;
	rel    *rels = NULL;
	size_t *at = NULL, *fill = NULL, *of = NULL, *from = NULL, *unk = NULL,
	       *queue     = NULL;
	bool       *known = NULL, *touch = NULL;
	cell_index  index = { NULL, 0, cells };
	cell_index *ix    = &index;

	memset(sum, 0, sizeof(*sum));
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
	size_t m = n ? n : 1;
	order    = malloc(m * sizeof(*order));
	edges    = malloc(3 * m * sizeof(*edges));
	tp       = malloc(m * sizeof(*tp));
	yp       = malloc(m * sizeof(*yp));
	rels     = malloc(3 * m * sizeof(*rels));
	at       = calloc(m + 1, sizeof(*at));
	fill     = malloc(m * sizeof(*fill));
	of       = malloc(6 * m * sizeof(*of));
	known    = malloc(m * sizeof(*known));
	touch    = malloc(m * sizeof(*touch));
	from     = malloc(m * sizeof(*from));
	unk      = malloc(3 * m * sizeof(*unk));
	queue    = malloc(3 * m * sizeof(*queue));
	if (!order || !edges || !tp || !yp || !rels || !at || !fill || !of
	    || !known || !touch || !from || !unk || !queue) {
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		order[i] = i;
		if (!period_parent(cells[i].period, 't', tp[i])
		    || !period_parent(cells[i].period, 'y', yp[i])) {
			if (errmsg) {
				snprintf(errmsg, TD_ERRMSG_MAX,
				         "cell %zu: period is not YYYY-MM-DD",
				         i + 1);
			}
			rv = TD_EINVAL;
			goto out;
		}
		cells[i].people = cells[i].n;
	}
	/* cells that come in key order (as tandemd feeds them) need no
	 * sort: one pass checks */
	bool sorted = true;
	for (size_t i = 1; sorted && i < n; i++) {
		sorted = idx_cmp(&order[i - 1], &order[i], cells) < 0;
	}
	if (!sorted) {
		qsort_r(order, n, sizeof(*order), idx_cmp, cells);
	}
	if (!index_build(&index, cells, n, order)) {
		goto out;
	}
	if (opt->n_per_month) {
		month_minimum(cells, n, ix, tp, yp);
	}

	for (size_t k = 0; k < n; k++) {
		fill[order[k]] = k; /* rank of each cell in key order */
	}
	/* Edges in the children's key order, for edges_sort. */
	for (size_t k = 0; k < n; k++) {
		size_t           i   = order[k];
		stats_disc_cell *c   = &cells[i];
		const char      *grp = c->group ? c->group : "";
		size_t           p;
		/* school < district < network */
		p = c->level == 's'
		    ? (c->district ? up(ix, c, 'd', c->district, c->grain,
		                        c->period, grp)
		                   : NONE)
		    : c->level == 'd'
		    ? up(ix, c, 'n', "", c->grain, c->period, grp)
		    : NONE;
		if (p != NONE) {
			edges[ne++] = (edge) { p, i, K_UNIT };
		}
		/* week and month < term < academic year */
		if (c->grain == 'm' || c->grain == 'w') {
			p = up(ix, c, c->level, c->unit, 't', tp[i], grp);
		} else if (c->grain == 't') {
			p = up(ix, c, c->level, c->unit, 'y', yp[i], grp);
		} else {
			p = NONE;
		}
		if (p != NONE) {
			edges[ne++]
			    = (edge) { p, i,
				       c->grain == 'm'       ? K_MONTHS
				           : c->grain == 'w' ? K_WEEKS
				                             : K_TERMS };
		}
		/* group < all students */
		if (grp[0] != '\0') {
			p = up(ix, c, c->level, c->unit, c->grain, c->period,
			       "");
			if (p != NONE) {
				edges[ne++] = (edge) { p, i,
					               opt->groups_partition
					                   ? K_GRADES
					                   : K_SUBGROUP };
			}
		}
	}
	if (!edges_sort(edges, ne, fill, n)) {
		goto out;
	}

	/* relations from runs of edges with one parent and kind */
	for (size_t a = 0; a < ne;) {
		size_t b = a + 1;
		while (b < ne && edges[b].parent == edges[a].parent
		       && edges[b].kind == edges[a].kind
		       && (edges[a].kind != K_SUBGROUP
		           || edges[b].child == edges[a].child)) {
			b++;
		}
		rel *R       = &rels[nr++];
		R->agg       = edges[a].parent;
		R->first     = a;
		R->count     = b - a;
		R->union_max = edges[a].kind == K_MONTHS
		    || edges[a].kind == K_WEEKS || edges[a].kind == K_TERMS;
		R->remainder = 0;
		if (edges[a].kind == K_GRADES || edges[a].kind == K_SUBGROUP) {
			double parts = 0;
			for (size_t j = a; j < b; j++) {
				parts += cells[edges[j].child].people;
			}
			R->remainder = fmax(0, cells[R->agg].people - parts);
		}
		a = b;
	}
	/* each cell's relations, as aggregate or part */
	for (size_t r = 0; r < nr; r++) {
		at[rels[r].agg + 1]++;
		for (size_t j = 0; j < rels[r].count; j++) {
			at[edges[rels[r].first + j].child + 1]++;
		}
	}
	for (size_t i = 0; i < n; i++) {
		at[i + 1] += at[i];
	}
	memcpy(fill, at, n * sizeof(*fill));
	for (size_t r = 0; r < nr; r++) {
		of[fill[rels[r].agg]++] = r;
		for (size_t j = 0; j < rels[r].count; j++) {
			of[fill[edges[rels[r].first + j].child]++] = r;
		}
	}

	for (size_t i = 0; i < n; i++) {
		if (cells[i].people < opt->min_n) {
			cells[i].state = STATS_DISC_PRIMARY;
			sum->primary++;
		} else {
			cells[i].state = STATS_DISC_RELEASED;
		}
	}
	lattice L = { cells, n,     order, edges, rels, nr,   of,
		      at,    known, touch, from,  unk,  queue };
	do {
		sum->passes++;
		peel(&L);
	} while (fix_pass(&L, opt->min_n, sum));
	rv = TD_OK;
out:
	free(order);
	free(edges);
	free(tp);
	free(yp);
	free(rels);
	free(at);
	free(fill);
	free(of);
	free(known);
	free(touch);
	free(from);
	free(unk);
	free(queue);
	free(index.slot);
	return rv;
}
