/* SPDX-License-Identifier: MIT
 * See store_review.h. Each state change is one statement (data-modifying
 * CTEs), so the change and its log row commit together.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_internal.h"
#include "store_review.h"

#define TS(col)                                                               \
	"coalesce(to_char(" col " AT TIME ZONE 'UTC', "                       \
	"'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), '')"

#define SUBMISSION_SQL                                                        \
	"SELECT s.id, s.method, s.records, coalesce(s.client_id, ''), "       \
	"coalesce(sc.code, ''), coalesce(d.code, d2.code, ''), " TS(          \
	    "s.received_at") ", s.review_state, coalesce(r.comment, ''), "    \
	                     "coalesce(r.client_id, ''), " TS(                \
	                         "r.at") " FROM submissions s "               \
	                                 "LEFT JOIN api_clients c ON c.id = " \
	                                 "s.client_id "                       \
	                                 "LEFT JOIN schools sc ON sc.id = "   \
	                                 "c.school_id "                       \
	                                 "LEFT JOIN districts d ON d.id = "   \
	                                 "c.district_id "                     \
	                                 "LEFT JOIN districts d2 ON d2.id = " \
	                                 "sc.district_id "                    \
	                                 "LEFT JOIN LATERAL (SELECT "         \
	                                 "comment, "                          \
	                                 "client_id, at FROM "                \
	                                 "submission_reviews WHERE "          \
	                                 "submission_seq = s.seq ORDER BY "   \
	                                 "id DESC LIMIT 1) r ON true "

static void
copy(char *dst, size_t cap, const PGresult *r, int i, int col)
{
	snprintf(dst, cap, "%s", PQgetvalue(r, i, col));
}

static void
submission_row(const PGresult *r, int i, store_submission *o)
{
	memset(o, 0, sizeof(*o));
	copy(o->id, sizeof(o->id), r, i, 0);
	copy(o->method, sizeof(o->method), r, i, 1);
	o->records = strtoll(PQgetvalue(r, i, 2), NULL, 10);
	copy(o->client_id, sizeof(o->client_id), r, i, 3);
	copy(o->client_school, sizeof(o->client_school), r, i, 4);
	copy(o->client_district, sizeof(o->client_district), r, i, 5);
	copy(o->received_at, sizeof(o->received_at), r, i, 6);
	copy(o->state, sizeof(o->state), r, i, 7);
	copy(o->comment, sizeof(o->comment), r, i, 8);
	copy(o->reviewed_by, sizeof(o->reviewed_by), r, i, 9);
	copy(o->reviewed_at, sizeof(o->reviewed_at), r, i, 10);
}

int
store_submission_get(store *s, const char *id, store_submission *out)
{
	PGresult   *r;
	const char *p[] = { id };
	int rv = store_query(s, SUBMISSION_SQL "WHERE s.id = $1", 1, p, &r,
	                     "reading a submission");
	if (rv != TD_OK) {
		return rv;
	}
	if (PQntuples(r) == 0) {
		PQclear(r);
		return store_fail(s, TD_ENOTFOUND, "submission %s not found",
		                  id);
	}
	submission_row(r, 0, out);
	PQclear(r);
	return TD_OK;
}

int
store_submission_review(store *s, const char *id, const char *state,
                        const char *comment, const char *client_id)
{
	PGresult   *r;
	const char *p[] = { id, state, comment, client_id };
	int         rv  = store_query(
	             s,
	             "WITH u AS (UPDATE submissions SET review_state = $2 WHERE id = "
	                      "$1 RETURNING seq) INSERT INTO submission_reviews "
	                      "(submission_seq, state, comment, client_id) SELECT seq, $2, "
	                      "$3, nullif($4, '') FROM u",
	             4, p, &r, "reviewing a submission");
	if (rv != TD_OK) {
		return rv;
	}
	bool found = strcmp(PQcmdTuples(r), "1") == 0;
	PQclear(r);
	return found
	    ? TD_OK
	    : store_fail(s, TD_ENOTFOUND, "submission %s not found", id);
}

int
store_submissions_list(store *s, const char *state, const char *school,
                       const char *district, int limit, store_submission **out,
                       size_t *n)
{
	PGresult   *r;
	char        lim[16];
	const char *p[] = { state, school, district, lim };
	snprintf(lim, sizeof(lim), "%d", limit);
	int rv = store_query(
	    s,
	    SUBMISSION_SQL
	    "WHERE ($1 = '' OR s.review_state = $1) AND ($2 = '' OR sc.code "
	    "= $2) AND ($3 = '' OR coalesce(d.code, d2.code) = $3) ORDER BY "
	    "s.seq DESC LIMIT $4::int",
	    4, p, &r, "listing submissions");
	if (rv != TD_OK) {
		return rv;
	}
	int rows = PQntuples(r);
	*out     = calloc(rows ? (size_t) rows : 1, sizeof(**out));
	if (*out == NULL) {
		PQclear(r);
		return store_fail(s, TD_ENOMEM, "out of memory");
	}
	for (int i = 0; i < rows; i++) {
		submission_row(r, i, &(*out)[i]);
	}
	*n = (size_t) rows;
	PQclear(r);
	return TD_OK;
}

/* The key as ids: no row when the measure is unknown, unit_id NULL when
 * the unit is. $1 measure, $2 period start, $3 level, $4 unit code. */
#define KEY_CTE                                                               \
	"WITH k AS (SELECT m.id AS measure_id, $2::date AS period_start, "    \
	"$3::text AS level, CASE $3 WHEN 'school' THEN (SELECT id FROM "      \
	"schools WHERE code = $4) WHEN 'district' THEN (SELECT id FROM "      \
	"districts WHERE code = $4) ELSE 0 END AS unit_id FROM measures m "   \
	"WHERE m.code = $1) "
#define APPROVAL_COLS                                                         \
	"m.code, to_char(a.period_start, 'YYYY-MM'), a.level, "               \
	"coalesce(CASE a.level WHEN 'school' THEN sc.code WHEN 'district' "   \
	"THEN d.code END, ''), coalesce(a.approved_by, ''), " TS(             \
	    "a.approved_at") ", coalesce(a.accepted_by, ''), " TS("a."        \
	                                                          "accepted_" \
	                                                          "at") " "
#define APPROVAL_JOINS                                                        \
	"JOIN measures m ON m.id = a.measure_id LEFT JOIN schools sc ON "     \
	"a.level = 'school' AND sc.id = a.unit_id LEFT JOIN districts d ON "  \
	"a.level = 'district' AND d.id = a.unit_id "
#define KEY_MATCH                                                             \
	"a.measure_id = k.measure_id AND a.period_start = k.period_start "    \
	"AND a.level = k.level AND a.unit_id = k.unit_id"

static void
approval_row(const PGresult *r, int i, int col, store_approval *o)
{
	memset(o, 0, sizeof(*o));
	copy(o->measure, sizeof(o->measure), r, i, col);
	copy(o->period, sizeof(o->period), r, i, col + 1);
	copy(o->level, sizeof(o->level), r, i, col + 2);
	copy(o->unit, sizeof(o->unit), r, i, col + 3);
	copy(o->approved_by, sizeof(o->approved_by), r, i, col + 4);
	copy(o->approved_at, sizeof(o->approved_at), r, i, col + 5);
	copy(o->accepted_by, sizeof(o->accepted_by), r, i, col + 6);
	copy(o->accepted_at, sizeof(o->accepted_at), r, i, col + 7);
}

int
store_approval_get(store *s, const store_approval_key *k, store_approval *out,
                   bool *exists)
{
	PGresult   *r;
	const char *p[] = { k->measure, k->period_start, k->level, k->unit };
	int         rv
	    = store_query(s,
	                  KEY_CTE "SELECT k.unit_id IS NULL, a.measure_id IS "
	                          "NOT NULL, " APPROVAL_COLS
	                          "FROM k LEFT JOIN approvals a ON " KEY_MATCH
	                          " LEFT " APPROVAL_JOINS,
	                  4, p, &r, "reading an approval");
	if (rv != TD_OK) {
		return rv;
	}
	if ((rv = store_keyed_row(s, r, "measure", k->measure, k->level,
	                          k->unit, exists))
	    != TD_OK) {
		return rv;
	}
	approval_row(r, 0, 2, out);
	PQclear(r);
	return TD_OK;
}

int
store_approval_change(store *s, const store_approval_key *k,
                      const char *action, const char *client_id)
{
	const char *change;
	if (strcmp(action, "approve") == 0) {
		change
		    = "c AS (INSERT INTO approvals (measure_id, period_start, "
		      "level, unit_id, approved_by) SELECT measure_id, "
		      "period_start, level, unit_id, nullif($6, '') FROM k) ";
	} else if (strcmp(action, "accept") == 0) {
		change = "c AS (UPDATE approvals a SET accepted_by = "
		         "nullif($6, ''), accepted_at = now() FROM k "
		         "WHERE " KEY_MATCH ") ";
	} else {
		change
		    = "c AS (DELETE FROM approvals a USING k WHERE " KEY_MATCH
		      ") ";
	}
	char sql[1600];
	snprintf(sql, sizeof(sql),
	         "%s, %sINSERT INTO approval_log (measure_id, period_start, "
	         "level, unit_id, action, client_id) SELECT measure_id, "
	         "period_start, level, unit_id, $5, nullif($6, '') FROM k",
	         KEY_CTE, change);
	PGresult   *r;
	const char *p[] = { k->measure, k->period_start, k->level,
		            k->unit,    action,          client_id };
	int         rv = store_query(s, sql, 6, p, &r, "changing an approval");
	if (rv == TD_OK) {
		PQclear(r);
	}
	return rv;
}

int
store_approval_pending(store *s, const store_approval_key *k, int64_t *count,
                       char *first, size_t cap)
{
	PGresult   *r;
	const char *p[] = { k->measure, k->period_start, k->level, k->unit };
	int         rv  = store_query(
	             s,
	             KEY_CTE
	             "SELECT count(*), coalesce(min(sc.code), '') FROM k JOIN "
	                      "schools sc ON sc.district_id = k.unit_id WHERE EXISTS "
	                      "(SELECT 1 FROM outcomes o WHERE o.measure_id = "
	                      "k.measure_id AND o.school_id = sc.id AND "
	                      "date_trunc('month', o.period_start) = k.period_start) AND "
	                      "NOT EXISTS (SELECT 1 FROM approvals a WHERE a.measure_id "
	                      "= k.measure_id AND a.period_start = k.period_start AND "
	                      "a.level = 'school' AND a.unit_id = sc.id AND "
	                      "a.accepted_at IS NOT NULL)",
	             4, p, &r, "checking the schools' approvals");
	if (rv != TD_OK) {
		return rv;
	}
	*count = PQntuples(r) ? strtoll(PQgetvalue(r, 0, 0), NULL, 10) : 0;
	snprintf(first, cap, "%s", PQntuples(r) ? PQgetvalue(r, 0, 1) : "");
	PQclear(r);
	return TD_OK;
}

int
store_approvals_list(store *s, const char *measure, store_approval **out,
                     size_t *n)
{
	PGresult   *r;
	const char *p[] = { measure };
	int         rv  = store_query(s,
	                              "SELECT " APPROVAL_COLS
	                              "FROM approvals a " APPROVAL_JOINS
	                              "WHERE $1 = '' OR m.code = $1 ORDER BY "
	                                       "1, 2, 3, 4",
	                              1, p, &r, "listing approvals");
	if (rv != TD_OK) {
		return rv;
	}
	int rows = PQntuples(r);
	*out     = calloc(rows ? (size_t) rows : 1, sizeof(**out));
	if (*out == NULL) {
		PQclear(r);
		return store_fail(s, TD_ENOMEM, "out of memory");
	}
	for (int i = 0; i < rows; i++) {
		approval_row(r, i, 0, &(*out)[i]);
	}
	*n = (size_t) rows;
	PQclear(r);
	return TD_OK;
}

int
store_outcome_locks(store *s, size_t n, const int64_t *measure_ids,
                    const int64_t     *school_ids,
                    const char *const *period_starts, store_lock **out,
                    size_t *n_out)
{
	*out   = NULL;
	*n_out = 0;
	/* Most measures have no approved month at all: then no record can
	 * hit one, and the batch's three arrays (20,000 records: 60,000
	 * elements printed here and parsed there, 3 ms of every batch of
	 * scripts/bench's P1b load) need not be sent. */
	size_t distinct = n > 0;
	for (size_t i = 1; i < n && distinct < 2; i++) {
		distinct += measure_ids[i] != measure_ids[0];
	}
	if (distinct == 1) {
		char m[48];
		snprintf(m, sizeof(m), "%lld", (long long) measure_ids[0]);
		PGresult   *e;
		const char *pm[] = { m };
		int         erv  = store_query(s,
		                               "SELECT EXISTS (SELECT 1 FROM approvals "
		                                        "WHERE measure_id = $1::bigint)",
		                               1, pm, &e, "checking approved periods");
		if (erv != TD_OK) {
			return erv;
		}
		bool any = strcmp(PQgetvalue(e, 0, 0), "t") == 0;
		PQclear(e);
		if (!any) {
			*out = calloc(1, sizeof(**out));
			return *out
			    ? TD_OK
			    : store_fail(s, TD_ENOMEM, "out of memory");
		}
	}
	char **ids = calloc(2 * n + 1, sizeof(char *));
	char  *a1 = NULL, *a2 = NULL, *a3 = NULL;
	int    rv = TD_ENOMEM;
	for (size_t i = 0; ids != NULL && i < n; i++) {
		ids[i]     = malloc(24);
		ids[n + i] = malloc(24);
		if (ids[i] == NULL || ids[n + i] == NULL) {
			goto done;
		}
		snprintf(ids[i], 24, "%lld", (long long) measure_ids[i]);
		snprintf(ids[n + i], 24, "%lld", (long long) school_ids[i]);
	}
	if (ids == NULL
	    || (a1 = store_text_array((const char *const *) ids, n)) == NULL
	    || (a2 = store_text_array((const char *const *) ids + n, n))
	        == NULL
	    || (a3 = store_text_array(period_starts, n)) == NULL) {
		rv = store_fail(s, TD_ENOMEM, "out of memory");
		goto done;
	}
	PGresult   *r;
	const char *p[] = { a1, a2, a3 };
	rv              = store_query(
	                 s,
	                 "SELECT DISTINCT ON (r.i) r.i - 1, m.code, "
	                              "to_char(a.period_start, "
	                              "'YYYY-MM'), a.level, coalesce(CASE a.level WHEN 'school' "
	                              "THEN sc.code WHEN 'district' THEN d.code END, '') FROM "
	                              "unnest($1::bigint[], $2::bigint[], $3::date[]) WITH "
	                              "ORDINALITY AS r(measure_id, school_id, period_start, i) JOIN "
	                              "schools s ON s.id = r.school_id JOIN approvals a ON "
	                              "a.measure_id = r.measure_id AND a.period_start = "
	                              "date_trunc('month', r.period_start)::date AND ((a.level = "
	                              "'school' AND a.unit_id = r.school_id) OR (a.level = "
	                              "'district' AND a.unit_id = s.district_id) OR a.level = "
	                              "'network') " APPROVAL_JOINS "ORDER BY r.i, a.level LIMIT 100",
	                 3, p, &r, "checking approved periods");
	if (rv != TD_OK) {
		goto done;
	}
	int rows = PQntuples(r);
	*out     = calloc(rows ? (size_t) rows : 1, sizeof(**out));
	if (*out == NULL) {
		PQclear(r);
		rv = store_fail(s, TD_ENOMEM, "out of memory");
		goto done;
	}
	for (int i = 0; i < rows; i++) {
		store_lock *l    = &(*out)[i];
		l->index         = strtoll(PQgetvalue(r, i, 0), NULL, 10);
		const char *unit = PQgetvalue(r, i, 4);
		snprintf(
		    l->what, sizeof(l->what),
		    "measure %s period %s is approved at the %s level%s%s",
		    PQgetvalue(r, i, 1), PQgetvalue(r, i, 2),
		    PQgetvalue(r, i, 3), unit[0] ? " by " : "", unit);
	}
	*n_out = (size_t) rows;
	PQclear(r);
done:
	for (size_t i = 0; ids != NULL && i < 2 * n; i++) {
		free(ids[i]);
	}
	free(ids);
	free(a1);
	free(a2);
	free(a3);
	return rv;
}
