/* SPDX-License-Identifier: MIT
 * Connection handling: connect, reconnect after the database restarts,
 * statement_timeout from the call's deadline, and SQLSTATE → td_err.
 */
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

#include "store_internal.h"

#define RECONNECT_EVERY_US 200000
/* An idle worker retries a lost database this often, so /healthz and the
 * first call after an outage find it back without a request to wait. */
#define IDLE_RECONNECT_US 1000000

/* What this process last learned of the database, from any connection:
 * when a query last answered (and the schema version it saw), when a
 * connection last failed, and why. Health reads it instead of asking. */
static _Atomic int64_t health_ok_us, health_fail_us;
static atomic_int      health_version;
static pthread_mutex_t health_mu = PTHREAD_MUTEX_INITIALIZER;
static char            health_err[256];

/* The data version: bumped after every write transaction of this process
 * (store_tx_commit) and, once store_version_listen has started, on every
 * notification on TD_DATA_CHANNEL, which each committing write of any
 * process sends (sql/019_data_version.sql, store_tx_commit): caches of
 * derived data key on it, so every tandemd on one database sees a write
 * as soon as the database delivers its notification. */
static _Atomic uint64_t data_version = 1;

/* The listener: its own connection, a thread that waits on its socket,
 * and readers that drain what has arrived before they read the version,
 * so a notification already on the socket counts without waiting for the
 * thread to be scheduled. While it is not listening (connection lost,
 * LISTEN not yet done) no version is trusted: each read gives a new one,
 * so nothing cached is served and nothing new is cached. */
#define VERSION_RETRY_MS 200
static pthread_mutex_t  listen_mu = PTHREAD_MUTEX_INITIALIZER;
static PGconn          *listen_conn; /* under listen_mu */
static int              listen_fd = -1; /* its socket, under listen_mu */
static atomic_bool      listen_started, listen_ok, listen_stop;
static pthread_t        listen_thread;
static int              listen_wake[2] = { -1, -1 };
static char            *listen_conninfo;
static _Atomic uint64_t notes_heard; /* notifications drained */

/* drain takes what has arrived on the listening connection; under
 * listen_mu. False when the connection is gone. */
static bool
drain(void)
{
	if (listen_conn == NULL || PQconsumeInput(listen_conn) == 0
	    || PQstatus(listen_conn) != CONNECTION_OK) {
		return false;
	}
	PGnotify *n;
	while ((n = PQnotifies(listen_conn)) != NULL) {
		atomic_fetch_add(&data_version, 1);
		atomic_fetch_add(&notes_heard, 1);
		PQfreemem(n);
	}
	return true;
}

uint64_t
store_version_heard(void)
{
	return atomic_load(&notes_heard);
}

bool
store_version_hear(uint64_t after, int max_ms)
{
	int64_t end = store_now_us() + (int64_t) max_ms * 1000;
	while (atomic_load(&listen_started) && atomic_load(&listen_ok)) {
		(void) store_data_version(); /* drains */
		if (atomic_load(&notes_heard) > after) {
			return true;
		}
		if (store_now_us() >= end) {
			break;
		}
		struct timespec t = { 0, 50000 };
		nanosleep(&t, NULL);
	}
	return false;
}

uint64_t
store_data_version(void)
{
	if (!atomic_load(&listen_started)) {
		return atomic_load(&data_version);
	}
	pthread_mutex_lock(&listen_mu);
	bool ok = atomic_load(&listen_ok) && drain();
	if (!ok) {
		atomic_store(&listen_ok, false);
	}
	pthread_mutex_unlock(&listen_mu);
	return ok ? atomic_load(&data_version)
	          : atomic_fetch_add(&data_version, 1) + 1;
}

bool
store_data_version_ready(uint64_t *out)
{
	if (!atomic_load(&listen_started)) {
		*out = atomic_load(&data_version);
		return true;
	}
	/* No libpq here (nng's threads call this): drain has left no whole
	 * notification in libpq's buffer, so one not yet counted can only
	 * be on the socket, and a socket with nothing to read means the
	 * version is current. Anything else is the workers' (who drain). */
	bool ok = false;
	pthread_mutex_lock(&listen_mu);
	if (atomic_load(&listen_ok) && listen_fd >= 0) {
		struct pollfd p = { listen_fd, POLLIN, 0 };
		ok              = poll(&p, 1, 0) == 0;
	}
	*out = atomic_load(&data_version);
	pthread_mutex_unlock(&listen_mu);
	return ok;
}

void
store_data_changed(void)
{
	atomic_fetch_add(&data_version, 1);
}

static bool
listen_connect(void)
{
	const char *keys[]
	    = { "connect_timeout", "application_name", "dbname", NULL };
	const char *vals[] = { "3", "tandemd-listen", listen_conninfo, NULL };
	PGconn *c = PQconnectdbParams(keys, vals, listen_conninfo[0] ? 1 : 0);
	PGresult *r = NULL;
	if (c != NULL && PQstatus(c) == CONNECTION_OK) {
		r = PQexec(c, "LISTEN " TD_DATA_CHANNEL);
	}
	bool ok = r != NULL && PQresultStatus(r) == PGRES_COMMAND_OK;
	PQclear(r);
	pthread_mutex_lock(&listen_mu);
	if (listen_conn != NULL) {
		PQfinish(listen_conn);
	}
	listen_conn = ok ? c : NULL;
	listen_fd   = ok ? PQsocket(c) : -1;
	/* Whatever was written while nobody listened is unknown: new
	 * version, then trust it. */
	atomic_fetch_add(&data_version, 1);
	atomic_store(&listen_ok, ok);
	pthread_mutex_unlock(&listen_mu);
	if (!ok && c != NULL) {
		PQfinish(c);
	}
	return ok;
}

static void *
listen_main(void *arg)
{
	(void) arg;
	while (!atomic_load(&listen_stop)) {
		if (!atomic_load(&listen_ok) && !listen_connect()) {
			struct pollfd w = { listen_wake[0], POLLIN, 0 };
			(void) poll(&w, 1, VERSION_RETRY_MS);
			continue;
		}
		pthread_mutex_lock(&listen_mu);
		int fd = listen_conn != NULL ? PQsocket(listen_conn) : -1;
		pthread_mutex_unlock(&listen_mu);
		struct pollfd p[2]
		    = { { fd, POLLIN, 0 }, { listen_wake[0], POLLIN, 0 } };
		if (fd < 0) {
			atomic_store(&listen_ok, false);
			continue;
		}
		if (poll(p, 2, 1000) > 0 && (p[0].revents != 0)) {
			pthread_mutex_lock(&listen_mu);
			if (!drain()) {
				atomic_store(&listen_ok, false);
			}
			pthread_mutex_unlock(&listen_mu);
		}
	}
	return NULL;
}

int
store_version_listen(const char *conninfo)
{
	if (atomic_load(&listen_started)) {
		return TD_OK;
	}
	listen_conninfo = strdup(conninfo ? conninfo : "");
	if (listen_conninfo == NULL || pipe(listen_wake) != 0) {
		free(listen_conninfo);
		listen_conninfo = NULL;
		return TD_EINTERNAL;
	}
	atomic_store(&listen_stop, false);
	(void) listen_connect(); /* a down database is retried */
	atomic_store(&listen_started, true);
	if (pthread_create(&listen_thread, NULL, listen_main, NULL) != 0) {
		atomic_store(&listen_started, false);
		close(listen_wake[0]);
		close(listen_wake[1]);
		return TD_EINTERNAL;
	}
	return TD_OK;
}

void
store_version_stop(void)
{
	if (!atomic_load(&listen_started)) {
		return;
	}
	atomic_store(&listen_stop, true);
	if (write(listen_wake[1], "x", 1) < 0) {
		/* the thread still stops within a second */
	}
	pthread_join(listen_thread, NULL);
	atomic_store(&listen_started, false);
	pthread_mutex_lock(&listen_mu);
	if (listen_conn != NULL) {
		PQfinish(listen_conn);
		listen_conn = NULL;
		listen_fd   = -1;
	}
	pthread_mutex_unlock(&listen_mu);
	close(listen_wake[0]);
	close(listen_wake[1]);
	free(listen_conninfo);
	listen_conninfo = NULL;
}

static void
health_failed(const char *why)
{
	pthread_mutex_lock(&health_mu);
	snprintf(health_err, sizeof(health_err), "%s", why);
	atomic_store(&health_fail_us, store_now_us());
	pthread_mutex_unlock(&health_mu);
}

static void
health_answered(int schema_version)
{
	atomic_store(&health_version, schema_version);
	atomic_store(&health_ok_us, store_now_us());
}

void
store_health_get(store_health *out)
{
	int64_t now         = store_now_us();
	int64_t ok          = atomic_load(&health_ok_us),
	        fail        = atomic_load(&health_fail_us);
	out->ok_age_us      = ok ? now - ok : INT64_MAX;
	out->fail_age_us    = fail ? now - fail : INT64_MAX;
	out->schema_version = atomic_load(&health_version);
	pthread_mutex_lock(&health_mu);
	snprintf(out->error, sizeof(out->error), "%s", health_err);
	pthread_mutex_unlock(&health_mu);
}

int64_t
store_now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int
store_fail(store *s, int err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(s->err, sizeof(s->err), fmt, ap);
	va_end(ap);
	return err;
}

const char *
store_errmsg(const store *s)
{
	return s->err;
}

static int connect_now(store *s);

int
store_connected(const store *s)
{
	return s->conn != NULL && PQstatus(s->conn) == CONNECTION_OK;
}

int
store_idle_check(store *s)
{
	if (s->conn != NULL && PQstatus(s->conn) == CONNECTION_OK) {
		/* libpq's socket is non-blocking: this only takes what has
		 * arrived, and an EOF marks the connection bad. */
		if (PQtransactionStatus(s->conn) == PQTRANS_IDLE) {
			(void) PQconsumeInput(s->conn);
		}
	} else if (store_now_us() - s->last_attempt_us >= IDLE_RECONNECT_US) {
		(void) connect_now(s);
		s->readied = false;
	}
	return store_connected(s);
}

/* trim_newline folds libpq's multi-line messages into one line, so a
 * message fits a log line and a status. */
static void
trim_newline(char *m)
{
	char *w = m;
	for (char *r = m; *r; r++) {
		if (*r == '\n' || *r == '\t') {
			if (w > m && w[-1] != ' ') {
				*w++ = ' ';
			}
			continue;
		}
		*w++ = *r;
	}
	while (w > m && w[-1] == ' ') {
		w--;
	}
	*w = '\0';
}

int
store_result_err(store *s, const PGresult *res, const char *what)
{
	const char *state
	    = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *msg
	    = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	char buf[384];
	int  err;

	snprintf(buf, sizeof(buf), "%s", msg ? msg : PQerrorMessage(s->conn));
	trim_newline(buf);
	/* PostgreSQL's own words go to the operator's log, never to a
	 * client: they can name tables, values and other schools' keys. */
	for (char *q = buf; *q; q++) {
		if (*q == '"' || *q == '\n' || *q == '\r') {
			*q = '\'';
		}
	}
	fprintf(stderr,
	        "level=warn msg=\"database error\" while=\"%s\" "
	        "sqlstate=%s worker=%d error=\"%s\"\n",
	        what, state ? state : "none", s->worker, buf);
	if (PQstatus(s->conn) == CONNECTION_BAD || state == NULL) {
		s->timeout_ms = -1;
		store_fail(s, TD_EUNAVAIL, "database unavailable while %s",
		           what);
		health_failed(s->err);
		return TD_EUNAVAIL;
	}
	if (strcmp(state, "57014") == 0) {
		err = TD_ETIMEDOUT; /* query_canceled: statement_timeout */
		return store_fail(s, err, "deadline exceeded while %s", what);
	} else if (strncmp(state, "08", 2) == 0 || strcmp(state, "57P01") == 0
	           || strcmp(state, "57P02") == 0
	           || strcmp(state, "57P03") == 0
	           || strcmp(state, "53300") == 0) {
		err = TD_EUNAVAIL;
	} else if (strcmp(state, "23505") == 0) {
		err = TD_EEXIST;
	} else if (strcmp(state, "23503") == 0) {
		err = TD_ENOTFOUND;
	} else if (strncmp(state, "22", 2) == 0
	           || strncmp(state, "23", 2) == 0) {
		err = TD_EINVAL;
	} else if (strcmp(state, "40001") == 0
	           || strcmp(state, "40P01") == 0) {
		err = TD_EUNAVAIL; /* serialization/deadlock: retryable */
	} else {
		err = TD_EINTERNAL;
	}
	return store_fail(s, err, "the database refused %s (SQLSTATE %s)",
	                  what, state);
}

int
store_copy_begin(store *s, const char *sql, const char *what)
{
	PGresult *res = PQexec(s->conn, sql);
	int       rv  = TD_OK;
	if (PQresultStatus(res) != PGRES_COPY_IN) {
		rv = store_result_err(s, res, what);
	}
	PQclear(res);
	return rv;
}

int
store_copy_end(store *s, bool ok, const char *what)
{
	PQputCopyEnd(s->conn, ok ? NULL : "tandemd could not send the rows");
	PGresult *res = PQgetResult(s->conn);
	int       rv  = TD_OK;
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		rv = store_result_err(s, res, what);
	}
	PQclear(res);
	/* Drain: libpq wants NULL before the next command. */
	while ((res = PQgetResult(s->conn)) != NULL) {
		PQclear(res);
	}
	return rv;
}

int
store_exec(store *s, const char *sql, const char *what)
{
	PGresult *res = PQexec(s->conn, sql);
	int       rv  = TD_OK;
	if (PQresultStatus(res) != PGRES_COMMAND_OK
	    && PQresultStatus(res) != PGRES_TUPLES_OK) {
		rv = store_result_err(s, res, what);
	}
	PQclear(res);
	return rv;
}

int
store_query(store *s, const char *sql, int n, const char *const *params,
            PGresult **out, const char *what)
{
	PGresult *res
	    = PQexecParams(s->conn, sql, n, NULL, params, NULL, NULL, 0);
	ExecStatusType st = PQresultStatus(res);
	if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
		int rv = store_result_err(s, res, what);
		PQclear(res);
		return rv;
	}
	*out = res;
	return TD_OK;
}

void
store_copy_field(char *dst, size_t cap, const PGresult *r, int row, int col)
{
	const char *v = PQgetvalue(r, row, col);
	size_t      n = strnlen(v, cap - 1);
	memcpy(dst, v, n);
	dst[n] = '\0';
}

double
store_num(const PGresult *r, int row, int col)
{
	return PQgetisnull(r, row, col)
	    ? NAN
	    : strtod(PQgetvalue(r, row, col), NULL);
}

void *
store_alloc_rows(store *s, size_t n, size_t sz, int *rv)
{
	void *p = calloc(n ? n : 1, sz);
	*rv     = p ? TD_OK : store_fail(s, TD_ENOMEM, "out of memory");
	return p;
}

void
store_rollback(store *s)
{
	PGresult *res = PQexec(s->conn, "ROLLBACK");
	PQclear(res);
}

static int
connect_now(store *s)
{
	/* connect_timeout first so the operator's conninfo can override it;
	 * dbname is expanded as a full conninfo or URI. */
	const char *keys[]
	    = { "connect_timeout", "application_name", "dbname", NULL };
	const char *vals[] = { "3", "tandemd", s->conninfo, NULL };

	if (s->conn != NULL) {
		PQfinish(s->conn);
	}
	s->last_attempt_us = store_now_us();
	s->timeout_ms      = -1;
	s->audit_prepared  = false;
	s->rollup_rows     = false;
	s->conn = PQconnectdbParams(keys, vals, s->conninfo[0] ? 1 : 0);
	if (s->conn == NULL) {
		return store_fail(s, TD_ENOMEM, "out of memory connecting");
	}
	if (PQstatus(s->conn) != CONNECTION_OK) {
		char buf[384];
		snprintf(buf, sizeof(buf), "%s", PQerrorMessage(s->conn));
		trim_newline(buf);
		store_fail(s, TD_EUNAVAIL,
		           "cannot connect to the database: %s", buf);
		health_failed(s->err);
		return TD_EUNAVAIL;
	}
	return TD_OK;
}

int
store_open(store **out, const char *conninfo, int worker)
{
	store *s = calloc(1, sizeof(*s));
	if (s == NULL) {
		return TD_ENOMEM;
	}
	s->conninfo = strdup(conninfo ? conninfo : "");
	if (s->conninfo == NULL) {
		free(s);
		return TD_ENOMEM;
	}
	s->worker = worker;
	(void) connect_now(s); /* a down database is retried later */
	*out = s;
	return TD_OK;
}

void
store_close(store *s)
{
	if (s == NULL) {
		return;
	}
	if (s->conn != NULL) {
		PQfinish(s->conn);
	}
	free(s->conninfo);
	free(s);
}

int
store_set_timeout(store *s, int64_t ms)
{
	char sql[64];
	if (ms == s->timeout_ms) {
		return TD_OK;
	}
	snprintf(sql, sizeof(sql), "SET statement_timeout = %lld",
	         (long long) ms);
	int rv = store_exec(s, sql, "setting the statement timeout");
	if (rv == TD_OK) {
		s->timeout_ms = ms;
	}
	return rv;
}

int
store_begin_request(store *s, int64_t remaining_ms)
{
	int64_t ms = 0; /* statement_timeout 0 = none */
	if (remaining_ms != INT64_MAX) {
		if (remaining_ms <= 0) {
			return store_fail(
			    s, TD_ETIMEDOUT,
			    "deadline exceeded before the database "
			    "was asked");
		}
		ms = remaining_ms > INT32_MAX ? 0 : remaining_ms;
	}
	if (s->readied && PQstatus(s->conn) == CONNECTION_OK
	    && PQtransactionStatus(s->conn) == PQTRANS_IDLE) {
		return TD_OK; /* already readied for this call */
	}
	if (PQstatus(s->conn) == CONNECTION_OK
	    && PQtransactionStatus(s->conn) != PQTRANS_IDLE) {
		/* A previous call left a transaction open: never let it
		 * leak into this one. */
		store_rollback(s);
	}
	if (PQstatus(s->conn) != CONNECTION_OK) {
		if (store_now_us() - s->last_attempt_us < RECONNECT_EVERY_US) {
			return TD_EUNAVAIL; /* keep the last message */
		}
		int rv = connect_now(s);
		if (rv != TD_OK) {
			return rv;
		}
	}
	int rv = store_set_timeout(s, ms);
	if (rv == TD_EUNAVAIL && PQstatus(s->conn) == CONNECTION_BAD) {
		/* The server restarted since our last call: the first
		 * command on the old connection is where we learn it, and
		 * SET is safe to repeat on a fresh one. */
		rv = connect_now(s);
		if (rv == TD_OK) {
			rv = store_set_timeout(s, ms);
		}
	}
	s->readied = rv == TD_OK;
	return rv;
}

static int ping_once(store *s, int *schema_version);

int
store_ping(store *s, int *schema_version)
{
	int rv = ping_once(s, schema_version);
	if (rv == TD_EUNAVAIL && PQstatus(s->conn) == CONNECTION_BAD
	    && connect_now(s) == TD_OK) {
		/* Read-only, so safe to ask again on a fresh connection. */
		rv = ping_once(s, schema_version);
	}
	return rv;
}

static int
ping_once(store *s, int *schema_version)
{
	PGresult *res = PQexec(s->conn,
	                       "SELECT coalesce((SELECT max(version) FROM "
	                       "td_schema_migrations), 0) WHERE to_regclass("
	                       "'td_schema_migrations') IS NOT NULL");
	int       rv  = TD_OK;
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		rv = store_result_err(s, res, "checking the database");
	} else if (PQntuples(res) == 0) {
		*schema_version = 0;
	} else {
		*schema_version = atoi(PQgetvalue(res, 0, 0));
	}
	if (rv == TD_OK) {
		health_answered(*schema_version);
	}
	PQclear(res);
	return rv;
}

int
store_watch(store *s, int ms, int wake_fd)
{
	struct pollfd p[2]
	    = { { PQsocket(s->conn), POLLIN, 0 }, { wake_fd, POLLIN, 0 } };
	if (PQstatus(s->conn) != CONNECTION_OK || p[0].fd < 0) {
		return TD_EUNAVAIL;
	}
	if (poll(p, 2, ms) > 0
	    && (p[0].revents & (POLLIN | POLLHUP | POLLERR))) {
		/* An idle connection hears only bad news: the server
		 * terminating it (shutdown, restart, admin kill). */
		if (PQconsumeInput(s->conn) == 0
		    || PQstatus(s->conn) != CONNECTION_OK) {
			store_fail(s, TD_EUNAVAIL,
			           "the database closed the connection");
			health_failed(s->err);
			return TD_EUNAVAIL;
		}
	}
	return TD_OK;
}

int
store_sleep(store *s, int ms)
{
	char        arg[32];
	const char *params[1] = { arg };
	snprintf(arg, sizeof(arg), "%.3f", ms / 1000.0);
	PGresult *res = PQexecParams(s->conn, "SELECT pg_sleep($1::float8)", 1,
	                             NULL, params, NULL, NULL, 0);
	int       rv  = TD_OK;
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		rv = store_result_err(s, res, "sleeping in the database");
	}
	PQclear(res);
	return rv;
}

void
store_end_request(store *s)
{
	s->readied = false;
}

int
store_keyed_row(store *s, PGresult *r, const char *subject_kind,
                const char *subject, const char *level, const char *unit,
                bool *exists)
{
	if (PQntuples(r) == 0) {
		PQclear(r);
		return store_fail(s, TD_ENOTFOUND,
		                  "%s %s is not in the registry", subject_kind,
		                  subject);
	}
	if (PQgetvalue(r, 0, 0)[0] == 't') {
		PQclear(r);
		return store_fail(s, TD_ENOTFOUND,
		                  "%s %s is not in the registry", level, unit);
	}
	*exists = PQgetvalue(r, 0, 1)[0] == 't';
	return TD_OK;
}
