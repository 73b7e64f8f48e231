/* SPDX-License-Identifier: MIT
 * Analysis/Outliers: the outlier screen of submitted values (z and
 * modified z) over every school of the scope.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "config.h"
#include "services.h"
#include "stats/charts/stats_outliers.h"

int
analysis_outliers(rpc_call *call, const ProtobufCMessage *req,
                  ProtobufCMessage **resp)
{
	const Tandem__V1__OutliersRequest *in = (const void *) req;
	series_spec                        spec;
	series                            *ss;
	size_t                             ns, total = 0;
	int                                code;
	if (!analysis_spec(call, in->query, &spec)) {
		return call->code;
	}
	/* Submitted values are school-level: screen every school's values
	 * in the scope together. */
	if (spec.level != 's') {
		spec.district = spec.level == 'd' ? spec.unit : NULL;
		spec.unit     = NULL;
		spec.level    = 's';
	}
	if ((code = analysis_load(call, in->query, &spec, &ss, &ns))
	    != TD_CODE_OK) {
		return code;
	}
	for (size_t k = 0; k < ns; k++) {
		total += ss[k].n;
	}
	double *x = rpc_arena_alloc(call->arena, (total + 1) * sizeof(double));
	size_t *own
	    = rpc_arena_alloc(call->arena, (total + 1) * sizeof(size_t));
	size_t *idx
	    = rpc_arena_alloc(call->arena, (total + 1) * sizeof(size_t));
	if (x == NULL || own == NULL || idx == NULL) {
		return rpc_fail(call, TD_CODE_RESOURCE_EXHAUSTED,
		                "out of memory");
	}
	Tandem__V1__OutliersResponse *out
	    = RPC_NEW(call->arena, Tandem__V1__OutliersResponse,
	              tandem__v1__outliers_response__init);
	size_t m = 0;
	for (size_t k = 0; k < ns; k++) {
		for (size_t i = 0; i < ss[k].n; i++) {
			x[m]     = ss[k].value[i];
			own[m]   = k;
			idx[m++] = i;
			out->suppressed += ss[k].suppressed[i];
		}
	}
	stats_outliers_result r;
	char                  err[TD_ERRMSG_MAX];
	int rv = stats_outliers(x, m, in->threshold > 0 ? in->threshold : 0,
	                        &r, err);
	if (rv != TD_OK) {
		return analysis_stats_fail(call, rv, "outliers", err);
	}
	out->measure = rpc_arena_strdup(call->arena, spec.measure);
	out->checked = (int32_t) r.n_used;
	out->rows    = rpc_arena_alloc(
	       call->arena, (r.n_flag_z + r.n_flag_mod_z + 1) * sizeof(void *));
	for (size_t j = 0; out->rows && j < m; j++) {
		if (r.missing[j] || !(r.flag_z[j] || r.flag_mod_z[j])) {
			continue;
		}
		const series           *s = &ss[own[j]];
		Tandem__V1__OutlierRow *o
		    = RPC_NEW(call->arena, Tandem__V1__OutlierRow,
		              tandem__v1__outlier_row__init);
		o->school         = (char *) s->unit;
		o->period         = (char *) analysis_label(call, spec.grain,
		                                            s->pts[idx[j]].period);
		o->subgroup       = in->query->subgroup;
		o->value          = x[j];
		o->n              = (int64_t) llround(s->people[idx[j]]);
		o->z              = r.has_z ? r.z[j] : 0;
		o->modified_z     = r.has_mod_z ? r.mod_z[j] : 0;
		o->has_modified_z = r.has_mod_z;
		o->flagged        = true;
		out->rows[out->n_rows++] = o;
	}
	stats_outliers_result_free(&r);
	return analysis_reply(call, &out->base, &out->disclosure,
	                      analysis_series_disclosure(call, ss, ns),
	                      (int64_t) m, resp);
}
