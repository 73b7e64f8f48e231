/* SPDX-License-Identifier: MIT
 * The store's side of rosters: rows keyed by the SIS's sourcedId as well
 * as by code, active flags, educator memberships (an educator serves one
 * or more schools, or a district, with a role at each) and the one answer
 * to "does educator E serve school S".
 */
#ifndef TD_STORE_ROSTER_H
#define TD_STORE_ROSTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"
#include "store_registry.h"

/* A registry row as the roster import sees it; id 0 = no such row. */
typedef struct store_roster_row {
	int64_t id;
	char    code[72];
	char    sourced_id[256]; /* "" = none */
	int64_t parent_id; /* schools: district; educators: primary school */
	bool    active;
	bool    implied; /* districts only */
} store_roster_row;

/* store_roster_lock serialises roster imports until the transaction
 * ends: the codes one chooses depend on what the others stored. */
int store_roster_lock(store *s) __attribute__((warn_unused_result));

/* store_roster_find looks up a row of kind (STORE_DISTRICTS,
 * STORE_SCHOOLS or STORE_EDUCATORS) by sourced_id into *by_sid (sid may be ""
 * or NULL: no lookup) and by code into *by_code (code may be "" or NULL). */
int store_roster_find(store *s, store_kind kind, const char *sid,
                      const char *code, store_roster_row *by_sid,
                      store_roster_row *by_code)
    __attribute__((warn_unused_result));

/* store_roster_put_* write one row: id 0 inserts, else updates row id
 * (adopting sid when it had none); ident is the export's identifier,
 * kept to judge later whether it is unique. *id_out gets the row's id
 * and *outcome what changed. */
int store_roster_put_district(store *s, int64_t id, const char *sid,
                              const char *ident, const char *code,
                              const char *name, bool active, bool implied,
                              int64_t *id_out, store_outcome *outcome)
    __attribute__((warn_unused_result));
int store_roster_put_school(store *s, int64_t id, const char *sid,
                            const char *ident, const char *code,
                            const char *name, int64_t district_id, bool active,
                            int64_t *id_out, store_outcome *outcome)
    __attribute__((warn_unused_result));
/* Educators: role is used only when inserting (store_educator_settle
 * sets the primary school and role from the memberships). */
int store_roster_put_educator(store *s, int64_t id, const char *sid,
                              const char *ident, const char *code,
                              const char *name, const char *role, bool active,
                              int64_t *id_out, store_outcome *outcome)
    __attribute__((warn_unused_result));
/* store_roster_ident_others lists (up to max) the sourcedIds of kind's
 * rows, other than sid's, stored with identifier ident. */
int store_roster_ident_others(store *s, store_kind kind, const char *ident,
                              const char *sid, char (*others)[256], size_t max,
                              size_t *n) __attribute__((warn_unused_result));
/* store_roster_deactivate sets kind's row id inactive; *changed says
 * whether it was active. */
int store_roster_deactivate(store *s, store_kind kind, int64_t id,
                            bool *changed) __attribute__((warn_unused_result));

/* store_membership_put makes educator serve school_id (or, school_id 0,
 * district_id) as role; sid "" keeps the stored one. */
int store_membership_put(store *s, int64_t educator_id, int64_t school_id,
                         int64_t district_id, const char *role, bool active,
                         const char *sid, store_outcome *outcome)
    __attribute__((warn_unused_result));
/* store_membership_retire_others deactivates educator's memberships
 * other than those at schools[0..n_schools) and districts[0..n_districts);
 * *n_retired counts them. */
int store_membership_retire_others(store *s, int64_t educator_id,
                                   const int64_t *schools, size_t n_schools,
                                   const int64_t *districts,
                                   size_t n_districts, int64_t *n_retired)
    __attribute__((warn_unused_result));
/* store_membership_retire deactivates the membership whose sourced_id is
 * sid or, sid "" , educator's at school_id (or district_id). */
int store_membership_retire(store *s, const char *sid, int64_t educator_id,
                            int64_t school_id, int64_t district_id,
                            int64_t *n_retired)
    __attribute__((warn_unused_result));
/* store_educator_settle points educator's primary school and role at one
 * of its active memberships: the one at prefer_school if any, else the
 * current primary, else the first school, else a district membership
 * (school NULL). *changed says whether that moved. */
int store_educator_settle(store *s, int64_t educator_id, int64_t prefer_school,
                          bool *changed) __attribute__((warn_unused_result));
/* store_educator_serve_only is what DefineEducators does besides the
 * educator row (run after it): the educator called code serves its
 * primary school as role, and the school it was at before (old_school,
 * a code; NULL or "" = none) is retired when that changed. */
int store_educator_serve_only(store *s, const char *code, const char *role,
                              const char *old_school)
    __attribute__((warn_unused_result));

/* store_educators_at_schools answers, for each i, whether educator
 * educators[i] currently serves school schools[i]: the educator is active
 * and holds an active membership at that school, or an active
 * district-level membership in the school's district. This is the one
 * place the rule lives; scope checks call it. */
int store_educators_at_schools(store *s, const int64_t *educators,
                               const int64_t *schools, size_t n, bool *at)
    __attribute__((warn_unused_result));
/* store_educator_at_school is store_educators_at_schools for one pair. */
int store_educator_at_school(store *s, int64_t educator_id, int64_t school_id,
                             bool *at) __attribute__((warn_unused_result));

/* Listings. Strings are malloc'd; the _free functions free them. */
typedef struct store_district {
	char *code, *name, *sourced_id;
	bool  active, implied;
} store_district;
int store_list_districts(store *s, store_district **out, size_t *n)
    __attribute__((warn_unused_result));
void store_districts_free(store_district *v, size_t n);

typedef struct store_membership {
	char *school; /* "" = district-level */
	char *district;
	char *role;
	bool  active;
} store_membership;

typedef struct store_educator {
	char             *code, *name, *role, *school, *sourced_id;
	bool              active;
	store_membership *memberships;
	size_t            n_memberships;
} store_educator;
/* store_list_educators lists educators serving school (code, "" = any)
 * in district (code, "" = any), with every membership; inactive
 * educators and memberships only when include_inactive. */
int  store_list_educators(store *s, const char *school, const char *district,
                          bool include_inactive, store_educator **out,
                          size_t *n) __attribute__((warn_unused_result));
void store_educators_free(store_educator *v, size_t n);

#endif /* TD_STORE_ROSTER_H */
