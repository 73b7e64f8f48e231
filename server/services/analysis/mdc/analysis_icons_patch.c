/* SPDX-License-Identifier: MIT
 * A kept icon matrix patched after writes (see analysis_icons.c): the
 * schools whose outcomes changed are read again, and the points of the
 * academic years the lattice decided again are walked through it again,
 * a chunk at a time, to find the schools whose states changed.
 */
#include <stdlib.h>
#include <string.h>

#include "analysis_icons.h"
#include "store/store_analysis.h"

/* Points walked through the lattice at once after a write. */
#define WALK_CHUNK 16384
/* Walks begun again when a write decided the lattice again meanwhile. */
#define WALK_TRIES 3

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

int
analysis_icons_by_code(const void *a, const void *b)
{
	return strcmp(*(const char *const *) a, *(const char *const *) b);
}

/* changed: is unit among the changed schools (sorted by code)? */
static bool
changed(const store_school_change *ch, const char *unit)
{
	return ch->n > 0
	    && bsearch(&unit, ch->codes, ch->n, sizeof(*ch->codes),
	               analysis_icons_by_code)
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
		return rv == TD_ENOMEM ? analysis_icons_oom(call)
		                       : analysis_db_fail(call, rv);
	}
	f->ss = rpc_arena_alloc(call->arena, (ch->n + 1) * sizeof(series));
	if (f->ss == NULL) {
		return analysis_icons_oom(call);
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
			return analysis_icons_oom(call);
		}
		i = j;
	}
	return TD_CODE_OK;
}

int
analysis_icons_patch(rpc_call *call, const Tandem__V1__MdcRequest *in,
                     const series_spec *spec, const store_measure_meta *meta,
                     const icon_set *base, const store_school_change *ch,
                     uint64_t version, icon_set **out)
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
		code = analysis_icons_oom(call);
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
				code = analysis_icons_oom(call);
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
				code = analysis_icons_oom(call);
				goto done;
			}
			for (size_t t = 0; t < x->n; t++) {
				if ((m[t] = analysis_icons_month_of(
				         x->pts[t].period))
				    < 0) {
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
		icon_set *S = analysis_icons_set_new(
		    base->key, version, ch->snapshot, base->n + f.n);
		if (S == NULL) {
			code = analysis_icons_oom(call);
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
				add = analysis_icons_row_of(
				    call, spec, meta, in, &f.ss[k], &bad);
				k++;
				i += c == 0;
			} else if (changed(ch, r->unit)) {
				i++; /* changed and now without data */
				continue;
			} else if (now[i] != NULL
			           && memcmp(now[i], r->reason, r->n) != 0) {
				add = analysis_icons_row_new(
				    call, spec, meta, in, r->unit, r->n,
				    r->month, r->raw, now[i]);
				i++;
			} else {
				atomic_fetch_add(&base->rows[i]->refs, 1);
				add = base->rows[i++];
			}
			if (add == NULL) {
				analysis_icons_set_free(S);
				code = bad ? ANALYSIS_ICONS_UNKEPT
				           : analysis_icons_oom(call);
				goto done;
			}
			analysis_icons_set_add(S, add);
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
