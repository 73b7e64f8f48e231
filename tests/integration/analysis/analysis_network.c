/* SPDX-License-Identifier: MIT
 * The analyses' test network (analysis_network.h): the sample network of
 * `tandem sample --seed 1` loaded through the real CLI into a real
 * tandemd, and the helpers both analysis test programs use.
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "analysis_network.h"

char       conninfo[512];
char       dir[128];
h_server   srv;
td_client *cl;

int
load(const char *args)
{
	return h_run("%s/tandem --server %s %s >>%s/load.log 2>&1",
	             h_bin_dir(), srv.url, args, dir);
}

int
network_setup(const char *db)
{
	h_db_create(db, conninfo);
	h_server_start(&srv, conninfo, NULL);
	cl = h_client(&srv, 60000);
	snprintf(dir, sizeof(dir), "/tmp/tdtest-sample-%d", (int) getpid());
	assert_int_equal(h_run("rm -rf %s && %s/tandem sample --seed 1 %s "
	                       ">/dev/null",
	                       dir, h_bin_dir(), dir),
	                 0);
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
		"submit surveys --survey climate %s/responses_climate.csv",
		"submit surveys --survey teacher %s/responses_teacher.csv",
		"submit outcomes %s/outcomes.csv",
		"submit feedback %s/observations.csv",
		"submit costs %s/costs.csv",
		"submit participation %s/participation.csv",
		"submit administrations %s/administrations.csv",
	};
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		char args[400];
		snprintf(args, sizeof(args), steps[i], dir);
		if (load(args) != 0) {
			h_run("tail -20 %s/load.log >&2", dir);
			fail_msg("tandem %s failed", args);
		}
	}
	return 0;
}

int
network_teardown(void **state)
{
	(void) state;
	td_client_destroy(cl);
	assert_int_equal(h_server_stop(&srv), 0);
	h_run("rm -rf %s", dir);
	return 0;
}

/* measure_key: the wire form of a measure as users write it (the keys
 * live in a small ring, so a few queries can be alive at once). */
Tandem__V1__MeasureKey *
measure_key(const char *measure)
{
	static td_measure keys[8];
	static unsigned   next;
	td_measure       *k = &keys[next++ % 8];
	char              err[TD_ERRMSG_MAX];
	if (td_measure_parse(k, measure, err) != TD_OK) {
		fail_msg("measure %s: %s", measure, err);
	}
	return &k->key;
}

/* query: a series query for a measure as users write it. */
Tandem__V1__SeriesQuery
query(const char *measure, Tandem__V1__ScopeLevel level, const char *code,
      Tandem__V1__Grain grain)
{
	Tandem__V1__SeriesQuery q = TANDEM__V1__SERIES_QUERY__INIT;
	q.measure                 = measure_key(measure);
	q.level                   = level;
	q.code                    = (char *) code;
	q.grain                   = grain;
	return q;
}
