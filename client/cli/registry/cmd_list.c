/* SPDX-License-Identifier: MIT
 * tandem list districts|schools|educators|instruments: what the registry
 * holds, for people checking a define or an import and for scripts
 * (--format csv|json).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cmd_improve.h"

#define NCOLS(a) (sizeof(a) / sizeof((a)[0]))

static int
list_schools(cli *c, const char *district)
{
	Tandem__V1__ListSchoolsRequest req
	    = TANDEM__V1__LIST_SCHOOLS_REQUEST__INIT;
	Tandem__V1__ListSchoolsResponse *resp = NULL;
	td_status                        st   = { 0 };
	req.district = (char *) (district ? district : "");
	if (td_registry_list_schools(cli_client(c), &req, &resp, &st)
	    != TD_CODE_OK) {
		int rv = cli_fail_status("list schools", &st);
		td_status_reset(&st);
		return rv;
	}
	static const char *cols[]
	    = { "district", "school", "name",      "frl_rate", "enrollment",
		"locale",   "grades", "opened_on", "closed_on" };
	out_table *t = out_table_create("schools", NCOLS(cols), cols);
	for (size_t i = 0; i < resp->n_schools; i++) {
		const Tandem__V1__School *s = resp->schools[i];
		out_str(t, s->district);
		out_str(t, s->school);
		out_str(t, s->name);
		out_num(t, s->frl_rate, 3); /* NaN (unknown) shows empty */
		if (s->enrollment >= 0) {
			out_int(t, s->enrollment);
		} else {
			out_null(t, "");
		}
		out_str(t, s->locale);
		out_str(t, s->grades);
		out_str(t, s->opened_on);
		out_str(t, s->closed_on);
	}
	out_print_one(stdout, c->format, t);
	out_table_destroy(t);
	protobuf_c_message_free_unpacked(&resp->base, NULL);
	td_status_reset(&st);
	return 0;
}

static int
list_districts(cli *c)
{
	Tandem__V1__ListDistrictsRequest req
	    = TANDEM__V1__LIST_DISTRICTS_REQUEST__INIT;
	Tandem__V1__ListDistrictsResponse *resp = NULL;
	td_status                          st   = { 0 };
	if (td_registry_list_districts(cli_client(c), &req, &resp, &st)
	    != TD_CODE_OK) {
		return cli_fail("list districts", &st);
	}
	static const char *cols[]
	    = { "district", "name", "sourced_id", "active", "implied" };
	out_table *t = out_table_create("districts", NCOLS(cols), cols);
	for (size_t i = 0; i < resp->n_districts; i++) {
		const Tandem__V1__District *d = resp->districts[i];
		out_str(t, d->district);
		out_str(t, d->name);
		out_str(t, d->sourced_id);
		out_bool(t, !d->inactive);
		out_bool(t, d->implied);
	}
	out_print_one(stdout, c->format, t);
	out_table_destroy(t);
	protobuf_c_message_free_unpacked(&resp->base, NULL);
	td_status_reset(&st);
	return 0;
}

/* list_educators prints one row per membership (an educator with none,
 * one row with empty membership columns). */
static int
list_educators(cli *c, const char *school, const char *district, bool all)
{
	Tandem__V1__ListEducatorsRequest req
	    = TANDEM__V1__LIST_EDUCATORS_REQUEST__INIT;
	Tandem__V1__ListEducatorsResponse *resp = NULL;
	td_status                          st   = { 0 };
	req.school           = (char *) (school ? school : "");
	req.district         = (char *) (district ? district : "");
	req.include_inactive = all;
	if (td_registry_list_educators(cli_client(c), &req, &resp, &st)
	    != TD_CODE_OK) {
		return cli_fail("list educators", &st);
	}
	static const char *cols[]
	    = { "educator",       "name",       "active",
		"primary_school", "sourced_id", "school",
		"district",       "role",       "membership_active" };
	out_table *t = out_table_create("educators", NCOLS(cols), cols);
	for (size_t i = 0; i < resp->n_educators; i++) {
		const Tandem__V1__Educator *e = resp->educators[i];
		for (size_t j = 0; j == 0 || j < e->n_memberships; j++) {
			const Tandem__V1__Membership *m
			    = j < e->n_memberships ? e->memberships[j] : NULL;
			out_str(t, e->educator);
			out_str(t, e->name);
			out_bool(t, !e->inactive);
			out_str(t, e->school);
			out_str(t, e->sourced_id);
			out_str(t, m ? m->school : "");
			out_str(t, m ? m->district : "");
			out_str(t, m ? m->role : e->role);
			if (m != NULL) {
				out_bool(t, !m->inactive);
			} else {
				out_null(t, "");
			}
		}
	}
	out_print_one(stdout, c->format, t);
	out_table_destroy(t);
	protobuf_c_message_free_unpacked(&resp->base, NULL);
	td_status_reset(&st);
	return 0;
}

/* constructs joins a survey's distinct constructs in item order. */
static void
constructs(const Tandem__V1__Survey *s, char *buf, size_t size)
{
	size_t len = 0;
	buf[0]     = '\0';
	for (size_t i = 0; i < s->n_items && len < size; i++) {
		bool seen = false;
		for (size_t j = 0; j < i && !seen; j++) {
			seen = strcmp(s->items[j]->construct,
			              s->items[i]->construct)
			    == 0;
		}
		if (!seen) {
			len += (size_t) snprintf(buf + len, size - len, "%s%s",
			                         len ? ", " : "",
			                         s->items[i]->construct);
		}
	}
}

static int
list_instruments(cli *c)
{
	Tandem__V1__ListInstrumentsRequest req
	    = TANDEM__V1__LIST_INSTRUMENTS_REQUEST__INIT;
	Tandem__V1__ListInstrumentsResponse *resp = NULL;
	td_status                            st   = { 0 };
	if (td_registry_list_instruments(cli_client(c), &req, &resp, &st)
	    != TD_CODE_OK) {
		int rv = cli_fail_status("list instruments", &st);
		td_status_reset(&st);
		return rv;
	}
	static const char *scols[]
	    = { "survey", "name", "version", "items", "constructs" };
	static const char *rcols[]
	    = { "rubric", "name", "version", "criteria", "scale" };
	static const char *mcols[]
	    = { "measure", "name",      "unit",       "direction",
		"target",  "frequency", "timely_days" };
	static const char *acols[]
	    = { "activity", "kind", "name", "district" };
	out_table *t[4] = {
		out_table_create("surveys", NCOLS(scols), scols),
		out_table_create("rubrics", NCOLS(rcols), rcols),
		out_table_create("measures", NCOLS(mcols), mcols),
		out_table_create("activities", NCOLS(acols), acols),
	};
	char buf[512];
	for (size_t i = 0; i < resp->n_surveys; i++) {
		const Tandem__V1__Survey *s = resp->surveys[i];
		out_str(t[0], s->code);
		out_str(t[0], s->name);
		out_int(t[0], s->version);
		out_int(t[0], (int64_t) s->n_items);
		constructs(s, buf, sizeof(buf));
		out_str(t[0], buf);
	}
	for (size_t i = 0; i < resp->n_rubrics; i++) {
		const Tandem__V1__Rubric *r = resp->rubrics[i];
		out_str(t[1], r->code);
		out_str(t[1], r->name);
		out_int(t[1], r->version);
		out_int(t[1], (int64_t) r->n_criteria);
		if (r->n_criteria > 0) {
			snprintf(buf, sizeof(buf), "%d..%d",
			         r->criteria[0]->min, r->criteria[0]->max);
		}
		out_str(t[1], r->n_criteria > 0 ? buf : "");
	}
	for (size_t i = 0; i < resp->n_measures; i++) {
		const Tandem__V1__Measure *m = resp->measures[i];
		out_str(t[2], m->measure);
		out_str(t[2], m->name);
		out_str(t[2], m->unit);
		out_str(t[2], m->direction);
		if (m->has_target) {
			out_num(t[2], m->target, 3);
		} else {
			out_null(t[2], "");
		}
		out_str(t[2], m->frequency);
		out_int(t[2], m->timely_days);
	}
	for (size_t i = 0; i < resp->n_activities; i++) {
		const Tandem__V1__Activity *a = resp->activities[i];
		out_str(t[3], a->activity);
		out_str(t[3], a->kind);
		out_str(t[3], a->name);
		out_str(t[3], a->district);
	}
	out_print(stdout, c->format, t, 4);
	for (size_t i = 0; i < 4; i++) {
		out_table_destroy(t[i]);
	}
	protobuf_c_message_free_unpacked(&resp->base, NULL);
	td_status_reset(&st);
	return 0;
}

int
cmd_list(cli *c, int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "district", required_argument, NULL, 'd' },
		{ "school", required_argument, NULL, 's' },
		{ "all", no_argument, NULL, 'a' },
		{ "state", required_argument, NULL, 'S' },
		{ "measure", required_argument, NULL, 'm' },
		{ "survey", required_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	const char *district = NULL, *school = NULL, *state = NULL,
	           *measure = NULL, *survey = NULL;
	bool all = false;
	int  opt;

	if (argc >= 2 && strcmp(argv[1], "pdsa") == 0) {
		return list_pdsa(c, argc - 1, argv + 1);
	}
	if (cli_wants_help(argc, argv)) {
		printf("usage: tandem list districts\n"
		       "       tandem list schools [--district D]\n"
		       "       tandem list educators [--school S] "
		       "[--district D] [--all]\n"
		       "       tandem list instruments\n"
		       "       tandem list pdsa [--measure M] [--school S]\n"
		       "       tandem list submissions [--state S]\n"
		       "       tandem list approvals [--measure M | --survey "
		       "S]\n\n"
		       "districts: every district, its OneRoster sourcedId, "
		       "whether it is active\nand whether an import implied "
		       "it for a school that named none.\n"
		       "schools: every school (or those of district D) with "
		       "its context; an\nunknown FRL rate or enrollment is "
		       "empty (null in JSON).\n"
		       "educators: one row per school (or district) each "
		       "educator serves, with\nthe role there; --school and "
		       "--district keep those serving there;\n--all adds "
		       "inactive educators and memberships (kept for "
		       "history).\n"
		       "instruments: surveys, rubrics, measures and "
		       "activities.\n"
		       "submissions: the newest batches in the caller's "
		       "scope with their review\nstate; approvals: every "
		       "approved month by level, then every\napproved "
		       "survey window (unless --measure).\n");
		return 0;
	}
	if (argc < 2) {
		return cli_usage_error("list",
		                       "what: districts, schools, "
		                       "educators, instruments, pdsa, "
		                       "submissions or approvals");
	}
	const char *what      = argv[1];
	bool        schools   = strcmp(what, "schools") == 0;
	bool        educators = strcmp(what, "educators") == 0;
	bool        review    = strcmp(what, "submissions") == 0
	    || strcmp(what, "approvals") == 0;
	if (!schools && !educators && !review
	    && strcmp(what, "instruments") != 0
	    && strcmp(what, "districts") != 0) {
		return cli_usage_error("list", "unknown list '%s'", what);
	}
	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc - 1, argv + 1, ":", lopts, NULL))
	       != -1) {
		if (opt == 'd' && (schools || educators)) {
			district = optarg;
		} else if (opt == 's' && educators) {
			school = optarg;
		} else if (opt == 'a' && educators) {
			all = true;
		} else if (opt == 'S' && strcmp(what, "submissions") == 0) {
			state = optarg;
		} else if (opt == 'm' && strcmp(what, "approvals") == 0) {
			measure = optarg;
		} else if (opt == 'v' && strcmp(what, "approvals") == 0) {
			survey = optarg;
		} else {
			return cli_option_error("list", opt, argv + 1);
		}
	}
	if (optind != argc - 1) {
		return cli_usage_error("list", "takes no other arguments");
	}
	if (review) {
		return cli_list_review(c, what, state, measure, survey);
	}
	if (schools) {
		return list_schools(c, district);
	}
	if (educators) {
		return list_educators(c, school, district, all);
	}
	return strcmp(what, "districts") == 0 ? list_districts(c)
	                                      : list_instruments(c);
}
