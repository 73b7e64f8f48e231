/* SPDX-License-Identifier: MIT
 * tandem list pdsa, analyze pdsa, analyze discover, analyze isolation: the
 * networks' improvement work (PDSA cycles, Positive Deviance Inquiry's
 * discover step, professional isolation) as tables, CSV or JSON.
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_improve.h"
#include "figures.h"

#define NCOLS(a) (sizeof(a) / sizeof((a)[0]))

/* How many partner schools a table cell lists before "... (+N)", and
 * how many of the deviants' notes a table shows. */
#define TIED_SHOWN  6
#define NOTES_SHOWN 20

const char improve_pdsa_help[]
    = "usage: tandem analyze pdsa --measure M [--school S] [--grain G]\n\n"
      "Plan-Do-Study-Act: per cycle aimed at measure M, the measure before "
      "the\ncycle started and during/after it, whether a run-chart signal "
      "followed the\nstart (the centre frozen on the points before it, "
      "Anhoej rules; the signal's\nrule, period and direction), whether "
      "a Making Data Count special cause\nfollowed it (XmR limits from "
      "the points before it), and the prediction\nbeside the result. A "
      "school's cycle is read on its school's series, a\nnetwork cycle "
      "on the network's.\n\n"
      "  --measure M         required: the outcome measure the cycles aim "
      "at\n"
      "  --school S          only S's cycles (and the network's)\n"
      "  --grain G           month|term|year (default month)\n";

const char improve_discover_help[]
    = "usage: tandem analyze discover --measure M [--period YYYY-YY] "
      "[--rubric R]\n"
      "                               [--district D]\n\n"
      "Positive Deviance Inquiry, discover: the schools the "
      "positive-deviance\nmodel flags for M in an academic year, and how "
      "the rubric scores of the\nobservations in their schools differ "
      "from the other schools', per\ncriterion: means, difference with "
      "its Welch 95% interval, Hedges' g and\nn of observations; notes "
      "per observation on each criterion; and the\ndeviants' note texts "
      "(admin, council and the deviant school itself).\nA side with "
      "fewer than min_n observations is suppressed.\n\n"
      "  --measure M         required: the outcome the deviants beat the "
      "odds on\n"
      "  --period YYYY-YY    academic year (default: the latest)\n"
      "  --rubric R          rubric (default: the one most used that "
      "year)\n"
      "  --district D        deviants and observations of D's schools "
      "only\n";

const char improve_isolation_help[]
    = "usage: tandem analyze isolation [--year YYYY-YY] [--level "
      "school|educator]\n\n"
      "Professional isolation: the network of an academic year in which "
      "schools\n(or educators) are tied by cross-school observation, "
      "taking part in one\nactivity in overlapping periods, or sharing a "
      "PDSA cycle; schools also by an\neducator the roster says serves "
      "both (an itinerant teacher). Per node:\ndegree (distinct partners), "
      "tie events, "
      "the partners, betweenness (Brandes,\nunnormalised), isolated (no "
      "cross-school tie) and the change from the year\nbefore; totals: "
      "ties, density, share isolated, the largest component.\nEducator "
      "rows are personnel information: admin and the educator's own\n"
      "school only.\n\n"
      "  --year YYYY-YY      academic year (default: the latest with "
      "data)\n"
      "  --level L           school (default) or educator\n"
      "  --svg FILE          also draw the school network as SVG: "
      "schools grouped\n"
      "                      by district, ties as lines, isolated "
      "schools named\n";

/* ---- list pdsa ---- */

static void
cycle_cells(out_table *t, const Tandem__V1__PdsaCycle *c)
{
	out_str(t, c->cycle);
	out_str(t, c->school[0] ? c->school : "network");
	out_str(t, c->measure);
	out_str(t, c->activity);
	out_str(t, c->start);
	out_str(t, c->end);
	out_str(t, c->status);
	out_str(t, c->change_idea);
	out_str(t, c->prediction);
	if (c->has_predicted_value) {
		out_num(t, c->predicted_value, 3);
	} else {
		out_null(t, "-");
	}
	out_str(t, c->result);
}

static const char *const CYCLE_COLS[]
    = { "cycle", "school", "measure",     "activity",   "start",
	"end",   "status", "change_idea", "prediction", "predicted_value",
	"result" };

int
list_pdsa(cli *c, int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "measure", required_argument, NULL, 'm' },
		{ "school", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	Tandem__V1__ListPdsaCyclesRequest req
	    = TANDEM__V1__LIST_PDSA_CYCLES_REQUEST__INIT;
	td_measure m;
	char       err[TD_ERRMSG_MAX];
	int        opt;
	if (cli_wants_help(argc, argv)) {
		printf("usage: tandem list pdsa [--measure M] [--school S]\n\n"
		       "PDSA cycles the client may read (its school's, its "
		       "district's or all,\nand the network's): code, school "
		       "(network = the whole network), measure,\nlinked "
		       "activity, dates, status, change idea, prediction and "
		       "result.\n");
		return 0;
	}
	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":", lopts, NULL)) != -1) {
		if (opt == 'm') {
			if (td_measure_parse(&m, optarg, err) != TD_OK) {
				return cli_usage_error("list pdsa",
				                       "--measure '%s': %s",
				                       optarg, err);
			}
			req.measure = &m.key;
		} else if (opt == 's') {
			req.school = optarg;
		} else {
			return cli_option_error("list pdsa", opt, argv);
		}
	}
	if (optind != argc) {
		return cli_usage_error("list pdsa", "unexpected argument '%s'",
		                       argv[optind]);
	}
	Tandem__V1__ListPdsaCyclesResponse *r  = NULL;
	td_status                           st = { 0 };
	if (td_improvement_list_pdsa_cycles(cli_client(c), &req, &r, &st)
	    != TD_CODE_OK) {
		return cli_fail("list pdsa", &st);
	}
	out_table *t
	    = out_table_create("cycles", NCOLS(CYCLE_COLS), CYCLE_COLS);
	for (size_t i = 0; i < r->n_cycles; i++) {
		cycle_cells(t, r->cycles[i]);
	}
	out_print_one(stdout, c->format, t);
	out_table_destroy(t);
	protobuf_c_message_free_unpacked(&r->base, NULL);
	td_status_reset(&st);
	return 0;
}

/* ---- analyze pdsa ---- */

int
analyze_pdsa(cli *c, const analyze_opts *o)
{
	Tandem__V1__PdsaRequest   req = TANDEM__V1__PDSA_REQUEST__INIT;
	Tandem__V1__PdsaResponse *r   = NULL;
	int                       rv;
	req.measure = analyze_measure(o);
	req.school  = (char *) (o->school ? o->school : "");
	req.grain   = (Tandem__V1__Grain) o->grain;
	if ((rv = analyze_call(c, o, &td_improvement_pdsa_method, &req.base,
	                       (ProtobufCMessage **) &r))
	    != 0) {
		return rv;
	}
	static const char *acols[] = { "measure", "direction", "cycles" };
	out_table *about = out_table_create("about", NCOLS(acols), acols);
	out_str(about, r->measure);
	out_str(about,
	        r->lower_is_better ? "lower is better" : "higher is better");
	out_int(about, (int64_t) r->n_rows);
	static const char *cols[] = {
		"cycle",
		"series",
		"start",
		"end",
		"status",
		"start_period",
		"before_n",
		"before_mean",
		"after_n",
		"after_mean",
		"change",
		"signal",
		"signal_period",
		"direction",
		"mdc",
		"mdc_period",
		"mdc_type",
		"predicted",
		"prediction_met",
		"note",
	};
	out_table *t = out_table_create("cycles", NCOLS(cols), cols);
	for (size_t i = 0; i < r->n_rows; i++) {
		const Tandem__V1__PdsaRow   *w  = r->rows[i];
		const Tandem__V1__PdsaCycle *cy = w->cycle;
		out_str(t, cy->cycle);
		out_str(t, w->series);
		out_str(t, cy->start);
		out_str(t, cy->end);
		out_str(t, cy->status);
		out_str(t, w->start_period);
		out_int(t, w->before_points);
		analyze_num(t, false, w->before_mean, 3);
		out_int(t, w->after_points);
		analyze_num(t, false, w->after_mean, 3);
		analyze_num(t, false, w->change, 3);
		out_str(t, w->signal_after ? w->signal_rule : "none");
		out_str(t, w->signal_period);
		out_str(t, w->signal_direction);
		out_str(t, w->mdc_signal ? w->mdc_rule : "none");
		out_str(t, w->mdc_period);
		out_str(t, w->mdc_point_type);
		analyze_num(
		    t, false,
		    cy->has_predicted_value ? cy->predicted_value : NAN, 3);
		if (w->has_prediction_met) {
			out_bool(t, w->prediction_met);
		} else {
			out_null(t, "-");
		}
		if (w->note[0] != '\0' || w->mdc_note[0] == '\0') {
			out_str(t, w->note);
		} else {
			out_str(t, w->mdc_note);
		}
	}
	char line[320];
	snprintf(
	    line, sizeof(line),
	    "PDSA cycles on %s (%s): the measure before and since each "
	    "start, and\nwhether a run-chart signal (centre frozen on the "
	    "points before) or a\nMaking Data Count special cause "
	    "(limits from the points before) followed it.",
	    r->measure,
	    r->lower_is_better ? "lower is better" : "higher is better");
	analyze_print(c, line, about, &t, 1);
	protobuf_c_message_free_unpacked(&r->base, NULL);
	return 0;
}

/* ---- analyze discover ---- */

static char *
join(char *const *v, size_t n, size_t shown)
{
	size_t size = 32;
	for (size_t i = 0; i < n; i++) {
		size += strlen(v[i]) + 2;
	}
	char *s = malloc(size);
	if (s == NULL) {
		return NULL;
	}
	size_t len = 0;
	s[0]       = '\0';
	for (size_t i = 0; i < n && i < shown; i++) {
		len += (size_t) snprintf(s + len, size - len, "%s%s",
		                         i ? ", " : "", v[i]);
	}
	if (n > shown) {
		snprintf(s + len, size - len, " ... (+%zu)", n - shown);
	}
	return s;
}

int
analyze_discover(cli *c, const analyze_opts *o)
{
	Tandem__V1__DiscoverRequest   req = TANDEM__V1__DISCOVER_REQUEST__INIT;
	Tandem__V1__DiscoverResponse *r   = NULL;
	int                           rv;
	req.measure  = analyze_measure(o);
	req.period   = (char *) (o->period ? o->period : "");
	req.rubric   = (char *) (o->rubric ? o->rubric : "");
	req.district = (char *) (o->district ? o->district : "");
	if ((rv = analyze_call(c, o, &td_improvement_discover_method,
	                       &req.base, (ProtobufCMessage **) &r))
	    != 0) {
		return rv;
	}
	char *devs = join(r->deviants, r->n_deviants, r->n_deviants);
	static const char *acols[] = { "measure",
		                       "period",
		                       "rubric",
		                       "deviants",
		                       "deviant_observations",
		                       "rest_observations",
		                       "min_n",
		                       "notes_withheld" };
	out_table *about = out_table_create("about", NCOLS(acols), acols);
	out_str(about, r->measure);
	out_str(about, r->period);
	out_str(about, r->rubric);
	out_str(about, devs ? devs : "");
	analyze_n(about, r->deviant_observations_suppressed,
	          r->deviant_observations);
	analyze_n(about, r->rest_observations_suppressed,
	          r->rest_observations);
	out_int(about, r->min_n);
	out_bool(about, r->notes_withheld);

	const char *cols[24];
	size_t      k = 0;
	cols[k++]     = "criterion";
	cols[k++]     = "deviant_n";
	cols[k++]     = "deviant_mean";
	cols[k++]     = "rest_n";
	cols[k++]     = "rest_mean";
	analyze_ci_cols(c, cols, &k, "difference", "difference [95% Welch]");
	cols[k++] = "p";
	analyze_ci_cols(c, cols, &k, "hedges_g", "hedges_g [95%]");
	cols[k++]    = "deviant_notes_per_obs";
	cols[k++]    = "rest_notes_per_obs";
	cols[k++]    = "note";
	out_table *t = out_table_create("criteria", k, cols);
	for (size_t i = 0; i < r->n_criteria; i++) {
		const Tandem__V1__CriterionContrast *w = r->criteria[i];
		bool                                 s = w->suppressed;
		out_str(t, w->criterion);
		analyze_n(t, s && w->deviant_n == 0, w->deviant_n);
		analyze_num(t, s, w->deviant_mean, 3);
		analyze_n(t, s && w->rest_n == 0, w->rest_n);
		analyze_num(t, s, w->rest_mean, 3);
		analyze_ci(c, t, s, w->difference, w->diff_low, w->diff_high,
		           3);
		analyze_p(c, t, s, w->welch_p);
		analyze_ci(c, t, s, w->hedges_g, w->g_low, w->g_high, 3);
		analyze_num(t, s, w->deviant_notes_per_obs, 2);
		analyze_num(t, s, w->rest_notes_per_obs, 2);
		out_str(t, w->note);
	}
	static const char *ncols[]
	    = { "school",    "observation", "observed_on",
		"criterion", "t_seconds",   "note" };
	out_table *nt = out_table_create("notes", NCOLS(ncols), ncols);
	/* A table shows the first notes; CSV and JSON list them all. */
	size_t shown = c->format == OUT_TABLE && r->n_notes > NOTES_SHOWN
	    ? NOTES_SHOWN
	    : r->n_notes;
	for (size_t i = 0; i < shown; i++) {
		const Tandem__V1__DeviantNote *d = r->notes[i];
		out_str(nt, d->school);
		out_str(nt, d->observation);
		out_str(nt, d->observed_on);
		out_str(nt, d->criterion);
		out_int(nt, d->t_seconds);
		out_str(nt, d->note);
	}
	if (shown < r->n_notes) {
		char more[96];
		snprintf(more, sizeof(more),
		         "... %zu more (--format csv or json lists them all)",
		         r->n_notes - shown);
		for (int col = 0; col < 5; col++) {
			out_str(nt, "");
		}
		out_str(nt, more);
	}
	char line[512], nd[32], nr[32];
	snprintf(nd, sizeof(nd), "%lld", (long long) r->deviant_observations);
	snprintf(nr, sizeof(nr), "%lld", (long long) r->rest_observations);
	snprintf(line, sizeof(line),
	         "Discover, %s %s: rubric %s in the positive deviants' "
	         "schools (%s)\nagainst the other schools; %s and %s "
	         "observations.%s",
	         r->measure, r->period, r->rubric,
	         devs && devs[0] ? devs : "none flagged",
	         r->deviant_observations_suppressed ? "fewer than min_n" : nd,
	         r->rest_observations_suppressed ? "fewer than min_n" : nr,
	         r->notes_withheld
	             ? " The deviants' note texts are withheld (this client "
	               "may not read them, or\nthey come from fewer than "
	               "min_n observations)."
	             : "");
	out_table *tables[2] = { t, nt };
	analyze_print(c, line, about, tables, r->n_notes > 0 ? 2 : 1);
	if (r->n_notes == 0) {
		out_table_destroy(nt);
	}
	free(devs);
	protobuf_c_message_free_unpacked(&r->base, NULL);
	return 0;
}

/* ---- analyze isolation ---- */

static void
totals_cells(out_table *t, const Tandem__V1__IsolationTotals *x)
{
	if (x == NULL) {
		for (int i = 0; i < 5; i++) {
			out_null(t, "-");
		}
		return;
	}
	out_int(t, x->ties);
	analyze_num(t, false, x->density, 3);
	out_int(t, x->isolated);
	analyze_pct(t, false, x->share_isolated);
	out_int(t, x->largest_component);
}

/* The school network as SVG, with the schools' names (codes when the
 * registry cannot be read). Returns 0 or 1 after a message. */
static int
isolation_svg(cli *c, const analyze_opts *o,
              const Tandem__V1__IsolationResponse *r)
{
	Tandem__V1__ListSchoolsRequest lreq
	    = TANDEM__V1__LIST_SCHOOLS_REQUEST__INIT;
	Tandem__V1__ListSchoolsResponse *ls = NULL;
	figure_names                     nm = { 0 };
	td_status                        st = { 0 };
	if (o->level != 0 || r->n_nodes == 0) {
		fprintf(stderr,
		        "tandem: analyze isolation: %s; %s not written\n",
		        o->level != 0 ? "--svg draws the school level only"
		                      : "no schools to draw",
		        o->svg);
		return 1;
	}
	if (td_registry_list_schools(cli_client(c), &lreq, &ls, &st)
	    != TD_CODE_OK) {
		fprintf(stderr,
		        "tandem: analyze isolation: names are not available "
		        "(%s); the chart uses codes\n",
		        st.message);
	}
	td_status_reset(&st);
	if (figure_names_from(&nm, ls) != 0) {
		memset(&nm, 0, sizeof(nm));
	}
	FILE *f  = analyze_svg_open(o, o->svg);
	int   rv = 1;
	if (f != NULL) {
		rv = analyze_svg_close(
		    o, o->svg, f, figure_isolation(f, r, &nm, NULL, false));
		if (rv == 0) {
			fprintf(stderr, "tandem: wrote %s\n", o->svg);
		}
	}
	figure_names_free(&nm);
	if (ls != NULL) {
		protobuf_c_message_free_unpacked(&ls->base, NULL);
	}
	return rv;
}

int
analyze_isolation(cli *c, const analyze_opts *o)
{
	Tandem__V1__IsolationRequest req = TANDEM__V1__ISOLATION_REQUEST__INIT;
	Tandem__V1__IsolationResponse *r = NULL;
	int                            rv;
	req.year  = (char *) (o->year ? o->year : "");
	req.level = o->level ? TANDEM__V1__ISOLATION_LEVEL__ISOLATION_EDUCATOR
	                     : TANDEM__V1__ISOLATION_LEVEL__ISOLATION_SCHOOL;
	if ((rv = analyze_call(c, o, &td_improvement_isolation_method,
	                       &req.base, (ProtobufCMessage **) &r))
	    != 0) {
		return rv;
	}
	bool               edu     = o->level != 0;
	const char        *noun    = edu ? "educators" : "schools";
	static const char *acols[] = { "year",
		                       "level",
		                       "nodes",
		                       "ties",
		                       "density",
		                       "isolated",
		                       "share_isolated",
		                       "largest_component",
		                       "previous_year",
		                       "previous_ties",
		                       "previous_density",
		                       "previous_isolated",
		                       "previous_share_isolated",
		                       "previous_largest_component" };
	out_table *about = out_table_create("about", NCOLS(acols), acols);
	out_str(about, r->year);
	out_str(about, edu ? "educator" : "school");
	out_int(about, r->totals ? r->totals->nodes : 0);
	totals_cells(about, r->totals);
	out_str(about, r->previous_year);
	totals_cells(about, r->previous);

	static const char *cols[]
	    = { "node",          "school",       "district", "degree",
		"degree_change", "ties",         "tied_to",  "betweenness",
		"isolated",      "was_isolated", "component" };
	out_table *t = out_table_create(noun, NCOLS(cols), cols);
	for (size_t i = 0; i < r->n_nodes; i++) {
		const Tandem__V1__IsolationNode *w = r->nodes[i];
		char                            *tied
		    = join(w->tied_to, w->n_tied_to,
		           c->format == OUT_TABLE ? TIED_SHOWN : w->n_tied_to);
		out_str(t, w->code);
		out_str(t, w->school);
		out_str(t, w->district);
		out_int(t, w->degree);
		if (w->has_previous) {
			out_int(t, w->degree_change);
		} else {
			out_null(t, "-");
		}
		out_int(t, w->cross_school_ties);
		out_str(t, tied ? tied : "");
		analyze_num(t, false, w->betweenness, 2);
		out_bool(t, w->isolated);
		if (w->has_previous) {
			out_bool(t, w->was_isolated);
		} else {
			out_null(t, "-");
		}
		out_int(t, w->component);
		free(tied);
	}
	/* The edges are for programs (and the report's diagram). */
	static const char *ecols[]
	    = { "a",          "b",      "observations",
		"activities", "cycles", "shared_staff" };
	out_table *et = out_table_create("ties", NCOLS(ecols), ecols);
	for (size_t i = 0; i < r->n_edges; i++) {
		out_str(et, r->edges[i]->a);
		out_str(et, r->edges[i]->b);
		out_int(et, r->edges[i]->observations);
		out_int(et, r->edges[i]->activities);
		out_int(et, r->edges[i]->cycles);
		out_int(et, r->edges[i]->shared_staff);
	}
	char                               line[400], prev[64] = "";
	const Tandem__V1__IsolationTotals *x = r->totals;
	if (r->previous_year[0] != '\0') {
		snprintf(prev, sizeof(prev), " Changes are against %s.",
		         r->previous_year);
	}
	snprintf(line, sizeof(line),
	         "Professional isolation %s, %s: %d %s, %d ties (density "
	         "%.3f), %d isolated (%.1f%%),\nlargest connected component "
	         "%d.%s",
	         r->year, noun, x ? x->nodes : 0, noun, x ? x->ties : 0,
	         x ? x->density : NAN, x ? x->isolated : 0,
	         x ? x->share_isolated : NAN, x ? x->largest_component : 0,
	         prev);
	out_table *tables[2] = { t, et };
	bool       edges     = c->format != OUT_TABLE;
	analyze_print(c, line, about, tables, edges ? 2 : 1);
	if (!edges) {
		out_table_destroy(et);
	}
	rv = o->svg != NULL ? isolation_svg(c, o, r) : 0;
	protobuf_c_message_free_unpacked(&r->base, NULL);
	return rv;
}
