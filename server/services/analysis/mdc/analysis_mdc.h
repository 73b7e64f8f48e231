/* SPDX-License-Identifier: MIT
 * The MDC family of the Analysis service: Analysis/Mdc (analysis_mdc.c)
 * and the icon matrix of every school kept per school (analysis_icons.c),
 * which computes its rows as Analysis/Mdc does.
 */
#ifndef TD_ANALYSIS_MDC_H
#define TD_ANALYSIS_MDC_H

#include <stdbool.h>
#include <stddef.h>

#include "analysis.h"
#include "store/store_analysis.h"

/* analysis_mdc_row computes series s's answer row as Analysis/Mdc does
 * (points only when the request asks for them; rebases at[0..n_rebase)):
 * arena memory, NULL when out of memory. A series whose chart cannot be
 * drawn gets the reason as its note, and stats_mdc's code in *rv (TD_OK
 * otherwise) and the reason in err (TD_ERRMSG_MAX bytes). */
Tandem__V1__MdcSeries *analysis_mdc_row(rpc_call                     *call,
                                        const series_spec            *spec,
                                        const store_measure_meta     *meta,
                                        const Tandem__V1__MdcRequest *in,
                                        const series *s, const size_t *at,
                                        size_t n_rebase, int *rv, char *err);

/* The icons-only rows of every school of an outcome measure by month
 * (analysis_icons.c), kept per school and computed again only where a
 * write changed a school's data or its points' disclosure states. */
typedef struct analysis_icon_rows {
	Tandem__V1__MdcSeries **rows; /* arena */
	size_t                  n;
	size_t                  primary, complementary; /* hidden points */
	int rv; /* the last row's stats_mdc code (one row: its error) */
} analysis_icon_rows;
/* analysis_icons_kept: is this request's answer kept per school? */
bool analysis_icons_kept(const Tandem__V1__MdcRequest *in,
                         const series_spec            *spec);
/* analysis_icons gives the rows (a status code; the call's status set on
 * failure), or ANALYSIS_ICONS_UNKEPT when they cannot be kept (a period
 * that is not a month start): then compute them as for any request. */
#define ANALYSIS_ICONS_UNKEPT (-1)
int analysis_icons(rpc_call *call, const Tandem__V1__MdcRequest *in,
                   const series_spec *spec, const store_measure_meta *meta,
                   analysis_icon_rows *out);

#endif /* TD_ANALYSIS_MDC_H */
