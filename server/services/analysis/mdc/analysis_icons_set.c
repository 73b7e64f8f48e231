/* SPDX-License-Identifier: MIT
 * The rows and sets of the MDC icon matrix kept per school (see
 * analysis_icons.c): a school's row made from its points and states, the
 * sets of every school's rows for one key, and the few sets kept.
 */
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis_icons.h"
#include "stats/core/stats_disclosure.h"
#include "store/store_analysis.h"

/* A few keys (measure and options) of at most ICONS_MAX_MIB together: a
 * set at 10,000 schools x 60 months is about 9 MB. */
#define ICONS_MAX     8
#define ICONS_MAX_MIB 40

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

void
analysis_icons_set_free(icon_set *S)
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

void
analysis_icons_set_release(icon_set *S)
{
	if (S == NULL) {
		return;
	}
	pthread_mutex_lock(&cache_mu);
	bool gone = --S->refs == 0 && !S->cached;
	pthread_mutex_unlock(&cache_mu);
	if (gone) {
		analysis_icons_set_free(S);
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
		analysis_icons_set_free(S);
	}
}

icon_set *
analysis_icons_cache_get(const char *key, uint64_t version, icon_set **base)
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

/* The least recently used unreferenced sets make room. */
void
analysis_icons_cache_put(icon_set *S)
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

int32_t
analysis_icons_month_of(const char *p)
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

static char *
put_str(char **pool, const char *s)
{
	size_t l  = strlen(s) + 1;
	char  *at = *pool;
	memcpy(at, s, l);
	*pool += l;
	return at;
}

icon_row *
analysis_icons_row_new(rpc_call *call, const series_spec *spec,
                       const store_measure_meta     *meta,
                       const Tandem__V1__MdcRequest *in, const char *unit,
                       size_t n, const int32_t *month, const double *raw,
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

icon_row *
analysis_icons_row_of(rpc_call *call, const series_spec *spec,
                      const store_measure_meta     *meta,
                      const Tandem__V1__MdcRequest *in, const series *s,
                      bool *bad)
{
	size_t   n     = s->n ? s->n : 1;
	int32_t *month = rpc_arena_alloc(call->arena, n * sizeof(int32_t));
	double  *raw   = rpc_arena_alloc(call->arena, n * sizeof(double));
	if (month == NULL || raw == NULL) {
		return NULL;
	}
	for (size_t t = 0; t < s->n; t++) {
		if ((month[t] = analysis_icons_month_of(s->pts[t].period))
		    < 0) {
			*bad = true;
			return NULL;
		}
		raw[t] = analysis_value(spec, &s->pts[t]);
	}
	return analysis_icons_row_new(call, spec, meta, in, s->unit, s->n,
	                              month, raw, s->reason);
}

icon_set *
analysis_icons_set_new(const char *key, uint64_t version, const char *snapshot,
                       size_t cap)
{
	icon_set *S = calloc(1, sizeof(*S));
	if (S == NULL || (S->key = strdup(key)) == NULL
	    || (S->rows = calloc(cap ? cap : 1, sizeof(*S->rows))) == NULL) {
		analysis_icons_set_free(S);
		return NULL;
	}
	S->version = version;
	S->refs    = 1;
	snprintf(S->snapshot, sizeof(S->snapshot), "%s", snapshot);
	return S;
}

void
analysis_icons_set_add(icon_set *S, icon_row *r)
{
	S->rows[S->n++] = r;
	S->bytes += r->bytes + sizeof(r);
}

int
analysis_icons_oom(rpc_call *call)
{
	return rpc_fail(call, TD_CODE_RESOURCE_EXHAUSTED, "out of memory");
}
