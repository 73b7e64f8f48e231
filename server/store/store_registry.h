/* SPDX-License-Identifier: MIT
 * The store's side of the registry (registry/): codes resolved to
 * ids, the Define* upserts, versioned instruments, and the listings.
 */
#ifndef TD_STORE_REGISTRY_H
#define TD_STORE_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

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

#endif /* TD_STORE_REGISTRY_H */
