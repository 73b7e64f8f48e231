/* SPDX-License-Identifier: MIT
 * The improvement tests' network: improve_setup makes database db, starts
 * tandemd on it and loads the sample network (`tandem sample --seed 1`)
 * with its PDSA cycles through the real CLI, then reads what planted.csv
 * names.
 */
#ifndef TD_TEST_IMPROVE_NETWORK_H
#define TD_TEST_IMPROVE_NETWORK_H

#include <stdbool.h>

#include "harness.h"

extern char       conninfo[512];
extern char       dir[128]; /* the sample's CSV files */
extern h_server   srv;
extern td_client *cl;

/* What planted.csv names: the deviants, the isolated schools, the
 * criterion and the cycle followed by a signal. */
extern char deviant[8][16], isolated[8][16], criterion[32], cycle[32];
extern int  n_deviant, n_isolated;

int improve_setup(const char *db);
int improve_teardown(void **state);
/* load runs `tandem --server URL ARGS`, logging into dir; its status. */
int load(const char *args);
/* client_as makes an API client of role for school/district and
 * connects with its token. */
td_client *client_as(const char *role, const char *school,
                     const char *district);
bool       is_in(char list[][16], int n, const char *code);
/* discover and isolation ask c for the planted measure's year or the
 * isolation network at level; the call must end with code expect. */
Tandem__V1__DiscoverResponse *discover(td_client *c, int expect);
Tandem__V1__IsolationResponse *
isolation(td_client *c, Tandem__V1__IsolationLevel level, int expect);

#endif /* TD_TEST_IMPROVE_NETWORK_H */
