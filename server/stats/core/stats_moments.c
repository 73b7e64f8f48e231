/* SPDX-License-Identifier: MIT
 * See stats_moments.h.
 */
#include "stats_moments.h"

#include <math.h>

stats_moments
stats_moments_from_sums(double n, double sum, double sumsq)
{
	stats_moments m = { n, NAN, false, NAN };

	if (n > 0) {
		m.mean = sum / n;
	}
	if (n > 1) {
		m.has_sd = true;
		m.sd     = sqrt(fmax(0.0, (sumsq - sum * sum / n) / (n - 1)));
	}
	return m;
}

stats_moments
stats_moments_strided(const double *x, size_t n, size_t stride)
{
	stats_moments m   = { 0, NAN, false, NAN };
	double        sum = 0, ss = 0;

	for (size_t i = 0; i < n; i++) {
		if (!isnan(x[i * stride])) {
			sum += x[i * stride];
			m.n++;
		}
	}
	if (m.n == 0) {
		return m;
	}
	m.mean = sum / m.n;
	for (size_t i = 0; i < n; i++) {
		double d = x[i * stride] - m.mean;

		if (!isnan(d)) {
			ss += d * d;
		}
	}
	if (m.n > 1) {
		m.has_sd = true;
		m.sd     = sqrt(ss / (m.n - 1));
	}
	return m;
}
