/* SPDX-License-Identifier: MIT
 * Approvals of a survey's administration windows (see store_review.h):
 * the same levels, log and locks as a measure's months, keyed by the
 * survey's code and the window's first and last day.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_internal.h"
#include "store_review.h"

#define TS(col)                                                               \
	"coalesce(to_char(" col " AT TIME ZONE 'UTC', "                       \
	"'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), '')"

/* The key as ids: no row when the survey is unknown, unit_id NULL when
 * the unit is. $1 survey, $2 from, $3 to, $4 level, $5 unit code. */
#define WKEY_CTE                                                              \
	"WITH k AS (SELECT $1::text AS survey, $2::date AS window_start, "    \
	"$3::date AS window_end, $4::text AS level, CASE $4 WHEN 'school' "   \
	"THEN (SELECT id FROM schools WHERE code = $5) WHEN 'district' THEN " \
	"(SELECT id FROM districts WHERE code = $5) ELSE 0 END AS unit_id "   \
	"WHERE EXISTS (SELECT 1 FROM surveys WHERE code = $1)) "
#define WCOLS                                                                 \
	"a.survey, a.window_start::text, a.window_end::text, a.level, "       \
	"coalesce(CASE a.level WHEN 'school' THEN sc.code WHEN 'district' "   \
	"THEN d.code END, ''), coalesce(a.approved_by, ''), " TS(             \
	    "a.approved_at") ", coalesce(a.accepted_by, ''), " TS("a."        \
	                                                          "accepted_" \
	                                                          "at") " "
#define WJOINS                                                                \
	"LEFT JOIN schools sc ON a.level = 'school' AND sc.id = a.unit_id "   \
	"LEFT JOIN districts d ON a.level = 'district' AND d.id = "           \
	"a.unit_id "
#define WMATCH                                                                \
	"a.survey = k.survey AND a.window_start = k.window_start AND "        \
	"a.window_end = k.window_end AND a.level = k.level AND a.unit_id = "  \
	"k.unit_id"

static void
window_row(const PGresult *r, int i, int col, store_approval *o)
{
	memset(o, 0, sizeof(*o));
	char  *dst[] = { o->survey,      o->window_from, o->window_to,
		         o->level,       o->unit,        o->approved_by,
		         o->approved_at, o->accepted_by, o->accepted_at };
	size_t cap[] = { sizeof(o->survey),      sizeof(o->window_from),
		         sizeof(o->window_to),   sizeof(o->level),
		         sizeof(o->unit),        sizeof(o->approved_by),
		         sizeof(o->approved_at), sizeof(o->accepted_by),
		         sizeof(o->accepted_at) };
	for (int c = 0; c < 9; c++) {
		snprintf(dst[c], cap[c], "%s", PQgetvalue(r, i, col + c));
	}
}

int
store_window_get(store *s, const store_window_key *k, store_approval *out,
                 bool *exists)
{
	PGresult   *r;
	const char *p[] = { k->survey, k->from, k->to, k->level, k->unit };
	int         rv  = store_query(s,
	                              WKEY_CTE "SELECT k.unit_id IS NULL, a.survey IS "
	                                                "NOT NULL, " WCOLS
	                                       "FROM k LEFT JOIN survey_approvals a "
	                                                "ON " WMATCH " " WJOINS,
	                              5, p, &r, "reading a window's approval");
	if (rv != TD_OK) {
		return rv;
	}
	if ((rv = store_keyed_row(s, r, "survey", k->survey, k->level, k->unit,
	                          exists))
	    != TD_OK) {
		return rv;
	}
	window_row(r, 0, 2, out);
	/* an absent approval still names its key */
	snprintf(out->survey, sizeof(out->survey), "%s", k->survey);
	snprintf(out->window_from, sizeof(out->window_from), "%s", k->from);
	snprintf(out->window_to, sizeof(out->window_to), "%s", k->to);
	snprintf(out->level, sizeof(out->level), "%s", k->level);
	snprintf(out->unit, sizeof(out->unit), "%s", k->unit);
	PQclear(r);
	return TD_OK;
}

int
store_window_change(store *s, const store_window_key *k, const char *action,
                    const char *client_id)
{
	const char *change;
	if (strcmp(action, "approve") == 0) {
		change = "c AS (INSERT INTO survey_approvals (survey, "
		         "window_start, window_end, level, unit_id, "
		         "approved_by) SELECT survey, window_start, "
		         "window_end, level, unit_id, nullif($7, '') FROM k) ";
	} else if (strcmp(action, "accept") == 0) {
		change = "c AS (UPDATE survey_approvals a SET accepted_by = "
		         "nullif($7, ''), accepted_at = now() FROM k "
		         "WHERE " WMATCH ") ";
	} else {
		change = "c AS (DELETE FROM survey_approvals a USING k "
		         "WHERE " WMATCH ") ";
	}
	char sql[1600];
	snprintf(sql, sizeof(sql),
	         "%s, %sINSERT INTO survey_approval_log (survey, "
	         "window_start, window_end, level, unit_id, action, "
	         "client_id) SELECT survey, window_start, window_end, level, "
	         "unit_id, $6, nullif($7, '') FROM k",
	         WKEY_CTE, change);
	PGresult   *r;
	const char *p[] = { k->survey, k->from, k->to,    k->level,
		            k->unit,   action,  client_id };
	int rv = store_query(s, sql, 7, p, &r, "changing a window's approval");
	if (rv == TD_OK) {
		PQclear(r);
	}
	return rv;
}

int
store_window_pending(store *s, const store_window_key *k, int64_t *count,
                     char *first, size_t cap)
{
	PGresult   *r;
	const char *p[] = { k->survey, k->from, k->to, k->level, k->unit };
	int         rv  = store_query(
	             s,
	             WKEY_CTE
	             "SELECT count(*), coalesce(min(sc.code), '') FROM k JOIN "
	                      "schools sc ON sc.district_id = k.unit_id WHERE EXISTS "
	                      "(SELECT 1 FROM survey_responses x JOIN surveys v ON v.id = "
	                      "x.survey_id WHERE v.code = k.survey AND x.school_id = sc.id "
	                      "AND x.administered_on BETWEEN k.window_start AND "
	                      "k.window_end) AND NOT EXISTS (SELECT 1 FROM "
	                      "survey_approvals a WHERE a.survey = k.survey AND "
	                      "a.window_start = k.window_start AND a.window_end = "
	                      "k.window_end AND a.level = 'school' AND a.unit_id = sc.id "
	                      "AND a.accepted_at IS NOT NULL)",
	             5, p, &r, "checking the schools' window approvals");
	if (rv != TD_OK) {
		return rv;
	}
	*count = PQntuples(r) ? strtoll(PQgetvalue(r, 0, 0), NULL, 10) : 0;
	snprintf(first, cap, "%s", PQntuples(r) ? PQgetvalue(r, 0, 1) : "");
	PQclear(r);
	return TD_OK;
}

int
store_windows_list(store *s, const char *survey, store_approval **out,
                   size_t *n)
{
	PGresult   *r;
	const char *p[] = { survey };
	int         rv
	    = store_query(s,
	                  "SELECT " WCOLS "FROM survey_approvals a " WJOINS
	                  "WHERE $1 = '' OR a.survey = $1 ORDER BY 1, 2, 3, "
	                  "4, 5",
	                  1, p, &r, "listing window approvals");
	if (rv != TD_OK) {
		return rv;
	}
	size_t          rows = (size_t) PQntuples(r);
	store_approval *grown
	    = realloc(*out, (*n + rows + 1) * sizeof(store_approval));
	if (grown == NULL) {
		PQclear(r);
		return store_fail(s, TD_ENOMEM, "out of memory");
	}
	*out = grown;
	for (size_t i = 0; i < rows; i++) {
		window_row(r, (int) i, 0, &grown[*n + i]);
	}
	*n += rows;
	PQclear(r);
	return TD_OK;
}

int
store_survey_locks(store *s, const char *survey, size_t n,
                   const int64_t *school_ids, const char *const *dates,
                   store_lock **out, size_t *n_out)
{
	*out   = NULL;
	*n_out = 0;
	/* Most surveys have no approved window: one indexed probe spares a
	 * large batch the arrays and the join. */
	PGresult   *r;
	const char *q[] = { survey };
	int         rv  = store_query(
	             s, "SELECT 1 FROM survey_approvals WHERE survey = $1 LIMIT 1", 1,
	             q, &r, "checking approved survey windows");
	if (rv != TD_OK) {
		return rv;
	}
	bool any = PQntuples(r) > 0;
	PQclear(r);
	if (!any) {
		return TD_OK;
	}
	char **ids = calloc(n + 1, sizeof(char *));
	char  *a1 = NULL, *a2 = NULL;
	rv = TD_ENOMEM;
	for (size_t i = 0; ids != NULL && i < n; i++) {
		if ((ids[i] = malloc(24)) == NULL) {
			goto done;
		}
		snprintf(ids[i], 24, "%lld", (long long) school_ids[i]);
	}
	if (ids == NULL
	    || (a1 = store_text_array((const char *const *) ids, n)) == NULL
	    || (a2 = store_text_array(dates, n)) == NULL) {
		rv = store_fail(s, TD_ENOMEM, "out of memory");
		goto done;
	}
	const char *p[] = { survey, a1, a2 };
	rv              = store_query(
	                 s,
	                 "SELECT DISTINCT ON (r.i) r.i - 1, a.window_start::text, "
	                              "a.window_end::text, a.level, coalesce(CASE a.level WHEN "
	                              "'school' THEN sc.code WHEN 'district' THEN d.code END, '') "
	                              "FROM unnest($2::bigint[], $3::date[]) WITH ORDINALITY AS "
	                              "r(school_id, day, i) JOIN schools s ON s.id = r.school_id "
	                              "JOIN survey_approvals a ON a.survey = $1 AND r.day BETWEEN "
	                              "a.window_start AND a.window_end AND ((a.level = 'school' "
	                              "AND a.unit_id = r.school_id) OR (a.level = 'district' AND "
	                              "a.unit_id = s.district_id) OR a.level = 'network') " WJOINS
	                 "ORDER BY r.i, a.level LIMIT 100",
	                 3, p, &r, "checking approved survey windows");
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
		snprintf(l->what, sizeof(l->what),
		         "survey %s window %s..%s is approved at the %s "
		         "level%s%s",
		         survey, PQgetvalue(r, i, 1), PQgetvalue(r, i, 2),
		         PQgetvalue(r, i, 3), unit[0] ? " by " : "", unit);
	}
	*n_out = (size_t) rows;
	PQclear(r);
done:
	for (size_t i = 0; ids != NULL && i < n; i++) {
		free(ids[i]);
	}
	free(ids);
	free(a1);
	free(a2);
	return rv;
}
