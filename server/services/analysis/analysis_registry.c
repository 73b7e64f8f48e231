/* SPDX-License-Identifier: MIT
 * The schools of the registry as the analyses across schools need them
 * (id, code, district, name, context), read once per data version and
 * shared by the workers, as the disclosure lattice is: listing 10,000
 * schools was 8 ms of SQL and 6 ms of tandemd per positive-deviance or
 * comparison call.
 */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "store/store_registry.h"

struct analysis_registry {
	uint64_t         version; /* store_data_version() before the read */
	analysis_school *schools; /* n, by code */
	size_t          *by_id; /* n indexes into schools, by id */
	size_t           n;
	char            *strs;
	size_t           refs; /* under reg_mu */
	bool             cached;
};

static pthread_mutex_t    reg_mu = PTHREAD_MUTEX_INITIALIZER;
static analysis_registry *reg_cached;

static void
registry_free(analysis_registry *R)
{
	if (R != NULL) {
		free(R->schools);
		free(R->by_id);
		free(R->strs);
		free(R);
	}
}

void
analysis_registry_release(const analysis_registry *cR)
{
	analysis_registry *R = (analysis_registry *) cR;
	if (R == NULL) {
		return;
	}
	pthread_mutex_lock(&reg_mu);
	bool gone = --R->refs == 0 && !R->cached;
	pthread_mutex_unlock(&reg_mu);
	if (gone) {
		registry_free(R);
	}
}

static int
code_cmp(const void *a, const void *b)
{
	return strcmp(((const analysis_school *) a)->code,
	              ((const analysis_school *) b)->code);
}

static int
id_cmp(const void *a, const void *b, void *ctx)
{
	const analysis_school *s = ctx;
	int64_t x = s[*(const size_t *) a].id, y = s[*(const size_t *) b].id;
	return (x > y) - (x < y);
}

/* registry_read builds a snapshot from the store's school listing. */
static int
registry_read(rpc_call *call, uint64_t version, analysis_registry **out)
{
	store_school *v = NULL;
	size_t        n = 0, len = 0;
	int           rv = store_list_schools(call->store, "", &v, &n);
	if (rv != TD_OK) {
		return analysis_db_fail(call, rv);
	}
	for (size_t i = 0; i < n; i++) {
		len += strlen(v[i].code)
		    + strlen(v[i].district ? v[i].district : "")
		    + strlen(v[i].name ? v[i].name : "") + strlen(v[i].locale)
		    + 4;
	}
	analysis_registry *R = calloc(1, sizeof(*R));
	if (R != NULL) {
		R->schools = calloc(n ? n : 1, sizeof(*R->schools));
		R->by_id   = calloc(n ? n : 1, sizeof(*R->by_id));
		R->strs    = malloc(len ? len : 1);
	}
	if (R == NULL || !R->schools || !R->by_id || !R->strs) {
		store_schools_free(v, n);
		registry_free(R);
		return rpc_fail(call, TD_CODE_RESOURCE_EXHAUSTED,
		                "out of memory");
	}
	char *at = R->strs;
	for (size_t i = 0; i < n; i++) {
		const char *str[4]
		    = { v[i].code, v[i].district ? v[i].district : "",
			v[i].name ? v[i].name : "", v[i].locale };
		const char *cp[4];
		for (int f = 0; f < 4; f++) {
			size_t l = strlen(str[f]) + 1;
			memcpy(at, str[f], l);
			cp[f] = at;
			at += l;
		}
		R->schools[i] = (analysis_school) {
			.id       = v[i].id,
			.code     = cp[0],
			.district = cp[1],
			.name     = cp[2],
			.locale   = cp[3],
			.frl      = v[i].frl_rate < 0 ? NAN : v[i].frl_rate,
			.enrollment
			= v[i].enrollment <= 0 ? NAN : v[i].enrollment,
		};
	}
	store_schools_free(v, n);
	/* The store lists by code already; sort anyway (the order of the
	 * database's collation need not be strcmp's). */
	qsort(R->schools, n, sizeof(*R->schools), code_cmp);
	for (size_t i = 0; i < n; i++) {
		R->by_id[i] = i;
	}
	qsort_r(R->by_id, n, sizeof(*R->by_id), id_cmp, R->schools);
	R->n       = n;
	R->version = version;
	R->refs    = 1;
	*out       = R;
	return TD_CODE_OK;
}

int
analysis_registry_get(rpc_call *call, bool fresh,
                      const analysis_registry **out)
{
	uint64_t version     = store_data_version(); /* before the read */
	analysis_registry *R = NULL;
	pthread_mutex_lock(&reg_mu);
	if (!fresh && reg_cached != NULL && reg_cached->version == version) {
		R = reg_cached;
		R->refs++;
	}
	pthread_mutex_unlock(&reg_mu);
	if (R != NULL) {
		*out = R;
		return TD_CODE_OK;
	}
	int code = registry_read(call, version, &R);
	if (code != TD_CODE_OK) {
		return code;
	}
	analysis_registry *old = NULL;
	pthread_mutex_lock(&reg_mu);
	/* Keep the newest; one read from data that changed meanwhile is
	 * used by its own call only. */
	if (version == store_data_version()
	    && (reg_cached == NULL || reg_cached->version <= version)) {
		old = reg_cached;
		if (old != NULL) {
			old->cached = false;
			old         = old->refs == 0 ? old : NULL;
		}
		reg_cached = R;
		R->cached  = true;
	}
	pthread_mutex_unlock(&reg_mu);
	registry_free(old);
	*out = R;
	return TD_CODE_OK;
}

void
analysis_registry_match(const analysis_registry *R, const series *ss,
                        size_t ns, const analysis_school **school)
{
	/* Both are in code order: one walk, not a search per unit. */
	size_t j = 0;
	for (size_t u = 0; u < ns; u++) {
		const char *code = ss[u].unit;
		int         c    = -1;
		while (j < R->n
		       && (c = strcmp(R->schools[j].code, code)) < 0) {
			j++;
		}
		if (j < R->n && c == 0) {
			school[u] = &R->schools[j];
		} else {
			analysis_school key = { .code = code };
			school[u]           = bsearch(&key, R->schools, R->n,
			                              sizeof(key), code_cmp);
		}
	}
}

const analysis_school *
analysis_registry_id(const analysis_registry *R, int64_t id)
{
	size_t lo = 0, hi = R->n;
	while (lo < hi) {
		size_t  mid = lo + (hi - lo) / 2;
		int64_t x   = R->schools[R->by_id[mid]].id;
		if (x == id) {
			return &R->schools[R->by_id[mid]];
		}
		if (x < id) {
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	return NULL;
}
