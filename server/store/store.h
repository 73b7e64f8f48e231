/* SPDX-License-Identifier: MIT
 * The store: the only module that speaks to PostgreSQL. One store per
 * worker thread (a PGconn belongs to one thread). Functions return a td_err
 * and leave a sentence on the store (store_errmsg), like PQerrorMessage.
 */
#ifndef TD_STORE_H
#define TD_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tandem/errors.h"

typedef struct store store;

/* store_open connects (or remembers the failure: a store whose database is
 * down still exists and reconnects later). The caller owns *out. */
int store_open(store **out, const char *conninfo, int worker)
    __attribute__((warn_unused_result));
void store_close(store *s);
/* store_errmsg: the last error's sentence (static until the next call). */
const char *store_errmsg(const store *s);

/* store_begin_request readies the connection for one call: reconnects if
 * needed (not more often than every 200 ms while the database is down, so
 * callers get UNAVAILABLE fast) and sets statement_timeout to the call's
 * remaining time (ms; INT64_MAX = no deadline, <= 0 = already passed,
 * which is TD_ETIMEDOUT). */
int store_begin_request(store *s, int64_t remaining_ms)
    __attribute__((warn_unused_result));

/* store_ping runs a trivial query; *schema_version gets the highest applied
 * migration (0 when none). */
int store_ping(store *s, int *schema_version)
    __attribute__((warn_unused_result));

/* store_sleep holds the connection in pg_sleep for ms milliseconds. */
int store_sleep(store *s, int ms) __attribute__((warn_unused_result));

/* store_migrate applies every embedded migration not yet recorded, each in
 * its own transaction, under an advisory lock. *applied gets the count. */
int store_migrate(store *s, int *applied, int *version)
    __attribute__((warn_unused_result));

/* The embedded migrations (generated from sql/ at build time). */
typedef struct store_migration {
	int         version;
	const char *name;
	const char *sql;
} store_migration;
extern const store_migration store_migrations[];
extern const size_t          store_n_migrations;

#endif /* TD_STORE_H */
