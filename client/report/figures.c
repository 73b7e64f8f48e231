/* SPDX-License-Identifier: MIT
 * From analysis answers to charts: measure names, units and directions
 * from the registry, school names instead of codes, signals in words, and
 * the series, small multiples, positive-deviance and cost-effectiveness
 * pictures that `analyze … --svg` and `tandem report` both draw.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "figures.h"

#define DESC_MAX 1024

/* ---- measures ---- */

const char *
figure_unit_words(const char *unit)
{
	static const struct {
		const char *unit, *words;
	} u[] = {
		{ "percent", "%" },
		{ "proportion", "proportion" },
		{ "scale_score", "scale score" },
		{ "count", "count" },
		{ "rate", "rate" },
		{ "favourable", "% favourable" },
		{ "mean", "mean score" },
	};
	for (size_t i = 0; unit != NULL && i < sizeof(u) / sizeof(u[0]); i++) {
		if (strcmp(unit, u[i].unit) == 0) {
			return u[i].words;
		}
	}
	return unit != NULL ? unit : "";
}

void
figure_measure_from(figure_measure *m, const char *code,
                    const Tandem__V1__ListInstrumentsResponse *reg)
{
	memset(m, 0, sizeof(*m));
	snprintf(m->code, sizeof(m->code), "%s", code);
	snprintf(m->name, sizeof(m->name), "%s", code);
	m->target    = NAN;
	m->direction = RENDER_DIR_NONE;
	if (strncmp(code, "survey:", 7) == 0) {
		/* survey:S/C:mean|favourable */
		char        s[128] = "", c[128] = "";
		const char *slash = strchr(code + 7, '/');
		const char *colon = slash ? strchr(slash + 1, ':') : NULL;
		if (slash && colon) {
			snprintf(s, sizeof(s), "%.*s",
			         (int) (slash - code - 7), code + 7);
			snprintf(c, sizeof(c), "%.*s",
			         (int) (colon - slash - 1), slash + 1);
			const char *sname = s;
			for (size_t i = 0; reg && i < reg->n_surveys; i++) {
				if (strcmp(reg->surveys[i]->code, s) == 0
				    && reg->surveys[i]->name[0]) {
					sname = reg->surveys[i]->name;
				}
			}
			/* A name past the field is cut, on purpose: each
			 * part gets at most half of it. */
			int half = (int) (sizeof(m->name) / 2) - 2;
			snprintf(m->name, sizeof(m->name), "%.*s: %.*s", half,
			         sname, half, c);
			snprintf(m->unit, sizeof(m->unit), "%s",
			         strcmp(colon + 1, "favourable") == 0
			             ? "favourable"
			             : "mean");
			m->direction = RENDER_DIR_HIGHER;
		}
		return;
	}
	for (size_t i = 0; reg != NULL && i < reg->n_measures; i++) {
		const Tandem__V1__Measure *x = reg->measures[i];
		if (strcmp(x->measure, code) != 0) {
			continue;
		}
		if (x->name[0]) {
			snprintf(m->name, sizeof(m->name), "%s", x->name);
		}
		m->target = x->has_target ? x->target : NAN;
		snprintf(m->unit, sizeof(m->unit), "%s", x->unit);
		m->direction = strcmp(x->direction, "higher") == 0
		    ? RENDER_DIR_HIGHER
		    : strcmp(x->direction, "lower") == 0 ? RENDER_DIR_LOWER
		                                         : RENDER_DIR_NONE;
	}
}

int
figure_measure_fetch(td_client *c, const char *code, figure_measure *m,
                     td_status *st)
{
	Tandem__V1__ListInstrumentsRequest req
	    = TANDEM__V1__LIST_INSTRUMENTS_REQUEST__INIT;
	Tandem__V1__ListInstrumentsResponse *r = NULL;
	int rv = td_registry_list_instruments(c, &req, &r, st);
	figure_measure_from(m, code, rv == TD_CODE_OK ? r : NULL);
	if (r != NULL) {
		protobuf_c_message_free_unpacked(&r->base, NULL);
	}
	return rv;
}

void
figure_axis_label(const figure_measure *m, char *buf, size_t size)
{
	const char *u = figure_unit_words(m->unit);
	if (*u == '\0') {
		snprintf(buf, size, "%s", m->name);
	} else {
		snprintf(buf, size, "%s (%s)", m->name, u);
	}
}

/* ---- names ---- */

int
figure_names_from(figure_names *nm, const Tandem__V1__ListSchoolsResponse *r)
{
	memset(nm, 0, sizeof(*nm));
	size_t n = r != NULL ? r->n_schools : 0;
	if (n == 0) {
		return 0;
	}
	nm->codes     = calloc(n, sizeof(*nm->codes));
	nm->names     = calloc(n, sizeof(*nm->names));
	nm->districts = calloc(n, sizeof(*nm->districts));
	if (!nm->codes || !nm->names || !nm->districts) {
		figure_names_free(nm);
		return TD_ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		nm->codes[i]     = r->schools[i]->school;
		nm->names[i]     = r->schools[i]->name[0] ? r->schools[i]->name
		                                          : r->schools[i]->school;
		nm->districts[i] = r->schools[i]->district;
	}
	nm->n = n;
	return 0;
}

void
figure_names_free(figure_names *nm)
{
	if (nm == NULL) {
		return;
	}
	free(nm->codes);
	free(nm->names);
	free(nm->districts);
	memset(nm, 0, sizeof(*nm));
}

const char *
figure_name(const figure_names *nm, const char *code)
{
	for (size_t i = 0; nm != NULL && i < nm->n; i++) {
		if (strcmp(nm->codes[i], code) == 0) {
			return nm->names[i];
		}
	}
	return code;
}

/* ---- series ---- */

bool *
figure_centre_known(const Tandem__V1__Series *s, const char *split_at)
{
	size_t n     = s->n_points;
	size_t split = 0;
	bool  *known = calloc(n ? n : 1, sizeof(*known));
	if (known == NULL) {
		return NULL;
	}
	for (size_t j = 0; split_at != NULL && j < n && split == 0; j++) {
		if (strcmp(s->points[j]->period, split_at) == 0
		    || strcmp(s->points[j]->period_start, split_at) == 0) {
			split = j;
		}
	}
	size_t bounds[3] = { 0, split ? split : n, n };
	for (int g = 0; g < 2; g++) {
		bool any = false;
		for (size_t j = bounds[g]; j < bounds[g + 1]; j++) {
			any |= !s->points[j]->suppressed;
		}
		for (size_t j = bounds[g]; j < bounds[g + 1]; j++) {
			known[j] = any;
		}
	}
	return known;
}

const char *
figure_grain_word(int grain, bool plural)
{
	switch (grain) {
	case TANDEM__V1__GRAIN__WEEK:
		return plural ? "weeks" : "week";
	case TANDEM__V1__GRAIN__TERM:
		return plural ? "terms" : "term";
	case TANDEM__V1__GRAIN__ACADEMIC_YEAR:
		return plural ? "years" : "year";
	default:
		return plural ? "months" : "month";
	}
}

void
figure_period_words(const Tandem__V1__Point *p, char *buf, size_t size)
{
	int y = 0, m = 0;
	if (sscanf(p->period_start, "%4d-%2d", &y, &m) == 2 && m >= 1
	    && m <= 12) {
		snprintf(buf, size, "%s %d", render_month_name(m), y);
	} else {
		snprintf(buf, size, "%s", p->period);
	}
}

void
figure_signal_words(const Tandem__V1__Series *s, const Tandem__V1__Signal *g,
                    const char *centre_word, const char *grain_plural,
                    char *buf, size_t size, int *no_side)
{
	size_t n    = s->n_points;
	size_t a    = g->first_point >= 0 ? (size_t) g->first_point : 0;
	size_t b    = g->last_point >= 0 ? (size_t) g->last_point : 0;
	double side = 0.0, rise = 0.0;
	char   from[32] = "", to[32] = "";
	*no_side = 0;
	if (n == 0 || a >= n || b >= n || a > b) {
		snprintf(buf, size, "%s", g->description);
		return;
	}
	for (size_t i = a; i <= b; i++) {
		const Tandem__V1__Point *p = s->points[i];
		if (!p->suppressed && isfinite(p->value)
		    && isfinite(p->centre)) {
			side += p->value - p->centre;
		}
	}
	if (!s->points[a]->suppressed && !s->points[b]->suppressed) {
		rise = s->points[b]->value - s->points[a]->value;
	}
	figure_period_words(s->points[a], from, sizeof(from));
	figure_period_words(s->points[b], to, sizeof(to));
	char span[80];
	if (a == b) {
		snprintf(span, sizeof(span), "%s", from);
	} else {
		snprintf(span, sizeof(span), "%s \xe2\x80\x93 %s", from, to);
	}
	int k = (int) (b - a + 1);
	if (strcmp(g->rule, "long_run") == 0
	    || strcmp(g->rule, "shift") == 0) {
		snprintf(buf, size, "%s: %d %s %s the %s, %s",
		         strcmp(g->rule, "shift") == 0 ? "Shift" : "Long run",
		         k, grain_plural, side >= 0 ? "above" : "below",
		         centre_word, span);
	} else if (strcmp(g->rule, "trend") == 0) {
		snprintf(buf, size, "Trend: %d %s %s, %s", k, grain_plural,
		         rise >= 0 ? "rising" : "falling", span);
	} else if (strcmp(g->rule, "outside_limits") == 0) {
		snprintf(buf, size, "%s the %s limit: %s",
		         side >= 0 ? "Above" : "Below",
		         side >= 0 ? "upper" : "lower", span);
	} else if (strcmp(g->rule, "few_crossings") == 0) {
		snprintf(buf, size,
		         "Too few crossings of the %s: the values cluster "
		         "(%d %s)",
		         centre_word, k, grain_plural);
		*no_side = 1;
	} else {
		snprintf(buf, size, "%s, %s",
		         g->description[0] ? g->description : g->rule, span);
	}
}

/* Per-series arrays for a chart; freed by series_free. */
typedef struct series_arrays {
	const char   **x, **starts;
	double        *v, *ce, *lo, *hi;
	unsigned      *flags;
	render_signal *sig;
	char (*words)[256];
	bool  *known;
	size_t base;
	bool   lim;
} series_arrays;

static void
series_free(series_arrays *a)
{
	free(a->x);
	free(a->starts);
	free(a->v);
	free(a->ce);
	free(a->lo);
	free(a->hi);
	free(a->flags);
	free(a->sig);
	free(a->words);
	free(a->known);
}

static int
series_fill(series_arrays *a, const Tandem__V1__Series *s,
            const figure_series_opts *o)
{
	size_t n  = s->n_points ? s->n_points : 1;
	size_t ns = s->n_signals ? s->n_signals : 1;
	bool   mr = o->control && o->chart && strcmp(o->chart, "mr") == 0;
	memset(a, 0, sizeof(*a));
	a->x      = calloc(n, sizeof(*a->x));
	a->starts = calloc(n, sizeof(*a->starts));
	a->v      = calloc(n, sizeof(*a->v));
	a->ce     = calloc(n, sizeof(*a->ce));
	a->lo     = calloc(n, sizeof(*a->lo));
	a->hi     = calloc(n, sizeof(*a->hi));
	a->flags  = calloc(n, sizeof(*a->flags));
	a->sig    = calloc(ns, sizeof(*a->sig));
	a->words  = calloc(ns, sizeof(*a->words));
	a->known  = figure_centre_known(s, o->split_at);
	if (!a->x || !a->starts || !a->v || !a->ce || !a->lo || !a->hi
	    || !a->flags || !a->sig || !a->words || !a->known) {
		series_free(a);
		return TD_ENOMEM;
	}
	bool dated = true;
	for (size_t j = 0; j < s->n_points; j++) {
		const Tandem__V1__Point *p = s->points[j];
		a->x[j]                    = p->period;
		a->starts[j]               = p->period_start;
		dated &= render_days(p->period_start) >= 0
		    && (j == 0
		        || render_days(p->period_start)
		            > render_days(s->points[j - 1]->period_start));
		a->v[j]
		    = p->suppressed || (mr && !p->has_limits) ? NAN : p->value;
		a->ce[j]
		    = a->known[j] && isfinite(p->centre) ? p->centre : NAN;
		a->lo[j] = p->has_limits && isfinite(p->lcl) ? p->lcl : NAN;
		a->hi[j] = p->has_limits && isfinite(p->ucl) ? p->ucl : NAN;
		a->lim |= p->has_limits;
		a->flags[j] = (p->outside_limits ? RENDER_SIGNAL : 0)
		    | (p->run_signal ? RENDER_RUN : 0)
		    | (mr && !p->has_limits && !p->suppressed ? RENDER_MISSING
		                                              : 0);
	}
	if (!dated) {
		free(a->starts);
		a->starts = NULL;
	}
	const char *cw = o->control ? "mean" : "median";
	for (size_t k = 0; k < s->n_signals; k++) {
		const Tandem__V1__Signal *g = s->signals[k];
		figure_signal_words(
		    s, g, cw, figure_grain_word(o->grain, true), a->words[k],
		    sizeof(a->words[k]), &a->sig[k].no_side);
		size_t first
		    = g->first_point > 0 ? (size_t) g->first_point : 0;
		size_t last = g->last_point > 0 ? (size_t) g->last_point : 0;
		a->sig[k].first = first < s->n_points ? first : 0;
		a->sig[k].last  = last < s->n_points ? last : a->sig[k].first;
		if (a->sig[k].last < a->sig[k].first) {
			a->sig[k].last = a->sig[k].first;
		}
		a->sig[k].text = a->words[k];
	}
	while (o->baseline && a->base < s->n_points
	       && s->points[a->base]->baseline) {
		a->base++;
	}
	return 0;
}

int
figure_series(FILE *f, const figure_measure *m, const Tandem__V1__Series *s,
              const figure_series_opts *o)
{
	series_arrays a;
	char          ylab[320];
	if (s->n_points == 0) {
		return TD_EINVAL;
	}
	int rv = series_fill(&a, s, o);
	if (rv != 0) {
		return rv;
	}
	figure_axis_label(m, ylab, sizeof(ylab));
	render_series g = {
		.title        = o->title,
		.subtitle     = o->subtitle,
		.desc         = o->desc,
		.y_label      = ylab,
		.centre_label = o->control ? "Mean" : "Median",
		.direction    = m->direction,
		.has_target   = !isnan(m->target),
		.target       = m->target,
		.n            = s->n_points,
		.x_labels     = a.x,
		.starts       = a.starts,
		.values       = a.v,
		.centre       = a.ce,
		.lcl          = a.lim ? a.lo : NULL,
		.ucl          = a.lim ? a.hi : NULL,
		.flags        = a.flags,
		.baseline_n   = a.base < s->n_points ? a.base : 0,
		.n_signals    = s->n_signals,
		.signals      = a.sig,
		.n_spans      = a.starts != NULL ? o->n_spans : 0,
		.spans        = o->spans,
		.inline_svg   = o->inline_svg,
	};
	rv = render_series_chart(f, &g);
	series_free(&a);
	return rv;
}

int
figure_multiples(FILE *f, const figure_measure *m,
                 const Tandem__V1__SeriesResponse *r, const figure_names *nm,
                 const figure_series_opts *o)
{
	size_t         n   = r->n_series;
	series_arrays *a   = calloc(n ? n : 1, sizeof(*a));
	render_panel  *pan = calloc(n ? n : 1, sizeof(*pan));
	size_t         k = 0, filled = 0;
	int            rv = 0;
	char           ylab[320];
	if (a == NULL || pan == NULL) {
		rv = TD_ENOMEM;
		goto done;
	}
	for (size_t i = 0; i < n; i++) {
		const Tandem__V1__Series *s = r->series[i];
		if (s->n_points == 0) {
			continue;
		}
		if ((rv = series_fill(&a[filled], s, o)) != 0) {
			goto done;
		}
		series_arrays *x = &a[filled++];
		if (x->starts == NULL) {
			continue; /* no dates: not on a shared date axis */
		}
		pan[k++] = (render_panel) {
			.name      = figure_name(nm, s->unit),
			.code      = s->unit,
			.n         = s->n_points,
			.starts    = x->starts,
			.values    = x->v,
			.centre    = x->ce,
			.flags     = x->flags,
			.n_signals = s->n_signals,
			.signals   = x->sig,
		};
	}
	if (k == 0) {
		rv = TD_EINVAL;
		goto done;
	}
	figure_axis_label(m, ylab, sizeof(ylab));
	render_multiples g = {
		.title        = o->title,
		.subtitle     = o->subtitle,
		.desc         = o->desc,
		.y_label      = ylab,
		.centre_label = o->control ? "Mean" : "Median",
		.direction    = m->direction,
		.has_target   = !isnan(m->target),
		.target       = m->target,
		.n_panels     = k,
		.panels       = pan,
		.inline_svg   = o->inline_svg,
	};
	rv = render_multiples_chart(f, &g);
done:
	for (size_t i = 0; a != NULL && i < filled; i++) {
		series_free(&a[i]);
	}
	free(a);
	free(pan);
	return rv;
}

/* ---- positive deviance and ROI ---- */

int
figure_deviance(FILE *f, const figure_measure *m,
                const Tandem__V1__PositiveDevianceResponse *r,
                const figure_names *nm, double threshold, bool inline_svg)
{
	size_t         n   = r->n_rows;
	const char   **lab = calloc(n ? n : 1, sizeof(*lab));
	double        *pr  = calloc(n ? n : 1, sizeof(*pr));
	double        *ac  = calloc(n ? n : 1, sizeof(*ac));
	double        *lo  = calloc(n ? n : 1, sizeof(*lo));
	double        *hi  = calloc(n ? n : 1, sizeof(*hi));
	unsigned char *fl  = calloc(n ? n : 1, 1);
	int            rv  = TD_ENOMEM;
	size_t         nf  = 0;
	char           title[400], sub[400], desc[DESC_MAX], xl[400], yl[400];
	if (!lab || !pr || !ac || !lo || !hi || !fl) {
		goto done;
	}
	if (n == 0) {
		rv = TD_EINVAL;
		goto done;
	}
	int dlen = snprintf(desc, sizeof(desc), "Flagged: ");
	for (size_t i = 0; i < n; i++) {
		const Tandem__V1__DeviantRow *w = r->rows[i];
		lab[i]                          = figure_name(nm, w->school);
		pr[i] = w->suppressed ? NAN : w->predicted;
		ac[i] = w->suppressed ? NAN : w->actual;
		lo[i] = w->suppressed ? NAN : w->pi_low;
		hi[i] = w->suppressed ? NAN : w->pi_high;
		fl[i] = w->flagged && !w->suppressed;
		if (fl[i] && dlen < (int) sizeof(desc) - 1) {
			dlen += snprintf(desc + dlen,
			                 sizeof(desc) - (size_t) dlen, "%s%s",
			                 nf++ ? ", " : "", lab[i]);
		}
	}
	if (nf == 0) {
		snprintf(desc, sizeof(desc), "No school is flagged");
	}
	/* The title names the measure; the axes say what is on them. */
	const char *uw = figure_unit_words(m->unit);
	snprintf(title, sizeof(title), "Positive deviance: %s", m->name);
	snprintf(sub, sizeof(sub),
	         "%s%s%d schools, R\xc2\xb2 = %.3f; flagged: studentized "
	         "residual > %.3f and shrunken residual > 0",
	         r->period, r->period[0] ? " \xc2\xb7 " : "", r->units,
	         r->r_squared, threshold);
	snprintf(xl, sizeof(xl), "Predicted from context%s%s%s",
	         *uw ? " (" : "", uw, *uw ? ")" : "");
	snprintf(yl, sizeof(yl), "Actual%s%s%s", *uw ? " (" : "", uw,
	         *uw ? ")" : "");
	render_scatter g = {
		.title      = title,
		.subtitle   = sub,
		.desc       = desc,
		.x_label    = xl,
		.y_label    = yl,
		.n          = n,
		.labels     = lab,
		.predicted  = pr,
		.actual     = ac,
		.pi_lo      = lo,
		.pi_hi      = hi,
		.flagged    = fl,
		.inline_svg = inline_svg,
	};
	rv = render_scatter_chart(f, &g);
done:
	free(lab);
	free(pr);
	free(ac);
	free(lo);
	free(hi);
	free(fl);
	return rv;
}

bool
figure_roi_has_estimate(const Tandem__V1__RoiRow *w)
{
	return !w->suppressed && w->treated_schools > 0
	    && w->comparison_schools > 0 && w->total_cost > 0;
}

int
figure_plane(FILE *f, const figure_measure *m,
             const Tandem__V1__RoiResponse *r, const char *const *names,
             bool inline_svg)
{
	size_t       n   = r->n_rows;
	const char **lab = calloc(n ? n : 1, sizeof(*lab));
	double      *eff = calloc(n ? n : 1, sizeof(*eff));
	double      *lo  = calloc(n ? n : 1, sizeof(*lo));
	double      *hi  = calloc(n ? n : 1, sizeof(*hi));
	double      *cst = calloc(n ? n : 1, sizeof(*cst));
	int          rv  = TD_ENOMEM;
	char         title[400], sub[256], xl[340], yl[64];
	if (!lab || !eff || !lo || !hi || !cst) {
		goto done;
	}
	if (n == 0) {
		rv = TD_EINVAL;
		goto done;
	}
	for (size_t i = 0; i < n; i++) {
		const Tandem__V1__RoiRow *w = r->rows[i];
		/* No estimate (suppressed, or no schools to compare): left
		 * out of the plane and counted in its note. */
		bool ok = figure_roi_has_estimate(w);
		lab[i]  = names != NULL && names[i] != NULL ? names[i]
		                                            : w->activity;
		eff[i]  = ok ? w->hedges_g : NAN;
		lo[i]   = ok ? w->g_low : NAN;
		hi[i]   = ok ? w->g_high : NAN;
		cst[i]  = ok ? w->cost_per_student : NAN;
	}
	snprintf(title, sizeof(title), "Cost-effectiveness: %s", m->name);
	snprintf(sub, sizeof(sub),
	         "costs per student in %d dollars%s, discounted %.1f%% "
	         "\xc2\xb7 bootstrap %d, seed %llu",
	         r->base_year, r->price_adjusted ? "" : " (nominal)",
	         100 * r->discount_rate, r->bootstrap,
	         (unsigned long long) r->seed);
	snprintf(xl, sizeof(xl), "Effect on %s (Hedges' g, 95%% interval)",
	         m->name);
	snprintf(yl, sizeof(yl), "Cost per student ($, %d dollars)",
	         r->base_year);
	render_plane g = {
		.title      = title,
		.subtitle   = sub,
		.x_label    = xl,
		.y_label    = yl,
		.n          = n,
		.labels     = lab,
		.effect     = eff,
		.effect_lo  = lo,
		.effect_hi  = hi,
		.cost       = cst,
		.inline_svg = inline_svg,
	};
	rv = render_plane_chart(f, &g);
done:
	free(lab);
	free(eff);
	free(lo);
	free(hi);
	free(cst);
	return rv;
}

size_t
figure_pdsa_spans(const Tandem__V1__ListPdsaCyclesResponse *r,
                  const char *unit, render_span *spans, char (*labels)[96],
                  size_t n)
{
	size_t k = 0;
	for (size_t i = 0; r != NULL && i < r->n_cycles && k < n; i++) {
		const Tandem__V1__PdsaCycle *c = r->cycles[i];
		if (c->school[0] != '\0' && strcmp(c->school, unit) != 0) {
			continue;
		}
		if (render_days(c->start) < 0
		    || (c->end[0] && render_days(c->end) < 0)) {
			continue;
		}
		/* "C01: the change idea", cut at a character boundary */
		int len = snprintf(labels[k], sizeof(labels[k]), "%s: %s",
		                   c->cycle, c->change_idea);
		if (len >= (int) sizeof(labels[k]) - 1) {
			size_t e = sizeof(labels[k]) - 4;
			while (e > 0
			       && ((unsigned char) labels[k][e] & 0xC0)
			           == 0x80) {
				e--;
			}
			memcpy(labels[k] + e, "\xe2\x80\xa6", 4);
		}
		spans[k].start = c->start;
		spans[k].end   = c->end;
		spans[k].label = labels[k];
		k++;
	}
	return k;
}
