/* SPDX-License-Identifier: MIT
 * See analysis_lattice.h: one academic year of a measure's disclosure
 * lattice decided (stats_disclose) and packed into a compact component,
 * or decided again on a kept component with the cells of the units a
 * write reached read again.
 */
#include <math.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analysis_lattice.h"

void
comp_release(comp *c)
{
	if (c != NULL && atomic_fetch_sub(&c->refs, 1) == 1) {
		free(c->slots);
		free(c->strs);
		free(c->districts);
		free(c);
	}
}

static int
order_cmp(const void *x, const void *y, void *ctx)
{
	const store_disc_cell *cells = ctx;
	const store_disc_cell *a     = &cells[*(const size_t *) x];
	const store_disc_cell *b     = &cells[*(const size_t *) y];
	int                    c = level_rank(a->level) - level_rank(b->level);
	if (c == 0) {
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

/* Strings a component stores once: a unit's slots are adjacent (the
 * previous slot's unit is reused), and periods and groups are few (the
 * last STR_SEEN of each are looked up). Stored once per slot, the
 * strings were 14.5 of the 33 MB of a measure at 10,000 schools, and the
 * 32 MiB cache then dropped it for the next measure's lattice. */
#define STR_SEEN 128

typedef struct str_pool {
	char    *strs;
	size_t   k;
	uint32_t seen[STR_SEEN];
	size_t   n_seen, hint;
} str_pool;

/* str_put stores s (or, when look, finds it among the last STR_SEEN):
 * the search starts after the last one found, since every unit's slots
 * name the same periods in the same order. */
static uint32_t
str_put(str_pool *P, const char *s, bool look)
{
	size_t have = P->n_seen < STR_SEEN ? P->n_seen : STR_SEEN;
	for (size_t t = 0; look && t < have; t++) {
		size_t i = (P->hint + t) % have;
		if (strcmp(P->strs + P->seen[i], s) == 0) {
			P->hint = i + 1;
			return P->seen[i];
		}
	}
	size_t   l   = strlen(s) + 1;
	uint32_t off = (uint32_t) P->k;
	memcpy(P->strs + P->k, s, l);
	P->k += l;
	if (look) {
		P->seen[P->n_seen++ % STR_SEEN] = off;
	}
	return off;
}

/* comp_pack copies the decided cells idx[0..m), in key order, into a new
 * component. */
static comp *
comp_pack(int year, const store_disc_cell *cells, const stats_disc_cell *dc,
          const size_t *idx, size_t m)
{
	size_t len = 0;
	for (size_t j = 0; j < m; j++) {
		const store_disc_cell *c = &cells[idx[j]];
		len += strlen(c->unit) + strlen(c->period) + strlen(c->group)
		    + 3;
		len += c->level == 's' ? strlen(c->district) + 1 : 0;
	}
	comp *C = calloc(1, sizeof(*C));
	if (C == NULL || len > UINT32_MAX) {
		free(C);
		return NULL;
	}
	static _Atomic uint64_t gens;
	C->year      = year;
	C->gen       = atomic_fetch_add(&gens, 1) + 1;
	C->n         = m;
	C->slots     = calloc(m ? m : 1, sizeof(*C->slots));
	C->strs      = malloc(len ? len : 1);
	C->districts = malloc(2 * (m ? m : 1) * sizeof(*C->districts));
	atomic_init(&C->refs, 1);
	if (C->slots == NULL || C->strs == NULL || C->districts == NULL) {
		comp_release(C);
		return NULL;
	}
	str_pool periods = { C->strs, 0, { 0 }, 0, 0 }, groups = periods;
	size_t   k = 0;
	for (size_t j = 0; j < m; j++) {
		const store_disc_cell *c  = &cells[idx[j]];
		disc_slot             *sl = &C->slots[j];
		if (j > 0 && C->slots[j - 1].level == c->level
		    && strcmp(C->strs + C->slots[j - 1].unit, c->unit) == 0) {
			sl->unit = C->slots[j - 1].unit;
		} else {
			size_t l = strlen(c->unit) + 1;
			sl->unit = (uint32_t) k;
			memcpy(C->strs + k, c->unit, l);
			k += l;
			if (c->level == 's') {
				uint32_t *d
				    = &C->districts[2 * C->n_districts++];
				l    = strlen(c->district) + 1;
				d[0] = sl->unit;
				d[1] = (uint32_t) k;
				memcpy(C->strs + k, c->district, l);
				k += l;
			}
		}
		periods.k  = k;
		sl->period = str_put(&periods, c->period, true);
		groups.k   = periods.k;
		sl->group  = str_put(&groups, c->group, true);
		k          = groups.k;
		sl->level  = c->level;
		sl->grain  = c->grain;
		sl->state  = dc[j].state;
		sl->people = dc[j].people;
	}
	char *fit = realloc(C->strs, k ? k : 1);
	C->strs   = fit ? fit : C->strs;
	uint32_t *dfit
	    = realloc(C->districts, (2 * C->n_districts + 1) * sizeof(*dfit));
	C->districts = dfit ? dfit : C->districts;
	C->bytes     = sizeof(*C) + m * sizeof(*C->slots) + k
	    + 2 * C->n_districts * sizeof(*C->districts);
	return C;
}

/* comp_decide decides the cells idx[0..m) of one academic year (scratch:
 * room for m stats cells) and packs them; NULL (status set) on failure. */
comp *
comp_decide(rpc_call *call, const series_spec *spec, int min_n, int year,
            const store_disc_cell *cells, size_t *idx, size_t m,
            stats_disc_cell *dc)
{
	/* key order first: the packed slots need it, and stats_disclose's
	 * choice does not depend on the order of its input */
	bool sorted = true;
	for (size_t j = 1; sorted && j < m; j++) {
		sorted = order_cmp(&idx[j - 1], &idx[j], (void *) cells) < 0;
	}
	if (!sorted) {
		qsort_r(idx, m, sizeof(*idx), order_cmp, (void *) cells);
	}
	for (size_t j = 0; j < m; j++) {
		const store_disc_cell *c = &cells[idx[j]];
		dc[j]                    = (stats_disc_cell) {
			                   .level    = c->level,
			                   .unit     = c->unit,
			                   .district = c->level == 's' ? c->district : NULL,
			                   .grain    = c->grain,
			                   .period   = c->period,
			                   .group    = c->group,
			                   .n        = fmax(0, c->n),
		};
	}
	stats_disc_opts opt = {
		.min_n            = (double) min_n,
		.groups_partition = spec->survey, /* grades */
		.n_per_month      = !spec->survey,
	};
	stats_disc_summary sum;
	char               err[TD_ERRMSG_MAX] = "";
	if (stats_disclose(dc, m, &opt, &sum, err) != TD_OK) {
		rpc_fail(call, TD_CODE_INTERNAL, "disclosure control failed");
		return NULL;
	}
	comp *C = comp_pack(year, cells, dc, idx, m);
	if (C == NULL) {
		rpc_fail(call, TD_CODE_RESOURCE_EXHAUSTED, "out of memory");
	}
	return C;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

/* replaced: whether the unit (level, unit) is among the sorted names
 * ("s" + school code, "d" + district code, "n") read again. */
static bool
replaced(char *const *names, size_t n, char level, const char *unit)
{
	char key[256];
	if (strlen(unit) + 2 > sizeof(key)) {
		return true; /* codes are far shorter: never kept by mistake */
	}
	key[0] = level;
	strcpy(key + 1, level == 'n' ? "" : unit);
	const char *k = key;
	return bsearch(&k, names, n, sizeof(*names), name_cmp) != NULL;
}

/* comp_patch decides again the year of base whose cells at the units
 * names[0..n_names) are now fresh[0..n_fresh): the year's other cells are
 * kept, with their people as their n (a unit's cells change together, so
 * a term's people, the smallest n of its months, comes out the same), and
 * the year is decided whole on them. NULL (status set) on failure. */
comp *
comp_patch(rpc_call *call, const series_spec *spec, int min_n,
           const comp *base, store_disc_cell *fresh, size_t n_fresh,
           char **names, size_t n_names)
{
	qsort(names, n_names, sizeof(*names), name_cmp);
	size_t           m     = base->n + n_fresh;
	store_disc_cell *cells = malloc((m ? m : 1) * sizeof(*cells));
	size_t          *idx   = malloc((m ? m : 1) * sizeof(*idx));
	size_t          *fi    = malloc((n_fresh ? n_fresh : 1) * sizeof(*fi));
	stats_disc_cell *dc    = malloc((m ? m : 1) * sizeof(*dc));
	comp            *C     = NULL;
	if (cells == NULL || idx == NULL || fi == NULL || dc == NULL) {
		rpc_fail(call, TD_CODE_RESOURCE_EXHAUSTED, "out of memory");
		goto out;
	}
	/* the fresh cells in key order, after the kept ones in cells[] */
	size_t k = 0, d = 0;
	bool   drop = false;
	for (size_t j = 0; j < base->n; j++) {
		const disc_slot *sl   = &base->slots[j];
		const char      *unit = base->strs + sl->unit;
		if (j == 0 || sl->unit != base->slots[j - 1].unit
		    || sl->level != base->slots[j - 1].level) {
			drop = replaced(names, n_names, sl->level, unit);
		}
		const char *district = "";
		if (sl->level == 's') {
			while (d < base->n_districts
			       && base->districts[2 * d] != sl->unit) {
				d++; /* school units come in slot order */
			}
			if (d == base->n_districts) {
				rpc_fail(call, TD_CODE_INTERNAL,
				         "disclosure control failed");
				goto out;
			}
			district = base->strs + base->districts[2 * d + 1];
		}
		if (!drop) {
			cells[k++] = (store_disc_cell) {
				.level    = sl->level,
				.grain    = sl->grain,
				.unit     = unit,
				.district = district,
				.period   = base->strs + sl->period,
				.group    = base->strs + sl->group,
				.n        = sl->people,
			};
		}
	}
	size_t kept = k;
	for (size_t j = 0; j < n_fresh; j++) {
		cells[k + j] = fresh[j];
		fi[j]        = k + j;
	}
	qsort_r(fi, n_fresh, sizeof(*fi), order_cmp, cells);
	/* merge: both runs are in key order */
	size_t a = 0, b = 0, o = 0;
	while (a < kept || b < n_fresh) {
		if (b == n_fresh
		    || (a < kept && order_cmp(&a, &fi[b], cells) < 0)) {
			idx[o++] = a++;
		} else {
			idx[o++] = fi[b++];
		}
	}
	C = comp_decide(call, spec, min_n, base->year, cells, idx, o, dc);
out:
	free(cells);
	free(idx);
	free(fi);
	free(dc);
	return C;
}
