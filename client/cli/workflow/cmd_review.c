/* SPDX-License-Identifier: MIT
 * tandem review, approve, accept, unapprove, and list submissions|approvals:
 * ODK-style review of submissions and DHIS2-style approval of a measure's
 * months (an approved month is locked against new data and corrections).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

#define NCOLS(a) (sizeof(a) / sizeof((a)[0]))

static void
submission_row(out_table *t, const Tandem__V1__Submission *s)
{
	out_str(t, s->id);
	out_str(t, s->method);
	out_int(t, s->records);
	out_str(t, s->client_id);
	out_str(t, s->received_at);
	out_str(t, s->review_state);
	out_str(t, s->comment);
	out_str(t, s->reviewed_by);
	out_str(t, s->reviewed_at);
}

static const char *const SUBMISSION_COLS[]
    = { "submission", "method",  "records",     "client",     "received_at",
	"state",      "comment", "reviewed_by", "reviewed_at" };

int
cmd_review(cli *c, int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "state", required_argument, NULL, 's' },
		{ "comment", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	Tandem__V1__ReviewSubmissionRequest req
	    = TANDEM__V1__REVIEW_SUBMISSION_REQUEST__INIT;
	int opt;
	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":", lopts, NULL)) != -1) {
		switch (opt) {
		case 's':
			req.state = optarg;
			break;
		case 'c':
			req.comment = optarg;
			break;
		case 'h':
			printf(
			    "usage: tandem review SUBMISSION --state S "
			    "[--comment C]\n\n"
			    "Sets a submission's review state (received, "
			    "has_issues, rejected,\napproved; ODK Central's "
			    "words) with an optional comment. A school\n"
			    "client reviews its school's submissions, a "
			    "district client its\ndistrict's; every review "
			    "is kept with its reviewer and time.\n");
			return 0;
		default:
			return cli_option_error("review", opt, argv);
		}
	}
	if (optind != argc - 1 || req.state[0] == '\0') {
		return cli_usage_error("review",
		                       "name one SUBMISSION and --state");
	}
	req.submission_id                          = argv[optind];
	Tandem__V1__ReviewSubmissionResponse *resp = NULL;
	td_status                             st   = { 0 };
	if (td_review_submission(cli_client(c), &req, &resp, &st)
	    != TD_CODE_OK) {
		return cli_fail("review", &st);
	}
	out_table *t = out_table_create("submission", NCOLS(SUBMISSION_COLS),
	                                SUBMISSION_COLS);
	submission_row(t, resp->submission);
	out_print_one(stdout, c->format, t);
	out_table_destroy(t);
	protobuf_c_message_free_unpacked(&resp->base, NULL);
	td_status_reset(&st);
	return 0;
}

static const char *const APPROVAL_COLS[]
    = { "measure",     "period",      "level",       "unit",
	"approved_by", "approved_at", "accepted_by", "accepted_at",
	"survey",      "window_from", "window_to" };

static void
approval_row(out_table *t, const Tandem__V1__Approval *a)
{
	out_str(t, a->measure);
	out_str(t, a->period);
	out_str(t, a->level);
	out_str(t, a->unit);
	out_str(t, a->approved_by);
	out_str(t, a->approved_at);
	out_str(t, a->accepted_by);
	out_str(t, a->accepted_at);
	out_str(t, a->survey);
	out_str(t, a->window_from);
	out_str(t, a->window_to);
}

/* cmd_approval runs approve, accept or unapprove (argv[0]). */
int
cmd_approval(cli *c, int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "measure", required_argument, NULL, 'm' },
		{ "period", required_argument, NULL, 'p' },
		{ "school", required_argument, NULL, 's' },
		{ "district", required_argument, NULL, 'd' },
		{ "survey", required_argument, NULL, 'v' },
		{ "window", required_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char                 *what = argv[0];
	char                       *dots;
	Tandem__V1__ApprovalRequest req = TANDEM__V1__APPROVAL_REQUEST__INIT;
	int                         opt;
	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":", lopts, NULL)) != -1) {
		switch (opt) {
		case 'm':
			req.measure = optarg;
			break;
		case 'p':
			req.period = optarg;
			break;
		case 's':
			req.school = optarg;
			break;
		case 'd':
			req.district = optarg;
			break;
		case 'v':
			req.survey = optarg;
			break;
		case 'w':
			dots = strstr(optarg, "..");
			if (dots == NULL || dots == optarg
			    || dots[2] == '\0') {
				return cli_usage_error(
				    what,
				    "--window takes FROM..TO, "
				    "not '%s'",
				    optarg);
			}
			*dots           = '\0';
			req.window_from = optarg;
			req.window_to   = dots + 2;
			break;
		case 'h':
			printf("usage: tandem %s --measure M --period YYYY-MM "
			       "[--school S | --district D]\n"
			       "       tandem %s --survey S --window "
			       "FROM..TO [--school S | --district D]\n\n"
			       "Approval of a measure's month, level by level "
			       "(DHIS2): --school for\nthe school level, "
			       "--district for the district level, neither "
			       "for the\nnetwork. A school (or its district) "
			       "approves the school's month, the\ndistrict "
			       "accepts it and then approves its own level, "
			       "which the council\naccepts. An approved month "
			       "is locked: outcomes for it are refused\nuntil "
			       "it is unapproved (after acceptance, by the "
			       "level above).\nA survey's administration "
			       "window (its first and last day, YYYY-MM-DD)\n"
			       "is approved the same way; responses "
			       "administered in an approved window\nare "
			       "refused until it is unapproved.\n",
			       what, what);
			return 0;
		default:
			return cli_option_error(what, opt, argv);
		}
	}
	bool window = req.survey[0] != '\0' || req.window_from[0] != '\0';
	if (optind != argc
	    || (window ? req.survey[0] == '\0' || req.window_from[0] == '\0'
	                || req.measure[0] != '\0' || req.period[0] != '\0'
	               : req.measure[0] == '\0' || req.period[0] == '\0')) {
		return cli_usage_error(what,
		                       "--measure and --period, or --survey "
		                       "and --window, are required; no other "
		                       "arguments");
	}
	Tandem__V1__ApprovalResponse *resp = NULL;
	td_status                     st   = { 0 };
	int                           code = strcmp(what, "approve") == 0
	                              ? td_review_approve(cli_client(c), &req, &resp, &st)
	                              : strcmp(what, "accept") == 0
	                              ? td_review_accept(cli_client(c), &req, &resp, &st)
	                              : td_review_unapprove(cli_client(c), &req, &resp, &st);
	if (code != TD_CODE_OK) {
		return cli_fail(what, &st);
	}
	out_table *t = out_table_create("approval", NCOLS(APPROVAL_COLS),
	                                APPROVAL_COLS);
	approval_row(t, resp->approval);
	out_print_one(stdout, c->format, t);
	out_table_destroy(t);
	protobuf_c_message_free_unpacked(&resp->base, NULL);
	td_status_reset(&st);
	return 0;
}

int
cli_list_review(cli *c, const char *what, const char *state,
                const char *measure, const char *survey)
{
	td_status  st = { 0 };
	out_table *t;
	if (strcmp(what, "submissions") == 0) {
		Tandem__V1__ListSubmissionsRequest req
		    = TANDEM__V1__LIST_SUBMISSIONS_REQUEST__INIT;
		Tandem__V1__ListSubmissionsResponse *resp = NULL;
		req.state = (char *) (state ? state : "");
		if (td_review_list_submissions(cli_client(c), &req, &resp, &st)
		    != TD_CODE_OK) {
			return cli_fail("list submissions", &st);
		}
		t = out_table_create("submissions", NCOLS(SUBMISSION_COLS),
		                     SUBMISSION_COLS);
		for (size_t i = 0; i < resp->n_submissions; i++) {
			submission_row(t, resp->submissions[i]);
		}
		protobuf_c_message_free_unpacked(&resp->base, NULL);
	} else {
		Tandem__V1__ListApprovalsRequest req
		    = TANDEM__V1__LIST_APPROVALS_REQUEST__INIT;
		Tandem__V1__ListApprovalsResponse *resp = NULL;
		req.measure = (char *) (measure ? measure : "");
		req.survey  = (char *) (survey ? survey : "");
		if (td_review_list_approvals(cli_client(c), &req, &resp, &st)
		    != TD_CODE_OK) {
			return cli_fail("list approvals", &st);
		}
		t = out_table_create("approvals", NCOLS(APPROVAL_COLS),
		                     APPROVAL_COLS);
		for (size_t i = 0; i < resp->n_approvals; i++) {
			approval_row(t, resp->approvals[i]);
		}
		protobuf_c_message_free_unpacked(&resp->base, NULL);
	}
	out_print_one(stdout, c->format, t);
	out_table_destroy(t);
	td_status_reset(&st);
	return 0;
}
