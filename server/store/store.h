/* SPDX-License-Identifier: MIT
 * The store: the only module that speaks to PostgreSQL. One store per
 * worker thread (a PGconn belongs to one thread). Functions return a td_err
 * and leave a sentence on the store (store_errmsg), like PQerrorMessage.
 */
#ifndef TD_STORE_H
#define TD_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tandem/errors.h"

typedef struct store store;

/* store_open connects (or remembers the failure: a store whose database is
 * down still exists and reconnects later). The caller owns *out. */
int store_open(store **out, const char *conninfo, int worker)
    __attribute__((warn_unused_result));
void store_close(store *s);
/* store_errmsg: the last error's sentence (static until the next call). */
const char *store_errmsg(const store *s);
/* store_connected: 1 when the connection was usable at its last use (what
 * libpq knows without asking the server; for the metrics). */
int store_connected(const store *s);
/* store_idle_check, for a worker with nothing to do: reads what the server
 * may have sent (without blocking), so a connection the server closed is
 * noticed, and reconnects a lost one at most once a second. Returns
 * store_connected. */
int store_idle_check(store *s);

/* store_begin_request readies the connection for one call: reconnects if
 * needed (not more often than every 200 ms while the database is down, so
 * callers get UNAVAILABLE fast) and sets statement_timeout to the call's
 * remaining time (ms; INT64_MAX = no deadline, <= 0 = already passed,
 * which is TD_ETIMEDOUT). */
int store_begin_request(store *s, int64_t remaining_ms)
    __attribute__((warn_unused_result));
/* store_end_request ends the call: the next store_begin_request readies
 * the connection again. Within one call, a second store_begin_request
 * (authentication, then the handler) costs no round trip. */
void store_end_request(store *s);

/* store_ping runs a trivial query; *schema_version gets the highest applied
 * migration (0 when none). */
int store_ping(store *s, int *schema_version)
    __attribute__((warn_unused_result));

/* What this process last learned of the database from any connection:
 * every query that answers or connection that fails updates it, so a
 * health check need not ask again. Ages in microseconds (INT64_MAX =
 * never). */
typedef struct store_health {
	int64_t ok_age_us; /* since a query last answered */
	int64_t fail_age_us; /* since a connection last failed */
	int     schema_version; /* as that answer saw it */
	char    error[256]; /* why it last failed */
} store_health;
void store_health_get(store_health *out);
/* store_watch waits up to ms for the idle connection to be closed by the
 * server, or for wake_fd to become readable; TD_EUNAVAIL when the
 * connection is gone (and the health state says so at once). */
int store_watch(store *s, int ms, int wake_fd)
    __attribute__((warn_unused_result));

/* store_sleep holds the connection in pg_sleep for ms milliseconds. */
int store_sleep(store *s, int ms) __attribute__((warn_unused_result));

/* store_migrate applies every embedded migration not yet recorded, each in
 * its own transaction, under an advisory lock. *applied gets the count. */
int store_migrate(store *s, int *applied, int *version)
    __attribute__((warn_unused_result));

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

/* ---- registry ---- */

/* The kinds of registry record callers name by code. The store alone
 * knows the tables and columns behind them. */
typedef enum store_kind {
	STORE_DISTRICTS,
	STORE_SCHOOLS,
	STORE_EDUCATORS,
	STORE_MEASURES,
	STORE_ACTIVITIES,
	STORE_SURVEYS,
	STORE_RUBRICS,
} store_kind;

/* store_resolve looks codes up among districts, schools, educators,
 * measures or activities. ids[i] = 0 when codes[i] is unknown. For
 * schools, aux gets the district code of each school, for educators their
 * school's code (see store_resolved_free). */
typedef struct store_resolved {
	int64_t *ids;
	char   **aux; /* schools: district code; educators: school code;
	               * measures: unit */
	size_t n;
} store_resolved;
int store_resolve(store *s, store_kind kind, const char *const *codes,
                  size_t n, store_resolved *out)
    __attribute__((warn_unused_result));
void store_resolved_free(store_resolved *r);

typedef enum store_outcome {
	STORE_UNCHANGED = 0,
	STORE_CREATED   = 1,
	STORE_UPDATED   = 2,
} store_outcome;

/* Registry upserts keyed by code; *outcome says what happened. Run inside
 * store_tx_begin/commit so a Define call is atomic. */
int  store_tx_begin(store *s) __attribute__((warn_unused_result));
int  store_tx_commit(store *s) __attribute__((warn_unused_result));
void store_tx_rollback(store *s);
int  store_define_district(store *s, const char *code, const char *name,
                           store_outcome *outcome)
    __attribute__((warn_unused_result));
/* frl_rate < 0 = unknown; enrollment < 0 = unknown; locale "" = unknown;
 * opened_on/closed_on "" = unknown (YYYY-MM-DD otherwise). */
int store_define_school(store *s, const char *district, const char *code,
                        const char *name, double frl_rate, int enrollment,
                        const char *locale, const char *grades,
                        const char *opened_on, const char *closed_on,
                        store_outcome *outcome)
    __attribute__((warn_unused_result));
int store_define_educator(store *s, const char *code, const char *school,
                          const char *name, const char *role,
                          store_outcome *outcome)
    __attribute__((warn_unused_result));
/* target: NULL = the measure has no target. frequency: weekly, monthly,
 * termly or yearly ("" = monthly); timely_days < 0 = the default (15). */
int store_define_measure(store *s, const char *code, const char *name,
                         const char *unit, const char *direction,
                         const double *target, const char *frequency,
                         int timely_days, store_outcome *outcome)
    __attribute__((warn_unused_result));
int store_define_activity(store *s, const char *code, const char *kind,
                          const char *name, const char *district,
                          store_outcome *outcome)
    __attribute__((warn_unused_result));
int store_define_price_index(store *s, int year, double index,
                             store_outcome *outcome)
    __attribute__((warn_unused_result));

/* A versioned instrument (survey or rubric) as stored. */
typedef struct store_item {
	char *code;
	char *construct; /* surveys only */
	int   min, max;
	bool  reverse_coded;
	int   favourable_at_least;
	char *text;
} store_item;

typedef struct store_instrument {
	int64_t     id;
	int         version;
	char       *code;
	char       *name;
	store_item *items;
	size_t      n_items;
	bool        has_responses;
} store_instrument;

/* store_instrument_current loads the newest version of a survey
 * (kind "survey") or rubric (kind "rubric"); TD_ENOTFOUND if none. */
int store_instrument_current(store *s, const char *kind, const char *code,
                             store_instrument *out)
    __attribute__((warn_unused_result));
void store_instrument_free(store_instrument *in);
/* store_instrument_save writes a new version (version = in->version) or,
 * when replace is true, replaces the items of version in->version in
 * place. in->id is set. */
int store_instrument_save(store *s, const char *kind, store_instrument *in,
                          bool replace) __attribute__((warn_unused_result));

/* store_resolve_observations finds observation ids by (observation code,
 * observer code); observer "" means the lesson itself: a double-scored
 * observation's annotations attach to its first scoring. ids[i] = 0 when
 * not found. Only observations of school (a code) or of district's
 * schools count (NULL = any). */
int store_resolve_observations(store *s, const char *const *codes,
                               const char *const *observers, size_t n,
                               const char *school, const char *district,
                               int64_t *ids)
    __attribute__((warn_unused_result));

/* ---- analyses: rollups and the few raw reads instruments need ---- */

typedef struct store_series_query {
	const char
	    *measure; /* rollup key: outcome code or survey:CODE/CONSTRUCT */
	char level; /* 's' school, 'd' district, 'n' network */
	const char *unit; /* a school or district code; NULL = every unit */
	const char *district; /* level 's', every unit: only this district */
	char        grain; /* 'w', 'm', 't', 'y' */
	const char *from; /* YYYY-MM-DD or NULL */
	const char *to;
	const char *subgroup; /* "" = all students */
	const char *grade; /* "" = all grades */
	/* only rows whose month an approval covers at their level or above
	 * (school: its own, its district's or the network's; district: its
	 * own or the network's; network: the network's) */
	bool approved_only;
} store_series_query;

/* One rollup row: a unit's summary for one period. */
typedef struct store_point {
	const char *unit; /* shared by a unit's points (the allocator's) */
	int64_t     unit_id; /* set by store_school_values only */
	char        period[12]; /* period start, YYYY-MM-DD */
	double      cnt, n_sum, wsum, wsumsq;
	int64_t     fav, items;
	int         month_mask;
	double      received; /* epoch seconds of the newest data, or 0 */
} store_point;

/* store_series reads rollup rows ordered by unit, then period, into
 * memory from alloc(ctx, bytes) (the points and the unit codes they point
 * to; never freed by the store: an arena, say). */
typedef void *(*store_alloc)(void *ctx, size_t bytes);
int store_series(store *s, const store_series_query *q, store_alloc alloc,
                 void *ctx, store_point **out, size_t *n)
    __attribute__((warn_unused_result));

/* store_school_values reads what store_series reads for every school of
 * q (level 's', no unit, not approved_only; q->district may narrow it)
 * for an outcome measure's values only: period, n_sum, wsum and
 * month_mask are read (cnt, wsumsq, fav, items and received are 0; rows
 * with cnt 0 are left out as store_series leaves them out), and each
 * point has its school's unit_id and a NULL unit, for the caller to name
 * from a registry it holds. Rows in (unit_id, period) order; memory from
 * alloc as store_series. */
int store_school_values(store *s, const store_series_query *q,
                        store_alloc alloc, void *ctx, store_point **out,
                        size_t *n) __attribute__((warn_unused_result));

/* store_survey_measure_key writes into out (cap bytes) the store's key of
 * a survey construct's rollup, the measure argument of the functions
 * below. Returns TD_OK, or TD_ETOOBIG when it does not fit. */
int store_survey_measure_key(char *out, size_t cap, const char *survey,
                             const char *construct)
    __attribute__((warn_unused_result));

/* store_measure_info: does the measure exist, and is higher better? A
 * survey key needs its survey and construct. */
int store_measure_info(store *s, const char *measure, bool *exists,
                       bool *lower_is_better)
    __attribute__((warn_unused_result));

/* What Making Data Count needs of an outcome measure. */
typedef struct store_measure_meta {
	bool   exists;
	char   direction; /* 'h' higher, 'l' lower, 'n' neutral */
	bool   has_target;
	double target;
	char   unit[32]; /* "" when not given */
} store_measure_meta;

/* store_measure_meta reads an outcome measure's direction, target and
 * unit; a survey key is reported as existing when its construct does,
 * higher is better, with no target and unit "". */
int store_measure_meta_get(store *s, const char *measure,
                           store_measure_meta *out)
    __attribute__((warn_unused_result));

/* store_survey_answers: the newest version of a survey and its answers,
 * n_resp rows of inst->n_items values (NaN = no response), optionally for
 * one school and a date range. The caller frees *answers. */
int store_survey_answers(store *s, const char *survey, const char *school,
                         const char *from, const char *to,
                         store_instrument *inst, double **answers,
                         size_t *n_resp) __attribute__((warn_unused_result));

/* store_double_scored: the first two scorings of each double-scored
 * observation of a rubric's newest version: a and b are n_pairs rows of
 * inst->n_items scores (NaN = not scored). The caller frees a and b. */
int store_double_scored(store *s, const char *rubric, const char *school,
                        const char *from, const char *to,
                        store_instrument *inst, double **a, double **b,
                        size_t *n_pairs) __attribute__((warn_unused_result));

/* Most scorings of one observation store_scorings returns (the first by
 * id); bounds the units x raters matrix when one observation is scored
 * many times. */
#define STORE_MAX_RATERS 16

/* store_scorings: every scoring (up to STORE_MAX_RATERS, in the order
 * stored) of each observation of a rubric's newest version scored at
 * least twice: x is n_units x n_raters x inst->n_items scores
 * (x[(u * n_raters + r) * n_items + j]), NaN where a rater did not score
 * the criterion or the observation has fewer than n_raters scorings.
 * The caller frees x. */
int store_scorings(store *s, const char *rubric, const char *school,
                   const char *from, const char *to, store_instrument *inst,
                   double **x, size_t *n_units, size_t *n_raters)
    __attribute__((warn_unused_result));

/* One report expected of a school for one measure and period of the
 * measure's frequency (completeness, DHIS2's reporting rates). */
typedef struct store_report {
	char   measure[72];
	char   period[12]; /* the period's first day, YYYY-MM-DD */
	char   period_end[12]; /* the period's last day */
	char   school[72];
	char   district[72];
	char   grain; /* 'w', 'm', 't', 'y' */
	int    timely_days;
	double days_late; /* first arrival minus the deadline (end of day
	                     period_end + timely_days); NaN = no report */
} store_report;
/* store_reports: every report expected of the schools (of district, if
 * not NULL) open in each period of each measure (or the one named) from
 * the period holding from to the one holding to (NULL: the first and
 * last periods the network has data for), ordered by measure, period,
 * district and school. grain 0 = each measure's frequency; due_days < 0 =
 * each measure's timely_days. A report's arrival is the stored time of
 * the first batch that brought data of the period. At most cap + 1 rows
 * are read (*n > cap: too many to answer). The caller frees. */
int store_reports(store *s, const char *measure, char grain, const char *from,
                  const char *to, const char *district, int due_days,
                  size_t cap, store_report **out, size_t *n)
    __attribute__((warn_unused_result));

typedef struct store_response_rate {
	char    survey[72], school[72], date[12];
	int64_t invited, responded;
} store_response_rate;
int store_response_rates(store *s, const char *survey, const char *district,
                         const char *from, const char *to,
                         store_response_rate **out, size_t *n)
    __attribute__((warn_unused_result));

/* ---- return on investment ---- */

typedef struct store_activity {
	char code[72], kind[32];
} store_activity;
int store_activities(store *s, const char *activity, store_activity **out,
                     size_t *n) __attribute__((warn_unused_result));

typedef struct store_cost_row {
	int    year;
	char   category[16];
	double quantity, unit_cost;
} store_cost_row;
int store_costs(store *s, const char *activity, store_cost_row **out,
                size_t *n) __attribute__((warn_unused_result));

typedef struct store_index_row {
	int    year;
	double index;
} store_index_row;
int store_price_index(store *s, store_index_row **out, size_t *n)
    __attribute__((warn_unused_result));

/* Per school: participation in an activity (hours, educators) and its
 * outcome means over a pre and a post range (school-level monthly
 * rollups, weighted by n). Schools without data in a range get NaN. */
typedef struct store_roi_school {
	char   school[72];
	double hours; /* 0 = did not take part */
	int    educators; /* distinct educators who took part */
	int    enrollment; /* < 0 unknown */
	double pre, post; /* means; NaN = no data */
	double pre_n, post_n;
} store_roi_school;
int store_roi_schools(store *s, const char *activity, const char *measure,
                      const char *pre_from, const char *pre_to,
                      const char *post_from, const char *post_to,
                      store_roi_school **out, size_t *n)
    __attribute__((warn_unused_result));

/* Per school: the start (YYYY-MM-DD, 1 August) of the first academic year
 * in which it took part in an activity, "" when it never did. Every
 * school is listed, ordered by code; TD_ENOTFOUND when the activity is not
 * in the registry. */
typedef struct store_adoption {
	char school[72];
	char first_year[12];
} store_adoption;
int store_adoption_years(store *s, const char *activity, store_adoption **out,
                         size_t *n) __attribute__((warn_unused_result));

/* Per school, the n-weighted mean of sd^2 over the outcome rows of a
 * measure and subgroup in the period that starts at period (YYYY-MM-DD,
 * of grain 'm', 't' or 'y'), counting only rows that give an sd; schools
 * with none are absent. Ordered by school code. */
typedef struct store_sd2 {
	char   school[72];
	double sd2;
} store_sd2;
int store_outcome_sd2(store *s, const char *measure, const char *subgroup,
                      char grain, const char *period, store_sd2 **out,
                      size_t *n) __attribute__((warn_unused_result));

/* ---- API clients and the audit log ---- */

typedef struct store_client {
	char id[40];
	char name[128];
	char role[16];
	char school[72]; /* role school: its code */
	char district[72]; /* role district: its code; role school: the
	                    * school's district */
	char          created_at[40];
	char          revoked_at[40]; /* "" = active */
	unsigned char token_sha256[32];
} store_client;

/* store_client_by_token finds the client whose token hashes to hash;
 * *found is false when there is none (revoked ones are found, with
 * revoked_at set). */
int store_client_by_token(store *s, const unsigned char hash[32],
                          store_client *out, bool *found)
    __attribute__((warn_unused_result));
/* store_client_create stores a client; school and district are codes
 * ("" = none), TD_ENOTFOUND when one is unknown. out gets the row. */
int store_client_create(store *s, const char *id, const char *name,
                        const char *role, const char *school,
                        const char *district, const unsigned char hash[32],
                        store_client *out) __attribute__((warn_unused_result));
int store_clients_list(store *s, bool include_revoked, store_client **out,
                       size_t *n) __attribute__((warn_unused_result));
/* store_client_revoke marks a client revoked (TD_ENOTFOUND if none). */
int store_client_revoke(store *s, const char *id, store_client *out)
    __attribute__((warn_unused_result));

typedef struct store_audit_row {
	int64_t id;
	char    at[40], client[40], method[96], status[24], request_id[64];
	int64_t records, duration_us;
	char    detail[256];
} store_audit_row;
/* store_audit_append adds one row in its own transaction. async: the
 * commit does not wait for the disk (denied and unauthenticated calls, so
 * that a flood of them costs no fsync each). */
int store_audit_append(store *s, const char *client_id, const char *method,
                       const char *status, const char *request_id,
                       int64_t records, int64_t duration_us,
                       const char *detail, bool async)
    __attribute__((warn_unused_result));
/* One audit row waiting to be written (store_audit_append_many): the
 * caller's strings, already escaped and bounded. */
typedef struct store_audit_entry {
	char    client_id[40]; /* "" = none (NULL) */
	char    method[200];
	char    status[40];
	char    request_id[128];
	int64_t records, duration_us;
	char    detail[512];
} store_audit_entry;
/* store_audit_append_many adds n rows in one statement and one
 * transaction (one commit for all). */
int store_audit_append_many(store *s, const store_audit_entry *rows, size_t n)
    __attribute__((warn_unused_result));
int store_audit_query(store *s, const char *since, const char *client,
                      int limit, store_audit_row **out, size_t *n)
    __attribute__((warn_unused_result));

/* ---- listing ---- */

typedef struct store_school {
	int64_t id;
	char   *district, *code, *name, *locale, *grades;
	double  frl_rate; /* < 0 unknown */
	int     enrollment; /* < 0 unknown */
	char    opened_on[12], closed_on[12]; /* "" unknown */
} store_school;
int  store_list_schools(store *s, const char *district, store_school **out,
                        size_t *n) __attribute__((warn_unused_result));
void store_schools_free(store_school *v, size_t n);

/* store_list_rows returns "code\x1fname\x1fextra..." rows of a registry
 * kind for listings: measures (code,name,unit,direction,target,frequency,
 * timely_days), activities
 * (code,kind,name,district), surveys/rubrics (code,name,version). */
int store_list_rows(store *s, store_kind kind, char ***rows, size_t *n)
    __attribute__((warn_unused_result));
void store_rows_list_free(char **rows, size_t n);

/* store_grant_serving, on the owner's store after store_migrate: grants
 * the role of serving_conninfo what tandemd serves with (SELECT, INSERT,
 * UPDATE, DELETE on the tables; no UPDATE, DELETE or TRUNCATE on the
 * audit log; it owns nothing, so it cannot ALTER or disable triggers).
 * Nothing to do when both are the same role. */
int store_grant_serving(store *s, const char *serving_conninfo)
    __attribute__((warn_unused_result));

/* ---- disclosure control ---- */

/* One cell of a measure's lattice: a unit, a period, a group. */
typedef struct store_disc_cell {
	char level; /* 's', 'd', 'n' */
	char grain; /* 'w', 'm', 't', 'y' */
	/* strings in the same block as the cells */
	const char *unit; /* school or district code; "network" */
	const char *district; /* a school's district code */
	const char *period; /* period start YYYY-MM-DD */
	const char *group; /* subgroup (outcomes) or grade (surveys); "" all */
	double n; /* outcomes: submitted n of the period; surveys: distinct
	           * respondents who answered the construct */
} store_disc_cell;

/* store_disclosure_cells reads every cell of a measure (an outcome code or
 * survey:CODE/CONSTRUCT), every level, grain and group, whatever is asked,
 * so that suppression is chosen on the whole lattice; with from_year >= 0
 * only the cells whose period starts in the academic years from_year ..
 * to_year (August to July; the year is its first). The caller frees *out
 * with free(). */
int store_disclosure_cells(store *s, const char *measure, int from_year,
                           int to_year, store_disc_cell **out, size_t *n)
    __attribute__((warn_unused_result));

/* What changed in a measure's lattice since a snapshot of the change log
 * (sql/021_lattice_changes.sql). */
#define STORE_LATTICE_MAX_YEARS 64
/* A write that reaches more schools of a (measure, year) than this logs
 * the whole year (sql/023): reading that many schools' cells again costs
 * about what reading the year does. */
#define STORE_LATTICE_MAX_SCHOOLS 64
typedef struct store_lattice_change {
	char snapshot[256]; /* the log's snapshot now: pass it next time */
	bool all; /* every academic year (or no snapshot was given) */
	int  years[STORE_LATTICE_MAX_YEARS]; /* else these academic years */
	/* of which these were written only at the schools below (their
	 * cells, their districts' and the network's changed), the others
	 * anywhere */
	bool    by_school[STORE_LATTICE_MAX_YEARS];
	size_t  n;
	int64_t schools[STORE_LATTICE_MAX_SCHOOLS]; /* school ids */
	size_t  n_schools;
} store_lattice_change;

/* store_disclosure_patch reads the cells of academic year `year` of an
 * outcome measure (not a survey construct) at the schools ids[0..n), at
 * their districts and at the network: what a write of those schools can
 * have changed. *out and *n_out as for store_disclosure_cells; *units
 * (n_units of them) names every unit read again, cells or none, as
 * "s" + school code, "d" + district code and "n": the caller drops the
 * year's cells of these units and takes the cells read instead. The
 * caller frees *out and *units with free(). */
int store_disclosure_patch(store *s, const char *measure, int year,
                           const int64_t *ids, size_t n, store_disc_cell **out,
                           size_t *n_out, char ***units, size_t *n_units)
    __attribute__((warn_unused_result));

/* store_lattice_changes reads which academic years of measure were
 * written by transactions the snapshot since (NULL: none) did not see,
 * and the snapshot to pass next time. Read it before the cells. */
int store_lattice_changes(store *s, const char *measure, const char *since,
                          store_lattice_change *out)
    __attribute__((warn_unused_result));

/* store_data_version is the data version: it changes after every write
 * transaction ends, so a cache of what was derived from the data (an
 * answer, the disclosure lattice, a token) is current while the version
 * it was computed under is. Read it before reading the data. This
 * process's writes change it when they end (store_tx_commit, or
 * store_data_changed after any other write); once store_version_listen
 * runs, every committed write of any process on the database changes it
 * too: each sends a notification on TD_DATA_CHANNEL when it commits
 * (triggers of sql/019_data_version.sql on every table but the audit log,
 * and store_tx_commit), and the listener counts them. While the listener
 * has no connection, every read gives a new version: nothing cached is
 * trusted. */
#define TD_DATA_CHANNEL "tandem_data"
uint64_t store_data_version(void);
/* store_data_version_ready is store_data_version for a caller that may
 * not use libpq (an nng callback): *out gets the version and true when it
 * is known to be current, false when a notification may be waiting to be
 * drained or the listener is down (ask store_data_version instead). */
bool store_data_version_ready(uint64_t *out);
void store_data_changed(void);
/* store_version_heard counts the notifications the listener has taken;
 * store_version_hear waits (at most max_ms) until it has taken one more
 * than after: a writer that waits for its own commit's notification to
 * come back knows the database has signalled every listener, so another
 * instance's next call is all but sure to find it waiting. False when
 * none came (no listener, or nothing was written). */
uint64_t store_version_heard(void);
bool     store_version_hear(uint64_t after, int max_ms);
/* store_version_listen starts the listener (its own connection and
 * thread); store_version_stop ends it. */
int  store_version_listen(const char *conninfo);
void store_version_stop(void);

/* The embedded migrations (generated from sql/ at build time). */
typedef struct store_migration {
	int         version;
	const char *name;
	const char *sql;
} store_migration;
extern const store_migration store_migrations[];
extern const size_t          store_n_migrations;

#endif /* TD_STORE_H */
