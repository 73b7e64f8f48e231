/* SPDX-License-Identifier: MIT
 * Making Data Count XmR charts (see stats_mdc.h and ANALYSES.md): limits,
 * the four special-cause rules in their precedence, point types and the
 * variation and assurance icons.
 */
#include "stats.h"
#include "stats_mdc.h"
#include "stats.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stats_runchart.h"

/* MDC's limit constant: 2.66 as written, not 3 / 1.128 = 2.6596. */
#define MDC_LIMIT 2.66
/* Moving ranges at or above D4 = 3.267 times their mean are screened. */
#define MDC_SCREEN 3.267

const char *
stats_mdc_type_name(stats_mdc_type t)
{
	switch (t) {
	case STATS_MDC_COMMON:
		return "common_cause";
	case STATS_MDC_IMPROVEMENT:
		return "special_cause_improvement";
	case STATS_MDC_CONCERN:
		return "special_cause_concern";
	case STATS_MDC_NEUTRAL_HIGH:
		return "special_cause_neutral_high";
	case STATS_MDC_NEUTRAL_LOW:
		return "special_cause_neutral_low";
	case STATS_MDC_MISSING:
		break;
	}
	return "";
}

const char *
stats_mdc_icon_name(stats_mdc_type t)
{
	switch (t) {
	case STATS_MDC_COMMON:
		return "common";
	case STATS_MDC_IMPROVEMENT:
		return "improvement";
	case STATS_MDC_CONCERN:
		return "concern";
	case STATS_MDC_NEUTRAL_HIGH:
		return "neutral_high";
	case STATS_MDC_NEUTRAL_LOW:
		return "neutral_low";
	case STATS_MDC_MISSING:
		break;
	}
	return "";
}

const char *
stats_mdc_assurance_name(stats_mdc_assurance a)
{
	switch (a) {
	case STATS_MDC_ASSURANCE_PASS:
		return "consistent_pass";
	case STATS_MDC_ASSURANCE_FAIL:
		return "consistent_fail";
	case STATS_MDC_ASSURANCE_INCONSISTENT:
		return "inconsistent";
	case STATS_MDC_ASSURANCE_NONE:
		break;
	}
	return "";
}

const char *
stats_mdc_rule_name(stats_mdc_rule r)
{
	switch (r) {
	case STATS_MDC_RULE_OUTSIDE:
		return "outside_limits";
	case STATS_MDC_RULE_TREND:
		return "trend";
	case STATS_MDC_RULE_TWO_IN_THREE:
		return "two_in_three";
	case STATS_MDC_RULE_SHIFT:
		return "shift";
	case STATS_MDC_RULE_NONE:
		break;
	}
	return "";
}

void
stats_mdc_result_free(stats_mdc_result *r)
{
	if (r == NULL) {
		return;
	}
	free(r->segment);
	free(r->rule);
	free(r->type);
	free(r->signals);
	memset(r, 0, sizeof(*r));
}

/* side: +1 above cl, -1 below, 0 on it. */
static int
side(double v, double cl)
{
	return v > cl ? 1 : v < cl ? -1 : 0;
}

bool
stats_mdc_two_in_three(const double *v, size_t start, size_t end, double cl,
                       const double *lo, const double *hi, const double *nlo,
                       const double *nhi, unsigned *sig)
{
	size_t w[3] = { 0, 0, 0 }, m = 0;
	bool   found = false;

	for (size_t i = start; i < end; i++) {
		if (isnan(v[i])) {
			continue;
		}
		w[0] = w[1];
		w[1] = w[2];
		w[2] = i;
		if (++m < 3) {
			continue;
		}
		int  s0 = side(v[w[0]], cl);
		bool close[3];
		int  hits = 0;

		if (s0 == 0 || side(v[w[1]], cl) != s0
		    || side(v[w[2]], cl) != s0) {
			continue;
		}
		for (int k = 0; k < 3; k++) {
			double x   = v[w[k]];
			bool   out = x > hi[w[k]] || x < lo[w[k]];

			close[k] = !out && (x > nhi[w[k]] || x < nlo[w[k]]);
			hits += close[k];
		}
		if (hits < 2) {
			continue;
		}
		found = true;
		for (int k = 0; k < 3; k++) {
			if (close[k]) {
				sig[w[k]] |= STATS_SIG_TWO_OF_THREE;
			}
		}
	}
	return found;
}

static int
check(const double *y, size_t n, const stats_mdc_opts *o, char *errmsg)
{
	if (n == 0) {
		stats_set_err(errmsg, "the series is empty");
		return TD_ETOOFEW;
	}
	if (y == NULL) {
		stats_set_err(errmsg,
		              "the series has %zu points but no values", n);
		return TD_EINVAL;
	}
	if ((int) o->direction < (int) STATS_MDC_NEUTRAL
	    || (int) o->direction > (int) STATS_MDC_LOWER) {
		stats_set_err(errmsg, "direction %d is unknown",
		              (int) o->direction);
		return TD_EINVAL;
	}
	if (o->n_rebase >= STATS_MDC_MAX_SEGMENTS
	    || (o->n_rebase > 0 && o->rebase == NULL)) {
		stats_set_err(errmsg,
		              "at most %d rebases are allowed, not %zu",
		              STATS_MDC_MAX_SEGMENTS - 1, o->n_rebase);
		return TD_EINVAL;
	}
	for (size_t k = 0; k < o->n_rebase; k++) {
		size_t at = o->rebase[k];

		if (at == 0 || at >= n || (k > 0 && at <= o->rebase[k - 1])) {
			stats_set_err(
			    errmsg,
			    "rebase at point %zu: rebases lie after the "
			    "first point, within the %zu points, in "
			    "order",
			    at + 1, n);
			return TD_EINVAL;
		}
	}
	if (o->has_target && !isfinite(o->target)) {
		stats_set_err(errmsg, "the target is not a finite number");
		return TD_EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		if (isinf(y[i])) {
			stats_set_err(
			    errmsg, "point %zu: the value is infinite", i + 1);
			return TD_EINVAL;
		}
	}
	return TD_OK;
}

/* Mean and screened mean moving range of one segment's baseline. */
static int
segment_limits(const double *y, stats_mdc_segment *g, size_t bend, bool screen,
               size_t segno, char *errmsg)
{
	double sum = 0, mrsum = 0;
	size_t cnt = 0;

	for (size_t i = g->start; i < bend; i++) {
		if (isnan(y[i])) {
			continue;
		}
		sum += y[i];
		g->n_baseline++;
		if (i > g->start && !isnan(y[i - 1])) {
			mrsum += fabs(y[i] - y[i - 1]);
			cnt++;
		}
	}
	if (cnt == 0) {
		stats_set_err(
		    errmsg,
		    "segment %zu (points %zu to %zu) has no two "
		    "neighbouring values in its baseline, so no moving "
		    "range",
		    segno + 1, g->start + 1, g->end);
		return TD_ETOOFEW;
	}
	g->mean = sum / (double) g->n_baseline;
	g->amr  = mrsum / (double) cnt;
	g->n_mr = cnt;
	/* With a mean moving range of 0 every range would be screened:
	 * keep them all, as there is nothing to screen. */
	if (screen && g->amr > 0) {
		double ul = MDC_SCREEN * g->amr, kept_sum = 0;
		size_t kept = 0;

		for (size_t i = g->start + 1; i < bend; i++) {
			if (isnan(y[i]) || isnan(y[i - 1])) {
				continue;
			}
			double mr = fabs(y[i] - y[i - 1]);

			if (mr < ul) {
				kept_sum += mr;
				kept++;
			}
		}
		/* kept > 0: not every range can reach 3.267 x the mean. */
		g->n_mr_screened = cnt - kept;
		g->n_mr          = kept;
		g->amr           = kept_sum / (double) kept;
	}
	g->lpl  = g->mean - MDC_LIMIT * g->amr;
	g->upl  = g->mean + MDC_LIMIT * g->amr;
	g->nlpl = g->mean - 2.0 / 3.0 * MDC_LIMIT * g->amr;
	g->nupl = g->mean + 2.0 / 3.0 * MDC_LIMIT * g->amr;
	return TD_OK;
}

static stats_mdc_type
type_of(stats_mdc_direction dir, int s)
{
	/* NHSRplotthedots orients every rule by the point's side of the
	 * mean (a point on the mean counts as low). */
	switch (dir) {
	case STATS_MDC_HIGHER:
		return s > 0 ? STATS_MDC_IMPROVEMENT : STATS_MDC_CONCERN;
	case STATS_MDC_LOWER:
		return s < 0 ? STATS_MDC_IMPROVEMENT : STATS_MDC_CONCERN;
	case STATS_MDC_NEUTRAL:
		break;
	}
	return s > 0 ? STATS_MDC_NEUTRAL_HIGH : STATS_MDC_NEUTRAL_LOW;
}

static void
icons(const double *y, const stats_mdc_opts *o, stats_mdc_result *r)
{
	const stats_mdc_segment *g = &r->seg[r->nsegments - 1];
	size_t                   last;

	if (g->n_values < STATS_MDC_MIN_POINTS) {
		snprintf(r->icon_note, sizeof(r->icon_note),
		         "no icons: the %s has %zu points with a value, "
		         "fewer than %d",
		         r->nsegments > 1 ? "segment since the last rebase"
		                          : "series",
		         g->n_values, STATS_MDC_MIN_POINTS);
		return;
	}
	r->has_icons = true;
	for (last = g->end; last > g->start && isnan(y[last - 1]); last--) { }
	r->variation = r->type[last - 1];
	if (o->direction == STATS_MDC_NEUTRAL || !o->has_target) {
		snprintf(r->icon_note, sizeof(r->icon_note),
		         "no assurance icon: %s",
		         o->direction == STATS_MDC_NEUTRAL
		             ? "the measure has no direction"
		             : "the measure has no target");
		return;
	}
	bool   higher = o->direction == STATS_MDC_HIGHER;
	double t      = o->target;

	if (higher ? g->lpl >= t : g->upl <= t) {
		r->assurance = STATS_MDC_ASSURANCE_PASS;
	} else if (higher ? g->upl < t : g->lpl > t) {
		r->assurance = STATS_MDC_ASSURANCE_FAIL;
	} else {
		r->assurance = STATS_MDC_ASSURANCE_INCONSISTENT;
	}
}

/* Per-point limit arrays of one segment for the two-in-three rule. */
typedef struct limit_arrays {
	double *lo, *hi, *nlo, *nhi;
} limit_arrays;

static int
segment_rules(const double *y, const stats_mdc_segment *g, limit_arrays *la,
              stats_point_pos *pos, stats_mdc_result *r)
{
	stats_run_summary rs;

	for (size_t i = g->start; i < g->end; i++) {
		la->lo[i]  = g->lpl;
		la->hi[i]  = g->upl;
		la->nlo[i] = g->nlpl;
		la->nhi[i] = g->nupl;
		if (!isnan(y[i]) && (y[i] > g->upl || y[i] < g->lpl)) {
			r->signals[i] |= STATS_SIG_OUTSIDE;
		}
	}
	/* The NHS rule set of the run-rule engine is MDC's trend (7 points,
	 * an equal neighbour breaks it) and shift (7 on one side, a point
	 * on the mean breaks it). */
	if (stats_runs_analyse(y, g->start, g->end, g->mean, STATS_RULES_NHS,
	                       &rs, pos, r->signals)
	    != TD_OK) {
		return TD_ENOMEM;
	}
	(void) stats_mdc_two_in_three(y, g->start, g->end, g->mean, la->lo,
	                              la->hi, la->nlo, la->nhi, r->signals);
	return TD_OK;
}

static stats_mdc_rule
rule_of(unsigned sig)
{
	if (sig & STATS_SIG_OUTSIDE) {
		return STATS_MDC_RULE_OUTSIDE;
	}
	if (sig & STATS_SIG_TREND) {
		return STATS_MDC_RULE_TREND;
	}
	if (sig & STATS_SIG_TWO_OF_THREE) {
		return STATS_MDC_RULE_TWO_IN_THREE;
	}
	if (sig & STATS_SIG_SHIFT) {
		return STATS_MDC_RULE_SHIFT;
	}
	return STATS_MDC_RULE_NONE;
}

int
stats_mdc(const double *y, size_t n, const stats_mdc_opts *opts,
          stats_mdc_result *out, char *errmsg)
{
	static const stats_mdc_opts defaults = { 0 };
	stats_mdc_result            r        = { 0 };
	limit_arrays                la       = { 0 };
	stats_point_pos            *pos      = NULL;
	int                         rc;

	if (out == NULL) {
		stats_set_err(errmsg, "no result structure was given");
		return TD_EINVAL;
	}
	memset(out, 0, sizeof(*out));
	opts = opts != NULL ? opts : &defaults;
	if ((rc = check(y, n, opts, errmsg)) != TD_OK) {
		return rc;
	}
	r.n       = n;
	r.segment = calloc(n, sizeof(*r.segment));
	r.rule    = calloc(n, sizeof(*r.rule));
	r.type    = calloc(n, sizeof(*r.type));
	r.signals = calloc(n, sizeof(*r.signals));
	la.lo     = malloc(n * sizeof(double));
	la.hi     = malloc(n * sizeof(double));
	la.nlo    = malloc(n * sizeof(double));
	la.nhi    = malloc(n * sizeof(double));
	pos       = malloc(n * sizeof(*pos));
	if (!r.segment || !r.rule || !r.type || !r.signals || !la.lo || !la.hi
	    || !la.nlo || !la.nhi || !pos) {
		stats_set_err(errmsg,
		              "out of memory for a series of %zu points", n);
		rc = TD_ENOMEM;
		goto done;
	}
	r.nsegments = opts->n_rebase + 1;
	for (size_t s = 0; s < r.nsegments; s++) {
		stats_mdc_segment *g = &r.seg[s];
		size_t             bend;

		g->start = s == 0 ? 0 : opts->rebase[s - 1];
		g->end   = s < opts->n_rebase ? opts->rebase[s] : n;
		bend     = opts->fix_after > 0
                        && opts->fix_after < g->end - g->start
		        ? g->start + opts->fix_after
		        : g->end;
		for (size_t i = g->start; i < g->end; i++) {
			r.segment[i] = s;
			g->n_values += !isnan(y[i]);
		}
		r.n_missing += (g->end - g->start) - g->n_values;
		rc = segment_limits(y, g, bend, !opts->no_screen, s, errmsg);
		if (rc == TD_OK) {
			rc = segment_rules(y, g, &la, pos, &r);
			if (rc != TD_OK) {
				stats_set_err(errmsg,
				              "out of memory in the rules");
			}
		}
		if (rc != TD_OK) {
			goto done;
		}
		for (size_t i = g->start; i < g->end; i++) {
			if (isnan(y[i])) {
				r.type[i] = STATS_MDC_MISSING;
				continue;
			}
			r.rule[i] = rule_of(r.signals[i]);
			r.type[i] = r.rule[i] == STATS_MDC_RULE_NONE
			    ? STATS_MDC_COMMON
			    : type_of(opts->direction, side(y[i], g->mean));
		}
	}
	icons(y, opts, &r);

done:
	free(la.lo);
	free(la.hi);
	free(la.nlo);
	free(la.nhi);
	free(pos);
	if (rc != TD_OK) {
		stats_mdc_result_free(&r);
		return rc;
	}
	*out = r;
	return TD_OK;
}
