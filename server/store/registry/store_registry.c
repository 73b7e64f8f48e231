/* SPDX-License-Identifier: MIT
 * Registry SQL: code lookups for ingest, upserts keyed by code that say
 * whether they created, updated or left a row alone, versioned instruments
 * and listings.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_internal.h"
#include "store_registry.h"

int
store_tx_begin(store *s)
{
	return store_exec(s, "BEGIN", "starting a transaction");
}

int
store_tx_commit(store *s)
{
	/* Every instance on the database hears of the write when it
	 * commits (the triggers of sql/019 cover the tables they know; this
	 * covers any other), in the same round trip. */
	int rv = store_exec(s,
	                    PQtransactionStatus(s->conn) == PQTRANS_INTRANS
	                        ? "NOTIFY " TD_DATA_CHANNEL "; COMMIT"
	                        : "COMMIT",
	                    "committing");
	/* After the COMMIT (even a failed one): a reader that saw the old
	 * version may have read the new rows, never the reverse. */
	store_data_changed();
	return rv;
}

void
store_tx_rollback(store *s)
{
	store_rollback(s);
}

char *
store_text_array(const char *const *v, size_t n)
{
	size_t cap = 3;
	for (size_t i = 0; i < n; i++) {
		cap += 3 + 2 * strlen(v[i]);
	}
	char  *out = malloc(cap);
	size_t k   = 0;
	if (out == NULL) {
		return NULL;
	}
	out[k++] = '{';
	for (size_t i = 0; i < n; i++) {
		if (i) {
			out[k++] = ',';
		}
		out[k++] = '"';
		for (const char *c = v[i]; *c; c++) {
			if (*c == '"' || *c == '\\') {
				out[k++] = '\\';
			}
			out[k++] = *c;
		}
		out[k++] = '"';
	}
	out[k++] = '}';
	out[k]   = '\0';
	return out;
}

static int
query(store *s, const char *sql, int n, const char *const *p, PGresult **out,
      const char *what)
{
	return store_query(s, sql, n, p, out, what);
}

/* distinct_codes gives each code the index of its first occurrence among
 * the distinct codes, which go to uniq in that order; returns how many,
 * 0 when out of memory. A batch names a school or measure per record,
 * over and over: 20,000 outcomes of 333 schools and one measure sent
 * 20,000 codes twice, 31 ms of each batch's 0.2 s of statements
 * (scripts/bench's P1b load, server log), now 334. */
static size_t
distinct_codes(const char *const *codes, size_t n, const char **uniq,
               size_t *at)
{
	size_t cap = 16;
	size_t k   = 0;
	while (cap < 2 * n) {
		cap *= 2;
	}
	uint32_t *slot = calloc(cap, sizeof(*slot)); /* uniq index + 1 */
	if (slot == NULL) {
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && strcmp(codes[i], codes[i - 1]) == 0) {
			at[i] = at[i - 1]; /* records come grouped */
			continue;
		}
		uint64_t h = 14695981039346656037u;
		for (const char *c = codes[i]; *c; c++) {
			h = (h ^ (unsigned char) *c) * 1099511628211u;
		}
		size_t j = h & (cap - 1);
		while (slot[j] != 0
		       && strcmp(uniq[slot[j] - 1], codes[i]) != 0) {
			j = (j + 1) & (cap - 1);
		}
		if (slot[j] == 0) {
			uniq[k] = codes[i];
			slot[j] = (uint32_t) ++k;
		}
		at[i] = slot[j] - 1;
	}
	free(slot);
	return k;
}

int
store_resolve(store *s, store_kind kind, const char *const *codes, size_t n,
              store_resolved *out)
{
	const char *sql, *table;
	memset(out, 0, sizeof(*out));
	switch (kind) {
	case STORE_SCHOOLS:
		table = NULL;
		sql   = "SELECT t.id, d.code FROM unnest($1::text[]) WITH "
		        "ORDINALITY AS c(code, i) LEFT JOIN schools t ON "
		        "t.code = c.code LEFT JOIN districts d ON d.id = "
		        "t.district_id ORDER BY c.i";
		break;
	case STORE_EDUCATORS:
		table = NULL;
		sql   = "SELECT t.id, sc.code FROM unnest($1::text[]) WITH "
		        "ORDINALITY AS c(code, i) LEFT JOIN educators t ON "
		        "t.code = c.code LEFT JOIN schools sc ON sc.id = "
		        "t.school_id ORDER BY c.i";
		break;
	case STORE_MEASURES:
		/* aux: the unit, which gives a value its valid range */
		table = NULL;
		sql   = "SELECT t.id, t.unit FROM unnest($1::text[]) WITH "
		        "ORDINALITY AS c(code, i) LEFT JOIN measures t ON "
		        "t.code = c.code ORDER BY c.i";
		break;
	case STORE_DISTRICTS:
		table = "districts", sql = NULL;
		break;
	case STORE_ACTIVITIES:
		table = "activities", sql = NULL;
		break;
	default:
		return store_fail(s, TD_EINTERNAL,
		                  "cannot resolve codes of kind %d",
		                  (int) kind);
	}
	char buf[320];
	if (sql == NULL) {
		snprintf(buf, sizeof(buf),
		         "SELECT t.id, NULL FROM unnest($1::text[]) WITH "
		         "ORDINALITY AS c(code, i) LEFT JOIN %s t ON t.code = "
		         "c.code ORDER BY c.i",
		         table);
		sql = buf;
	}
	const char **uniq = malloc((n ? n : 1) * sizeof(*uniq));
	size_t      *at   = malloc((n ? n : 1) * sizeof(*at));
	size_t       k   = uniq && at ? distinct_codes(codes, n, uniq, at) : 0;
	char        *arr = k || n == 0 ? store_text_array(uniq, k) : NULL;
	if (arr == NULL) {
		free(uniq);
		free(at);
		return store_fail(s, TD_ENOMEM, "out of memory");
	}
	const char *p[1] = { arr };
	PGresult   *r    = NULL;
	int         rv   = query(s, sql, 1, p, &r, "looking up codes");
	free(arr);
	free(uniq);
	if (rv != TD_OK) {
		free(at);
		return rv;
	}
	out->ids = calloc(n ? n : 1, sizeof(int64_t));
	out->aux = calloc(n ? n : 1, sizeof(char *));
	out->n   = n;
	if (out->ids == NULL || out->aux == NULL) {
		free(at);
		PQclear(r);
		store_resolved_free(out);
		return store_fail(s, TD_ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < n && (int) at[i] < PQntuples(r); i++) {
		int row = (int) at[i];
		if (!PQgetisnull(r, row, 0)) {
			out->ids[i] = strtoll(PQgetvalue(r, row, 0), NULL, 10);
		}
		if (!PQgetisnull(r, row, 1)) {
			out->aux[i] = strdup(PQgetvalue(r, row, 1));
		}
	}
	free(at);
	PQclear(r);
	return TD_OK;
}

void
store_resolved_free(store_resolved *r)
{
	if (r == NULL) {
		return;
	}
	for (size_t i = 0; r->aux && i < r->n; i++) {
		free(r->aux[i]);
	}
	free(r->aux);
	free(r->ids);
	memset(r, 0, sizeof(*r));
}

/* upsert runs an INSERT … ON CONFLICT DO UPDATE … WHERE changed RETURNING
 * (xmax = 0): a row back means created or updated, none means unchanged. */
static int
upsert(store *s, const char *sql, int n, const char *const *p,
       store_outcome *outcome, const char *what)
{
	PGresult *r;
	int       rv = query(s, sql, n, p, &r, what);
	if (rv != TD_OK) {
		return rv;
	}
	if (PQntuples(r) == 0) {
		*outcome = STORE_UNCHANGED;
	} else {
		*outcome = strcmp(PQgetvalue(r, 0, 0), "t") == 0
		    ? STORE_CREATED
		    : STORE_UPDATED;
	}
	PQclear(r);
	return TD_OK;
}

int
store_define_district(store *s, const char *code, const char *name,
                      store_outcome *outcome)
{
	const char *p[2] = { code, name };
	return upsert(
	    s,
	    "INSERT INTO districts (code, name) VALUES ($1, $2) "
	    "ON CONFLICT (code) DO UPDATE SET name = excluded.name, "
	    "updated_at = now() WHERE districts.name IS DISTINCT FROM "
	    "excluded.name RETURNING (xmax = 0)",
	    2, p, outcome, "defining a district");
}

int
store_define_school(store *s, const char *district, const char *code,
                    const char *name, double frl_rate, int enrollment,
                    const char *locale, const char *grades,
                    const char *opened_on, const char *closed_on,
                    store_outcome *outcome)
{
	char        frl[32], enr[16];
	const char *p[9] = { district,
		             code,
		             name,
		             NULL,
		             NULL,
		             NULL,
		             grades,
		             opened_on[0] ? opened_on : NULL,
		             closed_on[0] ? closed_on : NULL };
	if (frl_rate >= 0) {
		snprintf(frl, sizeof(frl), "%.17g", frl_rate);
		p[3] = frl;
	}
	if (enrollment >= 0) {
		snprintf(enr, sizeof(enr), "%d", enrollment);
		p[4] = enr;
	}
	if (locale[0] != '\0') {
		p[5] = locale;
	}
	return upsert(
	    s,
	    "INSERT INTO schools (district_id, code, name, frl_rate, "
	    "enrollment, locale, grades, opened_on, closed_on) SELECT d.id, "
	    "$2, $3, $4::float8, $5::int, $6, $7, $8::date, $9::date FROM "
	    "districts d WHERE d.code = $1 "
	    "ON CONFLICT (code) DO UPDATE SET district_id = "
	    "excluded.district_id, name = excluded.name, frl_rate = "
	    "excluded.frl_rate, enrollment = excluded.enrollment, locale = "
	    "excluded.locale, grades = excluded.grades, opened_on = "
	    "excluded.opened_on, closed_on = excluded.closed_on, updated_at = "
	    "now() WHERE (schools.district_id, schools.name, "
	    "schools.frl_rate, schools.enrollment, schools.locale, "
	    "schools.grades, schools.opened_on, schools.closed_on) IS "
	    "DISTINCT FROM (excluded.district_id, excluded.name, "
	    "excluded.frl_rate, excluded.enrollment, excluded.locale, "
	    "excluded.grades, excluded.opened_on, excluded.closed_on) "
	    "RETURNING (xmax = 0)",
	    9, p, outcome, "defining a school");
}

int
store_define_educator(store *s, const char *code, const char *school,
                      const char *name, const char *role,
                      store_outcome *outcome)
{
	const char *p[4] = { code, school, name, role };
	return upsert(
	    s,
	    "INSERT INTO educators (code, school_id, name, role) SELECT $1, "
	    "sc.id, $3, $4 FROM schools sc WHERE sc.code = $2 "
	    "ON CONFLICT (code) DO UPDATE SET school_id = excluded.school_id, "
	    "name = excluded.name, role = excluded.role, updated_at = now() "
	    "WHERE (educators.school_id, educators.name, educators.role) IS "
	    "DISTINCT FROM (excluded.school_id, excluded.name, excluded.role) "
	    "RETURNING (xmax = 0)",
	    4, p, outcome, "defining an educator");
}

int
store_define_measure(store *s, const char *code, const char *name,
                     const char *unit, const char *direction,
                     const double *target, const char *frequency,
                     int timely_days, store_outcome *outcome)
{
	char        t[40], td[16];
	const char *p[7] = { code,      name, unit,
		             direction, NULL, frequency[0] ? frequency : NULL,
		             NULL };
	if (target != NULL) {
		snprintf(t, sizeof(t), "%.17g", *target);
		p[4] = t;
	}
	if (timely_days >= 0) {
		snprintf(td, sizeof(td), "%d", timely_days);
		p[6] = td;
	}
	/* an absent frequency or timely_days is the column's default, so a
	 * measure redefined without them goes back to it */
	return upsert(
	    s,
	    "INSERT INTO measures (code, name, unit, direction, target, "
	    "frequency, timely_days) VALUES ($1, $2, $3, $4, "
	    "$5::double precision, coalesce($6, 'monthly'), "
	    "coalesce($7::int, 15)) ON CONFLICT "
	    "(code) DO UPDATE SET name = excluded.name, unit = "
	    "excluded.unit, direction = excluded.direction, target = "
	    "excluded.target, frequency = excluded.frequency, timely_days = "
	    "excluded.timely_days WHERE (measures.name, measures.unit, "
	    "measures.direction, measures.target, measures.frequency, "
	    "measures.timely_days) IS DISTINCT FROM "
	    "(excluded.name, excluded.unit, excluded.direction, "
	    "excluded.target, excluded.frequency, excluded.timely_days) "
	    "RETURNING (xmax = 0)",
	    7, p, outcome, "defining a measure");
}

int
store_define_activity(store *s, const char *code, const char *kind,
                      const char *name, const char *district,
                      store_outcome *outcome)
{
	const char *p[4] = { code, kind, name, district[0] ? district : NULL };
	return upsert(
	    s,
	    "INSERT INTO activities (code, kind, name, district_id) VALUES "
	    "($1, $2, $3, (SELECT id FROM districts WHERE code = $4)) "
	    "ON CONFLICT (code) DO UPDATE SET kind = excluded.kind, name = "
	    "excluded.name, district_id = excluded.district_id WHERE "
	    "(activities.kind, activities.name, activities.district_id) IS "
	    "DISTINCT FROM (excluded.kind, excluded.name, "
	    "excluded.district_id) RETURNING (xmax = 0)",
	    4, p, outcome, "defining an activity");
}

int
store_define_price_index(store *s, int year, double index,
                         store_outcome *outcome)
{
	char        y[16], v[32];
	const char *p[2] = { y, v };
	snprintf(y, sizeof(y), "%d", year);
	snprintf(v, sizeof(v), "%.17g", index);
	return upsert(s,
	              "INSERT INTO price_index (year, index_value) VALUES "
	              "($1::int, $2::float8) ON CONFLICT (year) DO UPDATE SET "
	              "index_value = excluded.index_value WHERE "
	              "price_index.index_value IS DISTINCT FROM "
	              "excluded.index_value RETURNING (xmax = 0)",
	              2, p, outcome, "defining the price index");
}

/* ---- versioned instruments ---- */

void
store_instrument_free(store_instrument *in)
{
	if (in == NULL) {
		return;
	}
	for (size_t i = 0; i < in->n_items; i++) {
		free(in->items[i].code);
		free(in->items[i].construct);
		free(in->items[i].text);
	}
	free(in->items);
	free(in->code);
	free(in->name);
	memset(in, 0, sizeof(*in));
}

int
store_instrument_current(store *s, const char *kind, const char *code,
                         store_instrument *out)
{
	bool        survey = strcmp(kind, "survey") == 0;
	const char *p[1]   = { code };
	PGresult   *r;
	int         rv;

	memset(out, 0, sizeof(*out));
	rv = query(s,
	           survey ? "SELECT id, version, name, EXISTS (SELECT 1 FROM "
	                    "survey_responses WHERE survey_id = v.id) FROM "
	                    "surveys v WHERE code = $1 ORDER BY version DESC "
	                    "LIMIT 1"
	                  : "SELECT id, version, name, EXISTS (SELECT 1 FROM "
	                    "observations WHERE rubric_id = v.id) FROM "
	                    "rubrics v WHERE code = $1 ORDER BY version DESC "
	                    "LIMIT 1",
	           1, p, &r, "loading an instrument");
	if (rv != TD_OK) {
		return rv;
	}
	if (PQntuples(r) == 0) {
		PQclear(r);
		return store_fail(s, TD_ENOTFOUND, "no %s named %s", kind,
		                  code);
	}
	out->id            = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	out->version       = atoi(PQgetvalue(r, 0, 1));
	out->name          = strdup(PQgetvalue(r, 0, 2));
	out->code          = strdup(code);
	out->has_responses = strcmp(PQgetvalue(r, 0, 3), "t") == 0;
	PQclear(r);
	char        id[24];
	const char *p2[1] = { id };
	snprintf(id, sizeof(id), "%lld", (long long) out->id);
	rv = query(s,
	           survey ? "SELECT code, construct, min_value, max_value, "
	                    "reverse_coded, favourable_at_least, text FROM "
	                    "survey_items WHERE survey_id = $1::bigint ORDER "
	                    "BY position"
	                  : "SELECT code, '', min_value, max_value, false, 0, "
	                    "text FROM rubric_criteria WHERE rubric_id = "
	                    "$1::bigint ORDER BY position",
	           1, p2, &r, "loading instrument items");
	if (rv != TD_OK) {
		store_instrument_free(out);
		return rv;
	}
	out->n_items = (size_t) PQntuples(r);
	out->items
	    = calloc(out->n_items ? out->n_items : 1, sizeof(store_item));
	if (out->items == NULL) {
		PQclear(r);
		store_instrument_free(out);
		return store_fail(s, TD_ENOMEM, "out of memory");
	}
	for (int i = 0; i < PQntuples(r); i++) {
		store_item *it    = &out->items[i];
		it->code          = strdup(PQgetvalue(r, i, 0));
		it->construct     = strdup(PQgetvalue(r, i, 1));
		it->min           = atoi(PQgetvalue(r, i, 2));
		it->max           = atoi(PQgetvalue(r, i, 3));
		it->reverse_coded = strcmp(PQgetvalue(r, i, 4), "t") == 0;
		it->favourable_at_least = atoi(PQgetvalue(r, i, 5));
		it->text                = strdup(PQgetvalue(r, i, 6));
	}
	PQclear(r);
	return TD_OK;
}

int
store_instrument_save(store *s, const char *kind, store_instrument *in,
                      bool replace)
{
	bool      survey = strcmp(kind, "survey") == 0;
	char      ver[16], id[24];
	PGresult *r;
	int       rv;

	snprintf(ver, sizeof(ver), "%d", in->version);
	if (replace) {
		snprintf(id, sizeof(id), "%lld", (long long) in->id);
		const char *p[2] = { id, in->name };
		rv               = query(s,
                           survey ? "UPDATE surveys SET name = $2 WHERE id = "
		                                  "$1::bigint; "
		                                : "UPDATE rubrics SET name = $2 WHERE id = "
		                                  "$1::bigint",
		                         2, p, &r, "updating an instrument");
		if (rv != TD_OK) {
			return rv;
		}
		PQclear(r);
		const char *p1[1] = { id };
		rv                = query(s,
                           survey
		                              ? "DELETE FROM survey_items WHERE survey_id = "
		                                "$1::bigint"
		                              : "DELETE FROM rubric_criteria WHERE "
		                                "rubric_id = $1::bigint",
		                          1, p1, &r, "replacing instrument items");
		if (rv != TD_OK) {
			return rv;
		}
		PQclear(r);
	} else {
		const char *p[3] = { in->code, ver, in->name };
		rv               = query(s,
                           survey
		                             ? "INSERT INTO surveys (code, version, name) "
		                               "VALUES ($1, $2::int, $3) RETURNING id"
		                             : "INSERT INTO rubrics (code, version, name) "
		                               "VALUES ($1, $2::int, $3) RETURNING id",
		                         3, p, &r, "creating an instrument version");
		if (rv != TD_OK) {
			return rv;
		}
		in->id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
		PQclear(r);
		snprintf(id, sizeof(id), "%lld", (long long) in->id);
	}
	for (size_t i = 0; i < in->n_items; i++) {
		const store_item *it = &in->items[i];
		char              pos[24], mn[16], mx[16], fav[16];
		snprintf(pos, sizeof(pos), "%zu", i);
		snprintf(mn, sizeof(mn), "%d", it->min);
		snprintf(mx, sizeof(mx), "%d", it->max);
		snprintf(fav, sizeof(fav), "%d", it->favourable_at_least);
		const char *p[9]  = { id,
			              pos,
			              it->code,
			              it->construct,
			              mn,
			              mx,
                                     it->reverse_coded ? "t" : "f",
			              fav,
			              it->text };
		const char *cp[6] = { id, pos, it->code, mn, mx, it->text };
		rv                = survey ? query(s,
		                                   "INSERT INTO survey_items (survey_id, "
		                                                  "position, code, construct, min_value, "
		                                                  "max_value, reverse_coded, "
		                                                  "favourable_at_least, text) VALUES "
		                                                  "($1::bigint, $2::int, $3, $4, $5::int, "
		                                                  "$6::int, $7::bool, $8::int, $9)",
		                                   9, p, &r, "storing a survey item")
		                           : query(s,
		                                   "INSERT INTO rubric_criteria (rubric_id, "
		                                                  "position, code, min_value, max_value, "
		                                                  "text) VALUES ($1::bigint, $2::int, $3, "
		                                                  "$4::int, $5::int, $6)",
		                                   6, cp, &r, "storing a rubric criterion");
		if (rv != TD_OK) {
			return rv;
		}
		PQclear(r);
	}
	return TD_OK;
}

/* ---- listings ---- */

int
store_list_schools(store *s, const char *district, store_school **out,
                   size_t *n)
{
	const char *p[1] = { district[0] ? district : NULL };
	PGresult   *r;
	int         rv = query(
	            s,
	            "SELECT d.code, sc.code, sc.name, coalesce(sc.locale, ''), "
	                    "sc.grades, coalesce(sc.frl_rate, -1), coalesce(sc.enrollment, "
	                    "-1), coalesce(sc.opened_on::text, ''), "
	                    "coalesce(sc.closed_on::text, ''), sc.id FROM schools sc JOIN "
	                    "districts d ON d.id = sc.district_id "
	                    "WHERE $1::text IS NULL OR d.code = $1 ORDER BY sc.code",
	            1, p, &r, "listing schools");
	if (rv != TD_OK) {
		return rv;
	}
	*n   = (size_t) PQntuples(r);
	*out = calloc(*n ? *n : 1, sizeof(store_school));
	if (*out == NULL) {
		PQclear(r);
		return store_fail(s, TD_ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < *n; i++) {
		store_school *sc = &(*out)[i];
		sc->id         = strtoll(PQgetvalue(r, (int) i, 9), NULL, 10);
		sc->district   = strdup(PQgetvalue(r, (int) i, 0));
		sc->code       = strdup(PQgetvalue(r, (int) i, 1));
		sc->name       = strdup(PQgetvalue(r, (int) i, 2));
		sc->locale     = strdup(PQgetvalue(r, (int) i, 3));
		sc->grades     = strdup(PQgetvalue(r, (int) i, 4));
		sc->frl_rate   = strtod(PQgetvalue(r, (int) i, 5), NULL);
		sc->enrollment = atoi(PQgetvalue(r, (int) i, 6));
		snprintf(sc->opened_on, sizeof(sc->opened_on), "%s",
		         PQgetvalue(r, (int) i, 7));
		snprintf(sc->closed_on, sizeof(sc->closed_on), "%s",
		         PQgetvalue(r, (int) i, 8));
	}
	PQclear(r);
	return TD_OK;
}

void
store_schools_free(store_school *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++) {
		free(v[i].district);
		free(v[i].code);
		free(v[i].name);
		free(v[i].locale);
		free(v[i].grades);
	}
	free(v);
}

int
store_list_rows(store *s, store_kind kind, char ***rows, size_t *n)
{
	const char *sql;
	switch (kind) {
	case STORE_MEASURES:
		sql = "SELECT concat_ws(E'\\x1f', code, name, unit, "
		      "direction, coalesce(target::text, ''), frequency, "
		      "timely_days) "
		      "FROM measures ORDER BY code";
		break;
	case STORE_ACTIVITIES:
		sql = "SELECT concat_ws(E'\\x1f', a.code, a.kind, a.name, "
		      "coalesce(d.code, '')) FROM activities a LEFT JOIN "
		      "districts d ON d.id = a.district_id ORDER BY a.code";
		break;
	case STORE_SURVEYS:
		sql = "SELECT DISTINCT ON (code) concat_ws(E'\\x1f', code, "
		      "name, version) FROM surveys ORDER BY code, version "
		      "DESC";
		break;
	case STORE_RUBRICS:
		sql = "SELECT DISTINCT ON (code) concat_ws(E'\\x1f', code, "
		      "name, version) FROM rubrics ORDER BY code, version "
		      "DESC";
		break;
	default:
		return store_fail(s, TD_EINTERNAL, "cannot list kind %d",
		                  (int) kind);
	}
	PGresult *r;
	int       rv = query(s, sql, 0, NULL, &r, "listing");
	if (rv != TD_OK) {
		return rv;
	}
	*n    = (size_t) PQntuples(r);
	*rows = calloc(*n ? *n : 1, sizeof(char *));
	for (size_t i = 0; *rows && i < *n; i++) {
		(*rows)[i] = strdup(PQgetvalue(r, (int) i, 0));
	}
	PQclear(r);
	return *rows ? TD_OK : store_fail(s, TD_ENOMEM, "out of memory");
}

void
store_rows_list_free(char **rows, size_t n)
{
	for (size_t i = 0; rows && i < n; i++) {
		free(rows[i]);
	}
	free(rows);
}

int
store_resolve_observations(store *s, const char *const *codes,
                           const char *const *observers, size_t n,
                           const char *school, const char *district,
                           int64_t *ids)
{
	char *a = store_text_array(codes, n);
	char *b = store_text_array(observers, n);
	if (a == NULL || b == NULL) {
		free(a);
		free(b);
		return store_fail(s, TD_ENOMEM, "out of memory");
	}
	const char *p[4] = { a, b, school, district };
	PGresult   *r;
	/* only observations of schools the caller may write: another
	 * school's observation is "not stored" */
	int rv = query(
	    s,
	    "SELECT coalesce(min(o.id), 0) FROM unnest($1::text[], "
	    "$2::text[]) WITH "
	    "ORDINALITY AS c(code, observer, i) LEFT JOIN educators e ON "
	    "e.code = c.observer LEFT JOIN (observations o JOIN schools sc "
	    "ON sc.id = o.school_id JOIN districts d ON d.id = "
	    "sc.district_id) ON o.observation = c.code AND (c.observer = '' "
	    "OR o.observer_id = e.id) AND ($3::text IS NULL OR sc.code = $3) "
	    "AND ($4::text IS NULL OR d.code = $4) GROUP BY c.i ORDER BY c.i",
	    4, p, &r, "looking up observations");
	free(a);
	free(b);
	if (rv != TD_OK) {
		return rv;
	}
	for (size_t i = 0; i < n && (int) i < PQntuples(r); i++) {
		ids[i] = strtoll(PQgetvalue(r, (int) i, 0), NULL, 10);
	}
	PQclear(r);
	return TD_OK;
}
