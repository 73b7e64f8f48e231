/* SPDX-License-Identifier: MIT
 * tandem analyze, options: the long options, the values that need no
 * server to check (dates, ranges, numbers, measures, covariates), the
 * combinations that are refused, and the scope and series query built
 * from them.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_analyze.h"

/* Long options; the value returned by getopt_long is 256 + the id. */
const struct option analyze_lopts[] = {
	{ "measure", required_argument, NULL, 256 + AO_MEASURE },
	{ "network", no_argument, NULL, 256 + AO_NETWORK },
	{ "district", required_argument, NULL, 256 + AO_DISTRICT },
	{ "school", required_argument, NULL, 256 + AO_SCHOOL },
	{ "each-school", no_argument, NULL, 256 + AO_EACH_SCHOOL },
	{ "each-district", no_argument, NULL, 256 + AO_EACH_DISTRICT },
	{ "grain", required_argument, NULL, 256 + AO_GRAIN },
	{ "from", required_argument, NULL, 256 + AO_FROM },
	{ "to", required_argument, NULL, 256 + AO_TO },
	{ "subgroup", required_argument, NULL, 256 + AO_SUBGROUP },
	{ "grade", required_argument, NULL, 256 + AO_GRADE },
	{ "rules", required_argument, NULL, 256 + AO_RULES },
	{ "baseline", required_argument, NULL, 256 + AO_BASELINE },
	{ "split-at", required_argument, NULL, 256 + AO_SPLIT_AT },
	{ "svg", required_argument, NULL, 256 + AO_SVG },
	{ "chart", required_argument, NULL, 256 + AO_CHART },
	{ "threshold", required_argument, NULL, 256 + AO_THRESHOLD },
	{ "covariates", required_argument, NULL, 256 + AO_COVARIATES },
	{ "persistence", required_argument, NULL, 256 + AO_PERSISTENCE },
	{ "reference", required_argument, NULL, 256 + AO_REFERENCE },
	{ "survey", required_argument, NULL, 256 + AO_SURVEY },
	{ "construct", required_argument, NULL, 256 + AO_CONSTRUCT },
	{ "rubric", required_argument, NULL, 256 + AO_RUBRIC },
	{ "due-days", required_argument, NULL, 256 + AO_DUE_DAYS },
	{ "backfill-before", required_argument, NULL, 256 + AO_BACKFILL },
	{ "activity", required_argument, NULL, 256 + AO_ACTIVITY },
	{ "all", no_argument, NULL, 256 + AO_ALL },
	{ "approved-only", no_argument, NULL, 256 + AO_APPROVED_ONLY },
	{ "pre", required_argument, NULL, 256 + AO_PRE },
	{ "post", required_argument, NULL, 256 + AO_POST },
	{ "discount-rate", required_argument, NULL, 256 + AO_DISCOUNT_RATE },
	{ "no-discount", no_argument, NULL, 256 + AO_NO_DISCOUNT },
	{ "base-year", required_argument, NULL, 256 + AO_BASE_YEAR },
	{ "seed", required_argument, NULL, 256 + AO_SEED },
	{ "bootstrap", required_argument, NULL, 256 + AO_BOOTSTRAP },
	{ "students", required_argument, NULL, 256 + AO_STUDENTS },
	{ "no-screen", no_argument, NULL, 256 + AO_NO_SCREEN },
	{ "period", required_argument, NULL, 256 + AO_PERIOD },
	{ "year", required_argument, NULL, 256 + AO_YEAR },
	{ "level", required_argument, NULL, 256 + AO_LEVEL },
	{ "exclude", required_argument, NULL, 256 + AO_EXCLUDE },
	{ "icons-only", no_argument, NULL, 256 + AO_ICONS_ONLY },
	{ "not-yet-treated", no_argument, NULL, 256 + AO_NOT_YET },
	{ "impact", required_argument, NULL, 256 + AO_IMPACT },
	{ NULL, 0, NULL, 0 },
};

const char *
analyze_opt_name(int id)
{
	for (size_t i = 0; analyze_lopts[i].name != NULL; i++) {
		if (analyze_lopts[i].val == 256 + id) {
			return analyze_lopts[i].name;
		}
	}
	return "?";
}

int
analyze_usage(const analyze_opts *o, const char *fmt, ...)
{
	char    cmd[64];
	char    msg[512];
	va_list ap;
	snprintf(cmd, sizeof(cmd), "analyze %s", o->sub);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return cli_usage_error(cmd, "%s", msg);
}

/* ---- values that need no server to check ---- */

static int
parse_date(const analyze_opts *o, const char *opt, const char *arg)
{
	if (!common_date_parse(arg, NULL)) {
		return analyze_usage(
		    o, "--%s takes a date YYYY-MM-DD, not '%s'", opt, arg);
	}
	return 0;
}

/* parse_range reads FROM..TO into two dates, FROM <= TO. */
static int
parse_range(const analyze_opts *o, const char *opt, const char *arg,
            char out[2][ANALYZE_DATE_LEN])
{
	const char *dots = strstr(arg, "..");
	if (dots == NULL || dots - arg != 10 || strlen(dots + 2) != 10) {
		return analyze_usage(o,
		                     "--%s takes FROM..TO, two dates "
		                     "YYYY-MM-DD..YYYY-MM-DD, not '%s'",
		                     opt, arg);
	}
	memcpy(out[0], arg, 10);
	out[0][10] = '\0';
	memcpy(out[1], dots + 2, 11);
	for (int i = 0; i < 2; i++) {
		if (!common_date_parse(out[i], NULL)) {
			return analyze_usage(o,
			                     "--%s: '%s' is not a date "
			                     "YYYY-MM-DD",
			                     opt, out[i]);
		}
	}
	if (strcmp(out[0], out[1]) > 0) {
		return analyze_usage(o, "--%s: %s is after %s", opt, out[0],
		                     out[1]);
	}
	return 0;
}

/* parse_real reads a number in lo..hi (below hi when hi_open). */
static int
parse_real(const analyze_opts *o, const char *opt, const char *arg, double lo,
           double hi, bool hi_open, double *out)
{
	char  *end;
	double v;
	errno = 0;
	v     = strtod(arg, &end);
	if (*arg == '\0' || *end != '\0' || errno != 0 || !isfinite(v)
	    || v < lo || v > hi || (hi_open && v == hi)) {
		return analyze_usage(o,
		                     "--%s takes a number %g <= x %s %g, "
		                     "not '%s'",
		                     opt, lo, hi_open ? "<" : "<=", hi, arg);
	}
	*out = v;
	return 0;
}

static int
parse_count(const analyze_opts *o, const char *opt, const char *arg, long lo,
            long hi, long *out)
{
	char cmd[64];
	char name[40];
	snprintf(cmd, sizeof(cmd), "analyze %s", o->sub);
	snprintf(name, sizeof(name), "--%s", opt);
	return cli_parse_count(cmd, name, arg, lo, hi, out);
}

static int
parse_seed(const analyze_opts *o, const char *arg, uint64_t *out)
{
	char              *end;
	unsigned long long v;
	errno = 0;
	v     = strtoull(arg, &end, 10);
	if (*arg < '0' || *arg > '9' || *end != '\0' || errno != 0) {
		return analyze_usage(
		    o,
		    "--seed takes a whole number 0..%llu, not "
		    "'%s'",
		    (unsigned long long) UINT64_MAX, arg);
	}
	*out = (uint64_t) v;
	return 0;
}

/* parse_measure reads --measure once (td_measure_parse, common/). */
static int
parse_measure(analyze_opts *o, const char *m)
{
	char err[TD_ERRMSG_MAX];
	if (*m == '\0') {
		return analyze_usage(o, "--measure is empty");
	}
	if (td_measure_parse(&o->mkey, m, err) != TD_OK) {
		return analyze_usage(o, "--measure '%s': %s", m, err);
	}
	o->measure = m;
	return 0;
}

Tandem__V1__MeasureKey *
analyze_measure(const analyze_opts *o)
{
	return o->measure ? (Tandem__V1__MeasureKey *) &o->mkey.key : NULL;
}

static int
parse_covariates(analyze_opts *o, const char *arg)
{
	if (strlen(arg) >= sizeof(o->covbuf)) {
		return analyze_usage(o,
		                     "--covariates is longer than %zu "
		                     "characters",
		                     sizeof(o->covbuf) - 1);
	}
	strcpy(o->covbuf, arg);
	o->n_covariates = 0;
	for (char *p = o->covbuf;;) {
		char *comma = strchr(p, ',');
		if (comma != NULL) {
			*comma = '\0';
		}
		if (*p == '\0') {
			return analyze_usage(o,
			                     "--covariates '%s' has an "
			                     "empty name",
			                     arg);
		}
		if (o->n_covariates == ANALYZE_MAX_COVARIATES) {
			return analyze_usage(o,
			                     "--covariates takes at most %d "
			                     "names",
			                     ANALYZE_MAX_COVARIATES);
		}
		o->covariates[o->n_covariates++] = p;
		if (comma == NULL) {
			break;
		}
		p = comma + 1;
	}
	return 0;
}

/* parse_exclude splits --exclude P1,P2 into periods. */
static int
parse_exclude(analyze_opts *o, const char *arg)
{
	if (strlen(arg) >= sizeof(o->exclbuf)) {
		return analyze_usage(o,
		                     "--exclude is longer than %zu characters",
		                     sizeof(o->exclbuf) - 1);
	}
	strcpy(o->exclbuf, arg);
	for (char *p = o->exclbuf;;) {
		char *comma = strchr(p, ',');
		if (comma != NULL) {
			*comma = '\0';
		}
		if (*p == '\0') {
			return analyze_usage(
			    o, "--exclude '%s' has an empty period", arg);
		}
		if (o->n_exclude == ANALYZE_MAX_EXCLUDE) {
			return analyze_usage(
			    o, "--exclude takes at most %d periods",
			    ANALYZE_MAX_EXCLUDE);
		}
		o->exclude[o->n_exclude++] = p;
		if (comma == NULL) {
			return 0;
		}
		p = comma + 1;
	}
}

/* set_option stores one option's argument after checking it. */
int
analyze_set_option(analyze_opts *o, int id, const char *arg)
{
	const char *name = analyze_opt_name(id);
	switch (id) {
	case AO_MEASURE:
		return parse_measure(o, arg);
	case AO_NETWORK:
	case AO_NO_SCREEN:
	case AO_ICONS_ONLY:
	case AO_NOT_YET:
	case AO_EACH_SCHOOL:
	case AO_EACH_DISTRICT:
	case AO_ALL:
	case AO_APPROVED_ONLY:
		return 0;
	case AO_NO_DISCOUNT:
		o->discount_rate = 0;
		return 0;
	case AO_DISTRICT:
		o->district = arg;
		break;
	case AO_SCHOOL:
		o->school = arg;
		break;
	case AO_GRAIN:
		if (strcmp(arg, "month") == 0) {
			o->grain = TANDEM__V1__GRAIN__MONTH;
		} else if (strcmp(arg, "week") == 0) {
			o->grain = TANDEM__V1__GRAIN__WEEK;
		} else if (strcmp(arg, "term") == 0) {
			o->grain = TANDEM__V1__GRAIN__TERM;
		} else if (strcmp(arg, "year") == 0) {
			o->grain = TANDEM__V1__GRAIN__ACADEMIC_YEAR;
		} else {
			return analyze_usage(o,
			                     "--grain is month, week, term "
			                     "or year, not '%s'",
			                     arg);
		}
		return 0;
	case AO_FROM:
		o->from = arg;
		return parse_date(o, name, arg);
	case AO_TO:
		o->to = arg;
		return parse_date(o, name, arg);
	case AO_SUBGROUP:
		o->subgroup = arg;
		break;
	case AO_GRADE:
		o->grade = arg;
		break;
	case AO_RULES:
		if (strcmp(arg, "anhoj") == 0) {
			o->rules = TANDEM__V1__RULE_SET__ANHOJ;
		} else if (strcmp(arg, "ihi") == 0) {
			o->rules = TANDEM__V1__RULE_SET__IHI;
		} else if (strcmp(arg, "nhs") == 0) {
			o->rules = TANDEM__V1__RULE_SET__NHS;
		} else {
			return analyze_usage(o,
			                     "--rules is anhoj, ihi or nhs, "
			                     "not '%s'",
			                     arg);
		}
		return 0;
	case AO_BASELINE:
		/* Fewer than 2 points make no median to freeze. */
		return parse_count(o, name, arg, 2, 100000, &o->baseline);
	case AO_SPLIT_AT:
		o->split_at = arg;
		break;
	case AO_SVG:
		o->svg = arg;
		break;
	case AO_CHART: {
		static const char *charts[]
		    = { "i", "mr", "p", "pp", "u", "up", "c", "xbar", "s" };
		for (size_t i = 0; i < sizeof(charts) / sizeof(charts[0]);
		     i++) {
			if (strcmp(arg, charts[i]) == 0) {
				o->chart = charts[i];
				return 0;
			}
		}
		return analyze_usage(o,
		                     "--chart is i, mr, p, pp, u, up, c, xbar "
		                     "or s, not '%s'",
		                     arg);
	}
	case AO_THRESHOLD: {
		/* Below 1 nearly every unit is flagged; above 10 none is. */
		return parse_real(o, name, arg, 0.5, 10, false, &o->threshold);
	}
	case AO_COVARIATES:
		return parse_covariates(o, arg);
	case AO_EXCLUDE:
		return parse_exclude(o, arg);
	case AO_PERSISTENCE:
		return parse_count(o, name, arg, 1, 20, &o->persistence);
	case AO_REFERENCE:
		o->reference = arg;
		break;
	case AO_IMPACT:
		if (strcmp(arg, "did") != 0 && strcmp(arg, "staggered") != 0) {
			return analyze_usage(
			    o,
			    "--impact is did or staggered, not "
			    "'%s'",
			    arg);
		}
		o->impact = arg;
		return 0;
	case AO_SURVEY:
		o->survey = arg;
		break;
	case AO_CONSTRUCT:
		o->construct = arg;
		break;
	case AO_RUBRIC:
		o->rubric = arg;
		break;
	case AO_DUE_DAYS:
		/* 0 would travel as "the default" (proto3), so 1 is the
		 * least. */
		return parse_count(o, name, arg, 1, 366, &o->due_days);
	case AO_ACTIVITY:
		o->activity = arg;
		break;
	case AO_BACKFILL:
		o->backfill = arg;
		return parse_date(o, name, arg);
	case AO_PRE:
		return parse_range(o, name, arg, o->pre);
	case AO_POST:
		return parse_range(o, name, arg, o->post);
	case AO_DISCOUNT_RATE:
		return parse_real(o, name, arg, 0, 1, true, &o->discount_rate);
	case AO_BASE_YEAR:
		return parse_count(o, name, arg, COMMON_YEAR_MIN,
		                   COMMON_YEAR_MAX, &o->base_year);
	case AO_SEED:
		return parse_seed(o, arg, &o->seed);
	case AO_BOOTSTRAP:
		/* Under 100 replicates a 95% interval is mostly noise. */
		return parse_count(o, name, arg, 100, 100000, &o->bootstrap);
	case AO_STUDENTS:
		return parse_count(o, name, arg, 1, 100000000, &o->students);
	case AO_PERIOD: /* academic years: the server's rule */
		o->period = arg;
		break;
	case AO_YEAR:
		o->year = arg;
		break;
	case AO_LEVEL:
		if (strcmp(arg, "school") == 0
		    || strcmp(arg, "educator") == 0) {
			o->level = arg[0] == 'e';
			return 0;
		}
		return analyze_usage(
		    o, "--level is school or educator, not '%s'", arg);
	default:
		return analyze_usage(o, "unknown option");
	}
	if (*arg == '\0') {
		return analyze_usage(o, "--%s is empty", name);
	}
	return 0;
}

/* check_combinations: what no single option shows wrong. */
int
analyze_check_combinations(const analyze_opts *o)
{
	if (o->from != NULL && o->to != NULL && strcmp(o->from, o->to) > 0) {
		return analyze_usage(o, "--from %s is after --to %s", o->from,
		                     o->to);
	}
	if (analyze_given(o, NO_DISCOUNT) && analyze_given(o, DISCOUNT_RATE)) {
		return analyze_usage(o,
		                     "--no-discount and --discount-rate "
		                     "contradict each other");
	}
	if (strcmp(o->sub, "roi") == 0) {
		if (analyze_given(o, ACTIVITY) == analyze_given(o, ALL)) {
			return analyze_usage(o,
			                     "give one of --activity A and "
			                     "--all");
		}
		if (strcmp(o->pre[1], o->post[0]) >= 0) {
			return analyze_usage(o,
			                     "--pre must end before --post "
			                     "starts (%s is not before %s)",
			                     o->pre[1], o->post[0]);
		}
	}
	return 0;
}

int
analyze_scope(const analyze_opts *o, unsigned allowed, int dflt,
              Tandem__V1__SeriesQuery *q)
{
	bool net = analyze_given(o, NETWORK),
	     es  = analyze_given(o, EACH_SCHOOL),
	     ed  = analyze_given(o, EACH_DISTRICT);
	int level;
	if (net + es + ed + (o->school != NULL) > 1) {
		return analyze_usage(o,
		                     "choose one scope: --network, --school, "
		                     "--each-school or --each-district");
	}
	if (o->district != NULL && (net || ed || o->school != NULL)) {
		return analyze_usage(o,
		                     "--district D goes alone or with "
		                     "--each-school");
	}
	if (o->school != NULL) {
		level = TANDEM__V1__SCOPE_LEVEL__SCHOOL;
	} else if (es) {
		level = TANDEM__V1__SCOPE_LEVEL__EACH_SCHOOL;
	} else if (ed) {
		level = TANDEM__V1__SCOPE_LEVEL__EACH_DISTRICT;
	} else if (o->district != NULL) {
		level = allowed & (1u << TANDEM__V1__SCOPE_LEVEL__DISTRICT)
		    ? TANDEM__V1__SCOPE_LEVEL__DISTRICT
		    : TANDEM__V1__SCOPE_LEVEL__EACH_SCHOOL;
	} else if (net) {
		level = TANDEM__V1__SCOPE_LEVEL__NETWORK;
	} else {
		level = dflt;
	}
	if (!(allowed & (1u << level))) {
		static const char *names[]
		    = { "--network", "--district", "--school", "--each-school",
			"--each-district" };
		char   ok[160] = "";
		size_t len     = 0;
		for (int l = 0; l < 5; l++) {
			if (allowed & (1u << l)) {
				len += (size_t) snprintf(
				    ok + len, sizeof(ok) - len, "%s%s",
				    len ? " or " : "", names[l]);
			}
		}
		return analyze_usage(
		    o, "%s does not apply here: the scope is %s%s",
		    names[level], ok,
		    allowed & (1u << TANDEM__V1__SCOPE_LEVEL__EACH_SCHOOL)
		        ? " (--district D: D's schools)"
		        : "");
	}
	q->level = (Tandem__V1__ScopeLevel) level;
	q->code  = (char *) (o->school         ? o->school
	                         : o->district ? o->district
	                                       : "");
	return 0;
}

int
analyze_query(const analyze_opts *o, unsigned allowed, int dflt,
              Tandem__V1__SeriesQuery *q)
{
	int rv = analyze_scope(o, allowed, dflt, q);
	if (rv != 0) {
		return rv;
	}
	q->measure       = (Tandem__V1__MeasureKey *) &o->mkey.key;
	q->grain         = (Tandem__V1__Grain) o->grain;
	q->from          = (char *) (o->from ? o->from : "");
	q->to            = (char *) (o->to ? o->to : "");
	q->subgroup      = (char *) (o->subgroup ? o->subgroup : "");
	q->grade         = (char *) (o->grade ? o->grade : "");
	q->approved_only = (o->given & AO(APPROVED_ONLY)) != 0;
	return 0;
}
