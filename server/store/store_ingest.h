/* SPDX-License-Identifier: MIT
 * The store's side of ingest (ingest/): the rows of a batch built
 * record by record, the rollup delta it brings, and one function per
 * record kind that stores a batch atomically and idempotently.
 */
#ifndef TD_STORE_INGEST_H
#define TD_STORE_INGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

/* ---- ingest: one typed function per record kind ----
 * The store owns the schema: services hand it records, never a table,
 * a column list or a conflict key. Rows are built record by record
 * (store_rows_add_*) while a batch is validated, then one
 * store_ingest_<kind> stores them atomically and idempotently. */

typedef struct store_rows store_rows;
int    store_rows_create(store_rows **out) __attribute__((warn_unused_result));
void   store_rows_destroy(store_rows *r);
size_t store_rows_count(const store_rows *r);
/* store_rows_failed: true when an allocation failed while building. */
bool store_rows_failed(const store_rows *r);

/* Bytes of a respondent pseudonym (a truncated HMAC-SHA256). */
#define STORE_PSEUDONYM_LEN 16

typedef struct store_survey_rec {
	int64_t              survey_id, school_id;
	const unsigned char *respondent; /* STORE_PSEUDONYM_LEN bytes */
	const char          *administered_on; /* YYYY-MM-DD */
	const char          *grade; /* "" = none */
	const int32_t       *values; /* in the survey version's item order */
	const bool          *missing; /* true = no response */
	size_t               n_values;
} store_survey_rec;

typedef struct store_outcome_rec {
	int64_t     measure_id, school_id;
	const char *subgroup; /* "" = all students */
	const char *period_start, *period_end;
	double      value;
	int64_t     n;
	bool        has_sd; /* the SD of the values behind it, if given */
	double      sd;
} store_outcome_rec;

typedef struct store_cost_rec {
	int64_t     activity_id;
	int         year;
	const char *ingredient, *category;
	double      quantity, unit_cost;
} store_cost_rec;

typedef struct store_participation_rec {
	int64_t     activity_id, school_id;
	int64_t     educator_id; /* 0 = the whole school */
	const char *period_start, *period_end;
	double      hours;
} store_participation_rec;

typedef struct store_administration_rec {
	const char *survey; /* code */
	int64_t     school_id;
	const char *administered_on;
	int64_t     invited;
} store_administration_rec;

typedef struct store_observation_rec {
	const char    *observation;
	int64_t        observer_id, observed_id, rubric_id, school_id;
	const char    *observed_on;
	const int32_t *scores; /* in the rubric version's criterion order */
	const bool    *missing;
	size_t         n_scores;
	const char    *notes;
} store_observation_rec;

typedef struct store_annotation_rec {
	int64_t     observation_id;
	int32_t     t_seconds;
	const char *criterion; /* "" = the lesson as a whole */
	const char *note;
} store_annotation_rec;

typedef struct store_pdsa_rec {
	const char *cycle; /* code */
	int64_t     school_id; /* 0 = a network cycle */
	int64_t     measure_id;
	int64_t     activity_id; /* 0 = none */
	const char *change_idea, *prediction;
	bool        has_predicted_value;
	double      predicted_value;
	const char *start_on;
	const char *end_on; /* NULL = open */
	const char *status, *result;
} store_pdsa_rec;

/* Append one record of a kind; a batch holds one kind only. */
void store_rows_add_survey(store_rows *r, const store_survey_rec *rec);
void store_rows_add_outcome(store_rows *r, const store_outcome_rec *rec);
void store_rows_add_cost(store_rows *r, const store_cost_rec *rec);
void store_rows_add_participation(store_rows                    *r,
                                  const store_participation_rec *rec);
void store_rows_add_administration(store_rows                     *r,
                                   const store_administration_rec *rec);
void store_rows_add_observation(store_rows                  *r,
                                const store_observation_rec *rec);
void store_rows_add_annotation(store_rows *r, const store_annotation_rec *rec);
void store_rows_add_pdsa(store_rows *r, const store_pdsa_rec *rec);

/* A rollup delta: cells the caller summed from a batch (stats_scores.h
 * gives the sums), added to the rollups in the batch's transaction. The
 * store spreads each cell over the grains named, its grade and all grades,
 * and its school, district and network: the caller says what changed, the
 * store knows how rollups are laid out. */
typedef struct store_rollup_cell {
	const char *measure; /* rollup key: outcome code, survey:S/C */
	const char *subgroup; /* "" = all students */
	const char *grade; /* "" = none: the all-grades row only */
	const char *date; /* the data's date, YYYY-MM-DD */
	int64_t     school_id;
	int64_t     cnt;
	double      n_sum, wsum, wsumsq;
	int64_t     fav, items;
} store_rollup_cell;

typedef struct store_rollup_delta {
	const char        *grains; /* e.g. "wmty" or "mty" */
	store_rollup_cell *cells;
	size_t             n;
} store_rollup_delta;

/* A stored record a correction replaces, as it was (survey responses and
 * outcomes: the kinds with rollups). Strings live until the callback
 * returns. */
typedef struct store_replaced {
	int64_t        school_id;
	const char    *date; /* administered_on, or period_start */
	const char    *grade; /* surveys */
	const int32_t *values; /* surveys: answers, stored item order */
	const bool    *missing;
	size_t         n_values;
	const char    *measure; /* outcomes: the measure's code */
	const char    *subgroup;
	double         value;
	int64_t        n;
} store_replaced;
/* store_replaced_fn takes a replaced record out of the caller's rollup
 * delta (adds its negative); nonzero = out of memory. */
typedef int (*store_replaced_fn)(void *ctx, const store_replaced *old);

typedef struct store_ingest_batch {
	const char          *method; /* recorded with the submission */
	const char          *submission_id;
	const unsigned char *payload_sha256; /* 32 bytes */
	int64_t              records;
	bool                 dry_run;
	bool                 correction;
	const char          *client_id; /* may be NULL */
	store_rows          *rows; /* row i is record i */
	/* Rollups (surveys, outcomes): before the delta is applied, each
	 * record a correction replaces goes to replaced(), which adds its
	 * negative to *rollup; then *rollup is applied. NULL = none. */
	store_rollup_delta *rollup;
	store_replaced_fn   replaced;
	void               *replaced_ctx;
} store_ingest_batch;

typedef struct store_ingest_result {
	bool     replayed;
	int64_t  records;
	int64_t  stored;
	int64_t  corrected;
	int64_t *conflicts; /* record indexes whose key exists (malloc'd) */
	size_t   n_conflicts;
	/* a correction: the natural keys of the records it replaced, as
	 * stored (respondents are pseudonyms), bounded; "" otherwise */
	char replaced[400];
	/* the stored kind's name for the audit log ("survey_responses") */
	const char *kind;
} store_ingest_result;

/* store_ingest_<kind> stores a batch in one transaction: the same
 * submission id with the same payload hash answers the first result
 * (replayed); with another hash TD_EEXIST. Rows go by COPY straight into
 * the table; when a record's natural key already exists they go through a
 * staging table instead, and either replace the old records (correction)
 * or come back as conflicts with TD_EEXIST and nothing stored. dry_run
 * rolls back. The caller frees res->conflicts. */
typedef int (*store_ingest_fn)(store *s, const store_ingest_batch *b,
                               store_ingest_result *res);
int store_ingest_surveys(store *s, const store_ingest_batch *b,
                         store_ingest_result *res)
    __attribute__((warn_unused_result));
int store_ingest_outcomes(store *s, const store_ingest_batch *b,
                          store_ingest_result *res)
    __attribute__((warn_unused_result));
int store_ingest_costs(store *s, const store_ingest_batch *b,
                       store_ingest_result *res)
    __attribute__((warn_unused_result));
int store_ingest_participation(store *s, const store_ingest_batch *b,
                               store_ingest_result *res)
    __attribute__((warn_unused_result));
int store_ingest_administrations(store *s, const store_ingest_batch *b,
                                 store_ingest_result *res)
    __attribute__((warn_unused_result));
int store_ingest_observations(store *s, const store_ingest_batch *b,
                              store_ingest_result *res)
    __attribute__((warn_unused_result));
int store_ingest_annotations(store *s, const store_ingest_batch *b,
                             store_ingest_result *res)
    __attribute__((warn_unused_result));
int store_ingest_pdsa_cycles(store *s, const store_ingest_batch *b,
                             store_ingest_result *res)
    __attribute__((warn_unused_result));

#endif /* TD_STORE_INGEST_H */
