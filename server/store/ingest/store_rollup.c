/* SPDX-License-Identifier: MIT
 * Rollup maintenance: the one place rollups change. A batch's delta (cells
 * per measure, subgroup, school, date and grade, summed by the services
 * with stats_scores) is spread over the grains, the grade and all grades,
 * and school, district and network, and added in the batch's transaction.
 * Inserts, corrections and deletes all arrive here as deltas.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_internal.h"

/* Parameters of the upsert, one array per cell field. */
enum {
	P_MEASURE,
	P_SUBGROUP,
	P_GRADE,
	P_DATE,
	P_SCHOOL,
	P_CNT,
	P_NSUM,
	P_WSUM,
	P_WSUMSQ,
	P_FAV,
	P_ITEMS,
	P_GRAINS,
	P_SCHOOL_GRAINS,
	P_COUNT
};

/* A numeric array literal of one field of every cell. */
static char *
num_array(const store_rollup_delta *d, int field)
{
	size_t cap = 3 + d->n * 26, k = 0;
	char  *out = malloc(cap);
	if (out == NULL) {
		return NULL;
	}
	out[k++] = '{';
	for (size_t i = 0; i < d->n; i++) {
		const store_rollup_cell *c   = &d->cells[i];
		const char              *sep = i ? "," : "";
		if (field == P_NSUM || field == P_WSUM || field == P_WSUMSQ) {
			double v = field == P_NSUM ? c->n_sum
			    : field == P_WSUM      ? c->wsum
			                           : c->wsumsq;
			k += (size_t) snprintf(out + k, cap - k, "%s%.17g",
			                       sep, v);
			continue;
		}
		int64_t v = field == P_SCHOOL ? c->school_id
		    : field == P_CNT          ? c->cnt
		    : field == P_FAV          ? c->fav
		                              : c->items;
		k += (size_t) snprintf(out + k, cap - k, "%s%" PRId64, sep, v);
	}
	out[k++] = '}';
	out[k]   = '\0';
	return out;
}

/* A text array literal of one string field of every cell. */
static char *
text_array(const store_rollup_delta *d, int field)
{
	const char **v = malloc((d->n ? d->n : 1) * sizeof(char *));
	if (v == NULL) {
		return NULL;
	}
	for (size_t i = 0; i < d->n; i++) {
		const store_rollup_cell *c = &d->cells[i];
		v[i]                       = field == P_MEASURE ? c->measure
		                          : field == P_SUBGROUP ? c->subgroup
		                          : field == P_GRADE    ? c->grade
		                                                : c->date;
	}
	char *out = store_text_array(v, d->n);
	free(v);
	return out;
}

/* The upsert, in three steps measured on a 20,000-response batch (6,000
 * cells, 35,320 rollup rows; EXPLAIN ANALYZE in bench/README.md):
 * - a period start per distinct date and grain, not per expanded row
 *   (td_period_start ran 144,000 times: 480 of 1,090 ms);
 * - school rows grouped first; district and network rows summed from them
 *   (a third of the rows to hash);
 * - the caller sets work_mem so the hash aggregate stays in memory.
 * Rows go in one order for every batch, so concurrent batches (two
 * schools of one district touch the same district and network rows) lock
 * rows in the same order and wait for each other instead of deadlocking:
 * school rows first, then district, then network rows (one bigint key:
 * the unit id, districts offset by 2^48, the network at 2^52; ids stay
 * far below), then grain, period and the text keys by bytes ("C"). The
 * key order of the index (measure, subgroup, grade, ... as text by
 * C.UTF-8's strcoll) sorted 38,000 rows in 107 ms; this order in 45 ms
 * (EXPLAIN ANALYZE, work_mem 64MB).
 * School rows first lets a batch upsert its own schools' rows (97% of
 * them) while an earlier batch still holds the shared network rows; in
 * key order (level 'd' < 'n' < 's') it waited at its first network row
 * until the other committed, so the upserts of batches in flight ran one
 * after the other.
 * The month bit marks months with data for "people per month". A replaced
 * record's month always has data again (a correction keeps the record's
 * key, date included), so bits only ever need setting.
 * School rows are kept for the grains in $13 only: district and network
 * rows are summed from every grain's school rows all the same. */
static const char UPSERT[]
    = "WITH cells AS (SELECT * FROM unnest($1::text[], $2::text[], "
      "$3::text[], $4::date[], $5::bigint[], $6::bigint[], $7::float8[], "
      "$8::float8[], $9::float8[], $10::bigint[], $11::bigint[]) AS "
      "c(measure, subgroup, grade, day, school_id, cnt, n_sum, wsum, "
      "wsumsq, fav, items)), "
      "periods AS MATERIALIZED (SELECT d.day, g.grain, "
      "td_period_start(g.grain, d.day) "
      "AS period_start, 1 << (extract(month FROM d.day)::int - 1) AS bit "
      "FROM (SELECT DISTINCT day FROM cells) d CROSS JOIN "
      "unnest(string_to_array($12::text, NULL)::char[]) g(grain)), "
      "sch AS (SELECT c.measure, c.subgroup, gr.grade, p.grain, "
      "p.period_start, c.school_id, sum(c.cnt) AS cnt, sum(c.n_sum) AS "
      "n_sum, sum(c.wsum) AS wsum, sum(c.wsumsq) AS wsumsq, sum(c.fav) AS "
      "fav, sum(c.items) AS items, bit_or(p.bit) AS bit FROM cells c JOIN "
      "periods p ON p.day = c.day CROSS JOIN LATERAL (SELECT c.grade "
      "WHERE c.grade <> '' UNION ALL SELECT '') gr(grade) "
      "GROUP BY 1, 2, 3, 4, 5, 6), "
      "rows AS (SELECT measure, subgroup, grade, grain, period_start, "
      "'s'::char AS level, school_id AS unit_id, cnt, n_sum, wsum, wsumsq, "
      "fav, items, bit FROM sch WHERE grain = ANY "
      "(string_to_array($13::text, NULL)::char[]) "
      "UNION ALL SELECT measure, subgroup, grade, grain, period_start, "
      "'d', s.district_id, sum(cnt), sum(n_sum), sum(wsum), sum(wsumsq), "
      "sum(fav), sum(items), bit_or(bit) FROM sch JOIN schools s ON s.id "
      "= sch.school_id GROUP BY 1, 2, 3, 4, 5, 7 "
      "UNION ALL SELECT measure, subgroup, grade, grain, period_start, "
      "'n', 0, sum(cnt), sum(n_sum), sum(wsum), sum(wsumsq), sum(fav), "
      "sum(items), bit_or(bit) FROM sch GROUP BY 1, 2, 3, 4, 5) "
      "INSERT INTO rollups AS t (measure, subgroup, grade, grain, "
      "period_start, level, unit_id, cnt, n_sum, wsum, wsumsq, fav, items, "
      "month_mask, last_received) "
      "SELECT measure, subgroup, grade, grain, period_start, level, "
      "unit_id, cnt, n_sum, wsum, wsumsq, fav, items, bit, now() FROM rows "
      "ORDER BY CASE level WHEN 's' THEN unit_id WHEN 'd' THEN unit_id + "
      "(1::bigint << 48) ELSE 1::bigint << 52 END, grain, period_start, "
      "measure COLLATE \"C\", subgroup COLLATE \"C\", grade COLLATE "
      "\"C\" "
      "ON CONFLICT (measure, subgroup, grade, grain, level, unit_id, "
      "period_start) DO UPDATE SET cnt = t.cnt + excluded.cnt, "
      "n_sum = t.n_sum + excluded.n_sum, wsum = t.wsum + excluded.wsum, "
      "wsumsq = t.wsumsq + excluded.wsumsq, fav = t.fav + excluded.fav, "
      "items = t.items + excluded.items, "
      "month_mask = t.month_mask | excluded.month_mask, "
      "last_received = greatest(t.last_received, excluded.last_received)";

/* Memory for the upsert's hash aggregates, for this transaction only: at
 * the default 4 MB a 20,000-response batch spilled to disk (5 batches). */
#define ROLLUP_WORK_MEM "SET LOCAL work_mem = '64MB'"

int
store_rollup_apply(store *s, const store_rollup_delta *d,
                   const char *school_grains)
{
	char *p[P_COUNT] = { NULL };
	int   rv         = TD_OK;
	for (int f = 0; f < P_GRAINS; f++) {
		p[f] = f <= P_DATE ? text_array(d, f) : num_array(d, f);
		if (p[f] == NULL) {
			rv = store_fail(s, TD_ENOMEM, "out of memory");
		}
	}
	if (rv == TD_OK) {
		rv = store_exec(s, ROLLUP_WORK_MEM,
		                "sizing the rollup update");
	}
	if (rv == TD_OK) {
		p[P_GRAINS] = (char *) d->grains;
		p[P_SCHOOL_GRAINS]
		    = (char *) (school_grains ? school_grains : d->grains);
		PGresult *r
		    = PQexecParams(s->conn, UPSERT, P_COUNT, NULL,
		                   (const char *const *) p, NULL, NULL, 0);
		if (PQresultStatus(r) != PGRES_COMMAND_OK) {
			rv = store_result_err(s, r, "updating the rollups");
		}
		PQclear(r);
	}
	for (int f = 0; f < P_GRAINS; f++) {
		free(p[f]);
	}
	return rv;
}
