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
#include "store/store_disclosure.h"

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

/* Generations: unique per component (analysis_stamps). */
static _Atomic uint64_t comp_gens;

/* comp_pack copies the decided cells dc[0..m), in key order, into a new
 * component. */
static comp *
comp_pack(int year, const stats_disc_cell *dc, size_t m)
{
	size_t len = 0;
	for (size_t j = 0; j < m; j++) {
		const stats_disc_cell *c = &dc[j];
		len += strlen(c->unit) + strlen(c->period) + strlen(c->group)
		    + 3;
		len += c->level == 's' ? strlen(c->district) + 1 : 0;
	}
	comp *C = calloc(1, sizeof(*C));
	if (C == NULL || len > UINT32_MAX) {
		free(C);
		return NULL;
	}
	C->year      = year;
	C->gen       = atomic_fetch_add(&comp_gens, 1) + 1;
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
		const stats_disc_cell *c  = &dc[j];
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
		sl->state  = c->state;
		sl->people = c->people;
	}
	char *fit = realloc(C->strs, k ? k : 1);
	C->strs   = fit ? fit : C->strs;
	uint32_t *dfit
	    = realloc(C->districts, (2 * C->n_districts + 1) * sizeof(*dfit));
	C->districts = dfit ? dfit : C->districts;
	C->strs_len  = k;
	C->bytes     = sizeof(*C) + m * sizeof(*C->slots) + k
	    + 2 * C->n_districts * sizeof(*C->districts);
	return C;
}

/* disclose decides dc[0..m) of one academic year; false (status set) on
 * failure. */
static bool
disclose(rpc_call *call, const series_spec *spec, int min_n,
         stats_disc_cell *dc, size_t m)
{
	stats_disc_opts opt = {
		.min_n            = (double) min_n,
		.groups_partition = spec->survey, /* grades */
		.n_per_month      = !spec->survey,
	};
	stats_disc_summary sum;
	char               err[TD_ERRMSG_MAX] = "";
	if (stats_disclose(dc, m, &opt, &sum, err) != TD_OK) {
		rpc_fail(call, TD_CODE_INTERNAL, "disclosure control failed");
		return false;
	}
	return true;
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
	if (!disclose(call, spec, min_n, dc, m)) {
		return NULL;
	}
	comp *C = comp_pack(year, dc, m);
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

static int
unit_cmp(char la, const char *ua, char lb, const char *ub)
{
	int c = level_rank(la) - level_rank(lb);
	return c != 0 ? c : strcmp(ua, ub);
}

/* A component being patched: base's strings copied whole, the fresh
 * units' appended (periods and groups looked up among the last few). */
typedef struct patch {
	comp            *C;
	stats_disc_cell *dc;
	size_t           o;
	str_pool         strs;
} patch;

/* patch_fresh appends the fresh cells f[0..k) of one unit. */
static void
patch_fresh(patch *P, const store_disc_cell *f, const size_t *fi, size_t k)
{
	comp     *C    = P->C;
	uint32_t  unit = (uint32_t) P->strs.k;
	str_pool *S    = &P->strs;
	size_t    l    = strlen(f[fi[0]].unit) + 1;
	memcpy(S->strs + S->k, f[fi[0]].unit, l);
	S->k += l;
	if (f[fi[0]].level == 's') {
		uint32_t *d = &C->districts[2 * C->n_districts++];
		l           = strlen(f[fi[0]].district) + 1;
		d[0]        = unit;
		d[1]        = (uint32_t) S->k;
		memcpy(S->strs + S->k, f[fi[0]].district, l);
		S->k += l;
	}
	for (size_t j = 0; j < k; j++) {
		const store_disc_cell *c  = &f[fi[j]];
		disc_slot             *sl = &C->slots[P->o];
		*sl                       = (disc_slot) { .unit   = unit,
			                                  .period = str_put(S, c->period, true),
			                                  .group  = str_put(S, c->group, true),
			                                  .level  = c->level,
			                                  .grain  = c->grain };
		P->dc[P->o++]             = (stats_disc_cell) {
			            .level    = c->level,
			            .unit     = C->strs + unit,
			            .district = c->level == 's' ? c->district : NULL,
			            .grain    = c->grain,
			            .period   = c->period,
			            .group    = c->group,
			            .n        = fmax(0, c->n),
		};
	}
}

/* patch_fresh_before appends the fresh units from fi[b] on that sort
 * before (level, unit) or are it (every one when unit is NULL); returns
 * where the rest start. */
static size_t
patch_fresh_before(patch *P, const store_disc_cell *f, const size_t *fi,
                   size_t n, size_t b, char level, const char *unit)
{
	while (b < n
	       && (unit == NULL
	           || unit_cmp(f[fi[b]].level, f[fi[b]].unit, level, unit)
	               <= 0)) {
		size_t k = b + 1;
		while (k < n
		       && unit_cmp(f[fi[k]].level, f[fi[k]].unit,
		                   f[fi[b]].level, f[fi[b]].unit)
		           == 0) {
			k++;
		}
		patch_fresh(P, f, fi + b, k - b);
		b = k;
	}
	return b;
}

/* comp_patch decides again the year of base whose cells at the units
 * names[0..n_names) are now fresh[0..n_fresh): the year's other cells are
 * kept, with their people as their n (a unit's cells change together, so
 * a term's people, the smallest n of its months, comes out the same), and
 * the year is decided whole on them. The kept slots are copied as they
 * are (base's strings with them) and the fresh units' merged in by unit,
 * so that nothing is compared or copied string by string but the fresh
 * cells; once patches have appended a quarter of the strings, the year is
 * packed afresh. NULL (status set) on failure. */
comp *
comp_patch(rpc_call *call, const series_spec *spec, int min_n,
           const comp *base, store_disc_cell *fresh, size_t n_fresh,
           char **names, size_t n_names)
{
	qsort(names, n_names, sizeof(*names), name_cmp);
	size_t  m      = base->n + n_fresh;
	size_t *fi     = malloc((n_fresh ? n_fresh : 1) * sizeof(*fi));
	size_t  added  = 0;
	patch   P      = { 0 };
	comp   *C      = calloc(1, sizeof(*C));
	bool    failed = false;
	for (size_t j = 0; j < n_fresh; j++) {
		const store_disc_cell *c = &fresh[j];
		added += strlen(c->unit) + strlen(c->district)
		    + strlen(c->period) + strlen(c->group) + 4;
	}
	P.C  = C;
	P.dc = malloc((m ? m : 1) * sizeof(*P.dc));
	if (C != NULL) {
		C->slots     = malloc((m ? m : 1) * sizeof(*C->slots));
		C->strs      = malloc(base->strs_len + added + 1);
		C->districts = malloc((2 * (base->n_districts + n_fresh) + 1)
		                      * sizeof(*C->districts));
		atomic_init(&C->refs, 1);
	}
	if (fi == NULL || P.dc == NULL || C == NULL || C->slots == NULL
	    || C->strs == NULL || C->districts == NULL
	    || base->strs_len + added > UINT32_MAX) {
		rpc_fail(call, TD_CODE_RESOURCE_EXHAUSTED, "out of memory");
		failed = true;
		goto out;
	}
	for (size_t j = 0; j < n_fresh; j++) {
		fi[j] = j;
	}
	qsort_r(fi, n_fresh, sizeof(*fi), order_cmp, fresh);
	memcpy(C->strs, base->strs, base->strs_len);
	P.strs = (str_pool) { C->strs, base->strs_len, { 0 }, 0, 0 };
	/* base's units in order, each kept whole or replaced, the fresh
	 * units merged in where they sort */
	size_t b = 0, d = 0;
	for (size_t j = 0, e; j < base->n; j = e) {
		const disc_slot *sl   = &base->slots[j];
		const char      *unit = base->strs + sl->unit;
		for (e = j + 1; e < base->n && base->slots[e].unit == sl->unit
		     && base->slots[e].level == sl->level;
		     e++) { }
		b = patch_fresh_before(&P, fresh, fi, n_fresh, b, sl->level,
		                       unit);
		const char *district = NULL;
		if (sl->level == 's') {
			while (d < base->n_districts
			       && base->districts[2 * d] != sl->unit) {
				d++; /* school units come in slot order */
			}
			if (d == base->n_districts) {
				rpc_fail(call, TD_CODE_INTERNAL,
				         "disclosure control failed");
				failed = true;
				goto out;
			}
			district = base->strs + base->districts[2 * d + 1];
		}
		bool again = replaced(names, n_names, sl->level, unit)
		    || (P.o > 0 && P.dc[P.o - 1].level == sl->level
		        && strcmp(P.dc[P.o - 1].unit, unit) == 0);
		if (again) {
			continue; /* read again: fresh or gone */
		}
		if (sl->level == 's') {
			C->districts[2 * C->n_districts] = sl->unit;
			C->districts[2 * C->n_districts + 1]
			    = base->districts[2 * d + 1];
			C->n_districts++;
		}
		memcpy(&C->slots[P.o], sl, (e - j) * sizeof(*sl));
		for (size_t i = j; i < e; i++) {
			const disc_slot *s = &base->slots[i];
			P.dc[P.o++]        = (stats_disc_cell) {
				       .level    = s->level,
				       .unit     = unit,
				       .district = district,
				       .grain    = s->grain,
				       .period   = base->strs + s->period,
				       .group    = base->strs + s->group,
				       .n        = s->people,
			};
		}
	}
	patch_fresh_before(&P, fresh, fi, n_fresh, b, 0, NULL);
	if (!disclose(call, spec, min_n, P.dc, P.o)) {
		failed = true;
		goto out;
	}
	size_t strs_added = base->strs_added + (P.strs.k - base->strs_len);
	if (4 * strs_added > P.strs.k) {
		/* packed afresh: the strings of replaced units go */
		comp *F = comp_pack(base->year, P.dc, P.o);
		if (F == NULL) {
			rpc_fail(call, TD_CODE_RESOURCE_EXHAUSTED,
			         "out of memory");
			failed = true;
		}
		comp_release(C);
		C = F;
		goto out;
	}
	C->year       = base->year;
	C->gen        = atomic_fetch_add(&comp_gens, 1) + 1;
	C->n          = P.o;
	C->strs_len   = P.strs.k;
	C->strs_added = strs_added;
	for (size_t j = 0; j < P.o; j++) {
		C->slots[j].state  = P.dc[j].state;
		C->slots[j].people = P.dc[j].people;
	}
	C->bytes = sizeof(*C) + C->n * sizeof(*C->slots) + C->strs_len
	    + 2 * C->n_districts * sizeof(*C->districts);
out:
	if (failed) {
		comp_release(C);
		C = NULL;
	}
	free(fi);
	free(P.dc);
	return C;
}
