/* SPDX-License-Identifier: MIT
 * Registry/ImportRoster's shared state: the request's records indexed by
 * sourcedId, the counts and notes of the reply (roster.c), and the steps
 * that store orgs, users and memberships (roster_apply.c).
 */
#ifndef TD_SERVICES_ROSTER_H
#define TD_SERVICES_ROSTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rpc/rpc.h"
#include "store/store.h"
#include "store/store_registry.h"
#include "store/store_roster.h"
#include "tandem/v1/registry.pb-c.h"

#define ROSTER_MAX_NOTES 2000 /* the reply stays well under its limit */
#define ROSTER_MAX_DEPTH 16 /* org parents walked to find a district */
#define ROSTER_SID_MAX   255 /* the sourced_id columns' CHECK */
#define ROSTER_CODE_MAX  64 /* the code columns' CHECK */

enum { K_DISTRICT, K_SCHOOL, K_EDUCATOR, K_MEMBERSHIP, K_N };
/* What each K_ counts, as the reply names it. */
extern const char *const roster_kind[K_N];

/* A sorted index of sourcedIds: key -> record. */
typedef struct ix {
	const char *key;
	size_t      i;
} ix;

typedef struct roster {
	rpc_call                              *call;
	const Tandem__V1__ImportRosterRequest *in;
	size_t                                 no, nu, nm;
	ix                                    *orgs, *users, *mems;
	int64_t                               *org_id;
	Tandem__V1__RosterCount *counts; /* [K_N], in the arena */
	Tandem__V1__RosterNote **notes;
	size_t                   n_notes;
	int64_t                  omitted;
	Tandem__V1__RosterSkip **skips;
	size_t                   n_skips;
	int                      rv; /* store error */
} roster;

/* roster_ix_first: the position of key's first entry in v, or n;
 * roster_ix_find: its record, or -1. */
size_t  roster_ix_first(const ix *v, size_t n, const char *key);
int64_t roster_ix_find(const ix *v, size_t n, const char *key);

/* roster_note adds a note on record rec (at most ROSTER_MAX_NOTES, then
 * they are counted); roster_skip counts a record not stored, by kind and
 * reason; roster_tally counts what a store call did. */
void roster_note(roster *r, int64_t rec, const char *field, const char *reason,
                 bool skipped, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
void roster_skip(roster *r, int kind, const char *reason);
void roster_tally(roster *r, int kind, store_outcome o);

/* roster_shared_codes marks records whose identifier another record
 * (with another sourcedId) of the request also has; NULL without memory. */
bool *roster_shared_codes(roster *r, const char **ident, const char **sid,
                          size_t n);
/* roster_choose_code picks the code of a record: its identifier when
 * usable and unique, else its sourcedId (noted). *row gets the stored
 * row it is (id 0: new). NULL after a detail or a store error (r->rv). */
const char *roster_choose_code(roster *r, int kind, int64_t rec,
                               const char *sid, const char *ident, bool shared,
                               store_roster_row *row);

/* The steps, in order; each stops at a store error (r->rv) and leaves
 * problems as the call's details. */
void roster_put_districts(roster *r);
void roster_put_schools(roster *r, int64_t named_district);
void roster_put_users(roster *r);

#endif /* TD_SERVICES_ROSTER_H */
