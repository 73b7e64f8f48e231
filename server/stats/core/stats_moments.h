/* SPDX-License-Identifier: MIT
 * Mean and sample SD from raw values or from the sums rollups keep
 * (n, sum x, sum x^2): the one home of that arithmetic for the services.
 */
#ifndef TANDEM_STATS_MOMENTS_H
#define TANDEM_STATS_MOMENTS_H

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct stats_moments {
	double n;
	double mean; /* NaN when n == 0 */
	bool   has_sd; /* n >= 2 */
	double sd; /* sample SD (divisor n - 1); NaN without has_sd */
} stats_moments;

/* stats_moments_from_sums: from n, sum x and sum x^2 (a variance below 0
 * from rounding is read as 0). */
stats_moments stats_moments_from_sums(double n, double sum, double sumsq);

/* stats_moments_strided: over x[0], x[stride], ... (n entries), NaN
 * skipped. Two passes, so large means lose no digits. */
stats_moments stats_moments_strided(const double *x, size_t n, size_t stride);

#ifdef __cplusplus
}
#endif

#endif /* TANDEM_STATS_MOMENTS_H */
