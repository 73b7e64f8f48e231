/* SPDX-License-Identifier: MIT
 * tandem report: options, then the report module (client/report) makes
 * the calls and writes one self-contained HTML page. The page is written
 * to a temporary file beside --out and renamed, so a failed run leaves no
 * half-written report.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "common.h"
#include "report.h"

static const char usage[]
    = "usage: tandem report [--period YYYY-YY] [--district D | --school S]\n"
      "                     [--measures M1,M2,...] [--roi-measure M]\n"
      "                     [--pre FROM..TO] [--post FROM..TO] [--title T]"
      "\n                     [--approved-only] [--backfill-before "
      "YYYY-MM-DD]\n                     --out FILE.html\n\n"
      "One self-contained HTML page for a council meeting (inline SVG and "
      "CSS,\nno script, nothing fetched; prints on A4 and Letter): a "
      "summary with\nfindings in words, the network's Making Data Count "
      "icon matrix, run charts\nof every shared measure with every school "
      "on shared axes, positive\ndeviants, the instruments' reliability "
      "and agreement, and the return on\ninvestment. Every number comes "
      "from the same analyses `tandem analyze`\nmakes, with this client's "
      "token: what its role may not see is said so.\n\n"
      "  --period YYYY-YY   an academic year: data up to its end, deviants "
      "and\n                     instruments of that year (default: all "
      "data)\n"
      "  --district D       one district and its schools\n"
      "  --school S         one school against the network\n"
      "  --measures LIST    outcome measures, comma-separated (default: "
      "every one)\n"
      "  --roi-measure M    the measure of the ROI section (default: the "
      "first)\n"
      "  --pre, --post      the ROI's periods (default: the first "
      "academic year\n                     of data, then the rest)\n"
      "  --approved-only    only approved months (tandem approve): "
      "monthly outcome\n                     charts and icons; what "
      "has no approved-only mode is\n                     left out, "
      "saying so\n"
      "  --backfill-before D  reporting rates: periods that ended before "
      "D count as\n                     on time (history loaded in "
      "bulk)\n"
      "  --title T          the page's title\n"
      "  --out FILE         where to write the page (required)\n";

static int
range_opt(const char *opt, char *arg, const char **from, const char **to)
{
	char *dots = strstr(arg, "..");
	if (dots == NULL || dots == arg || dots[2] == '\0') {
		return cli_usage_error("report", "%s takes FROM..TO, not '%s'",
		                       opt, arg);
	}
	*dots = '\0';
	*from = arg;
	*to   = dots + 2;
	return 0;
}

int
cmd_report(cli *c, int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "period", required_argument, NULL, 'p' },
		{ "district", required_argument, NULL, 'd' },
		{ "school", required_argument, NULL, 's' },
		{ "measures", required_argument, NULL, 'm' },
		{ "roi-measure", required_argument, NULL, 'r' },
		{ "pre", required_argument, NULL, 'b' },
		{ "post", required_argument, NULL, 'a' },
		{ "title", required_argument, NULL, 't' },
		{ "out", required_argument, NULL, 'o' },
		{ "approved-only", no_argument, NULL, 'A' },
		{ "backfill-before", required_argument, NULL, 'B' },
		{ NULL, 0, NULL, 0 },
	};
	report_opts o;
	const char *out = NULL;
	char        generated[64], err[512] = "";
	int         opt, year = 0, next = 0;
	memset(&o, 0, sizeof(o));
	if (cli_wants_help(argc, argv)) {
		fputs(usage, stdout);
		return 0;
	}
	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":", lopts, NULL)) != -1) {
		switch (opt) {
		case 'p':
			if (sscanf(optarg, "%4d-%2d", &year, &next) != 2
			    || year < 1900 || next != (year + 1) % 100
			    || strlen(optarg) != 7) {
				return cli_usage_error(
				    "report",
				    "--period is an academic year such as "
				    "2025-26, not '%s'",
				    optarg);
			}
			o.period = optarg;
			break;
		case 'd':
			o.district = optarg;
			break;
		case 's':
			o.school = optarg;
			break;
		case 'm':
			for (char *tok = strtok(optarg, ","); tok != NULL;
			     tok       = strtok(NULL, ",")) {
				if (o.n_measures == REPORT_MAX_MEASURES) {
					return cli_usage_error(
					    "report",
					    "--measures takes at most %d",
					    REPORT_MAX_MEASURES);
				}
				o.measures[o.n_measures++] = tok;
			}
			break;
		case 'r':
			o.roi_measure = optarg;
			break;
		case 'b':
			if (range_opt("--pre", optarg, &o.pre_from,
			              &o.pre_to)) {
				return 2;
			}
			break;
		case 'a':
			if (range_opt("--post", optarg, &o.post_from,
			              &o.post_to)) {
				return 2;
			}
			break;
		case 't':
			o.title = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 'A':
			o.approved_only = true;
			break;
		case 'B':
			if (!common_date_parse(optarg, NULL)) {
				return cli_usage_error(
				    "report",
				    "--backfill-before is a date YYYY-MM-DD, "
				    "not '%s'",
				    optarg);
			}
			o.backfill = optarg;
			break;
		default:
			return cli_option_error("report", opt, argv);
		}
	}
	if (optind != argc) {
		return cli_usage_error("report", "unexpected '%s'",
		                       argv[optind]);
	}
	if (out == NULL) {
		return cli_usage_error("report", "--out FILE is required");
	}
	if (o.district != NULL && o.school != NULL) {
		return cli_usage_error("report",
		                       "--district and --school exclude each "
		                       "other");
	}
	time_t    now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(generated, sizeof(generated), "%Y-%m-%d %H:%M UTC", &tm);
	o.generated = generated;

	report_data d;
	int         rv = report_fetch(cli_client(c), &o, &d, err, sizeof(err));
	if (rv != 0) {
		fprintf(stderr, "tandem: report: %s\n", err);
		report_data_free(&d);
		return 1;
	}
	size_t len = strlen(out) + 16;
	char  *tmp = malloc(len);
	FILE  *f   = NULL;
	if (tmp != NULL) {
		snprintf(tmp, len, "%s.tmp%ld", out, (long) getpid());
		f = fopen(tmp, "w");
	}
	if (f == NULL) {
		fprintf(stderr, "tandem: report: cannot write %s\n", out);
		report_data_free(&d);
		free(tmp);
		return 1;
	}
	rv = report_write(f, &d);
	report_data_free(&d);
	if (fclose(f) != 0 || rv != 0 || rename(tmp, out) != 0) {
		fprintf(stderr, "tandem: report: cannot write %s\n", out);
		remove(tmp);
		free(tmp);
		return 1;
	}
	free(tmp);
	fprintf(stderr, "tandem: wrote %s\n", out);
	return 0;
}
