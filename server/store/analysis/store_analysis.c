/* SPDX-License-Identifier: MIT
 * Reads for the analyses: rollup series (O(units x periods) rows), measure
 * lookups, the item matrix and rater pairs that instrument statistics need,
 * and reporting completeness. The inputs of return on investment and
 * impact are read in store_evaluation.c.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "store_analysis.h"
#include "store_internal.h"
#include "store_registry.h"

/* The rollup read of each level, with the parameters typed so the planner
 * uses the rollups' key (a text parameter compared with the char(1)
 * grain cast the column and scanned the table: 150 ms at 10,000 schools)
 * and rows in key order (unit id, period), which needs no sort; the
 * caller's order (unit code, period) is made in C. The first period is a
 * subquery so it is computed once, not for every row (110 ms at 10,000
 * schools). Dates and times leave in binary as they are stored: casting
 * period_start to text and last_received to epoch seconds for every row
 * was a third of the statement (600,000 monthly rows at 10,000 schools:
 * 2.5 s -> 1.0 s through COPY BINARY on the dev VM). Parameters: measure,
 * subgroup, grade, grain, unit code, from, to, district code. */
#define SERIES_COLUMNS                                                        \
	"r.period_start, r.cnt, r.n_sum, r.wsum, r.wsumsq, r.fav, "           \
	"r.items, r.month_mask, r.last_received "
/* --approved-only ($9): the month approved at the row's level or above
 * (sql/016_review.sql). */
#define SERIES_APPROVED                                                       \
	"AND (NOT $9::bool OR EXISTS (SELECT 1 FROM approvals a JOIN "        \
	"measures am ON am.id = a.measure_id WHERE am.code = r.measure AND "  \
	"a.period_start = r.period_start AND (a.level = 'network' OR "        \
	"(a.level = 'district' AND a.unit_id = CASE r.level WHEN 'd' THEN "   \
	"r.unit_id WHEN 's' THEN (SELECT district_id FROM schools WHERE id "  \
	"= r.unit_id) END) OR (a.level = 'school' AND r.level = 's' AND "     \
	"a.unit_id = r.unit_id)))) "
#define SERIES_WHERE                                                          \
	"WHERE r.measure = $1 AND r.subgroup = $2 AND r.grade = $3 AND "      \
	"r.grain = $4::char AND r.cnt > 0 AND ($6::date IS NULL OR "          \
	"r.period_start >= (SELECT td_period_start($4::char, $6::date))) "    \
	"AND "                                                                \
	"($7::date IS NULL OR r.period_start <= $7::date) " SERIES_APPROVED
static const char SERIES_SCHOOLS[]
    = "SELECT sc.code, " SERIES_COLUMNS
      "FROM rollups r JOIN schools sc ON sc.id = r.unit_id " SERIES_WHERE
      "AND r.level = 's' AND ($5::text IS NULL OR r.unit_id = (SELECT id "
      "FROM schools WHERE code = $5)) AND ($8::text IS NULL OR "
      "sc.district_id = (SELECT id FROM districts WHERE code = $8)) "
      "ORDER BY r.unit_id, r.period_start";
static const char SERIES_DISTRICTS[]
    = "SELECT d.code, " SERIES_COLUMNS
      "FROM rollups r JOIN districts d ON d.id = r.unit_id " SERIES_WHERE
      "AND r.level = 'd' AND ($5::text IS NULL OR r.unit_id = (SELECT id "
      "FROM districts WHERE code = $5)) AND ($8::text IS NULL OR d.code = "
      "$8) ORDER BY r.unit_id, r.period_start";
static const char SERIES_NETWORK[]
    = "SELECT 'network', " SERIES_COLUMNS "FROM rollups r " SERIES_WHERE
      /* as before: the network is unit 0 whatever code is passed */
      "AND r.level = 'n' AND ($5::text IS NULL OR r.unit_id = 0) AND "
      "r.unit_id = 0 AND $8::text IS NULL ORDER BY r.unit_id, "
      "r.period_start";

static int
by_unit_then_period(const void *a, const void *b)
{
	const store_point *x = a, *y = b;
	int                c = strcmp(x->unit, y->unit);
	return c != 0 ? c : strcmp(x->period, y->period);
}

/* The caller's order: unit code, then period. Units defined in code order
 * come back in that order already. */
static void
order_points(store_point *pts, size_t n)
{
	bool sorted = true;
	for (size_t i = 1; sorted && i < n; i++) {
		sorted = by_unit_then_period(&pts[i - 1], &pts[i]) <= 0;
	}
	if (!sorted) {
		qsort(pts, n, sizeof(store_point), by_unit_then_period);
	}
}

/* intern gives the unit code of a row: prev when it is the same (rows come
 * unit by unit), else a copy from alloc; NULL when out of memory. */
static const char *
intern(store_alloc alloc, void *ctx, const PGresult *r, int row, int col,
       const char *prev)
{
	const char *u = PQgetvalue(r, row, col);
	if (prev != NULL && strcmp(prev, u) == 0) {
		return prev;
	}
	size_t l = (size_t) PQgetlength(r, row, col);
	char  *c = alloc(ctx, l + 1);
	if (c != NULL) {
		memcpy(c, u, l);
		c[l] = '\0';
	}
	return c;
}

/* An outcome measure's school months come from its outcomes
 * (store_months.c); outcomes have no grades. */
static int
outcome_school_months(store *s, const store_series_query *q, store_alloc alloc,
                      void *ctx, store_point **out, size_t *n)
{
	PGresult *r  = NULL;
	int       rv = q->grade[0] != '\0'
	          ? TD_OK
	          : store_outcome_months_read(s, q, false, &r);
	if (rv != TD_OK) {
		return rv;
	}
	size_t rows = r ? (size_t) PQntuples(r) : 0;
	*n          = 0;
	*out        = alloc(ctx, (rows ? rows : 1) * sizeof(store_point));
	if (*out == NULL) {
		PQclear(r);
		return store_fail(s, TD_ENOMEM, "out of memory");
	}
	const char *unit = NULL; /* the previous month's, interned */
	store_month m;
	int         row = 0;
	while (r != NULL && store_outcome_month_next(r, &row, &m)) {
		if ((unit = intern(alloc, ctx, r, m.row, 1, unit)) == NULL) {
			PQclear(r);
			return store_fail(s, TD_ENOMEM, "out of memory");
		}
		m.pt.unit      = unit;
		(*out)[(*n)++] = m.pt;
	}
	PQclear(r);
	order_points(*out, *n);
	return TD_OK;
}

int
store_series(store *s, const store_series_query *q, store_alloc alloc,
             void *ctx, store_point **out, size_t *n)
{
	if (q->level == 's' && q->grain == 'm'
	    && strncmp(q->measure, "survey:", 7) != 0) {
		return outcome_school_months(s, q, alloc, ctx, out, n);
	}
	char        grain[2] = { q->grain, 0 };
	const char *p[9]
	    = { q->measure, q->subgroup, q->grade,
		grain,      q->unit,     q->from,
		q->to,      q->district, q->approved_only ? "t" : "f" };
	const char *sql = q->level == 's' ? SERIES_SCHOOLS
	    : q->level == 'd'             ? SERIES_DISTRICTS
	                                  : SERIES_NETWORK;
	PGresult   *r  = PQexecParams(s->conn, sql, 9, NULL, p, NULL, NULL, 1);
	int         rv = TD_OK;
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		rv = store_result_err(s, r, "reading rollups");
		PQclear(r);
		return rv;
	}
	*n   = (size_t) PQntuples(r);
	*out = alloc(ctx, (*n ? *n : 1) * sizeof(store_point));
	if (*out == NULL) {
		PQclear(r);
		return store_fail(s, TD_ENOMEM, "out of memory");
	}
	const char *unit = NULL; /* the previous row's, interned */
	for (size_t i = 0; i < *n; i++) {
		store_point *pt = &(*out)[i];
		int          k  = (int) i;
		if ((unit = intern(alloc, ctx, r, k, 0, unit)) == NULL) {
			PQclear(r);
			return store_fail(s, TD_ENOMEM, "out of memory");
		}
		pt->unit = unit;
		/* date: days since 2000-01-01 = 10,957 after 1970-01-01 */
		common_date_write((long) store_bin_int4(r, k, 1) + 10957,
		                  pt->period);
		pt->cnt        = (double) store_bin_int8(r, k, 2);
		pt->n_sum      = store_bin_float8(r, k, 3);
		pt->wsum       = store_bin_float8(r, k, 4);
		pt->wsumsq     = store_bin_float8(r, k, 5);
		pt->fav        = store_bin_int8(r, k, 6);
		pt->items      = store_bin_int8(r, k, 7);
		pt->month_mask = store_bin_int4(r, k, 8);
		/* timestamptz: microseconds since 2000-01-01 UTC */
		pt->received = PQgetisnull(r, k, 9)
		    ? 0
		    : (double) store_bin_int8(r, k, 9) / 1e6 + 946684800.0;
	}
	PQclear(r);
	order_points(*out, *n);
	return rv;
}

int
store_survey_measure_key(char *out, size_t cap, const char *survey,
                         const char *construct)
{
	int n = snprintf(out, cap, "survey:%s/%s", survey, construct);
	return n >= 0 && (size_t) n < cap ? TD_OK : TD_ETOOBIG;
}

int
store_measure_info(store *s, const char *measure, bool *exists,
                   bool *lower_is_better)
{
	PGresult   *r;
	const char *p[1] = { measure };
	int         rv;
	*lower_is_better = false;
	if (strncmp(measure, "survey:", 7) == 0) {
		rv = store_query(
		    s,
		    "SELECT 1 FROM surveys v JOIN survey_items i ON "
		    "i.survey_id = v.id WHERE 'survey:' || v.code || '/' "
		    "|| i.construct = $1 LIMIT 1",
		    1, p, &r, "looking up a survey construct");
	} else {
		rv = store_query(
		    s,
		    "SELECT direction = 'lower' FROM measures WHERE code "
		    "= $1",
		    1, p, &r, "looking up a measure");
	}
	if (rv != TD_OK) {
		return rv;
	}
	*exists = PQntuples(r) > 0;
	if (*exists && strncmp(measure, "survey:", 7) != 0) {
		*lower_is_better = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
	}
	PQclear(r);
	return TD_OK;
}

int
store_measure_meta_get(store *s, const char *measure, store_measure_meta *out)
{
	PGresult   *r;
	const char *p[1] = { measure };
	bool        lower;
	int         rv;
	memset(out, 0, sizeof(*out));
	if (strncmp(measure, "survey:", 7) == 0) {
		/* A construct is scored so that higher is favourable. */
		rv = store_measure_info(s, measure, &out->exists, &lower);
		out->direction = 'h';
		return rv;
	}
	rv = store_query(
	    s,
	    "SELECT direction, target IS NOT NULL, "
	    "coalesce(target, 0), unit FROM measures WHERE code = $1",
	    1, p, &r, "looking up a measure");
	if (rv != TD_OK) {
		return rv;
	}
	out->exists = PQntuples(r) > 0;
	if (out->exists) {
		out->direction  = PQgetvalue(r, 0, 0)[0];
		out->has_target = strcmp(PQgetvalue(r, 0, 1), "t") == 0;
		out->target     = strtod(PQgetvalue(r, 0, 2), NULL);
		snprintf(out->unit, sizeof(out->unit), "%s",
		         PQgetvalue(r, 0, 3));
	}
	PQclear(r);
	return TD_OK;
}

/* parse_array reads a smallint[] text value "{1,NULL,3}" into k doubles. */
static void
parse_array(const char *txt, double *row, size_t k)
{
	const char *c = txt;
	for (size_t j = 0; j < k; j++) {
		row[j] = NAN;
	}
	if (*c == '{') {
		c++;
	}
	for (size_t j = 0; j < k && *c && *c != '}'; j++) {
		if (strncmp(c, "NULL", 4) == 0) {
			c += 4;
		} else {
			char *end;
			row[j] = strtod(c, &end);
			c      = end;
		}
		if (*c == ',') {
			c++;
		}
	}
}

int
store_survey_answers(store *s, const char *survey, const char *school,
                     const char *from, const char *to, store_instrument *inst,
                     double **answers, size_t *n_resp)
{
	int rv = store_instrument_current(s, "survey", survey, inst);
	if (rv != TD_OK) {
		return rv;
	}
	char        id[24];
	const char *p[4] = { id, school, from, to };
	PGresult   *r;
	snprintf(id, sizeof(id), "%lld", (long long) inst->id);
	rv = store_query(
	    s,
	    "SELECT r.answers FROM survey_responses r JOIN schools sc ON "
	    "sc.id = r.school_id WHERE r.survey_id = $1::bigint AND "
	    "($2::text IS NULL OR sc.code = $2) AND ($3::date IS NULL OR "
	    "r.administered_on >= $3::date) AND ($4::date IS NULL OR "
	    "r.administered_on <= $4::date)",
	    4, p, &r, "reading survey answers");
	if (rv != TD_OK) {
		return rv;
	}
	size_t k = inst->n_items;
	*n_resp  = (size_t) PQntuples(r);
	*answers = store_alloc_rows(s, *n_resp * k, sizeof(double), &rv);
	for (size_t i = 0; *answers && i < *n_resp; i++) {
		parse_array(PQgetvalue(r, (int) i, 0), *answers + i * k, k);
	}
	PQclear(r);
	return rv;
}

int
store_double_scored(store *s, const char *rubric, const char *school,
                    const char *from, const char *to, store_instrument *inst,
                    double **a, double **b, size_t *n_pairs)
{
	int rv = store_instrument_current(s, "rubric", rubric, inst);
	if (rv != TD_OK) {
		return rv;
	}
	char        id[24];
	const char *p[4] = { id, school, from, to };
	PGresult   *r;
	snprintf(id, sizeof(id), "%lld", (long long) inst->id);
	rv = store_query(
	    s,
	    /* an observation is its school's: codes pair per school */
	    "WITH o AS (SELECT o.school_id, o.observation, o.scores, "
	    "row_number() OVER (PARTITION BY o.school_id, o.observation "
	    "ORDER BY o.id) AS rn FROM "
	    "observations o JOIN schools sc ON sc.id = o.school_id WHERE "
	    "o.rubric_id = $1::bigint AND ($2::text IS NULL OR sc.code = "
	    "$2) AND ($3::date IS NULL OR o.observed_on >= $3::date) AND "
	    "($4::date IS NULL OR o.observed_on <= $4::date)) "
	    "SELECT x.scores, y.scores FROM o x JOIN o y ON "
	    "y.school_id = x.school_id AND y.observation = x.observation "
	    "AND x.rn = 1 AND y.rn = 2 ORDER BY x.school_id, x.observation",
	    4, p, &r, "reading double-scored observations");
	if (rv != TD_OK) {
		return rv;
	}
	size_t k = inst->n_items;
	*n_pairs = (size_t) PQntuples(r);
	*a       = store_alloc_rows(s, *n_pairs * k, sizeof(double), &rv);
	*b       = rv == TD_OK
	          ? store_alloc_rows(s, *n_pairs * k, sizeof(double), &rv)
	          : NULL;
	for (size_t i = 0; *a && *b && i < *n_pairs; i++) {
		parse_array(PQgetvalue(r, (int) i, 0), *a + i * k, k);
		parse_array(PQgetvalue(r, (int) i, 1), *b + i * k, k);
	}
	PQclear(r);
	return rv;
}

int
store_scorings(store *s, const char *rubric, const char *school,
               const char *from, const char *to, store_instrument *inst,
               double **x, size_t *n_units, size_t *n_raters)
{
	*x       = NULL;
	*n_units = *n_raters = 0;
	int rv = store_instrument_current(s, "rubric", rubric, inst);
	if (rv != TD_OK) {
		return rv;
	}
	char        id[24], cap[8];
	const char *p[5] = { id, school, from, to, cap };
	PGresult   *r;
	snprintf(id, sizeof(id), "%lld", (long long) inst->id);
	snprintf(cap, sizeof(cap), "%d", STORE_MAX_RATERS);
	rv = store_query(
	    s,
	    "WITH o AS (SELECT o.school_id, o.observation, o.scores, "
	    "row_number() OVER w AS rn, count(*) OVER w AS c FROM "
	    "observations o JOIN schools sc ON sc.id = o.school_id WHERE "
	    "o.rubric_id = $1::bigint AND ($2::text IS NULL OR sc.code = "
	    "$2) AND ($3::date IS NULL OR o.observed_on >= $3::date) AND "
	    "($4::date IS NULL OR o.observed_on <= $4::date) WINDOW w AS "
	    "(PARTITION BY o.school_id, o.observation ORDER BY o.id ROWS "
	    "BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)) "
	    "SELECT dense_rank() OVER (ORDER BY school_id, observation) - 1, "
	    "rn - 1, scores FROM o WHERE c >= 2 AND rn <= $5::int "
	    "ORDER BY school_id, observation, rn",
	    5, p, &r, "reading scored observations");
	if (rv != TD_OK) {
		return rv;
	}
	size_t k = inst->n_items, nr = (size_t) PQntuples(r);
	for (size_t i = 0; i < nr; i++) {
		size_t u  = strtoul(PQgetvalue(r, (int) i, 0), NULL, 10);
		size_t q  = strtoul(PQgetvalue(r, (int) i, 1), NULL, 10);
		*n_units  = u + 1 > *n_units ? u + 1 : *n_units;
		*n_raters = q + 1 > *n_raters ? q + 1 : *n_raters;
	}
	size_t cells = *n_units * *n_raters * k;
	*x           = store_alloc_rows(s, cells, sizeof(double), &rv);
	for (size_t i = 0; *x && i < cells; i++) {
		(*x)[i] = NAN;
	}
	for (size_t i = 0; *x && i < nr; i++) {
		size_t u = strtoul(PQgetvalue(r, (int) i, 0), NULL, 10);
		size_t q = strtoul(PQgetvalue(r, (int) i, 1), NULL, 10);
		parse_array(PQgetvalue(r, (int) i, 2),
		            *x + (u * *n_raters + q) * k, k);
	}
	PQclear(r);
	return rv;
}

int
store_reports(store *s, const char *measure, char grain, const char *from,
              const char *to, const char *district, int due_days, size_t cap,
              store_report **out, size_t *n)
{
	char        g[2] = { grain, 0 }, due[16], lim[24];
	const char *p[7] = { measure,  grain ? g : NULL,           from, to,
		             district, due_days >= 0 ? due : NULL, lim };
	PGresult   *r;
	snprintf(due, sizeof(due), "%d", due_days);
	snprintf(lim, sizeof(lim), "%zu", cap + 1);
	/* Each measure's periods (of its frequency: the first letter of
	 * weekly, monthly, termly, yearly is the grain) from the one holding
	 * from to the one holding to, crossed with the schools open in each;
	 * a report arrived with the first batch that stored data of its
	 * period (a later correction does not make it late). */
	int rv = store_query(
	    s,
	    "WITH m AS (SELECT id, code, coalesce($2::char, "
	    "left(frequency, 1))::char AS g, coalesce($6::int, timely_days) "
	    "AS td FROM measures WHERE $1::text IS NULL OR code = $1), "
	    "span AS (SELECT m.id, min(o.period_start) AS lo, "
	    "max(o.period_start) AS hi FROM m JOIN outcomes o ON "
	    "o.measure_id = m.id GROUP BY m.id), "
	    "periods AS (SELECT m.id, m.code, m.g, m.td, x.ps, "
	    "td_period_end(m.g, x.ps) AS pe FROM m LEFT JOIN span sp ON "
	    "sp.id = m.id CROSS JOIN LATERAL (SELECT DISTINCT "
	    "td_period_start(m.g, d::date) AS ps FROM generate_series("
	    "td_period_start(m.g, coalesce($3::date, sp.lo))::timestamp, "
	    "coalesce($4::date, sp.hi)::timestamp, CASE m.g WHEN 'w' THEN "
	    "interval '1 week' ELSE interval '1 month' END) d) x), "
	    "arrivals AS (SELECT o.measure_id, o.school_id, "
	    "td_period_start(m.g, o.period_start) AS ps, min(b.received_at) "
	    "AS at FROM m JOIN outcomes o ON o.measure_id = m.id JOIN "
	    "submissions b ON b.seq = o.submission_seq GROUP BY 1, 2, 3), "
	    "expected AS (SELECT sc.id, sc.code, d.code AS district, "
	    "sc.opened_on, sc.closed_on FROM schools sc JOIN districts d ON "
	    "d.id = sc.district_id WHERE $5::text IS NULL OR d.code = $5) "
	    "SELECT p.code, p.ps::text, p.pe::text, e.code, e.district, p.g, "
	    "p.td, extract(epoch FROM a.at - (p.pe + p.td + 1)::timestamptz) "
	    "/ 86400.0 FROM periods p JOIN expected e ON (e.opened_on IS "
	    "NULL OR e.opened_on <= p.pe) AND (e.closed_on IS NULL OR "
	    "e.closed_on >= p.ps) LEFT JOIN arrivals a ON a.measure_id = "
	    "p.id AND a.school_id = e.id AND a.ps = p.ps "
	    "ORDER BY 1, 2, 5, 4 LIMIT $7::bigint",
	    7, p, &r, "reading reporting completeness");
	if (rv != TD_OK) {
		return rv;
	}
	*n   = (size_t) PQntuples(r);
	*out = store_alloc_rows(s, *n, sizeof(store_report), &rv);
	for (size_t i = 0; *out && i < *n; i++) {
		store_report *x = &(*out)[i];
		store_copy_field(x->measure, sizeof(x->measure), r, (int) i,
		                 0);
		store_copy_field(x->period, sizeof(x->period), r, (int) i, 1);
		store_copy_field(x->period_end, sizeof(x->period_end), r,
		                 (int) i, 2);
		store_copy_field(x->school, sizeof(x->school), r, (int) i, 3);
		store_copy_field(x->district, sizeof(x->district), r, (int) i,
		                 4);
		x->grain       = PQgetvalue(r, (int) i, 5)[0];
		x->timely_days = atoi(PQgetvalue(r, (int) i, 6));
		x->days_late   = store_num(r, (int) i, 7);
	}
	PQclear(r);
	return rv;
}

int
store_response_rates(store *s, const char *survey, const char *district,
                     const char *from, const char *to,
                     store_response_rate **out, size_t *n)
{
	const char *p[4] = { survey, district, from, to };
	PGresult   *r;
	int         rv = store_query(
	            s,
	            "SELECT a.survey, sc.code, a.administered_on, a.invited, (SELECT "
	                    "count(*) FROM survey_responses x JOIN surveys v ON v.id = "
	                    "x.survey_id WHERE v.code = a.survey AND x.school_id = "
	                    "a.school_id AND x.administered_on = a.administered_on) FROM "
	                    "administrations a JOIN schools sc ON sc.id = a.school_id JOIN "
	                    "districts d ON d.id = sc.district_id WHERE ($1::text IS NULL OR "
	                    "a.survey = $1) AND ($2::text IS NULL OR d.code = $2) AND "
	                    "($3::date IS NULL OR a.administered_on >= $3::date) AND "
	                    "($4::date IS NULL OR a.administered_on <= $4::date) ORDER BY "
	                    "1, 3, 2",
	            4, p, &r, "reading response rates");
	if (rv != TD_OK) {
		return rv;
	}
	*n   = (size_t) PQntuples(r);
	*out = store_alloc_rows(s, *n, sizeof(store_response_rate), &rv);
	for (size_t i = 0; *out && i < *n; i++) {
		store_response_rate *x = &(*out)[i];
		store_copy_field(x->survey, sizeof(x->survey), r, (int) i, 0);
		store_copy_field(x->school, sizeof(x->school), r, (int) i, 1);
		store_copy_field(x->date, sizeof(x->date), r, (int) i, 2);
		x->invited   = strtoll(PQgetvalue(r, (int) i, 3), NULL, 10);
		x->responded = strtoll(PQgetvalue(r, (int) i, 4), NULL, 10);
	}
	PQclear(r);
	return rv;
}
