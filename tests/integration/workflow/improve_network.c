/* SPDX-License-Identifier: MIT
 * The improvement tests' network (improve_network.h): the sample network
 * with its PDSA cycles loaded through the real CLI into a real tandemd,
 * what planted.csv names, and the calls both test programs make.
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "improve_network.h"

char       conninfo[512];
char       dir[128];
h_server   srv;
td_client *cl;

/* What planted.csv names: the deviants, the isolated schools, the
 * criterion and the cycle followed by a signal. */
char deviant[8][16], isolated[8][16], criterion[32], cycle[32];
int  n_deviant, n_isolated;

int
load(const char *args)
{
	return h_run("%s/tandem --server %s %s >>%s/load.log 2>&1",
	             h_bin_dir(), srv.url, args, dir);
}

static void
read_planted(void)
{
	char path[200], line[1024];
	snprintf(path, sizeof(path), "%s/planted.csv", dir);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		char *kind = line, *code = strchr(line, ',');
		if (code == NULL) {
			continue;
		}
		*code++   = '\0';
		char *end = strchr(code, ',');
		if (end != NULL) {
			*end = '\0';
		}
		if (strcmp(kind, "positive_deviant") == 0 && n_deviant < 8) {
			snprintf(deviant[n_deviant++], 16, "%s", code);
		} else if (strcmp(kind, "isolated_school") == 0
		           && n_isolated < 8) {
			snprintf(isolated[n_isolated++], 16, "%s", code);
		} else if (strcmp(kind, "deviant_practice") == 0) {
			snprintf(criterion, sizeof(criterion), "%s", code);
		} else if (strcmp(kind, "pdsa_signal") == 0) {
			snprintf(cycle, sizeof(cycle), "%s", code);
		}
	}
	fclose(f);
}

int
improve_setup(const char *db)
{
	h_db_create(db, conninfo);
	h_server_start(&srv, conninfo, NULL);
	cl = h_client(&srv, 60000);
	snprintf(dir, sizeof(dir), "/tmp/tdtest-improve-%d", (int) getpid());
	assert_int_equal(h_run("rm -rf %s && %s/tandem sample --seed 1 %s "
	                       ">/dev/null",
	                       dir, h_bin_dir(), dir),
	                 0);
	const char *steps[] = {
		"define districts %s/districts.csv",
		"define schools %s/schools.csv",
		"define educators %s/educators.csv",
		"define measures %s/measures.csv",
		"define rubric --code practice %s/rubric_practice.csv",
		"define activities %s/activities.csv",
		"submit outcomes %s/outcomes.csv",
		"submit feedback %s/observations.csv --annotations "
		"%s/annotations.csv",
		"submit participation %s/participation.csv",
		"submit pdsa %s/pdsa.csv",
	};
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		char args[400];
		snprintf(args, sizeof(args), steps[i], dir, dir);
		if (load(args) != 0) {
			h_run("tail -20 %s/load.log >&2", dir);
			fail_msg("tandem %s failed", args);
		}
	}
	read_planted();
	assert_true(n_deviant > 0 && n_isolated == 2);
	assert_true(criterion[0] != '\0' && cycle[0] != '\0');
	return 0;
}

int
improve_teardown(void **state)
{
	(void) state;
	td_client_destroy(cl);
	assert_int_equal(h_server_stop(&srv), 0);
	h_run("rm -rf %s", dir);
	return 0;
}

/* client_as makes an API client of role for school/district and
 * connects with its token. */
td_client *
client_as(const char *role, const char *school, const char *district)
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
	td_client *c = h_client_token(&srv, 60000, r->token);
	protobuf_c_message_free_unpacked(&r->base, NULL);
	td_status_reset(&st);
	return c;
}

bool
is_in(char list[][16], int n, const char *code)
{
	for (int i = 0; i < n; i++) {
		if (strcmp(list[i], code) == 0) {
			return true;
		}
	}
	return false;
}

Tandem__V1__DiscoverResponse *
discover(td_client *c, int expect)
{
	Tandem__V1__DiscoverRequest   req = TANDEM__V1__DISCOVER_REQUEST__INIT;
	Tandem__V1__DiscoverResponse *r   = NULL;
	td_status                     st  = { 0 };
	req.measure                       = h_outcome("ela_scale");
	req.period                        = "2025-26";
	assert_int_equal(td_improvement_discover(c, &req, &r, &st), expect);
	td_status_reset(&st);
	return r;
}

Tandem__V1__IsolationResponse *
isolation(td_client *c, Tandem__V1__IsolationLevel level, int expect)
{
	Tandem__V1__IsolationRequest req = TANDEM__V1__ISOLATION_REQUEST__INIT;
	Tandem__V1__IsolationResponse *r = NULL;
	td_status                      st = { 0 };
	req.level                         = level;
	assert_int_equal(td_improvement_isolation(c, &req, &r, &st), expect);
	td_status_reset(&st);
	return r;
}
