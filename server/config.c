/* SPDX-License-Identifier: MIT
 * tandemd's settings from four places, lowest first: defaults, the
 * environment, the config file (ini, read with inih) and the command line.
 * One table names every setting once: its long option, config key,
 * environment variable, kind and help line, so the three sources and
 * --help cannot drift apart.
 */
#include <errno.h>
#include <getopt.h>
#include <ini.h>
#include <libgen.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "config.h"
#include "tandem/wire.h"

#ifndef TD_VERSION
#define TD_VERSION "0.0.0"
#endif
#ifndef TD_SYSCONFDIR
#define TD_SYSCONFDIR "/etc"
#endif
#define DEFAULT_CONFIG TD_SYSCONFDIR "/tandem/tandemd.conf"

enum kind {
	K_STR, /* a string */
	K_PATH, /* a file name; relative in a config file = to its folder */
	K_LIST, /* repeatable string */
	K_INT, /* a whole number in 1..max */
	K_BOOL, /* a flag; true/false, yes/no, on/off, 1/0 in a file */
	K_ACTION, /* command line only */
};

enum id {
	O_LISTEN,
	O_DB,
	O_WORKERS,
	O_MIGRATE,
	O_MIGRATE_DB,
	O_MAX_MESSAGE,
	O_MAX_PENDING,
	O_MAX_PER_PEER,
	O_MIN_N,
	O_ANSWER_CACHE,
	O_LATTICE_CACHE,
	O_HORIZON_DAYS,
	O_TLS_CERT,
	O_TLS_KEY,
	O_HMAC_KEY_FILE,
	O_METRICS_LISTEN,
	O_EVENTS_LISTEN,
	O_QUIET,
	O_CONFIG,
	O_MIGRATE_ONLY,
	O_BOOTSTRAP,
	O_HELP,
	O_VERSION,
};

typedef struct optdef {
	const char *name; /* long option and config key */
	enum id     id;
	enum kind   kind;
	const char *env; /* environment variable, or NULL */
	long        max; /* K_INT */
	const char *arg; /* for --help */
	const char *help;
} optdef;

static const optdef defs[] = {
	{ "listen", O_LISTEN, K_LIST, "TANDEM_LISTEN", 0, "URL",
	  "listen on URL: tcp://HOST:PORT, ipc:///PATH, tls+tcp://HOST:PORT "
	  "(repeatable; default " TD_DEFAULT_URL ")" },
	{ "db", O_DB, K_STR, "TANDEM_DB", 0, "CONNINFO",
	  "libpq conninfo or URI (PG* variables are honoured)" },
	{ "workers", O_WORKERS, K_INT, "TANDEM_WORKERS", 256, "N",
	  "worker threads, each with its own database connection (default: "
	  "cores)" },
	{ "migrate", O_MIGRATE, K_BOOL, NULL, 0, NULL,
	  "apply pending migrations at start" },
	{ "migrate-db", O_MIGRATE_DB, K_STR, NULL, 0, "CONNINFO",
	  "apply migrations as this (owner) role and grant the db role only "
	  "what it serves with; implies migrate" },
	{ "max-message-bytes", O_MAX_MESSAGE, K_INT, NULL, 256L * 1024 * 1024,
	  "N", "largest request or reply (default 16777216)" },
	{ "max-pending-bytes", O_MAX_PENDING, K_INT, NULL,
	  16L * 1024 * 1024 * 1024, "N",
	  "memory for requests being received, before their token is read; "
	  "connections beyond what it holds at one maximum request each are "
	  "refused (default 167772160: 39 connections)" },
	{ "max-connections-per-peer", O_MAX_PER_PEER, K_INT, NULL, 100000, "N",
	  "connections one IP address may hold (default 16)" },
	{ "min-n", O_MIN_N, K_INT, "TANDEM_MIN_N", 1000000, "N",
	  "small-cell suppression threshold (default 10)" },
	{ "answer-cache-mib", O_ANSWER_CACHE, K_INT, "TANDEM_ANSWER_CACHE_MIB",
	  4096, "N",
	  "memory for answers of the Analysis methods, kept until the data "
	  "change (0 = off; default 16)" },
	{ "lattice-cache-mib", O_LATTICE_CACHE, K_INT,
	  "TANDEM_LATTICE_CACHE_MIB", 65536, "N",
	  "memory for the measures' decided disclosure lattices (default "
	  "32)" },
	{ "horizon-days", O_HORIZON_DAYS, K_INT, NULL, 36600, "N",
	  "refuse data dated more than N days after today (default 366)" },
	{ "tls-cert", O_TLS_CERT, K_PATH, NULL, 0, "FILE",
	  "certificate (PEM) for tls+tcp listeners" },
	{ "tls-key", O_TLS_KEY, K_PATH, NULL, 0, "FILE",
	  "private key (PEM) for tls+tcp listeners" },
	{ "hmac-key-file", O_HMAC_KEY_FILE, K_PATH, "TANDEM_HMAC_KEY_FILE", 0,
	  "FILE",
	  "the key respondent ids are pseudonymised with (else "
	  "$TANDEM_HMAC_KEY)" },
	{ "metrics-listen", O_METRICS_LISTEN, K_STR, "TANDEM_METRICS_LISTEN",
	  0, "URL",
	  "serve Prometheus metrics and /healthz on http://HOST:PORT (off "
	  "by default)" },
	{ "events-listen", O_EVENTS_LISTEN, K_LIST, "TANDEM_EVENTS_LISTEN", 0,
	  "URL",
	  "publish events (nng pub0: batch.stored, signal.new, "
	  "approval.changed) on URL: tcp://, ipc://, tls+tcp:// (repeatable; "
	  "off by default)" },
	{ "quiet", O_QUIET, K_BOOL, NULL, 0, NULL,
	  "no per-request log lines" },
	{ "config", O_CONFIG, K_ACTION, NULL, 0, "FILE",
	  "read settings from FILE (default " DEFAULT_CONFIG
	  ", when it exists)" },
	{ "migrate-only", O_MIGRATE_ONLY, K_ACTION, NULL, 0, NULL,
	  "apply pending migrations and exit" },
	{ "bootstrap-admin", O_BOOTSTRAP, K_ACTION, NULL, 0, "NAME",
	  "create an admin API client, print its token once, exit" },
	{ "help", O_HELP, K_ACTION, NULL, 0, NULL, "this text" },
	{ "version", O_VERSION, K_ACTION, NULL, 0, NULL,
	  "print the version and the protocol version" },
};
#define N_DEFS (sizeof(defs) / sizeof(defs[0]))

/* Where a value came from, for the precedence of lists and for errors. */
enum source { SRC_DEFAULT, SRC_ENV, SRC_FILE, SRC_ARGS };

typedef struct owned {
	struct owned *next;
	char          s[];
} owned;

typedef struct loader {
	td_config  *cfg;
	enum source listen_src;
	enum source events_src;
	const char *file; /* the config file being read */
	char       *dir; /* its folder */
	char        err[512]; /* the first problem in the file */
	int         err_line;
	int         line; /* lines seen, for errors the handler finds */
} loader;

static const char *
keep(td_config *cfg, const char *s, size_t n)
{
	owned *o = malloc(sizeof(*o) + n + 1);
	if (o == NULL) {
		return NULL;
	}
	memcpy(o->s, s, n);
	o->s[n]    = '\0';
	o->next    = cfg->owned;
	cfg->owned = o;
	return o->s;
}

void
config_free(td_config *cfg)
{
	owned *o = cfg->owned;
	while (o != NULL) {
		owned *next = o->next;
		free(o);
		o = next;
	}
	cfg->owned = NULL;
}

/* wrap prints text from column col, folding words at width. */
static void
wrap(FILE *f, const char *text, int col, int width)
{
	int         at = col;
	const char *p  = text;
	while (*p) {
		size_t w = strcspn(p, " ");
		if (at + 1 + (int) w > width && at > col) {
			fprintf(f, "\n%*s", col, "");
			at = col;
		}
		fprintf(f, " %.*s", (int) w, p);
		at += 1 + (int) w;
		p += w;
		p += strspn(p, " ");
	}
	fputc('\n', f);
}

static void
usage(FILE *f)
{
	fprintf(f,
	        "usage: tandemd [options]\n\n"
	        "Serves the Tandem API (protobuf over nng req/rep, gRPC "
	        "status semantics)\nand stores everything in PostgreSQL.\n"
	        "\n");
	for (size_t i = 0; i < N_DEFS; i++) {
		char opt[48];
		snprintf(opt, sizeof(opt), "--%s%s%s", defs[i].name,
		         defs[i].arg ? " " : "",
		         defs[i].arg ? defs[i].arg : "");
		char text[400];
		snprintf(text, sizeof(text), "%s%s%s%s", defs[i].help,
		         defs[i].env ? " [env " : "",
		         defs[i].env ? defs[i].env : "",
		         defs[i].env ? "]" : "");
		fprintf(f, "  %-22s", opt);
		wrap(f, text, 24, 79);
	}
	fprintf(f,
	        "\nEvery option but the last five is also a key of the "
	        "config file (ini;\nboolean keys take true or false). "
	        "The command line wins over the file,\nthe file over the "
	        "environment.\n");
}

static int
parse_bool(const char *s, int *out)
{
	static const char *yes[] = { "1", "true", "yes", "on" };
	static const char *no[]  = { "0", "false", "no", "off" };
	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = 1;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = 0;
			return 0;
		}
	}
	return -1;
}

/* set applies one value; on a bad value it writes why into err. */
static int
set(loader *L, const optdef *d, const char *v, enum source src, char *err,
    size_t errlen)
{
	td_config  *cfg = L->cfg;
	long        n   = 0;
	int         b   = 1;
	const char *s   = v;

	if (d->kind == K_INT) {
		/* the two caches take 0 (off) */
		int zero_ok
		    = d->id == O_ANSWER_CACHE || d->id == O_LATTICE_CACHE ? 0
		                                                          : 1;
		char *end;
		errno = 0;
		n     = strtol(v, &end, 10);
		if (errno != 0 || end == v || *end != '\0' || n < zero_ok
		    || n > d->max) {
			snprintf(err, errlen,
			         "must be a whole number in %d..%ld, not '%s'",
			         zero_ok, d->max, v);
			return -1;
		}
	} else if (d->kind == K_BOOL && v != NULL && parse_bool(v, &b) != 0) {
		snprintf(err, errlen, "must be true or false, not '%s'", v);
		return -1;
	} else if (d->kind != K_BOOL && d->kind != K_INT) {
		if (v[0] == '\0') {
			snprintf(err, errlen, "must not be empty");
			return -1;
		}
		if (src == SRC_FILE && d->kind == K_PATH && v[0] != '/') {
			char *p = NULL;
			if (asprintf(&p, "%s/%s", L->dir, v) < 0) {
				p = NULL;
			}
			s = p ? keep(cfg, p, strlen(p)) : NULL;
			free(p);
		} else if (src == SRC_FILE) {
			s = keep(cfg, v, strlen(v));
		}
		if (s == NULL) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
	}
	switch (d->id) {
	case O_LISTEN:
		if (L->listen_src != src) {
			cfg->n_listen = 0; /* a higher source replaces */
			L->listen_src = src;
		}
		if (cfg->n_listen == TD_MAX_LISTEN) {
			snprintf(err, errlen, "at most %d listen URLs",
			         TD_MAX_LISTEN);
			return -1;
		}
		cfg->listen[cfg->n_listen++] = s;
		break;
	case O_DB:
		cfg->db = s;
		break;
	case O_WORKERS:
		cfg->workers = (int) n;
		break;
	case O_MIGRATE:
		cfg->migrate = b;
		break;
	case O_MIGRATE_DB:
		cfg->migrate_db = s;
		cfg->migrate    = 1;
		break;
	case O_HORIZON_DAYS:
		cfg->horizon_days = (int) n;
		break;
	case O_MAX_MESSAGE:
		cfg->max_message = (size_t) n;
		break;
	case O_MAX_PENDING:
		cfg->max_pending = (size_t) n;
		break;
	case O_MAX_PER_PEER:
		cfg->max_per_peer = (int) n;
		break;
	case O_MIN_N:
		cfg->min_n = (int) n;
		break;
	case O_ANSWER_CACHE:
		cfg->answer_cache_mib = (int) n;
		break;
	case O_LATTICE_CACHE:
		cfg->lattice_cache_mib = (int) n;
		break;
	case O_TLS_CERT:
		cfg->tls_cert = s;
		break;
	case O_TLS_KEY:
		cfg->tls_key = s;
		break;
	case O_HMAC_KEY_FILE:
		cfg->hmac_key_file = s;
		break;
	case O_METRICS_LISTEN:
		cfg->metrics_listen = s;
		break;
	case O_EVENTS_LISTEN:
		if (L->events_src != src) {
			cfg->n_events_listen
			    = 0; /* a higher source replaces */
			L->events_src = src;
		}
		if (cfg->n_events_listen == TD_MAX_LISTEN) {
			snprintf(err, errlen, "at most %d events-listen URLs",
			         TD_MAX_LISTEN);
			return -1;
		}
		cfg->events_listen[cfg->n_events_listen++] = s;
		break;
	case O_QUIET:
		cfg->log_requests = !b;
		break;
	default:
		snprintf(err, errlen, "is a command-line option only");
		return -1;
	}
	return 0;
}

static const optdef *
find(const char *name)
{
	for (size_t i = 0; i < N_DEFS; i++) {
		if (strcmp(defs[i].name, name) == 0) {
			return &defs[i];
		}
	}
	return NULL;
}

/* on_key is inih's handler: returning 0 makes ini_parse report this
 * line; the first problem's text is kept for the message. */
static int
on_key(void *user, const char *section, const char *name, const char *value)
{
	loader       *L = user;
	const optdef *d = find(name);
	char          why[400];
	if (section[0] != '\0' && strcmp(section, "tandemd") != 0) {
		snprintf(why, sizeof(why),
		         "key '%s' is in section [%s]; tandemd reads keys "
		         "before any section or in [tandemd]",
		         name, section);
	} else if (d == NULL || d->kind == K_ACTION) {
		snprintf(why, sizeof(why),
		         "unknown key '%s' (the keys are tandemd's long "
		         "options; see tandemd --help)",
		         name);
	} else {
		char bad[300];
		if (set(L, d, value, SRC_FILE, bad, sizeof(bad)) == 0) {
			return 1;
		}
		snprintf(why, sizeof(why), "key '%s': %s", name, bad);
	}
	if (L->err[0] == '\0') {
		snprintf(L->err, sizeof(L->err), "%s", why);
	}
	return 0;
}

static int
read_file(loader *L, const char *path)
{
	char *copy = strdup(path);
	if (copy == NULL) {
		fprintf(stderr, "tandemd: out of memory\n");
		return -1;
	}
	L->dir  = strdup(dirname(copy));
	L->file = path;
	free(copy);
	if (L->dir == NULL) {
		fprintf(stderr, "tandemd: out of memory\n");
		return -1;
	}
	int rv = ini_parse(path, on_key, L);
	free(L->dir);
	L->dir = NULL;
	if (rv == -1) {
		fprintf(stderr, "tandemd: cannot open config file %s: %s\n",
		        path, strerror(errno));
		return -1;
	}
	if (rv == -2) {
		fprintf(stderr, "tandemd: out of memory reading %s\n", path);
		return -1;
	}
	if (rv > 0) {
		fprintf(stderr, "tandemd: %s:%d: %s\n", path, rv,
		        L->err[0] ? L->err
		                  : "not a key = value line (ini syntax)");
		return -1;
	}
	return 0;
}

int
config_load(td_config *cfg, int argc, char **argv, const char **bootstrap)
{
	struct option opts[N_DEFS + 1];
	struct {
		const optdef *d;
		const char   *v;
	} args[64];
	int         n_args = 0;
	const char *file   = NULL;
	loader      L      = { .cfg        = cfg,
		               .listen_src = SRC_DEFAULT,
		               .events_src = SRC_DEFAULT };
	char        err[400];

	*bootstrap        = NULL;
	cfg->version      = TD_VERSION;
	cfg->db           = "";
	cfg->max_message  = TD_DEFAULT_MAX_MESSAGE;
	cfg->max_pending  = TD_DEFAULT_MAX_PENDING;
	cfg->max_per_peer = TD_DEFAULT_MAX_PER_PEER;
	cfg->min_n        = 10;
	cfg->horizon_days = 366;
	cfg->log_requests = 1;
	long cores        = sysconf(_SC_NPROCESSORS_ONLN);
	cfg->workers      = cores > 0 ? (int) (cores > 256 ? 256 : cores) : 2;

	cfg->answer_cache_mib  = 16; /* 0 = off */
	cfg->lattice_cache_mib = 32;

	for (size_t i = 0; i < N_DEFS; i++) {
		opts[i] = (struct option) { defs[i].name,
			                    defs[i].arg ? required_argument
			                                : no_argument,
			                    NULL, (int) i };
	}
	opts[N_DEFS] = (struct option) { NULL, 0, NULL, 0 };

	/* The command line first, only to collect it: --help and
	 * --version need no file, and --config names the file. */
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c < 0 || (size_t) c >= N_DEFS) {
			usage(stderr);
			return CONFIG_BAD;
		}
		const optdef *d = &defs[c];
		switch (d->id) {
		case O_HELP:
			usage(stdout);
			return CONFIG_DONE;
		case O_VERSION:
			printf("tandemd %s (protocol %d)\n", TD_VERSION,
			       TD_PROTOCOL_VERSION);
			return CONFIG_DONE;
		case O_CONFIG:
			file = optarg;
			break;
		case O_MIGRATE_ONLY:
			cfg->migrate = cfg->migrate_only = 1;
			break;
		case O_BOOTSTRAP:
			*bootstrap = optarg;
			break;
		default:
			if (n_args == (int) (sizeof(args) / sizeof(args[0]))) {
				fprintf(stderr, "tandemd: too many options\n");
				return CONFIG_BAD;
			}
			args[n_args].d   = d;
			args[n_args++].v = d->arg ? optarg : NULL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "tandemd: unexpected argument '%s'\n",
		        argv[optind]);
		return CONFIG_BAD;
	}
	for (size_t i = 0; i < N_DEFS; i++) {
		const char *v = defs[i].env ? getenv(defs[i].env) : NULL;
		if (v != NULL && v[0] != '\0'
		    && set(&L, &defs[i], v, SRC_ENV, err, sizeof(err)) != 0) {
			fprintf(stderr, "tandemd: environment %s: %s\n",
			        defs[i].env, err);
			return CONFIG_BAD;
		}
	}
	if (file == NULL && access(DEFAULT_CONFIG, F_OK) == 0) {
		file = DEFAULT_CONFIG;
	}
	if (file != NULL) {
		cfg->config_file = keep(cfg, file, strlen(file));
		if (cfg->config_file == NULL || read_file(&L, file) != 0) {
			return CONFIG_BAD;
		}
	}
	for (int i = 0; i < n_args; i++) {
		if (set(&L, args[i].d, args[i].v, SRC_ARGS, err, sizeof(err))
		    != 0) {
			fprintf(stderr, "tandemd: --%s: %s\n", args[i].d->name,
			        err);
			return CONFIG_BAD;
		}
	}
	if (cfg->n_listen == 0) {
		cfg->listen[cfg->n_listen++] = TD_DEFAULT_URL;
	}
	return CONFIG_RUN;
}
