/* SPDX-License-Identifier: MIT
 * tandem analyze: the subcommand table with each one's help, and the
 * command (option parsing with every check that needs no server: dates,
 * measures, ranges, conflicting scopes, in analyze_opts.c). The analyses are
 * in cmd_analyze_series.c, cmd_analyze_network.c and cmd_analyze_roi.c; shared
 * output helpers in cmd_analyze_output.c.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_analyze.h"
#include "cmd_improve.h"

#define SERIES_OPTS                                                           \
	(AO(MEASURE) | AO(NETWORK) | AO(DISTRICT) | AO(SCHOOL)                \
	 | AO(EACH_SCHOOL) | AO(EACH_DISTRICT) | AO(GRAIN) | AO(FROM)         \
	 | AO(TO) | AO(SUBGROUP) | AO(GRADE) | AO(APPROVED_ONLY))

#define SERIES_HELP                                                           \
	"Series options:\n"                                                   \
	"  --measure M         required: an outcome code (ela_scale) or a "   \
	"survey\n"                                                            \
	"                      construct, survey:SURVEY/CONSTRUCT:mean or\n"  \
	"                      survey:SURVEY/CONSTRUCT:favourable\n"          \
	"  --network           all schools pooled (the default)\n"            \
	"  --district D        district D pooled\n"                           \
	"  --school S          school S alone\n"                              \
	"  --each-school       every school side by side (with --district "   \
	"D: D's)\n"                                                           \
	"  --each-district     every district side by side\n"                 \
	"  --grain G           month|week|term|year (default month; terms "   \
	"are Aug-Dec\n"                                                       \
	"                      and Jan-Jul, years Aug 1 - Jul 31)\n"          \
	"  --from YYYY-MM-DD   first day, inclusive (default: the first "     \
	"data)\n"                                                             \
	"  --to YYYY-MM-DD     last day, inclusive (default: the last "       \
	"data)\n"                                                             \
	"  --subgroup G        outcomes: one student subgroup (default "      \
	"all)\n"                                                              \
	"  --grade G           surveys: one grade (default all grades)\n"     \
	"  --approved-only     outcomes by month: only months approved at "   \
	"the\n"                                                               \
	"                      series' level or above (tandem approve)\n"

#define RULES_HELP                                                            \
	"  --rules R           anhoj|ihi|nhs (default anhoj: long runs and "  \
	"too few\n"                                                           \
	"                      crossings; ihi: shifts of 6 and trends of 5; " \
	"nhs: runs\n"                                                         \
	"                      and trends of 7, 2 of 3 near a limit)\n"       \
	"  --baseline K        freeze the centre on the first K points "      \
	"(default: all)\n"                                                    \
	"  --split-at PERIOD   a change happened at PERIOD (e.g. 2024-09), "  \
	"or at the\n"                                                         \
	"                      start of PDSA cycle CODE (cycle:CODE): "       \
	"separate\n"                                                          \
	"                      centres before and after\n"                    \
	"  --exclude P1,P2     leave these periods out of the centre (and "   \
	"limits),\n"                                                          \
	"                      but draw them and test them against it\n"

#define SVG_SERIES_HELP                                                       \
	"  --svg FILE          also draw the chart as SVG; with several "     \
	"series, one\n"                                                       \
	"                      file each, named FILE-UNIT.svg "               \
	"(chart-S001.svg)\n"

#define OUTPUT_HELP                                                           \
	"\nOutput in the global --format (table|csv|json). A value over "     \
	"fewer than the\nserver's min_n people prints \"suppressed\" "        \
	"(null in JSON), never 0; a\nvalue that cannot be computed prints "   \
	"\"-\" (null).\n"

typedef struct analyze_sub {
	const char *name;
	uint64_t    accepts;
	uint64_t    needs; /* options that must be given */
	int (*run)(cli *c, const analyze_opts *o);
	const char *summary;
	const char *help;
} analyze_sub;

static const analyze_sub subs[] = {
	{ "run-chart",
	  SERIES_OPTS | AO(RULES) | AO(BASELINE) | AO(SPLIT_AT) | AO(EXCLUDE)
	      | AO(SVG),
	  AO(MEASURE), analyze_run_chart,
	  "a run chart of a measure, with run rules",
	  "usage: tandem analyze run-chart --measure M [options]\n\n"
	  "A run chart per series: each point with its n and the median, "
	  "then the\nsignals (unusually long runs, too few crossings, shifts, "
	  "trends) and a\nsummary per series. Suppressed points are left out "
	  "of the median and the\nrules, and counted.\n\n" SERIES_HELP
	  "\nRun chart options:\n" RULES_HELP SVG_SERIES_HELP OUTPUT_HELP },
	{ "control-chart",
	  SERIES_OPTS | AO(CHART) | AO(RULES) | AO(BASELINE) | AO(SPLIT_AT)
	      | AO(EXCLUDE) | AO(SVG),
	  AO(MEASURE), analyze_control_chart,
	  "a Shewhart control chart (i, mr, p, p', u, u', c)",
	  "usage: tandem analyze control-chart --measure M [--chart C] "
	  "[options]\n\n"
	  "A control chart per series: each point with its centre and 3-sigma "
	  "limits;\npoints outside the limits and the run rules are signals "
	  "(no run rules on\nMR charts).\n\n" SERIES_HELP
	  "\nControl chart options:\n"
	  "  --chart C           i|mr|p|pp|u|up|c|xbar|s (default i): "
	  "individuals,\n"
	  "                      moving range, proportion, Laney p', rate, "
	  "Laney u',\n"
	  "                      count; xbar and s chart a survey "
	  "construct's mean\n"
	  "                      and SD with each period's respondents as "
	  "the subgroup\n" RULES_HELP SVG_SERIES_HELP OUTPUT_HELP },
	{ "mdc",
	  SERIES_OPTS | AO(BASELINE) | AO(SPLIT_AT) | AO(NO_SCREEN)
	      | AO(ICONS_ONLY),
	  AO(MEASURE), analyze_mdc,
	  "Making Data Count XmR chart with variation and assurance icons",
	  "usage: tandem analyze mdc --measure M [options]\n\n"
	  "NHS Making Data Count's XmR chart per series: mean, process "
	  "limits at\nmean +- 2.66 x the mean moving range (moving ranges "
	  "of 3.267 x their mean\nor more screened out), near-limit lines at "
	  "two-thirds of that, and each\npoint's special cause (beyond a "
	  "limit; a trend of 7; 2 of 3 near a limit on\none side; 7 or more "
	  "on one side of the mean). Per series the variation\nicon of the "
	  "latest point (improvement, concern, common, or neutral for a\n"
	  "measure without direction) and the assurance icon against the "
	  "measure's\ntarget (consistent_pass, consistent_fail, "
	  "inconsistent); fewer than 12\npoints give no icons, with the "
	  "reason. With --each-school: the icon\nmatrix.\n\n" SERIES_HELP
	  "\nMDC options:\n"
	  "  --baseline K        limits from the first K points "
	  "(fix_after_n_points)\n"
	  "  --split-at PERIOD   rebase: new limits from PERIOD on\n"
	  "  --no-screen         keep large moving ranges in the mean "
	  "moving range\n"
	  "  --icons-only        only the icons table (no points): the "
	  "icon matrix\n" OUTPUT_HELP },
	{ "funnel", SERIES_OPTS | AO(PERIOD), AO(MEASURE), analyze_funnel,
	  "funnel plot: schools of very different sizes on one period",
	  "usage: tandem analyze funnel --measure M [--period P] "
	  "[options]\n\n"
	  "The schools' values of one period (default: the latest) against "
	  "the pooled\ntarget, with 95% and 99.8% limits by n "
	  "(Spiegelhalter 2005). Overdispersion\nfrom z-scores winsorised "
	  "at their 10th and 90th percentiles: the\nmultiplicative phi and "
	  "the additive tau2; a school is outside when beyond\nthe additive "
	  "limits (its adjusted z beyond 1.96 or 3.09). For proportion "
	  "and\npercent measures, survey :favourable, and scale scores "
	  "submitted with SDs\n(sampling variance sd^2/n). Scope: every "
	  "school (--district D: D's).\n\n" SERIES_HELP "\nFunnel options:\n"
	  "  --period P          the period (label, e.g. 2025-26, or "
	  "start)\n" OUTPUT_HELP },
	{ "outliers", SERIES_OPTS | AO(THRESHOLD), AO(MEASURE),
	  analyze_outliers,
	  "submitted values far from the rest (z, modified z)",
	  "usage: tandem analyze outliers --measure M [--threshold Z] "
	  "[options]\n\n"
	  "Checks submitted values of the schools in scope: z-score and "
	  "modified\nz-score 0.6745*|x - median|/MAD; a value beyond the "
	  "threshold is flagged,\nso a mistyped number is caught before it "
	  "moves a chart.\n\n" SERIES_HELP "\nOutlier options:\n"
	  "  --threshold Z       flag beyond Z (default 3.0)\n" OUTPUT_HELP },
	{ "positive-deviance",
	  SERIES_OPTS | AO(COVARIATES) | AO(THRESHOLD) | AO(PERSISTENCE)
	      | AO(SVG),
	  AO(MEASURE), analyze_positive_deviance,
	  "schools doing better than their context predicts",
	  "usage: tandem analyze positive-deviance --measure M [options]\n\n"
	  "Regresses each school's latest value on its context (weighted by "
	  "n) and\nranks schools by their shrunken residual: a school is "
	  "flagged when its\nstudentized residual is beyond the threshold and "
	  "its shrunken residual\nabove 0, with n >= min_n. Persistence: in "
	  "how "
	  "many of the last K periods\nit was flagged. Scope: every school "
	  "(--district D: D's schools).\n\n" SERIES_HELP
	  "\nPositive deviance options:\n"
	  "  --covariates LIST   context, comma-separated (default "
	  "frl_rate,\n"
	  "                      log_enrollment,locale)\n"
	  "  --threshold Z       studentized residual to flag (default "
	  "1.645)\n"
	  "  --persistence K     look back K periods (default 3)\n"
	  "  --svg FILE          also draw predicted vs actual as "
	  "SVG\n" OUTPUT_HELP },
	{ "compare", SERIES_OPTS | AO(REFERENCE), AO(MEASURE), analyze_compare,
	  "compare schools or districts (Welch t, Hedges' g, ANOVA)",
	  "usage: tandem analyze compare --measure M [--reference GROUP] "
	  "[options]\n\n"
	  "Per group: n, mean, SD and 95% interval; Welch's t and Hedges' g "
	  "(95%\ninterval) against the rest of the network or --reference; "
	  "one-way ANOVA\nacross all groups, and the design effect when "
	  "students are nested in\nschools. Groups are schools (default; "
	  "--district D: D's schools) or\ndistricts "
	  "(--each-district).\n\n" SERIES_HELP "\nCompare options:\n"
	  "  --reference GROUP   compare each group with GROUP (default: "
	  "with the rest)\n" OUTPUT_HELP },
	{ "reliability",
	  AO(SURVEY) | AO(CONSTRUCT) | AO(SCHOOL) | AO(FROM) | AO(TO),
	  AO(SURVEY), analyze_reliability,
	  "Cronbach's alpha and item statistics of a survey",
	  "usage: tandem analyze reliability --survey S [--construct C] "
	  "[--school S]\n"
	  "                                  [--from YYYY-MM-DD] [--to "
	  "YYYY-MM-DD]\n\n"
	  "Per construct: items, n, Cronbach's alpha (listwise) and percent "
	  "favourable;\nper item: mean, SD, item-rest correlation, alpha if "
	  "deleted, percent\nfavourable and whether it is "
	  "reverse-coded.\n" OUTPUT_HELP },
	{ "agreement", AO(RUBRIC) | AO(SCHOOL) | AO(FROM) | AO(TO), AO(RUBRIC),
	  analyze_agreement, "rater agreement on double-scored observations",
	  "usage: tandem analyze agreement --rubric R [--school S] [--from "
	  "YYYY-MM-DD]\n"
	  "                                [--to YYYY-MM-DD]\n\n"
	  "Per criterion of the rubric, over observations scored by two "
	  "raters:\npairs, exact and adjacent agreement, quadratic-weighted "
	  "kappa and\nICC(2,1).\n" OUTPUT_HELP },
	{ "variance", SERIES_OPTS, AO(MEASURE), analyze_variance,
	  "variance components: ICC(1) across schools",
	  "usage: tandem analyze variance --measure M [options]\n\n"
	  "One-way random-effects ANOVA of the measure across schools "
	  "(default;\n--district D: D's schools) or districts "
	  "(--each-district): ICC(1), MSB,\nMSW, n0, groups and "
	  "n.\n\n" SERIES_HELP OUTPUT_HELP },
	{ "completeness",
	  AO(MEASURE) | AO(GRAIN) | AO(FROM) | AO(TO) | AO(DISTRICT)
	      | AO(DUE_DAYS) | AO(SURVEY) | AO(BACKFILL),
	  0, analyze_completeness,
	  "which schools have not reported, and survey response rates",
	  "usage: tandem analyze completeness [--measure M] [--grain G] "
	  "[--from D]\n"
	  "           [--to D] [--district D] [--due-days N] [--survey S]\n"
	  "           [--backfill-before YYYY-MM-DD]\n\n"
	  "Reporting rates as DHIS2 defines them. Each measure is expected "
	  "once per school\nand period of its frequency (weekly, monthly, "
	  "termly, yearly; define measures),\nfrom the period holding --from "
	  "to the one holding --to (default: the first\nand last the network "
	  "has data for), of every school open then (opened_on,\nclosed_on of "
	  "define schools). A report arrived when the first batch with data\n"
	  "of its period was stored; it is on time when that was by the end "
	  "of the day\ntimely_days after the period ended.\n"
	  "--backfill-before: a period that ended before this date counts "
	  "as on time\nwhenever its data came (history loaded in bulk is "
	  "not late).\n"
	  "Per measure and period: schools expected and reporting, "
	  "reporting rate,\nhow many on time, the on-time rate (of those "
	  "expected), timeliness (of those\nreported), mean days late and "
	  "the schools missing (the table shows the first\nfew; CSV and JSON "
	  "list them all); then the rates of the network, each district\nand "
	  "each school. With --survey, that survey's response rate per school "
	  "and\nadministration.\n\n"
	  "  --measure M         one outcome measure (default: every one)\n"
	  "  --grain G           month|week|term|year: every measure by G, "
	  "not its frequency\n"
	  "  --from, --to        YYYY-MM-DD, inclusive\n"
	  "  --district D        D's schools only\n"
	  "  --due-days N        override the measures' timely_days\n"
	  "  --survey S          response rates of survey S\n" OUTPUT_HELP },
	{ "impact",
	  AO(MEASURE) | AO(ACTIVITY) | AO(NOT_YET) | AO(FROM) | AO(TO),
	  AO(MEASURE) | AO(ACTIVITY), analyze_impact,
	  "staggered-adoption impact of an activity (Callaway & Sant'Anna)",
	  "usage: tandem analyze impact --measure M --activity A "
	  "[--not-yet-treated]\n"
	  "                             [--from YYYY-MM-DD] [--to "
	  "YYYY-MM-DD]\n\n"
	  "Schools adopt the activity in different years (the first "
	  "academic year they\ntake part). Per adoption cohort g and year t: "
	  "ATT(g,t), the cohort's change\nfrom the year before adoption "
	  "against the change of the control schools;\nthe overall ATT "
	  "(years since adoption, weighted by cohort size) and the\nevent "
	  "study by years since adoption, whose years before adoption check "
	  "the\nparallel trends. Standard errors from influence functions, "
	  "clustered by\nschool. Beside it the two-way fixed-effects "
	  "estimate, which can mislead when\neffects grow over time.\n\n"
	  "  --measure M         the outcome, by academic year\n"
	  "  --activity A        the activity\n"
	  "  --not-yet-treated   controls: schools not treated yet, as well "
	  "as "
	  "those\n"
	  "                      never treated (default: never treated)\n"
	  "  --from, --to        YYYY-MM-DD, inclusive\n" OUTPUT_HELP },
	{ "roi",
	  AO(MEASURE) | AO(ACTIVITY) | AO(ALL) | AO(PRE) | AO(POST)
	      | AO(DISCOUNT_RATE) | AO(NO_DISCOUNT) | AO(BASE_YEAR) | AO(SEED)
	      | AO(BOOTSTRAP) | AO(STUDENTS) | AO(IMPACT) | AO(SVG),
	  AO(MEASURE) | AO(PRE) | AO(POST), analyze_roi,
	  "return on investment: costs, impact, cost-effectiveness",
	  "usage: tandem analyze roi --measure M (--activity A | --all)\n"
	  "           --pre FROM..TO --post FROM..TO [options]\n\n"
	  "Costs by the ingredients method (price-adjusted to a base year and "
	  "discounted),\nimpact as difference-in-differences between schools "
	  "that took part and\nschools that did not (pre vs post), Hedges' g "
	  "over the pre-period SD, and\ncost-effectiveness: effect per $1,000 "
	  "per student and dollars per SD, with\nbootstrap intervals, ranked "
	  "across activities. With --activity, also the\ncosts by category "
	  "and "
	  "year, the DiD estimate, the dose-response slope and\na sensitivity "
	  "table (costs +-20%, discount rate 0-7%).\n\n"
	  "  --measure M         outcome measure of the impact\n"
	  "  --activity A        one activity, in detail\n"
	  "  --all               every activity, ranked\n"
	  "  --pre FROM..TO      pre-period, YYYY-MM-DD..YYYY-MM-DD\n"
	  "  --post FROM..TO     post-period, after the pre-period\n"
	  "  --discount-rate R   per year, 0 <= R < 1 (default 0.03)\n"
	  "  --no-discount       do not discount (same as --discount-rate 0)\n"
	  "  --base-year Y       price base year (default: latest with an "
	  "index)\n"
	  "  --seed N            bootstrap seed (default: the server's; "
	  "printed)\n"
	  "  --bootstrap B       bootstrap replicates (default 2000)\n"
	  "  --students N        students served, overriding the count from "
	  "the\n"
	  "                      registry\n"
	  "  --impact did|staggered\n"
	  "                      the effect behind the ratios: the "
	  "difference in\n"
	  "                      differences (default), or the staggered-"
	  "adoption ATT\n"
	  "                      (analyze impact) over the academic years "
	  "from --pre's\n"
	  "                      start to --post's end, in SDs of the first "
	  "year\n"
	  "  --svg FILE          also draw the cost-effectiveness plane as "
	  "SVG\n\n"
	  "The lines above the tables give the price adjustment, base year, "
	  "discount\nrate, seed and replicates, so a run can be repeated "
	  "exactly.\n" OUTPUT_HELP },
	{ "pdsa", AO(MEASURE) | AO(SCHOOL) | AO(GRAIN), AO(MEASURE),
	  analyze_pdsa, "PDSA cycles: before and after, signals, predictions",
	  improve_pdsa_help },
	{ "discover", AO(MEASURE) | AO(PERIOD) | AO(RUBRIC) | AO(DISTRICT),
	  AO(MEASURE), analyze_discover,
	  "Positive Deviance Inquiry: what the deviants' observations show",
	  improve_discover_help },
	{ "isolation", AO(YEAR) | AO(LEVEL) | AO(SVG), 0, analyze_isolation,
	  "professional isolation: the cross-school tie network",
	  improve_isolation_help },
};

#define NSUBS (sizeof(subs) / sizeof(subs[0]))

/* ---- the command ---- */

static void
usage(FILE *f)
{
	fprintf(f,
	        "usage: tandem analyze SUBCOMMAND [options]\n\n"
	        "Subcommands (each takes --help):\n");
	for (size_t i = 0; i < NSUBS; i++) {
		fprintf(f, "  %-18s %s\n", subs[i].name, subs[i].summary);
	}
	fputs(OUTPUT_HELP, f);
}

int
cmd_analyze(cli *c, int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0
	    || strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	const analyze_sub *s = NULL;
	analyze_output_init(c->format);
	for (size_t i = 0; i < NSUBS && s == NULL; i++) {
		if (strcmp(subs[i].name, argv[1]) == 0) {
			s = &subs[i];
		}
	}
	if (s == NULL) {
		fprintf(stderr, "tandem analyze: unknown subcommand '%s'\n",
		        argv[1]);
		usage(stderr);
		return 2;
	}
	if (cli_wants_help(argc - 1, argv + 1)) {
		fputs(s->help, stdout);
		return 0;
	}

	analyze_opts o = { 0 };
	o.sub          = s->name;
	int opt;
	optind = 0;
	opterr = 0;
	while (
	    (opt = getopt_long(argc - 1, argv + 1, ":", analyze_lopts, NULL))
	    != -1) {
		if (opt == '?' || opt == ':') {
			char cmd[64];
			snprintf(cmd, sizeof(cmd), "analyze %s", s->name);
			return cli_option_error(cmd, opt, argv + 1);
		}
		int id = opt - 256;
		if (!(s->accepts & (UINT64_C(1) << id))) {
			return analyze_usage(&o,
			                     "--%s is not an option of "
			                     "analyze %s",
			                     analyze_opt_name(id), s->name);
		}
		if (o.given & (UINT64_C(1) << id)) {
			return analyze_usage(&o, "--%s is given twice",
			                     analyze_opt_name(id));
		}
		o.given |= UINT64_C(1) << id;
		int rv = analyze_set_option(&o, id, optarg);
		if (rv != 0) {
			return rv;
		}
	}
	if (optind < argc - 1) {
		return analyze_usage(&o, "unexpected argument '%s'",
		                     argv[1 + optind]);
	}
	for (int id = 0; id < AO_COUNT; id++) {
		if ((s->needs & (UINT64_C(1) << id))
		    && !(o.given & (UINT64_C(1) << id))) {
			return analyze_usage(&o, "--%s is required",
			                     analyze_opt_name(id));
		}
	}
	int rv = analyze_check_combinations(&o);
	if (rv != 0) {
		return rv;
	}
	return s->run(c, &o);
}
