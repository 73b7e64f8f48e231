/* SPDX-License-Identifier: MIT
 * The CLI's own config file (ini, read with inih): the servers, the token
 * file and the TLS CA, so a data manager need not repeat them. It is the
 * lowest source: the environment and then the command line win over it.
 */
#include <errno.h>
#include <ini.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

typedef struct reader {
	cli        *c;
	const char *dir;
	char        err[300];
} reader;

/* keep copies a value for the process's life (the CLI exits soon); a
 * relative file name is taken from the config file's folder. */
static const char *
keep(const reader *r, const char *v, bool path)
{
	char *s = NULL;
	if (path && v[0] != '/') {
		if (asprintf(&s, "%s/%s", r->dir, v) < 0) {
			s = NULL;
		}
	} else {
		s = strdup(v);
	}
	return s;
}

static int
on_key(void *user, const char *section, const char *name, const char *value)
{
	reader     *r = user;
	cli        *c = r->c;
	const char *s;
	if (section[0] != '\0' && strcmp(section, "tandem") != 0) {
		snprintf(r->err, sizeof(r->err),
		         "key '%s' is in section [%s]; put it before any "
		         "section or in [tandem]",
		         name, section);
		return 0;
	}
	if (value[0] == '\0') {
		snprintf(r->err, sizeof(r->err), "key '%s' has no value",
		         name);
		return 0;
	}
	if (strcmp(name, "server") == 0) {
		if (c->n_cfg_urls
		    == sizeof(c->cfg_urls) / sizeof(c->cfg_urls[0])) {
			snprintf(r->err, sizeof(r->err),
			         "at most 8 server keys");
			return 0;
		}
		s                            = keep(r, value, false);
		c->cfg_urls[c->n_cfg_urls++] = s;
	} else if (strcmp(name, "token-file") == 0) {
		s = c->cfg_token_file = keep(r, value, true);
	} else if (strcmp(name, "tls-ca") == 0) {
		s = c->cfg_tls_ca = keep(r, value, true);
	} else {
		snprintf(r->err, sizeof(r->err),
		         "unknown key '%s' (server, token-file, tls-ca)",
		         name);
		return 0;
	}
	if (s == NULL) {
		snprintf(r->err, sizeof(r->err), "out of memory");
		return 0;
	}
	return 1;
}

int
cli_read_config(cli *c, const char *path, bool must_exist)
{
	char        fallback[4096];
	const char *xdg  = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");
	if (path == NULL) {
		if (xdg != NULL && xdg[0] == '/') {
			snprintf(fallback, sizeof(fallback),
			         "%s/tandem/config", xdg);
		} else if (home != NULL && home[0] != '\0') {
			snprintf(fallback, sizeof(fallback),
			         "%s/.config/tandem/config", home);
		} else {
			return 0;
		}
		path = fallback;
		if (access(path, F_OK) != 0) {
			return 0;
		}
	}
	char *copy = strdup(path);
	if (copy == NULL) {
		fprintf(stderr, "tandem: out of memory\n");
		return 1;
	}
	reader r  = { .c = c, .dir = dirname(copy) };
	int    rv = ini_parse(path, on_key, &r);
	free(copy);
	if (rv == -1 && !must_exist && errno == ENOENT) {
		return 0;
	}
	if (rv == -1) {
		fprintf(stderr, "tandem: cannot open config file %s: %s\n",
		        path, strerror(errno));
		return 1;
	}
	if (rv != 0) {
		fprintf(stderr, "tandem: %s:%d: %s\n", path, rv,
		        r.err[0]       ? r.err
		            : rv == -2 ? "out of memory"
		                       : "not a key = value line");
		return 1;
	}
	return 0;
}

void
cli_config_free(cli *c)
{
	for (size_t i = 0; i < c->n_cfg_urls; i++) {
		free((char *) c->cfg_urls[i]);
	}
	free((char *) c->cfg_token_file);
	free((char *) c->cfg_tls_ca);
	free(c->token_buf);
	c->n_cfg_urls     = 0;
	c->cfg_token_file = c->cfg_tls_ca = NULL;
	c->token_buf                      = NULL;
}

int
cli_read_token_file(cli *c, const char *path)
{
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		fprintf(stderr, "tandem: cannot read token file %s: %s\n",
		        path, strerror(errno));
		return 1;
	}
	char   buf[512];
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n]                    = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	if (buf[0] == '\0') {
		fprintf(stderr, "tandem: token file %s is empty\n", path);
		return 1;
	}
	free(c->token_buf);
	c->token = c->token_buf = strdup(buf);
	if (c->token == NULL) {
		fprintf(stderr, "tandem: out of memory\n");
		return 1;
	}
	return 0;
}
