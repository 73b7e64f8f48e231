/* SPDX-License-Identifier: MIT
 * Instrument statistics for one construct: Cronbach's alpha (listwise) with
 * item-rest correlations and alpha if an item is deleted, and percent
 * favourable after reverse-coding.
 */
#ifndef TANDEM_STATS_RELIABILITY_H
#define TANDEM_STATS_RELIABILITY_H

#include <stdbool.h>
#include <stddef.h>

#include <tandem/errors.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct stats_alpha_item {
	/* Pearson correlation of the item with the sum of the other items;
	 * not available when either has no variance. */
	bool   has_item_rest;
	double item_rest;
	/* Alpha of the other k - 1 items; needs k >= 3 and variance in
	 * their total. */
	bool   has_alpha_if_deleted;
	double alpha_if_deleted;
} stats_alpha_item;

typedef struct stats_alpha_result {
	size_t            k; /* items */
	size_t            n_used; /* respondents with all k items answered */
	size_t            n_dropped; /* respondents with a missing item */
	double            alpha;
	stats_alpha_item *items; /* owned; k long */
} stats_alpha_result;

/* stats_alpha computes Cronbach's alpha
 *   alpha = k / (k - 1) * (1 - sum var(item) / var(total))
 * for a respondents x items matrix (row-major, n_resp x k). NaN marks a
 * non-response; a respondent with any NaN is left out (listwise). The
 * result's items array is owned by the caller after success and freed with
 * stats_alpha_result_free; on failure nothing is left to free.
 * Errors: TD_EINVAL (NULL or infinite input), TD_ETOOFEW (k < 2 items or
 * fewer than 2 complete respondents), TD_EZEROVAR (the total score has no
 * variance), TD_ENOMEM. */
int stats_alpha(const double *items, size_t n_resp, size_t k,
                stats_alpha_result *out, char *errmsg)
    __attribute__((warn_unused_result));

/* stats_alpha_result_free frees what the result owns; accepts NULL. */
void stats_alpha_result_free(stats_alpha_result *res);

typedef struct stats_favourable_item {
	size_t n; /* non-missing responses to the item */
	size_t favourable; /* of those, at or above the threshold */
	bool   has_share; /* n > 0 */
	double share; /* favourable / n, 0..1 */
} stats_favourable_item;

typedef struct stats_favourable_result {
	size_t                 k;
	size_t                 n_respondents; /* answered at least one item */
	size_t                 n_responses; /* non-missing item responses */
	size_t                 favourable;
	double                 share; /* favourable / n_responses, 0..1 */
	stats_favourable_item *items; /* owned; k long */
} stats_favourable_result;

/* stats_percent_favourable computes the share of non-missing responses at
 * or above `threshold`, over all k items of a construct (row-major
 * n_resp x k; NaN = no response). Items with reverse[j] != 0 are first
 * recoded as min + max - x; reverse may be NULL (none reversed). Values
 * must lie in [min, max]. The result's items array is owned by the caller
 * after success, freed with stats_favourable_result_free.
 * Errors: TD_EINVAL (NULL input, min >= max, threshold outside [min, max]),
 * TD_ERANGE (a value outside [min, max]), TD_ETOOFEW (no responses at all),
 * TD_ENOMEM. */
int stats_percent_favourable(const double *items, size_t n_resp, size_t k,
                             double min, double max,
                             const unsigned char *reverse, double threshold,
                             stats_favourable_result *out, char *errmsg)
    __attribute__((warn_unused_result));

/* stats_favourable_result_free frees what the result owns; accepts NULL. */
void stats_favourable_result_free(stats_favourable_result *res);

#ifdef __cplusplus
}
#endif

#endif /* TANDEM_STATS_RELIABILITY_H */
