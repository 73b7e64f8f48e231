/* SPDX-License-Identifier: MIT
 * The store's side of review and approval: submissions' review states and
 * comments, approvals of a measure's months by level, their log, and the
 * period-lock check the outcomes ingest runs before it stores anything.
 */
#ifndef TD_STORE_REVIEW_H
#define TD_STORE_REVIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

typedef struct store_submission {
	char    id[132];
	char    method[128];
	int64_t records;
	char    client_id[40];
	char    client_school[72]; /* the submitting client's scope */
	char    client_district[72];
	char    received_at[40];
	char    state[16];
	char    comment[1040];
	char    reviewed_by[40];
	char    reviewed_at[40];
} store_submission;

/* store_submission_get reads one submission by its id; TD_ENOTFOUND. */
int store_submission_get(store *s, const char *id, store_submission *out)
    __attribute__((warn_unused_result));
/* store_submission_review sets the state and logs the review with its
 * comment and reviewer, in one transaction. */
int store_submission_review(store *s, const char *id, const char *state,
                            const char *comment, const char *client_id)
    __attribute__((warn_unused_result));
/* store_submissions_list: newest first, at most limit, in state ("" =
 * any), sent by clients of school / district ("" = any). The caller
 * frees *out. */
int store_submissions_list(store *s, const char *state, const char *school,
                           const char *district, int limit,
                           store_submission **out, size_t *n)
    __attribute__((warn_unused_result));

/* An approval's key: level "school" / "district" / "network" and the code
 * of its unit ("" for the network); period_start is YYYY-MM-01. */
typedef struct store_approval_key {
	const char *measure;
	const char *period_start;
	const char *level;
	const char *unit;
} store_approval_key;

typedef struct store_approval {
	char measure[72];
	char period[8]; /* YYYY-MM */
	char level[12];
	char unit[72];
	char approved_by[40];
	char approved_at[40];
	char accepted_by[40];
	char accepted_at[40];
	/* a survey window's approval: measure and period "" */
	char survey[72];
	char window_from[12], window_to[12];
} store_approval;

/* store_approval_get: the approval at k (*exists false when none).
 * TD_ENOTFOUND when the measure or unit is not in the registry. */
int store_approval_get(store *s, const store_approval_key *k,
                       store_approval *out, bool *exists)
    __attribute__((warn_unused_result));
/* store_approval_change applies action ("approve", "accept",
 * "unapprove") at k and logs it with client_id, in one transaction. The
 * caller has checked the state it changes from. */
int store_approval_change(store *s, const store_approval_key *k,
                          const char *action, const char *client_id)
    __attribute__((warn_unused_result));
/* store_approval_pending: for a district-level key, the schools of the
 * district with outcomes of the measure in the month whose school-level
 * approval is missing or not yet accepted: how many, and the first code. */
int store_approval_pending(store *s, const store_approval_key *k,
                           int64_t *count, char *first, size_t cap)
    __attribute__((warn_unused_result));
/* store_approvals_list: every approval (of measure, "" = all), by measure,
 * period, level, unit. The caller frees *out. */
int store_approvals_list(store *s, const char *measure, store_approval **out,
                         size_t *n) __attribute__((warn_unused_result));

/* One record an approval locks: its index in the batch and the lock. */
typedef struct store_lock {
	int64_t index;
	char    what[200]; /* "measure M period P approved at LEVEL U" */
} store_lock;

/* store_outcome_locks checks n outcome records (measure id, school id,
 * period start YYYY-MM-DD) against the approvals that cover them (their
 * school's, its district's, the network's, for the record's month). The
 * first at most 100 locked records go to *out (caller frees); *n_out
 * counts them. */
int store_outcome_locks(store *s, size_t n, const int64_t *measure_ids,
                        const int64_t     *school_ids,
                        const char *const *period_starts, store_lock **out,
                        size_t *n_out) __attribute__((warn_unused_result));

/* ---- survey administration windows (store_window.c) ---- */

/* A window approval's key: the survey's code, the window's first and last
 * day (YYYY-MM-DD), the level and its unit's code ("" = network). */
typedef struct store_window_key {
	const char *survey;
	const char *from, *to;
	const char *level;
	const char *unit;
} store_window_key;

/* As store_approval_get/_change/_pending/s_list, for survey windows:
 * TD_ENOTFOUND when the survey or the unit is not in the registry;
 * pending counts the district's schools with responses administered in
 * the window whose school-level approval is missing or not accepted. */
int store_window_get(store *s, const store_window_key *k, store_approval *out,
                     bool *exists) __attribute__((warn_unused_result));
int store_window_change(store *s, const store_window_key *k,
                        const char *action, const char *client_id)
    __attribute__((warn_unused_result));
int store_window_pending(store *s, const store_window_key *k, int64_t *count,
                         char *first, size_t cap)
    __attribute__((warn_unused_result));
/* store_windows_list appends every window approval (of survey, "" = all)
 * to *out (n entries, realloc'd). */
int store_windows_list(store *s, const char *survey, store_approval **out,
                       size_t *n) __attribute__((warn_unused_result));

/* store_survey_locks checks n responses of survey (school id, administered
 * on YYYY-MM-DD) against the approved windows that cover them; the first
 * at most 100 locked go to *out (caller frees), *n_out counts them. */
int store_survey_locks(store *s, const char *survey, size_t n,
                       const int64_t *school_ids, const char *const *dates,
                       store_lock **out, size_t *n_out)
    __attribute__((warn_unused_result));

#endif /* TD_STORE_REVIEW_H */
