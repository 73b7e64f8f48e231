/* SPDX-License-Identifier: MIT
 * McDonald's omega (total) of a scale from a one-factor maximum-likelihood
 * fit of its items' correlation matrix, as R's factanal(covmat = cor(X),
 * factors = 1): omega = (sum l)^2 / ((sum l)^2 + sum (1 - l^2)).
 */
#ifndef TANDEM_STATS_OMEGA_H
#define TANDEM_STATS_OMEGA_H

#include <stdbool.h>
#include <stddef.h>

#include <tandem/errors.h>

#ifdef __cplusplus
extern "C" {
#endif

/* factanal's lower bound on a uniqueness. */
#define STATS_OMEGA_PSI_MIN 0.005

typedef struct stats_omega_result {
	size_t  k; /* items */
	size_t  n; /* complete responses (0 from a correlation matrix) */
	double  omega;
	double *loadings; /* owned, k standardized loadings, sum >= 0 */
	bool    heywood; /* a uniqueness sits at STATS_OMEGA_PSI_MIN */
	size_t  iterations;
} stats_omega_result;

/* stats_omega_from_cor fits one factor to the k x k correlation matrix r
 * (row-major) by maximum likelihood: the fixed point psi = diag(R - l l')
 * with l from the leading eigenvector of psi^-1/2 R psi^-1/2, started
 * where factanal starts, each psi held in [STATS_OMEGA_PSI_MIN, 1].
 * Errors: TD_EINVAL (k < 3, not a correlation matrix), TD_ESINGULAR (r is
 * singular), TD_EINTERNAL (no convergence), TD_ENOMEM. Free with
 * stats_omega_result_free. */
int stats_omega_from_cor(const double *r, size_t k, stats_omega_result *out,
                         char *errmsg) __attribute__((warn_unused_result));

/* stats_omega: the same from raw responses x (n rows x k items,
 * row-major, reverse-coded items already recoded); rows with a NaN are
 * left out (listwise). TD_ETOOFEW with fewer than k + 1 complete rows,
 * TD_EZEROVAR when an item does not vary. */
int stats_omega(const double *x, size_t n, size_t k, stats_omega_result *out,
                char *errmsg) __attribute__((warn_unused_result));

void stats_omega_result_free(stats_omega_result *r);

#ifdef __cplusplus
}
#endif

#endif /* TANDEM_STATS_OMEGA_H */
