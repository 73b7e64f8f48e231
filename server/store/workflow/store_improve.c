/* SPDX-License-Identifier: MIT
 * Reads for the Improvement service (store_improve.h): PDSA cycles, the
 * rubric scores and notes of Positive Deviance Inquiry, and the ties of
 * the professional-isolation graph, which are built here in SQL so that
 * only pairs of nodes, not raw records, leave the database.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_improve.h"
#include "store_internal.h"

const char *
store_cell(const store_strtab *t, size_t r, size_t c)
{
	return t->cell[r * t->cols + c];
}

bool
store_cell_null(const store_strtab *t, size_t r, size_t c)
{
	return t->null[r * t->cols + c];
}

void
store_strtab_free(store_strtab *t)
{
	if (t != NULL) {
		free(t->cell); /* one block: pointers, flags, then text */
		memset(t, 0, sizeof(*t));
	}
}

/* fetch runs sql and copies its rows into out (one allocation). */
static int
fetch(store *s, const char *sql, int n, const char *const *p,
      store_strtab *out, const char *what)
{
	memset(out, 0, sizeof(*out));
	PGresult *r = PQexecParams(s->conn, sql, n, NULL, p, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		int rv = store_result_err(s, r, what);
		PQclear(r);
		return rv;
	}
	size_t rows = (size_t) PQntuples(r), cols = (size_t) PQnfields(r);
	size_t cells = rows * cols, text = 0;
	for (size_t i = 0; i < rows; i++) {
		for (size_t j = 0; j < cols; j++) {
			text += (size_t) PQgetlength(r, (int) i, (int) j) + 1;
		}
	}
	size_t ptrs  = (cells + 1) * sizeof(char *);
	size_t flags = (cells + 1) * sizeof(bool);
	char  *block = malloc(ptrs + flags + text + 1);
	if (block == NULL) {
		PQclear(r);
		return store_fail(s, TD_ENOMEM, "out of memory");
	}
	out->rows = rows;
	out->cols = cols;
	out->cell = (char **) (void *) block;
	out->null = (bool *) (block + ptrs);
	char *at  = block + ptrs + flags;
	for (size_t i = 0; i < rows; i++) {
		for (size_t j = 0; j < cols; j++) {
			size_t len = (size_t) PQgetlength(r, (int) i, (int) j);
			memcpy(at, PQgetvalue(r, (int) i, (int) j), len);
			at[len]                 = '\0';
			out->cell[i * cols + j] = at;
			out->null[i * cols + j]
			    = PQgetisnull(r, (int) i, (int) j) != 0;
			at += len + 1;
		}
	}
	PQclear(r);
	return TD_OK;
}

int
store_pdsa_list(store *s, const char *code, const char *measure,
                const char *school, store_strtab *out)
{
	const char *p[3] = { code, measure, school };
	return fetch(
	    s,
	    "SELECT c.code, coalesce(sc.code, ''), coalesce(d.code, ''), "
	    "m.code, coalesce(a.code, ''), c.change_idea, c.prediction, "
	    "c.predicted_value, c.start_on::text, c.end_on::text, c.status, "
	    "c.result FROM pdsa_cycles c JOIN measures m ON m.id = "
	    "c.measure_id LEFT JOIN schools sc ON sc.id = c.school_id LEFT "
	    "JOIN districts d ON d.id = sc.district_id LEFT JOIN activities a "
	    "ON a.id = c.activity_id WHERE ($1::text IS NULL OR c.code = $1) "
	    "AND ($2::text IS NULL OR m.code = $2) AND ($3::text IS NULL OR "
	    "coalesce(sc.code, '') = $3) ORDER BY m.code, c.start_on, c.code, "
	    "coalesce(sc.code, '')",
	    3, p, out, "listing PDSA cycles");
}

int
store_period_start(store *s, char grain, const char *date, char out[16])
{
	char         g[2] = { grain, '\0' };
	const char  *p[2] = { g, date };
	store_strtab t;
	int rv = fetch(s, "SELECT td_period_start($1::char, $2::date)::text",
	               2, p, &t, "finding a date's period");
	if (rv == TD_OK) {
		snprintf(out, 16, "%s", t.rows ? store_cell(&t, 0, 0) : "");
		store_strtab_free(&t);
	}
	return rv;
}

/* The observations Positive Deviance Inquiry reads: one rubric's, in a
 * date range, optionally in one district. */
#define DISCOVER_FROM                                                         \
	"FROM observations o JOIN rubrics r ON r.id = o.rubric_id JOIN "      \
	"schools sc ON sc.id = o.school_id JOIN districts d ON d.id = "       \
	"sc.district_id "
#define DISCOVER_WHERE                                                        \
	"r.code = $1 AND o.observed_on BETWEEN $2::date AND $3::date AND "    \
	"($4::text IS NULL OR d.code = $4) "

int
store_discover_rubric(store *s, const char *from, const char *to,
                      const char *district, char out[72])
{
	const char  *p[3] = { from, to, district };
	store_strtab t;
	int          rv = fetch(
	             s,
	             "SELECT r.code " DISCOVER_FROM
	             "WHERE o.observed_on BETWEEN $1::date AND $2::date AND "
	                      "($3::text IS NULL OR d.code = $3) GROUP BY r.code ORDER BY "
	                      "count(*) DESC, r.code LIMIT 1",
	             3, p, &t, "choosing a rubric");
	if (rv != TD_OK) {
		return rv;
	}
	rv = t.rows == 0 ? TD_ENOTFOUND : TD_OK;
	if (t.rows > 0) {
		snprintf(out, 72, "%s", store_cell(&t, 0, 0));
	}
	store_strtab_free(&t);
	return rv;
}

int
store_discover_scores(store *s, const char *rubric, const char *from,
                      const char *to, const char *district, store_strtab *out)
{
	const char *p[4] = { rubric, from, to, district };
	/* Scores are stored in their rubric version's criterion order;
	 * joining the version's criteria by position gives their codes, so
	 * observations of every version line up by criterion. */
	return fetch(
	    s,
	    "SELECT sc.code, o.observation, min(o.observed_on)::text, "
	    "rc.code, avg(u.v)::float8 " DISCOVER_FROM
	    "CROSS JOIN LATERAL unnest(o.scores) WITH ORDINALITY AS "
	    "u(v, k) JOIN rubric_criteria rc ON rc.rubric_id = "
	    "o.rubric_id AND rc.position = u.k - 1 "
	    "WHERE " DISCOVER_WHERE "AND u.v IS NOT NULL "
	    "GROUP BY sc.code, o.observation, rc.code ORDER BY 1, 2, 4",
	    4, p, out, "reading observation scores");
}

int
store_discover_notes(store *s, const char *rubric, const char *from,
                     const char *to, const char *district, store_strtab *out)
{
	const char *p[4] = { rubric, from, to, district };
	return fetch(
	    s,
	    "SELECT sc.code, o.observation, o.observed_on::text, "
	    "a.criterion, a.t_seconds, a.note FROM annotations a JOIN "
	    "observations o ON o.id = a.observation_id JOIN rubrics r "
	    "ON r.id = o.rubric_id JOIN schools sc ON sc.id = "
	    "o.school_id JOIN districts d ON d.id = sc.district_id "
	    "WHERE " DISCOVER_WHERE "ORDER BY 1, 2, 5, 4",
	    4, p, out, "reading observation notes");
}

int
store_isolation_nodes(store *s, char level, store_strtab *out)
{
	if (level == 'e') {
		return fetch(s,
		             "SELECT e.code, sc.code, d.code FROM educators e "
		             "JOIN schools sc ON sc.id = e.school_id JOIN "
		             "districts d ON d.id = sc.district_id WHERE "
		             "e.active AND sc.active ORDER BY e.code COLLATE "
		             "\"C\"",
		             0, NULL, out, "listing educators");
	}
	return fetch(s,
	             "SELECT sc.code, sc.code, d.code FROM schools sc JOIN "
	             "districts d ON d.id = sc.district_id WHERE sc.active "
	             "ORDER BY sc.code COLLATE \"C\"",
	             0, NULL, out, "listing schools");
}

/* Ties between the schools of a year ($1..$2): observer and observed in
 * different schools; the same activity in overlapping periods; one PDSA
 * cycle code at both. Participation is first reduced to distinct
 * (activity, school, period) so educators of one school do not multiply
 * the pairs. */
#define TIES_PARTS                                                            \
	"c AS (SELECT code, school_id FROM pdsa_cycles WHERE school_id IS "   \
	"NOT NULL AND start_on <= $2::date AND coalesce(end_on, "             \
	"'infinity') >= $1::date) "

static const char SCHOOL_TIES[]
    = "WITH p AS (SELECT DISTINCT activity_id, school_id, "
      "greatest(period_start, $1::date) AS s, least(period_end, $2::date) "
      "AS e FROM participation WHERE period_start <= $2::date AND "
      "period_end >= $1::date), " TIES_PARTS
      ", t AS (SELECT er.school_id AS x, ed.school_id AS y, 'o' AS kind, "
      "o.observation AS item FROM observations o JOIN educators er ON "
      "er.id = o.observer_id JOIN educators ed ON ed.id = o.observed_id "
      "WHERE o.observed_on BETWEEN $1::date AND $2::date AND "
      "er.school_id <> ed.school_id "
      "UNION ALL SELECT p1.school_id, p2.school_id, 'a', "
      "p1.activity_id::text FROM p p1 JOIN p p2 ON p1.activity_id = "
      "p2.activity_id AND p1.school_id < p2.school_id AND p1.s <= p2.e "
      "AND p2.s <= p1.e "
      "UNION ALL SELECT c1.school_id, c2.school_id, 'c', c1.code FROM c "
      "c1 JOIN c c2 ON c1.code = c2.code AND c1.school_id < c2.school_id "
      /* one educator serving both schools (the roster's memberships,
       * which are current: they carry no dates) */
      "UNION ALL SELECT m1.school_id, m2.school_id, 's', "
      "m1.educator_id::text FROM educator_memberships m1 JOIN "
      "educator_memberships m2 ON m1.educator_id = m2.educator_id AND "
      "m1.school_id < m2.school_id WHERE m1.active AND m2.active) "
      "SELECT least(na.code COLLATE \"C\", nb.code COLLATE \"C\"), "
      "greatest(na.code COLLATE \"C\", nb.code COLLATE \"C\"), t.kind, "
      "count(DISTINCT t.item) FROM t JOIN schools na ON na.id = t.x JOIN "
      "schools nb ON nb.id = t.y GROUP BY 1, 2, 3 ORDER BY 1, 2, 3 LIMIT "
      "$3::bigint";

/* The same between educators: a whole-school participation row stands
 * for each of the school's educators, and so does a school's cycle. */
static const char EDUCATOR_TIES[]
    = "WITH p AS (SELECT pa.activity_id, e.id AS ed, e.school_id AS sc, "
      "greatest(pa.period_start, $1::date) AS s, least(pa.period_end, "
      "$2::date) AS e FROM participation pa JOIN educators e ON e.id = "
      "pa.educator_id WHERE pa.period_start <= $2::date AND pa.period_end "
      ">= $1::date UNION SELECT pa.activity_id, e.id, e.school_id, "
      "greatest(pa.period_start, $1::date), least(pa.period_end, "
      "$2::date) FROM participation pa JOIN educators e ON pa.educator_id "
      "IS NULL AND e.school_id = pa.school_id WHERE pa.period_start <= "
      "$2::date AND pa.period_end >= $1::date), " TIES_PARTS
      ", t AS (SELECT o.observer_id AS x, o.observed_id AS y, 'o' AS kind, "
      "o.observation AS item FROM observations o JOIN educators er ON "
      "er.id = o.observer_id JOIN educators ed ON ed.id = o.observed_id "
      "WHERE o.observed_on BETWEEN $1::date AND $2::date AND "
      "er.school_id <> ed.school_id "
      "UNION ALL SELECT DISTINCT p1.ed, p2.ed, 'a', p1.activity_id::text "
      "FROM p p1 JOIN p p2 ON p1.activity_id = p2.activity_id AND p1.sc "
      "<> p2.sc AND p1.ed < p2.ed AND p1.s <= p2.e AND p2.s <= p1.e "
      "UNION ALL SELECT e1.id, e2.id, 'c', c1.code FROM c c1 JOIN c c2 ON "
      "c1.code = c2.code AND c1.school_id < c2.school_id JOIN educators "
      "e1 ON e1.school_id = c1.school_id JOIN educators e2 ON "
      "e2.school_id = c2.school_id) "
      "SELECT least(na.code COLLATE \"C\", nb.code COLLATE \"C\"), "
      "greatest(na.code COLLATE \"C\", nb.code COLLATE \"C\"), t.kind, "
      "count(DISTINCT t.item) FROM t JOIN educators na ON na.id = t.x "
      "JOIN educators nb ON nb.id = t.y GROUP BY 1, 2, 3 ORDER BY 1, 2, 3 "
      "LIMIT $3::bigint";

int
store_isolation_ties(store *s, char level, const char *from, const char *to,
                     size_t limit, store_strtab *out)
{
	char lim[24];
	snprintf(lim, sizeof(lim), "%zu", limit + 1);
	const char *p[3] = { from, to, lim };
	int rv = fetch(s, level == 'e' ? EDUCATOR_TIES : SCHOOL_TIES, 3, p,
	               out, "finding cross-school ties");
	if (rv == TD_OK && out->rows > limit) {
		store_strtab_free(out);
		return store_fail(s, TD_ETOOBIG,
		                  "the network has more than %zu ties", limit);
	}
	return rv;
}

int
store_isolation_years(store *s, int y, int *latest, bool *has_data)
{
	char        year[16];
	const char *p[1] = { year };
	snprintf(year, sizeof(year), "%d", y);
	store_strtab t;
	/* An academic year runs from 1 August: shifting a date back seven
	 * months puts it in the calendar year its academic year starts. */
	int rv = fetch(
	    s,
	    "WITH b AS (SELECT make_date($1::int, 8, 1) AS f, "
	    "make_date($1::int + 1, 7, 31) AS t) "
	    "SELECT coalesce(extract(year FROM (SELECT max(d) FROM (SELECT "
	    "max(observed_on) AS d FROM observations UNION ALL SELECT "
	    "max(period_start) FROM participation UNION ALL SELECT "
	    "max(start_on) FROM pdsa_cycles WHERE status <> 'planned') x) - "
	    "interval '7 months')::int, "
	    "0), EXISTS (SELECT 1 FROM observations, b WHERE observed_on "
	    "BETWEEN b.f AND b.t) OR EXISTS (SELECT 1 FROM participation, b "
	    "WHERE period_start <= b.t AND period_end >= b.f) OR EXISTS "
	    "(SELECT 1 FROM pdsa_cycles, b WHERE start_on <= b.t AND "
	    "coalesce(end_on, 'infinity') >= b.f)",
	    1, p, &t, "finding the academic years with data");
	if (rv != TD_OK) {
		return rv;
	}
	*latest = atoi(store_cell(&t, 0, 0));
	if (has_data != NULL) {
		*has_data = strcmp(store_cell(&t, 0, 1), "t") == 0;
	}
	store_strtab_free(&t);
	return TD_OK;
}
