/* SPDX-License-Identifier: MIT
 * What the export tests share: the sample network loaded through the real
 * CLI into a real tandemd (one database per test program), clients of
 * each role, and paging through Export/Page with libtandem. Static
 * definitions: each test program is one file that includes this once.
 */
#ifndef TD_EXPORT_UTIL_H
#define TD_EXPORT_UTIL_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

static char       conninfo[512];
static char       dir[128];
static h_server   srv;
static td_client *cl;

/* Tokens of clients of each role (school S001, district D01). */
static char tok_school[80], tok_district[80], tok_council[80],
    tok_evaluator[80];

static int
cli(const h_server *s, const char *token, const char *args)
{
	return h_run("%s/tandem --server %s --token %s %s >>%s/cli.log 2>&1",
	             h_bin_dir(), s->url, token, args, dir);
}

static void
cli_ok(const h_server *s, const char *token, const char *args)
{
	if (cli(s, token, args) != 0) {
		h_run("tail -20 %s/cli.log >&2", dir);
		fail_msg("tandem %s failed", args);
	}
}

/* load_network defines and submits the sample network's files (or an
 * export's, named the same way) from src into s. */
static void
load_network(const h_server *s, const char *src)
{
	const char *steps[] = {
		"define districts %s/districts.csv",
		"define schools %s/schools.csv",
		"define educators %s/educators.csv",
		"define measures %s/measures.csv",
		"define survey --code climate %s/survey_climate.csv",
		"define survey --code teacher %s/survey_teacher.csv",
		"define rubric --code practice %s/rubric_practice.csv",
		"define activities %s/activities.csv",
		"define price-index %s/price_index.csv",
		"submit outcomes %s/outcomes.csv",
		"submit surveys --survey climate %s/responses_climate.csv",
		"submit surveys --survey teacher %s/responses_teacher.csv",
		"submit feedback %s/observations.csv --annotations "
		"%s/annotations.csv",
		"submit costs %s/costs.csv",
		"submit participation %s/participation.csv",
		"submit administrations %s/administrations.csv",
		"submit pdsa %s/pdsa.csv",
	};
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		char args[600];
		snprintf(args, sizeof(args), steps[i], src, src);
		cli_ok(s, s->token, args);
	}
}

static void
make_client(const char *role, const char *school, const char *district,
            char *token)
{
	Tandem__V1__CreateClientRequest req
	    = TANDEM__V1__CREATE_CLIENT_REQUEST__INIT;
	Tandem__V1__CreateClientResponse *r  = NULL;
	td_status                         st = { 0 };
	req.name                             = (char *) role;
	req.role                             = (char *) role;
	req.school                           = (char *) school;
	req.district                         = (char *) district;
	assert_int_equal(td_admin_create_client(cl, &req, &r, &st),
	                 TD_CODE_OK);
	snprintf(token, 80, "%s", r->token);
	protobuf_c_message_free_unpacked(&r->base, NULL);
	td_status_reset(&st);
}

/* export_setup makes database name, starts tandemd on it, writes the
 * sample network into dir/sample (with dir/out, back, a, b beside it),
 * loads it and makes a client of each role. */
static void
export_setup(const char *name)
{
	h_db_create(name, conninfo);
	h_server_start(&srv, conninfo, NULL);
	cl = h_client(&srv, 60000);
	snprintf(dir, sizeof(dir), "/tmp/tdtest-%s-%d", name, (int) getpid());
	assert_int_equal(h_run("rm -rf %s && mkdir -p %s/out %s/back %s/a "
	                       "%s/b && %s/tandem sample --seed 1 %s/sample "
	                       ">/dev/null",
	                       dir, dir, dir, dir, dir, h_bin_dir(), dir),
	                 0);
	char sample[200];
	snprintf(sample, sizeof(sample), "%s/sample", dir);
	load_network(&srv, sample);
	make_client("school", "S001", "", tok_school);
	make_client("district", "", "D01", tok_district);
	make_client("council", "", "", tok_council);
	make_client("evaluator", "", "", tok_evaluator);
}

static void
export_teardown(void)
{
	td_client_destroy(cl);
	assert_int_equal(h_server_stop(&srv), 0);
	h_run("rm -rf %s", dir);
}

/* One page through libtandem. */
static int
page(td_client *c, Tandem__V1__ExportRequest *req, Tandem__V1__ExportPage **p,
     td_status *st)
{
	*p = NULL;
	memset(st, 0, sizeof(*st));
	return td_export_page(c, req, p, st);
}

/* turn_page moves req on to the page after p (its cursor copied into
 * *cur, which the caller frees), frees p and st, and says whether there
 * is one. */
static bool
turn_page(Tandem__V1__ExportRequest *req, uint8_t **cur,
          Tandem__V1__ExportPage *p, td_status *st)
{
	free(*cur);
	*cur             = NULL;
	req->cursor.len  = p->next_cursor.len;
	req->cursor.data = NULL;
	if (p->next_cursor.len > 0) {
		*cur = malloc(p->next_cursor.len);
		assert_non_null(*cur);
		memcpy(*cur, p->next_cursor.data, p->next_cursor.len);
		req->cursor.data = *cur;
	}
	protobuf_c_message_free_unpacked(&p->base, NULL);
	td_status_reset(st);
	return req->cursor.len > 0;
}

#endif /* TD_EXPORT_UTIL_H */
