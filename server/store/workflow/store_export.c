/* SPDX-License-Identifier: MIT
 * See store_export.h. Each kind is one parameterised query, ordered by a
 * unique key the table already indexes (its primary key or unique
 * constraint), so a page is an index range scan after the last key
 * (keyset pagination: stable while others write, and every row exactly
 * once). Survey answers and rubric scores, stored as arrays in their
 * instrument version's item order, are spread into one column per item
 * code here.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_export.h"
#include "store_internal.h"

/* Parameters every query takes, in this order: $1 school, $2 district,
 * $3 from, $4 to, $5 code, $6 limit, then the key after which to read.
 * The CTE names (and types) them once, so a kind need not use them all. */
#define P                                                                     \
	"WITH p AS (SELECT $1::text AS school, $2::text AS district, "        \
	"$3::date AS d_from, $4::date AS d_to, $5::text AS code) "
#define SCOPE(s, d)                                                           \
	"(p.school IS NULL OR " s ".code = p.school) AND (p.district IS "     \
	"NULL OR " d ".code = p.district) "
#define DATES(col)                                                            \
	"(p.d_from IS NULL OR " col " >= p.d_from) AND (p.d_to IS NULL OR "   \
	"" col " <= p.d_to) "
/* The ids of the schools in scope, for the fact tables' page subqueries:
 * each page is an index range scan of one table, joined to the names
 * after its LIMIT (a join first would read and sort every row left). */
#define IN_SCOPE                                                              \
	"(SELECT s.id FROM schools s JOIN districts d ON d.id = "             \
	"s.district_id WHERE " SCOPE("s", "d") ") "
/* Kinds with free text (notes up to 64 KiB) stop a page in SQL once the
 * text before a row reaches the page's byte budget, so tandemd never
 * holds more than about a page of it, whatever the row limit. */
#define STR_(x)     #x
#define STR(x)      STR_(x)
#define TEXT_BUDGET STR(STORE_EXPORT_PAGE_BYTES) " "
#define PDSA_TEXT                                                             \
	"octet_length(c.change_idea) + octet_length(c.prediction) + "         \
	"octet_length(c.result)"
#define SCHOOL_JOIN(alias, on)                                                \
	"JOIN schools s ON s.id = " alias "." on                              \
	" JOIN districts d ON d.id = s.district_id "

enum { WIDE_NONE, WIDE_SURVEY, WIDE_RUBRIC };

typedef struct kind_sql {
	const char *sql;
	size_t      ncols; /* fixed output columns, first in the select list */
	const char *cols[12];
	const char *types;
	size_t      nkeys; /* key columns, last in the select list */
	int         wide; /* item or criterion columns after version, array */
	size_t      wide_at; /* where they go among the output columns */
	/* free text: the page stops at TEXT_BUDGET in SQL, and the last
	 * column counts the page's rows before that cut */
	bool text_cut;
} kind_sql;

/* One query per kind, laid out by hand. */
/* clang-format off */
static const kind_sql KINDS[STORE_EXPORT_N] = {
	[STORE_EXPORT_DISTRICTS] = {
	    P "SELECT d.code, d.name, d.code FROM p, districts d "
	      "WHERE (p.district IS NULL OR d.code = p.district) "
	      "AND (p.school IS NULL OR EXISTS (SELECT 1 FROM schools s "
	      "WHERE s.district_id = d.id AND s.code = p.school)) "
	      "AND ($7::text IS NULL OR d.code > $7::text) "
	      "ORDER BY d.code LIMIT $6",
	    2, { "district", "name" }, "tt", 1, WIDE_NONE, 0 },
	[STORE_EXPORT_SCHOOLS] = {
	    P "SELECT d.code, s.code, s.name, s.frl_rate::text, "
	      "s.enrollment::text, s.locale, s.grades, s.opened_on::text, "
	      "s.closed_on::text, s.code "
	      "FROM p, schools s JOIN districts d ON d.id = s.district_id "
	      "WHERE " SCOPE("s", "d")
	      "AND ($7::text IS NULL OR s.code > $7::text) "
	      "ORDER BY s.code LIMIT $6",
	    9, { "district", "school", "name", "frl_rate", "enrollment",
	         "locale", "grades", "opened_on", "closed_on" },
	    "tttnittdd", 1, WIDE_NONE, 0 },
	/* One row per educator at the primary school (define's shape);
	 * district-level staff without a school come back through
	 * `import oneroster`. */
	[STORE_EXPORT_EDUCATORS] = {
	    P "SELECT e.code, s.code, e.name, e.role, e.code "
	      "FROM p, educators e " SCHOOL_JOIN("e", "school_id")
	      "WHERE " SCOPE("s", "d")
	      "AND ($7::text IS NULL OR e.code > $7::text) "
	      "ORDER BY e.code LIMIT $6",
	    4, { "educator", "school", "name", "role" }, "tttt", 1,
	    WIDE_NONE, 0 },
	[STORE_EXPORT_SURVEY] = {
	    P "SELECT i.code, i.construct, i.min_value::text, "
	      "i.max_value::text, CASE WHEN i.reverse_coded THEN 'true' "
	      "ELSE 'false' END, i.favourable_at_least::text, i.text, "
	      "i.position::text FROM p, survey_items i "
	      "WHERE i.survey_id = (SELECT v.id FROM surveys v "
	      "WHERE v.code = p.code ORDER BY v.version DESC LIMIT 1) "
	      "AND ($7::int IS NULL OR i.position > $7::int) "
	      "ORDER BY i.position LIMIT $6",
	    7, { "item", "construct", "min", "max", "reverse_coded",
	         "favourable_at_least", "text" },
	    "ttiibit", 1, WIDE_NONE, 0 },
	[STORE_EXPORT_RUBRIC] = {
	    P "SELECT c.code, c.min_value::text, c.max_value::text, c.text, "
	      "c.position::text FROM p, rubric_criteria c "
	      "WHERE c.rubric_id = (SELECT r.id FROM rubrics r "
	      "WHERE r.code = p.code ORDER BY r.version DESC LIMIT 1) "
	      "AND ($7::int IS NULL OR c.position > $7::int) "
	      "ORDER BY c.position LIMIT $6",
	    4, { "criterion", "min", "max", "text" }, "tiit", 1, WIDE_NONE,
	    0 },
	[STORE_EXPORT_MEASURES] = {
	    P "SELECT m.code, m.name, m.unit, m.direction, m.target::text, "
	      "m.frequency, m.timely_days::text, m.code FROM p, measures m "
	      "WHERE ($7::text IS NULL OR m.code > $7::text) "
	      "ORDER BY m.code LIMIT $6",
	    7, { "measure", "name", "unit", "direction", "target",
	         "frequency", "timely_days" },
	    "ttttnti", 1, WIDE_NONE, 0 },
	/* A school or district sees the network's activities and its
	 * district's. */
	[STORE_EXPORT_ACTIVITIES] = {
	    P "SELECT a.code, a.kind, a.name, coalesce(d.code, ''), a.code "
	      "FROM p, activities a LEFT JOIN districts d "
	      "ON d.id = a.district_id "
	      "WHERE (p.district IS NULL OR a.district_id IS NULL "
	      "OR d.code = p.district) AND (p.school IS NULL "
	      "OR a.district_id IS NULL OR a.district_id = (SELECT "
	      "s.district_id FROM schools s WHERE s.code = p.school)) "
	      "AND ($7::text IS NULL OR a.code > $7::text) "
	      "ORDER BY a.code LIMIT $6",
	    4, { "activity", "kind", "name", "district" }, "tttt", 1,
	    WIDE_NONE, 0 },
	[STORE_EXPORT_PRICE_INDEX] = {
	    P "SELECT x.year::text, x.index_value::text, x.year::text "
	      "FROM p, price_index x "
	      "WHERE ($7::int IS NULL OR x.year > $7::int) "
	      "ORDER BY x.year LIMIT $6",
	    2, { "year", "index" }, "in", 1, WIDE_NONE, 0 },
	/* The respondent is the stored pseudonym (hex), never a raw id. */
	[STORE_EXPORT_SURVEYS] = {
	    P "SELECT s.code, encode(r.respondent, 'hex'), "
	      "r.administered_on::text, r.grade, r.survey_id::text, "
	      "r.answers::text, r.survey_id::text, r.school_id::text, "
	      "encode(r.respondent, 'hex'), r.administered_on::text "
	      "FROM (SELECT r.* FROM p, survey_responses r "
	      "WHERE r.survey_id IN (SELECT v.id FROM surveys v "
	      "WHERE v.code = p.code) AND r.school_id IN " IN_SCOPE
	      "AND " DATES("r.administered_on")
	      "AND ($7::bigint IS NULL OR (r.survey_id, r.school_id, "
	      "r.respondent, r.administered_on) > ($7::bigint, $8::bigint, "
	      "decode($9::text, 'hex'), $10::date)) "
	      "ORDER BY r.survey_id, r.school_id, r.respondent, "
	      "r.administered_on LIMIT $6) r "
	      "JOIN schools s ON s.id = r.school_id "
	      "ORDER BY r.survey_id, r.school_id, r.respondent, "
	      "r.administered_on",
	    4, { "school", "respondent", "administered_on", "grade" }, "tttt",
	    4, WIDE_SURVEY, 4 },
	/* Keyed (school, observation, id): an observation's scorings keep
	 * the order they were stored in, which rater agreement reads as
	 * first and second rater, so a re-import agrees the same. */
	[STORE_EXPORT_FEEDBACK] = {
	    P "SELECT o.observation, s.code, eo.code, ed.code, rb.code, "
	      "o.observed_on::text, o.notes, o.rubric_id::text, "
	      "o.scores::text, o.school_id::text, o.observation, "
	      "o.id::text, o.page_rows::text FROM (SELECT o.*, "
	      "count(*) OVER () AS page_rows, sum(octet_length(o.notes)) "
	      "OVER (ORDER BY o.school_id, o.observation, o.id) "
	      "- octet_length(o.notes) AS text_before "
	      "FROM (SELECT o.* FROM p, observations o "
	      "WHERE (p.code IS NULL OR o.rubric_id IN (SELECT rb.id FROM "
	      "rubrics rb WHERE rb.code = p.code)) AND o.school_id IN "
	      IN_SCOPE "AND " DATES("o.observed_on")
	      "AND ($7::bigint IS NULL OR (o.school_id, o.observation, "
	      "o.id) > ($7::bigint, $8::text, $9::bigint)) "
	      "ORDER BY o.school_id, o.observation, o.id LIMIT $6) o) o "
	      "JOIN schools s ON s.id = o.school_id "
	      "JOIN educators eo ON eo.id = o.observer_id "
	      "JOIN educators ed ON ed.id = o.observed_id "
	      "JOIN rubrics rb ON rb.id = o.rubric_id "
	      "WHERE o.text_before < " TEXT_BUDGET
	      "ORDER BY o.school_id, o.observation, o.id",
	    7, { "observation", "school", "observer", "observed", "rubric",
	         "observed_on", "notes" },
	    "ttttttt", 3, WIDE_RUBRIC, 6, true },
	[STORE_EXPORT_ANNOTATIONS] = {
	    P "SELECT a.observation, a.t_seconds::text, a.criterion, a.note, "
	      "eo.code, rb.code, a.observation_id::text, a.t_seconds::text, "
	      "a.criterion, a.page_rows::text FROM (SELECT a.*, "
	      "count(*) OVER () AS page_rows, sum(octet_length(a.note)) "
	      "OVER (ORDER BY a.observation_id, a.t_seconds, a.criterion) "
	      "- octet_length(a.note) AS text_before FROM "
	      "(SELECT a.*, o.observation, o.observer_id, "
	      "o.rubric_id FROM p, annotations a "
	      "JOIN observations o ON o.id = a.observation_id "
	      "WHERE (p.code IS NULL OR o.rubric_id IN (SELECT rb.id FROM "
	      "rubrics rb WHERE rb.code = p.code)) AND o.school_id IN "
	      IN_SCOPE "AND " DATES("o.observed_on")
	      "AND ($7::bigint IS NULL OR (a.observation_id, a.t_seconds, "
	      "a.criterion) > ($7::bigint, $8::int, $9::text)) "
	      "ORDER BY a.observation_id, a.t_seconds, a.criterion "
	      "LIMIT $6) a) a "
	      "JOIN educators eo ON eo.id = a.observer_id "
	      "JOIN rubrics rb ON rb.id = a.rubric_id "
	      "WHERE a.text_before < " TEXT_BUDGET
	      "ORDER BY a.observation_id, a.t_seconds, a.criterion",
	    6, { "observation", "t_seconds", "criterion", "note", "observer",
	         "rubric" },
	    "titttt", 3, WIDE_NONE, 0, true },
	[STORE_EXPORT_OUTCOMES] = {
	    P "SELECT s.code, m.code, o.period_start::text, "
	      "o.period_end::text, o.value::text, o.n::text, o.subgroup, "
	      "o.sd::text, o.measure_id::text, o.school_id::text, "
	      "o.subgroup, o.period_start::text, o.period_end::text "
	      "FROM (SELECT o.* FROM p, outcomes o "
	      "WHERE (p.code IS NULL OR o.measure_id IN (SELECT m.id FROM "
	      "measures m WHERE m.code = p.code)) AND o.school_id IN "
	      IN_SCOPE "AND " DATES("o.period_start")
	      "AND ($7::bigint IS NULL OR (o.measure_id, o.school_id, "
	      "o.subgroup, o.period_start, o.period_end) > ($7::bigint, "
	      "$8::bigint, $9::text, $10::date, $11::date)) "
	      "ORDER BY o.measure_id, o.school_id, o.subgroup, "
	      "o.period_start, o.period_end LIMIT $6) o "
	      "JOIN measures m ON m.id = o.measure_id "
	      "JOIN schools s ON s.id = o.school_id "
	      "ORDER BY o.measure_id, o.school_id, o.subgroup, "
	      "o.period_start, o.period_end",
	    8, { "school", "measure", "period_start", "period_end", "value",
	         "n", "subgroup", "sd" },
	    "ttddnitn", 5, WIDE_NONE, 0 },
	/* Costs belong to activities: a district filter keeps its
	 * district's and the network's; dates keep the years they touch. */
	[STORE_EXPORT_COSTS] = {
	    P "SELECT a.code, c.year::text, c.ingredient, c.category, "
	      "c.quantity::text, c.unit_cost::text, c.activity_id::text, "
	      "c.year::text, c.ingredient FROM p, costs c "
	      "JOIN activities a ON a.id = c.activity_id "
	      "LEFT JOIN districts d ON d.id = a.district_id "
	      "WHERE (p.district IS NULL OR a.district_id IS NULL "
	      "OR d.code = p.district) "
	      "AND (p.d_from IS NULL OR c.year >= extract(year FROM "
	      "p.d_from)) AND (p.d_to IS NULL OR c.year <= extract(year "
	      "FROM p.d_to)) "
	      "AND ($7::bigint IS NULL OR (c.activity_id, c.year, "
	      "c.ingredient) > ($7::bigint, $8::int, $9::text)) "
	      "ORDER BY c.activity_id, c.year, c.ingredient LIMIT $6",
	    6, { "activity", "year", "ingredient", "category", "quantity",
	         "unit_cost" },
	    "tittnn", 3, WIDE_NONE, 0 },
	[STORE_EXPORT_PARTICIPATION] = {
	    P "SELECT a.code, s.code, e.code, x.period_start::text, "
	      "x.period_end::text, x.hours::text, x.activity_id::text, "
	      "x.school_id::text, x.educator_key::text, "
	      "x.period_start::text, x.period_end::text "
	      "FROM (SELECT x.* FROM p, participation x "
	      "WHERE x.school_id IN " IN_SCOPE
	      "AND " DATES("x.period_start")
	      "AND ($7::bigint IS NULL OR (x.activity_id, x.school_id, "
	      "x.educator_key, x.period_start, x.period_end) > ($7::bigint, "
	      "$8::bigint, $9::bigint, $10::date, $11::date)) "
	      "ORDER BY x.activity_id, x.school_id, x.educator_key, "
	      "x.period_start, x.period_end LIMIT $6) x "
	      "JOIN activities a ON a.id = x.activity_id "
	      "JOIN schools s ON s.id = x.school_id "
	      "LEFT JOIN educators e ON e.id = x.educator_id "
	      "ORDER BY x.activity_id, x.school_id, x.educator_key, "
	      "x.period_start, x.period_end",
	    6, { "activity", "school", "educator", "period_start",
	         "period_end", "hours" },
	    "tttddn", 5, WIDE_NONE, 0 },
	[STORE_EXPORT_ADMINISTRATIONS] = {
	    P "SELECT x.survey, s.code, x.administered_on::text, "
	      "x.invited::text, x.survey, x.school_id::text, "
	      "x.administered_on::text FROM (SELECT x.* FROM p, "
	      "administrations x WHERE (p.code IS NULL OR x.survey = "
	      "p.code) AND x.school_id IN " IN_SCOPE
	      "AND " DATES("x.administered_on")
	      "AND ($7::text IS NULL OR (x.survey, x.school_id, "
	      "x.administered_on) > ($7::text, $8::bigint, $9::date)) "
	      "ORDER BY x.survey, x.school_id, x.administered_on LIMIT $6) x "
	      "JOIN schools s ON s.id = x.school_id "
	      "ORDER BY x.survey, x.school_id, x.administered_on",
	    4, { "survey", "school", "administered_on", "invited" }, "ttdi",
	    3, WIDE_NONE, 0 },
	/* Network cycles (no school) are everyone's, as in ListPdsaCycles. */
	[STORE_EXPORT_PDSA] = {
	    P "SELECT c.code, s.code, m.code, a.code, c.change_idea, "
	      "c.prediction, c.predicted_value::text, c.start_on::text, "
	      "c.end_on::text, c.status, c.result, c.code, "
	      "c.school_key::text, c.page_rows::text FROM (SELECT c.*, "
	      "count(*) OVER () AS page_rows, sum(" PDSA_TEXT ") "
	      "OVER (ORDER BY c.code, c.school_key) - (" PDSA_TEXT ") "
	      "AS text_before FROM (SELECT c.* FROM p, pdsa_cycles c "
	      "WHERE (p.code IS NULL OR c.measure_id IN (SELECT m.id FROM "
	      "measures m WHERE m.code = p.code)) "
	      "AND (c.school_id IS NULL OR c.school_id IN " IN_SCOPE ") "
	      "AND " DATES("c.start_on")
	      "AND ($7::text IS NULL OR (c.code, c.school_key) > "
	      "($7::text, $8::bigint)) "
	      "ORDER BY c.code, c.school_key LIMIT $6) c) c "
	      "JOIN measures m ON m.id = c.measure_id "
	      "LEFT JOIN activities a ON a.id = c.activity_id "
	      "LEFT JOIN schools s ON s.id = c.school_id "
	      "WHERE c.text_before < " TEXT_BUDGET
	      "ORDER BY c.code, c.school_key",
	    11, { "cycle", "school", "measure", "activity", "change_idea",
	          "prediction", "predicted_value", "start", "end", "status",
	          "result" },
	    "ttttttnddtt", 2, WIDE_NONE, 0, true },
};
/* clang-format on */

size_t
store_export_nkeys(store_export_kind kind)
{
	return kind < STORE_EXPORT_N ? KINDS[kind].nkeys : 0;
}

/* The item or criterion columns of the instrument versions a page may
 * hold: codes in first-seen order (the latest version first), and for
 * each (version, position) the column it fills. */
typedef struct wide_map {
	size_t   ncodes;
	char   **codes;
	size_t   n;
	int64_t *version;
	int     *position;
	size_t  *column;
} wide_map;

static void
wide_free(wide_map *w)
{
	for (size_t i = 0; i < w->ncodes; i++) {
		free(w->codes[i]);
	}
	free(w->codes);
	free(w->version);
	free(w->position);
	free(w->column);
	memset(w, 0, sizeof(*w));
}

static int
wide_load(store *s, int wide, const char *code, wide_map *w)
{
	static const char *const sql[] = {
		[WIDE_SURVEY]
		= "SELECT v.id, i.position, i.code FROM surveys v "
		  "JOIN survey_items i ON i.survey_id = v.id "
		  "WHERE v.code = $1::text "
		  "ORDER BY v.version DESC, i.position",
		[WIDE_RUBRIC]
		= "SELECT r.id, c.position, c.code FROM rubrics r "
		  "JOIN rubric_criteria c ON c.rubric_id = r.id "
		  "WHERE $1::text IS NULL OR r.code = $1::text "
		  "ORDER BY r.code, r.version DESC, c.position",
	};
	PGresult   *r;
	const char *p[] = { code };
	int rv = store_query(s, sql[wide], 1, p, &r, "reading the items");
	if (rv != TD_OK) {
		return rv;
	}
	size_t n    = (size_t) PQntuples(r);
	w->codes    = calloc(n ? n : 1, sizeof(char *));
	w->version  = calloc(n ? n : 1, sizeof(int64_t));
	w->position = calloc(n ? n : 1, sizeof(int));
	w->column   = calloc(n ? n : 1, sizeof(size_t));
	if (!w->codes || !w->version || !w->position || !w->column) {
		PQclear(r);
		return store_fail(s, TD_ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < n; i++) {
		const char *c = PQgetvalue(r, (int) i, 2);
		size_t      k = 0;
		while (k < w->ncodes && strcmp(w->codes[k], c) != 0) {
			k++;
		}
		if (k == w->ncodes
		    && (w->codes[w->ncodes++] = strdup(c)) == NULL) {
			PQclear(r);
			return store_fail(s, TD_ENOMEM, "out of memory");
		}
		w->version[i]  = strtoll(PQgetvalue(r, (int) i, 0), NULL, 10);
		w->position[i] = atoi(PQgetvalue(r, (int) i, 1));
		w->column[i]   = k;
	}
	w->n = n;
	PQclear(r);
	return TD_OK;
}

/* wide_spread puts an array literal ("{3,NULL,4}") of version's values
 * into its columns of row (left NULL where the version has no value). */
static int
wide_spread(const wide_map *w, int64_t version, const char *arr, char **row)
{
	const char *p   = arr[0] == '{' ? arr + 1 : arr;
	int         pos = 0;
	size_t      lo  = 0;
	while (lo < w->n && w->version[lo] != version) {
		lo++;
	}
	while (*p != '\0' && *p != '}') {
		size_t len = strcspn(p, ",}");
		for (size_t i = lo; i < w->n && w->version[i] == version;
		     i++) {
			if (w->position[i] != pos
			    || (len == 4 && strncmp(p, "NULL", 4) == 0)) {
				continue;
			}
			if ((row[w->column[i]] = strndup(p, len)) == NULL) {
				return TD_ENOMEM;
			}
		}
		p += len;
		if (*p == ',') {
			p++;
		}
		pos++;
	}
	return TD_OK;
}

void
store_export_table_free(store_export_table *t)
{
	if (t == NULL) {
		return;
	}
	for (size_t i = 0; t->cells && i < t->nrows * t->ncols; i++) {
		free(t->cells[i]);
	}
	for (size_t i = 0; t->keys && i < t->nrows * t->nkeys; i++) {
		free(t->keys[i]);
	}
	for (size_t i = 0; t->cols && i < t->ncols; i++) {
		free(t->cols[i]);
	}
	free(t->cells);
	free(t->keys);
	free(t->cols);
	free(t->types);
	memset(t, 0, sizeof(*t));
}

/* columns names the output columns: the fixed ones with the instrument's
 * codes at wide_at. */
static int
columns(const kind_sql *k, const wide_map *w, store_export_table *t)
{
	size_t nw = k->wide != WIDE_NONE ? w->ncodes : 0;
	t->ncols  = k->ncols + nw;
	t->cols   = calloc(t->ncols, sizeof(char *));
	t->types  = calloc(t->ncols + 1, 1);
	if (t->cols == NULL || t->types == NULL) {
		return TD_ENOMEM;
	}
	for (size_t j = 0, f = 0; j < t->ncols; j++) {
		bool item = j >= k->wide_at && j < k->wide_at + nw;
		t->cols[j]
		    = strdup(item ? w->codes[j - k->wide_at] : k->cols[f]);
		t->types[j] = item ? 'i' : k->types[f];
		f += !item;
		if (t->cols[j] == NULL) {
			return TD_ENOMEM;
		}
	}
	return TD_OK;
}

static char *
value(const PGresult *r, int i, int j)
{
	return PQgetisnull(r, i, j) ? NULL : strdup(PQgetvalue(r, i, j));
}

static int
rows(const kind_sql *k, const wide_map *w, const PGresult *r, size_t limit,
     store_export_table *t)
{
	size_t nw = t->ncols - k->ncols;
	t->nrows  = (size_t) PQntuples(r);
	t->nkeys  = k->nkeys;
	t->cells  = calloc(t->nrows * t->ncols + 1, sizeof(char *));
	t->keys   = calloc(t->nrows * t->nkeys + 1, sizeof(char *));
	if (t->cells == NULL || t->keys == NULL) {
		t->nrows = 0;
		return TD_ENOMEM;
	}
	int keys_at = (int) k->ncols + (k->wide != WIDE_NONE ? 2 : 0);
	/* more rows may follow: a full page, or one the text budget cut */
	size_t before_cut = t->nrows;
	if (k->text_cut && t->nrows > 0) {
		before_cut = (size_t) strtoull(
		    PQgetvalue(r, 0, keys_at + (int) k->nkeys), NULL, 10);
	}
	t->more = before_cut == limit || t->nrows < before_cut;
	for (size_t i = 0; i < t->nrows; i++) {
		char **row = t->cells + i * t->ncols;
		for (size_t f = 0; f < k->ncols; f++) {
			size_t j = f < k->wide_at || k->wide == WIDE_NONE
			    ? f
			    : f + nw;
			if (!PQgetisnull(r, (int) i, (int) f)
			    && (row[j] = value(r, (int) i, (int) f)) == NULL) {
				return TD_ENOMEM;
			}
		}
		if (k->wide != WIDE_NONE
		    && wide_spread(
		           w,
		           strtoll(PQgetvalue(r, (int) i, (int) k->ncols),
		                   NULL, 10),
		           PQgetvalue(r, (int) i, (int) k->ncols + 1),
		           row + k->wide_at)
		        != TD_OK) {
			return TD_ENOMEM;
		}
		for (size_t j = 0; j < k->nkeys; j++) {
			char **key = &t->keys[i * t->nkeys + j];
			if ((*key = strdup(
			         PQgetvalue(r, (int) i, keys_at + (int) j)))
			    == NULL) {
				return TD_ENOMEM;
			}
		}
	}
	return TD_OK;
}

int
store_export_page(store *s, const store_export_query *q,
                  store_export_table *out)
{
	memset(out, 0, sizeof(*out));
	if (q->kind >= STORE_EXPORT_N
	    || (q->n_after != 0 && q->n_after != KINDS[q->kind].nkeys)) {
		return store_fail(s, TD_EINVAL, "bad export query");
	}
	const kind_sql *k             = &KINDS[q->kind];
	wide_map        w             = { 0 };
	PGresult       *r             = NULL;
	const char     *params[6 + 8] = { 0 };
	char            limit[16];
	int             rv;
	snprintf(limit, sizeof(limit), "%d", q->limit);
	params[0] = q->school;
	params[1] = q->district;
	params[2] = q->from;
	params[3] = q->to;
	params[4] = q->code;
	params[5] = limit;
	for (size_t j = 0; j < q->n_after; j++) {
		params[6 + j] = q->after[j];
	}
	if ((k->wide != WIDE_NONE
	     && (rv = wide_load(s, k->wide, q->code, &w)) != TD_OK)
	    || (rv = store_query(s, k->sql, 6 + (int) k->nkeys, params, &r,
	                         "reading the export"))
	        != TD_OK) {
		wide_free(&w);
		return rv;
	}
	if ((rv = columns(k, &w, out)) != TD_OK
	    || (rv = rows(k, &w, r, (size_t) q->limit, out)) != TD_OK) {
		store_export_table_free(out);
		rv = store_fail(s, TD_ENOMEM, "out of memory");
	}
	PQclear(r);
	wide_free(&w);
	return rv;
}
