/* SPDX-License-Identifier: MIT
 * The head of a change log's read, one for both logs (the lattice's,
 * sql/021 and 023, in store_disclosure.c; the outcomes', sql/022, in
 * store_icons.c): each is read in one statement that also gives the
 * snapshot it ran in, so the next read starts where this one stopped.
 */
#include <libpq-fe.h>
#include <string.h>

#include "store_internal.h"

int
store_changes_read(store *s, const char *sql, const char *measure,
                   const char *since, const char *what, char *snapshot,
                   size_t cap, bool *all, PGresult **out)
{
	const char *p[2] = { measure, since };
	PGresult   *r = PQexecParams(s->conn, sql, 2, NULL, p, NULL, NULL, 0);
	*out          = NULL;
	if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) < 1) {
		int rv = store_result_err(s, r, what);
		PQclear(r);
		return rv;
	}
	if ((size_t) PQgetlength(r, 0, 0) >= cap) {
		*all = true; /* a snapshot too long to keep: no next */
	} else {
		memcpy(snapshot, PQgetvalue(r, 0, 0),
		       (size_t) PQgetlength(r, 0, 0) + 1);
	}
	*all = *all || PQgetvalue(r, 0, 1)[0] == 't';
	*out = r;
	return TD_OK;
}
