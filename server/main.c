/* SPDX-License-Identifier: MIT
 * tandemd: the Tandem server. Parses the configuration, applies migrations
 * when asked, starts the transport and waits for SIGTERM/SIGINT, then
 * drains in-flight requests and exits.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "rpc/auth.h"
#include "rpc/rpc.h"
#include "services/services.h"
#include "stats/stats.h"
#include "store/store.h"
#include "transport/transport.h"

#ifndef TD_VERSION
#define TD_VERSION "0.0.0"
#endif

static void
usage(FILE *f)
{
	fprintf(f,
	        "usage: tandemd [options]\n"
	        "\n"
	        "Serves the Tandem API (protobuf over nng req/rep, gRPC "
	        "status semantics)\nand stores everything in PostgreSQL.\n"
	        "\n"
	        "  --listen URL          listen on URL: tcp://HOST:PORT, "
	        "ipc:///PATH,\n"
	        "                        tls+tcp://HOST:PORT (repeatable; "
	        "default %s;\n"
	        "                        env TANDEM_LISTEN)\n"
	        "  --db CONNINFO         libpq conninfo or URI (env "
	        "TANDEM_DB; PG* variables\n"
	        "                        are honoured)\n"
	        "  --workers N           worker threads, each with its own "
	        "database\n"
	        "                        connection (default: cores; env "
	        "TANDEM_WORKERS)\n"
	        "  --migrate             apply pending migrations from sql/ "
	        "at start\n"
	        "  --migrate-only        apply pending migrations and exit\n"
	        "  --migrate-db CONNINFO apply migrations as this (owner) "
	        "role, grant the\n"
	        "                        --db role only what it serves with; "
	        "implies --migrate\n"
	        "  --max-message-bytes N largest request or reply (default "
	        "%u)\n"
	        "  --min-n N             small-cell suppression threshold "
	        "(default 10;\n"
	        "                        env TANDEM_MIN_N)\n"
	        "  --horizon-days N      refuse data dated more than N days "
	        "after today\n"
	        "                        (default 366)\n"
	        "  --tls-cert FILE       certificate (PEM) for tls+tcp "
	        "listeners\n"
	        "  --tls-key FILE        private key (PEM) for tls+tcp "
	        "listeners\n"
	        "  --quiet               no per-request log lines\n"
	        "  --help                this text\n"
	        "  --version             print the version\n"
	        "\n"
	        "Respondent ids are pseudonymised with the key in "
	        "TANDEM_HMAC_KEY or the\nfile named by TANDEM_HMAC_KEY_FILE "
	        "(at least 32 bytes).\n",
	        TD_DEFAULT_URL, TD_DEFAULT_MAX_MESSAGE);
}

static int
parse_positive(const char *opt, const char *s, long max, long *out)
{
	char *end;
	errno  = 0;
	long v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < 1 || v > max) {
		fprintf(stderr,
		        "tandemd: %s must be a whole number in 1..%ld, "
		        "not '%s'\n",
		        opt, max, s);
		return -1;
	}
	*out = v;
	return 0;
}

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

int
main(int argc, char **argv)
{
	static td_config           cfg;
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "db", required_argument, NULL, 'd' },
		{ "workers", required_argument, NULL, 'w' },
		{ "migrate", no_argument, NULL, 'm' },
		{ "migrate-only", no_argument, NULL, 'M' },
		{ "migrate-db", required_argument, NULL, 'D' },
		{ "bootstrap-admin", required_argument, NULL, 'B' },
		{ "max-message-bytes", required_argument, NULL, 'x' },
		{ "min-n", required_argument, NULL, 'n' },
		{ "horizon-days", required_argument, NULL, 'H' },
		{ "tls-cert", required_argument, NULL, 'c' },
		{ "tls-key", required_argument, NULL, 'k' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	long        v;
	int         c;
	const char *bootstrap = NULL;

	cfg.version      = TD_VERSION;
	cfg.db           = getenv("TANDEM_DB") ? getenv("TANDEM_DB") : "";
	cfg.max_message  = TD_DEFAULT_MAX_MESSAGE;
	cfg.min_n        = 10;
	cfg.horizon_days = 366;
	cfg.log_requests = 1;
	v                = sysconf(_SC_NPROCESSORS_ONLN);
	cfg.workers      = v > 0 ? (int) v : 2;
	if (getenv("TANDEM_WORKERS")
	    && parse_positive("TANDEM_WORKERS", getenv("TANDEM_WORKERS"), 256,
	                      &v)
	        == 0) {
		cfg.workers = (int) v;
	}
	if (getenv("TANDEM_MIN_N")
	    && parse_positive("TANDEM_MIN_N", getenv("TANDEM_MIN_N"), 1000000,
	                      &v)
	        == 0) {
		cfg.min_n = (int) v;
	}
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'l':
			if (cfg.n_listen == TD_MAX_LISTEN) {
				fprintf(stderr,
				        "tandemd: at most %d --listen\n",
				        TD_MAX_LISTEN);
				return 2;
			}
			cfg.listen[cfg.n_listen++] = optarg;
			break;
		case 'd':
			cfg.db = optarg;
			break;
		case 'w':
			if (parse_positive("--workers", optarg, 256, &v)
			    != 0) {
				return 2;
			}
			cfg.workers = (int) v;
			break;
		case 'm':
			cfg.migrate = 1;
			break;
		case 'M':
			cfg.migrate = cfg.migrate_only = 1;
			break;
		case 'D':
			cfg.migrate    = 1;
			cfg.migrate_db = optarg;
			break;
		case 'B':
			bootstrap = optarg;
			break;
		case 'x':
			if (parse_positive("--max-message-bytes", optarg,
			                   256L * 1024 * 1024, &v)
			    != 0) {
				return 2;
			}
			cfg.max_message = (size_t) v;
			break;
		case 'n':
			if (parse_positive("--min-n", optarg, 1000000, &v)
			    != 0) {
				return 2;
			}
			cfg.min_n = (int) v;
			break;
		case 'H':
			if (parse_positive("--horizon-days", optarg, 36600, &v)
			    != 0) {
				return 2;
			}
			cfg.horizon_days = (int) v;
			break;
		case 'c':
			cfg.tls_cert = optarg;
			break;
		case 'k':
			cfg.tls_key = optarg;
			break;
		case 'q':
			cfg.log_requests = 0;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("tandemd %s\n", TD_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "tandemd: unexpected argument '%s'\n",
		        argv[optind]);
		return 2;
	}
	if (cfg.n_listen == 0) {
		cfg.listen[cfg.n_listen++] = getenv("TANDEM_LISTEN")
		    ? getenv("TANDEM_LISTEN")
		    : TD_DEFAULT_URL;
	}
	if (getenv("TANDEM_HMAC_KEY_FILE")) {
		cfg.hmac_key = read_key_file(getenv("TANDEM_HMAC_KEY_FILE"),
		                             &cfg.hmac_key_len);
		if (cfg.hmac_key == NULL) {
			fprintf(stderr,
			        "tandemd: cannot read "
			        "TANDEM_HMAC_KEY_FILE %s\n",
			        getenv("TANDEM_HMAC_KEY_FILE"));
			return 2;
		}
	} else if (getenv("TANDEM_HMAC_KEY")) {
		cfg.hmac_key     = getenv("TANDEM_HMAC_KEY");
		cfg.hmac_key_len = strlen(cfg.hmac_key);
	}
	/* A short key can be brute-forced, and with it every student's
	 * pseudonym reversed from a list of ids. */
	if (cfg.hmac_key != NULL && cfg.hmac_key_len < TD_HMAC_KEY_MIN) {
		fprintf(stderr,
		        "tandemd: the pseudonym key (TANDEM_HMAC_KEY or "
		        "TANDEM_HMAC_KEY_FILE) holds %zu bytes; at least %d "
		        "are needed (e.g. head -c 32 /dev/urandom | base64)\n",
		        cfg.hmac_key_len, TD_HMAC_KEY_MIN);
		return 2;
	}
	/* TLS options that no listener uses are a mistake, not a default. */
	if (cfg.tls_cert != NULL || cfg.tls_key != NULL) {
		bool any_tls = false;
		for (int i = 0; i < cfg.n_listen; i++) {
			any_tls |= strncmp(cfg.listen[i], "tls+", 4) == 0;
		}
		if (!any_tls) {
			fprintf(stderr,
			        "tandemd: --tls-cert/--tls-key given but no "
			        "tls+tcp:// listener; add --listen "
			        "tls+tcp://HOST:PORT or drop them\n");
			return 2;
		}
	}

	if (cfg.migrate && run_migrations(&cfg) != 0) {
		return 1;
	}
	if (bootstrap != NULL) {
		return bootstrap_admin(&cfg, bootstrap);
	}
	if (cfg.migrate_only) {
		return 0;
	}
	stats_init();
	size_t                  n_bindings;
	const services_binding *bindings = services_bindings(&n_bindings);
	if (rpc_methods_init(bindings, n_bindings) != TD_OK) {
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
	if (transport_start(&t, &cfg, err) != TD_OK) {
		fprintf(stderr, "tandemd: %s\n", err);
		return 1;
	}
	fprintf(stderr, "level=info msg=started version=%s workers=%d",
	        TD_VERSION, cfg.workers);
	for (int i = 0; i < cfg.n_listen; i++) {
		fprintf(stderr, " listen=%s", cfg.listen[i]);
	}
	fprintf(stderr, "\n");

	int sig = 0;
	for (;;) {
		if (sigwait(&set, &sig) == 0 && sig != SIGPIPE) {
			break;
		}
	}
	fprintf(stderr, "level=info msg=stopping signal=%d\n", sig);
	transport_stop(t);
	fprintf(stderr, "level=info msg=stopped\n");
	return 0;
}
