/* SPDX-License-Identifier: MIT
 * The MDC icon matrix of every school, kept per school: Analysis/Mdc's
 * icons-only answer over every school by month (analysis_mdc.c) is kept
 * per (measure, options) as one row per school (its school months' values,
 * each point's disclosure state, its answer row), and after a write only
 * what changed is read and computed again:
 * - the schools whose outcomes a write changed, by any instance (the
 *   outcome change log, sql/022) are read again (store_school_months);
 * - disclosure states are kept under the lattice's stamps (one generation
 *   per decided academic year, analysis_disclosure.c): the points of the
 *   years decided again are walked again, and a school whose states
 *   changed (complementary suppression reaches across schools) is
 *   computed again from its kept values.
 * The rows are what a fresh computation gives, byte for byte (the same
 * reads, sums, disclosure walk and analysis_mdc_row); the first call for
 * a key computes every school (integration.icons compares kept and fresh
 * answers after writes through another instance).
 */
#include <stdlib.h>

#include "analysis_icons.h"
#include "config.h"
#include "store/store_analysis.h"

/* cold reads and computes every school. */
static int
cold(rpc_call *call, const Tandem__V1__MdcRequest *in, const series_spec *spec,
     const store_measure_meta *meta, const char *key, uint64_t version,
     const char *snapshot, icon_set **out)
{
	series_spec sp = *spec;
	series     *ss;
	size_t      ns;
	icon_set   *S = NULL;
	int         code;
	bool        bad = false;
	*out            = NULL;
	sp.stamps       = rpc_arena_alloc(call->arena, sizeof(*sp.stamps));
	if (sp.stamps == NULL) {
		return analysis_icons_oom(call);
	}
	if ((code = analysis_load(call, in->query, &sp, &ss, &ns))
	    != TD_CODE_OK) {
		return code;
	}
	if ((S = analysis_icons_set_new(key, version, snapshot, ns)) == NULL) {
		return analysis_icons_oom(call);
	}
	S->stamps = *sp.stamps;
	S->meta   = *meta;
	for (size_t k = 0; k < ns; k++) {
		icon_row *r = analysis_icons_row_of(call, spec, meta, in,
		                                    &ss[k], &bad);
		if (r == NULL) {
			analysis_icons_set_free(S);
			return bad ? ANALYSIS_ICONS_UNKEPT
			           : analysis_icons_oom(call);
		}
		analysis_icons_set_add(S, r);
	}
	S->bytes += sizeof(*S);
	*out = S;
	return TD_CODE_OK;
}

bool
analysis_icons_kept(const Tandem__V1__MdcRequest *in, const series_spec *spec)
{
	return in->icons_only && in->n_rebase_at == 0 && !spec->survey
	    && spec->level == 's' && spec->unit == NULL && spec->grain == 'm'
	    && !in->query->approved_only;
}

static bool
same_meta(const store_measure_meta *a, const store_measure_meta *b)
{
	return a->direction == b->direction && a->has_target == b->has_target
	    && (!a->has_target || a->target == b->target);
}

int
analysis_icons(rpc_call *call, const Tandem__V1__MdcRequest *in,
               const series_spec *spec, const store_measure_meta *meta,
               analysis_icon_rows *out)
{
	const Tandem__V1__SeriesQuery *q = in->query;
	bool  admin                      = call->who.role == RPC_ROLE_ADMIN;
	char *key                        = rpc_arena_printf(
	                           call->arena, "%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%d\x1f%d\x1f%d\x1f%d",
	                           spec->measure, q->subgroup,
            spec->district ? spec->district : "\x1e", q->from, q->to,
	                           (int) in->fix_after, (int) in->no_screen, (int) admin,
	                           call->cfg->min_n);
	uint64_t  version = store_data_version(); /* before any read */
	icon_set *base, *S;
	int       code = TD_CODE_OK;
	if (key == NULL) {
		return analysis_icons_oom(call);
	}
	S = analysis_icons_cache_get(key, version, &base);
	if (S != NULL && !same_meta(&S->meta, meta)) {
		base = S; /* the measure's direction or target changed */
		S    = NULL;
	}
	if (S == NULL) {
		store_school_change ch;
		bool keep = base != NULL && same_meta(&base->meta, meta);
		int  rv
		    = store_school_changes(call->store, spec->measure,
		                           keep ? base->snapshot : NULL, &ch);
		if (rv != TD_OK) {
			analysis_icons_set_release(base);
			return analysis_db_fail(call, rv);
		}
		if (keep && !ch.all) {
			if (ch.n > 1) {
				qsort(ch.codes, ch.n, sizeof(*ch.codes),
				      analysis_icons_by_code);
			}
			code = analysis_icons_patch(call, in, spec, meta, base,
			                            &ch, version, &S);
		}
		if (code == TD_CODE_OK && S == NULL) {
			code = cold(call, in, spec, meta, key, version,
			            ch.snapshot, &S);
		}
		free(ch.codes);
		analysis_icons_set_release(base);
		if (code != TD_CODE_OK) {
			return code;
		}
		analysis_icons_cache_put(S);
	}
	out->rows
	    = rpc_arena_alloc(call->arena, (S->n ? S->n : 1) * sizeof(void *));
	out->n       = 0;
	out->primary = out->complementary = 0;
	out->rv                           = TD_OK;
	for (size_t i = 0; out->rows != NULL && i < S->n; i++) {
		const icon_row        *r = S->rows[i];
		Tandem__V1__MdcSeries *o
		    = RPC_NEW(call->arena, Tandem__V1__MdcSeries,
		              tandem__v1__mdc_series__init);
		if (o == NULL) {
			break;
		}
		*o           = r->row;
		o->unit      = rpc_arena_strdup(call->arena, r->unit);
		o->label     = o->unit;
		o->note      = r->row.note[0]
		         ? rpc_arena_strdup(call->arena, r->row.note)
		         : (char *) "";
		o->icon_note = rpc_arena_strdup(call->arena, r->row.icon_note);
		if (o->unit == NULL || o->note == NULL
		    || o->icon_note == NULL) {
			break;
		}
		out->primary += r->n_primary;
		out->complementary += r->n_complementary;
		out->rv             = r->rv;
		out->rows[out->n++] = o;
	}
	bool whole = out->rows != NULL && out->n == S->n;
	analysis_icons_set_release(S);
	return whole ? TD_CODE_OK : analysis_icons_oom(call);
}
