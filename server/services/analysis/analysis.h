/* SPDX-License-Identifier: MIT
 * What the Analysis methods share: reading a measure's rollup series for a
 * scope, turning rollup sums into values and people counts, small-cell
 * suppression, and period labels.
 */
#ifndef TD_ANALYSIS_H
#define TD_ANALYSIS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common.h"
#include "rpc/rpc.h"
#include "stats/impact/stats_staggered.h"
#include "store/store.h"
#include "store/store_analysis.h"
#include "tandem/v1/analysis.pb-c.h"

/* The academic years of a measure's disclosure lattice that one
 * analysis_disclose walk used, each with the generation of its decided
 * component: components are immutable, and a year decided again gets a
 * new generation, so equal stamps mean equal states (analysis_icons.c
 * keeps states per school under them). */
#define ANALYSIS_STAMPS_MAX 64
typedef struct analysis_stamps {
	size_t   n;
	bool     overflow; /* more years than kept: compare as changed */
	int      year[ANALYSIS_STAMPS_MAX];
	uint64_t gen[ANALYSIS_STAMPS_MAX];
} analysis_stamps;

typedef struct series_spec {
	char        measure[200]; /* rollup key */
	bool        survey; /* a survey construct */
	bool        favourable; /* percent favourable instead of the mean */
	bool        lower_better;
	char        grain; /* 'w', 'm', 't', 'y' */
	char        level; /* 's', 'd', 'n' */
	const char *unit; /* one unit, or NULL for every unit of level */
	const char *district; /* EACH_SCHOOL within a district */
	/* every school's values of an outcome measure by term or year are
	 * all the caller uses (not wsumsq, fav, items, received): read
	 * them lean (store_school_values) */
	bool lean;
	/* when set, analysis_disclose writes the lattice's stamps here */
	analysis_stamps *stamps;
} series_spec;

/* One unit's series, values already derived. */
typedef struct series {
	const char        *unit;
	size_t             n;
	const store_point *pts; /* n rollup rows */
	double            *value; /* NaN when suppressed */
	double            *people;
	bool              *suppressed;
	uint8_t           *reason; /* enum stats_disc_state per point */
	size_t             n_suppressed;
	size_t             n_primary, n_complementary;
} series;

/* analysis_spec checks the query (given, measure exists, grain fits it, scope
 * has its code) and fills spec; on failure the call's status is set and
 * false returned. */
bool analysis_spec(rpc_call *call, const Tandem__V1__SeriesQuery *q,
                   series_spec *spec);
/* analysis_load reads the rollups of spec within the query's dates and
 * splits them into per-unit series (arena memory). */
int analysis_load(rpc_call *call, const Tandem__V1__SeriesQuery *q,
                  const series_spec *spec, series **out, size_t *n_series);
/* analysis_value: the point's value (mean, or % favourable). */
double analysis_value(const series_spec *spec, const store_point *p);
/* analysis_people: people behind the point. */
double analysis_people(const series_spec *spec, const store_point *p);
/* analysis_suppress: true when people < min_n for a caller who is not an
 * admin. */
bool analysis_suppress(const rpc_call *call, double people);
/* analysis_disclose applies disclosure control to the loaded series: it
 * reads every cell of the measure (all units, periods and groups, whatever
 * was asked), chooses the suppressed cells with stats_disclose, and marks
 * each point with its disclosure n (people), suppressed and reason. An
 * admin sees every value, with the same n. Sets the status on failure. */
int analysis_disclose(rpc_call *call, const Tandem__V1__SeriesQuery *q,
                      const series_spec *spec, series *ss, size_t ns);
/* analysis_disclosure_msg: the answer's Disclosure summary for primary and
 * complementary counts (arena memory; NULL when out of memory). */
Tandem__V1__Disclosure *analysis_disclosure_msg(rpc_call *call, size_t primary,
                                                size_t complementary);
/* analysis_series_disclosure sums the counts of ns series. */
Tandem__V1__Disclosure *
analysis_series_disclosure(rpc_call *call, const series *ss, size_t ns);
/* analysis_label writes the period label for a period start. */
const char *analysis_label(rpc_call *call, char grain, const char *start);
/* analysis_period_index: the index of the point of s whose label or start
 * is period, or -1 when s has no such point. */
long analysis_period_index(rpc_call *call, const series_spec *spec,
                           const series *s, const char *period);
/* analysis_scope_school: may the caller read school code's data? A
 * district client may read its district's schools, a school client its
 * own. False sets PERMISSION_DENIED (or a store error). */
bool analysis_scope_school(rpc_call *call, const char *school);
/* analysis_scope_district: may the caller read district code's data? */
bool analysis_scope_district(rpc_call *call, const char *district);
/* analysis_db_fail maps a store error onto the call. */
int analysis_db_fail(rpc_call *call, int rv);
/* The key of an outcome measure named by a record's registry code. */
typedef struct analysis_key {
	Tandem__V1__MeasureKey key;
} analysis_key;

/* analysis_key_outcome makes k->key the key of outcome measure code, as
 * records name one (a PDSA cycle, an outcome row): no grammar is read. */
void analysis_key_outcome(analysis_key *k, const char *code);

/* analysis_outcome_code is the code of an outcome measure key (what PDSA
 * cycles aim at); NULL after failing the call with INVALID_ARGUMENT on
 * field "measure" when key is unset (and required) or a survey measure.
 * Unset and not required: "". */
const char *analysis_outcome_code(rpc_call                     *call,
                                  const Tandem__V1__MeasureKey *key,
                                  bool                          required);

/* analysis_reply ends every Analysis reply out: its disclosure summary d
 * goes into *disclosure (out's field), the records read into the call's
 * log, out into *resp. A NULL d (out of memory) fails the call with
 * RESOURCE_EXHAUSTED: no reply goes out without its disclosure. */
int analysis_reply(rpc_call *call, ProtobufCMessage *out,
                   Tandem__V1__Disclosure **disclosure,
                   Tandem__V1__Disclosure *d, int64_t records,
                   ProtobufCMessage **resp);

/* analysis_stats_fail fails the call with a statistic's error: the code
 * through td_code_from_err (the one map), the message "what: msg". */
int analysis_stats_fail(rpc_call *call, int rv, const char *what,
                        const char *msg);

/* The staggered-adoption estimate of an activity's impact on a measure
 * over the schools' academic years (Analysis/Impact and Roi with the
 * staggered impact). */
typedef struct analysis_cs {
	stats_cs_result r; /* owned when rv == TD_OK: stats_cs_result_free */
	int             rv; /* stats_cs's return */
	char            err[TD_ERRMSG_MAX];
	const char    **per; /* np academic-year starts, arena */
	size_t          np, ns;
	int32_t         treated_before, suppressed;
	double          pre_sd; /* SD across schools of the first year */
	Tandem__V1__Disclosure *disclosure; /* of the school-years read */
	char                    measure[200];
} analysis_cs;

/* analysis_staggered reads the measure's academic-year values of every
 * school and the activity's adoption years and runs stats_cs; returns
 * an rpc status code (data errors of the estimate itself are in cs->rv
 * and cs->err, for the caller to report). */
int analysis_staggered(rpc_call *call, const Tandem__V1__MeasureKey *measure,
                       const char *activity, const char *from, const char *to,
                       bool not_yet, analysis_cs *cs);

/* The registry's schools as the analyses across schools use them: one
 * snapshot per data version, shared by the workers and immutable. */
typedef struct analysis_school {
	int64_t     id;
	const char *code, *district, *name, *locale; /* "" unknown */
	double      frl, enrollment; /* NaN unknown */
} analysis_school;
typedef struct analysis_registry analysis_registry;

/* analysis_registry_get gives the snapshot of the current data version
 * (read again when fresh, or when none is current); the caller releases
 * it with analysis_registry_release and copies into its arena whatever
 * of it goes into a reply. Sets the status on failure. */
int  analysis_registry_get(rpc_call *call, bool fresh,
                           const analysis_registry **out);
void analysis_registry_release(const analysis_registry *R);
/* analysis_registry_id: the school of id, or NULL. */
const analysis_school *analysis_registry_id(const analysis_registry *R,
                                            int64_t                  id);
/* analysis_registry_match fills school[u] with the school of ss[u].unit
 * (NULL when unknown); ss in unit code order, as analysis_load gives. */
void analysis_registry_match(const analysis_registry *R, const series *ss,
                             size_t ns, const analysis_school **school);

/* analysis_why_hidden: why unit s's point of period is hidden (or any
 * point when period is NULL: a primary reason wins), as a
 * STATS_DISC_* reason. */
uint8_t analysis_why_hidden(const series *s, const char *period);

#endif /* TD_ANALYSIS_H */
