/* SPDX-License-Identifier: MIT
 * See harness.h.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "harness.h"

static int server_seq;

static const char *
env_or_fail(const char *name)
{
	const char *v = getenv(name);
	if (v == NULL || *v == '\0') {
		fail_msg("%s is not set: run the tests through ctest", name);
	}
	return v;
}

const char *
h_bin_dir(void)
{
	return env_or_fail("TD_TEST_BIN_DIR");
}

const char *
h_source_dir(void)
{
	return env_or_fail("TD_TEST_SOURCE_DIR");
}

static PGconn *
connect_or_fail(const char *conninfo)
{
	PGconn *c = PQconnectdb(conninfo);
	if (PQstatus(c) != CONNECTION_OK) {
		fail_msg("cannot connect to %s: %s", conninfo,
		         PQerrorMessage(c));
	}
	return c;
}

/* test_pg: "host=DIR port=P user=postgres" for the fixture's cluster. */
static const char *
test_pg(void)
{
	static char base[400];
	const char *dir = env_or_fail("TD_TEST_PG_DIR");
	char        path[300];
	snprintf(path, sizeof(path), "%s/port", dir);
	FILE *f    = fopen(path, "r");
	int   port = 0;
	if (f == NULL || fscanf(f, "%d", &port) != 1) {
		fail_msg("no PostgreSQL port in %s: did pg.start run?", path);
	}
	fclose(f);
	snprintf(base, sizeof(base), "host=%s port=%d user=postgres", dir,
	         port);
	return base;
}

void
h_db_create(const char *name, char *conninfo)
{
	const char *base = test_pg();
	char        db[96], sql[256], admin[512];
	snprintf(db, sizeof(db), "t_%s_%d", name, (int) getpid());
	snprintf(admin, sizeof(admin), "%s dbname=postgres", base);
	PGconn *c = connect_or_fail(admin);
	snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s", db);
	PQclear(PQexec(c, sql));
	snprintf(sql, sizeof(sql), "CREATE DATABASE %s", db);
	PGresult *r = PQexec(c, sql);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		fail_msg("create database %s: %s", db, PQerrorMessage(c));
	}
	PQclear(r);
	PQfinish(c);
	snprintf(conninfo, 512, "%s dbname=%s", base, db);
}

static int
wait_serving(h_server *s, int ms)
{
	td_client      *c  = h_client(s, 1000);
	int             ok = 0;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long waited = 0; waited < ms && !ok;) {
		int status;
		if (waitpid(s->pid, &status, WNOHANG) == s->pid) {
			s->pid = 0; /* it exited: no point waiting */
			break;
		}
		Tandem__V1__HealthCheckRequest req
		    = TANDEM__V1__HEALTH_CHECK_REQUEST__INIT;
		Tandem__V1__HealthCheckResponse *resp = NULL;
		td_status                        st   = { 0 };
		if (td_health_check(c, &req, &resp, &st) == TD_CODE_OK) {
			ok = resp->status
			    == TANDEM__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__SERVING;
			protobuf_c_message_free_unpacked(&resp->base, NULL);
		}
		td_status_reset(&st);
		if (!ok) {
			usleep(50000);
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
		waited = (t1.tv_sec - t0.tv_sec) * 1000
		    + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	}
	td_client_destroy(c);
	return ok;
}

void
h_serving_conninfo(const char *conninfo, char *out, size_t cap)
{
	char role[64], sql[256];
	snprintf(role, sizeof(role), "tdsrv_%d", (int) getpid());
	snprintf(sql, sizeof(sql),
	         "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE "
	         "rolname = '%s') THEN CREATE ROLE %s LOGIN; END IF; END $$",
	         role, role);
	h_sql_exec(conninfo, sql);
	/* a later keyword wins in a libpq conninfo */
	snprintf(out, cap, "%s user=%s", conninfo, role);
}

void
h_server_start(h_server *s, const char *conninfo, ...)
{
	const char *argv[40];
	int         n = 0;
	char        bin[512];
	va_list     ap;

	memset(s, 0, sizeof(*s));
	snprintf(s->url, sizeof(s->url), "ipc:///tmp/tdtest-%d-%d.sock",
	         (int) getpid(), ++server_seq);
	snprintf(s->log, sizeof(s->log), "/tmp/tdtest-%d-%d.log",
	         (int) getpid(), server_seq);
	snprintf(s->conninfo, sizeof(s->conninfo), "%s", conninfo);
	h_serving_conninfo(conninfo, s->serving, sizeof(s->serving));
	snprintf(bin, sizeof(bin), "%s/tandemd", h_bin_dir());
	argv[n++] = bin;
	argv[n++] = "--listen";
	argv[n++] = s->url;
	/* least privilege, as in production: migrations as the owner,
	 * serving through a role that owns nothing */
	argv[n++] = "--db";
	argv[n++] = s->serving;
	argv[n++] = "--migrate-db";
	argv[n++] = s->conninfo;
	argv[n++] = "--workers";
	argv[n++] = "4";
	va_start(ap, conninfo);
	for (const char *a;
	     (a = va_arg(ap, const char *)) != NULL && n < 38;) {
		argv[n++] = a;
	}
	va_end(ap);
	argv[n]   = NULL;
	pid_t pid = fork();
	if (pid == 0) {
		FILE *f = freopen(s->log, "w", stderr);
		(void) f;
		setenv("TANDEM_HMAC_KEY",
		       "test-key-not-secret-0123456789abcdef", 0);
		execv(bin, (char *const *) argv);
		_exit(127);
	}
	assert_true(pid > 0);
	s->pid = pid;
	if (!wait_serving(s, 20000)) {
		h_run("tail -20 %s >&2", s->log);
		fail_msg("tandemd on %s did not become SERVING", s->url);
	}
	h_bootstrap_admin(s, s->token, sizeof(s->token));
	setenv("TANDEM_TOKEN", s->token, 1);
}

void
h_bootstrap_admin(const h_server *s, char *token, size_t cap)
{
	char cmd[1200];
	snprintf(cmd, sizeof(cmd),
	         "%s/tandemd --db '%s' --bootstrap-admin test 2>>%s",
	         h_bin_dir(), s->serving[0] ? s->serving : s->conninfo,
	         s->log);
	FILE *f = popen(cmd, "r");
	if (f == NULL || fgets(token, (int) cap, f) == NULL) {
		fail_msg("tandemd --bootstrap-admin gave no token");
	}
	pclose(f);
	token[strcspn(token, "\n")] = '\0';
	assert_int_equal(strncmp(token, "td_", 3), 0);
}

void
h_create_client(td_client *admin, const char *name, const char *role,
                const char *school, const char *district, char *token,
                char *id)
{
	Tandem__V1__CreateClientRequest req
	    = TANDEM__V1__CREATE_CLIENT_REQUEST__INIT;
	req.name     = (char *) name;
	req.role     = (char *) role;
	req.school   = (char *) (school ? school : "");
	req.district = (char *) (district ? district : "");
	Tandem__V1__CreateClientResponse *r  = NULL;
	td_status                         st = { 0 };
	assert_int_equal(td_admin_create_client(admin, &req, &r, &st),
	                 TD_CODE_OK);
	snprintf(token, H_TOKEN_MAX, "%s", r->token);
	if (id != NULL) {
		snprintf(id, H_ID_MAX, "%s", r->client->id);
	}
	protobuf_c_message_free_unpacked(&r->base, NULL);
	td_status_reset(&st);
}

int
h_server_stop(h_server *s)
{
	int status = 0;
	if (s->pid <= 0) {
		return -1;
	}
	kill(s->pid, SIGTERM);
	for (int i = 0; i < 1000; i++) {
		pid_t r = waitpid(s->pid, &status, WNOHANG);
		if (r == s->pid) {
			s->pid = 0;
			return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
		}
		usleep(10000);
	}
	kill(s->pid, SIGKILL);
	waitpid(s->pid, &status, 0);
	s->pid = 0;
	return 137;
}

td_client *
h_client(const h_server *s, int timeout_ms)
{
	return h_client_token(s, timeout_ms, s->token);
}

td_client *
h_client_token(const h_server *s, int timeout_ms, const char *token)
{
	const char    *urls[] = { s->url };
	td_client_opts o      = { 0 };
	td_client     *c      = NULL;
	char           err[TD_ERRMSG_MAX];
	o.urls       = urls;
	o.n_urls     = 1;
	o.timeout_ms = timeout_ms;
	o.token      = token && token[0] ? token : NULL;
	if (td_client_create(&c, &o, err) != TD_OK) {
		fail_msg("client: %s", err);
	}
	return c;
}

long long
h_sql_int(const char *conninfo, const char *sql)
{
	PGconn   *c = connect_or_fail(conninfo);
	PGresult *r = PQexec(c, sql);
	if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) < 1) {
		fail_msg("%s: %s", sql, PQerrorMessage(c));
	}
	long long v = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	PQfinish(c);
	return v;
}

long long
h_sql_int_until(const char *conninfo, const char *sql, long long want)
{
	long long v = h_sql_int(conninfo, sql);
	for (int i = 0; i < 1500 && v != want; i++) {
		usleep(10000);
		v = h_sql_int(conninfo, sql);
	}
	return v;
}

const char *
h_sql_text(const char *conninfo, const char *sql)
{
	static char buf[4096];
	PGconn     *c = connect_or_fail(conninfo);
	PGresult   *r = PQexec(c, sql);
	if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) < 1) {
		fail_msg("%s: %s", sql, PQerrorMessage(c));
	}
	snprintf(buf, sizeof(buf), "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	PQfinish(c);
	return buf;
}

void
h_sql_exec(const char *conninfo, const char *sql)
{
	PGconn   *c = connect_or_fail(conninfo);
	PGresult *r = PQexec(c, sql);
	if (PQresultStatus(r) != PGRES_COMMAND_OK
	    && PQresultStatus(r) != PGRES_TUPLES_OK) {
		fail_msg("%s: %s", sql, PQerrorMessage(c));
	}
	PQclear(r);
	PQfinish(c);
}

int
h_run(const char *fmt, ...)
{
	char    cmd[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	int st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

void
h_tls_certs(const char *dir)
{
	if (h_run("set -e; mkdir -p %s; cd %s; "
	          "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "
	          "/CN=tandem-test-ca -keyout ca.key -out ca.pem 2>/dev/null; "
	          "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "
	          "/CN=other-ca -keyout other.key -out other.pem 2>/dev/null; "
	          "openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 "
	          "-keyout server.key -out server.csr 2>/dev/null; "
	          "printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\n' "
	          ">ext.cnf; openssl x509 -req -in server.csr -CA ca.pem "
	          "-CAkey ca.key -CAcreateserial -days 2 -extfile ext.cnf "
	          "-out server.pem 2>/dev/null",
	          dir, dir)
	    != 0) {
		fail_msg("cannot make test certificates in %s", dir);
	}
}

void
h_write_file(const char *dir, const char *name, const char *text)
{
	char  path[512];
	FILE *f;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "w")) == NULL) {
		fail_msg("cannot write %s", path);
	}
	fputs(text, f);
	fclose(f);
}

Tandem__V1__MeasureKey *
h_outcome(const char *code)
{
	static Tandem__V1__MeasureKey keys[8];
	static unsigned               next;
	Tandem__V1__MeasureKey       *k = &keys[next++ % 8];
	tandem__v1__measure_key__init(k);
	k->kind_case = TANDEM__V1__MEASURE_KEY__KIND_OUTCOME;
	k->outcome   = (char *) code;
	return k;
}
