/* SPDX-License-Identifier: MIT
 * tandem import oneroster: a OneRoster 1.1 or 1.2 CSV export, bulk or
 * delta (manifest.csv, orgs.csv, users.csv, and 1.2's roles.csv), read and
 * checked here, then sent whole in one Registry/ImportRoster call, which
 * stores all of it or nothing; its notes and problems are printed at
 * their FILE:LINE:COLUMN, and a summary per file, kind and reason.
 */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "oneroster.h"

#define NCOLS(a) (sizeof(a) / sizeof((a)[0]))
/* The import's deadline: at least this, measured at ~4 ms a staff record
 * on a loaded 2-core machine (bench/roster), with room to spare. */
#define ONEROSTER_DEADLINE_BASE_MS       60000
#define ONEROSTER_DEADLINE_PER_RECORD_MS 20

/* ---- answers ---- */

/* origin maps a request record to its file, line and the column of
 * field; returns the file index. */
static int
origin(const oneroster_reader *r, int64_t rec, const char *field, size_t *line,
       int *col)
{
	int    f;
	size_t i = (size_t) rec;
	if (i < r->no) {
		f     = F_ORGS;
		*line = r->oline[i];
	} else if (i < r->no + r->nu) {
		f     = F_USERS;
		*line = r->uline[i - r->no];
	} else {
		f     = r->mfile;
		*line = r->mline[i - r->no - r->nu];
	}
	const csvread_table *t = r->f[f].t;
	*col = t && field && field[0] ? csvread_find(t, field) : -1;
	if (*col < 0 && t && field && strcmp(field, "orgSourcedIds") == 0) {
		*col = csvread_find(t, "orgSourcedId");
	}
	return f;
}

static void
print_at(const oneroster_reader *r, int64_t rec, const char *field,
         const char *kind, const char *msg)
{
	if (rec < 0 || (size_t) rec >= r->no + r->nu + r->nm) {
		fprintf(stderr, "tandem: %s: %s%s\n", r->what, kind, msg);
		return;
	}
	size_t line;
	int    col;
	int    f = origin(r, rec, field, &line, &col);
	if (col >= 0) {
		fprintf(stderr, "%s/%s:%zu:%d: %s%s\n", r->dir, r->f[f].name,
		        line, col + 1, kind, msg);
	} else {
		fprintf(stderr, "%s/%s:%zu: %s%s\n", r->dir, r->f[f].name,
		        line, kind, msg);
	}
}

static void
summary_row(out_table *t, const char *file, const char *kind,
            const Tandem__V1__RosterCount *c, int64_t skipped,
            const char *reasons)
{
	out_str(t, file);
	out_str(t, kind);
	out_int(t, c ? c->created : 0);
	out_int(t, c ? c->updated : 0);
	out_int(t, c ? c->unchanged : 0);
	out_int(t, c ? c->deactivated : 0);
	out_int(t, (c ? c->skipped : 0) + skipped);
	out_str(t, reasons);
}

static void
print_summary(cli *c, const oneroster_reader *r,
              const Tandem__V1__ImportRosterResponse *a)
{
	static const char *cols[]
	    = { "file",      "kind",        "created", "updated",
		"unchanged", "deactivated", "skipped", "skipped_because" };
	out_table *t = out_table_create("import", NCOLS(cols), cols);
	const Tandem__V1__RosterCount *count[4] = { NULL };
	char                           why[4][512];
	static const char *const       kinds[]
	    = { "district", "school", "educator", "membership" };
	for (size_t k = 0; k < 4; k++) {
		why[k][0] = '\0';
		for (size_t i = 0; i < a->n_counts; i++) {
			if (strcmp(a->counts[i]->kind, kinds[k]) == 0) {
				count[k] = a->counts[i];
			}
		}
		for (size_t i = 0; i < a->n_skips; i++) {
			if (strcmp(a->skips[i]->kind, kinds[k]) == 0) {
				size_t len = strlen(why[k]);
				snprintf(why[k] + len, sizeof(why[k]) - len,
				         "%s%s %lld", len ? ", " : "",
				         a->skips[i]->reason,
				         (long long) a->skips[i]->count);
			}
		}
	}
	const char *mf = r->f[r->mfile].name;
	summary_row(t, "orgs.csv", "districts", count[0], 0, why[0]);
	summary_row(t, "orgs.csv", "schools", count[1], 0, why[1]);
	char buf[700], w[400];
	if (r->other_types.total > 0) {
		snprintf(buf, sizeof(buf), "not a district or school: %s",
		         oneroster_words(&r->other_types, w, sizeof(w)));
		summary_row(t, "orgs.csv", "other orgs", NULL,
		            (int64_t) r->other_types.total, buf);
	}
	size_t len = (size_t) snprintf(buf, sizeof(buf), "%s", why[2]);
	if (r->other_roles.total > 0) {
		snprintf(buf + len, sizeof(buf) - len, "%snot staff roles: %s",
		         len ? "; " : "",
		         oneroster_words(&r->other_roles, w, sizeof(w)));
	}
	if (r->no_role) {
		len = strlen(buf);
		snprintf(buf + len, sizeof(buf) - len, "%sno role %zu",
		         len ? "; " : "", r->no_role);
	}
	summary_row(t, "users.csv", "educators", count[2],
	            (int64_t) (r->other_roles.total + r->no_role), buf);
	summary_row(t, "users.csv", "students", NULL, (int64_t) r->students,
	            r->students ? "students are not staff" : "");
	summary_row(t, "users.csv", "guardians", NULL, (int64_t) r->guardians,
	            r->guardians ? "parents, guardians, relatives" : "");
	summary_row(t, mf, "memberships", count[3], 0, why[3]);
	out_print_one(stdout, c->format, t);
	out_table_destroy(t);
}

static int
send(cli *c, oneroster_reader *r, const char *district, bool dry_run,
     long retries)
{
	Tandem__V1__ImportRosterRequest q
	    = TANDEM__V1__IMPORT_ROSTER_REQUEST__INIT;
	Tandem__V1__RosterOrg  **po = oneroster_calloc(r->no, sizeof(void *));
	Tandem__V1__RosterUser **pu = oneroster_calloc(r->nu, sizeof(void *));
	Tandem__V1__RosterMembership **pm
	    = oneroster_calloc(r->nm, sizeof(void *));
	for (size_t i = 0; i < r->no; i++) {
		po[i] = &r->orgs[i];
	}
	for (size_t i = 0; i < r->nu; i++) {
		pu[i] = &r->users[i];
	}
	for (size_t i = 0; i < r->nm; i++) {
		pm[i] = &r->mems[i];
	}
	q.orgs          = po;
	q.n_orgs        = r->no;
	q.users         = pu;
	q.n_users       = r->nu;
	q.memberships   = pm;
	q.n_memberships = r->nm;
	q.district      = (char *) (district ? district : "");
	q.dry_run       = dry_run;
	for (int f = 0; f < F_N; f++) {
		q.delta |= strcmp(r->f[f].mode, "delta") == 0;
	}
	td_status         st   = { 0 };
	ProtobufCMessage *resp = NULL;
	int               rv   = 0;
	/* One call stores the whole roster: its deadline grows with it. */
	int64_t need = ONEROSTER_DEADLINE_BASE_MS
	    + ONEROSTER_DEADLINE_PER_RECORD_MS
	        * (int64_t) (r->no + r->nu + r->nm);
	if (need > c->timeout_ms) {
		td_client_set_timeout(
		    cli_client(c), need > INT32_MAX ? INT32_MAX : (int) need);
	}
	if (cli_call(c, r->what, &td_registry_import_roster_method, &q.base,
	             &resp, &st, (int) retries)
	    != TD_CODE_OK) {
		fprintf(stderr, "tandem: %s: %s: %s\n", r->what,
		        td_code_name(st.code), st.message);
		for (size_t i = 0; i < st.n_details; i++) {
			const td_detail *d = &st.details[i];
			print_at(r, d->record_index, d->field, "",
			         d->message ? d->message : "");
		}
		if (st.details_omitted > 0) {
			fprintf(stderr, "… and %d more\n", st.details_omitted);
		}
		fprintf(stderr, "tandem: %s: nothing was stored\n", r->what);
		rv = 1;
	} else {
		const Tandem__V1__ImportRosterResponse *a
		    = (const void *) resp;
		for (size_t i = 0; i < a->n_notes; i++) {
			const Tandem__V1__RosterNote *n = a->notes[i];
			print_at(
			    r, n->record, n->field,
			    n->skipped ? "skipped: " : "note: ", n->message);
		}
		if (a->notes_omitted > 0) {
			fprintf(stderr, "tandem: %s: … and %lld more notes\n",
			        r->what, (long long) a->notes_omitted);
		}
		print_summary(c, r, a);
		if (dry_run) {
			fprintf(stderr,
			        "tandem: %s: dry run: nothing was stored\n",
			        r->what);
		}
	}
	if (resp != NULL) {
		protobuf_c_message_free_unpacked(resp, NULL);
	}
	td_status_reset(&st);
	free(po);
	free(pu);
	free(pm);
	return rv;
}

static void
usage(void)
{
	printf(
	    "usage: tandem import oneroster [--district CODE] [--dry-run] "
	    "[--retries N] DIR\n\n"
	    "Imports districts, schools, educators and where each educator "
	    "serves from a\nOneRoster 1.1 or 1.2 CSV export, bulk or delta: "
	    "DIR/manifest.csv, orgs.csv,\nusers.csv and (1.2) roles.csv. "
	    "Every file is checked first and the whole\nroster is stored "
	    "in one transaction, or nothing is.\n\n"
	    "  sourcedId is the stable key; identifier is the code when it "
	    "is unique\n  (else the sourcedId, with a note). Roles map as "
	    "README.md's table says;\n  students and guardians are counted "
	    "and skipped. enabledUser=false or\n  status=tobedeleted keeps "
	    "an educator, inactive.\n\n"
	    "  --district CODE  the district of schools with none above "
	    "them (default:\n                   an implied district per "
	    "such school, with a note)\n"
	    "  --dry-run        check and count everything, store nothing\n"
	    "  --retries N      tries again on UNAVAILABLE or "
	    "DEADLINE_EXCEEDED (default %d)\n",
	    CLI_DEFAULT_RETRIES);
}

int
cmd_import(cli *c, int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "retries", required_argument, NULL, 'r' },
		{ "district", required_argument, NULL, 'd' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	const char *what     = "import oneroster";
	const char *district = NULL;
	long        retries  = CLI_DEFAULT_RETRIES;
	bool        dry_run  = false;
	int         opt;

	if (cli_wants_help(argc, argv)) {
		usage();
		return 0;
	}
	if (argc < 2 || strcmp(argv[1], "oneroster") != 0) {
		return cli_usage_error("import",
		                       "the only source is oneroster");
	}
	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc - 1, argv + 1, ":", lopts, NULL))
	       != -1) {
		if (opt == 'd') {
			district = optarg;
		} else if (opt == 'n') {
			dry_run = true;
		} else if (opt != 'r') {
			return cli_option_error(what, opt, argv + 1);
		} else if (cli_parse_count(what, "--retries", optarg, 0,
		                           CLI_MAX_RETRIES, &retries)) {
			return 2;
		}
	}
	if (optind + 1 != argc - 1) {
		return cli_usage_error(what, "takes one DIR");
	}
	oneroster_reader r  = { .what = what, .dir = argv[optind + 1] };
	int              rv = oneroster_read(&r);
	if (rv == 0 && r.e.n > 0) {
		fprintf(stderr,
		        "tandem: %s: %zu problem%s in %s; nothing was sent\n",
		        what, r.e.n, r.e.n == 1 ? "" : "s", r.dir);
		rv = 1;
	}
	if (rv == 0 && r.no + r.nu + r.nm == 0) {
		fprintf(stderr,
		        "tandem: %s: %s holds no org and no staff: nothing "
		        "to import\n",
		        what, r.dir);
		rv = 1;
	}
	if (rv == 0) {
		rv = send(c, &r, district, dry_run, retries);
	}
	oneroster_free(&r);
	return rv;
}
