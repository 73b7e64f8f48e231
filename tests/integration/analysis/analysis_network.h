/* SPDX-License-Identifier: MIT
 * The analyses' test network: network_setup makes database db, starts
 * tandemd on it and loads the sample network of `tandem sample --seed 1`
 * (PLANTED.md says what it holds) through the real CLI; the analysis
 * tests then ask cl.
 */
#ifndef TD_TEST_ANALYSIS_NETWORK_H
#define TD_TEST_ANALYSIS_NETWORK_H

#include "harness.h"

extern char       conninfo[512];
extern char       dir[128]; /* the sample's CSV files */
extern h_server   srv;
extern td_client *cl;

int network_setup(const char *db);
int network_teardown(void **state);
/* load runs `tandem --server URL ARGS`, logging into dir; its status. */
int load(const char *args);
/* measure_key: the wire form of a measure as users write it (the keys
 * live in a small ring, so a few queries can be alive at once). */
Tandem__V1__MeasureKey *measure_key(const char *measure);
/* query: a series query for a measure as users write it. */
Tandem__V1__SeriesQuery query(const char            *measure,
                              Tandem__V1__ScopeLevel level, const char *code,
                              Tandem__V1__Grain grain);

#endif /* TD_TEST_ANALYSIS_NETWORK_H */
