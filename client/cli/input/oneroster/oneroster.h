/* SPDX-License-Identifier: MIT
 * tandem import oneroster's reader: a OneRoster 1.1 or 1.2 CSV export's
 * manifest, orgs, users and roles, checked and turned into one
 * ImportRoster request, remembering where each record came from
 * (oneroster_read.c); the command and its answers are in oneroster.c.
 */
#ifndef TD_CLI_ONEROSTER_H
#define TD_CLI_ONEROSTER_H

#include <stdbool.h>
#include <stddef.h>

#include "csvread.h"
#include "tandem/tandem.h"

/* One file of the export: its mode in the manifest and its table. */
typedef struct orfile {
	const char    *name; /* "orgs.csv" */
	const char    *key; /* "file.orgs" */
	char           mode[16]; /* bulk|delta|absent */
	size_t         mline; /* its manifest line */
	csvread_table *t;
} orfile;

enum { F_ORGS, F_USERS, F_ROLES, F_N };

#define WORDS_MAX 12
typedef struct words {
	struct {
		char   word[40];
		size_t n;
	} v[WORDS_MAX];
	size_t n, total;
} words;

typedef struct oneroster_reader {
	const char  *what;
	const char  *dir;
	bool         v12;
	orfile       f[F_N];
	csvread_errs e;
	/* The request being built, and where each record came from. */
	Tandem__V1__RosterOrg        *orgs;
	Tandem__V1__RosterUser       *users;
	Tandem__V1__RosterMembership *mems;
	size_t                        no, nu, nm, cap_m;
	size_t                       *oline, *uline, *mline;
	int                           mfile; /* F_USERS (1.1) or F_ROLES */
	/* Skipped here, by reason: students, guardians, other roles. */
	size_t students, guardians, no_role;
	words  other_roles, other_types;
	char **names; /* "givenName familyName", owned */
	size_t n_names;
} oneroster_reader;

/* oneroster_read reads and checks r->dir (r->what names the command in
 * messages): 0 when no file is unusable, with r->e.n counting the
 * problems printed as FILE:LINE:COLUMN; 1 when a file cannot be used at
 * all (said why). */
int oneroster_read(oneroster_reader *r);
/* oneroster_free frees what oneroster_read made; r itself is the
 * caller's. */
void oneroster_free(oneroster_reader *r);
/* oneroster_calloc is calloc that exits with a message when memory runs
 * out: the CLI can do nothing sensible without it. */
void *oneroster_calloc(size_t n, size_t size);
/* oneroster_words writes "a 2, b 1" into buf and returns it. */
const char *oneroster_words(const words *w, char *buf, size_t size);

#endif /* TD_CLI_ONEROSTER_H */
