/* SPDX-License-Identifier: MIT
 * Tabular output for every CLI command in three formats: an aligned text
 * table for people, CSV (RFC 4180) and JSON (typed values, null for a
 * suppressed or unavailable value) for programs.
 */
#ifndef TD_CLI_OUTPUT_H
#define TD_CLI_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum out_format { OUT_TABLE, OUT_CSV, OUT_JSON };

typedef struct out_table out_table;

/* out_table_create makes a table with the given column names (copied). */
out_table *out_table_create(const char *name, size_t ncols,
                            const char *const *cols);
void       out_table_destroy(out_table *t);
/* out_table_reserve makes room for rows rows at once (a large table
 * grown cell by cell is copied over and over). */
void out_table_reserve(out_table *t, size_t rows);
/* Cells are appended left to right; a row ends after ncols cells. */
void out_str(out_table *t, const char *s);
void out_num(out_table *t, double v, int decimals);
void out_int(out_table *t, int64_t v);
void out_bool(out_table *t, bool v);
void out_null(out_table *t, const char *shown); /* e.g. "suppressed" */
/* out_fixed writes v as snprintf(buf, cap, "%.*f", decimals, v) does and
 * returns what it returns (as size_t), faster for the values tables show
 * (out_num's cells use it). */
size_t out_fixed(char *buf, size_t cap, double v, int decimals);

/* out_print writes tables in fmt. Several tables: JSON gets one object
 * keyed by table name, table/CSV get a blank line and the name between. */
void out_print(FILE *f, enum out_format fmt, out_table *const *tables,
               size_t n);
/* The first characters that make a spreadsheet run a cell as a formula
 * (OWASP "CSV injection"). out_csv_field writes such a text cell with a
 * leading ', as a spreadsheet would show it typed; the CSV reader drops
 * that ' again (csvread.c), so what the CLI writes it reads back. */
#define OUT_CSV_FORMULA_LEADS "=+-@\t\r"

/* out_csv_field writes one RFC 4180 field; a text cell (text set) that a
 * spreadsheet would run as a formula is neutralised (see output.c). For
 * writers that stream rows instead of holding a table. */
void out_csv_field(FILE *f, const char *s, bool text);
/* out_print_one is out_print for a single table (JSON: an array). */
void out_print_one(FILE *f, enum out_format fmt, out_table *t);

#endif /* TD_CLI_OUTPUT_H */
