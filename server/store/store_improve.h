/* SPDX-License-Identifier: MIT
 * The store's reads for the Improvement service: PDSA cycles, the
 * observation scores and notes Positive Deviance Inquiry compares, and the
 * cross-school ties of the professional-isolation graph. Results come back
 * as small tables of text cells whose columns each function documents.
 */
#ifndef TD_STORE_IMPROVE_H
#define TD_STORE_IMPROVE_H

#include <stdbool.h>
#include <stddef.h>

#include "store.h"

/* A query's rows as text; a NULL cell reads "" with null[] set. One
 * allocation per table; free with store_strtab_free. */
typedef struct store_strtab {
	size_t rows, cols;
	char **cell; /* rows * cols */
	bool  *null;
} store_strtab;

/* store_cell: row r, column c ("" when NULL). */
const char *store_cell(const store_strtab *t, size_t r, size_t c);
bool        store_cell_null(const store_strtab *t, size_t r, size_t c);
void        store_strtab_free(store_strtab *t);

/* store_pdsa_list: cycles filtered by code, measure and school code (NULL
 * = any; school "" = network cycles only), ordered by measure, start,
 * code, school. Columns: code, school ("" = network), district ("" for
 * network cycles), measure, activity, change_idea, prediction,
 * predicted_value (NULL = none), start, end (NULL = open), status, result.
 */
int store_pdsa_list(store *s, const char *code, const char *measure,
                    const char *school, store_strtab *out)
    __attribute__((warn_unused_result));

/* store_period_start: the start (YYYY-MM-DD) of the period of grain
 * ('w', 'm', 't', 'y') that holds date, by the rollups' own rule. */
int store_period_start(store *s, char grain, const char *date, char out[16])
    __attribute__((warn_unused_result));

/* store_discover_rubric: the code of the rubric with the most observations
 * between from and to (dates, inclusive); TD_ENOTFOUND when none. */
int store_discover_rubric(store *s, const char *from, const char *to,
                          const char *district, char out[72])
    __attribute__((warn_unused_result));

/* store_discover_scores: per observation (the mean over its scorings) and
 * criterion code, of every version of rubric, observed between from and to,
 * optionally in one district. Columns: school, observation, observed_on,
 * criterion, score. Ordered by school, observation, criterion. */
int store_discover_scores(store *s, const char *rubric, const char *from,
                          const char *to, const char *district,
                          store_strtab *out)
    __attribute__((warn_unused_result));

/* store_discover_notes: the time-linked notes on the same observations.
 * Columns: school, observation, observed_on, criterion ("" = the whole
 * lesson), t_seconds, note. Ordered by school, observation, t_seconds. */
int store_discover_notes(store *s, const char *rubric, const char *from,
                         const char *to, const char *district,
                         store_strtab *out)
    __attribute__((warn_unused_result));

/* store_isolation_nodes: level 's' the active schools (code, school,
 * district) or 'e' the active educators of active schools (code, primary
 * school, district), ordered by code. */
int store_isolation_nodes(store *s, char level, store_strtab *out)
    __attribute__((warn_unused_result));

/* store_isolation_ties: the cross-school ties between from and to, one
 * row per pair of nodes (a < b by code) and kind. Columns: a, b, kind
 * ('o' observed one another, 'a' took part in one activity in
 * overlapping periods, 'c' shared a PDSA cycle, 's' at level 's' only:
 * one educator serves both schools), count (observations, activities,
 * cycles or shared educators). A participation row without an educator stands
 * for every educator of its school; at level 'e' a shared cycle ties the
 * two schools' educators. At most limit rows (TD_ETOOBIG past it). */
int store_isolation_ties(store *s, char level, const char *from,
                         const char *to, size_t limit, store_strtab *out)
    __attribute__((warn_unused_result));

/* store_isolation_years: *latest gets the academic year (the calendar year
 * it starts in) of the newest observation, participation or cycle under
 * way (a planned cycle does not count), 0 when none; *has_data (may be
 * NULL) says whether year y holds any such record. */
int store_isolation_years(store *s, int y, int *latest, bool *has_data)
    __attribute__((warn_unused_result));

#endif /* TD_STORE_IMPROVE_H */
