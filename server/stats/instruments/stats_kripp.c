/* SPDX-License-Identifier: MIT
 * Krippendorff's alpha; see stats_kripp.h.
 */
#include "stats_kripp.h"
#include "stats.h"

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KV STATS_KRIPP_MAX_VALUES

/* index of v in the sorted vals[0..k), inserting it; -1 when full. */
static int
value_index(double *vals, size_t *k, double v)
{
	size_t i = 0;

	while (i < *k && vals[i] < v) {
		i++;
	}
	if (i < *k && vals[i] == v) {
		return (int) i;
	}
	if (*k == KV) {
		return -1;
	}
	memmove(&vals[i + 1], &vals[i], (*k - i) * sizeof(double));
	vals[i] = v;
	(*k)++;
	return (int) i;
}

static double
delta2(stats_kripp_level level, const double *vals, const double *nc, int a,
       int b)
{
	double s = 0;

	switch (level) {
	case STATS_KRIPP_NOMINAL:
		return a != b;
	case STATS_KRIPP_INTERVAL:
		return (vals[a] - vals[b]) * (vals[a] - vals[b]);
	case STATS_KRIPP_ORDINAL:
		for (int g = a < b ? a : b; g <= (a < b ? b : a); g++) {
			s += nc[g];
		}
		s -= (nc[a] + nc[b]) / 2.0;
		return s * s;
	}
	return 0;
}

int
stats_kripp_alpha(const double *x, size_t n_units, size_t n_raters,
                  stats_kripp_level level, stats_kripp_result *out,
                  char *errmsg)
{
	double(*oc)[KV] = NULL;
	double vals[KV], nc[KV] = { 0 }, n = 0, num = 0, den = 0;
	size_t k = 0, units = 0;

	if (out == NULL || (x == NULL && n_units > 0)
	    || (int) level < (int) STATS_KRIPP_NOMINAL
	    || (int) level > (int) STATS_KRIPP_INTERVAL) {
		stats_set_err(errmsg, "no data, or an unknown metric");
		return TD_EINVAL;
	}
	memset(out, 0, sizeof(*out));
	/* First the categories, sorted, so that ordinal ranks are in order. */
	for (size_t i = 0; i < n_units * n_raters; i++) {
		if (isinf(x[i])) {
			stats_set_err(errmsg, "unit %zu: a score is infinite",
			              i / n_raters + 1);
			return TD_EINVAL;
		}
		if (!isnan(x[i]) && value_index(vals, &k, x[i]) < 0) {
			stats_set_err(errmsg, "more than %d distinct scores",
			              KV);
			return TD_ERANGE;
		}
	}
	oc = calloc(KV, sizeof(*oc));
	if (oc == NULL) {
		stats_set_err(errmsg, "out of memory");
		return TD_ENOMEM;
	}
	for (size_t u = 0; u < n_units; u++) {
		const double *row = &x[u * n_raters];
		int           idx[256];
		size_t        m = 0;

		for (size_t r = 0; r < n_raters && m < 256; r++) {
			if (!isnan(row[r])) {
				idx[m++] = value_index(vals, &k, row[r]);
			}
		}
		if (m < 2) {
			continue;
		}
		units++;
		for (size_t i = 0; i < m; i++) {
			for (size_t j = 0; j < m; j++) {
				if (i != j) {
					oc[idx[i]][idx[j]]
					    += 1.0 / (double) (m - 1);
				}
			}
		}
	}
	if (units == 0) {
		free(oc);
		stats_set_err(errmsg, "no unit has two scores");
		return TD_ETOOFEW;
	}
	for (size_t a = 0; a < k; a++) {
		for (size_t b = 0; b < k; b++) {
			nc[a] += oc[a][b];
		}
		n += nc[a];
	}
	for (size_t a = 0; a < k; a++) {
		for (size_t b = 0; b < k; b++) {
			double d = delta2(level, vals, nc, (int) a, (int) b);

			num += oc[a][b] * d;
			den += nc[a] * nc[b] * d;
		}
	}
	free(oc);
	out->units = units;
	out->n     = n;
	out->d_o   = num / n;
	out->d_e   = den / (n * (n - 1));
	if (!(out->d_e > 0)) {
		stats_set_err(errmsg,
		              "every pairable score is the same: no expected "
		              "disagreement, alpha is undefined");
		return TD_EZEROVAR;
	}
	out->alpha = 1.0 - out->d_o / out->d_e;
	return TD_OK;
}
