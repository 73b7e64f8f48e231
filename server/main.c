/* SPDX-License-Identifier: MIT
 * tandemd: the Tandem server. Parses the configuration, applies migrations
 * when asked, starts the transport and waits for SIGTERM/SIGINT, then
 * drains in-flight requests and exits.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "metrics/metrics.h"
#include "rpc/state/answers.h"
#include "rpc/state/audit.h"
#include "rpc/auth.h"
#include "rpc/rpc.h"
#include "services/services.h"
#include "stats/stats.h"
#include "store/store.h"
#include "store/store_access.h"
#include "transport/transport.h"

#ifndef TD_VERSION
#define TD_VERSION "0.0.0"
#endif

static char *
read_key_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		return NULL;
	}
	char  *buf = malloc(4097);
	size_t n   = buf ? fread(buf, 1, 4096, f) : 0;
	fclose(f);
	if (buf == NULL) {
		return NULL;
	}
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r')) {
		n--;
	}
	buf[n] = '\0';
	*len   = n;
	return buf;
}

/* bootstrap_admin creates an admin client and prints its token: the only
 * way to the first token, so there is no default password anywhere. */
static int
bootstrap_admin(const td_config *cfg, const char *name)
{
	store        *s;
	store_client  c;
	char          token[AUTH_TOKEN_LEN + 1], id[16];
	unsigned char hash[32];
	if (store_open(&s, cfg->db, -1) != TD_OK) {
		return 1;
	}
	int rv = auth_new_token(token, hash, id);
	if (rv == TD_OK) {
		rv = store_begin_request(s, INT64_MAX);
	}
	if (rv == TD_OK) {
		rv = store_client_create(s, id, name, "admin", "", "", hash,
		                         &c);
	}
	if (rv != TD_OK) {
		fprintf(stderr,
		        "tandemd: cannot create the admin client: %s\n",
		        rv == TD_EINTERNAL && store_errmsg(s)[0] == '\0'
		            ? "no random bytes"
		            : store_errmsg(s));
		store_close(s);
		return 1;
	}
	printf("%s\n", token);
	fprintf(stderr,
	        "level=info msg=\"admin client created; its token is shown "
	        "once, above\" client=%s name=\"%s\"\n",
	        c.id, c.name);
	store_close(s);
	return 0;
}

static int
run_migrations(const td_config *cfg)
{
	store *s;
	int    applied = 0, version = 0, rv = TD_EUNAVAIL;
	if (store_open(&s, cfg->migrate_db ? cfg->migrate_db : cfg->db, -1)
	    != TD_OK) {
		fprintf(stderr, "tandemd: out of memory\n");
		return 1;
	}
	/* The database may still be starting (compose, CI): wait a while. */
	for (int attempt = 0; attempt < 60; attempt++) {
		rv = store_begin_request(s, INT64_MAX);
		if (rv == TD_OK) {
			rv = store_migrate(s, &applied, &version);
		}
		/* least privilege: the serving role owns nothing and may
		 * not alter, update or delete the audit log */
		if (rv == TD_OK && cfg->migrate_db) {
			rv = store_grant_serving(s, cfg->db);
		}
		if (rv != TD_EUNAVAIL) {
			break;
		}
		usleep(500000);
	}
	if (rv != TD_OK) {
		fprintf(stderr,
		        "level=error msg=\"migration failed\" error=\"%s\"\n",
		        store_errmsg(s));
		store_close(s);
		return 1;
	}
	fprintf(stderr,
	        "level=info msg=migrated applied=%d schema_version=%d\n",
	        applied, version);
	store_close(s);
	return 0;
}

/* start_metrics_tables sizes the metrics for the method table. */
static int
start_metrics_tables(void)
{
	size_t            n;
	const rpc_method *m     = rpc_methods(&n);
	const char      **paths = calloc(n ? n : 1, sizeof(*paths));
	if (paths == NULL) {
		return TD_ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		paths[i] = m[i].path;
	}
	int rv = metrics_init(n, paths, TD_VERSION, TD_PROTOCOL_VERSION);
	free(paths);
	return rv;
}

static int
serve(td_config *cfg, const char *bootstrap)
{
	if (cfg->hmac_key_file != NULL) {
		cfg->hmac_key
		    = read_key_file(cfg->hmac_key_file, &cfg->hmac_key_len);
		if (cfg->hmac_key == NULL) {
			fprintf(stderr,
			        "tandemd: cannot read the HMAC key file %s\n",
			        cfg->hmac_key_file);
			return 2;
		}
	} else if (getenv("TANDEM_HMAC_KEY")) {
		cfg->hmac_key     = getenv("TANDEM_HMAC_KEY");
		cfg->hmac_key_len = strlen(cfg->hmac_key);
	}
	/* A short key can be brute-forced, and with it every student's
	 * pseudonym reversed from a list of ids. */
	if (cfg->hmac_key != NULL && cfg->hmac_key_len < TD_HMAC_KEY_MIN) {
		fprintf(stderr,
		        "tandemd: the pseudonym key (hmac-key-file, "
		        "TANDEM_HMAC_KEY_FILE or TANDEM_HMAC_KEY) holds %zu "
		        "bytes; at least %d are needed (e.g. head -c 32 "
		        "/dev/urandom | base64)\n",
		        cfg->hmac_key_len, TD_HMAC_KEY_MIN);
		return 2;
	}
	/* TLS options that no listener uses are a mistake, not a default. */
	if (cfg->tls_cert != NULL || cfg->tls_key != NULL) {
		bool any_tls = false;
		for (int i = 0; i < cfg->n_listen; i++) {
			any_tls |= strncmp(cfg->listen[i], "tls+", 4) == 0;
		}
		for (int i = 0; i < cfg->n_events_listen; i++) {
			any_tls
			    |= strncmp(cfg->events_listen[i], "tls+", 4) == 0;
		}
		if (!any_tls) {
			fprintf(stderr,
			        "tandemd: --tls-cert/--tls-key given but no "
			        "tls+tcp:// listener; add --listen "
			        "tls+tcp://HOST:PORT or drop them\n");
			return 2;
		}
	}

	if (cfg->migrate && run_migrations(cfg) != 0) {
		return 1;
	}
	if (bootstrap != NULL) {
		return bootstrap_admin(cfg, bootstrap);
	}
	if (cfg->migrate_only) {
		return 0;
	}
	stats_init();
	size_t                  n_bindings;
	const services_binding *bindings = services_bindings(&n_bindings);
	if (rpc_methods_init(bindings, n_bindings) != TD_OK
	    || services_bind_fast() != TD_OK
	    || start_metrics_tables() != TD_OK) {
		return 1;
	}

	/* Signals go to sigwait in this thread only; workers inherit the
	 * mask. SIGPIPE is never wanted. */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &set, NULL);

	transport *t;
	char       err[TD_ERRMSG_MAX];
	answers_init((size_t) cfg->answer_cache_mib << 20);
	analysis_lattice_cache_init((size_t) cfg->lattice_cache_mib << 20);
	if (store_version_listen(cfg->db) != TD_OK) {
		fprintf(stderr,
		        "level=warn msg=\"no data-version listener: nothing "
		        "derived from the data is cached\"\n");
	}
	if (audit_start(cfg->db) != TD_OK) {
		fprintf(stderr,
		        "level=warn msg=\"no audit writer: each call writes "
		        "its own audit row\"\n");
	}
	if (transport_start(&t, cfg, err) != TD_OK) {
		fprintf(stderr, "tandemd: %s\n", err);
		audit_stop();
		metrics_shutdown();
		return 1;
	}
	if (cfg->metrics_listen != NULL
	    && transport_http_start(cfg->metrics_listen, err) != TD_OK) {
		fprintf(stderr, "tandemd: %s\n", err);
		transport_stop(t);
		audit_stop();
		metrics_shutdown();
		return 1;
	}
	if (health_probe_start(cfg) != TD_OK) {
		fprintf(stderr,
		        "level=warn msg=\"no health probe: Health "
		        "asks the database on every check\"\n");
	}
	fprintf(stderr,
	        "level=info msg=started version=%s protocol=%d workers=%d",
	        TD_VERSION, TD_PROTOCOL_VERSION, cfg->workers);
	for (int i = 0; i < cfg->n_listen; i++) {
		fprintf(stderr, " listen=%s", cfg->listen[i]);
	}
	for (int i = 0; i < cfg->n_events_listen; i++) {
		fprintf(stderr, " events=%s", cfg->events_listen[i]);
	}
	if (cfg->metrics_listen != NULL) {
		fprintf(stderr, " metrics=%s", cfg->metrics_listen);
	}
	if (cfg->config_file != NULL) {
		fprintf(stderr, " config=%s", cfg->config_file);
	}
	fprintf(stderr, "\n");

	int sig = 0;
	for (;;) {
		if (sigwait(&set, &sig) == 0 && sig != SIGPIPE) {
			break;
		}
	}
	fprintf(stderr, "level=info msg=stopping signal=%d\n", sig);
	transport_http_stop();
	transport_stop(t);
	audit_stop();
	metrics_shutdown();
	health_probe_stop();
	store_version_stop();
	fprintf(stderr, "level=info msg=stopped\n");
	return 0;
}

int
main(int argc, char **argv)
{
	static td_config cfg;
	const char      *bootstrap = NULL;
	int              rv;

	switch (config_load(&cfg, argc, argv, &bootstrap)) {
	case CONFIG_DONE:
		config_free(&cfg);
		return 0;
	case CONFIG_BAD:
		config_free(&cfg);
		return 2;
	default:
		break;
	}
	rv = serve(&cfg, bootstrap);
	config_free(&cfg);
	return rv;
}
