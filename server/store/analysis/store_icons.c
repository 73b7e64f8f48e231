/* SPDX-License-Identifier: MIT
 * See store_icons.h: the outcome change log (sql/022) read as the
 * lattice's log is (store_disclosure.c), and the school months of named
 * schools, summed by store_outcome_month_next as every school month is.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_analysis.h"
#include "store_icons.h"
#include "store_internal.h"

/* The log's rows of transactions the caller's last snapshot ($2) did not
 * see, for measure $1, with the snapshot the statement ran in; every
 * school when the log names every measure or school, when the lattice's
 * log names every measure (a school's code or district, a district's
 * code: sql/021), or when either log was pruned past $2. One row per
 * changed school (code NULL when none). */
#define UNSEEN(t)                                                             \
	t ".xid >= pg_snapshot_xmin($2::pg_snapshot) AND NOT "                \
	  "pg_visible_in_snapshot(" t ".xid, $2::pg_snapshot)"
static const char SCHOOL_CHANGES[]
    = "WITH c AS (SELECT DISTINCT o.school_id, o.measure_id IS NULL OR "
      "o.school_id IS NULL AS every FROM outcome_changes o WHERE " UNSEEN(
          "o") " AND (o.measure_id IS NULL OR o.measure_id = (SELECT id "
               "FROM measures WHERE code = $1))), "
               "h AS (SELECT pg_current_snapshot()::text AS snap, "
               "coalesce(pg_snapshot_xmin($2::pg_snapshot) <= (SELECT xid "
               "FROM outcome_changes_horizon) OR pg_snapshot_xmin("
               "$2::pg_snapshot) <= (SELECT xid FROM lattice_horizon) OR "
               "EXISTS (SELECT 1 FROM c WHERE every) OR EXISTS (SELECT 1 "
               "FROM lattice_changes l WHERE " UNSEEN(
                   "l") " AND l.measure IS NULL), true) AS every) "
                        "SELECT h.snap, h.every, s.code FROM h LEFT JOIN "
                        "(SELECT DISTINCT sc.code FROM c JOIN schools sc "
                        "ON sc.id = c.school_id WHERE NOT c.every) s ON "
                        "NOT h.every";

int
store_school_changes(store *s, const char *measure, const char *since,
                     store_school_change *out)
{
	PGresult *r;
	memset(out, 0, sizeof(*out));
	int rv = store_changes_read(s, SCHOOL_CHANGES, measure, since,
	                            "reading the outcomes' change log",
	                            out->snapshot, sizeof(out->snapshot),
	                            &out->all, &r);
	if (rv != TD_OK) {
		return rv;
	}
	int    rows  = PQntuples(r);
	size_t bytes = 0;
	for (int i = 0; !out->all && i < rows; i++) {
		bytes += PQgetisnull(r, i, 2)
		    ? 0
		    : sizeof(char *) + (size_t) PQgetlength(r, i, 2) + 1;
	}
	if (bytes > 0) {
		out->codes = malloc(bytes);
		if (out->codes == NULL) {
			PQclear(r);
			return store_fail(s, TD_ENOMEM, "out of memory");
		}
		char *pool = (char *) (out->codes + rows);
		for (int i = 0; i < rows; i++) {
			if (PQgetisnull(r, i, 2)) {
				continue;
			}
			size_t l = (size_t) PQgetlength(r, i, 2);
			memcpy(pool, PQgetvalue(r, i, 2), l + 1);
			out->codes[out->n++] = pool;
			pool += l + 1;
		}
	}
	PQclear(r);
	return TD_OK;
}

/* As store_months.c's series read (the same columns, filters and order,
 * so the same sums), for the schools of the codes $3 (a text array). */
static const char SCHOOL_MONTHS[]
    = "SELECT o.school_id, sc.code, '', o.subgroup, o.period_start, o.n, "
      "o.value, o.received_at FROM outcomes o JOIN schools sc ON sc.id = "
      "o.school_id WHERE o.measure_id = (SELECT id FROM measures WHERE "
      "code = $1) AND ($2::text IS NULL OR o.subgroup = $2) AND "
      "o.school_id IN (SELECT id FROM schools WHERE code = ANY "
      "($3::text[])) AND ($4::text IS NULL OR sc.district_id = (SELECT id "
      "FROM districts WHERE code = $4)) AND ($5::date IS NULL OR "
      "o.period_start >= (SELECT td_period_start('m', $5::date))) AND "
      "($6::date IS NULL OR o.period_start < (SELECT (date_trunc('month', "
      "$6::date::timestamp) + interval '1 month')::date)) "
      /* period_end too: a month's outcomes summed in the key's order,
       * as the series read's index scan gives them */
      "ORDER BY o.school_id, o.subgroup, o.period_start, o.period_end";

static int
by_unit_then_period(const void *a, const void *b)
{
	const store_point *x = a, *y = b;
	int                c = strcmp(x->unit, y->unit);
	return c != 0 ? c : strcmp(x->period, y->period);
}

int
store_school_months(store *s, const store_series_query *q,
                    const char *const *codes, size_t n, store_alloc alloc,
                    void *ctx, store_point **out, size_t *n_out)
{
	char *list = store_text_array(codes, n);
	if (list == NULL) {
		return store_fail(s, TD_ENOMEM, "out of memory");
	}
	const char *p[6]
	    = { q->measure, q->subgroup, list, q->district, q->from, q->to };
	PGresult *r
	    = PQexecParams(s->conn, SCHOOL_MONTHS, 6, NULL, p, NULL, NULL, 1);
	free(list);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		int rv = store_result_err(s, r, "reading outcomes");
		PQclear(r);
		return rv;
	}
	size_t rows = (size_t) PQntuples(r);
	*n_out      = 0;
	*out        = alloc(ctx, (rows ? rows : 1) * sizeof(store_point));
	if (*out == NULL) {
		PQclear(r);
		return store_fail(s, TD_ENOMEM, "out of memory");
	}
	const char *unit = NULL;
	store_month m;
	int         row = 0;
	while (store_outcome_month_next(r, &row, &m)) {
		const char *u = PQgetvalue(r, m.row, 1);
		if (unit == NULL || strcmp(unit, u) != 0) {
			size_t l = (size_t) PQgetlength(r, m.row, 1);
			char  *c = alloc(ctx, l + 1);
			if (c == NULL) {
				PQclear(r);
				return store_fail(s, TD_ENOMEM,
				                  "out of memory");
			}
			memcpy(c, u, l + 1);
			unit = c;
		}
		m.pt.unit          = unit;
		m.pt.unit_id       = store_bin_int8(r, m.row, 0);
		(*out)[(*n_out)++] = m.pt;
	}
	PQclear(r);
	bool sorted = true;
	for (size_t i = 1; sorted && i < *n_out; i++) {
		sorted = by_unit_then_period(&(*out)[i - 1], &(*out)[i]) <= 0;
	}
	if (!sorted) {
		qsort(*out, *n_out, sizeof(store_point), by_unit_then_period);
	}
	return TD_OK;
}
