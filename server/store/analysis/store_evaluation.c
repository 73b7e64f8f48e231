/* SPDX-License-Identifier: MIT
 * Reads for evaluation: activities, their costs and the price index, each
 * school's hours and pre/post outcome means for return on investment, the
 * adoption year of each school for staggered impact, and the sampling
 * variances of one period's school values.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "store_analysis.h"
#include "store_internal.h"
#include "store_registry.h"

int
store_activities(store *s, const char *activity, store_activity **out,
                 size_t *n)
{
	const char *p[1] = { activity };
	PGresult   *r;
	int         rv
	    = store_query(s,
	                  "SELECT code, kind FROM activities WHERE $1::text "
	                  "IS NULL OR code = $1 ORDER BY code",
	                  1, p, &r, "reading activities");
	if (rv != TD_OK) {
		return rv;
	}
	*n   = (size_t) PQntuples(r);
	*out = store_alloc_rows(s, *n, sizeof(store_activity), &rv);
	for (size_t i = 0; *out && i < *n; i++) {
		store_copy_field((*out)[i].code, sizeof((*out)[i].code), r,
		                 (int) i, 0);
		store_copy_field((*out)[i].kind, sizeof((*out)[i].kind), r,
		                 (int) i, 1);
	}
	PQclear(r);
	return rv;
}

int
store_costs(store *s, const char *activity, store_cost_row **out, size_t *n)
{
	const char *p[1] = { activity };
	PGresult   *r;
	int         rv = store_query(s,
	                             "SELECT c.year, c.category, c.quantity, "
	                                     "c.unit_cost FROM costs c JOIN activities a ON "
	                                     "a.id = c.activity_id WHERE a.code = $1 ORDER BY "
	                                     "c.year, c.category, c.ingredient",
	                             1, p, &r, "reading costs");
	if (rv != TD_OK) {
		return rv;
	}
	*n   = (size_t) PQntuples(r);
	*out = store_alloc_rows(s, *n, sizeof(store_cost_row), &rv);
	for (size_t i = 0; *out && i < *n; i++) {
		store_cost_row *c = &(*out)[i];
		c->year           = atoi(PQgetvalue(r, (int) i, 0));
		store_copy_field(c->category, sizeof(c->category), r, (int) i,
		                 1);
		c->quantity  = store_num(r, (int) i, 2);
		c->unit_cost = store_num(r, (int) i, 3);
	}
	PQclear(r);
	return rv;
}

int
store_price_index(store *s, store_index_row **out, size_t *n)
{
	PGresult *r;
	int       rv
	    = store_query(s,
	                  "SELECT year, index_value FROM price_index ORDER BY "
	                  "year",
	                  0, NULL, &r, "reading the price index");
	if (rv != TD_OK) {
		return rv;
	}
	*n   = (size_t) PQntuples(r);
	*out = store_alloc_rows(s, *n, sizeof(store_index_row), &rv);
	for (size_t i = 0; *out && i < *n; i++) {
		(*out)[i].year  = atoi(PQgetvalue(r, (int) i, 0));
		(*out)[i].index = store_num(r, (int) i, 1);
	}
	PQclear(r);
	return rv;
}

/* roi_id_cmp orders indexes into the schools by their ids. */
static int
roi_id_cmp(const void *a, const void *b, void *ctx)
{
	const int64_t *id = ctx;
	int64_t x = id[*(const size_t *) a], y = id[*(const size_t *) b];
	return (x > y) - (x < y);
}

/* roi_find: the index of the school with id key, or n (ix: the schools'
 * indexes by id). */
static size_t
roi_find(const int64_t *id, const size_t *ix, size_t n, int64_t key)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (id[ix[mid]] < key) {
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	return lo < n && id[ix[lo]] == key ? ix[lo] : n;
}

/* The sums of one school over a range, added in the order the rows come,
 * as PostgreSQL's sum(float8) (float8pl from the first value) and
 * avg(float8) (float8_accum from 0: Sx / N) add them. */
typedef struct roi_acc {
	double w, n, sx, cnt;
} roi_acc;

static void
roi_add(roi_acc *a, double wsum, double n_sum)
{
	a->w = a->cnt > 0 ? a->w + wsum : wsum;
	a->n = a->cnt > 0 ? a->n + n_sum : n_sum;
	a->sx += n_sum;
	a->cnt += 1.0;
}

int
store_roi_schools(store *s, const char *activity, const char *measure,
                  const char *pre_from, const char *pre_to,
                  const char *post_from, const char *post_to,
                  store_roi_school **out, size_t *n)
{
	const char *p[5]  = { measure, pre_from, pre_to, post_from, post_to };
	const char *pa[1] = { activity };
	PGresult   *r;
	*out = NULL;
	*n   = 0;
	/* The schools, their participation and enrollment (by code). */
	int rv = store_query(
	    s,
	    "WITH part AS (SELECT p.school_id, sum(p.hours) AS hours, "
	    "count(DISTINCT p.educator_id) AS educators FROM participation p "
	    "JOIN activities a ON a.id = p.activity_id WHERE a.code = $1 "
	    "GROUP BY p.school_id) "
	    "SELECT sc.code, coalesce(pt.hours, 0), coalesce(pt.educators, "
	    "0), coalesce(sc.enrollment, -1), sc.id "
	    "FROM schools sc LEFT JOIN part pt ON pt.school_id = sc.id "
	    "ORDER BY sc.code",
	    1, pa, &r, "reading schools for return on investment");
	if (rv != TD_OK) {
		return rv;
	}
	size_t   ns = (size_t) PQntuples(r);
	int64_t *id = store_alloc_rows(s, ns, sizeof(int64_t), &rv);
	size_t *ix = rv == TD_OK ? store_alloc_rows(s, ns, sizeof(size_t), &rv)
	                         : NULL;
	roi_acc *acc = rv == TD_OK
	    ? store_alloc_rows(s, 2 * ns, sizeof(roi_acc), &rv)
	    : NULL;
	*out         = rv == TD_OK
	            ? store_alloc_rows(s, ns, sizeof(store_roi_school), &rv)
	            : NULL;
	for (size_t i = 0; *out && i < ns; i++) {
		store_roi_school *x = &(*out)[i];
		int               k = (int) i;
		store_copy_field(x->school, sizeof(x->school), r, k, 0);
		x->hours      = store_num(r, k, 1);
		x->educators  = atoi(PQgetvalue(r, k, 2));
		x->enrollment = atoi(PQgetvalue(r, k, 3));
		id[i]         = strtoll(PQgetvalue(r, k, 4), NULL, 10);
		ix[i]         = i;
	}
	PQclear(r);
	if (rv == TD_OK) {
		qsort_r(ix, ns, sizeof(size_t), roi_id_cmp, id);
		/* The school months once, read in one pass (the ranges as
		 * flags) instead of four subqueries per school over them,
		 * which rescanned every school month for each school: 16.5 s
		 * at 1,000 schools. The months come in the order the
		 * materialized CTE gives them, the order the subqueries
		 * summed them in, so every sum is the same to the bit. */
		rv = store_query(
		    s,
		    "WITH roll AS MATERIALIZED (SELECT o.school_id AS "
		    "unit_id, date_trunc('month', "
		    "o.period_start::timestamp)::date AS period_start, "
		    "sum(o.n::float8) AS n_sum, "
		    "sum(o.n::float8 * o.value) AS wsum FROM outcomes o WHERE "
		    "o.measure_id = (SELECT id FROM measures WHERE code = $1) "
		    "AND o.subgroup = '' GROUP BY 1, 2 HAVING sum(o.n) > 0) "
		    "SELECT unit_id, n_sum, wsum, period_start BETWEEN "
		    "$2::date AND $3::date, period_start BETWEEN $4::date AND "
		    "$5::date FROM roll",
		    5, p, &r, "reading schools for return on investment");
	}
	if (rv != TD_OK) {
		free(id);
		free(ix);
		free(acc);
		free(*out);
		*out = NULL;
		return rv;
	}
	for (int k = 0; k < PQntuples(r); k++) {
		size_t i = roi_find(id, ix, ns,
		                    strtoll(PQgetvalue(r, k, 0), NULL, 10));
		for (int g = 0; i < ns && g < 2; g++) {
			if (PQgetvalue(r, k, 3 + g)[0] == 't') {
				roi_add(&acc[2 * i + (size_t) g],
				        store_num(r, k, 2),
				        store_num(r, k, 1));
			}
		}
	}
	PQclear(r);
	for (size_t i = 0; i < ns; i++) {
		store_roi_school *x  = &(*out)[i];
		const roi_acc    *pr = &acc[2 * i], *po = &acc[2 * i + 1];
		x->pre    = pr->cnt > 0 ? pr->w / pr->n : NAN;
		x->post   = po->cnt > 0 ? po->w / po->n : NAN;
		x->pre_n  = pr->cnt > 0 ? pr->sx / pr->cnt : NAN;
		x->post_n = po->cnt > 0 ? po->sx / po->cnt : NAN;
	}
	free(id);
	free(ix);
	free(acc);
	*n = ns;
	return TD_OK;
}

int
store_adoption_years(store *s, const char *activity, store_adoption **out,
                     size_t *n)
{
	const char *p[1] = { activity };
	PGresult   *r;
	int rv = store_query(s, "SELECT 1 FROM activities WHERE code = $1", 1,
	                     p, &r, "looking up an activity");
	if (rv != TD_OK) {
		return rv;
	}
	bool found = PQntuples(r) > 0;
	PQclear(r);
	if (!found) {
		return TD_ENOTFOUND;
	}
	rv = store_query(
	    s,
	    /* a school's first start, then its year: the year
	     * of the earliest start is the earliest year (a
	     * year's start is monotonic). td_period_start is not
	     * inlined (~10 us a call): once per distinct first
	     * start, not per participation row (38,000 rows, 220
	     * ms at 10,000 schools) */
	    "WITH f AS (SELECT p.school_id, min(p.period_start) AS "
	    "first FROM participation p WHERE p.activity_id = "
	    "(SELECT id FROM activities WHERE code = $1) GROUP BY "
	    "p.school_id), y AS (SELECT first, td_period_start('y', "
	    "first) AS ys FROM (SELECT DISTINCT first FROM f) d) "
	    "SELECT sc.code, coalesce(y.ys::text, '') FROM schools sc "
	    "LEFT JOIN f ON f.school_id = sc.id LEFT JOIN y ON "
	    "y.first = f.first ORDER BY sc.code",
	    1, p, &r, "reading when schools took part");
	if (rv != TD_OK) {
		return rv;
	}
	*n   = (size_t) PQntuples(r);
	*out = store_alloc_rows(s, *n, sizeof(store_adoption), &rv);
	for (size_t i = 0; *out && i < *n; i++) {
		store_copy_field((*out)[i].school, sizeof((*out)[i].school), r,
		                 (int) i, 0);
		store_copy_field((*out)[i].first_year,
		                 sizeof((*out)[i].first_year), r, (int) i, 1);
	}
	PQclear(r);
	return rv;
}

int
store_outcome_sd2(store *s, const char *measure, const char *subgroup,
                  char grain, const char *period, store_sd2 **out, size_t *n)
{
	char        g[2] = { grain, '\0' };
	const char *p[4] = { measure, subgroup, g, period };
	PGresult   *r;
	int         rv = store_query(
	            s,
	            "SELECT sc.code, sum(o.n * o.sd * o.sd) / sum(o.n) FROM "
	                    "outcomes o JOIN schools sc ON sc.id = o.school_id WHERE "
	                    "o.measure_id = (SELECT id FROM measures WHERE code = $1) "
	                    "AND o.subgroup = $2 AND o.sd IS NOT NULL AND o.n > 0 "
	                    "AND o.period_start >= $4::date AND o.period_start < "
	                    "$4::date + 366 AND "
	                    "td_period_start($3::char, o.period_start) = $4::date "
	                    "GROUP BY sc.code ORDER BY sc.code",
	            4, p, &r, "reading the outcomes' SDs");
	if (rv != TD_OK) {
		return rv;
	}
	*n   = (size_t) PQntuples(r);
	*out = store_alloc_rows(s, *n, sizeof(store_sd2), &rv);
	for (size_t i = 0; *out && i < *n; i++) {
		store_copy_field((*out)[i].school, sizeof((*out)[i].school), r,
		                 (int) i, 0);
		(*out)[i].sd2 = store_num(r, (int) i, 1);
	}
	PQclear(r);
	return rv;
}
