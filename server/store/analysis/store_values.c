/* SPDX-License-Identifier: MIT
 * The lean read of every school's rollup rows of an outcome measure, for
 * the analyses across schools (positive deviance, comparison): only the
 * columns an outcome value needs, schools by id (the caller names them
 * from its registry snapshot), so neither the join to schools nor the
 * survey columns are read for 30,000-50,000 rows a call.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "store_analysis.h"
#include "store_internal.h"

/* As store_series's school read (store_analysis.c), without the join and
 * the columns outcome values do not use: at 10,000 schools x 5 years
 * (50,000 rows, libpq binary, the dev VM) 41 ms -> 22 ms; 6 of the 19 ms
 * were the join, the rest the five columns. Parameters: measure,
 * subgroup, grade, grain, from, to, district code. */
static const char SCHOOL_VALUES[]
    = "SELECT r.unit_id, r.period_start, r.n_sum, r.wsum, r.month_mask "
      "FROM rollups r WHERE r.measure = $1 AND r.subgroup = "
      "$2 AND r.grade = $3 AND r.grain = $4::char AND r.level = 's' AND "
      "r.cnt > 0 AND ($5::date IS NULL OR r.period_start >= (SELECT "
      "td_period_start($4::char, $5::date))) AND ($6::date IS NULL OR "
      "r.period_start <= $6::date) AND ($7::text IS NULL OR r.unit_id IN "
      "(SELECT sc.id FROM schools sc JOIN districts d ON d.id = "
      "sc.district_id WHERE d.code = $7)) ORDER BY r.unit_id, "
      "r.period_start";

int
store_school_values(store *s, const store_series_query *q, store_alloc alloc,
                    void *ctx, store_point **out, size_t *n)
{
	char        grain[2] = { q->grain, 0 };
	const char *p[7]     = { q->measure, q->subgroup, q->grade,   grain,
		                 q->from,    q->to,       q->district };
	if (q->level != 's' || q->unit != NULL || q->approved_only) {
		return store_fail(s, TD_EINTERNAL,
		                  "store_school_values reads every school, "
		                  "approved or not");
	}
	PGresult *r
	    = PQexecParams(s->conn, SCHOOL_VALUES, 7, NULL, p, NULL, NULL, 1);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		int rv = store_result_err(s, r, "reading rollups");
		PQclear(r);
		return rv;
	}
	*n   = (size_t) PQntuples(r);
	*out = alloc(ctx, (*n ? *n : 1) * sizeof(store_point));
	if (*out == NULL) {
		PQclear(r);
		return store_fail(s, TD_ENOMEM, "out of memory");
	}
	/* The few distinct period starts repeat for every school: write each
	 * date once. */
	int32_t day_of[16] = { 0 };
	bool    known[16]  = { false };
	char    text_of[16][12];
	for (size_t i = 0; i < *n; i++) {
		store_point *pt  = &(*out)[i];
		int          k   = (int) i;
		int32_t      day = store_bin_int4(r, k, 1);
		size_t       h   = (size_t) day & 15;
		if (!known[h] || day_of[h] != day) {
			/* days since 2000-01-01 = 10,957 after 1970-01-01 */
			common_date_write((long) day + 10957, text_of[h]);
			day_of[h] = day;
			known[h]  = true;
		}
		memset(pt, 0, sizeof(*pt));
		memcpy(pt->period, text_of[h], sizeof(pt->period));
		pt->unit_id    = store_bin_int8(r, k, 0);
		pt->n_sum      = store_bin_float8(r, k, 2);
		pt->wsum       = store_bin_float8(r, k, 3);
		pt->month_mask = store_bin_int4(r, k, 4);
	}
	PQclear(r);
	return TD_OK;
}
