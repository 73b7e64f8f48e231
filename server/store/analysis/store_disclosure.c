/* SPDX-License-Identifier: MIT
 * Reads for disclosure control: every cell of a measure's lattice with the
 * number of distinct people behind it. Outcomes: the submitted n from the
 * rollups, of school months from the outcomes (store_months.c). Survey
 * constructs: distinct respondents (by pseudonym) who answered at least one
 * item of the construct, counted from the responses themselves, since a
 * student answering twice in a period is one person.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_analysis.h"
#include "store_disclosure.h"
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

/* pack_cells copies the cells of r (columns level, grain, unit, district,
 * period, group, n; text) and the school months of mo (NULL: none) into
 * one block, *out, and clears both. */
static int
pack_cells(store *s, PGresult *r, PGresult *mo, store_disc_cell **out,
           size_t *n)
{
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

int
store_disclosure_cells(store *s, const char *measure, int from_year,
                       int to_year, store_disc_cell **out, size_t *n)
{
	char        survey[200] = "", construct[200] = "";
	char        from[32], to[32], last[32];
	const char *p[3] = { measure, NULL, NULL };
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
		/* counted in C (store_survey_cells.c) */
		return store_survey_cells(s, survey, construct, p[1], p[2],
		                          out, n);
	}
	PGresult *r
	    = PQexecParams(s->conn, OUTCOME_CELLS, 3, NULL, p, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		int rv
		    = store_result_err(s, r, "reading the disclosure cells");
		PQclear(r);
		return rv;
	}
	PGresult *mo = NULL; /* the school months */
	/* months whose first day is in [from, last] */
	store_series_query q
	    = { .measure = measure, .from = p[1], .to = p[1] ? last : NULL };
	int rv = store_outcome_months_read(s, &q, true, &mo);
	if (rv != TD_OK) {
		PQclear(r);
		return rv;
	}
	return pack_cells(s, r, mo, out, n);
}

/* The log's rows of transactions the caller's last snapshot did not see,
 * read in one statement with the snapshot it ran in, so the next call
 * starts where this one stopped whatever order writers commit in. Years
 * come as "2024" (written at the schools of the last column only) or
 * "2024*" (anywhere: a row did not name its schools). */
static const char LATTICE_CHANGES[]
    = "WITH c AS (SELECT academic_year, measure IS NULL AS every, schools "
      "FROM lattice_changes WHERE xid >= pg_snapshot_xmin($2::pg_snapshot) "
      "AND NOT pg_visible_in_snapshot(xid, $2::pg_snapshot) AND (measure IS "
      "NULL OR measure = $1)) "
      "SELECT pg_current_snapshot()::text, coalesce(pg_snapshot_xmin("
      "$2::pg_snapshot) <= (SELECT xid FROM lattice_horizon) OR EXISTS "
      "(SELECT 1 FROM c WHERE every OR academic_year IS NULL), true), "
      "(SELECT string_agg(y::text || CASE WHEN w THEN '*' ELSE '' END, "
      "',') FROM (SELECT academic_year AS y, bool_or(schools IS NULL) AS w "
      "FROM c WHERE NOT every AND academic_year IS NOT NULL GROUP BY "
      "academic_year) t), "
      "(SELECT string_agg(DISTINCT s::text, ',') FROM c, unnest(c.schools) "
      "s WHERE NOT every)";

int
store_lattice_changes(store *s, const char *measure, const char *since,
                      store_lattice_change *out)
{
	PGresult *r;
	memset(out, 0, sizeof(*out));
	int rv = store_changes_read(s, LATTICE_CHANGES, measure, since,
	                            "reading the lattice's change log",
	                            out->snapshot, sizeof(out->snapshot),
	                            &out->all, &r);
	if (rv != TD_OK) {
		return rv;
	}
	for (const char *y = PQgetvalue(r, 0, 2); !out->all && *y != '\0';) {
		char *end;
		long  v = strtol(y, &end, 10);
		if (end == y || out->n == STORE_LATTICE_MAX_YEARS) {
			out->all
			    = true; /* more years than kept: all of them */
			break;
		}
		out->by_school[out->n] = *end != '*';
		out->years[out->n++]   = (int) v;
		end += *end == '*';
		y = *end == ',' ? end + 1 : end;
	}
	bool named = true; /* every school fits */
	for (const char *x = PQgetvalue(r, 0, 3); !out->all && *x != '\0';) {
		char     *end;
		long long v = strtoll(x, &end, 10);
		if (end == x || out->n_schools == STORE_LATTICE_MAX_SCHOOLS) {
			named = false;
			break;
		}
		out->schools[out->n_schools++] = (int64_t) v;
		x                              = *end == ',' ? end + 1 : end;
	}
	for (size_t i = 0; !named && i < out->n; i++) {
		out->by_school[i] = false; /* too many schools: whole years */
	}
	PQclear(r);
	return rv;
}

/* A patch of an outcome measure's year (store_disclosure_patch): the
 * rollup cells of the schools $2 (terms, years: sql/020), their districts
 * and the network, of every subgroup (found by walking the key's second
 * column, one index descent each, since the rollups' key starts with
 * (measure, subgroup) and a year is no range of it), in [$3, $4); and the
 * school months from the outcomes. Columns as OUTCOME_CELLS'. */
static const char PATCH_UNITS[]
    = "SELECT 's', sc.code, coalesce(d.code, ''), d.id FROM schools sc "
      "LEFT JOIN districts d ON d.id = sc.district_id WHERE sc.id = "
      "ANY ($1::bigint[]) ORDER BY sc.id";
#define PATCH_ROLLUPS(level, unit, district, join, ids)                       \
	"SELECT r.level, r.grain, " unit ", " district ", r.period_start, "   \
	"r.subgroup, r.n_sum FROM rollups r " join " WHERE r.measure = $1 "   \
	"AND r.subgroup = ANY (ARRAY(SELECT s FROM sg WHERE s IS NOT NULL)) " \
	"AND r.grade = '' AND r.grain = ANY ('{w,m,t,y}'::char[]) AND "       \
	"r.level = '" level "' AND r.unit_id = ANY (" ids ") AND "            \
	"r.period_start >= $4::date AND r.period_start < $5::date AND "       \
	"r.cnt > 0"
static const char PATCH_CELLS[]
    = "WITH RECURSIVE sg(s) AS (SELECT min(subgroup) FROM rollups WHERE "
      "measure = $1 UNION ALL SELECT (SELECT min(subgroup) FROM rollups "
      "WHERE measure = $1 AND subgroup > sg.s) FROM sg WHERE sg.s IS NOT "
      "NULL) " PATCH_ROLLUPS(
          "s", "sc.code", "coalesce(d.code, '')",
          "JOIN schools sc ON sc.id = r.unit_id LEFT JOIN districts d ON "
          "d.id = sc.district_id",
          "$2::bigint[]") " UNION ALL " PATCH_ROLLUPS("d", "d.code", "''",
                                                      "JOIN districts d ON "
                                                      "d.id = r.unit_id",
                                                      "$3::bigint[]") " UNI"
                                                                      "ON "
                                                                      "ALL"
                                                                      " " PATCH_ROLLUPS(
                                                                          "n",
                                                                          "'ne"
                                                                          "two"
                                                                          "rk"
                                                                          "'",
                                                                          "''",
                                                                          "",
                                                                          "'{"
                                                                          "0}'"
                                                                          "::"
                                                                          "big"
                                                                          "int"
                                                                          "["
                                                                          "]");
/* Columns as store_months.c's (store_outcome_month_next), binary. */
static const char PATCH_MONTHS[]
    = "SELECT o.school_id, sc.code, coalesce(d.code, ''), o.subgroup, "
      "o.period_start, o.n, o.value, o.received_at FROM outcomes o JOIN "
      "schools sc ON sc.id = o.school_id LEFT JOIN districts d ON d.id = "
      "sc.district_id WHERE o.measure_id = (SELECT id FROM measures WHERE "
      "code = $1) AND o.school_id = ANY ($2::bigint[]) AND o.period_start "
      ">= $3::date AND o.period_start < $4::date ORDER BY o.school_id, "
      "o.subgroup, o.period_start";

/* id_array writes the ids as a bigint[] literal (malloc'd). */
static char *
id_array(const int64_t *ids, size_t n)
{
	char *a = malloc(n * 21 + 3);
	if (a != NULL) {
		size_t k = 0;
		a[k++]   = '{';
		for (size_t i = 0; i < n; i++) {
			k += (size_t) sprintf(a + k, "%s%" PRId64,
			                      i ? "," : "", ids[i]);
		}
		a[k++] = '}';
		a[k]   = '\0';
	}
	return a;
}

int
store_disclosure_patch(store *s, const char *measure, int year,
                       const int64_t *ids, size_t n, store_disc_cell **out,
                       size_t *n_out, char ***units, size_t *n_units)
{
	char      from[32], to[32];
	char     *sch = id_array(ids, n), *dis = NULL;
	int64_t  *did = malloc((n ? n : 1) * sizeof(*did));
	PGresult *u = NULL, *r = NULL, *mo = NULL;
	int       rv = TD_OK;
	*out         = NULL;
	*n_out       = 0;
	*units       = NULL;
	*n_units     = 0;
	if (strncmp(measure, "survey:", 7) == 0 || year < 0 || year > 9998) {
		rv = store_fail(s, TD_EINVAL, "no patch for this measure");
		goto out;
	}
	if (sch == NULL || did == NULL) {
		rv = store_fail(s, TD_ENOMEM, "out of memory");
		goto out;
	}
	snprintf(from, sizeof(from), "%04d-08-01", year);
	snprintf(to, sizeof(to), "%04d-08-01", year + 1);
	const char *pu[1] = { sch };
	u = PQexecParams(s->conn, PATCH_UNITS, 1, NULL, pu, NULL, NULL, 0);
	if (PQresultStatus(u) != PGRES_TUPLES_OK) {
		rv = store_result_err(s, u, "reading the disclosure cells");
		goto out;
	}
	/* the units: each school, each of their districts once, the network */
	size_t nu = (size_t) PQntuples(u), nd = 0, bytes = 0;
	for (size_t i = 0; i < nu; i++) {
		int64_t d    = PQgetisnull(u, (int) i, 3)
		       ? -1
		       : strtoll(PQgetvalue(u, (int) i, 3), NULL, 10);
		bool    seen = d < 0;
		for (size_t j = 0; !seen && j < nd; j++) {
			seen = did[j] == d;
		}
		if (!seen) {
			did[nd++] = d;
		}
		bytes += 2 * (size_t) PQgetlength(u, (int) i, 1)
		    + (size_t) PQgetlength(u, (int) i, 2) + 4;
	}
	char **names = malloc((2 * nu + 1) * sizeof(*names) + bytes + 2);
	if (names == NULL || (dis = id_array(did, nd)) == NULL) {
		free(names);
		rv = store_fail(s, TD_ENOMEM, "out of memory");
		goto out;
	}
	char  *pool = (char *) (names + 2 * nu + 1);
	size_t k    = 0;
	for (size_t i = 0; i < nu; i++) {
		for (int f = 1; f <= 2; f++) {
			const char *v = PQgetvalue(u, (int) i, f);
			bool seen     = f == 2 && PQgetisnull(u, (int) i, 3);
			for (size_t j = 0; f == 2 && !seen && j < k; j++) {
				seen = names[j][0] == 'd'
				    && strcmp(names[j] + 1, v) == 0;
			}
			if (!seen) {
				names[k++] = pool;
				pool += sprintf(pool, "%c%s",
				                f == 1 ? 's' : 'd', v)
				    + 1;
			}
		}
	}
	names[k++]        = strcpy(pool, "n");
	*units            = names;
	*n_units          = k;
	const char *pc[5] = { measure, sch, dis, from, to };
	r = PQexecParams(s->conn, PATCH_CELLS, 5, NULL, pc, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		rv = store_result_err(s, r, "reading the disclosure cells");
		goto out;
	}
	const char *pm[4] = { measure, sch, from, to };
	mo = PQexecParams(s->conn, PATCH_MONTHS, 4, NULL, pm, NULL, NULL, 1);
	if (PQresultStatus(mo) != PGRES_TUPLES_OK) {
		rv = store_result_err(s, mo, "reading outcomes");
		goto out;
	}
	rv = pack_cells(s, r, mo, out, n_out);
	r = mo = NULL; /* cleared by pack_cells */
out:
	if (rv != TD_OK) {
		free(*units);
		*units   = NULL;
		*n_units = 0;
	}
	PQclear(u);
	PQclear(r);
	PQclear(mo);
	free(sch);
	free(dis);
	free(did);
	return rv;
}
