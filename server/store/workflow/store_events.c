/* SPDX-License-Identifier: MIT
 * See store_events.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_events.h"
#include "store_internal.h"

int
store_deviants_update(store *s, const char *measure, const char *period,
                      const char *const *schools, size_t n, bool *fresh)
{
	char *arr = store_text_array(schools, n);
	if (arr == NULL) {
		return store_fail(s, TD_ENOMEM, "out of memory");
	}
	const char *p[3] = { measure, period, arr };
	PGresult   *r;
	int         rv = store_query(
	            s,
	            "WITH cur AS (SELECT unnest($3::text[]) AS school), "
	                    "gone AS (DELETE FROM deviant_state d WHERE d.measure = $1 AND "
	                    "d.period = $2 AND d.school <> ALL ($3::text[])), "
	                    "ins AS (INSERT INTO deviant_state (measure, period, school) "
	                    "SELECT $1, $2, school FROM cur ON CONFLICT DO NOTHING "
	                    "RETURNING school) SELECT school FROM ins",
	            3, p, &r, "updating the positive deviants");
	free(arr);
	if (rv != TD_OK) {
		return rv;
	}
	memset(fresh, 0, n * sizeof(bool));
	for (int i = 0; i < PQntuples(r); i++) {
		const char *code = PQgetvalue(r, i, 0);
		for (size_t k = 0; k < n; k++) {
			if (strcmp(schools[k], code) == 0) {
				fresh[k] = true;
			}
		}
	}
	PQclear(r);
	return TD_OK;
}

int
store_pdsa_status(store *s, const char *code, int64_t school_id, char *status,
                  size_t cap)
{
	char        id[24];
	const char *p[2] = { code, id };
	PGresult   *r;
	snprintf(id, sizeof(id), "%lld", (long long) school_id);
	int rv = store_query(s,
	                     "SELECT status FROM pdsa_cycles WHERE code = $1 "
	                     "AND school_key = $2::bigint",
	                     2, p, &r, "reading a PDSA cycle's status");
	if (rv != TD_OK) {
		return rv;
	}
	snprintf(status, cap, "%s", PQntuples(r) ? PQgetvalue(r, 0, 0) : "");
	PQclear(r);
	return TD_OK;
}
