/* SPDX-License-Identifier: MIT
 * Disclosure control for the Analysis service: the one place every
 * released per-unit and per-period value passes through. The store gives
 * every cell of the measure with its distinct people; stats_disclose
 * chooses what is hidden on that whole lattice, so the same cells are
 * hidden whatever call is asked; here the chosen states are laid on the
 * points of the series a call loaded. The decided lattice is cached per
 * (measure, min_n) until the next write (store_data_version), so a call
 * reads it only after new data.
 */
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "config.h"
#include "stats_disclosure.h"

/* The decided lattice of one measure, compact and sorted by (level, unit,
 * grain, period, group): what a call needs to lay states on its points.
 * Immutable once built; shared by the workers through the cache below. */
typedef struct disc_slot {
	uint32_t unit, period, group; /* offsets into strs */
	char     level, grain;
	uint8_t  state;
	double   people;
} disc_slot;

typedef struct lattice {
	char      *measure;
	int        min_n;
	uint64_t   version; /* store_data_version() before it was read */
	disc_slot *slots;
	char      *strs;
	size_t     n, bytes;
	/* Cache bookkeeping, under cache_mu. */
	size_t   refs;
	uint64_t used;
	bool     cached;
} lattice;

/* The cache: one lattice per (measure, min_n), current while the data
 * version is the one it was computed under. Non-admin roles all get the
 * same states (they are chosen on the whole lattice, whatever is asked),
 * so the role is not part of the key; admin reads the same people and
 * ignores the states. Bounded by entries and bytes; the least recently
 * used unreferenced entry goes first. */
#define CACHE_MAX     32
#define CACHE_MAX_MIB 32

static pthread_mutex_t cache_mu = PTHREAD_MUTEX_INITIALIZER;
static lattice        *cache[CACHE_MAX];
static size_t          cache_n, cache_bytes;
static uint64_t        cache_tick;

static void
lattice_free(lattice *L)
{
	if (L != NULL) {
		free(L->measure);
		free(L->slots);
		free(L->strs);
		free(L);
	}
}

/* cache_drop removes entry i; under cache_mu. */
static void
cache_drop(size_t i)
{
	lattice *L = cache[i];
	cache[i]   = cache[--cache_n];
	cache_bytes -= L->bytes;
	L->cached = false;
	if (L->refs == 0) {
		lattice_free(L);
	}
}

static lattice *
cache_get(const char *measure, int min_n, uint64_t version)
{
	lattice *hit = NULL;
	pthread_mutex_lock(&cache_mu);
	for (size_t i = 0; i < cache_n; i++) {
		lattice *L = cache[i];
		if (L->min_n == min_n && strcmp(L->measure, measure) == 0) {
			if (L->version == version) {
				hit = L;
				L->refs++;
				L->used = ++cache_tick;
			} else {
				cache_drop(i); /* stale: new data since */
			}
			break;
		}
	}
	pthread_mutex_unlock(&cache_mu);
	return hit;
}

/* cache_put adds L (held by the caller) unless the data changed while it
 * was computed or a newer one is there already. */
static void
cache_put(lattice *L)
{
	pthread_mutex_lock(&cache_mu);
	L->refs++;
	L->used = ++cache_tick;
	for (size_t i = 0; i < cache_n; i++) {
		if (cache[i]->min_n == L->min_n
		    && strcmp(cache[i]->measure, L->measure) == 0) {
			if (cache[i]->version >= L->version) {
				goto out; /* as new or newer: keep it */
			}
			cache_drop(i);
			break;
		}
	}
	if (L->version != store_data_version()) {
		goto out; /* computed from data that has changed since */
	}
	while (cache_n > 0
	       && (cache_n == CACHE_MAX
	           || cache_bytes + L->bytes > (size_t) CACHE_MAX_MIB << 20)) {
		size_t old = cache_n;
		for (size_t i = 0; i < cache_n; i++) {
			if (cache[i]->refs == 0
			    && (old == cache_n
			        || cache[i]->used < cache[old]->used)) {
				old = i;
			}
		}
		if (old == cache_n) {
			goto out; /* every entry is in use: do not cache */
		}
		cache_drop(old);
	}
	if (L->bytes <= (size_t) CACHE_MAX_MIB << 20) {
		cache[cache_n++] = L;
		cache_bytes += L->bytes;
		L->cached = true;
	}
out:
	L->refs--;
	pthread_mutex_unlock(&cache_mu);
}

static void
lattice_release(lattice *L)
{
	if (L == NULL) {
		return;
	}
	pthread_mutex_lock(&cache_mu);
	bool gone = --L->refs == 0 && !L->cached;
	pthread_mutex_unlock(&cache_mu);
	if (gone) {
		lattice_free(L);
	}
}

static int
slot_cmp(const lattice *L, const disc_slot *a, char level, const char *unit,
         char grain, const char *period, const char *group)
{
	int c = a->level - level;
	if (c == 0) {
		c = strcmp(L->strs + a->unit, unit);
	}
	if (c == 0) {
		c = a->grain - grain;
	}
	if (c == 0) {
		c = strcmp(L->strs + a->period, period);
	}
	return c != 0 ? c : strcmp(L->strs + a->group, group);
}

static int
order_cmp(const void *x, const void *y, void *ctx)
{
	const store_disc_cell *cells = ctx;
	const store_disc_cell *a     = &cells[*(const size_t *) x];
	const store_disc_cell *b     = &cells[*(const size_t *) y];
	int                    c     = a->level - b->level;
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

/* lower_bound: the first slot not below the key. A call's units come in
 * the lattice's order, so when every slot before from is below the key
 * the search starts there, first at guess (where the last unit's span of
 * slots puts this unit: two compares when it is right), else galloping
 * from from. A binary search of the whole lattice (~900,000 slots) per
 * unit was 17% of tandemd's time for positive deviance at 10,000
 * schools; galloping alone still took ~14 compares a unit. */
static size_t
lower_bound(const lattice *L, size_t from, size_t guess, char level,
            const char *unit, char grain, const char *period,
            const char *group)
{
#define BELOW(i)                                                              \
	(slot_cmp(L, &L->slots[(i)], level, unit, grain, period, group) < 0)
	size_t lo = 0, hi = L->n;
	if (from > 0 && from <= L->n && BELOW(from - 1)) {
		bool capped = false;
		lo          = from;
		if (guess > lo && guess <= L->n) {
			if (BELOW(guess - 1)) {
				lo = guess;
			} else {
				hi     = guess;
				capped = true;
			}
		}
		if (!capped) {
			size_t step = 1;
			hi          = lo;
			while (hi < L->n && BELOW(hi)) {
				lo = hi + 1;
				hi = step < L->n - hi ? hi + step : L->n;
				step *= 2;
			}
		}
	}
#undef BELOW
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (slot_cmp(L, &L->slots[mid], level, unit, grain, period,
		             group)
		    < 0) {
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	return lo;
}

/* lookup finds a point's slot from *at on: a unit's points come in
 * period order, as its slots do, so one search finds where the unit
 * starts and each later point only walks forward (600,000 binary
 * searches of the lattice for the icon matrix at 10,000 schools were a
 * third of its time). */
static const disc_slot *
lookup(const lattice *L, size_t *at, char level, const char *unit, char grain,
       const char *period, const char *group)
{
	size_t j = *at;
	int    c = -1;
	while (j < L->n
	       && (c = slot_cmp(L, &L->slots[j], level, unit, grain, period,
	                        group))
	           < 0) {
		j++;
	}
	*at = j;
	return j < L->n && c == 0 ? &L->slots[j] : NULL;
}

/* pack copies the decided cells, in key order, into L's compact form. */
static int
pack(lattice *L, const store_disc_cell *cells, const stats_disc_cell *dc,
     const size_t *order)
{
	size_t len = 0;
	for (size_t i = 0; i < L->n; i++) {
		const store_disc_cell *c = &cells[i];
		len += strlen(c->unit) + strlen(c->period) + strlen(c->group)
		    + 3;
	}
	if (len > UINT32_MAX) {
		return TD_ENOMEM;
	}
	L->slots = calloc(L->n ? L->n : 1, sizeof(*L->slots));
	L->strs  = malloc(len ? len : 1);
	if (L->slots == NULL || L->strs == NULL) {
		return TD_ENOMEM;
	}
	size_t k = 0;
	for (size_t j = 0; j < L->n; j++) {
		size_t                 i  = order[j];
		const store_disc_cell *c  = &cells[i];
		disc_slot             *sl = &L->slots[j];
		const char *str[3]        = { c->unit, c->period, c->group };
		uint32_t   *off[3] = { &sl->unit, &sl->period, &sl->group };
		for (int f = 0; f < 3; f++) {
			size_t l = strlen(str[f]) + 1;
			*off[f]  = (uint32_t) k;
			memcpy(L->strs + k, str[f], l);
			k += l;
		}
		sl->level  = c->level;
		sl->grain  = c->grain;
		sl->state  = dc[i].state;
		sl->people = dc[i].people;
	}
	L->bytes = sizeof(*L) + L->n * sizeof(*L->slots) + len;
	return TD_OK;
}

/* lattice_compute reads and decides every cell of the measure. */
static int
lattice_compute(rpc_call *call, const series_spec *spec, lattice *L)
{
	store_disc_cell *cells = NULL;
	int rv = store_disclosure_cells(call->store, spec->measure, &cells,
	                                &L->n);
	if (rv != TD_OK) {
		return analysis_db_fail(call, rv);
	}
	stats_disc_cell *dc    = calloc(L->n ? L->n : 1, sizeof(*dc));
	size_t          *order = calloc(L->n ? L->n : 1, sizeof(*order));
	int              code  = TD_CODE_OK;
	if (dc == NULL || order == NULL) {
		code = rpc_fail(call, TD_CODE_RESOURCE_EXHAUSTED,
		                "out of memory");
		goto out;
	}
	for (size_t i = 0; i < L->n; i++) {
		const store_disc_cell *c = &cells[i];
		dc[i]                    = (stats_disc_cell) {
			                   .level    = c->level,
			                   .unit     = c->unit,
			                   .district = c->level == 's' ? c->district : NULL,
			                   .grain    = c->grain,
			                   .period   = c->period,
			                   .group    = c->group,
			                   .n        = fmax(0, c->n),
		};
		order[i] = i;
	}
	stats_disc_opts opt = {
		.min_n            = (double) L->min_n,
		.groups_partition = spec->survey, /* grades */
		.n_per_month      = !spec->survey,
	};
	stats_disc_summary sum;
	char               err[TD_ERRMSG_MAX] = "";
	if (stats_disclose(dc, L->n, &opt, &sum, err) != TD_OK) {
		code = rpc_fail(call, TD_CODE_INTERNAL,
		                "disclosure control failed");
		goto out;
	}
	qsort_r(order, L->n, sizeof(*order), order_cmp, cells);
	if (pack(L, cells, dc, order) != TD_OK) {
		code = rpc_fail(call, TD_CODE_RESOURCE_EXHAUSTED,
		                "out of memory");
	}
out:
	free(cells);
	free(dc);
	free(order);
	return code;
}

/* lattice_get gives the measure's decided lattice: the cached one while
 * no write has happened since it was computed, else a new one. The
 * caller releases it with lattice_release. */
static int
lattice_get(rpc_call *call, const series_spec *spec, lattice **out)
{
	int      min_n   = call->cfg->min_n;
	uint64_t version = store_data_version(); /* before the read */
	*out             = cache_get(spec->measure, min_n, version);
	if (*out != NULL) {
		return TD_CODE_OK;
	}
	lattice *L = calloc(1, sizeof(*L));
	if (L == NULL || (L->measure = strdup(spec->measure)) == NULL) {
		lattice_free(L);
		return rpc_fail(call, TD_CODE_RESOURCE_EXHAUSTED,
		                "out of memory");
	}
	L->min_n   = min_n;
	L->version = version;
	L->refs    = 1;
	int code   = lattice_compute(call, spec, L);
	if (code != TD_CODE_OK) {
		lattice_free(L);
		return code;
	}
	cache_put(L);
	*out = L;
	return TD_CODE_OK;
}

int
analysis_disclose(rpc_call *call, const Tandem__V1__SeriesQuery *q,
                  const series_spec *spec, series *ss, size_t ns)
{
	lattice *L;
	bool     admin = call->who.role == RPC_ROLE_ADMIN;
	int      code  = lattice_get(call, spec, &L);
	if (code != TD_CODE_OK) {
		return code;
	}
	const char *group = spec->survey ? q->grade : q->subgroup;
	size_t      from = 0, start = 0, span = 0;
	for (size_t u = 0; u < ns; u++) {
		series *x  = &ss[u];
		size_t  at = from;
		if (x->n > 0) {
			at    = lower_bound(L, from, start + span, spec->level,
			                    x->unit, spec->grain,
			                    x->pts[0].period, "");
			span  = u > 0 && at > start ? at - start : 0;
			start = at;
		}
		for (size_t t = 0; t < x->n; t++) {
			const disc_slot *c
			    = lookup(L, &at, spec->level, x->unit, spec->grain,
			             x->pts[t].period, group);
			uint8_t st;
			if (c == NULL) {
				/* not in the lattice: never shown */
				x->people[t]
				    = analysis_people(spec, &x->pts[t]);
				st = STATS_DISC_PRIMARY;
			} else {
				x->people[t] = c->people;
				st           = c->state;
				at++; /* the next point's key is above this */
			}
			x->reason[t]     = admin ? STATS_DISC_RELEASED : st;
			x->suppressed[t] = x->reason[t] != STATS_DISC_RELEASED;
			x->n_suppressed += x->suppressed[t];
			x->n_primary += x->reason[t] == STATS_DISC_PRIMARY;
			x->n_complementary
			    += x->reason[t] == STATS_DISC_COMPLEMENTARY;
		}
		from = at;
	}
	lattice_release(L);
	return TD_CODE_OK;
}

Tandem__V1__Disclosure *
analysis_disclosure_msg(rpc_call *call, size_t primary, size_t complementary)
{
	Tandem__V1__Disclosure *d = RPC_NEW(
	    call->arena, Tandem__V1__Disclosure, tandem__v1__disclosure__init);
	if (d == NULL) {
		return NULL;
	}
	d->min_n         = call->cfg->min_n;
	d->primary       = (int32_t) primary;
	d->complementary = (int32_t) complementary;
	d->suppressed    = (int32_t) (primary + complementary);
	d->unsuppressed  = call->who.role == RPC_ROLE_ADMIN;
	d->reasons       = rpc_arena_alloc(call->arena, 3 * sizeof(char *));
	if (d->reasons == NULL) {
		return d;
	}
	if (d->unsuppressed) {
		d->reasons[d->n_reasons++] = rpc_arena_printf(
		    call->arena,
		    "admin: nothing is suppressed (min_n = %d applies to "
		    "every other role)",
		    d->min_n);
	}
	if (primary > 0) {
		d->reasons[d->n_reasons++] = rpc_arena_printf(
		    call->arena,
		    "%zu cell(s) are about fewer than %d people (primary "
		    "suppression)",
		    primary, d->min_n);
	}
	if (complementary > 0) {
		d->reasons[d->n_reasons++] = rpc_arena_printf(
		    call->arena,
		    "%zu cell(s) are hidden so that suppressed cells cannot "
		    "be recovered by subtracting shown values from their "
		    "totals (school/district/network, group/all, "
		    "week/month/term/year)",
		    complementary);
	}
	return d;
}

Tandem__V1__Disclosure *
analysis_series_disclosure(rpc_call *call, const series *ss, size_t ns)
{
	size_t p = 0, c = 0;
	for (size_t u = 0; u < ns; u++) {
		p += ss[u].n_primary;
		c += ss[u].n_complementary;
	}
	return analysis_disclosure_msg(call, p, c);
}
