/* SPDX-License-Identifier: MIT
 * Disclosure control for the Analysis service: the one place every
 * released per-unit and per-period value passes through. The store gives
 * every cell of the measure with its distinct people; stats_disclose
 * chooses what is hidden on that whole lattice, so the same cells are
 * hidden whatever call is asked; here the chosen states are laid on the
 * points of the series a call loaded.
 *
 * The rule couples cells only along its hierarchies, and every one stays
 * inside one academic year of one measure (school < district < network
 * and group < all keep the period; week and month < term < year keep the
 * academic year of the period's start), so the lattice is decided per
 * academic year: the same states as deciding it whole (stats_disclose's
 * passes act on each year's relations alone, in the same order). The
 * decided years are cached per (measure, min_n); after a write only the
 * years the write reached (the store's change log, sql/021) are read and
 * decided again, the others are kept.
 */
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "analysis_lattice.h"
#include "config.h"
#include "services.h"
#include "stats_disclosure.h"
#include "store/store_disclosure.h"

typedef struct lattice {
	char    *measure;
	int      min_n;
	uint64_t version; /* store_data_version() before it was read */
	char     snapshot[256]; /* the change log's, when it was read */
	comp   **comps; /* by year */
	size_t   ncomp, bytes;
	/* Cache bookkeeping, under cache_mu. */
	size_t   refs;
	uint64_t used;
	bool     cached;
} lattice;

/* The cache: one lattice per (measure, min_n), current while the data
 * version is the one it was computed under; a stale one is the base the
 * next one is built from. Non-admin roles all get the same states (they
 * are chosen on the whole lattice, whatever is asked), so the role is not
 * part of the key; admin reads the same people and ignores the states.
 * Bounded by entries and bytes; the least recently used unreferenced
 * entry goes first. */
#define CACHE_MAX 32

static pthread_mutex_t cache_mu     = PTHREAD_MUTEX_INITIALIZER;
static size_t          cache_budget = (size_t) 32 << 20;
static atomic_bool     too_big_said;
static lattice        *cache[CACHE_MAX];
static size_t          cache_n, cache_bytes;
static uint64_t        cache_tick;

void
analysis_lattice_cache_init(size_t budget_bytes)
{
	pthread_mutex_lock(&cache_mu);
	cache_budget = budget_bytes;
	pthread_mutex_unlock(&cache_mu);
}

static void
lattice_free(lattice *L)
{
	if (L != NULL) {
		for (size_t i = 0; i < L->ncomp; i++) {
			comp_release(L->comps[i]);
		}
		free(L->comps);
		free(L->measure);
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

/* cache_get gives the current lattice of (measure, min_n), or NULL and in
 * *base the stale one (NULL if none), both held for the caller. */
static lattice *
cache_get(const char *measure, int min_n, uint64_t version, lattice **base)
{
	lattice *hit = NULL;
	*base        = NULL;
	pthread_mutex_lock(&cache_mu);
	for (size_t i = 0; i < cache_n; i++) {
		lattice *L = cache[i];
		if (L->min_n == min_n && strcmp(L->measure, measure) == 0) {
			L->refs++;
			L->used = ++cache_tick;
			if (L->version == version) {
				hit = L;
			} else {
				*base = L; /* stale: new data since */
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
	           || cache_bytes + L->bytes > cache_budget)) {
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
	if (L->bytes <= cache_budget) {
		cache[cache_n++] = L;
		cache_bytes += L->bytes;
		L->cached = true;
	} else if (!atomic_exchange(&too_big_said, true)) {
		fprintf(stderr,
		        "level=warn msg=\"the disclosure lattice of measure "
		        "%s takes %zu MiB, more than --lattice-cache-mib "
		        "(%zu): it is decided again on every call\"\n",
		        L->measure, (L->bytes >> 20) + 1, cache_budget >> 20);
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

/* academic_year of a period start YYYY-MM-DD (August on); the periods
 * were checked when the lattice was decided. */
static int
academic_year(const char *p)
{
	int y = (p[0] - '0') * 1000 + (p[1] - '0') * 100 + (p[2] - '0') * 10
	    + (p[3] - '0');
	int m = (p[5] - '0') * 10 + (p[6] - '0');
	return m >= 8 ? y : y - 1;
}

static int
slot_cmp(const comp *C, const disc_slot *a, char level, const char *unit,
         char grain, const char *period, const char *group)
{
	int c = level_rank(a->level) - level_rank(level);
	if (c == 0) {
		c = strcmp(C->strs + a->unit, unit);
	}
	if (c == 0) {
		c = a->grain - grain;
	}
	if (c == 0) {
		c = strcmp(C->strs + a->period, period);
	}
	return c != 0 ? c : strcmp(C->strs + a->group, group);
}

/* seek: the first slot from `from` on not below the key; from the start
 * when the key lies before `from`. A call's units come in the lattice's
 * order: first at guess (where the last unit's span of slots puts this
 * unit: two compares when it is right), else galloping from `from`
 * (the next unit is a few slots on), then halving. */
static size_t
seek(const comp *C, size_t from, size_t guess, char level, const char *unit,
     char grain, const char *period, const char *group)
{
#define BELOW(i)                                                              \
	(slot_cmp(C, &C->slots[(i)], level, unit, grain, period, group) < 0)
	if (from > C->n || (from > 0 && !BELOW(from - 1))) {
		from  = 0;
		guess = 0;
	}
	size_t lo = from, hi = from, step = 1;
	if (guess > lo && guess <= C->n && !BELOW(guess - 1)) {
		hi = guess; /* the key is in [from, guess) or at guess - 1 */
	} else {
		lo = hi = guess > lo && guess <= C->n ? guess : lo;
		while (hi < C->n && BELOW(hi)) {
			lo = hi + 1;
			hi = lo + step;
			step <<= 1;
		}
		if (hi > C->n) {
			hi = C->n;
		}
	}
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (BELOW(mid)) {
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
#undef BELOW
	return lo;
}

/* lookup finds a point's slot from *at on: a unit's points come in
 * period order, as its slots do, so one search finds where the unit
 * starts and each later point only walks forward (600,000 binary
 * searches of the lattice for the icon matrix at 10,000 schools were a
 * third of its time). */
static const disc_slot *
lookup(const comp *C, size_t *at, char level, const char *unit, char grain,
       const char *period, const char *group)
{
	size_t j = *at;
	int    c = -1;
	while (j < C->n
	       && (c = slot_cmp(C, &C->slots[j], level, unit, grain, period,
	                        group))
	           < 0) {
		j++;
	}
	*at = j;
	return j < C->n && c == 0 ? &C->slots[j] : NULL;
}

/* in_year: whether ch names year; *patch says whether only at its
 * schools. */
static bool
in_year(const store_lattice_change *ch, int year, bool *patch)
{
	for (size_t i = 0; i < ch->n; i++) {
		if (ch->years[i] == year) {
			*patch = ch->by_school[i];
			return true;
		}
	}
	return false;
}

/* base_year: base's component of year, or NULL. */
static comp *
base_year(const lattice *base, int year)
{
	for (size_t i = 0; base != NULL && i < base->ncomp; i++) {
		if (base->comps[i]->year == year) {
			return base->comps[i];
		}
	}
	return NULL;
}

/* has_year: whether year is read and decided whole again: the writes
 * reached it, and not only at named schools of a year base has (or the
 * measure is a survey construct, whose district and network cells count
 * distinct respondents over many schools). */
static bool
has_year(const store_lattice_change *ch, const series_spec *spec,
         const lattice *base, int year)
{
	bool patch = false;
	if (!in_year(ch, year, &patch)) {
		return false;
	}
	return !patch || spec->survey || base_year(base, year) == NULL;
}

/* lattice_patch replaces L's components of the years written only at
 * named schools by their patched copies (the base's are kept in L by
 * lattice_compute until here). */
static int
lattice_patch(rpc_call *call, const series_spec *spec, lattice *L,
              const lattice *base, const store_lattice_change *ch)
{
	for (size_t i = 0; base != NULL && !ch->all && i < L->ncomp; i++) {
		comp *B     = L->comps[i];
		bool  patch = false;
		if (!in_year(ch, B->year, &patch) || !patch || spec->survey) {
			continue;
		}
		store_disc_cell *fresh = NULL;
		char           **names = NULL;
		size_t           nf = 0, nn = 0;
		int              rv = store_disclosure_patch(
		                 call->store, spec->measure, B->year, ch->schools,
		                 ch->n_schools, &fresh, &nf, &names, &nn);
		if (rv != TD_OK) {
			return analysis_db_fail(call, rv);
		}
		comp *C = comp_patch(call, spec, L->min_n, B, fresh, nf, names,
		                     nn);
		free(fresh);
		free(names);
		if (C == NULL) {
			return call->code;
		}
		L->bytes += C->bytes;
		L->bytes -= B->bytes;
		L->comps[i] = C;
		comp_release(B);
	}
	return TD_CODE_OK;
}

/* lattice_compute fills L's components: every year when there is no base
 * or the change log says so, else the base's years the writes since its
 * snapshot did not reach and the ones they did, read and decided again. */
static int
lattice_compute(rpc_call *call, const series_spec *spec, lattice *L,
                const lattice *base, const store_lattice_change *ch)
{
	bool   all = base == NULL || ch->all;
	int    lo = 0, hi = -1;
	size_t whole = 0;
	for (size_t i = 0; !all && i < ch->n; i++) {
		int y = ch->years[i];
		if (!has_year(ch, spec, base, y)) {
			continue; /* patched after */
		}
		lo = whole == 0 || y < lo ? y : lo;
		hi = whole == 0 || y > hi ? y : hi;
		whole++;
	}
	store_disc_cell *cells = NULL;
	size_t           n     = 0;
	int              rv    = TD_OK;
	if (all || whole > 0) {
		rv = store_disclosure_cells(call->store, spec->measure,
		                            all ? -1 : lo, all ? -1 : hi,
		                            &cells, &n);
	}
	if (rv != TD_OK) {
		return analysis_db_fail(call, rv);
	}
	/* The cells by academic year (a counting sort over the years). */
	int              ymin = INT32_MAX, ymax = INT32_MIN;
	int             *ay   = malloc((n ? n : 1) * sizeof(*ay));
	size_t          *idx  = malloc((n ? n : 1) * sizeof(*idx));
	stats_disc_cell *dc   = malloc((n ? n : 1) * sizeof(*dc));
	size_t          *at   = NULL;
	int              code = TD_CODE_OK;
	if (ay == NULL || idx == NULL || dc == NULL) {
		code = rpc_fail(call, TD_CODE_RESOURCE_EXHAUSTED,
		                "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		const char *p  = cells[i].period;
		bool        ok = strlen(p) == 10;
		for (int k = 0; ok && k < 10; k++) {
			ok = k == 4 || k == 7 ? p[k] == '-'
			                      : (p[k] >= '0' && p[k] <= '9');
		}
		if (!ok) {
			code = rpc_fail(call, TD_CODE_INTERNAL,
			                "disclosure control failed");
			goto out;
		}
		ay[i] = academic_year(p);
		ymin  = ay[i] < ymin ? ay[i] : ymin;
		ymax  = ay[i] > ymax ? ay[i] : ymax;
	}
	size_t years = n ? (size_t) (ymax - ymin) + 1 : 0;
	at           = calloc(years + 1, sizeof(*at));
	L->comps
	    = calloc(years + (base ? base->ncomp : 0) + 1, sizeof(*L->comps));
	if (at == NULL || L->comps == NULL) {
		code = rpc_fail(call, TD_CODE_RESOURCE_EXHAUSTED,
		                "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		at[ay[i] - ymin + 1]++;
	}
	for (size_t y = 0; y < years; y++) {
		at[y + 1] += at[y];
	}
	for (size_t i = 0; i < n; i++) {
		idx[at[ay[i] - ymin]++] = i;
	}
	/* at[y] is now the end of year y's run; its start is at[y - 1] */
	size_t b = 0;
	for (size_t y = 0; y <= years; y++) {
		int year = ymin + (int) y;
		/* kept years of the base that come before this one */
		while (!all && b < base->ncomp
		       && (y == years || base->comps[b]->year < year)) {
			comp *C = base->comps[b++];
			if (!has_year(ch, spec, base, C->year)) {
				atomic_fetch_add(&C->refs, 1);
				L->comps[L->ncomp++] = C;
				L->bytes += C->bytes;
			}
		}
		if (y == years) {
			break;
		}
		bool changed = all || has_year(ch, spec, base, year);
		if (!all && b < base->ncomp && base->comps[b]->year == year) {
			comp *C = base->comps[b++];
			if (!changed) { /* read only to span the range: kept */
				atomic_fetch_add(&C->refs, 1);
				L->comps[L->ncomp++] = C;
				L->bytes += C->bytes;
			}
		}
		size_t from = y == 0 ? 0 : at[y - 1], m = at[y] - from;
		if (m == 0 || !changed) {
			continue;
		}
		comp *C = comp_decide(call, spec, L->min_n, year, cells,
		                      idx + from, m, dc);
		if (C == NULL) {
			code = call->code;
			goto out;
		}
		L->comps[L->ncomp++] = C;
		L->bytes += C->bytes;
	}
	L->bytes += sizeof(*L);
	code = lattice_patch(call, spec, L, base, ch);
out:
	free(cells);
	free(ay);
	free(idx);
	free(dc);
	free(at);
	return code;
}

/* lattice_get gives the measure's decided lattice: the cached one while
 * no write has happened since it was computed, else a new one built on
 * the stale one. The caller releases it with lattice_release. */
static int
lattice_get(rpc_call *call, const series_spec *spec, lattice **out)
{
	int      min_n   = call->cfg->min_n;
	uint64_t version = store_data_version(); /* before the read */
	lattice *base;
	*out = cache_get(spec->measure, min_n, version, &base);
	if (*out != NULL) {
		return TD_CODE_OK;
	}
	store_lattice_change ch;
	int                  code = TD_CODE_OK;
	int                  rv   = store_lattice_changes(
	                       call->store, spec->measure,
            base && base->snapshot[0] ? base->snapshot : NULL, &ch);
	if (rv != TD_OK) {
		lattice_release(base);
		return analysis_db_fail(call, rv);
	}
	lattice *L = calloc(1, sizeof(*L));
	if (L == NULL || (L->measure = strdup(spec->measure)) == NULL) {
		lattice_free(L);
		lattice_release(base);
		return rpc_fail(call, TD_CODE_RESOURCE_EXHAUSTED,
		                "out of memory");
	}
	L->min_n   = min_n;
	L->version = version;
	L->refs    = 1;
	memcpy(L->snapshot, ch.snapshot, sizeof(L->snapshot));
	code = lattice_compute(call, spec, L, base, &ch);
	lattice_release(base);
	if (code != TD_CODE_OK) {
		lattice_free(L);
		return code;
	}
	cache_put(L);
	*out = L;
	return TD_CODE_OK;
}

/* Components a call's series walk at once; more fall back to searching
 * from the start of each component. */
#define WALK_MAX 64

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
	/* where the previous series left each component: series come in
	 * unit order, as slots do, so the next unit is found a few slots on */
	size_t cur[WALK_MAX] = { 0 }, span[WALK_MAX] = { 0 },
	       start[WALK_MAX] = { 0 };
	for (size_t u = 0; u < ns; u++) {
		series     *x  = &ss[u];
		const comp *C  = NULL;
		size_t      ci = 0, at = 0;
		int         cy = INT32_MIN;
		for (size_t t = 0; t < x->n; t++) {
			const char *period = x->pts[t].period;
			int         year   = academic_year(period);
			if (year != cy) {
				if (C != NULL && ci < WALK_MAX) {
					cur[ci] = at;
				}
				cy = year;
				C  = NULL;
				for (ci = 0; ci < L->ncomp; ci++) {
					if (L->comps[ci]->year == year) {
						C = L->comps[ci];
						break;
					}
				}
				if (C != NULL && ci < WALK_MAX) {
					at = seek(C, cur[ci],
					          start[ci] + span[ci],
					          spec->level, x->unit,
					          spec->grain, period, "");
					span[ci]
					    = at > start[ci] && cur[ci] > 0
					    ? at - start[ci]
					    : 0;
					start[ci] = at;
				} else if (C != NULL) {
					at = seek(C, 0, 0, spec->level,
					          x->unit, spec->grain, period,
					          "");
				}
			}
			const disc_slot *c = C == NULL
			    ? NULL
			    : lookup(C, &at, spec->level, x->unit, spec->grain,
			             period, group);
			uint8_t          st;
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
		if (C != NULL && ci < WALK_MAX) {
			cur[ci] = at;
		}
	}
	if (spec->stamps != NULL) {
		analysis_stamps *st = spec->stamps;
		st->n               = 0;
		st->overflow        = L->ncomp > ANALYSIS_STAMPS_MAX;
		for (size_t i = 0; i < L->ncomp && i < ANALYSIS_STAMPS_MAX;
		     i++) {
			st->year[st->n]  = L->comps[i]->year;
			st->gen[st->n++] = L->comps[i]->gen;
		}
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
