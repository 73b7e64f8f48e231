/* SPDX-License-Identifier: MIT
 * Integration-test harness: a fresh database per test program on the
 * PostgreSQL that ctest started (fixture "pg"), a real tandemd process on a
 * private ipc:// socket, and libpq helpers to look at what was stored.
 */
#ifndef TD_TEST_HARNESS_H
#define TD_TEST_HARNESS_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <sys/types.h>

#include <cmocka.h>

#include "tandem/tandem.h"

typedef struct h_server {
	pid_t pid;
	char  url[160];
	char  log[200];
	char  conninfo[512]; /* the owner's (migrations, inspection) */
	char  serving[600]; /* tandemd's: a role that owns nothing */
	char  token[80]; /* an admin token made by --bootstrap-admin */
} h_server;

/* h_db_create makes an empty database for this test program and writes
 * its conninfo (512 bytes). Fails the test if PostgreSQL is not there. */
void h_db_create(const char *name, char *conninfo);
/* h_server_start runs tandemd --migrate on conninfo with extra arguments
 * (NULL-terminated), waits until Health answers SERVING, and makes an admin
 * token (s->token, also exported as TANDEM_TOKEN for CLI runs). */
void h_server_start(h_server *s, const char *conninfo, ...);
/* h_serving_conninfo makes (once per test program) a login role that owns
 * nothing and writes conninfo as that role into out. */
void h_serving_conninfo(const char *conninfo, char *out, size_t cap);
/* h_server_stop sends SIGTERM and waits (SIGKILL after 10 s); returns the
 * exit status. */
int h_server_stop(h_server *s);
/* h_client connects a client to s with a timeout in ms, using the admin
 * token; h_client_token with another token (NULL = none). */
td_client *h_client(const h_server *s, int timeout_ms);
td_client *h_client_token(const h_server *s, int timeout_ms,
                          const char *token);
/* h_create_client has admin create a client (name, role, school and
 * district; NULL = "") and asserts it succeeded; its token goes to token
 * (H_TOKEN_MAX bytes) and, when id is not NULL, its id to id (H_ID_MAX). */
#define H_TOKEN_MAX 80
#define H_ID_MAX    40
void h_create_client(td_client *admin, const char *name, const char *role,
                     const char *school, const char *district, char *token,
                     char *id);
/* h_bootstrap_admin makes another admin token for s. */
void h_bootstrap_admin(const h_server *s, char *token, size_t cap);
/* h_sql_int runs a query returning one integer on conninfo. */
long long h_sql_int(const char *conninfo, const char *sql);
/* h_sql_int_until runs sql until it gives want (or 15 s have passed) and
 * returns the last value: for rows another thread writes after the reply,
 * such as tandemd's audit rows (written by its audit writer, see
 * server/rpc/audit.h). */
long long h_sql_int_until(const char *conninfo, const char *sql,
                          long long want);
/* h_sql_text runs a query and returns its first value (static buffer). */
const char *h_sql_text(const char *conninfo, const char *sql);
/* h_sql_exec runs a command; fails the test on error. */
void h_sql_exec(const char *conninfo, const char *sql);
/* h_write_file writes text to dir/name; fails the test if it cannot. */
void h_write_file(const char *dir, const char *name, const char *text);
/* h_tls_certs makes, in dir (created), a test CA (ca.pem), a server
 * certificate it signs for 127.0.0.1 (server.pem, server.key) and an
 * unrelated CA a client must not trust (other.pem); fails the test if
 * openssl cannot. */
void h_tls_certs(const char *dir);
/* h_run runs a command line with /bin/sh and returns its exit status. */
int h_run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* h_outcome: the MeasureKey of outcome measure code, as requests carry
 * one (a ring of 8 keys, so a few can be alive at once). */
Tandem__V1__MeasureKey *h_outcome(const char *code);
/* Paths from the environment ctest sets. */
const char *h_bin_dir(void);
const char *h_source_dir(void);

#endif /* TD_TEST_HARNESS_H */
