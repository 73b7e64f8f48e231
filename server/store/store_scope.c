/* SPDX-License-Identifier: MIT
 * Questions of scope that ingest asks the registry: is an educator
 * registered at a school (its own school, or an active membership there)?
 * One function, so that the rule lives in one place.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_internal.h"

static char *
id_array(const int64_t *v, size_t n)
{
	size_t cap = 3 + n * 21, k = 0;
	char  *out = malloc(cap);
	if (out == NULL) {
		return NULL;
	}
	out[k++] = '{';
	for (size_t i = 0; i < n; i++) {
		k += (size_t) snprintf(out + k, cap - k, "%s%" PRId64,
		                       i ? "," : "", v[i]);
	}
	out[k++] = '}';
	out[k]   = '\0';
	return out;
}

int
store_educators_at_schools(store *s, const int64_t *educators,
                           const int64_t *schools, size_t n, bool *at)
{
	char *a = id_array(educators, n), *b = id_array(schools, n);
	if (a == NULL || b == NULL) {
		free(a);
		free(b);
		return store_fail(s, TD_ENOMEM, "out of memory");
	}
	const char *p[2] = { a, b };
	/* registered at S: S is the educator's school, or the educator has
	 * an active membership there (a teacher may serve several) */
	static const char sql[]
	    = "SELECT coalesce(bool_or(e.school_id = c.s OR EXISTS (SELECT 1 "
	      "FROM educator_memberships m WHERE m.educator_id = c.e AND "
	      "m.school_id = c.s AND m.active)), false) FROM "
	      "unnest($1::bigint[], $2::bigint[]) WITH ORDINALITY AS c(e, s, "
	      "i) "
	      "LEFT JOIN educators e ON e.id = c.e GROUP BY c.i ORDER BY c.i";
	PGresult *r = PQexecParams(s->conn, sql, 2, NULL, p, NULL, NULL, 0);
	free(a);
	free(b);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		int rv = store_result_err(s, r, "checking educators' schools");
		PQclear(r);
		return rv;
	}
	for (size_t i = 0; i < n; i++) {
		at[i] = (int) i < PQntuples(r)
		    && strcmp(PQgetvalue(r, (int) i, 0), "t") == 0;
	}
	PQclear(r);
	return TD_OK;
}
