/* SPDX-License-Identifier: MIT
 * The store's side of the analyses (analysis/): rollup series and
 * the raw reads instruments need, measure metadata, expected reports
 * and response rates, and what return on investment reads.
 */
#ifndef TD_STORE_ANALYSIS_H
#define TD_STORE_ANALYSIS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"
#include "store_registry.h"

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

#endif /* TD_STORE_ANALYSIS_H */
