/* SPDX-License-Identifier: MIT
 * tandem analyze: what its subcommands share. Options are parsed once into
 * analyze_opts (each subcommand accepts a subset), and a few output helpers
 * keep suppressed values, p-values, intervals and percentages printed the
 * same way in every table.
 */
#ifndef TD_CLI_ANALYZE_H
#define TD_CLI_ANALYZE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <getopt.h>

#include "cli.h"
#include "common.h"

/* Every option of every subcommand; a subcommand accepts a set of them,
 * as bits AO(x). */
enum analyze_opt_id {
	AO_MEASURE,
	AO_NETWORK,
	AO_DISTRICT,
	AO_SCHOOL,
	AO_EACH_SCHOOL,
	AO_EACH_DISTRICT,
	AO_GRAIN,
	AO_FROM,
	AO_TO,
	AO_SUBGROUP,
	AO_GRADE,
	AO_RULES,
	AO_BASELINE,
	AO_SPLIT_AT,
	AO_SVG,
	AO_CHART,
	AO_THRESHOLD,
	AO_COVARIATES,
	AO_PERSISTENCE,
	AO_REFERENCE,
	AO_SURVEY,
	AO_CONSTRUCT,
	AO_RUBRIC,
	AO_DUE_DAYS,
	AO_ACTIVITY,
	AO_ALL,
	AO_PRE,
	AO_POST,
	AO_DISCOUNT_RATE,
	AO_NO_DISCOUNT,
	AO_BASE_YEAR,
	AO_SEED,
	AO_BOOTSTRAP,
	AO_STUDENTS,
	AO_NO_SCREEN,
	AO_PERIOD,
	AO_YEAR,
	AO_LEVEL,
	AO_EXCLUDE,
	AO_ICONS_ONLY,
	AO_NOT_YET,
	AO_IMPACT,
	AO_APPROVED_ONLY,
	AO_BACKFILL,
	AO_COUNT
};
#define AO(x) (UINT64_C(1) << (AO_##x))

#define ANALYZE_MAX_COVARIATES 16
#define ANALYZE_MAX_EXCLUDE    64
#define ANALYZE_DATE_LEN       (COMMON_DATE_LEN + 1) /* and its NUL */

typedef struct analyze_opts {
	const char *sub; /* "run-chart", ... for messages */
	uint64_t    given; /* AO() bits of the options on the command line */
	const char *measure; /* as written, for titles and the ROI request */
	td_measure  mkey; /* --measure as the wire carries it */
	const char *district;
	const char *school;
	int         grain; /* Tandem__V1__Grain */
	const char *from;
	const char *to;
	const char *subgroup;
	const char *grade;
	int         rules; /* Tandem__V1__RuleSet */
	long        baseline;
	const char *split_at;
	const char *svg;
	const char *chart;
	double      threshold; /* 0 = the server's default */
	size_t      n_covariates;
	char       *covariates[ANALYZE_MAX_COVARIATES]; /* into covbuf */
	char        covbuf[1024];
	long        persistence; /* 0 = the server's default */
	const char *reference;
	const char *survey;
	const char *construct;
	const char *rubric;
	long        due_days; /* 0 = each measure's timely_days */
	const char *backfill; /* completeness: history before it is on time */
	const char *activity;
	char        pre[2][ANALYZE_DATE_LEN]; /* from, to */
	char        post[2][ANALYZE_DATE_LEN];
	double      discount_rate;
	long        base_year;
	uint64_t    seed;
	long        bootstrap;
	long        students;
	const char *period; /* academic year "2024-25"; funnel: any period */
	const char *year; /* academic year, "2024-25" */
	int         level; /* isolation: 0 school, 1 educator */
	const char *impact; /* roi: did | staggered */
	size_t      n_exclude;
	char       *exclude[ANALYZE_MAX_EXCLUDE]; /* into exclbuf */
	char        exclbuf[1024];
} analyze_opts;

/* analyze_given: whether option x was on the command line. */
#define analyze_given(o, x) (((o)->given & AO(x)) != 0)

/* The long options of every subcommand (getopt_long gives 256 + the
 * option's id) and an option's name by id (analyze_opts.c). */
extern const struct option analyze_lopts[];
const char                *analyze_opt_name(int id);
/* analyze_set_option checks and stores option id's value into o;
 * analyze_check_combinations refuses options that do not go together.
 * Both return 0 or the exit status of a usage error. */
int analyze_set_option(analyze_opts *o, int id, const char *arg);
int analyze_check_combinations(const analyze_opts *o);
/* analyze_measure: --measure as the wire carries it; NULL when not given
 * (the server then says a measure is required). */
Tandem__V1__MeasureKey *analyze_measure(const analyze_opts *o);
/* analyze_usage prints a usage problem of this subcommand; returns 2. */
int analyze_usage(const analyze_opts *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* analyze_scope resolves --network/--district/--school/--each-school/
 * --each-district into the query's level and code. allowed is a mask of
 * (1 << TANDEM__V1__SCOPE_LEVEL__x); when DISTRICT is not allowed,
 * --district D restricts EACH_SCHOOL to D's schools. With no scope option
 * the level is dflt. Prints a usage error and returns 2 on a conflict. */
int analyze_scope(const analyze_opts *o, unsigned allowed, int dflt,
                  Tandem__V1__SeriesQuery *q)
    __attribute__((warn_unused_result));
/* analyze_query fills a SeriesQuery (pointing into o) from the series
 * options; it returns 0 or a usage error (2). */
int analyze_query(const analyze_opts *o, unsigned allowed, int dflt,
                  Tandem__V1__SeriesQuery *q)
    __attribute__((warn_unused_result));

/* analyze_output_init sets the output format the cell helpers follow. */
void analyze_output_init(enum out_format fmt);

/* analyze_call sends one read-only Analysis request (retried a few times
 * when the server is unavailable). On failure it prints the status and
 * returns 1; on success 0 and *resp, owned by the caller. */
int analyze_call(cli *c, const analyze_opts *o, const td_method *method,
                 const ProtobufCMessage *req, ProtobufCMessage **resp)
    __attribute__((warn_unused_result));

/* analyze_print writes the result: in table format the line (a sentence
 * saying what was computed, may be NULL) and then the tables; in CSV and
 * JSON the about table (one row of the same facts) first, then the
 * tables. Destroys every table it is given. */
void analyze_print(cli *c, const char *line, out_table *about,
                   out_table **tables, size_t n);

/* Cells. A value the server marks suppressed prints "suppressed" (JSON
 * null), never 0; a value that is not available (NaN, or a flag said so)
 * prints "-" (JSON null). */
void analyze_num(out_table *t, bool suppressed, double v, int decimals);
void analyze_na(out_table *t, bool suppressed);
/* analyze_n: a count of people; 0 on a suppressed row means "withheld". */
void analyze_n(out_table *t, bool suppressed, int64_t n);
/* analyze_p: a p-value as "0.0123" or "<0.0001" (JSON: the number). */
void analyze_p(const cli *c, out_table *t, bool suppressed, double p);
/* analyze_pct: a percentage (0..100, as the server sends every rate and
 * share) with one decimal. */
void analyze_pct(out_table *t, bool suppressed, double v);

/* An estimate with its 95% interval: one cell "0.213 [0.051, 0.375]" in
 * table format, three numeric cells (name, name_low, name_high) in CSV and
 * JSON. analyze_ci_cols appends the column names to cols at *k. */
void analyze_ci_cols(const cli *c, const char **cols, size_t *k,
                     const char *name, const char *table_name);
void analyze_ci(const cli *c, out_table *t, bool suppressed, double est,
                double lo, double hi, int decimals);

/* analyze_decimals: 3 decimals for values under 10 in magnitude
 * (proportions, scale means), 2 above (scale scores, dollars). */
int analyze_decimals(double max_abs);

/* analyze_svg_path: FILE itself for one chart; for several, FILE with
 * "-UNIT" before its extension (chart.svg -> chart-S001.svg). Returns 0,
 * or 1 after a message when the name does not fit. */
int analyze_svg_path(const analyze_opts *o, const char *unit, bool several,
                     char *buf, size_t size)
    __attribute__((warn_unused_result));
/* analyze_svg_open / _close: create path for writing; close it, and on a
 * writer's error rv (a TD_E code) or a failed close print why, remove the
 * file and return 1. */
FILE *analyze_svg_open(const analyze_opts *o, const char *path);
int analyze_svg_close(const analyze_opts *o, const char *path, FILE *f, int rv)
    __attribute__((warn_unused_result));

/* Names for messages and about tables. */
const char *analyze_grain_name(int grain);
const char *analyze_rules_name(int rules);

/* The subcommands; each returns the exit status. */
int analyze_run_chart(cli *c, const analyze_opts *o);
int analyze_control_chart(cli *c, const analyze_opts *o);
int analyze_outliers(cli *c, const analyze_opts *o);
int analyze_positive_deviance(cli *c, const analyze_opts *o);
int analyze_compare(cli *c, const analyze_opts *o);
int analyze_variance(cli *c, const analyze_opts *o);
int analyze_reliability(cli *c, const analyze_opts *o);
int analyze_agreement(cli *c, const analyze_opts *o);
int analyze_completeness(cli *c, const analyze_opts *o);
int analyze_roi(cli *c, const analyze_opts *o);
int analyze_mdc(cli *c, const analyze_opts *o);
int analyze_funnel(cli *c, const analyze_opts *o);
int analyze_impact(cli *c, const analyze_opts *o);

#endif /* TD_CLI_ANALYZE_H */
