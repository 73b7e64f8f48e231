/* SPDX-License-Identifier: MIT
 * The store: the only module that speaks to PostgreSQL. One store per
 * worker thread (a PGconn belongs to one thread). Functions return a td_err
 * and leave a sentence on the store (store_errmsg), like PQerrorMessage.
 * This header is the core (connection, requests, health, migrations,
 * privileges, the data version); each area declares its functions in its
 * own header: store_ingest.h, store_registry.h, store_analysis.h,
 * store_access.h, store_disclosure.h, store_events.h, store_export.h,
 * store_icons.h, store_improve.h, store_review.h, store_roster.h.
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
/* store_connected: 1 when the connection was usable at its last use (what
 * libpq knows without asking the server; for the metrics). */
int store_connected(const store *s);
/* store_idle_check, for a worker with nothing to do: reads what the server
 * may have sent (without blocking), so a connection the server closed is
 * noticed, and reconnects a lost one at most once a second. Returns
 * store_connected. */
int store_idle_check(store *s);

/* store_begin_request readies the connection for one call: reconnects if
 * needed (not more often than every 200 ms while the database is down, so
 * callers get UNAVAILABLE fast) and sets statement_timeout to the call's
 * remaining time (ms; INT64_MAX = no deadline, <= 0 = already passed,
 * which is TD_ETIMEDOUT). */
int store_begin_request(store *s, int64_t remaining_ms)
    __attribute__((warn_unused_result));
/* store_end_request ends the call: the next store_begin_request readies
 * the connection again. Within one call, a second store_begin_request
 * (authentication, then the handler) costs no round trip. */
void store_end_request(store *s);

/* store_ping runs a trivial query; *schema_version gets the highest applied
 * migration (0 when none). */
int store_ping(store *s, int *schema_version)
    __attribute__((warn_unused_result));

/* What this process last learned of the database from any connection:
 * every query that answers or connection that fails updates it, so a
 * health check need not ask again. Ages in microseconds (INT64_MAX =
 * never). */
typedef struct store_health {
	int64_t ok_age_us; /* since a query last answered */
	int64_t fail_age_us; /* since a connection last failed */
	int     schema_version; /* as that answer saw it */
	char    error[256]; /* why it last failed */
} store_health;
void store_health_get(store_health *out);
/* store_watch waits up to ms for the idle connection to be closed by the
 * server, or for wake_fd to become readable; TD_EUNAVAIL when the
 * connection is gone (and the health state says so at once). */
int store_watch(store *s, int ms, int wake_fd)
    __attribute__((warn_unused_result));

/* store_sleep holds the connection in pg_sleep for ms milliseconds. */
int store_sleep(store *s, int ms) __attribute__((warn_unused_result));

/* store_migrate applies every embedded migration not yet recorded, each in
 * its own transaction, under an advisory lock. *applied gets the count. */
int store_migrate(store *s, int *applied, int *version)
    __attribute__((warn_unused_result));

/* store_grant_serving, on the owner's store after store_migrate: grants
 * the role of serving_conninfo what tandemd serves with (SELECT, INSERT,
 * UPDATE, DELETE on the tables; no UPDATE, DELETE or TRUNCATE on the
 * audit log; it owns nothing, so it cannot ALTER or disable triggers).
 * Nothing to do when both are the same role. */
int store_grant_serving(store *s, const char *serving_conninfo)
    __attribute__((warn_unused_result));

/* store_data_version is the data version: it changes after every write
 * transaction ends, so a cache of what was derived from the data (an
 * answer, the disclosure lattice, a token) is current while the version
 * it was computed under is. Read it before reading the data. This
 * process's writes change it when they end (store_tx_commit, or
 * store_data_changed after any other write); once store_version_listen
 * runs, every committed write of any process on the database changes it
 * too: each sends a notification on TD_DATA_CHANNEL when it commits
 * (triggers of sql/019_data_version.sql on every table but the audit log,
 * and store_tx_commit), and the listener counts them. While the listener
 * has no connection, every read gives a new version: nothing cached is
 * trusted. */
#define TD_DATA_CHANNEL "tandem_data"
uint64_t store_data_version(void);
/* store_data_version_ready is store_data_version for a caller that may
 * not use libpq (an nng callback): *out gets the version and true when it
 * is known to be current, false when a notification may be waiting to be
 * drained or the listener is down (ask store_data_version instead). */
bool store_data_version_ready(uint64_t *out);
void store_data_changed(void);
/* store_version_heard counts the notifications the listener has taken;
 * store_version_hear waits (at most max_ms) until it has taken one more
 * than after: a writer that waits for its own commit's notification to
 * come back knows the database has signalled every listener, so another
 * instance's next call is all but sure to find it waiting. False when
 * none came (no listener, or nothing was written). */
uint64_t store_version_heard(void);
bool     store_version_hear(uint64_t after, int max_ms);
/* store_version_listen starts the listener (its own connection and
 * thread); store_version_stop ends it. */
int  store_version_listen(const char *conninfo);
void store_version_stop(void);

/* The embedded migrations (generated from sql/ at build time). */
typedef struct store_migration {
	int         version;
	const char *name;
	const char *sql;
} store_migration;
extern const store_migration store_migrations[];
extern const size_t          store_n_migrations;

#endif /* TD_STORE_H */
