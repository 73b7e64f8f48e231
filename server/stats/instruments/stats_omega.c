/* SPDX-License-Identifier: MIT
 * McDonald's omega from a one-factor ML fit; see stats_omega.h.
 */
#include "stats_omega.h"
#include "stats.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_eigen.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_matrix.h>

/* The fixed point is reached when no uniqueness moves by more than this;
 * the ML solution it finds agrees with factanal to its own tolerance. */
#define OMEGA_TOL      1e-14
#define OMEGA_MAX_ITER 200000

void
stats_omega_result_free(stats_omega_result *r)
{
	if (r != NULL) {
		free(r->loadings);
		memset(r, 0, sizeof(*r));
	}
}

/* factanal's start: psi = (1 - 0.5 / k) / diag(R^-1). */
static int
start_values(const double *r, size_t k, double *psi, char *errmsg)
{
	gsl_matrix      *a   = gsl_matrix_alloc(k, k);
	gsl_matrix      *inv = gsl_matrix_alloc(k, k);
	gsl_permutation *p   = gsl_permutation_alloc(k);
	int              s, rc = TD_OK;

	if (a == NULL || inv == NULL || p == NULL) {
		rc = TD_ENOMEM;
		stats_set_err(errmsg, "out of memory");
		goto done;
	}
	memcpy(a->data, r, k * k * sizeof(double));
	if (gsl_linalg_LU_decomp(a, p, &s) != GSL_SUCCESS
	    || fabs(gsl_linalg_LU_det(a, s)) < 1e-12
	    || gsl_linalg_LU_invert(a, p, inv) != GSL_SUCCESS) {
		rc = TD_ESINGULAR;
		stats_set_err(errmsg,
		              "the items' correlation matrix is singular");
		goto done;
	}
	for (size_t j = 0; j < k; j++) {
		psi[j] = (1.0 - 0.5 / (double) k) / gsl_matrix_get(inv, j, j);
		psi[j] = fmin(1.0, fmax(STATS_OMEGA_PSI_MIN, psi[j]));
	}
done:
	gsl_matrix_free(a);
	gsl_matrix_free(inv);
	gsl_permutation_free(p);
	return rc;
}

int
stats_omega_from_cor(const double *r, size_t k, stats_omega_result *out,
                     char *errmsg)
{
	gsl_matrix                *a = NULL, *evec = NULL;
	gsl_vector                *eval = NULL;
	gsl_eigen_symmv_workspace *w    = NULL;
	double                    *psi = NULL, *l = NULL;
	double                     sl = 0, su = 0;
	int                        rc = TD_OK;

	if (out == NULL || r == NULL || k < 3) {
		stats_set_err(errmsg, "omega needs at least 3 items, not %zu",
		              k);
		return TD_EINVAL;
	}
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < k; i++) {
		for (size_t j = 0; j < k; j++) {
			double v = r[i * k + j];

			if (!isfinite(v) || fabs(v - r[j * k + i]) > 1e-12
			    || (i == j && fabs(v - 1) > 1e-12)
			    || fabs(v) > 1) {
				stats_set_err(
				    errmsg,
				    "entry (%zu, %zu) = %g: not a correlation "
				    "matrix",
				    i + 1, j + 1, v);
				return TD_EINVAL;
			}
		}
	}
	psi  = malloc(k * sizeof(*psi));
	l    = calloc(k, sizeof(*l));
	a    = gsl_matrix_alloc(k, k);
	evec = gsl_matrix_alloc(k, k);
	eval = gsl_vector_alloc(k);
	w    = gsl_eigen_symmv_alloc(k);
	if (!psi || !l || !a || !evec || !eval || !w) {
		stats_set_err(errmsg, "out of memory");
		rc = TD_ENOMEM;
		goto done;
	}
	if ((rc = start_values(r, k, psi, errmsg)) != TD_OK) {
		goto done;
	}
	for (out->iterations = 1;; out->iterations++) {
		double moved = 0;
		size_t top   = 0;

		for (size_t i = 0; i < k; i++) {
			for (size_t j = 0; j < k; j++) {
				gsl_matrix_set(a, i, j,
				               r[i * k + j]
				                   / sqrt(psi[i] * psi[j]));
			}
		}
		if (gsl_eigen_symmv(a, eval, evec, w) != GSL_SUCCESS) {
			stats_set_err(errmsg, "eigen decomposition failed");
			rc = TD_EINTERNAL;
			goto done;
		}
		for (size_t j = 1; j < k; j++) {
			if (gsl_vector_get(eval, j)
			    > gsl_vector_get(eval, top)) {
				top = j;
			}
		}
		double theta = gsl_vector_get(eval, top);
		double f     = sqrt(fmax(theta - 1.0, 0.0));

		for (size_t j = 0; j < k; j++) {
			double nu;

			l[j] = sqrt(psi[j]) * gsl_matrix_get(evec, j, top) * f;
			nu   = fmin(
			      1.0, fmax(STATS_OMEGA_PSI_MIN, 1.0 - l[j] * l[j]));
			moved  = fmax(moved, fabs(nu - psi[j]));
			psi[j] = nu;
		}
		if (moved < OMEGA_TOL) {
			break;
		}
		if (out->iterations == OMEGA_MAX_ITER) {
			stats_set_err(
			    errmsg,
			    "the one-factor fit did not converge in %d "
			    "iterations",
			    OMEGA_MAX_ITER);
			rc = TD_EINTERNAL;
			goto done;
		}
	}
	for (size_t j = 0; j < k; j++) {
		sl += l[j];
	}
	for (size_t j = 0; j < k; j++) {
		l[j] = sl < 0 ? -l[j] : l[j];
		su += 1.0 - l[j] * l[j];
		out->heywood = out->heywood || psi[j] <= STATS_OMEGA_PSI_MIN;
	}
	out->k        = k;
	out->omega    = sl * sl / (sl * sl + su);
	out->loadings = l;
	l             = NULL;
done:
	free(psi);
	free(l);
	gsl_matrix_free(a);
	gsl_matrix_free(evec);
	gsl_vector_free(eval);
	gsl_eigen_symmv_free(w);
	if (rc != TD_OK) {
		stats_omega_result_free(out);
	}
	return rc;
}

int
stats_omega(const double *x, size_t n, size_t k, stats_omega_result *out,
            char *errmsg)
{
	double *m = NULL, *r = NULL, *s = NULL;
	size_t  used = 0;
	int     rc;

	if (out == NULL || x == NULL || k < 3) {
		stats_set_err(errmsg, "omega needs at least 3 items, not %zu",
		              k);
		return TD_EINVAL;
	}
	memset(out, 0, sizeof(*out));
	m = calloc(k, sizeof(*m));
	s = calloc(k * k, sizeof(*s));
	r = malloc(k * k * sizeof(*r));
	if (m == NULL || s == NULL || r == NULL) {
		free(m);
		free(s);
		free(r);
		stats_set_err(errmsg, "out of memory");
		return TD_ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		bool ok = true;

		for (size_t j = 0; j < k && ok; j++) {
			ok = !isnan(x[i * k + j]);
		}
		if (!ok) {
			continue;
		}
		used++;
		for (size_t j = 0; j < k; j++) {
			m[j] += x[i * k + j];
		}
	}
	for (size_t j = 0; j < k; j++) {
		m[j] /= used ? (double) used : 1;
	}
	for (size_t i = 0; i < n; i++) {
		bool ok = true;

		for (size_t j = 0; j < k && ok; j++) {
			ok = !isnan(x[i * k + j]);
		}
		for (size_t a = 0; ok && a < k; a++) {
			for (size_t b = 0; b < k; b++) {
				s[a * k + b] += (x[i * k + a] - m[a])
				    * (x[i * k + b] - m[b]);
			}
		}
	}
	rc = used <= k ? TD_ETOOFEW : TD_OK;
	if (rc != TD_OK) {
		stats_set_err(
		    errmsg, "%zu complete responses are too few for %zu items",
		    used, k);
	}
	for (size_t j = 0; rc == TD_OK && j < k; j++) {
		if (!(s[j * k + j] > 0)) {
			stats_set_err(errmsg, "item %zu does not vary", j + 1);
			rc = TD_EZEROVAR;
		}
	}
	for (size_t a = 0; rc == TD_OK && a < k; a++) {
		for (size_t b = 0; b < k; b++) {
			r[a * k + b] = a == b
			    ? 1.0
			    : s[a * k + b] / sqrt(s[a * k + a] * s[b * k + b]);
		}
	}
	if (rc == TD_OK) {
		rc     = stats_omega_from_cor(r, k, out, errmsg);
		out->n = used;
	}
	free(m);
	free(s);
	free(r);
	return rc;
}
