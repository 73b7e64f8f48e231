/* SPDX-License-Identifier: MIT
 * tandem import oneroster, reading: the manifest says the version and
 * which files are bulk, delta or absent; orgs.csv, users.csv and 1.2's
 * roles.csv become the request's orgs, users and memberships. This file
 * knows OneRoster's vocabulary (roles, statuses, manifest keys); the
 * server knows the registry.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cli.h"
#include "oneroster.h"

#define NCOLS(a) (sizeof(a) / sizeof((a)[0]))

void *
oneroster_calloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);
	if (p == NULL) {
		fprintf(stderr, "tandem: out of memory\n");
		exit(1);
	}
	return p;
}

/* complain reports a problem at FILE:LINE:COLUMN of record rec (the
 * first CSVREAD_SHOWN are printed, the rest counted). */
static void
complain(oneroster_reader *r, const csvread_table *t, size_t rec, int col,
         const char *fmt, const char *a)
{
	char msg[512];
	snprintf(msg, sizeof(msg), fmt, a);
	if (r->e.n++ >= CSVREAD_SHOWN) {
		return;
	}
	if (col >= 0) {
		fprintf(stderr, "%s:%zu:%d: %s\n", csvread_name(t),
		        csvread_line(t, rec), col + 1, msg);
	} else {
		fprintf(stderr, "%s:%zu: %s\n", csvread_name(t),
		        csvread_line(t, rec), msg);
	}
}

static const char *
cell(const csvread_table *t, size_t rec, int col)
{
	return col >= 0 ? csvread_cell(t, rec, (size_t) col) : "";
}

/* ---- manifest ---- */

static int
read_manifest(oneroster_reader *r)
{
	char           path[4096];
	csvread_table *t = NULL;
	snprintf(path, sizeof(path), "%s/manifest.csv", r->dir);
	if (cli_read_csv(r->what, path, &t)) {
		return 1;
	}
	csvread_col cols[]
	    = { { "propertyName", true, 0 }, { "value", true, 0 } };
	int rv = 1;
	if (cli_bind(r->what, t, cols, 2, false)) {
		goto out;
	}
	const char *version = NULL;
	size_t      vline   = 0;
	for (size_t i = 0; i < csvread_nrecords(t); i++) {
		const char *k = cell(t, i, cols[0].index);
		const char *v = cell(t, i, cols[1].index);
		if (strcasecmp(k, "oneroster.version") == 0) {
			version = v;
			vline   = csvread_line(t, i);
		}
		for (int f = 0; f < F_N; f++) {
			if (strcasecmp(k, r->f[f].key) == 0) {
				snprintf(r->f[f].mode, sizeof(r->f[f].mode),
				         "%s", v);
				r->f[f].mline = csvread_line(t, i);
			}
		}
		if (strcasecmp(k, "file.userProfiles") == 0
		    && strcasecmp(v, "absent") != 0) {
			fprintf(stderr,
			        "tandem: %s: %s:%zu: note: userProfiles.csv "
			        "is not read: Tandem keeps no SIS login "
			        "profiles\n",
			        r->what, path, csvread_line(t, i));
		}
	}
	if (version == NULL) {
		fprintf(
		    stderr,
		    "tandem: %s: %s: no oneroster.version entry: add "
		    "'oneroster.version,1.1' (or 1.2) as the export says\n",
		    r->what, path);
		goto out;
	}
	if (strcmp(version, "1.1") != 0 && strcmp(version, "1.2") != 0) {
		fprintf(stderr,
		        "tandem: %s: %s:%zu:2: oneroster.version is '%s': "
		        "Tandem reads OneRoster 1.1 and 1.2 CSV\n",
		        r->what, path, vline, version);
		goto out;
	}
	r->v12      = strcmp(version, "1.2") == 0;
	size_t used = 0;
	for (int f = 0; f < F_N; f++) {
		orfile *o = &r->f[f];
		if (o->mode[0] == '\0' || (f == F_ROLES && !r->v12)) {
			snprintf(o->mode, sizeof(o->mode), "absent");
		}
		for (char *c = o->mode; *c; c++) {
			*c = (char) (*c >= 'A' && *c <= 'Z' ? *c + 32 : *c);
		}
		if (strcmp(o->mode, "bulk") != 0
		    && strcmp(o->mode, "delta") != 0
		    && strcmp(o->mode, "absent") != 0) {
			fprintf(
			    stderr,
			    "tandem: %s: %s:%zu:2: %s is '%s': write bulk, "
			    "delta or absent\n",
			    r->what, path, o->mline, o->key, o->mode);
			goto out;
		}
		used += strcmp(o->mode, "absent") != 0;
	}
	if (used == 0) {
		fprintf(stderr,
		        "tandem: %s: %s: orgs, users%s are all absent: "
		        "nothing to import\n",
		        r->what, path, r->v12 ? " and roles" : "");
		goto out;
	}
	if (r->v12 && strcmp(r->f[F_USERS].mode, "bulk") == 0
	    && strcmp(r->f[F_ROLES].mode, "bulk") != 0) {
		fprintf(stderr,
		        "tandem: %s: %s: a OneRoster 1.2 bulk users.csv needs "
		        "a bulk roles.csv (file.roles), which says where each "
		        "user serves\n",
		        r->what, path);
		goto out;
	}
	rv = 0;
out:
	csvread_destroy(t);
	return rv;
}

/* ---- values ---- */

/* status_of reads a status cell: false (complained) when it is neither
 * empty, active nor tobedeleted. */
static bool
status_of(oneroster_reader *r, const csvread_table *t, size_t i, int col,
          bool *deleted)
{
	const char *s = cell(t, i, col);
	/* OneRoster 1.0's "inactive" still turns up in 1.1 exports. */
	*deleted = strcasecmp(s, "tobedeleted") == 0
	    || strcasecmp(s, "inactive") == 0;
	if (*deleted || s[0] == '\0' || strcasecmp(s, "active") == 0) {
		return true;
	}
	complain(r, t, i, col,
	         "status '%s' is neither active nor tobedeleted: write one "
	         "of them (or inactive) or leave it empty",
	         s);
	return false;
}

/* The OneRoster roles, matched ignoring case, and what each becomes.
 * Kept in step with the table in README.md. */
typedef enum { R_STAFF, R_STUDENT, R_GUARDIAN, R_OTHER } role_class;
static const struct {
	const char *oneroster;
	const char *tandem; /* NULL: not staff */
	role_class  cls;
} ROLE_MAP[] = {
	{ "teacher", "teacher", R_STAFF },
	{ "administrator", "administrator", R_STAFF }, /* by org: server */
	{ "siteAdministrator", "school_administrator", R_STAFF },
	{ "districtAdministrator", "district_administrator", R_STAFF },
	{ "principal", "principal", R_STAFF },
	{ "aide", "aide", R_STAFF },
	{ "counselor", "counselor", R_STAFF },
	{ "student", NULL, R_STUDENT },
	{ "parent", NULL, R_GUARDIAN },
	{ "guardian", NULL, R_GUARDIAN },
	{ "relative", NULL, R_GUARDIAN },
	{ "proctor", NULL, R_OTHER },
	{ "systemAdministrator", NULL, R_OTHER },
};

static role_class
map_role(const char *role, const char **tandem)
{
	for (size_t i = 0; i < NCOLS(ROLE_MAP); i++) {
		if (strcasecmp(role, ROLE_MAP[i].oneroster) == 0) {
			*tandem = ROLE_MAP[i].tandem;
			return ROLE_MAP[i].cls;
		}
	}
	*tandem = NULL;
	return R_OTHER;
}

/* words_add counts one more of word in a short list (the first
 * WORDS_MAX distinct words; the rest go under "other"). */
static void
words_add(words *w, const char *word)
{
	size_t i = 0;
	while (i < w->n && strcmp(w->v[i].word, word) != 0) {
		i++;
	}
	if (i == w->n && w->n == WORDS_MAX) {
		word = "other";
		i    = 0;
		while (i < w->n && strcmp(w->v[i].word, word) != 0) {
			i++;
		}
		if (i == w->n) {
			i = w->n - 1; /* the last slot becomes "other" */
			w->v[i].n = 0;
		}
	}
	if (i == w->n) {
		w->n++;
	}
	snprintf(w->v[i].word, sizeof(w->v[i].word), "%s", word);
	w->v[i].n++;
	w->total++;
}

/* words_str writes "a 2, b 1" into buf. */
const char *
oneroster_words(const words *w, char *buf, size_t size)
{
	size_t len = 0;
	buf[0]     = '\0';
	for (size_t i = 0; i < w->n && len < size; i++) {
		len += (size_t) snprintf(buf + len, size - len, "%s%s %zu",
		                         i ? ", " : "", w->v[i].word,
		                         w->v[i].n);
	}
	return buf;
}

static Tandem__V1__RosterMembership *
add_mem(oneroster_reader *r, size_t line)
{
	if (r->nm == r->cap_m) {
		r->cap_m = r->cap_m ? 2 * r->cap_m : 64;
		r->mems  = realloc(r->mems, r->cap_m * sizeof(*r->mems));
		r->mline = realloc(r->mline, r->cap_m * sizeof(size_t));
		if (r->mems == NULL || r->mline == NULL) {
			fprintf(stderr, "tandem: out of memory\n");
			exit(1);
		}
	}
	Tandem__V1__RosterMembership *m = &r->mems[r->nm];
	tandem__v1__roster_membership__init(m);
	r->mline[r->nm++] = line;
	return m;
}

/* ---- files ---- */

static int
open_file(oneroster_reader *r, int f, csvread_col *cols, size_t n)
{
	char path[4096];
	if (strcmp(r->f[f].mode, "absent") == 0) {
		return 0;
	}
	snprintf(path, sizeof(path), "%s/%s", r->dir, r->f[f].name);
	if (cli_read_csv(r->what, path, &r->f[f].t)
	    || cli_bind(r->what, r->f[f].t, cols, n, false)) {
		return 1;
	}
	return 0;
}

static int
read_orgs(oneroster_reader *r)
{
	csvread_col cols[] = {
		{ "sourcedId", true, 0 },   { "status", false, 0 },
		{ "name", true, 0 },        { "type", true, 0 },
		{ "identifier", false, 0 }, { "parentSourcedId", false, 0 },
	};
	if (open_file(r, F_ORGS, cols, NCOLS(cols))) {
		return 1;
	}
	const csvread_table *t = r->f[F_ORGS].t;
	size_t               n = t ? csvread_nrecords(t) : 0;
	r->orgs                = oneroster_calloc(n, sizeof(*r->orgs));
	r->oline               = oneroster_calloc(n, sizeof(size_t));
	for (size_t i = 0; i < n; i++) {
		Tandem__V1__RosterOrg *o = &r->orgs[r->no];
		tandem__v1__roster_org__init(o);
		bool deleted;
		if (!status_of(r, t, i, cols[1].index, &deleted)) {
			continue;
		}
		o->sourced_id = (char *) cell(t, i, cols[0].index);
		o->name       = (char *) cell(t, i, cols[2].index);
		o->identifier = (char *) cell(t, i, cols[4].index);
		o->parent     = (char *) cell(t, i, cols[5].index);
		o->deleted    = deleted;
		/* Types are matched ignoring case; the server reads them
		 * lower-case. */
		const char *type = cell(t, i, cols[3].index);
		o->type
		    = (char *) (strcasecmp(type, "district") == 0 ? "district"
		                    : strcasecmp(type, "school") == 0
		                    ? "school"
		                    : type);
		if (!deleted && strcmp(o->type, "district") != 0
		    && strcmp(o->type, "school") != 0) {
			words_add(&r->other_types,
			          type[0] ? type : "(no type)");
		}
		r->oline[r->no++] = csvread_line(t, i);
	}
	return 0;
}

/* user_name joins givenName and familyName. */
static char *
user_name(const char *g, const char *f)
{
	char *s = NULL;
	if (asprintf(&s, "%s%s%s", g, *g && *f ? " " : "", f) < 0) {
		fprintf(stderr, "tandem: out of memory\n");
		exit(1);
	}
	return s;
}

/* split_orgs adds a membership for each org in a 1.1 orgSourcedIds list. */
static void
split_orgs(oneroster_reader *r, const char *list, const char *user,
           const char *role, size_t line)
{
	const char *p = list;
	while (*p) {
		while (*p == ' ' || *p == ',') {
			p++;
		}
		const char *end = p;
		while (*end && *end != ',') {
			end++;
		}
		const char *last = end;
		while (last > p && last[-1] == ' ') {
			last--;
		}
		if (last > p) {
			Tandem__V1__RosterMembership *m = add_mem(r, line);
			m->user                         = (char *) user;
			m->org  = strndup(p, (size_t) (last - p));
			m->role = (char *) role;
			if (m->org == NULL) {
				fprintf(stderr, "tandem: out of memory\n");
				exit(1);
			}
		}
		p = end;
	}
}

/* other_role_note says, at its line and column, why a role that is
 * neither staff, student nor guardian is skipped (students and guardians
 * are only counted: there are many). */
static void
other_role_note(const csvread_table *t, size_t i, int col, role_class cls,
                const char *role)
{
	if (cls == R_OTHER) {
		fprintf(
		    stderr,
		    "%s:%zu:%d: skipped: role '%s' is not one of the staff "
		    "roles Tandem keeps (see README's OneRoster table)\n",
		    csvread_name(t), csvread_line(t, i), col + 1, role);
	}
}

static void
skip_role(oneroster_reader *r, role_class cls, const char *role)
{
	if (cls == R_STUDENT) {
		r->students++;
	} else if (cls == R_GUARDIAN) {
		r->guardians++;
	} else {
		words_add(&r->other_roles, role[0] ? role : "(no role)");
	}
}

static int
read_users(oneroster_reader *r)
{
	csvread_col cols[] = {
		{ "sourcedId", true, 0 },
		{ "status", false, 0 },
		{ "enabledUser", false, 0 },
		{ "orgSourcedIds", !r->v12, 0 },
		{ "role", !r->v12, 0 },
		{ "givenName", false, 0 },
		{ "familyName", false, 0 },
		{ "identifier", false, 0 },
		{ "primaryOrgSourcedId", false, 0 },
	};
	if (open_file(r, F_USERS, cols, NCOLS(cols))) {
		return 1;
	}
	const csvread_table *t = r->f[F_USERS].t;
	size_t               n = t ? csvread_nrecords(t) : 0;
	r->users               = oneroster_calloc(n, sizeof(*r->users));
	r->uline               = oneroster_calloc(n, sizeof(size_t));
	r->names               = oneroster_calloc(n, sizeof(char *));
	for (size_t i = 0; i < n; i++) {
		bool deleted, enabled = true;
		if (!status_of(r, t, i, cols[1].index, &deleted)) {
			continue;
		}
		const char *en = cell(t, i, cols[2].index);
		if (en[0] != '\0' && csvread_parse_bool(en, &enabled) != 0) {
			complain(r, t, i, cols[2].index,
			         "enabledUser '%s' is neither true nor false",
			         en);
			continue;
		}
		const char *role = cell(t, i, cols[4].index), *as = NULL;
		role_class  cls = map_role(role, &as);
		if (!r->v12 && cls != R_STAFF
		    && !(deleted && role[0] == '\0')) {
			skip_role(r, cls, role);
			other_role_note(t, i, cols[4].index, cls, role);
			continue;
		}
		Tandem__V1__RosterUser *u = &r->users[r->nu];
		tandem__v1__roster_user__init(u);
		u->sourced_id = (char *) cell(t, i, cols[0].index);
		u->identifier = (char *) cell(t, i, cols[7].index);
		u->name = r->names[r->n_names++] = user_name(
		    cell(t, i, cols[5].index), cell(t, i, cols[6].index));
		u->disabled    = !enabled;
		u->deleted     = deleted;
		u->primary_org = (char *) cell(t, i, cols[8].index);
		/* A 1.1 row lists every org of the user; a 1.2 bulk's
		 * roles.csv every role. */
		u->replace_memberships
		    = !r->v12 || strcmp(r->f[F_ROLES].mode, "bulk") == 0;
		if (!r->v12 && !deleted) {
			split_orgs(r, cell(t, i, cols[3].index), u->sourced_id,
			           as, csvread_line(t, i));
		}
		r->uline[r->nu++] = csvread_line(t, i);
	}
	return 0;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *) a, *(const char *const *) b);
}

/* read_roles reads 1.2's roles.csv into memberships, then drops the users
 * that hold no staff role (students, guardians) from the request. */
static int
read_roles(oneroster_reader *r)
{
	csvread_col cols[] = {
		{ "sourcedId", true, 0 },     { "status", false, 0 },
		{ "userSourcedId", true, 0 }, { "roleType", false, 0 },
		{ "role", true, 0 },          { "orgSourcedId", true, 0 },
		{ "endDate", false, 0 },
	};
	if (open_file(r, F_ROLES, cols, NCOLS(cols))) {
		return 1;
	}
	/* A role whose endDate has passed is over: its membership is made
	 * (or kept) inactive, as a deleted one is. */
	char      today[16];
	time_t    now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(today, sizeof(today), "%Y-%m-%d", &tm);
	const csvread_table *t = r->f[F_ROLES].t;
	size_t               n = t ? csvread_nrecords(t) : 0;
	/* Users with any role row, and with a staff role row. */
	const char **any   = oneroster_calloc(n, sizeof(char *)),
	           **staff = oneroster_calloc(n, sizeof(char *));
	size_t na = 0, ns = 0;
	for (size_t i = 0; i < n; i++) {
		bool deleted;
		if (!status_of(r, t, i, cols[1].index, &deleted)) {
			continue;
		}
		const char *role = cell(t, i, cols[4].index), *as = NULL;
		const char *user = cell(t, i, cols[2].index);
		role_class  cls  = map_role(role, &as);
		any[na++]        = user;
		if (cls != R_STAFF) {
			other_role_note(t, i, cols[4].index, cls, role);
			continue;
		}
		staff[ns++] = user;
		Tandem__V1__RosterMembership *m
		    = add_mem(r, csvread_line(t, i));
		m->sourced_id   = (char *) cell(t, i, cols[0].index);
		m->user         = (char *) user;
		m->org          = strdup(cell(t, i, cols[5].index));
		m->role         = (char *) as;
		m->deleted      = deleted;
		const char *end = cell(t, i, cols[6].index);
		if (!deleted && end[0] != '\0'
		    && strncmp(end, today, 10) < 0) {
			m->deleted = true;
			fprintf(stderr,
			        "%s:%zu:%d: note: role ended on %.10s: its "
			        "membership is inactive\n",
			        csvread_name(t), csvread_line(t, i),
			        cols[6].index + 1, end);
		}
		m->primary
		    = strcasecmp(cell(t, i, cols[3].index), "primary") == 0;
		if (m->org == NULL) {
			fprintf(stderr, "tandem: out of memory\n");
			exit(1);
		}
	}
	qsort(any, na, sizeof(char *), cmp_str);
	qsort(staff, ns, sizeof(char *), cmp_str);
	size_t kept = 0;
	for (size_t j = 0; j < r->nu; j++) {
		const char *id = r->users[j].sourced_id;
		bool        is_staff
		    = bsearch(&id, staff, ns, sizeof(char *), cmp_str) != NULL;
		bool has_role
		    = bsearch(&id, any, na, sizeof(char *), cmp_str) != NULL;
		if (!is_staff && has_role && !r->users[j].deleted) {
			/* classify by its first role row */
			for (size_t i = 0; i < n; i++) {
				if (strcmp(cell(t, i, cols[2].index), id)
				    == 0) {
					const char *as;
					const char *role
					    = cell(t, i, cols[4].index);
					skip_role(r, map_role(role, &as),
					          role);
					break;
				}
			}
			continue;
		}
		if (!has_role && !r->users[j].deleted
		    && strcmp(r->f[F_ROLES].mode, "bulk") == 0) {
			r->no_role++;
			fprintf(stderr,
			        "tandem: %s: %s/users.csv:%zu: skipped: user "
			        "'%s' has no role in roles.csv\n",
			        r->what, r->dir, r->uline[j], id);
			continue;
		}
		r->users[kept]   = r->users[j];
		r->uline[kept++] = r->uline[j];
	}
	r->nu = kept;
	free(any);
	free(staff);
	return 0;
}

int
oneroster_read(oneroster_reader *r)
{
	r->f[F_ORGS]  = (orfile) { "orgs.csv", "file.orgs", "", 0, NULL };
	r->f[F_USERS] = (orfile) { "users.csv", "file.users", "", 0, NULL };
	r->f[F_ROLES] = (orfile) { "roles.csv", "file.roles", "", 0, NULL };
	int rv        = read_manifest(r);
	r->mfile      = r->v12 ? F_ROLES : F_USERS;
	if (rv == 0) {
		rv = read_orgs(r) || read_users(r)
		    || (r->v12 && read_roles(r));
	}
	if (r->e.n > CSVREAD_SHOWN) {
		fprintf(stderr, "… and %zu more\n", r->e.n - CSVREAD_SHOWN);
	}
	return rv;
}

void
oneroster_free(oneroster_reader *r)
{
	for (int f = 0; f < F_N; f++) {
		csvread_destroy(r->f[f].t);
	}
	for (size_t i = 0; i < r->nm; i++) {
		free(r->mems[i].org);
	}
	for (size_t i = 0; i < r->n_names; i++) {
		free(r->names[i]);
	}
	free(r->names);
	free(r->orgs);
	free(r->users);
	free(r->mems);
	free(r->oline);
	free(r->uline);
	free(r->mline);
}
