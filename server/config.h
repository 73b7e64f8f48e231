/* SPDX-License-Identifier: MIT
 * tandemd's configuration, filled from the command line and environment
 * once at start and read-only afterwards (workers share it).
 */
#ifndef TD_CONFIG_H
#define TD_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#define TD_MAX_LISTEN 8
/* Shortest pseudonym (HMAC) key accepted: 256 bits, HMAC-SHA256's block
 * strength. */
#define TD_HMAC_KEY_MIN 32

typedef struct td_config {
	const char *listen[TD_MAX_LISTEN];
	int         n_listen;
	/* nng pub0 URLs for events; none = events off */
	const char *events_listen[TD_MAX_LISTEN];
	int         n_events_listen;
	const char *db; /* libpq conninfo or URI; "" = PG* env */
	int         workers;
	int         migrate; /* apply migrations at start */
	int         migrate_only; /* apply and exit */
	const char *migrate_db; /* owner conninfo for migrations, or NULL */
	size_t      max_message; /* application limit, bytes */
	size_t      max_pending; /* budget for frames being received */
	int         max_per_peer; /* connections one IP address may hold */
	int         min_n; /* small-cell suppression threshold */
	int         answer_cache_mib; /* answers kept per data version */
	int         lattice_cache_mib; /* decided disclosure lattices kept */
	int         horizon_days; /* dates later than today + this refused */
	const char *hmac_key; /* respondent pseudonym key */
	size_t      hmac_key_len;
	const char *tls_cert;
	const char *tls_key;
	int         log_requests;
	const char *version;
	const char *metrics_listen; /* http://HOST:PORT or NULL */
	const char *hmac_key_file; /* read into hmac_key at start */
	const char *config_file; /* the file read, or NULL */
	void       *owned; /* strings the loader allocated */
} td_config;

/* What config_load found to do. */
enum {
	CONFIG_RUN  = 0, /* serve (or the action in *bootstrap / migrate) */
	CONFIG_DONE = 1, /* --help or --version printed: exit 0 */
	CONFIG_BAD  = 2, /* a bad option, value or file, said on stderr */
};

/* config_load fills cfg from, lowest first, the defaults, the
 * environment, the config file (--config FILE, else the default file when
 * it exists) and the command line. Every setting has the same name as a
 * long option and a config key. *bootstrap gets --bootstrap-admin's name
 * (or NULL). Strings stay owned by cfg until config_free. */
int config_load(td_config *cfg, int argc, char **argv, const char **bootstrap);
/* config_free frees what config_load allocated; cfg may be zeroed. */
void config_free(td_config *cfg);

#endif /* TD_CONFIG_H */
