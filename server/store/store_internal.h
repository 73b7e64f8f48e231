/* SPDX-License-Identifier: MIT
 * Shared internals of the store's files: the connection wrapper and the
 * helpers that turn a PGresult into a td_err with a sentence.
 */
#ifndef TD_STORE_INTERNAL_H
#define TD_STORE_INTERNAL_H

#include <endian.h>
#include <libpq-fe.h>
#include <stdint.h>
#include <string.h>

#include "store.h"
#include "store_analysis.h"
#include "store_disclosure.h"
#include "store_ingest.h"

struct store {
	PGconn *conn;
	char   *conninfo;
	int     worker;
	int64_t last_attempt_us; /* last reconnect attempt */
	int64_t timeout_ms; /* statement_timeout in force, -1 unknown */
	bool    readied; /* store_begin_request done for the call in flight */
	bool    audit_prepared; /* AUDIT_STMT is prepared on conn */
	bool    rollup_rows; /* td_rollup_rows exists on conn */
	char    err[512];
};

/* store_fail formats the store's error and returns err. */
int store_fail(store *s, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* store_result_err classifies a failed result by SQLSTATE (never by text),
 * sets the store's message with what (a short "doing X" phrase) and clears
 * nothing: the caller still owns res. Returns the td_err. */
int store_result_err(store *s, const PGresult *res, const char *what);
/* store_copy_begin starts a `COPY ... FROM STDIN` (sql); the caller sends
 * the data with PQputCopyData and store_copy_end finishes it (ok false:
 * abort it) and takes its result, libpq's trailing NULL included. Both
 * fail as store_result_err does, naming what. */
int store_copy_begin(store *s, const char *sql, const char *what);
int store_copy_end(store *s, bool ok, const char *what);
/* store_exec runs a command without parameters; 0 when it succeeded. */
int store_exec(store *s, const char *sql, const char *what)
    __attribute__((warn_unused_result));
/* store_query runs sql with n text parameters; on success *out is the
 * result (the caller clears it), else the td_err with the store's
 * message set from what. */
int store_query(store *s, const char *sql, int n, const char *const *params,
                PGresult **out, const char *what)
    __attribute__((warn_unused_result));
/* store_copy_field copies column col of row (cut to cap - 1 bytes) into
 * dst; store_num reads it as a number (NaN for NULL). */
void   store_copy_field(char *dst, size_t cap, const PGresult *r, int row,
                        int col);
double store_num(const PGresult *r, int row, int col);
/* store_alloc_rows allocates n zeroed rows of size sz (at least one), or
 * sets *rv to the store's out-of-memory error and gives NULL. */
void   *store_alloc_rows(store *s, size_t n, size_t sz, int *rv);
int64_t store_now_us(void);
/* store_keyed_row checks the one row of a "key CTE LEFT JOIN" read whose
 * column 0 says the unit was not found and column 1 that the row exists:
 * no row means the subject (e.g. "measure m1") is not in the registry, a
 * missing unit names level and unit. On TD_OK *exists is set and r stays
 * the caller's; on failure r is cleared. */
int store_keyed_row(store *s, PGresult *r, const char *subject_kind,
                    const char *subject, const char *level, const char *unit,
                    bool *exists) __attribute__((warn_unused_result));
/* store_rollback ends an open transaction; failure only means the
 * connection is gone, which the next call finds out. */
void store_rollback(store *s);

/* store_lattice_log writes, in the open transaction, the (measure,
 * academic year) pairs delta d reaches and the schools each reached, for
 * the disclosure lattice's change log (store_lattice_log.c). */
int store_lattice_log(store *s, const store_rollup_delta *d)
    __attribute__((warn_unused_result));
/* store_rollup_ready makes the connection's table of rollup rows, before
 * the transaction of the first batch that has a delta. */
int store_rollup_ready(store *s) __attribute__((warn_unused_result));
/* store_rollup_apply adds a delta to the rollups (store_rollup.c); school
 * rows only for school_grains (NULL = every grain of the delta);
 * new_first: try the school rows as new rows first (a plain COPY), and
 * upsert them only when one exists. */
int store_rollup_apply(store *s, const store_rollup_delta *d,
                       const char *school_grains, bool new_first)
    __attribute__((warn_unused_result));

/* Binary results (the series reads: no text to parse back into numbers,
 * which was a sixth of tandemd's time for positive deviance at 10,000
 * schools): integers and float8 arrive big-endian. */
static inline int64_t
store_bin_int8(const PGresult *r, int row, int col)
{
	uint64_t v;
	memcpy(&v, PQgetvalue(r, row, col), 8);
	return (int64_t) be64toh(v);
}

static inline int32_t
store_bin_int4(const PGresult *r, int row, int col)
{
	uint32_t v;
	memcpy(&v, PQgetvalue(r, row, col), 4);
	return (int32_t) be32toh(v);
}

static inline double
store_bin_float8(const PGresult *r, int row, int col)
{
	uint64_t v = (uint64_t) store_bin_int8(r, row, col);
	double   d;
	memcpy(&d, &v, 8);
	return d;
}

/* An outcome measure's school month, summed from its outcomes
 * (store_months.c): the point as the rollups held it, and the result row
 * of its first outcome, whose columns 1-3 are the school's code, its
 * district's code and the subgroup. */
typedef struct store_month {
	store_point pt; /* pt.unit is not set */
	int         row;
} store_month;

/* store_outcome_months_read reads the outcomes behind q's school months
 * (q->level, q->grain and q->grade are not looked at; for the disclosure
 * lattice, every subgroup and the district codes too) into *out, which
 * the caller clears; then
 * store_outcome_month_next gives one month at a time from *row on and
 * moves *row past it, false at the end. */
int store_outcome_months_read(store *s, const store_series_query *q,
                              bool lattice, PGresult **out)
    __attribute__((warn_unused_result));
bool store_outcome_month_next(const PGresult *r, int *row, store_month *m);

/* store_survey_cells reads the disclosure cells of a survey construct
 * (store_survey_cells.c), as store_disclosure_cells gives them; from and
 * to (both or neither) bound the period starts to [from, to). */
int store_survey_cells(store *s, const char *survey, const char *construct,
                       const char *from, const char *to, store_disc_cell **out,
                       size_t *n) __attribute__((warn_unused_result));

/* store_rows_row gives row i's COPY bytes, with its newline. */
const char *store_rows_row(const store_rows *r, size_t i, size_t *len);
/* store_set_timeout sets statement_timeout (ms, 0 = none) if it changed. */
int store_set_timeout(store *s, int64_t ms);
/* store_text_array builds a text[] literal for codes (malloc'd). */
char *store_text_array(const char *const *v, size_t n);

/* store_changes_read runs sql, a read of a change log with $1 the measure
 * and $2 since (the snapshot of the caller's last read, or NULL), whose
 * first row starts with the snapshot the statement ran in (text) and
 * whether everything is to be read again (boolean): it copies that
 * snapshot into snapshot (cap bytes; one that does not fit sets *all: no
 * next read builds on it) and ORs the boolean into *all. On TD_OK *out
 * is the result, the other columns the caller's to read and the result
 * its to clear; on failure the store's message names what was read. */
int store_changes_read(store *s, const char *sql, const char *measure,
                       const char *since, const char *what, char *snapshot,
                       size_t cap, bool *all, PGresult **out)
    __attribute__((warn_unused_result));

#endif /* TD_STORE_INTERNAL_H */
