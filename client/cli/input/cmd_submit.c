/* SPDX-License-Identifier: MIT
 * tandem submit: survey responses, peer feedback, outcomes, costs,
 * participation and survey administrations from CSV. Every record is
 * checked locally first; then batches go out with ids derived from the
 * file's bytes, so a retried or repeated upload never stores one twice
 * (reading: submit_records.c; sending: submit_send.c).
 */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "submit.h"

/* ---- the command ---- */

static void
usage(FILE *f)
{
	fprintf(f,
	        "usage: tandem submit KIND [options] FILE\n"
	        "\n"
	        "Sends the records of a CSV file (RFC 4180; a header row "
	        "names the\ncolumns, in any order; \"-\" reads standard "
	        "input). Every record is\nchecked here first: if any is "
	        "wrong, nothing is sent. Records go in\nbatches, each "
	        "stored whole or not at all; a batch's id comes from "
	        "the\nfile's bytes, so running the same command again "
	        "(after a failure or\nan outage) stores nothing twice.\n"
	        "\nKinds and their columns ([optional], CODE... = one "
	        "column per code):\n");
	for (size_t i = 0; i < submit_n_kinds; i++) {
		fprintf(f, "  %-16s %s\n", submit_kinds[i].name,
		        submit_kinds[i].columns);
	}
	fprintf(f,
	        "\nsurveys needs --survey CODE; an empty item cell is a "
	        "non-response.\nsurveys and outcomes go grouped by school "
	        "(in school code order, each\nschool's records in file "
	        "order), so a batch updates few schools' rollups.\n"
	        "feedback takes --annotations FILE, sent "
	        "after the observations, with\n  %s;\n"
	        "its batches never mix rubrics.\n"
	        "\nOptions:\n"
	        "  --survey CODE      the survey the responses answer "
	        "(surveys)\n"
	        "  --annotations FILE time-linked notes on the "
	        "observations (feedback)\n"
	        "  --dry-run          let the server check everything, "
	        "store nothing\n"
	        "  --correction       replace records that exist "
	        "already (same key)\n"
	        "  --batch-size N     records per request (default %d)\n"
	        "  --retries N        tries again on UNAVAILABLE or "
	        "DEADLINE_EXCEEDED\n"
	        "                     (default %d), backing off 100 ms .. "
	        "5 s\n",
	        submit_annotations_kind.columns, DEFAULT_BATCH,
	        CLI_DEFAULT_RETRIES);
}

static int
parse_opts(const char *cmd, int argc, char **argv, opts *o, const char **file)
{
	static const struct option lopts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "correction", no_argument, NULL, 'c' },
		{ "batch-size", required_argument, NULL, 'b' },
		{ "retries", required_argument, NULL, 'r' },
		{ "survey", required_argument, NULL, 's' },
		{ "annotations", required_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;
	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":", lopts, NULL)) != -1) {
		switch (opt) {
		case 'n':
			o->dry_run = true;
			break;
		case 'c':
			o->correction = true;
			break;
		case 'b':
			if (cli_parse_count(cmd, "--batch-size", optarg, 1,
			                    TD_MAX_RECORDS, &o->batch_size)) {
				return 2;
			}
			break;
		case 'r':
			if (cli_parse_count(cmd, "--retries", optarg, 0,
			                    CLI_MAX_RETRIES, &o->retries)) {
				return 2;
			}
			break;
		case 's':
			o->survey = optarg;
			break;
		case 'a':
			o->annotations = optarg;
			break;
		default:
			return cli_option_error(cmd, opt, argv);
		}
	}
	if (optind + 1 != argc) {
		return cli_usage_error(cmd,
		                       optind == argc ? "a FILE is required"
		                                      : "takes one FILE");
	}
	*file = argv[optind];
	return 0;
}

/* prepare reads path into s and checks every record; 0 or 1. */
static int
prepare(const char *what, const kind *k, const char *path, source *s,
        const source *obs, const opts *o)
{
	csvread_errs e = { 0 };
	int          rv;
	if (cli_read_csv(what, path, &s->t)) {
		return 1;
	}
	rv = k->prepare ? k->prepare(s, o, &e, what)
	                : submit_prep_annotations(s, obs, &e, what);
	if (rv != 0) {
		return 1;
	}
	if (csvread_errs_done(&e) > 0) {
		fprintf(stderr,
		        "tandem: %s: %s: %zu problem%s; nothing was sent\n",
		        what, csvread_name(s->t), e.n, e.n == 1 ? "" : "s");
		return 1;
	}
	if (s->n == 0) {
		fprintf(stderr,
		        "tandem: %s: %s: no records after the header\n", what,
		        csvread_name(s->t));
	}
	return k->school != NULL ? submit_group_by_school(s, k->school, what)
	                         : 0;
}

int
cmd_submit(cli *c, int argc, char **argv)
{
	const kind *k    = NULL;
	opts        o    = { 0 };
	const char *file = NULL;
	char        what[64];
	source      main_src = { 0 }, ann = { 0 };
	int         rv;

	if (argc < 2 || argv[1][0] == '-') {
		if (cli_wants_help(argc, argv)) {
			usage(stdout);
			return 0;
		}
		usage(stderr);
		return 2;
	}
	for (size_t i = 0; i < submit_n_kinds; i++) {
		if (strcmp(argv[1], submit_kinds[i].name) == 0) {
			k = &submit_kinds[i];
		}
	}
	if (k == NULL) {
		return cli_usage_error("submit", "unknown kind '%s'", argv[1]);
	}
	snprintf(what, sizeof(what), "submit %s", k->name);
	if (cli_wants_help(argc, argv)) {
		usage(stdout);
		return 0;
	}
	o.batch_size = DEFAULT_BATCH;
	o.retries    = CLI_DEFAULT_RETRIES;
	if ((rv = parse_opts(what, argc - 1, argv + 1, &o, &file)) != 0) {
		return rv;
	}
	if (k->build == submit_build_surveys && o.survey == NULL) {
		return cli_usage_error(what, "--survey CODE is required");
	}
	if (k->build != submit_build_surveys && o.survey != NULL) {
		return cli_usage_error(what, "--survey is for surveys only");
	}
	if (k->build != submit_build_feedback && o.annotations != NULL) {
		return cli_usage_error(what,
		                       "--annotations is for feedback only");
	}

	rv = prepare(what, k, file, &main_src, NULL, &o);
	if (rv == 0 && o.annotations != NULL) {
		rv = prepare(what, &submit_annotations_kind, o.annotations,
		             &ann, &main_src, &o);
	}
	if (rv != 0) {
		submit_source_free(&main_src);
		submit_source_free(&ann);
		return rv;
	}

	static const char *cols[]
	    = { "file",   "kind",     "batches", "records",
		"stored", "replayed", "dry_run", "corrected" };
	out_table *t  = out_table_create("submit", NCOLS(cols), cols);
	tally      t1 = { 0 }, t2 = { 0 };
	rv = submit_send_source(c, what, k->name, k, &main_src, &o, &t1);
	submit_summary_row(t, &main_src, k->name, &t1, &o);
	if (o.annotations != NULL) {
		if (rv == 0) {
			rv = submit_send_source(c, what, "annotations",
			                        &submit_annotations_kind, &ann,
			                        &o, &t2);
		}
		submit_summary_row(t, &ann, "annotations", &t2, &o);
	}
	out_print_one(stdout, c->format, t);
	out_table_destroy(t);
	submit_source_free(&main_src);
	submit_source_free(&ann);
	return rv;
}
