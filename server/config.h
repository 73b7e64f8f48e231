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
	const char *db; /* libpq conninfo or URI; "" = PG* env */
	int         workers;
	int         migrate; /* apply migrations at start */
	int         migrate_only; /* apply and exit */
	const char *migrate_db; /* owner conninfo for migrations, or NULL */
	size_t      max_message; /* application limit, bytes */
	int         min_n; /* small-cell suppression threshold */
	int         horizon_days; /* dates later than today + this refused */
	const char *hmac_key; /* respondent pseudonym key */
	size_t      hmac_key_len;
	const char *tls_cert;
	const char *tls_key;
	int         log_requests;
	const char *version;
} td_config;

#endif /* TD_CONFIG_H */
