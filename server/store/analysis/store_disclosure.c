/* SPDX-License-Identifier: MIT
 * Reads for disclosure control: every cell of a measure's lattice with the
 * number of distinct people behind it. Outcomes: the submitted n from the
 * rollups, of school months from the outcomes (store_months.c). Survey
 * constructs: distinct respondents (by pseudonym) who answered at least one
 * item of the construct, counted from the responses themselves, since a
 * student answering twice in a period is one person.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_internal.h"

static const char OUTCOME_CELLS[]
    = "SELECT r.level, r.grain, CASE r.level WHEN 's' THEN sc.code "
      "WHEN 'd' THEN d.code ELSE 'network' END, "
      "CASE r.level WHEN 's' THEN coalesce(d.code, '') ELSE '' END, "
      "r.period_start, r.subgroup, r.n_sum "
      "FROM rollups r LEFT JOIN schools sc ON r.level = 's' AND sc.id = "
      "r.unit_id LEFT JOIN districts d ON d.id = CASE r.level WHEN 'd' "
      "THEN r.unit_id WHEN 's' THEN sc.district_id END "
      "WHERE r.measure = $1 AND r.cnt > 0"
      /* periods in [$2, $3) when given */
      " AND ($2::date IS NULL OR r.period_start >= $2::date)"
      " AND ($3::date IS NULL OR r.period_start < $3::date)";

/* Grouping sets give school, district and network, with and without the
 * grade, in one pass; a grade-less response counts only in "all grades",
 * as in the rollups. */
static const char SURVEY_CELLS[]
    = "WITH resp AS ("
      " SELECT r.school_id, sc.district_id, r.respondent,"
      "  r.administered_on, r.grade"
      " FROM survey_responses r JOIN surveys v ON v.id = r.survey_id"
      " JOIN schools sc ON sc.id = r.school_id"
      " WHERE v.code = $1 AND EXISTS (SELECT 1 FROM survey_items it"
      "  WHERE it.survey_id = r.survey_id AND it.construct = $2"
      "  AND r.answers[it.position + 1] IS NOT NULL)"
      /* periods in [$3, $4) when given: a week that starts before $4
       * holds answers of up to six days later */
      " AND ($3::date IS NULL OR r.administered_on >= $3::date)"
      " AND ($4::date IS NULL OR r.administered_on < $4::date + 6)"
      "), g AS ("
      " SELECT resp.*, gr.grain,"
      "  td_period_start(gr.grain, resp.administered_on) AS ps"
      " FROM resp CROSS JOIN (VALUES ('w'::char), ('m'), ('t'), ('y'))"
      "  gr(grain)"
      "), a AS ("
      " SELECT grain, ps, school_id, district_id, grade,"
      "  GROUPING(school_id) AS gs, GROUPING(district_id) AS gd,"
      "  GROUPING(grade) AS gg, count(DISTINCT respondent) AS people"
      " FROM g GROUP BY GROUPING SETS ("
      "  (grain, ps, district_id, school_id, grade),"
      "  (grain, ps, district_id, school_id), (grain, ps, district_id, grade),"
      "  (grain, ps, district_id), (grain, ps, grade), (grain, ps))"
      " HAVING GROUPING(grade) = 1 OR grade <> ''"
      ") SELECT CASE WHEN a.gs = 0 THEN 's' WHEN a.gd = 0 THEN 'd'"
      "  ELSE 'n' END, a.grain, coalesce(sc.code, d.code, 'network'),"
      "  CASE WHEN a.gs = 0 THEN d.code ELSE '' END, a.ps,"
      "  CASE WHEN a.gg = 1 THEN '' ELSE a.grade END, a.people"
      " FROM a LEFT JOIN schools sc ON a.gs = 0 AND sc.id = a.school_id"
      " LEFT JOIN districts d ON a.gd = 0 AND d.id = a.district_id"
      " WHERE ($3::date IS NULL OR a.ps >= $3::date)"
      " AND ($4::date IS NULL OR a.ps < $4::date)";

/* put copies l bytes of v and a NUL to *pool and moves it on. */
static const char *
put(char **pool, const char *v, size_t l)
{
	char *at = *pool;
	memcpy(at, v, l);
	at[l] = '\0';
	*pool += l + 1;
	return at;
}

/* outcome_months writes the school months of mo (store_months.c) from c
 * on and gives their number. */
static size_t
outcome_months(const PGresult *mo, store_disc_cell *c, char **pool)
{
	store_month m;
	int         row = 0;
	size_t      k   = 0;
	while (mo != NULL && store_outcome_month_next(mo, &row, &m)) {
		const char *f[3];
		for (int j = 0; j < 3; j++) {
			f[j] = put(pool, PQgetvalue(mo, m.row, 1 + j),
			           (size_t) PQgetlength(mo, m.row, 1 + j));
		}
		c[k++] = (store_disc_cell) {
			.level    = 's',
			.grain    = 'm',
			.unit     = f[0],
			.district = f[1],
			.period = put(pool, m.pt.period, strlen(m.pt.period)),
			.group  = f[2],
			.n      = m.pt.n_sum,
		};
	}
	return k;
}

int
store_disclosure_cells(store *s, const char *measure, int from_year,
                       int to_year, store_disc_cell **out, size_t *n)
{
	char        survey[200] = "", construct[200] = "";
	char        from[32], to[32], last[32];
	const char *p[4] = { measure, NULL, NULL, NULL };
	const char *sql  = OUTCOME_CELLS;
	int         np   = 3;
	if (from_year >= 0 && to_year >= from_year && to_year < 10000) {
		snprintf(from, sizeof(from), "%04d-08-01", from_year);
		snprintf(to, sizeof(to), "%04d-08-01", to_year + 1);
		snprintf(last, sizeof(last), "%04d-07-31", to_year + 1);
		p[1] = from;
		p[2] = to;
	}
	*out = NULL;
	*n   = 0;
	if (strncmp(measure, "survey:", 7) == 0) {
		const char *slash = strchr(measure + 7, '/');
		size_t      len   = slash ? (size_t) (slash - measure - 7) : 0;
		if (slash == NULL || len >= sizeof(survey)) {
			return store_fail(s, TD_EINVAL, "bad survey measure");
		}
		memcpy(survey, measure + 7, len);
		snprintf(construct, sizeof(construct), "%s", slash + 1);
		p[3] = p[2];
		p[2] = p[1];
		p[0] = survey;
		p[1] = construct;
		sql  = SURVEY_CELLS;
		np   = 4;
	}
	PGresult *r = PQexecParams(s->conn, sql, np, NULL, p, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		int rv
		    = store_result_err(s, r, "reading the disclosure cells");
		PQclear(r);
		return rv;
	}
	PGresult *mo = NULL; /* an outcome's school months */
	if (sql == OUTCOME_CELLS) {
		/* months whose first day is in [from, last] */
		store_series_query q = { .measure = measure,
			                 .from    = p[1],
			                 .to      = p[1] ? last : NULL };
		int rv = store_outcome_months_read(s, &q, true, &mo);
		if (rv != TD_OK) {
			PQclear(r);
			return rv;
		}
	}
	/* One block: the cells, then their strings (a cell of fixed char
	 * arrays was 240 bytes: 220 MB for the 918,090 cells of a measure at
	 * 10,000 schools, most of it zeroed pages). */
	size_t rows = (size_t) PQntuples(r), bytes = 0;
	for (size_t i = 0; i < rows; i++) {
		for (int f = 2; f <= 5; f++) {
			bytes += (size_t) PQgetlength(r, (int) i, f) + 1;
		}
	}
	size_t most = rows + (mo ? (size_t) PQntuples(mo) : 0);
	for (int i = 0; mo != NULL && i < PQntuples(mo); i++) {
		bytes
		    += sizeof("YYYY-MM-01"); /* a month per outcome at most */
		for (int f = 1; f <= 3; f++) {
			bytes += (size_t) PQgetlength(mo, i, f) + 1;
		}
	}
	store_disc_cell *c = malloc((most ? most : 1) * sizeof(*c) + bytes);
	if (c == NULL) {
		PQclear(r);
		PQclear(mo);
		return store_fail(s, TD_ENOMEM, "out of memory");
	}
	char *pool = (char *) (c + (most ? most : 1));
	for (size_t i = 0; i < rows; i++) {
		int          k    = (int) i;
		const char **f[4] = { &c[i].unit, &c[i].district, &c[i].period,
			              &c[i].group };
		c[i].level        = PQgetvalue(r, k, 0)[0];
		c[i].grain        = PQgetvalue(r, k, 1)[0];
		for (int j = 0; j < 4; j++) {
			size_t l = (size_t) PQgetlength(r, k, 2 + j);
			memcpy(pool, PQgetvalue(r, k, 2 + j), l);
			pool[l] = '\0';
			*f[j]   = pool;
			pool += l + 1;
		}
		c[i].n = strtod(PQgetvalue(r, k, 6), NULL);
	}
	PQclear(r);
	rows += outcome_months(mo, c + rows, &pool);
	PQclear(mo);
	*out = c;
	*n   = rows;
	return TD_OK;
}

/* The log's rows of transactions the caller's last snapshot did not see,
 * read in one statement with the snapshot it ran in, so the next call
 * starts where this one stopped whatever order writers commit in. */
static const char LATTICE_CHANGES[]
    = "WITH c AS (SELECT DISTINCT academic_year, measure IS NULL AS every "
      "FROM lattice_changes WHERE xid >= pg_snapshot_xmin($2::pg_snapshot) "
      "AND NOT pg_visible_in_snapshot(xid, $2::pg_snapshot) AND (measure IS "
      "NULL OR measure = $1)) "
      "SELECT pg_current_snapshot()::text, coalesce(pg_snapshot_xmin("
      "$2::pg_snapshot) <= (SELECT xid FROM lattice_horizon) OR EXISTS "
      "(SELECT 1 FROM c WHERE every OR academic_year IS NULL), true), "
      "(SELECT string_agg(academic_year::text, ',') FROM c WHERE NOT every "
      "AND academic_year IS NOT NULL)";

int
store_lattice_changes(store *s, const char *measure, const char *since,
                      store_lattice_change *out)
{
	const char *p[2] = { measure, since };
	memset(out, 0, sizeof(*out));
	PGresult *r = PQexecParams(s->conn, LATTICE_CHANGES, 2, NULL, p, NULL,
	                           NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
		int rv = store_result_err(s, r,
		                          "reading the lattice's change log");
		PQclear(r);
		return rv;
	}
	int rv = TD_OK;
	if ((size_t) PQgetlength(r, 0, 0) >= sizeof(out->snapshot)) {
		out->all = true; /* a snapshot too long to keep: no next */
	} else {
		memcpy(out->snapshot, PQgetvalue(r, 0, 0),
		       (size_t) PQgetlength(r, 0, 0) + 1);
	}
	out->all = out->all || PQgetvalue(r, 0, 1)[0] == 't';
	for (const char *y = PQgetvalue(r, 0, 2); !out->all && *y != '\0';) {
		char *end;
		long  v = strtol(y, &end, 10);
		if (end == y || out->n == STORE_LATTICE_MAX_YEARS) {
			out->all
			    = true; /* more years than kept: all of them */
			break;
		}
		out->years[out->n++] = (int) v;
		y                    = *end == ',' ? end + 1 : end;
	}
	PQclear(r);
	return rv;
}
