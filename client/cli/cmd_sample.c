/* SPDX-License-Identifier: MIT
 * tandem sample: writes a reproducible sample network's CSV files (see
 * sample.h) for demos and tutorials; needs no server.
 */
#include <getopt.h>
#include <stdio.h>

#include "cli.h"
#include "sample.h"

int
cmd_sample(cli *c, int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "seed", required_argument, NULL, 's' },
		{ "schools", required_argument, NULL, 'n' },
		{ "years", required_argument, NULL, 'y' },
		{ NULL, 0, NULL, 0 },
	};
	sample_opts o;
	char        err[TD_ERRMSG_MAX] = "";
	long        v;
	int         opt;

	sample_opts_init(&o);
	if (cli_wants_help(argc, argv)) {
		printf("usage: tandem sample [--seed S] [--schools N] "
		       "[--years Y] OUTDIR\n\n"
		       "Writes a sample network (districts, schools, "
		       "educators, instruments,\nsurveys, observations, "
		       "outcomes, activities, costs, a OneRoster folder)\n"
		       "as CSV files into OUTDIR, with effects planted for "
		       "the analyses to find\n(OUTDIR/PLANTED.md). The same "
		       "options write the same bytes.\n\n"
		       "  --seed S     any whole number (default %llu)\n"
		       "  --schools N  1..%d (default %d)\n"
		       "  --years Y    academic years from %d-%02d, 1..%d "
		       "(default %d)\n",
		       (unsigned long long) o.seed, SAMPLE_MAX_SCHOOLS,
		       o.schools, SAMPLE_FIRST_YEAR,
		       (SAMPLE_FIRST_YEAR + 1) % 100, SAMPLE_MAX_YEARS,
		       o.years);
		return 0;
	}
	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":", lopts, NULL)) != -1) {
		switch (opt) {
		case 's': {
			long long s;
			if (csvread_parse_int(optarg, 0, INT64_MAX, &s)
			    != TD_OK) {
				return cli_usage_error(
				    "sample",
				    "--seed takes a whole number >= 0, not "
				    "'%s'",
				    optarg);
			}
			o.seed = (uint64_t) s;
			break;
		}
		case 'n':
			if (cli_parse_count("sample", "--schools", optarg, 1,
			                    SAMPLE_MAX_SCHOOLS, &v)) {
				return 2;
			}
			o.schools = (int) v;
			break;
		case 'y':
			if (cli_parse_count("sample", "--years", optarg, 1,
			                    SAMPLE_MAX_YEARS, &v)) {
				return 2;
			}
			o.years = (int) v;
			break;
		default:
			return cli_option_error("sample", opt, argv);
		}
	}
	if (optind + 1 != argc) {
		return cli_usage_error("sample", "takes one OUTDIR");
	}
	if (sample_generate(&o, argv[optind], err) != TD_OK) {
		fprintf(stderr, "tandem: sample: %s\n", err);
		return 1;
	}
	static const char *cols[] = { "outdir", "seed", "schools", "years" };
	out_table         *t      = out_table_create("sample", 4, cols);
	out_str(t, argv[optind]);
	out_int(t, (int64_t) o.seed);
	out_int(t, o.schools);
	out_int(t, o.years);
	out_print_one(stdout, c->format, t);
	out_table_destroy(t);
	return 0;
}
