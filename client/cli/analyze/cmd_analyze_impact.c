/* SPDX-License-Identifier: MIT
 * tandem analyze impact: staggered-adoption impact of an activity
 * (Callaway & Sant'Anna 2021): the overall ATT, the event study (with the
 * years before adoption as the parallel-trends check) and every ATT(g,t),
 * with the two-way fixed-effects estimate beside them.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cmd_analyze.h"

#define NCOLS(a) (sizeof(a) / sizeof((a)[0]))

int
analyze_impact(cli *c, const analyze_opts *o)
{
	Tandem__V1__ImpactRequest   req = TANDEM__V1__IMPACT_REQUEST__INIT;
	Tandem__V1__ImpactResponse *r   = NULL;
	int                         rv;
	req.measure         = analyze_measure(o);
	req.activity        = (char *) o->activity;
	req.not_yet_treated = analyze_given(o, NOT_YET);
	req.from            = (char *) (o->from ? o->from : "");
	req.to              = (char *) (o->to ? o->to : "");
	if ((rv = analyze_call(c, o, &td_analysis_impact_method, &req.base,
	                       (ProtobufCMessage **) &r))
	    != 0) {
		return rv;
	}
	static const char *acols[]
	    = { "measure",       "activity", "controls",       "schools",
		"never_treated", "cohorts",  "treated_before", "suppressed",
		"att",           "att_se",   "att_low",        "att_high",
		"twfe",          "twfe_se",  "twfe_low",       "twfe_high" };
	out_table *about = out_table_create("about", NCOLS(acols), acols);
	out_str(about, r->measure);
	out_str(about, r->activity);
	out_str(about, r->controls);
	out_int(about, r->schools);
	out_int(about, r->never_treated);
	out_int(about, r->cohorts);
	out_int(about, r->treated_before);
	out_int(about, r->suppressed);
	analyze_num(about, false, r->available ? r->att : NAN, 3);
	analyze_num(about, false, r->available ? r->se : NAN, 3);
	analyze_num(about, false, r->available ? r->low : NAN, 3);
	analyze_num(about, false, r->available ? r->high : NAN, 3);
	analyze_num(about, false, r->twfe_available ? r->twfe : NAN, 3);
	analyze_num(about, false, r->twfe_available ? r->twfe_se : NAN, 3);
	analyze_num(about, false, r->twfe_available ? r->twfe_low : NAN, 3);
	analyze_num(about, false, r->twfe_available ? r->twfe_high : NAN, 3);

	static const char *ecols[]
	    = { "event_time", "theta", "se", "low", "high" };
	out_table *ev = out_table_create("event_study", NCOLS(ecols), ecols);
	for (size_t i = 0; i < r->n_event_study; i++) {
		const Tandem__V1__EventTime *e = r->event_study[i];
		if (!e->available) {
			continue;
		}
		out_int(ev, e->event_time);
		analyze_num(ev, false, e->theta, 3);
		analyze_num(ev, false, e->se, 3);
		analyze_num(ev, false, e->low, 3);
		analyze_num(ev, false, e->high, 3);
	}
	static const char *gcols[]
	    = { "cohort", "period", "event_time", "treated", "controls",
		"att",    "se",     "low",        "high" };
	out_table *gt = out_table_create("group_time", NCOLS(gcols), gcols);
	for (size_t i = 0; i < r->n_group_time; i++) {
		const Tandem__V1__GroupTimeAtt *g = r->group_time[i];
		out_str(gt, g->cohort);
		out_str(gt, g->period);
		out_int(gt, g->event_time);
		out_int(gt, g->treated);
		out_int(gt, g->controls);
		analyze_num(gt, false, g->available ? g->att : NAN, 3);
		analyze_num(gt, false, g->available ? g->se : NAN, 3);
		analyze_num(gt, false, g->available ? g->low : NAN, 3);
		analyze_num(gt, false, g->available ? g->high : NAN, 3);
	}
	char line[640];
	snprintf(line, sizeof(line),
	         "Staggered-adoption impact of %s on %s (Callaway & "
	         "Sant'Anna 2021, %s controls, SEs clustered by school): "
	         "ATT %.3f [%.3f, %.3f] over %d cohorts and %d schools. "
	         "Two-way fixed effects, which can mislead when effects grow "
	         "over time: %.3f [%.3f, %.3f]. Event times below 0 are the "
	         "years before adoption (near 0 when trends were parallel).",
	         r->activity, r->measure,
	         req.not_yet_treated ? "not-yet-treated" : "never-treated",
	         r->att, r->low, r->high, r->cohorts, r->schools, r->twfe,
	         r->twfe_low, r->twfe_high);
	out_table *tables[2] = { ev, gt };
	analyze_print(c, line, about, tables, 2);
	protobuf_c_message_free_unpacked(&r->base, NULL);
	return 0;
}
