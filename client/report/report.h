/* SPDX-License-Identifier: MIT
 * tandem report: one self-contained HTML page for a council meeting,
 * built from the same Analysis calls the CLI makes (so its numbers are the
 * CLI's JSON numbers) and drawn with the rendering module. What a section
 * cannot get (the caller's role does not allow it, or the server does not
 * offer it) is said in the section, never made up.
 */
#ifndef TANDEM_REPORT_H
#define TANDEM_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "figures.h"

#define REPORT_MAX_MEASURES 16
#define REPORT_MAX_SCHOOLS  4096
#define REPORT_MAX_SPANS    24 /* PDSA cycles drawn on one chart */

typedef struct report_opts {
	const char *title; /* NULL = "Network report" */
	const char *period; /* academic year "2025-26", NULL = all data */
	const char *district; /* one district's schools, or NULL */
	const char *school; /* one school against the network, or NULL */
	size_t      n_measures; /* 0 = every outcome measure */
	const char *measures[REPORT_MAX_MEASURES];
	const char *roi_measure; /* NULL = the first measure */
	const char *pre_from, *pre_to, *post_from,
	    *post_to; /* NULL: derived */
	const char
	    *generated; /* "2026-12-06 10:00 UTC" (the caller's clock) */
	/* Only approved months (Review): the monthly outcome analyses ask
	 * for approved_only; what has no approved-only mode is left out. */
	bool        approved_only;
	const char *backfill; /* reporting rates: history before is on time */
} report_opts;

/* One call's outcome for a section: OK, or why there is nothing. */
typedef struct report_call {
	int  code; /* TD_CODE_* */
	char message[1100];
} report_call;

/* Everything the page shows, fetched before anything is written. */
typedef struct report_measure_data {
	figure_measure m;
	int            baseline; /* run charts: centre on the first k points */
	Tandem__V1__SeriesResponse *main; /* network / district / school */
	report_call                 main_st;
	Tandem__V1__SeriesResponse *network; /* with --school */
	report_call                 network_st;
	Tandem__V1__SeriesResponse *each; /* every school */
	report_call                 each_st;
	Tandem__V1__PositiveDevianceResponse *pd;
	report_call                           pd_st;
	Tandem__V1__MdcResponse              *mdc_main; /* as main */
	report_call                           mdc_main_st;
	Tandem__V1__MdcResponse              *mdc_each; /* every school */
	report_call                           mdc_each_st;
	Tandem__V1__ListPdsaCyclesResponse   *pdsa; /* the measure\'s cycles */
	report_call                           pdsa_st;
	Tandem__V1__FunnelResponse   *funnel; /* every school, one period */
	report_call                   funnel_st;
	Tandem__V1__DiscoverResponse *discover; /* PDI "discover" */
	report_call                   discover_st;
} report_measure_data;

typedef struct report_data {
	const report_opts                   *o;
	Tandem__V1__ListInstrumentsResponse *reg;
	report_call                          reg_st;
	Tandem__V1__ListSchoolsResponse     *schools;
	report_call                          schools_st;
	figure_names                         names;
	size_t                               n_measures;
	report_measure_data                  md[REPORT_MAX_MEASURES];
	/* per survey and rubric of the registry */
	Tandem__V1__ReliabilityResponse  **rel;
	report_call                       *rel_st;
	Tandem__V1__AgreementResponse    **agr;
	report_call                       *agr_st;
	Tandem__V1__CompletenessResponse **rates;
	report_call                       *rates_st;
	Tandem__V1__RoiResponse           *roi;
	report_call                        roi_st;
	figure_measure                     roi_m;
	char pre[2][16], post[2][16]; /* the ROI periods used */
	char from[16], to[16]; /* the period's bounds, "" = open */
	Tandem__V1__IsolationResponse *isolation; /* schools, the year */
	report_call                    isolation_st;
	/* DHIS2 reporting rates of the outcome measures */
	Tandem__V1__CompletenessResponse *reporting;
	report_call                       reporting_st;
} report_data;

/* report_fetch makes every call; a failed call is recorded in its
 * section's report_call, and only a failure to reach the server at all
 * (or no memory) is an error: TD_EUNAVAIL or TD_ENOMEM with why in err. */
int report_fetch(td_client *c, const report_opts *o, report_data *d, char *err,
                 size_t errlen) __attribute__((warn_unused_result));
void report_data_free(report_data *d);

/* report_write writes the page. Returns 0, or TD_EIO. */
int report_write(FILE *out, const report_data *d)
    __attribute__((warn_unused_result));

/* Sections (report_sections.c, report_network.c). */
void report_summary(FILE *f, const report_data *d);
void report_matrix(FILE *f, const report_data *d);
void report_charts(FILE *f, const report_data *d);
void report_learning(FILE *f, const report_data *d);
void report_instruments(FILE *f, const report_data *d);
void report_roi(FILE *f, const report_data *d);
/* Reporting rates (report_network.c), in "Instruments and reporting". */
void report_reporting(FILE *f, const report_data *d);
/* report_not_approved records, in st, that a section is left out of an
 * approved-only report because its analysis has no approved-only mode. */
void report_not_approved(report_call *st, const char *what);

/* Improvement work (report_improve.c): its calls, and its parts of
 * "Learning from the network". */
void report_fetch_improve(td_client *c, report_data *d);
void report_discover(FILE *f, const report_data *d);
void report_isolation(FILE *f, const report_data *d);

/* Shared by the sections. */
/* report_note records the outcome of one typed call (code and status s,
 * which it resets) in st: a failed call is not an error for the report,
 * its section says what is unavailable. Returns code. */
int report_note(report_call *st, int code, td_status *s);
/* report_measure_key: the wire form of a measure as the report names it
 * (report.c; a small ring of keys, a few alive at once). */
Tandem__V1__MeasureKey *report_measure_key(const char *measure);
void report_unavailable(FILE *f, const char *what, const report_call *st);
/* A measure's heading text: "Name" and the code in small type. */
void report_measure_heading(FILE *f, const char *tag, const figure_measure *m,
                            const char *id);
/* decimals for values of this magnitude (as the CLI prints them) */
int report_decimals(double max_abs);

#endif /* TANDEM_REPORT_H */
