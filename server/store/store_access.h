/* SPDX-License-Identifier: MIT
 * The store's side of access (core/store_access.c): API clients and
 * their tokens, and the audit log.
 */
#ifndef TD_STORE_ACCESS_H
#define TD_STORE_ACCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

/* ---- API clients and the audit log ---- */

typedef struct store_client {
	char id[40];
	char name[128];
	char role[16];
	char school[72]; /* role school: its code */
	char district[72]; /* role district: its code; role school: the
	                    * school's district */
	char          created_at[40];
	char          revoked_at[40]; /* "" = active */
	unsigned char token_sha256[32];
} store_client;

/* store_client_by_token finds the client whose token hashes to hash;
 * *found is false when there is none (revoked ones are found, with
 * revoked_at set). */
int store_client_by_token(store *s, const unsigned char hash[32],
                          store_client *out, bool *found)
    __attribute__((warn_unused_result));
/* store_client_create stores a client; school and district are codes
 * ("" = none), TD_ENOTFOUND when one is unknown. out gets the row. */
int store_client_create(store *s, const char *id, const char *name,
                        const char *role, const char *school,
                        const char *district, const unsigned char hash[32],
                        store_client *out) __attribute__((warn_unused_result));
int store_clients_list(store *s, bool include_revoked, store_client **out,
                       size_t *n) __attribute__((warn_unused_result));
/* store_client_revoke marks a client revoked (TD_ENOTFOUND if none). */
int store_client_revoke(store *s, const char *id, store_client *out)
    __attribute__((warn_unused_result));

typedef struct store_audit_row {
	int64_t id;
	char    at[40], client[40], method[96], status[24], request_id[64];
	int64_t records, duration_us;
	char    detail[256];
} store_audit_row;
/* store_audit_append adds one row in its own transaction. async: the
 * commit does not wait for the disk (denied and unauthenticated calls, so
 * that a flood of them costs no fsync each). */
int store_audit_append(store *s, const char *client_id, const char *method,
                       const char *status, const char *request_id,
                       int64_t records, int64_t duration_us,
                       const char *detail, bool async)
    __attribute__((warn_unused_result));
/* One audit row waiting to be written (store_audit_append_many): the
 * caller's strings, already escaped and bounded. */
typedef struct store_audit_entry {
	char    client_id[40]; /* "" = none (NULL) */
	char    method[200];
	char    status[40];
	char    request_id[128];
	int64_t records, duration_us;
	char    detail[512];
} store_audit_entry;
/* store_audit_append_many adds n rows in one statement and one
 * transaction (one commit for all). */
int store_audit_append_many(store *s, const store_audit_entry *rows, size_t n)
    __attribute__((warn_unused_result));
int store_audit_query(store *s, const char *since, const char *client,
                      int limit, store_audit_row **out, size_t *n)
    __attribute__((warn_unused_result));

#endif /* TD_STORE_ACCESS_H */
