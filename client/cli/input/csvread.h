/* SPDX-License-Identifier: MIT
 * CSV input for the CLI's define, import and submit commands, parsed with
 * libcsv (RFC 4180 quoting, CRLF, LF or CR line ends, a UTF-8 BOM dropped,
 * a header row required). Each record keeps its first line number and its
 * raw bytes, so server errors map back to FILE:LINE and batch ids can be
 * derived from exactly what is in the file.
 */
#ifndef TD_CLI_CSVREAD_H
#define TD_CLI_CSVREAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "tandem/errors.h"

typedef struct csvread_table csvread_table;

/* csvread_parse parses buf[0..len) as one CSV file called name (used in
 * messages; copied). The first non-blank record is the header. Blank lines
 * and records whose every field is empty (spreadsheet leftovers) are
 * skipped. Every record must have as many fields as the header and be
 * valid UTF-8; unquoted fields lose leading and trailing spaces and tabs
 * (libcsv's default), quoted fields are kept as they are, but for a
 * leading ' before =, +, -, @, tab or CR, which is dropped (a spreadsheet's
 * text marker, and how the CLI's CSV output neutralises formulas). On success
 * the caller owns *out (csvread_destroy). On failure errmsg (TD_ERRMSG_MAX
 * bytes) reads "NAME:LINE: what is wrong" and the result is TD_EINVAL
 * (bad CSV) or TD_ENOMEM. */
int csvread_parse(csvread_table **out, const char *name, const void *buf,
                  size_t len, char *errmsg)
    __attribute__((warn_unused_result));

/* csvread_file reads path ("-" = standard input) and parses it as
 * csvread_parse does. TD_EIO when the file cannot be read. */
int csvread_file(csvread_table **out, const char *path, char *errmsg)
    __attribute__((warn_unused_result));

/* csvread_destroy frees t and every string it handed out; NULL is fine. */
void csvread_destroy(csvread_table *t);

/* The file's name as given to csvread_parse or csvread_file. */
const char *csvread_name(const csvread_table *t);

/* Header: ncols names (possibly ""), and the header's first line. */
size_t      csvread_ncols(const csvread_table *t);
const char *csvread_header(const csvread_table *t, size_t col);
size_t      csvread_header_line(const csvread_table *t);
/* csvread_header_raw returns the header record's bytes as in the file,
 * line end included (owned by t). */
const char *csvread_header_raw(const csvread_table *t, size_t *len);

/* Records after the header. csvread_cell never returns NULL: an empty
 * field is "". Strings are owned by t. */
size_t      csvread_nrecords(const csvread_table *t);
const char *csvread_cell(const csvread_table *t, size_t rec, size_t col);
/* csvread_line is the 1-based line on which record rec starts (a quoted
 * field may carry it over several lines). */
size_t csvread_line(const csvread_table *t, size_t rec);
/* csvread_raw returns record rec's bytes as in the file, from its first
 * byte through its line end (owned by t). */
const char *csvread_raw(const csvread_table *t, size_t rec, size_t *len);

/* csvread_find returns the column called name: an exact match, else the
 * only one that matches ignoring ASCII case; -1 when there is none. */
int csvread_find(const csvread_table *t, const char *name);

/* A column a command wants, and where csvread_bind found it. */
typedef struct csvread_col {
	const char *name;
	bool        required;
	int         index; /* set by csvread_bind; -1 = absent */
} csvread_col;

/* csvread_bind finds every column of cols in t's header. A required column
 * that is absent gives TD_EINVAL and "NAME: missing required column
 * 'col' (the header has: a, b, c)" in errmsg. */
int csvread_bind(const csvread_table *t, csvread_col *cols, size_t n,
                 char *errmsg) __attribute__((warn_unused_result));

/* csvread_is_bound tells whether column col is one of cols (after
 * csvread_bind): the columns that are not are the file's extra columns. */
bool csvread_is_bound(const csvread_col *cols, size_t n, size_t col);

/* Cell values. csvread_parse_int reads a whole number ("12", "-3", "+4";
 * "4.0" is 4; surrounding spaces are fine): TD_EINVAL when s is not one,
 * TD_ERANGE when it is outside lo..hi. csvread_parse_num reads a finite
 * decimal number ("0.45", "-1e3"; no hex, inf or nan): TD_EINVAL. Empty
 * strings are TD_EINVAL for both. csvread_parse_bool reads true/false,
 * yes/no or 1/0 in any case: TD_EINVAL otherwise. */
int csvread_parse_int(const char *s, long long lo, long long hi,
                      long long *out) __attribute__((warn_unused_result));
int csvread_parse_num(const char *s, double *out)
    __attribute__((warn_unused_result));
int csvread_parse_bool(const char *s, bool *out)
    __attribute__((warn_unused_result));

/* How many local problems to print before only counting them. */
#define CSVREAD_SHOWN 20

/* A tally of problems found in files before anything is sent, printed as
 * "NAME:LINE: message" (the first CSVREAD_SHOWN) to out (NULL = stderr).
 * Zero-initialise it. */
typedef struct csvread_errs {
	size_t n;
	FILE  *out;
} csvread_errs;

/* csvread_complain adds one problem with record rec of t. */
void csvread_complain(csvread_errs *e, const csvread_table *t, size_t rec,
                      const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* csvread_errs_done prints "… and N more" when some were not shown and
 * returns the number of problems. */
size_t csvread_errs_done(csvread_errs *e);

/* Cell readers for record rec: col < 0 (an absent optional column) reads
 * as empty. An empty cell is a problem when required, else gives dflt
 * (*out = "" for strings). A bad value is reported through e as
 * "column C: 'V' is not a whole number" and the reader returns false. */
bool csvread_get_str(csvread_errs *e, const csvread_table *t, size_t rec,
                     int col, bool required, const char **out);
bool csvread_get_int(csvread_errs *e, const csvread_table *t, size_t rec,
                     int col, bool required, long long lo, long long hi,
                     long long dflt, long long *out);
bool csvread_get_num(csvread_errs *e, const csvread_table *t, size_t rec,
                     int col, bool required, double dflt, double *out);
bool csvread_get_bool(csvread_errs *e, const csvread_table *t, size_t rec,
                      int col, bool required, bool dflt, bool *out);

#endif /* TD_CLI_CSVREAD_H */
