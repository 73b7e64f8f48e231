/* SPDX-License-Identifier: MIT
 * Survey construct scores and rollup sums (see stats_scores.h): pure
 * arithmetic, no allocation, shared by every path that adds records to
 * the rollups or takes them out.
 */
#include <math.h>
#include <string.h>

#include "stats_scores.h"

void
stats_construct_scores(const stats_scale_item *items, size_t n_items,
                       const int32_t *values, const bool *missing,
                       size_t n_constructs, double *score, int64_t *favourable,
                       int64_t *answered)
{
	for (size_t c = 0; c < n_constructs; c++) {
		score[c]      = 0;
		favourable[c] = 0;
		answered[c]   = 0;
	}
	for (size_t j = 0; j < n_items; j++) {
		const stats_scale_item *it = &items[j];
		if (missing[j] || it->construct < 0
		    || (size_t) it->construct >= n_constructs) {
			continue;
		}
		int32_t x = it->reverse_coded ? it->min + it->max - values[j]
		                              : values[j];
		score[it->construct] += x;
		answered[it->construct]++;
		favourable[it->construct] += x >= it->favourable_at_least;
	}
	for (size_t c = 0; c < n_constructs; c++) {
		score[c]
		    = answered[c] > 0 ? score[c] / (double) answered[c] : NAN;
	}
}

void
stats_rollup_add_score(stats_rollup_sum *sum, int sign, double score,
                       int64_t favourable, int64_t answered)
{
	sum->cnt += sign;
	sum->n_sum += sign;
	sum->wsum += sign * score;
	sum->wsumsq += sign * score * score;
	sum->fav += sign * favourable;
	sum->items += sign * answered;
}

void
stats_rollup_add_outcome(stats_rollup_sum *sum, int sign, double value,
                         int64_t n)
{
	double w = (double) n;
	sum->cnt += sign;
	sum->n_sum += sign * w;
	sum->wsum += sign * w * value;
	sum->wsumsq += sign * w * value * value;
}
