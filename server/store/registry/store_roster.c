/* SPDX-License-Identifier: MIT
 * Roster SQL: rows found by sourcedId or code, written by id, active
 * flags, educator memberships, and the rule for "educator E serves
 * school S" that scope checks share.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_internal.h"
#include "store_registry.h"
#include "store_roster.h"

/* Any constant both sides agree on: imports wait for each other. */
#define TD_ROSTER_LOCK_KEY 0x74640019

static const char *
id_text(char *buf, size_t size, int64_t id)
{
	if (id == 0) {
		return NULL;
	}
	snprintf(buf, size, "%lld", (long long) id);
	return buf;
}

static const char *
nonempty(const char *s)
{
	return s != NULL && s[0] != '\0' ? s : NULL;
}

int
store_roster_lock(store *s)
{
	char        key[24];
	const char *p[1] = { id_text(key, sizeof(key), TD_ROSTER_LOCK_KEY) };
	PGresult   *r;
	int rv = store_query(s, "SELECT pg_advisory_xact_lock($1::bigint)", 1,
	                     p, &r, "waiting for another roster import");
	if (rv == TD_OK) {
		PQclear(r);
	}
	return rv;
}

static void
row_from(PGresult *r, int i, store_roster_row *out)
{
	memset(out, 0, sizeof(*out));
	out->id = strtoll(PQgetvalue(r, i, 0), NULL, 10);
	snprintf(out->code, sizeof(out->code), "%s", PQgetvalue(r, i, 1));
	snprintf(out->sourced_id, sizeof(out->sourced_id), "%s",
	         PQgetvalue(r, i, 2));
	out->parent_id = strtoll(PQgetvalue(r, i, 3), NULL, 10);
	out->active    = strcmp(PQgetvalue(r, i, 4), "t") == 0;
	out->implied   = strcmp(PQgetvalue(r, i, 5), "t") == 0;
}

int
store_roster_find(store *s, store_kind kind, const char *sid, const char *code,
                  store_roster_row *by_sid, store_roster_row *by_code)
{
	const char *sql;
	if (kind == STORE_DISTRICTS) {
		sql = "SELECT id, code, coalesce(sourced_id, ''), 0, active, "
		      "implied, sourced_id = $1 FROM districts WHERE "
		      "sourced_id = $1 OR code = $2";
	} else if (kind == STORE_SCHOOLS) {
		sql = "SELECT id, code, coalesce(sourced_id, ''), "
		      "district_id, "
		      "active, false, sourced_id = $1 FROM schools WHERE "
		      "sourced_id = $1 OR code = $2";
	} else if (kind == STORE_EDUCATORS) {
		sql = "SELECT id, code, coalesce(sourced_id, ''), "
		      "coalesce(school_id, 0), active, false, sourced_id = $1 "
		      "FROM educators WHERE sourced_id = $1 OR code = $2";
	} else {
		return store_fail(s, TD_EINTERNAL,
		                  "no roster table for kind %d", (int) kind);
	}
	const char *p[2] = { nonempty(sid), nonempty(code) };
	PGresult   *r;
	int rv = store_query(s, sql, 2, p, &r, "looking up the roster");
	if (rv != TD_OK) {
		return rv;
	}
	memset(by_sid, 0, sizeof(*by_sid));
	memset(by_code, 0, sizeof(*by_code));
	for (int i = 0; i < PQntuples(r); i++) {
		store_roster_row row;
		row_from(r, i, &row);
		if (strcmp(PQgetvalue(r, i, 6), "t") == 0) {
			*by_sid = row;
		}
		if (p[1] != NULL && strcmp(row.code, p[1]) == 0) {
			*by_code = row;
		}
	}
	PQclear(r);
	return TD_OK;
}

/* put runs an INSERT … RETURNING id (id 0) or an UPDATE … WHERE changed
 * RETURNING id (else): a row back from the update means updated. */
static int
put(store *s, int64_t id, const char *insert, const char *update, int n,
    const char **p, int64_t *id_out, store_outcome *outcome, const char *what)
{
	char      idbuf[24];
	PGresult *r;
	p[0] = id_text(idbuf, sizeof(idbuf), id);
	/* An INSERT has no $1 (the id): its parameters start at p[1]. */
	int rv = id == 0 ? store_query(s, insert, n - 1, p + 1, &r, what)
	                 : store_query(s, update, n, p, &r, what);
	if (rv != TD_OK) {
		return rv;
	}
	*id_out = id;
	if (id == 0) {
		*id_out  = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
		*outcome = STORE_CREATED;
	} else {
		*outcome = PQntuples(r) > 0 ? STORE_UPDATED : STORE_UNCHANGED;
	}
	PQclear(r);
	return TD_OK;
}

int
store_roster_put_district(store *s, int64_t id, const char *sid,
                          const char *ident, const char *code,
                          const char *name, bool active, bool implied,
                          int64_t *id_out, store_outcome *outcome)
{
	const char *p[7]
	    = { NULL,           nonempty(sid),      code,
		name,           active ? "t" : "f", implied ? "t" : "f",
		nonempty(ident) };
	return put(
	    s, id,
	    "INSERT INTO districts (sourced_id, code, name, active, implied, "
	    "identifier) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
	    "UPDATE districts SET sourced_id = coalesce($2, sourced_id), code "
	    "= $3, name = $4, active = $5, implied = $6, identifier = $7, "
	    "updated_at = now() WHERE id = $1 AND (sourced_id, code, name, "
	    "active, implied, identifier) IS DISTINCT FROM (coalesce($2, "
	    "sourced_id), $3, $4, $5::boolean, $6::boolean, $7::text) "
	    "RETURNING id",
	    7, p, id_out, outcome, "storing a district");
}

int
store_roster_put_school(store *s, int64_t id, const char *sid,
                        const char *ident, const char *code, const char *name,
                        int64_t district_id, bool active, int64_t *id_out,
                        store_outcome *outcome)
{
	char        d[24];
	const char *p[7] = { NULL,
		             nonempty(sid),
		             code,
		             name,
		             id_text(d, sizeof(d), district_id),
		             active ? "t" : "f",
		             nonempty(ident) };
	return put(
	    s, id,
	    "INSERT INTO schools (sourced_id, code, name, district_id, "
	    "active, "
	    "identifier) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
	    "UPDATE schools SET sourced_id = coalesce($2, sourced_id), code = "
	    "$3, name = $4, district_id = $5, active = $6, identifier = $7, "
	    "updated_at = now() WHERE id = $1 AND (sourced_id, code, name, "
	    "district_id, active, identifier) IS DISTINCT FROM (coalesce($2, "
	    "sourced_id), $3, $4, $5::bigint, $6::boolean, $7::text) "
	    "RETURNING id",
	    7, p, id_out, outcome, "storing a school");
}

int
store_roster_put_educator(store *s, int64_t id, const char *sid,
                          const char *ident, const char *code,
                          const char *name, const char *role, bool active,
                          int64_t *id_out, store_outcome *outcome)
{
	const char *p[7]
	    = { NULL, nonempty(sid),  code, name, active ? "t" : "f",
		role, nonempty(ident) };
	return put(
	    s, id,
	    "INSERT INTO educators (sourced_id, code, name, active, role, "
	    "identifier) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
	    "UPDATE educators SET sourced_id = coalesce($2, sourced_id), code "
	    "= $3, name = $4, active = $5, identifier = $7, updated_at = "
	    "now() "
	    "WHERE id = $1 AND $6::text IS NOT NULL AND (sourced_id, code, "
	    "name, active, identifier) IS DISTINCT FROM (coalesce($2, "
	    "sourced_id), $3, $4, $5::boolean, $7::text) RETURNING id",
	    7, p, id_out, outcome, "storing an educator");
}

int
store_roster_ident_others(store *s, store_kind kind, const char *ident,
                          const char *sid, char (*others)[256], size_t max,
                          size_t *n)
{
	const char *sql;
	if (kind == STORE_DISTRICTS) {
		sql = "SELECT sourced_id FROM districts WHERE identifier = $1 "
		      "AND sourced_id IS DISTINCT FROM $2 ORDER BY sourced_id "
		      "LIMIT $3::int";
	} else if (kind == STORE_SCHOOLS) {
		sql = "SELECT sourced_id FROM schools WHERE identifier = $1 "
		      "AND sourced_id IS DISTINCT FROM $2 ORDER BY sourced_id "
		      "LIMIT $3::int";
	} else if (kind == STORE_EDUCATORS) {
		sql = "SELECT sourced_id FROM educators WHERE identifier = $1 "
		      "AND sourced_id IS DISTINCT FROM $2 ORDER BY sourced_id "
		      "LIMIT $3::int";
	} else {
		return store_fail(s, TD_EINTERNAL,
		                  "no roster table for kind %d", (int) kind);
	}
	char        lim[24];
	const char *p[3] = { ident, nonempty(sid),
		             id_text(lim, sizeof(lim), (int64_t) max) };
	PGresult   *r;
	int rv = store_query(s, sql, 3, p, &r, "looking up identifiers");
	*n     = 0;
	if (rv != TD_OK) {
		return rv;
	}
	for (int i = 0; i < PQntuples(r) && (size_t) i < max; i++) {
		snprintf(others[i], 256, "%s", PQgetvalue(r, i, 0));
		(*n)++;
	}
	PQclear(r);
	return TD_OK;
}

int
store_roster_deactivate(store *s, store_kind kind, int64_t id, bool *changed)
{
	const char *sql;
	if (kind == STORE_DISTRICTS) {
		sql = "UPDATE districts SET active = false, updated_at = "
		      "now() "
		      "WHERE id = $1 AND active RETURNING id";
	} else if (kind == STORE_SCHOOLS) {
		sql = "UPDATE schools SET active = false, updated_at = now() "
		      "WHERE id = $1 AND active RETURNING id";
	} else if (kind == STORE_EDUCATORS) {
		sql = "UPDATE educators SET active = false, updated_at = "
		      "now() "
		      "WHERE id = $1 AND active RETURNING id";
	} else {
		return store_fail(s, TD_EINTERNAL,
		                  "no roster table for kind %d", (int) kind);
	}
	char        buf[24];
	const char *p[1] = { id_text(buf, sizeof(buf), id) };
	PGresult   *r;
	int rv = store_query(s, sql, 1, p, &r, "deactivating a roster row");
	if (rv == TD_OK) {
		*changed = PQntuples(r) > 0;
		PQclear(r);
	}
	return rv;
}

int
store_membership_put(store *s, int64_t educator_id, int64_t school_id,
                     int64_t district_id, const char *role, bool active,
                     const char *sid, store_outcome *outcome)
{
	char        e[24], sc[24], d[24];
	const char *p[6]
	    = { id_text(e, sizeof(e), educator_id),
		id_text(sc, sizeof(sc), school_id),
		school_id ? NULL : id_text(d, sizeof(d), district_id),
		role,
		active ? "t" : "f",
		nonempty(sid) };
	/* OneRoster has no coach, teacher leader or assistant principal:
	 * a role set finer with define educators (coach for teacher,
	 * principal for school_administrator) survives a re-import. */
#define KEPT_ROLE                                                             \
	"CASE WHEN (m.role IN ('teacher_leader', 'coach') AND "               \
	"excluded.role = 'teacher') OR (m.role IN ('principal', "             \
	"'assistant_principal') AND excluded.role = 'school_administrator') " \
	"THEN m.role ELSE excluded.role END"
#define UPSERT(target)                                                        \
	"INSERT INTO educator_memberships AS m (educator_id, school_id, "     \
	"district_id, role, active, sourced_id) VALUES ($1, $2, $3, $4, $5, " \
	"$6) ON CONFLICT " target " DO UPDATE SET role = " KEPT_ROLE          \
	", active = excluded.active, sourced_id = "                           \
	"coalesce(excluded.sourced_id, m.sourced_id), updated_at = now() "    \
	"WHERE (m.role, m.active, m.sourced_id) IS DISTINCT FROM (" KEPT_ROLE \
	", excluded.active, coalesce(excluded.sourced_id, m.sourced_id)) "    \
	"RETURNING (xmax = 0)"
	/* The two partial unique indexes need their own conflict targets. */
	const char *sql = school_id
	    ? UPSERT("(educator_id, school_id) WHERE school_id IS NOT NULL")
	    : UPSERT("(educator_id, district_id) WHERE "
	             "district_id IS NOT NULL");
#undef UPSERT
#undef KEPT_ROLE
	PGresult *r;
	int       rv = store_query(s, sql, 6, p, &r, "storing a membership");
	if (rv != TD_OK) {
		return rv;
	}
	*outcome = PQntuples(r) == 0                ? STORE_UNCHANGED
	    : strcmp(PQgetvalue(r, 0, 0), "t") == 0 ? STORE_CREATED
	                                            : STORE_UPDATED;
	PQclear(r);
	return TD_OK;
}

/* ids_literal writes ids as a bigint[] literal (malloc'd; NULL when out
 * of memory). */
static char *
ids_literal(const int64_t *ids, size_t n)
{
	size_t cap = 3 + n * 22;
	char  *a   = malloc(cap);
	if (a == NULL) {
		return NULL;
	}
	size_t k = (size_t) snprintf(a, cap, "{");
	for (size_t i = 0; i < n; i++) {
		k += (size_t) snprintf(a + k, cap - k, "%s%lld", i ? "," : "",
		                       (long long) ids[i]);
	}
	snprintf(a + k, cap - k, "}");
	return a;
}

static int
count_rows(store *s, const char *sql, int n, const char *const *p,
           int64_t *count, const char *what)
{
	PGresult *r;
	int       rv = store_query(s, sql, n, p, &r, what);
	if (rv == TD_OK) {
		*count = PQntuples(r);
		PQclear(r);
	}
	return rv;
}

int
store_membership_retire_others(store *s, int64_t educator_id,
                               const int64_t *schools, size_t n_schools,
                               const int64_t *districts, size_t n_districts,
                               int64_t *n_retired)
{
	char *a = ids_literal(schools, n_schools);
	char *b = ids_literal(districts, n_districts), e[24];
	if (a == NULL || b == NULL) {
		free(a);
		free(b);
		return store_fail(s, TD_ENOMEM, "out of memory");
	}
	const char *p[3] = { id_text(e, sizeof(e), educator_id), a, b };
	int         rv   = count_rows(
	              s,
	              "UPDATE educator_memberships SET active = false, updated_at = "
	                        "now() WHERE educator_id = $1 AND active AND NOT "
	                        "(coalesce(school_id = ANY($2::bigint[]), false) OR "
	                        "coalesce(district_id = ANY($3::bigint[]), false)) "
	                        "RETURNING id",
	              3, p, n_retired, "retiring memberships");
	free(a);
	free(b);
	return rv;
}

int
store_membership_retire(store *s, const char *sid, int64_t educator_id,
                        int64_t school_id, int64_t district_id,
                        int64_t *n_retired)
{
	char        e[24], sc[24], d[24];
	const char *p[4] = { nonempty(sid), id_text(e, sizeof(e), educator_id),
		             id_text(sc, sizeof(sc), school_id),
		             id_text(d, sizeof(d), district_id) };
	return count_rows(
	    s,
	    "UPDATE educator_memberships SET active = false, updated_at = "
	    "now() WHERE active AND CASE WHEN $1::text IS NOT NULL THEN "
	    "sourced_id = $1 ELSE educator_id = $2 AND (school_id = $3 OR "
	    "(school_id IS NULL AND district_id = $4)) END RETURNING id",
	    4, p, n_retired, "retiring a membership");
}

int
store_educator_settle(store *s, int64_t educator_id, int64_t prefer_school,
                      bool *changed)
{
	char        e[24], ps[24];
	const char *p[2] = { id_text(e, sizeof(e), educator_id),
		             id_text(ps, sizeof(ps), prefer_school) };
	int64_t     n    = 0;
	int         rv   = count_rows(
	              s,
	              "WITH pick AS (SELECT m.school_id, m.role FROM "
	                        "educator_memberships m JOIN educators e ON e.id = "
	                        "m.educator_id WHERE m.educator_id = $1 ORDER BY m.active "
	                        "DESC, (m.school_id = $2::bigint) DESC NULLS LAST, "
	                        "(m.school_id = e.school_id) DESC NULLS LAST, (m.school_id "
	                        "IS NOT NULL) DESC, m.id LIMIT 1) UPDATE educators e SET "
	                        "school_id = pick.school_id, role = pick.role, updated_at = "
	                        "now() FROM pick WHERE e.id = $1 AND (e.school_id, e.role) "
	                        "IS DISTINCT FROM (pick.school_id, pick.role) RETURNING e.id",
	              2, p, &n, "choosing an educator's primary school");
	*changed = n > 0;
	return rv;
}

int
store_educator_serve_only(store *s, const char *code, const char *role,
                          const char *old_school)
{
	const char *p[3] = { code, role, nonempty(old_school) };
	int64_t     n;
	return count_rows(
	    s,
	    "WITH e AS (SELECT id, school_id FROM educators WHERE code = $1), "
	    "retired AS (UPDATE educator_memberships m SET active = false, "
	    "updated_at = now() FROM e, schools o WHERE m.educator_id = e.id "
	    "AND o.code = $3 AND m.school_id = o.id AND o.id IS DISTINCT FROM "
	    "e.school_id AND m.active RETURNING m.id) "
	    "INSERT INTO educator_memberships (educator_id, school_id, role) "
	    "SELECT id, school_id, $2 FROM e WHERE school_id IS NOT NULL "
	    "ON CONFLICT (educator_id, school_id) WHERE school_id IS NOT NULL "
	    "DO UPDATE SET role = excluded.role, active = true, updated_at = "
	    "now() WHERE (educator_memberships.role, "
	    "educator_memberships.active) IS DISTINCT FROM (excluded.role, "
	    "true) RETURNING id",
	    3, p, &n, "storing an educator's membership");
}

int
store_educators_at_schools(store *s, const int64_t *educators,
                           const int64_t *schools, size_t n, bool *at)
{
	char *a = ids_literal(educators, n), *b = ids_literal(schools, n);
	if (a == NULL || b == NULL) {
		free(a);
		free(b);
		return store_fail(s, TD_ENOMEM, "out of memory");
	}
	const char *p[2] = { a, b };
	PGresult   *r;
	int         rv = store_query(
	            s,
	            "SELECT EXISTS (SELECT 1 FROM educators e JOIN "
	                    "educator_memberships m ON m.educator_id = e.id AND m.active "
	                    "JOIN schools sc ON sc.id = c.school WHERE e.id = c.educator "
	                    "AND e.active AND (m.school_id = sc.id OR m.district_id = "
	                    "sc.district_id)) FROM unnest($1::bigint[], $2::bigint[]) "
	                    "WITH ORDINALITY AS c(educator, school, i) ORDER BY c.i",
	            2, p, &r, "checking where educators serve");
	free(a);
	free(b);
	if (rv != TD_OK) {
		return rv;
	}
	for (size_t i = 0; i < n; i++) {
		at[i] = (int) i < PQntuples(r)
		    && strcmp(PQgetvalue(r, (int) i, 0), "t") == 0;
	}
	PQclear(r);
	return TD_OK;
}

int
store_educator_at_school(store *s, int64_t educator_id, int64_t school_id,
                         bool *at)
{
	return store_educators_at_schools(s, &educator_id, &school_id, 1, at);
}

static char *
dup_or_die(const char *v, bool *oom)
{
	char *d = strdup(v);
	*oom |= d == NULL;
	return d;
}

int
store_list_districts(store *s, store_district **out, size_t *n)
{
	PGresult *r;
	int       rv = store_query(
	          s,
	          "SELECT code, name, coalesce(sourced_id, ''), active, "
	                "implied FROM districts ORDER BY code",
	          0, NULL, &r, "listing districts");
	*out = NULL;
	*n   = 0;
	if (rv != TD_OK) {
		return rv;
	}
	size_t          rows = (size_t) PQntuples(r);
	store_district *v    = calloc(rows ? rows : 1, sizeof(*v));
	bool            oom  = v == NULL;
	for (size_t i = 0; !oom && i < rows; i++) {
		v[i].code       = dup_or_die(PQgetvalue(r, (int) i, 0), &oom);
		v[i].name       = dup_or_die(PQgetvalue(r, (int) i, 1), &oom);
		v[i].sourced_id = dup_or_die(PQgetvalue(r, (int) i, 2), &oom);
		v[i].active     = strcmp(PQgetvalue(r, (int) i, 3), "t") == 0;
		v[i].implied    = strcmp(PQgetvalue(r, (int) i, 4), "t") == 0;
	}
	PQclear(r);
	if (oom) {
		store_districts_free(v, rows);
		return store_fail(s, TD_ENOMEM, "out of memory");
	}
	*out = v;
	*n   = rows;
	return TD_OK;
}

void
store_districts_free(store_district *v, size_t n)
{
	for (size_t i = 0; v != NULL && i < n; i++) {
		free(v[i].code);
		free(v[i].name);
		free(v[i].sourced_id);
	}
	free(v);
}

int
store_list_educators(store *s, const char *school, const char *district,
                     bool include_inactive, store_educator **out, size_t *n)
{
	const char *p[3] = { nonempty(school), nonempty(district),
		             include_inactive ? "t" : "f" };
	PGresult   *r;
	/* One row per membership, educators in code order; an educator
	 * with none still gets one row (membership columns NULL). */
	int rv = store_query(
	    s,
	    "WITH ed AS (SELECT e.* FROM educators e WHERE ($3::boolean OR "
	    "e.active) "
	    "AND ($1::text IS NULL AND $2::text IS NULL OR EXISTS (SELECT 1 "
	    "FROM educator_memberships m LEFT JOIN schools ms ON ms.id = "
	    "m.school_id JOIN districts md ON md.id = "
	    "coalesce(ms.district_id, "
	    "m.district_id) WHERE m.educator_id = e.id AND ($3::boolean OR "
	    "m.active) "
	    "AND ($1::text IS NULL OR ms.code = $1) AND ($2::text IS NULL OR "
	    "md.code = $2)))) "
	    "SELECT ed.code, ed.name, ed.role, coalesce(ps.code, ''), "
	    "coalesce(ed.sourced_id, ''), ed.active, coalesce(ms.code, ''), "
	    "md.code, m.role, m.active FROM ed LEFT JOIN schools ps ON ps.id "
	    "= "
	    "ed.school_id LEFT JOIN educator_memberships m ON m.educator_id = "
	    "ed.id AND ($3::boolean OR m.active) LEFT JOIN schools ms ON "
	    "ms.id = "
	    "m.school_id LEFT JOIN districts md ON md.id = "
	    "coalesce(ms.district_id, m.district_id) ORDER BY ed.code, "
	    "m.school_id IS NULL, ms.code, md.code",
	    3, p, &r, "listing educators");
	*out = NULL;
	*n   = 0;
	if (rv != TD_OK) {
		return rv;
	}
	size_t          rows = (size_t) PQntuples(r), k = 0;
	store_educator *v   = calloc(rows ? rows : 1, sizeof(*v));
	bool            oom = v == NULL;
	for (size_t i = 0; !oom && i < rows; i++) {
		int             ri  = (int) i;
		const char     *c   = PQgetvalue(r, ri, 0);
		store_educator *cur = k ? &v[k - 1] : NULL;
		if (cur == NULL || strcmp(cur->code, c) != 0) {
			cur         = &v[k++];
			cur->code   = dup_or_die(c, &oom);
			cur->name   = dup_or_die(PQgetvalue(r, ri, 1), &oom);
			cur->role   = dup_or_die(PQgetvalue(r, ri, 2), &oom);
			cur->school = dup_or_die(PQgetvalue(r, ri, 3), &oom);
			cur->sourced_id
			    = dup_or_die(PQgetvalue(r, ri, 4), &oom);
			cur->active = strcmp(PQgetvalue(r, ri, 5), "t") == 0;
			cur->memberships = calloc(1, sizeof(store_membership));
			oom |= cur->memberships == NULL;
		}
		if (oom || PQgetisnull(r, ri, 8)) {
			continue;
		}
		store_membership *more = realloc(
		    cur->memberships,
		    (cur->n_memberships + 1) * sizeof(store_membership));
		if (more == NULL) {
			oom = true;
			continue;
		}
		cur->memberships    = more;
		store_membership *m = &more[cur->n_memberships++];
		m->school           = dup_or_die(PQgetvalue(r, ri, 6), &oom);
		m->district         = dup_or_die(PQgetvalue(r, ri, 7), &oom);
		m->role             = dup_or_die(PQgetvalue(r, ri, 8), &oom);
		m->active           = strcmp(PQgetvalue(r, ri, 9), "t") == 0;
	}
	PQclear(r);
	if (oom) {
		store_educators_free(v, k);
		return store_fail(s, TD_ENOMEM, "out of memory");
	}
	*out = v;
	*n   = k;
	return TD_OK;
}

void
store_educators_free(store_educator *v, size_t n)
{
	for (size_t i = 0; v != NULL && i < n; i++) {
		for (size_t j = 0; j < v[i].n_memberships; j++) {
			free(v[i].memberships[j].school);
			free(v[i].memberships[j].district);
			free(v[i].memberships[j].role);
		}
		free(v[i].memberships);
		free(v[i].code);
		free(v[i].name);
		free(v[i].role);
		free(v[i].school);
		free(v[i].sourced_id);
	}
	free(v);
}
