/* SPDX-License-Identifier: MIT
 * The store's side of export: one page of one kind's rows as text, in
 * keyset order on the kind's key, filtered by school, district, dates and
 * a survey, rubric or measure code. The columns are the CSV columns
 * `tandem define` and `tandem submit` read back.
 */
#ifndef TD_STORE_EXPORT_H
#define TD_STORE_EXPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "store.h"

typedef enum store_export_kind {
	STORE_EXPORT_DISTRICTS,
	STORE_EXPORT_SCHOOLS,
	STORE_EXPORT_EDUCATORS,
	STORE_EXPORT_SURVEY, /* a survey's items (its latest version) */
	STORE_EXPORT_RUBRIC, /* a rubric's criteria (its latest version) */
	STORE_EXPORT_MEASURES,
	STORE_EXPORT_ACTIVITIES,
	STORE_EXPORT_PRICE_INDEX,
	STORE_EXPORT_SURVEYS, /* survey responses, pseudonymous */
	STORE_EXPORT_FEEDBACK, /* observations and their rubric scores */
	STORE_EXPORT_ANNOTATIONS,
	STORE_EXPORT_OUTCOMES,
	STORE_EXPORT_COSTS,
	STORE_EXPORT_PARTICIPATION,
	STORE_EXPORT_ADMINISTRATIONS,
	STORE_EXPORT_PDSA,
	STORE_EXPORT_N
} store_export_kind;

/* What to read. Every filter is NULL for "any". school and district are
 * the caller's scope already narrowed by the request: both apply. */
typedef struct store_export_query {
	store_export_kind  kind;
	const char        *school;
	const char        *district;
	const char        *from; /* YYYY-MM-DD, inclusive */
	const char        *to;
	const char        *code; /* survey, rubric or measure */
	const char *const *after; /* the last key of the page before */
	size_t             n_after; /* 0 = the first page */
	int                limit;
} store_export_query;

/* A page: ncols column names with a type letter each (t text, i integer,
 * n number, b boolean, d date), nrows rows of cells (NULL = null), and
 * each row's key (nkeys values, never NULL) to continue after it. */
typedef struct store_export_table {
	size_t ncols;
	char **cols;
	char  *types;
	size_t nrows;
	char **cells; /* nrows * ncols */
	size_t nkeys;
	char **keys; /* nrows * nkeys */
	bool   more; /* rows may follow this page */
} store_export_table;

/* The most bytes of cells a page carries (a literal: the store writes it
 * into SQL): half the 4 MiB frame, so a reply stays well under it. */
#define STORE_EXPORT_PAGE_BYTES 2097152

/* store_export_nkeys: how many values a key of kind has. */
size_t store_export_nkeys(store_export_kind kind);

/* store_export_page reads up to q->limit rows after q->after. On success
 * the caller owns *out (store_export_table_free). */
int store_export_page(store *s, const store_export_query *q,
                      store_export_table *out)
    __attribute__((warn_unused_result));
void store_export_table_free(store_export_table *t);

#endif /* TD_STORE_EXPORT_H */
