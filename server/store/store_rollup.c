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

/* The month bit of a cell's date: "people per month" divides by the
 * months with data. A replaced record's month always has data again (a
 * correction keeps the record's key, date included), so bits only ever
 * need setting. */
static const char UPSERT[]
    = "WITH cells AS (SELECT * FROM unnest($1::text[], $2::text[], "
      "$3::text[], $4::date[], $5::bigint[], $6::bigint[], $7::float8[], "
      "$8::float8[], $9::float8[], $10::bigint[], $11::bigint[]) AS "
      "c(measure, subgroup, grade, day, school_id, cnt, n_sum, wsum, "
      "wsumsq, fav, items)), "
      "expanded AS (SELECT c.measure, c.subgroup, gr.grade, g.grain, "
      "td_period_start(g.grain, c.day) AS period_start, l.level, "
      "l.unit_id, c.cnt, c.n_sum, c.wsum, c.wsumsq, c.fav, c.items, "
      "1 << (extract(month FROM c.day)::int - 1) AS bit "
      "FROM cells c JOIN schools s ON s.id = c.school_id "
      "CROSS JOIN unnest(string_to_array($12::text, NULL)::char[]) "
      "g(grain) "
      "CROSS JOIN LATERAL (SELECT c.grade WHERE c.grade <> '' UNION ALL "
      "SELECT '') gr(grade) "
      "CROSS JOIN LATERAL (VALUES ('s'::char, c.school_id), "
      "('d', s.district_id), ('n', 0::bigint)) l(level, unit_id)) "
      "INSERT INTO rollups AS t (measure, subgroup, grade, grain, "
      "period_start, level, unit_id, cnt, n_sum, wsum, wsumsq, fav, items, "
      "month_mask, last_received) "
      "SELECT measure, subgroup, grade, grain, period_start, level, "
      "unit_id, sum(cnt), sum(n_sum), sum(wsum), sum(wsumsq), sum(fav), "
      "sum(items), bit_or(bit), now() FROM expanded "
      "GROUP BY measure, subgroup, grade, grain, period_start, level, "
      "unit_id "
      "ON CONFLICT (measure, subgroup, grade, grain, level, unit_id, "
      "period_start) DO UPDATE SET cnt = t.cnt + excluded.cnt, "
      "n_sum = t.n_sum + excluded.n_sum, wsum = t.wsum + excluded.wsum, "
      "wsumsq = t.wsumsq + excluded.wsumsq, fav = t.fav + excluded.fav, "
      "items = t.items + excluded.items, "
      "month_mask = t.month_mask | excluded.month_mask, "
      "last_received = greatest(t.last_received, excluded.last_received)";

int
store_rollup_apply(store *s, const store_rollup_delta *d)
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
		p[P_GRAINS] = (char *) d->grains;
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
