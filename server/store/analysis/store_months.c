/* SPDX-License-Identifier: MIT
 * An outcome measure's school months, read from the outcomes themselves
 * (the rollups keep no school months of outcomes: sql/020). The rows come
 * in the outcomes' key order (school, subgroup, period start), so the
 * outcomes of one school month are neighbours and are summed here into the
 * row the rollups held, by the rule of stats_rollup_add_outcome: cnt =
 * outcomes, n_sum = sum of n, wsum = sum of n * value, wsumsq = sum of
 * n * value^2, month_mask = the month's bit, received = the newest.
 * Summing in SQL (GROUP BY school, subgroup, month) cost more than the read:
 * 600,000 outcomes at 10,000 schools, binary COPY out, 1.0 s grouped
 * against 0.25 s read in key order (the rollups' index-only read, 0.45 s).
 */
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "store_analysis.h"
#include "store_internal.h"

/* Columns: school id, school code, district code ('' when not asked
 * for), subgroup, period start, n, value, received_at; binary. Parameters:
 * measure, subgroup (NULL = every subgroup), school code, district code,
 * from, to, approved only. A month is in [from, to] when its first day is,
 * as for rollup rows. */
#define MONTHS(district, join)                                                \
	"SELECT o.school_id, sc.code, " district ", o.subgroup, "             \
	"o.period_start, o.n, o.value, o.received_at FROM outcomes o JOIN "   \
	"schools sc ON sc.id = o.school_id " join "WHERE o.measure_id = "     \
	"(SELECT id FROM measures WHERE code = $1) AND ($2::text IS NULL OR " \
	"o.subgroup = $2) AND ($3::text IS NULL OR o.school_id = (SELECT id " \
	"FROM schools WHERE code = $3)) AND ($4::text IS NULL OR "            \
	"sc.district_id = (SELECT id FROM districts WHERE code = $4)) AND "   \
	"($5::date IS NULL OR o.period_start >= (SELECT td_period_start("     \
	"'m', $5::date))) AND ($6::date IS NULL OR o.period_start < (SELECT " \
	"(date_trunc('month', $6::date::timestamp) + interval '1 month')"     \
	"::date)) " MONTHS_APPROVED                                           \
	"ORDER BY o.school_id, o.subgroup, o.period_start"
/* --approved-only: the month approved at the school, its district or the
 * network (sql/016_review.sql). */
#define MONTHS_APPROVED                                                       \
	"AND (NOT $7::bool OR EXISTS (SELECT 1 FROM approvals a WHERE "       \
	"a.measure_id = o.measure_id AND a.period_start = td_period_start("   \
	"'m', o.period_start) AND (a.level = 'network' OR (a.level = "        \
	"'district' AND a.unit_id = sc.district_id) OR (a.level = 'school' "  \
	"AND a.unit_id = o.school_id)))) "
static const char MONTHS_SERIES[] = MONTHS("''", "");
/* The disclosure lattice names each school's district. */
static const char MONTHS_CELLS[] = MONTHS(
    "coalesce(d.code, '')", "LEFT JOIN districts d ON d.id = sc.district_id ");

int
store_outcome_months_read(store *s, const store_series_query *q, bool lattice,
                          PGresult **out)
{
	const char *p[7] = { q->measure,
		             lattice ? NULL : q->subgroup,
		             q->unit,
		             q->district,
		             q->from,
		             q->to,
		             q->approved_only ? "t" : "f" };
	*out             = NULL;
	PGresult *r
	    = PQexecParams(s->conn, lattice ? MONTHS_CELLS : MONTHS_SERIES, 7,
	                   NULL, p, NULL, NULL, 1);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		int rv = store_result_err(s, r, "reading outcomes");
		PQclear(r);
		return rv;
	}
	*out = r;
	return TD_OK;
}

bool
store_outcome_month_next(const PGresult *r, int *row, store_month *m)
{
	int rows = PQntuples(r), i = *row;
	if (i >= rows) {
		return false;
	}
	memset(m, 0, sizeof(*m));
	m->row = i;
	/* date: days since 2000-01-01 = 10,957 after 1970-01-01 */
	common_date_write((long) store_bin_int4(r, i, 4) + 10957,
	                  m->pt.period);
	memcpy(m->pt.period + 8, "01", 3);
	int64_t     school = store_bin_int8(r, i, 0);
	const char *group  = PQgetvalue(r, i, 3);
	for (; i < rows; i++) {
		char day[12];
		common_date_write((long) store_bin_int4(r, i, 4) + 10957, day);
		if (store_bin_int8(r, i, 0) != school
		    || strcmp(PQgetvalue(r, i, 3), group) != 0
		    || memcmp(day, m->pt.period, 7) != 0) {
			break;
		}
		double w = (double) store_bin_int4(r, i, 5),
		       v = store_bin_float8(r, i, 6);
		m->pt.cnt += 1;
		m->pt.n_sum += w;
		m->pt.wsum += w * v;
		m->pt.wsumsq += w * v * v;
		/* timestamptz: microseconds since 2000-01-01 UTC */
		double t
		    = (double) store_bin_int8(r, i, 7) / 1e6 + 946684800.0;
		if (t > m->pt.received) {
			m->pt.received = t;
		}
	}
	m->pt.month_mask = 1 << (atoi(m->pt.period + 5) - 1);
	*row             = i;
	return true;
}
