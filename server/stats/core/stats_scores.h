/* SPDX-License-Identifier: MIT
 * Survey construct scores and rollup sums: the one home of the scoring
 * rule (reverse-coding, the favourable threshold) and of the sums a rollup
 * cell keeps, for survey respondents and outcome rows alike.
 */
#ifndef TANDEM_STATS_SCORES_H
#define TANDEM_STATS_SCORES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One survey item as scoring needs it. construct is the item's construct
 * as an index 0..n_constructs-1 (the caller numbers them). */
typedef struct stats_scale_item {
	int32_t min, max;
	bool    reverse_coded;
	int32_t favourable_at_least; /* on the reversed scale */
	int32_t construct;
} stats_scale_item;

/* stats_construct_scores scores one respondent (ANALYSES.md,
 * Instruments): a construct's score is the mean of its items answered,
 * a reverse-coded item's answer taken as min + max - value; an answer is
 * favourable at or above its item's threshold on that scale. values[j]
 * and missing[j] are item j's answer; missing ones count nowhere. For
 * each construct c, answered[c] gets the items answered, favourable[c]
 * those favourable and score[c] the mean (NaN when none answered). The
 * caller owns the three output arrays of n_constructs each. */
void stats_construct_scores(const stats_scale_item *items, size_t n_items,
                            const int32_t *values, const bool *missing,
                            size_t n_constructs, double *score,
                            int64_t *favourable, int64_t *answered);

/* The sums one rollup cell keeps; they add and subtract exactly, so a
 * batch's cells are a delta and a replaced record is its negative:
 *   cnt     records (survey respondents; outcome rows)
 *   n_sum   weights (1 per respondent; an outcome's n)
 *   wsum    sum of weight * value;  wsumsq  sum of weight * value^2
 *   fav, items  favourable item answers and item answers (surveys) */
typedef struct stats_rollup_sum {
	int64_t cnt;
	double  n_sum, wsum, wsumsq;
	int64_t fav, items;
} stats_rollup_sum;

/* stats_rollup_add_score adds (sign +1) or removes (sign -1) one
 * respondent's construct score with its favourable and answered items. */
void stats_rollup_add_score(stats_rollup_sum *sum, int sign, double score,
                            int64_t favourable, int64_t answered);
/* stats_rollup_add_outcome adds (sign +1) or removes (sign -1) one
 * outcome row: a value for n people, weighted by n. */
void stats_rollup_add_outcome(stats_rollup_sum *sum, int sign, double value,
                              int64_t n);

#ifdef __cplusplus
}
#endif

#endif /* TANDEM_STATS_SCORES_H */
