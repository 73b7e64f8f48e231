/* SPDX-License-Identifier: MIT
 * The network's icon matrix: every school (rows, grouped by district) ×
 * every shared measure (columns), each cell Making Data Count's variation
 * icon of the latest month and its assurance icon against the measure's
 * target, as the server's Mdc analysis gives them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

static const Tandem__V1__MdcSeries *
find_series(const Tandem__V1__MdcResponse *r, const char *unit)
{
	for (size_t i = 0; r != NULL && i < r->n_series; i++) {
		if (strcmp(r->series[i]->unit, unit) == 0) {
			return r->series[i];
		}
	}
	return NULL;
}

static void
icon_cells(FILE *f, const report_measure_data *md,
           const Tandem__V1__MdcResponse *r, const char *unit)
{
	const Tandem__V1__MdcSeries *s = find_series(r, unit);
	if (r == NULL || s == NULL) {
		render_html(f,
		            "<td colspan=\"2\" class=\"muted\">\xe2\x80\x93"
		            "</td>");
		return;
	}
	render_html(f,
	            "<td data-unit=\"%e\" data-measure=\"%e\" "
	            "data-variation=\"%e\" data-assurance=\"%e\"%s%e%s>",
	            unit, md->m.code, s->variation, s->assurance,
	            s->icon_note[0] ? " title=\"" : "", s->icon_note,
	            s->icon_note[0] ? "\"" : "");
	if (render_variation_icon(f, figure_mdc_variation(s, r->direction))
	    != 0) {
		return;
	}
	render_html(f, "</td><td>");
	if (render_assurance_icon(f, figure_mdc_assurance(s)) != 0) {
		return;
	}
	render_html(f, "</td>");
}

static int
by_district(const void *a, const void *b, void *ctx)
{
	const figure_names *nm = ctx;
	size_t              i = *(const size_t *) a, j = *(const size_t *) b;
	int                 c = strcmp(nm->districts[i], nm->districts[j]);
	return c != 0 ? c : strcmp(nm->names[i], nm->names[j]);
}

static void
legend(FILE *f)
{
	static const int var[]
	    = { RENDER_VAR_IMPROVE_HIGH, RENDER_VAR_IMPROVE_LOW,
		RENDER_VAR_CONCERN_HIGH, RENDER_VAR_CONCERN_LOW,
		RENDER_VAR_COMMON,       RENDER_VAR_NONE };
	static const int ass[]
	    = { RENDER_ASSURE_PASS, RENDER_ASSURE_FAIL,
		RENDER_ASSURE_HIT_AND_MISS, RENDER_ASSURE_NONE };
	render_html(f,
	            "<p class=\"legend\"><strong>Variation</strong> (the "
	            "latest month): ");
	for (size_t i = 0; i < sizeof(var) / sizeof(var[0]); i++) {
		render_html(f, "<span>");
		if (render_variation_icon(f, var[i]) != 0) {
			return;
		}
		render_html(f, " %e</span>", render_variation_words(var[i]));
	}
	render_html(f,
	            "</p>\n<p class=\"legend\"><strong>Assurance</strong> "
	            "(against the target): ");
	for (size_t i = 0; i < sizeof(ass) / sizeof(ass[0]); i++) {
		render_html(f, "<span>");
		if (render_assurance_icon(f, ass[i]) != 0) {
			return;
		}
		render_html(f, " %e</span>", render_assurance_words(ass[i]));
	}
	render_html(f, "</p>\n");
}

/* Schools consistently failing a target, in words. */
static void
failing(FILE *f, const report_data *d)
{
	size_t targets = 0, k = 0;
	for (size_t i = 0; i < d->n_measures; i++) {
		const report_measure_data     *md = &d->md[i];
		const Tandem__V1__MdcResponse *r  = md->mdc_each;
		targets += r != NULL && r->has_target;
		for (size_t j = 0; r != NULL && j < r->n_series; j++) {
			const Tandem__V1__MdcSeries *s = r->series[j];
			if (strcmp(s->assurance, "consistent_fail") != 0) {
				continue;
			}
			if (k++ == 0) {
				render_html(f,
				            "<p><strong>Consistently failing "
				            "a target:</strong> ");
			} else {
				render_html(f, "; ");
			}
			render_html(f, "%e (%e)",
			            figure_name(&d->names, s->unit),
			            md->m.name);
		}
	}
	if (k > 0) {
		render_html(f, ".</p>\n");
	} else if (targets == 0) {
		render_html(f,
		            "<p class=\"note\">No measure in this report has "
		            "a target, so there are no assurance icons: give "
		            "a measure a target (the <code>target</code> "
		            "column of <code>tandem define measures</code>) "
		            "to see which schools consistently pass or fail "
		            "it.</p>\n");
	} else {
		render_html(f,
		            "<p>No school is consistently failing a target."
		            "</p>\n");
	}
}

void
report_matrix(FILE *f, const report_data *d)
{
	render_html(f,
	            "<h2 id=\"matrix\">2. The network's icon matrix</h2>\n"
	            "<p>Making Data Count's icons for every school and "
	            "measure: is the latest month special-cause "
	            "variation, and is the target met reliably? Schools are "
	            "grouped by district. Each icon's shape and letter say "
	            "what its colour says.</p>\n");
	size_t avail = 0;
	for (size_t i = 0; i < d->n_measures; i++) {
		avail
		    += d->md[i].mdc_each != NULL || d->md[i].mdc_main != NULL;
	}
	if (avail == 0) {
		if (d->n_measures > 0) {
			const report_call *st = d->md[0].mdc_main != NULL
			    ? &d->md[0].mdc_each_st
			    : &d->md[0].mdc_main_st;
			report_unavailable(f, "Making Data Count icons", st);
		}
		return;
	}
	render_html(f,
	            "<table class=\"matrix\" data-table=\"matrix\">\n<tr>"
	            "<th class=\"name\" rowspan=\"2\">School</th>");
	for (size_t i = 0; i < d->n_measures; i++) {
		render_html(f,
		            "<th colspan=\"2\">%e <small class=\"code\">%e"
		            "</small></th>",
		            d->md[i].m.name, d->md[i].m.code);
	}
	render_html(f, "</tr>\n<tr>");
	for (size_t i = 0; i < d->n_measures; i++) {
		render_html(f, "<th>Variation</th><th>Target</th>");
	}
	render_html(f, "</tr>\n");
	/* The scope itself first. */
	const report_opts *o     = d->o;
	const char        *scope = o->school ? o->school
	           : o->district             ? o->district
	                                     : "network";
	render_html(f, "<tr><td class=\"name\"><strong>%e</strong></td>",
	            o->school         ? figure_name(&d->names, o->school)
	                : o->district ? o->district
	                              : "The network");
	for (size_t i = 0; i < d->n_measures; i++) {
		const Tandem__V1__MdcResponse *r = d->md[i].mdc_main;
		const char                    *u = r != NULL && r->n_series > 0
		                       ? r->series[0]->unit
		                       : scope;
		icon_cells(f, &d->md[i], r, u);
	}
	render_html(f, "</tr>\n");
	size_t *ord = calloc(d->names.n ? d->names.n : 1, sizeof(*ord));
	for (size_t i = 0; ord != NULL && i < d->names.n; i++) {
		ord[i] = i;
	}
	if (ord != NULL && o->school == NULL) {
		qsort_r(ord, d->names.n, sizeof(*ord), by_district,
		        (void *) &d->names);
		const char *last = NULL;
		for (size_t k = 0; k < d->names.n; k++) {
			size_t i = ord[k];
			if (last == NULL
			    || strcmp(last, d->names.districts[i]) != 0) {
				last = d->names.districts[i];
				render_html(f,
				            "<tr class=\"district\"><th "
				            "class=\"name\" colspan=\"%d\">"
				            "District %e</th></tr>\n",
				            (int) (1 + 2 * d->n_measures),
				            last);
			}
			render_html(f,
			            "<tr><td class=\"name\">%e <small "
			            "class=\"code\">%e</small></td>",
			            d->names.names[i], d->names.codes[i]);
			for (size_t m = 0; m < d->n_measures; m++) {
				icon_cells(f, &d->md[m], d->md[m].mdc_each,
				           d->names.codes[i]);
			}
			render_html(f, "</tr>\n");
		}
	}
	free(ord);
	render_html(f, "</table>\n");
	legend(f);
	failing(f, d);
}
