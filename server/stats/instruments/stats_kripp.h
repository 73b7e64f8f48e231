/* SPDX-License-Identifier: MIT
 * Krippendorff's alpha by the coincidence-matrix method (Krippendorff,
 * "Computing Krippendorff's Alpha-Reliability", 2011): any number of
 * raters, missing scores allowed, nominal, ordinal or interval metric.
 */
#ifndef TANDEM_STATS_KRIPP_H
#define TANDEM_STATS_KRIPP_H

#include <stddef.h>

#include <tandem/errors.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum stats_kripp_level {
	STATS_KRIPP_NOMINAL  = 0,
	STATS_KRIPP_ORDINAL  = 1,
	STATS_KRIPP_INTERVAL = 2,
} stats_kripp_level;

/* Most distinct values (categories) one call handles. */
#define STATS_KRIPP_MAX_VALUES 64

typedef struct stats_kripp_result {
	double alpha;
	size_t units; /* units with at least two values (pairable) */
	double n; /* pairable values */
	double d_o, d_e; /* observed and expected disagreement */
} stats_kripp_result;

/* stats_kripp_alpha: x holds n_units rows of n_raters scores (row-major,
 * NaN = not scored). Units with fewer than two scores are left out.
 * Errors: TD_EINVAL (NULL, infinite value, bad level), TD_ETOOFEW (no
 * unit with two scores), TD_ERANGE (more than STATS_KRIPP_MAX_VALUES
 * distinct values), TD_EZEROVAR (one value throughout: no expected
 * disagreement, alpha undefined). */
int stats_kripp_alpha(const double *x, size_t n_units, size_t n_raters,
                      stats_kripp_level level, stats_kripp_result *out,
                      char *errmsg) __attribute__((warn_unused_result));

#ifdef __cplusplus
}
#endif

#endif /* TANDEM_STATS_KRIPP_H */
