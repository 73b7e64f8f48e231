/* SPDX-License-Identifier: MIT
 * Making Data Count answers as pictures: the XmR chart of a series (mean,
 * process limits, special causes named by their rule) and the variation
 * and assurance icons read against the measure's direction.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "figures.h"

/* ---- Making Data Count ---- */

int
figure_mdc_variation(const Tandem__V1__MdcSeries *s, const char *direction)
{
	bool lower = direction != NULL && strcmp(direction, "lower") == 0;
	if (strcmp(s->variation, "common") == 0) {
		return RENDER_VAR_COMMON;
	}
	if (strcmp(s->variation, "improvement") == 0) {
		return lower ? RENDER_VAR_IMPROVE_LOW
		             : RENDER_VAR_IMPROVE_HIGH;
	}
	if (strcmp(s->variation, "concern") == 0) {
		return lower ? RENDER_VAR_CONCERN_HIGH
		             : RENDER_VAR_CONCERN_LOW;
	}
	if (strcmp(s->variation, "neutral_high") == 0) {
		return RENDER_VAR_NEITHER_HIGH;
	}
	if (strcmp(s->variation, "neutral_low") == 0) {
		return RENDER_VAR_NEITHER_LOW;
	}
	return RENDER_VAR_NONE;
}

int
figure_mdc_assurance(const Tandem__V1__MdcSeries *s)
{
	if (strcmp(s->assurance, "consistent_pass") == 0) {
		return RENDER_ASSURE_PASS;
	}
	if (strcmp(s->assurance, "consistent_fail") == 0) {
		return RENDER_ASSURE_FAIL;
	}
	if (strcmp(s->assurance, "inconsistent") == 0) {
		return RENDER_ASSURE_HIT_AND_MISS;
	}
	return RENDER_ASSURE_NONE;
}

static const char *
mdc_rule_words(const char *rule)
{
	return strcmp(rule, "outside_limits") == 0 ? "Beyond a process limit"
	    : strcmp(rule, "trend") == 0           ? "Trend"
	    : strcmp(rule, "two_in_three") == 0 ? "Two of three near a limit"
	    : strcmp(rule, "shift") == 0        ? "Shift"
	                                        : rule;
}

int
figure_mdc(FILE *f, const figure_measure *m, const Tandem__V1__MdcSeries *s,
           const figure_series_opts *o)
{
	size_t         n   = s->n_points;
	const char   **x   = calloc(n ? n : 1, sizeof(*x));
	const char   **st  = calloc(n ? n : 1, sizeof(*st));
	double        *v   = calloc(n ? n : 1, sizeof(*v));
	double        *ce  = calloc(n ? n : 1, sizeof(*ce));
	double        *lo  = calloc(n ? n : 1, sizeof(*lo));
	double        *hi  = calloc(n ? n : 1, sizeof(*hi));
	unsigned      *fl  = calloc(n ? n : 1, sizeof(*fl));
	render_signal *sig = calloc(n ? n : 1, sizeof(*sig));
	char(*w)[160]      = calloc(n ? n : 1, sizeof(*w));
	size_t nsig        = 0;
	int    rv          = TD_ENOMEM;
	bool   dated       = true;
	char   ylab[320];
	if (!x || !st || !v || !ce || !lo || !hi || !fl || !sig || !w) {
		goto done;
	}
	if (n == 0 || s->note[0]) {
		rv = TD_EINVAL;
		goto done;
	}
	for (size_t j = 0; j < n; j++) {
		const Tandem__V1__MdcPoint *p = s->points[j];
		x[j]                          = p->period;
		st[j]                         = p->period_start;
		dated &= render_days(p->period_start) >= 0
		    && (j == 0
		        || render_days(p->period_start)
		            > render_days(s->points[j - 1]->period_start));
		v[j]  = p->suppressed ? NAN : p->value;
		ce[j] = p->mean;
		lo[j] = p->lpl;
		hi[j] = p->upl;
		bool special
		    = strncmp(p->point_type, "special_cause", 13) == 0;
		fl[j] = special
		    ? (strcmp(p->rule, "outside_limits") == 0 ? RENDER_SIGNAL
		                                              : RENDER_RUN)
		    : 0;
		/* Consecutive special-cause points of one rule: one signal. */
		if (special && p->rule[0]) {
			if (nsig > 0 && sig[nsig - 1].last == j - 1 && j > 0
			    && strcmp(s->points[j - 1]->rule, p->rule) == 0) {
				sig[nsig - 1].last = j;
			} else {
				sig[nsig].first = sig[nsig].last = j;
				sig[nsig].text                   = w[nsig];
				nsig++;
			}
		}
	}
	for (size_t k = 0; k < nsig; k++) {
		char                        a[32], b[32];
		int                         y = 0, mo = 0;
		const Tandem__V1__MdcPoint *p = s->points[sig[k].first];
		const Tandem__V1__MdcPoint *q = s->points[sig[k].last];
		snprintf(a, sizeof(a), "%s", p->period);
		snprintf(b, sizeof(b), "%s", q->period);
		if (sscanf(p->period_start, "%4d-%2d", &y, &mo) == 2) {
			snprintf(a, sizeof(a), "%s %d", render_month_name(mo),
			         y);
		}
		if (sscanf(q->period_start, "%4d-%2d", &y, &mo) == 2) {
			snprintf(b, sizeof(b), "%s %d", render_month_name(mo),
			         y);
		}
		if (sig[k].first == sig[k].last) {
			snprintf(w[k], sizeof(w[k]), "%s: %s",
			         mdc_rule_words(p->rule), a);
		} else {
			snprintf(w[k], sizeof(w[k]), "%s: %s \xe2\x80\x93 %s",
			         mdc_rule_words(p->rule), a, b);
		}
	}
	figure_axis_label(m, ylab, sizeof(ylab));
	render_series g = {
		.title        = o->title,
		.subtitle     = o->subtitle,
		.desc         = o->desc,
		.y_label      = ylab,
		.centre_label = "Mean",
		.direction    = m->direction,
		.has_target   = !isnan(m->target),
		.target       = m->target,
		.n            = n,
		.x_labels     = x,
		.starts       = dated ? st : NULL,
		.values       = v,
		.centre       = ce,
		.lcl          = lo,
		.ucl          = hi,
		.flags        = fl,
		.n_signals    = nsig,
		.signals      = sig,
		.n_spans      = dated ? o->n_spans : 0,
		.spans        = o->spans,
		.inline_svg   = o->inline_svg,
	};
	rv = render_series_chart(f, &g);
done:
	free(x);
	free(st);
	free(v);
	free(ce);
	free(lo);
	free(hi);
	free(fl);
	free(sig);
	free(w);
	return rv;
}
