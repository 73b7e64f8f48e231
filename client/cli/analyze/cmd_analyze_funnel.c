/* SPDX-License-Identifier: MIT
 * tandem analyze funnel: the schools of one period against a pooled
 * target with limits by n (Spiegelhalter 2005), overdispersion allowed
 * for; one row per school, those outside the limits first in the line.
 * Drawing is the report's business.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cmd_analyze.h"

#define NCOLS(a) (sizeof(a) / sizeof((a)[0]))
/* EACH_SCHOOL, or a district's schools. */
#define FUNNEL_LEVELS                                                         \
	((1u << TANDEM__V1__SCOPE_LEVEL__EACH_SCHOOL)                         \
	 | (1u << TANDEM__V1__SCOPE_LEVEL__DISTRICT))

int
analyze_funnel(cli *c, const analyze_opts *o)
{
	Tandem__V1__SeriesQuery     q   = TANDEM__V1__SERIES_QUERY__INIT;
	Tandem__V1__FunnelRequest   req = TANDEM__V1__FUNNEL_REQUEST__INIT;
	Tandem__V1__FunnelResponse *r   = NULL;
	int                         rv  = analyze_query(o, FUNNEL_LEVELS,
	                                                TANDEM__V1__SCOPE_LEVEL__EACH_SCHOOL, &q);
	if (rv != 0) {
		return rv;
	}
	req.query  = &q;
	req.period = (char *) (o->period ? o->period : "");
	if ((rv = analyze_call(c, o, &td_analysis_funnel_method, &req.base,
	                       (ProtobufCMessage **) &r))
	    != 0) {
		return rv;
	}
	int d = analyze_decimals(fabs(r->target));

	static const char *acols[] = { "measure", "period", "target",    "phi",
		                       "tau2",    "units",  "suppressed" };
	out_table *about = out_table_create("about", NCOLS(acols), acols);
	out_str(about, o->measure);
	out_str(about, r->period);
	analyze_num(about, false, r->target, d + 1);
	analyze_num(about, false, r->phi, 3);
	analyze_num(about, false, r->tau2, 6);
	out_int(about, r->units);
	out_int(about, r->suppressed);

	static const char *cols[]
	    = { "school",     "value",     "n",          "z",
		"z_adjusted", "lo95",      "hi95",       "lo998",
		"hi998",      "mlo95",     "mhi95",      "mlo998",
		"mhi998",     "outside95", "outside998", "suppressed" };
	out_table *t       = out_table_create("schools", NCOLS(cols), cols);
	int        outside = 0;
	for (size_t i = 0; i < r->n_rows; i++) {
		const Tandem__V1__FunnelUnit *w = r->rows[i];
		bool                          s = w->suppressed;
		out_str(t, w->school);
		analyze_num(t, s, w->value, d);
		analyze_n(t, s, w->n);
		analyze_num(t, s, w->z, 3);
		analyze_num(t, s, w->z_adjusted, 3);
		analyze_num(t, s, w->lo95, d);
		analyze_num(t, s, w->hi95, d);
		analyze_num(t, s, w->lo998, d);
		analyze_num(t, s, w->hi998, d);
		analyze_num(t, s, w->mlo95, d);
		analyze_num(t, s, w->mhi95, d);
		analyze_num(t, s, w->mlo998, d);
		analyze_num(t, s, w->mhi998, d);
		out_bool(t, w->outside95 && !s);
		out_bool(t, w->outside998 && !s);
		out_bool(t, s);
		outside += w->outside95 && !s;
	}
	char line[512];
	snprintf(line, sizeof(line),
	         "Funnel plot of %s in %s: target %.*f over %d schools; "
	         "overdispersion phi %.3f, tau2 %.3g; %d schools outside the "
	         "95%% limits (adjusted z beyond 1.96); %d suppressed.",
	         o->measure, r->period, d + 1, r->target, r->units, r->phi,
	         r->tau2, outside, r->suppressed);
	analyze_print(c, line, about, &t, 1);
	protobuf_c_message_free_unpacked(&r->base, NULL);
	return 0;
}
