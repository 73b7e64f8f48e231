/* SPDX-License-Identifier: MIT
 * The MDC icon matrix of every school, kept per school: Analysis/Mdc's
 * icons-only answer over every school by month (analysis_mdc.c) is kept
 * per (measure, options) as one row per school (its school months' values,
 * each point's disclosure state, its answer row), and after a write only
 * what changed is read and computed again:
 * - the schools whose outcomes a write changed, by any instance (the
 *   outcome change log, sql/022) are read again (store_school_months);
 * - disclosure states are kept under the lattice's stamps (one generation
 *   per decided academic year, analysis_disclosure.c): the points of the
 *   years decided again are walked again, and a school whose states
 *   changed (complementary suppression reaches across schools) is
 *   computed again from its kept values.
 * The rows are what a fresh computation gives, byte for byte (the same
 * reads, sums, disclosure walk and analysis_mdc_row); the first call for
 * a key computes every school (integration.icons compares kept and fresh
 * answers after writes through another instance).
 */
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "config.h"
#include "stats/core/stats_disclosure.h"
#include "store/store_icons.h"

/* One school's kept result; immutable once made, shared by the sets of
 * successive data versions that did not change it. One block: the row,
 * then months, values, states and strings. */
typedef struct icon_row {
	_Atomic size_t        refs;
	const char           *unit;
	size_t                n; /* points */
	int32_t              *month; /* year * 12 + month - 1 */
	double               *raw; /* the point's value before suppression */
	uint8_t              *reason; /* STATS_DISC_* */
	size_t                n_primary, n_complementary;
	int                   rv; /* stats_mdc's return */
	Tandem__V1__MdcSeries row; /* strings into this block, or static */
	size_t                bytes;
} icon_row;

/* The rows of every school for one key, in code order, current while the
 * data version is the one it was computed under. */
typedef struct icon_set {
	char              *key;
	uint64_t           version;
	char               snapshot[256]; /* the outcome change log's */
	analysis_stamps    stamps; /* of the lattice the states came from */
	store_measure_meta meta;
	icon_row         **rows;
	size_t             n, bytes;
	size_t             refs; /* under cache_mu */
	uint64_t           used;
	bool               cached;
} icon_set;

/* A few keys (measure and options) of at most ICONS_MAX_MIB together: a
 * set at 10,000 schools x 60 months is about 9 MB. */
#define ICONS_MAX     8
#define ICONS_MAX_MIB 40
/* Points walked through the lattice at once after a write. */
#define WALK_CHUNK 16384
/* Walks begun again when a write decided the lattice again meanwhile. */
#define WALK_TRIES 3

static pthread_mutex_t cache_mu = PTHREAD_MUTEX_INITIALIZER;
static icon_set       *cache[ICONS_MAX];
static size_t          cache_n, cache_bytes;
static uint64_t        cache_tick;

static void
row_release(icon_row *r)
{
	if (r != NULL && atomic_fetch_sub(&r->refs, 1) == 1) {
		free(r);
	}
}

static void
set_free(icon_set *S)
{
	if (S != NULL) {
		for (size_t i = 0; i < S->n; i++) {
			row_release(S->rows[i]);
		}
		free(S->rows);
		free(S->key);
		free(S);
	}
}

static void
set_release(icon_set *S)
{
	if (S == NULL) {
		return;
	}
	pthread_mutex_lock(&cache_mu);
	bool gone = --S->refs == 0 && !S->cached;
	pthread_mutex_unlock(&cache_mu);
	if (gone) {
		set_free(S);
	}
}

/* cache_drop removes entry i; under cache_mu. */
static void
cache_drop(size_t i)
{
	icon_set *S = cache[i];
	cache[i]    = cache[--cache_n];
	cache_bytes -= S->bytes;
	S->cached = false;
	if (S->refs == 0) {
		set_free(S);
	}
}

/* cache_get gives the current set of key, or NULL and in *base the stale
 * one (NULL if none), both held for the caller. */
static icon_set *
cache_get(const char *key, uint64_t version, icon_set **base)
{
	icon_set *hit = NULL;
	*base         = NULL;
	pthread_mutex_lock(&cache_mu);
	for (size_t i = 0; i < cache_n; i++) {
		icon_set *S = cache[i];
		if (strcmp(S->key, key) == 0) {
			S->refs++;
			S->used = ++cache_tick;
			if (S->version == version) {
				hit = S;
			} else {
				*base = S;
			}
			break;
		}
	}
	pthread_mutex_unlock(&cache_mu);
	return hit;
}

/* cache_put adds S (held by the caller) unless a newer one is there
 * already; the least recently used unreferenced entries make room. */
static void
cache_put(icon_set *S)
{
	size_t max = (size_t) ICONS_MAX_MIB << 20;
	pthread_mutex_lock(&cache_mu);
	S->refs++;
	S->used = ++cache_tick;
	for (size_t i = 0; i < cache_n; i++) {
		if (strcmp(cache[i]->key, S->key) == 0) {
			if (cache[i]->version >= S->version) {
				goto out;
			}
			cache_drop(i);
			break;
		}
	}
	/* A set computed while the data changed is kept all the same: it
	 * is not current (its version is older), but its snapshot of the
	 * change log was read before its data, so the next call builds on
	 * it. */
	if (S->bytes > max) {
		goto out;
	}
	while (cache_n > 0
	       && (cache_n == ICONS_MAX || cache_bytes + S->bytes > max)) {
		size_t old = cache_n;
		for (size_t i = 0; i < cache_n; i++) {
			if (cache[i]->refs == 0
			    && (old == cache_n
			        || cache[i]->used < cache[old]->used)) {
				old = i;
			}
		}
		if (old == cache_n) {
			goto out; /* every entry is in use */
		}
		cache_drop(old);
	}
	cache[cache_n++] = S;
	cache_bytes += S->bytes;
	S->cached = true;
out:
	S->refs--;
	pthread_mutex_unlock(&cache_mu);
}

/* month_of reads a school month's start YYYY-MM-01; -1 when it is not
 * one (then nothing is kept). */
static int32_t
month_of(const char *p)
{
	for (int k = 0; k < 10; k++) {
		if (k == 4 || k == 7 ? p[k] != '-'
		                     : (p[k] < '0' || p[k] > '9')) {
			return -1;
		}
	}
	int y = atoi(p), m = atoi(p + 5);
	if (p[10] != '\0' || p[8] != '0' || p[9] != '1' || m < 1 || m > 12) {
		return -1;
	}
	return y * 12 + m - 1;
}

static void
month_write(int32_t mi, char *out)
{
	int y = mi / 12, m = mi % 12 + 1;
	out[0] = (char) ('0' + y / 1000 % 10);
	out[1] = (char) ('0' + y / 100 % 10);
	out[2] = (char) ('0' + y / 10 % 10);
	out[3] = (char) ('0' + y % 10);
	out[4] = '-';
	out[5] = (char) ('0' + m / 10);
	out[6] = (char) ('0' + m % 10);
	memcpy(out + 7, "-01", 4);
}

/* academic year (its first year) of a month index: August on */
static int
year_of(int32_t mi)
{
	return (mi - 7) / 12;
}

static char *
put_str(char **pool, const char *s)
{
	size_t l  = strlen(s) + 1;
	char  *at = *pool;
	memcpy(at, s, l);
	*pool += l;
	return at;
}

/* row_new makes a school's row of n points (months, values before
 * suppression, states) and computes its answer row as analysis_mdc does
 * (analysis_mdc_row); NULL when out of memory. */
static icon_row *
row_new(rpc_call *call, const series_spec *spec,
        const store_measure_meta *meta, const Tandem__V1__MdcRequest *in,
        const char *unit, size_t n, const int32_t *month, const double *raw,
        const uint8_t *reason)
{
	series  s = { .unit = unit, .n = n };
	double *val
	    = rpc_arena_alloc(call->arena, (n ? n : 1) * sizeof(double));
	if (val == NULL) {
		return NULL;
	}
	for (size_t t = 0; t < n; t++) {
		bool hidden = reason[t] != STATS_DISC_RELEASED;
		val[t]      = hidden ? NAN : raw[t];
		s.n_suppressed += hidden;
	}
	s.value = val;
	int                    rv;
	char                   err[TD_ERRMSG_MAX];
	Tandem__V1__MdcSeries *o
	    = analysis_mdc_row(call, spec, meta, in, &s, NULL, 0, &rv, err);
	if (o == NULL) {
		return NULL;
	}
	const char *note  = o->note ? o->note : "";
	const char *inote = o->icon_note ? o->icon_note : "";
	size_t      bytes = sizeof(icon_row)
	    + n * (sizeof(double) + sizeof(int32_t) + 1) + strlen(unit)
	    + strlen(note) + strlen(inote) + 3;
	icon_row *r = calloc(1, bytes);
	if (r == NULL) {
		return NULL;
	}
	atomic_init(&r->refs, 1);
	r->n       = n;
	r->bytes   = bytes;
	r->rv      = rv;
	r->raw     = (double *) (r + 1);
	r->month   = (int32_t *) (r->raw + n);
	r->reason  = (uint8_t *) (r->month + n);
	char *strs = (char *) (r->reason + n);
	memcpy(r->raw, raw, n * sizeof(double));
	memcpy(r->month, month, n * sizeof(int32_t));
	memcpy(r->reason, reason, n);
	for (size_t t = 0; t < n; t++) {
		r->n_primary += reason[t] == STATS_DISC_PRIMARY;
		r->n_complementary += reason[t] == STATS_DISC_COMPLEMENTARY;
	}
	r->row           = *o;
	r->unit          = put_str(&strs, unit);
	r->row.unit      = (char *) r->unit;
	r->row.label     = (char *) r->unit;
	r->row.note      = put_str(&strs, note);
	r->row.icon_note = put_str(&strs, inote);
	return r;
}

/* row_of makes the row of a loaded series (points and states); NULL when
 * out of memory, and *bad when a period is not a month start. */
static icon_row *
row_of(rpc_call *call, const series_spec *spec, const store_measure_meta *meta,
       const Tandem__V1__MdcRequest *in, const series *s, bool *bad)
{
	size_t   n     = s->n ? s->n : 1;
	int32_t *month = rpc_arena_alloc(call->arena, n * sizeof(int32_t));
	double  *raw   = rpc_arena_alloc(call->arena, n * sizeof(double));
	if (month == NULL || raw == NULL) {
		return NULL;
	}
	for (size_t t = 0; t < s->n; t++) {
		if ((month[t] = month_of(s->pts[t].period)) < 0) {
			*bad = true;
			return NULL;
		}
		raw[t] = analysis_value(spec, &s->pts[t]);
	}
	return row_new(call, spec, meta, in, s->unit, s->n, month, raw,
	               s->reason);
}

static icon_set *
set_new(const char *key, uint64_t version, const char *snapshot, size_t cap)
{
	icon_set *S = calloc(1, sizeof(*S));
	if (S == NULL || (S->key = strdup(key)) == NULL
	    || (S->rows = calloc(cap ? cap : 1, sizeof(*S->rows))) == NULL) {
		set_free(S);
		return NULL;
	}
	S->version = version;
	S->refs    = 1;
	snprintf(S->snapshot, sizeof(S->snapshot), "%s", snapshot);
	return S;
}

static void
set_add(icon_set *S, icon_row *r)
{
	S->rows[S->n++] = r;
	S->bytes += r->bytes + sizeof(r);
}

static int
oom(rpc_call *call)
{
	return rpc_fail(call, TD_CODE_RESOURCE_EXHAUSTED, "out of memory");
}

/* cold reads and computes every school. */
static int
cold(rpc_call *call, const Tandem__V1__MdcRequest *in, const series_spec *spec,
     const store_measure_meta *meta, const char *key, uint64_t version,
     const char *snapshot, icon_set **out)
{
	series_spec sp = *spec;
	series     *ss;
	size_t      ns;
	icon_set   *S = NULL;
	int         code;
	bool        bad = false;
	*out            = NULL;
	sp.stamps       = rpc_arena_alloc(call->arena, sizeof(*sp.stamps));
	if (sp.stamps == NULL) {
		return oom(call);
	}
	if ((code = analysis_load(call, in->query, &sp, &ss, &ns))
	    != TD_CODE_OK) {
		return code;
	}
	if ((S = set_new(key, version, snapshot, ns)) == NULL) {
		return oom(call);
	}
	S->stamps = *sp.stamps;
	S->meta   = *meta;
	for (size_t k = 0; k < ns; k++) {
		icon_row *r = row_of(call, spec, meta, in, &ss[k], &bad);
		if (r == NULL) {
			set_free(S);
			return bad ? ANALYSIS_ICONS_UNKEPT : oom(call);
		}
		set_add(S, r);
	}
	S->bytes += sizeof(*S);
	*out = S;
	return TD_CODE_OK;
}

static uint64_t
gen_of(const analysis_stamps *st, int year)
{
	for (size_t i = 0; i < st->n; i++) {
		if (st->year[i] == year) {
			return st->gen[i];
		}
	}
	return 0;
}

static bool
stamps_equal(const analysis_stamps *a, const analysis_stamps *b)
{
	if (a->n != b->n || a->overflow || b->overflow) {
		return false;
	}
	for (size_t i = 0; i < a->n; i++) {
		if (a->year[i] != b->year[i] || a->gen[i] != b->gen[i]) {
			return false;
		}
	}
	return true;
}

/* The academic years whose states may differ between two stamps. */
typedef struct year_set {
	bool   all;
	int    year[2 * ANALYSIS_STAMPS_MAX];
	size_t n;
} year_set;

static void
years_changed(const analysis_stamps *was, const analysis_stamps *now,
              year_set *y)
{
	y->n   = 0;
	y->all = was->overflow || now->overflow;
	for (size_t i = 0; !y->all && i < now->n; i++) {
		if (gen_of(was, now->year[i]) != now->gen[i]) {
			y->year[y->n++] = now->year[i];
		}
	}
	for (size_t i = 0; !y->all && i < was->n; i++) {
		if (gen_of(now, was->year[i]) == 0) {
			y->year[y->n++] = was->year[i];
		}
	}
}

static bool
in_years(const year_set *y, int year)
{
	if (y->all) {
		return true;
	}
	for (size_t i = 0; i < y->n; i++) {
		if (y->year[i] == year) {
			return true;
		}
	}
	return false;
}

/* A walk through the lattice of many schools' points, a chunk at a time:
 * each point gets its state; every chunk must see the same stamps. */
typedef struct walker {
	rpc_call                     *call;
	const Tandem__V1__MdcRequest *in;
	series_spec                   sp; /* with stamps */
	analysis_stamps               want, got;
	store_point                  *pts;
	double                       *people;
	bool                         *hidden;
	uint8_t                      *reason;
	series                        ss[WALK_CHUNK];
	uint8_t                      *dst[WALK_CHUNK]; /* per series */
	size_t                        np, ns;
	bool                          moved; /* stamps changed */
} walker;

/* walk_flush walks the queued series and copies their states out. */
static int
walk_flush(walker *w)
{
	if (w->ns == 0) {
		return TD_CODE_OK;
	}
	int code
	    = analysis_disclose(w->call, w->in->query, &w->sp, w->ss, w->ns);
	if (code != TD_CODE_OK) {
		return code;
	}
	w->moved = w->moved || !stamps_equal(&w->want, &w->got);
	for (size_t u = 0; u < w->ns; u++) {
		memcpy(w->dst[u], w->ss[u].reason, w->ss[u].n);
	}
	w->np = w->ns = 0;
	return TD_CODE_OK;
}

/* walk_add queues the points of one school (months[0..n), states into
 * dst) for the walk. */
static int
walk_add(walker *w, const char *unit, const int32_t *month, size_t n,
         uint8_t *dst)
{
	if (n > WALK_CHUNK) {
		return rpc_fail(w->call, TD_CODE_INTERNAL,
		                "a series longer than the walk");
	}
	if (w->np + n > WALK_CHUNK || w->ns == WALK_CHUNK) {
		int code = walk_flush(w);
		if (code != TD_CODE_OK) {
			return code;
		}
	}
	series *x = &w->ss[w->ns];
	memset(x, 0, sizeof(*x));
	x->unit       = unit;
	x->n          = n;
	x->pts        = w->pts + w->np;
	x->people     = w->people + w->np;
	x->suppressed = w->hidden + w->np;
	x->reason     = w->reason + w->np;
	for (size_t t = 0; t < n; t++) {
		/* what the walk reads: the period; a point the lattice does
		 * not hold gets people from n_sum and month_mask */
		store_point *p = &w->pts[w->np + t];
		p->unit        = unit;
		p->n_sum       = 0;
		p->month_mask  = 0;
		month_write(month[t], p->period);
	}
	w->dst[w->ns++] = dst;
	w->np += n;
	return TD_CODE_OK;
}

static void *
arena_alloc(void *ctx, size_t bytes)
{
	return rpc_arena_alloc(ctx, bytes);
}

/* The schools a write changed, read again: series by code. */
typedef struct fresh {
	series *ss;
	size_t  n;
} fresh;

static int
by_code(const void *a, const void *b)
{
	return strcmp(*(const char *const *) a, *(const char *const *) b);
}

/* changed: is unit among the changed schools (sorted by code)? */
static bool
changed(const store_school_change *ch, const char *unit)
{
	return ch->n > 0
	    && bsearch(&unit, ch->codes, ch->n, sizeof(*ch->codes), by_code)
	    != NULL;
}

/* read_fresh reads the changed schools' school months into series by
 * code (points not yet given states). */
static int
read_fresh(rpc_call *call, const Tandem__V1__MdcRequest *in,
           const series_spec *spec, const store_school_change *ch, fresh *f)
{
	const Tandem__V1__SeriesQuery *q  = in->query;
	store_series_query             sq = {
		            .measure  = spec->measure,
		            .level    = 's',
		            .district = spec->district,
		            .grain    = 'm',
		            .from     = q->from[0] ? q->from : NULL,
		            .to       = q->to[0] ? q->to : NULL,
		            .subgroup = q->subgroup,
		            .grade    = "",
	};
	store_point *pts = NULL;
	size_t       n   = 0;
	f->n             = 0;
	f->ss            = NULL;
	if (ch->n == 0) {
		return TD_CODE_OK;
	}
	int rv = store_school_months(call->store, &sq,
	                             (const char *const *) ch->codes, ch->n,
	                             arena_alloc, call->arena, &pts, &n);
	if (rv != TD_OK) {
		return rv == TD_ENOMEM ? oom(call)
		                       : analysis_db_fail(call, rv);
	}
	f->ss = rpc_arena_alloc(call->arena, (ch->n + 1) * sizeof(series));
	if (f->ss == NULL) {
		return oom(call);
	}
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j < n && pts[j].unit == pts[i].unit) {
			j++;
		}
		series *x = &f->ss[f->n++];
		memset(x, 0, sizeof(*x));
		x->unit   = pts[i].unit;
		x->pts    = &pts[i];
		x->n      = j - i;
		x->reason = rpc_arena_alloc(call->arena, x->n + 1);
		if (x->reason == NULL) {
			return oom(call);
		}
		i = j;
	}
	return TD_CODE_OK;
}

/* warm builds on base: the changed schools read again, the states of the
 * years the lattice decided again walked again; NULL *out and OK when a
 * walk kept meeting new writes (the caller computes every school). */
static int
warm(rpc_call *call, const Tandem__V1__MdcRequest *in, const series_spec *spec,
     const store_measure_meta *meta, const icon_set *base,
     const store_school_change *ch, uint64_t version, icon_set **out)
{
	fresh     f;
	int       code;
	walker   *w   = calloc(1, sizeof(*w));
	uint8_t **now = calloc(base->n + 1, sizeof(*now));
	*out          = NULL;
	if (w == NULL || now == NULL
	    || (w->pts = malloc(WALK_CHUNK * sizeof(*w->pts))) == NULL
	    || (w->people = malloc(WALK_CHUNK * sizeof(double))) == NULL
	    || (w->hidden = malloc(WALK_CHUNK)) == NULL
	    || (w->reason = malloc(WALK_CHUNK)) == NULL) {
		code = oom(call);
		goto done;
	}
	if ((code = read_fresh(call, in, spec, ch, &f)) != TD_CODE_OK) {
		goto done;
	}
	w->call      = call;
	w->in        = in;
	w->sp        = *spec;
	w->sp.stamps = &w->got;
	for (int tries = 0; tries < WALK_TRIES; tries++) {
		year_set ys;
		/* the lattice now (decided again here when a write reached
		 * it), then every point of its changed years */
		w->sp.stamps = &w->want;
		if ((code
		     = analysis_disclose(call, in->query, &w->sp, w->ss, 0))
		    != TD_CODE_OK) {
			goto done;
		}
		w->sp.stamps = &w->got;
		w->moved     = false;
		years_changed(&base->stamps, &w->want, &ys);
		for (size_t i = 0; i < base->n; i++) {
			const icon_row *r = base->rows[i];
			free(now[i]);
			now[i] = NULL;
			if (changed(ch, r->unit)) {
				continue;
			}
			size_t a = 0, b = r->n;
			while (a < r->n
			       && !in_years(&ys, year_of(r->month[a]))) {
				a++;
			}
			while (b > a
			       && !in_years(&ys, year_of(r->month[b - 1]))) {
				b--;
			}
			if (a == b) {
				continue;
			}
			/* [a, b): the changed years' points (a school's
			 * months are in order, the years a run) */
			if ((now[i] = malloc(r->n)) == NULL) {
				code = oom(call);
				goto done;
			}
			memcpy(now[i], r->reason, r->n);
			if ((code = walk_add(w, r->unit, r->month + a, b - a,
			                     now[i] + a))
			    != TD_CODE_OK) {
				goto done;
			}
		}
		for (size_t k = 0; k < f.n; k++) {
			series  *x = &f.ss[k];
			int32_t *m = rpc_arena_alloc(
			    call->arena, (x->n + 1) * sizeof(int32_t));
			if (m == NULL) {
				code = oom(call);
				goto done;
			}
			for (size_t t = 0; t < x->n; t++) {
				if ((m[t] = month_of(x->pts[t].period)) < 0) {
					code = ANALYSIS_ICONS_UNKEPT;
					goto done;
				}
			}
			if ((code = walk_add(w, x->unit, m, x->n, x->reason))
			    != TD_CODE_OK) {
				goto done;
			}
		}
		if ((code = walk_flush(w)) != TD_CODE_OK) {
			goto done;
		}
		if (w->moved) {
			continue; /* a write decided the lattice again */
		}
		/* merge the kept rows and the changed schools in code order */
		icon_set *S
		    = set_new(base->key, version, ch->snapshot, base->n + f.n);
		if (S == NULL) {
			code = oom(call);
			goto done;
		}
		S->stamps = w->want;
		S->meta   = *meta;
		size_t i = 0, k = 0;
		while (i < base->n || k < f.n) {
			icon_row *r   = i < base->n ? base->rows[i] : NULL;
			int       c   = r == NULL ? 1
			            : k == f.n    ? -1
			                       : strcmp(r->unit, f.ss[k].unit);
			icon_row *add = NULL;
			bool      bad = false;
			if (c > 0 || (c == 0 && r != NULL)) {
				/* a changed school read again */
				add = row_of(call, spec, meta, in, &f.ss[k],
				             &bad);
				k++;
				i += c == 0;
			} else if (changed(ch, r->unit)) {
				i++; /* changed and now without data */
				continue;
			} else if (now[i] != NULL
			           && memcmp(now[i], r->reason, r->n) != 0) {
				add = row_new(call, spec, meta, in, r->unit,
				              r->n, r->month, r->raw, now[i]);
				i++;
			} else {
				atomic_fetch_add(&base->rows[i]->refs, 1);
				add = base->rows[i++];
			}
			if (add == NULL) {
				set_free(S);
				code = bad ? ANALYSIS_ICONS_UNKEPT : oom(call);
				goto done;
			}
			set_add(S, add);
		}
		S->bytes += sizeof(*S);
		*out = S;
		goto done;
	}
done:
	for (size_t i = 0; now != NULL && i < base->n; i++) {
		free(now[i]);
	}
	free(now);
	if (w != NULL) {
		free(w->pts);
		free(w->people);
		free(w->hidden);
		free(w->reason);
		free(w);
	}
	return code;
}

bool
analysis_icons_kept(const Tandem__V1__MdcRequest *in, const series_spec *spec)
{
	return in->icons_only && in->n_rebase_at == 0 && !spec->survey
	    && spec->level == 's' && spec->unit == NULL && spec->grain == 'm'
	    && !in->query->approved_only;
}

static bool
same_meta(const store_measure_meta *a, const store_measure_meta *b)
{
	return a->direction == b->direction && a->has_target == b->has_target
	    && (!a->has_target || a->target == b->target);
}

int
analysis_icons(rpc_call *call, const Tandem__V1__MdcRequest *in,
               const series_spec *spec, const store_measure_meta *meta,
               analysis_icon_rows *out)
{
	const Tandem__V1__SeriesQuery *q = in->query;
	bool  admin                      = call->who.role == RPC_ROLE_ADMIN;
	char *key                        = rpc_arena_printf(
	                           call->arena, "%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%d\x1f%d\x1f%d\x1f%d",
	                           spec->measure, q->subgroup,
            spec->district ? spec->district : "\x1e", q->from, q->to,
	                           (int) in->fix_after, (int) in->no_screen, (int) admin,
	                           call->cfg->min_n);
	uint64_t  version = store_data_version(); /* before any read */
	icon_set *base, *S;
	int       code = TD_CODE_OK;
	if (key == NULL) {
		return oom(call);
	}
	S = cache_get(key, version, &base);
	if (S != NULL && !same_meta(&S->meta, meta)) {
		base = S; /* the measure's direction or target changed */
		S    = NULL;
	}
	if (S == NULL) {
		store_school_change ch;
		bool keep = base != NULL && same_meta(&base->meta, meta);
		int  rv
		    = store_school_changes(call->store, spec->measure,
		                           keep ? base->snapshot : NULL, &ch);
		if (rv != TD_OK) {
			set_release(base);
			return analysis_db_fail(call, rv);
		}
		if (keep && !ch.all) {
			if (ch.n > 1) {
				qsort(ch.codes, ch.n, sizeof(*ch.codes),
				      by_code);
			}
			code = warm(call, in, spec, meta, base, &ch, version,
			            &S);
		}
		if (code == TD_CODE_OK && S == NULL) {
			code = cold(call, in, spec, meta, key, version,
			            ch.snapshot, &S);
		}
		free(ch.codes);
		set_release(base);
		if (code != TD_CODE_OK) {
			return code;
		}
		cache_put(S);
	}
	out->rows
	    = rpc_arena_alloc(call->arena, (S->n ? S->n : 1) * sizeof(void *));
	out->n       = 0;
	out->primary = out->complementary = 0;
	out->rv                           = TD_OK;
	for (size_t i = 0; out->rows != NULL && i < S->n; i++) {
		const icon_row        *r = S->rows[i];
		Tandem__V1__MdcSeries *o
		    = RPC_NEW(call->arena, Tandem__V1__MdcSeries,
		              tandem__v1__mdc_series__init);
		if (o == NULL) {
			break;
		}
		*o           = r->row;
		o->unit      = rpc_arena_strdup(call->arena, r->unit);
		o->label     = o->unit;
		o->note      = r->row.note[0]
		         ? rpc_arena_strdup(call->arena, r->row.note)
		         : (char *) "";
		o->icon_note = rpc_arena_strdup(call->arena, r->row.icon_note);
		if (o->unit == NULL || o->note == NULL
		    || o->icon_note == NULL) {
			break;
		}
		out->primary += r->n_primary;
		out->complementary += r->n_complementary;
		out->rv             = r->rv;
		out->rows[out->n++] = o;
	}
	bool whole = out->rows != NULL && out->n == S->n;
	set_release(S);
	return whole ? TD_CODE_OK : oom(call);
}
