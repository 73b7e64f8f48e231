/* SPDX-License-Identifier: MIT
 * The improvement work in "Learning from the network": Positive Deviance
 * Inquiry's "discover" (what the deviants' observations score higher on)
 * and the professional-isolation network. Drawn with client/render; the
 * numbers behind each chart are in a table marked for the report test.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "tandem/wire.h"

void
report_fetch_improve(td_client *c, report_data *d)
{
	const report_opts *o = d->o;
	td_status          s = { 0 };
	for (size_t i = 0; i < d->n_measures; i++) {
		report_measure_data        *md = &d->md[i];
		Tandem__V1__DiscoverRequest r
		    = TANDEM__V1__DISCOVER_REQUEST__INIT;
		r.measure  = report_measure_key(md->m.code);
		r.period   = (char *) (o->period ? o->period : "");
		r.rubric   = (char *) "";
		r.district = (char *) (o->district ? o->district : "");
		if (o->approved_only) {
			report_not_approved(&md->discover_st,
			                    "positive deviance inquiry");
			continue;
		}
		report_note(&md->discover_st,
		            td_improvement_discover(c, &r, &md->discover, &s),
		            &s);
	}
	Tandem__V1__IsolationRequest q = TANDEM__V1__ISOLATION_REQUEST__INIT;
	q.year                         = (char *) (o->period ? o->period : "");
	q.level = TANDEM__V1__ISOLATION_LEVEL__ISOLATION_SCHOOL;
	report_note(&d->isolation_st,
	            td_improvement_isolation(c, &q, &d->isolation, &s), &s);
}

/* ---- Positive Deviance Inquiry: discover ---- */

/* A number (with its interval when lo/hi are numbers), marked for the
 * report test, or "suppressed". */
static void
num_cell(FILE *f, const char *k, bool suppressed, double v, double lo,
         double hi)
{
	if (suppressed) {
		render_html(f, "<td class=\"n\">suppressed</td>");
	} else if (isnan(lo) || isnan(hi)) {
		render_html(f,
		            "<td class=\"n\" data-k=\"%e\" data-v=\"%v\">%n"
		            "</td>",
		            k, v, v, 3);
	} else {
		render_html(f,
		            "<td class=\"n\" data-k=\"%e\" data-v=\"%v\">%n "
		            "[%n, %n]</td>",
		            k, v, v, 3, lo, 3, hi, 3);
	}
}

static void
n_cell(FILE *f, const char *k, bool suppressed, int64_t n)
{
	if (suppressed) {
		render_html(f, "<td class=\"n\">suppressed</td>");
	} else {
		render_html(f,
		            "<td class=\"n\" data-k=\"%e\" data-v=\"%d\">%d"
		            "</td>",
		            k, (int) n, (int) n);
	}
}

static void
discover_section(FILE *f, const report_data *d, const report_measure_data *md)
{
	const Tandem__V1__DiscoverResponse *r = md->discover;
	char                                id[200];
	snprintf(id, sizeof(id), "discover-%s", md->m.code);
	report_measure_heading(f, "h4", &md->m, id);
	if (r == NULL) {
		report_unavailable(f, "Discover", &md->discover_st);
		return;
	}
	render_html(f,
	            "<p>Rubric <strong>%e</strong>, %e. Positive deviants: ",
	            r->rubric, r->period);
	for (size_t i = 0; i < r->n_deviants; i++) {
		render_html(
		    f, "%s%e <small class=\"code\">%e</small>", i ? ", " : "",
		    figure_name(&d->names, r->deviants[i]), r->deviants[i]);
	}
	render_html(
	    f, "%s. Observations: ", r->n_deviants == 0 ? "none flagged" : "");
	if (r->deviant_observations_suppressed) {
		render_html(f, "fewer than %d in the deviants' schools",
		            (int) r->min_n);
	} else {
		render_html(f, "%d in the deviants' schools",
		            (int) r->deviant_observations);
	}
	if (r->rest_observations_suppressed) {
		render_html(f, ", fewer than %d in the others.</p>\n",
		            (int) r->min_n);
	} else {
		render_html(f, ", %d in the others.</p>\n",
		            (int) r->rest_observations);
	}
	if (r->n_criteria == 0) {
		render_html(f, "<p>No rubric criteria to compare.</p>\n");
		return;
	}
	render_interval_row *rows = calloc(r->n_criteria, sizeof(*rows));
	if (rows == NULL) {
		render_html(f, "<p class=\"note\">Out of memory.</p>\n");
		return;
	}
	for (size_t i = 0; i < r->n_criteria; i++) {
		const Tandem__V1__CriterionContrast *w = r->criteria[i];
		bool ok = !w->suppressed && w->available;
		rows[i] = (render_interval_row) {
			.label      = w->criterion,
			.estimate   = ok ? w->difference : NAN,
			.lo         = ok ? w->diff_low : NAN,
			.hi         = ok ? w->diff_high : NAN,
			.suppressed = w->suppressed,
		};
	}
	char title[400], sub[700];
	snprintf(title, sizeof(title),
	         "Discover: rubric %s in the positive deviants' schools "
	         "against the rest",
	         r->rubric);
	snprintf(sub, sizeof(sub),
	         "%s \xc2\xb7 %s \xc2\xb7 deviants' mean minus the others' "
	         "mean, Welch 95%% interval",
	         md->m.name, r->period);
	render_intervals g = {
		.title    = title,
		.subtitle = sub,
		.desc     = "one row per rubric criterion: a dot right of "
		            "zero means the deviants' observations score "
		            "higher",
		.x_label
		= "Difference in criterion score (deviants \xe2\x88\x92 "
		  "rest)",
		.n          = r->n_criteria,
		.rows       = rows,
		.inline_svg = 1,
	};
	render_html(f, "<figure>\n");
	if (render_interval_chart(f, &g) != 0) {
		render_html(f, "<p class=\"note\">No chart to draw.</p>\n");
	}
	free(rows);
	render_html(f,
	            "</figure>\n<details><summary>Numbers behind the chart"
	            "</summary>\n<table class=\"num\" data-table=\"discover\" "
	            "data-measure=\"%e\">\n<tr><th>Criterion</th>"
	            "<th>Deviants' mean</th><th>n</th><th>Others' mean</th>"
	            "<th>n</th><th>Difference [95%%]</th><th>Hedges g [95%%]"
	            "</th><th>Note</th></tr>\n",
	            md->m.code);
	for (size_t i = 0; i < r->n_criteria; i++) {
		const Tandem__V1__CriterionContrast *w = r->criteria[i];
		render_html(f, "<tr data-unit=\"%e\"><td>%e</td>",
		            w->criterion, w->criterion);
		/* as the CLI: a side's n shows unless it is itself withheld */
		bool sup = w->suppressed;
		num_cell(f, "deviant_mean", sup, w->deviant_mean, NAN, NAN);
		n_cell(f, "deviant_n", sup && w->deviant_n == 0, w->deviant_n);
		num_cell(f, "rest_mean", sup, w->rest_mean, NAN, NAN);
		n_cell(f, "rest_n", sup && w->rest_n == 0, w->rest_n);
		num_cell(f, "difference", sup, w->difference, w->diff_low,
		         w->diff_high);
		num_cell(f, "hedges_g", sup, w->hedges_g, w->g_low, w->g_high);
		render_html(f, "<td>%e</td></tr>\n", w->note);
	}
	render_html(f, "</table>\n</details>\n");
}

void
report_discover(FILE *f, const report_data *d)
{
	render_html(f,
	            "<h3 id=\"discover\">Positive Deviance Inquiry: discover"
	            "</h3>\n<p>What the positive deviants' lessons do "
	            "differently: the rubric scores of observations in their "
	            "schools against those in the other schools, per "
	            "criterion (a group with fewer than the minimum number "
	            "of observations is suppressed). A criterion whose "
	            "interval lies right of zero is a practice to look at in "
	            "their videos.</p>\n");
	for (size_t i = 0; i < d->n_measures; i++) {
		discover_section(f, d, &d->md[i]);
	}
}

/* ---- professional isolation ---- */

/* Whether node w is drawn: every node, or those of one district. */
static bool
in_scope(const Tandem__V1__IsolationNode *w, const char *district)
{
	return district == NULL || strcmp(w->district, district) == 0;
}

/* The index of code among the drawn nodes, or -1. */
static long
node_index(const Tandem__V1__IsolationResponse *r, const char *code,
           const char *district)
{
	long k = 0;
	for (size_t i = 0; i < r->n_nodes; i++) {
		if (!in_scope(r->nodes[i], district)) {
			continue;
		}
		if (strcmp(r->nodes[i]->code, code) == 0) {
			return k;
		}
		k++;
	}
	return -1;
}

int
figure_isolation(FILE *f, const Tandem__V1__IsolationResponse *r,
                 const figure_names *nm, const char *district, bool inline_svg)
{
	render_node *nodes = calloc(r->n_nodes + 1, sizeof(*nodes));
	render_edge *edges = calloc(r->n_edges + 1, sizeof(*edges));
	if (nodes == NULL || edges == NULL) {
		free(nodes);
		free(edges);
		return TD_ENOMEM;
	}
	size_t nn = 0, n_iso = 0;
	for (size_t i = 0; i < r->n_nodes; i++) {
		const Tandem__V1__IsolationNode *w = r->nodes[i];
		if (in_scope(w, district)) {
			n_iso += w->isolated;
			nodes[nn++] = (render_node) { figure_name(nm, w->code),
				                      w->code, w->district,
				                      w->degree, w->isolated };
		}
	}
	size_t ne = 0;
	for (size_t i = 0; i < r->n_edges; i++) {
		const Tandem__V1__IsolationEdge *e = r->edges[i];
		long a = node_index(r, e->a, district);
		long b = node_index(r, e->b, district);
		if (a >= 0 && b >= 0 && a != b) {
			edges[ne++]
			    = (render_edge) { (size_t) a, (size_t) b,
				              (double) e->observations
				                  + e->activities + e->cycles
				                  + e->shared_staff };
		}
	}
	char title[200], sub[300];
	snprintf(title, sizeof(title), "Professional isolation, %s", r->year);
	const Tandem__V1__IsolationTotals *x = r->totals;
	if (district != NULL) {
		snprintf(sub, sizeof(sub),
		         "District %s: %zu schools \xc2\xb7 %zu ties among "
		         "them \xc2\xb7 %zu isolated from every school",
		         district, nn, ne, n_iso);
	} else {
		snprintf(sub, sizeof(sub),
		         "%d schools \xc2\xb7 %d cross-school ties \xc2\xb7 "
		         "%d isolated (%.1f%%) \xc2\xb7 largest connected "
		         "group %d",
		         x ? x->nodes : (int) r->n_nodes,
		         x ? x->ties : (int) ne, x ? x->isolated : 0,
		         x ? x->share_isolated : 0.0,
		         x ? x->largest_component : 0);
	}
	render_network g = {
		.title      = title,
		.subtitle   = sub,
		.desc       = "schools grouped by district, a line for each "
		              "pair of schools tied by cross-school "
		              "observation, shared activities, PDSA cycles or "
		              "staff; isolated schools are hollow squares "
		              "named as isolated",
		.n_nodes    = nn,
		.nodes      = nodes,
		.n_edges    = ne,
		.edges      = edges,
		.inline_svg = inline_svg,
	};
	int rv = render_network_chart(f, &g);
	free(nodes);
	free(edges);
	return rv;
}

void
report_isolation(FILE *f, const report_data *d)
{
	const Tandem__V1__IsolationResponse *r = d->isolation;
	render_html(f,
	            "<h3 id=\"isolation\">Professional isolation</h3>\n<p>"
	            "Teacher networks exist to end the isolation of small "
	            "and rural schools: two schools are tied when a teacher "
	            "of one observed a lesson in the other, both took part "
	            "in one activity at the same time, they share a PDSA "
	            "cycle or a member of staff. An isolated school has no "
	            "such tie this year.%s</p>\n",
	            d->o->district != NULL
	                ? " Only this district's schools are drawn; "
	                  "\"schools tied to\" counts ties to every school."
	                : "");
	if (r == NULL) {
		report_unavailable(f, "Professional isolation",
		                   &d->isolation_st);
		return;
	}
	if (r->n_nodes == 0) {
		render_html(f, "<p>No schools in the network for %e.</p>\n",
		            r->year);
		return;
	}
	render_html(f, "<figure>\n");
	if (figure_isolation(f, r, &d->names, d->o->district, true) != 0) {
		render_html(f, "<p class=\"note\">No diagram to draw.</p>\n");
	}
	render_html(f,
	            "</figure>\n<details><summary>Numbers behind the "
	            "diagram</summary>\n<table class=\"num\" "
	            "data-table=\"isolation\" data-year=\"%e\">\n<tr>"
	            "<th>School</th><th>District</th><th>Schools tied to</th>"
	            "<th>Tie events</th><th>Betweenness</th><th>Isolated</th>"
	            "<th>Change in schools tied to</th></tr>\n",
	            r->year);
	for (size_t i = 0; i < r->n_nodes; i++) {
		const Tandem__V1__IsolationNode *w = r->nodes[i];
		if (!in_scope(w, d->o->district)) {
			continue;
		}
		render_html(
		    f,
		    "<tr data-unit=\"%e\"><td>%e <small class=\"code\">"
		    "%e</small></td><td>%e</td><td class=\"n\" "
		    "data-k=\"degree\" data-v=\"%d\">%d</td><td "
		    "class=\"n\" data-k=\"ties\" data-v=\"%d\">%d</td>"
		    "<td class=\"n\" data-k=\"betweenness\" "
		    "data-v=\"%v\">%n</td><td>%s</td>",
		    w->code, figure_name(&d->names, w->code), w->code,
		    w->district, (int) w->degree, (int) w->degree,
		    (int) w->cross_school_ties, (int) w->cross_school_ties,
		    w->betweenness, w->betweenness, 2,
		    w->isolated ? "isolated" : "");
		if (w->has_previous) {
			render_html(f, "<td class=\"n\">%s%d</td></tr>\n",
			            w->degree_change > 0 ? "+" : "",
			            (int) w->degree_change);
		} else {
			render_html(f, "<td>\xe2\x80\x93</td></tr>\n");
		}
	}
	render_html(f, "</table>\n</details>\n");
}
